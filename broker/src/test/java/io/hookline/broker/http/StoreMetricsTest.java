package io.hookline.broker.http;

import static io.hookline.broker.testsupport.Clients.bytes;
import static io.hookline.broker.testsupport.Clients.v5;
import static io.hookline.broker.testsupport.Clients.v5Connected;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.hivemq.client.mqtt.datatypes.MqttQos;
import com.hivemq.client.mqtt.mqtt5.Mqtt5BlockingClient;
import io.hookline.broker.testsupport.TestBroker;
import io.hookline.broker.testsupport.TestHttpServer;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** hookline_store_* meters exist with persistence = on, move with durable writes, and are absent otherwise. */
class StoreMetricsTest {

    @TempDir
    Path dataDir;

    private static Scrape scrape(TestBroker broker) throws Exception {
        try (MetricsHandler metrics = new MetricsHandler(broker.broker());
                TestHttpServer http = TestHttpServer.start(Map.of("/metrics", metrics))) {
            return Scrape.parse(Http.get(http.uri("/metrics")).body());
        }
    }

    @Test
    void durableWritesShowInTheStoreMeters() throws Exception {
        try (TestBroker broker = TestBroker.start("persistence", "on", "data_dir", dataDir.toString())) {
            Mqtt5BlockingClient keeper = v5(broker, "keeper").toBlocking();
            keeper.connectWith().cleanStart(true).sessionExpiryInterval(600).send();
            keeper.subscribeWith().topicFilter("m/#").qos(MqttQos.AT_LEAST_ONCE).send();
            keeper.disconnect();
            Mqtt5BlockingClient pub = v5Connected(broker, "pub");
            for (int i = 0; i < 5; i++) {
                pub.publishWith()
                        .topic("m/" + i)
                        .qos(MqttQos.AT_LEAST_ONCE)
                        .payload(bytes("x"))
                        .send();
            }
            pub.disconnect();

            Scrape s = scrape(broker);
            assertTrue(s.require("hookline_store_write_requests_total") >= 6, "session, subscription, 5 messages");
            assertTrue(s.require("hookline_store_writes_seconds_count") >= 1);
            assertTrue(s.require("hookline_store_write_bytes_total") > 0);
            assertTrue(s.require("hookline_store_write_errors_total") == 0);
            assertEquals(0.0, s.require("hookline_store_read_only"), "writable");
            assertTrue(s.require("hookline_store_disk_bytes") >= 0);
            assertTrue(s.value("hookline_store_queued_messages").isPresent());
            assertTrue(s.value("hookline_store_syncs_seconds_count").isPresent());
        }
    }

    @Test
    void memoryStoresHaveNoStoreMeters() throws Exception {
        try (TestBroker broker = TestBroker.start("persistence", "off")) {
            Scrape s = scrape(broker);
            assertTrue(s.samples().stream().noneMatch(x -> x.name().startsWith("hookline_store_")));
        }
    }
}
