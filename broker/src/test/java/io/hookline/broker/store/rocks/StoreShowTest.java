package io.hookline.broker.store.rocks;

import static io.hookline.broker.testsupport.Clients.bytes;
import static io.hookline.broker.testsupport.Clients.v5;
import static io.hookline.broker.testsupport.Clients.v5Connected;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.hivemq.client.mqtt.datatypes.MqttQos;
import com.hivemq.client.mqtt.mqtt5.Mqtt5BlockingClient;
import io.hookline.broker.testsupport.AdminHttp;
import io.hookline.broker.testsupport.TestBroker;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code store show} over the management API and the store on /status/data, with and without persistence. */
class StoreShowTest {

    @TempDir
    Path dataDir;

    private static JsonNode show(TestBroker broker, Path dataDir) {
        AdminHttp api = new AdminHttp(broker.httpPort(), AdminHttp.adminKey(dataDir));
        AdminHttp.Answer a = api.get("/api/v1/store/show");
        assertEquals(200, a.status(), a.body());
        return a.json().path("table").get(0);
    }

    @Test
    void aDurableStoreShowsWhereItIsAndWhatItWrote() {
        try (TestBroker broker = TestBroker.start(
                "persistence",
                "on",
                "persistence.sync",
                "always",
                "data_dir",
                dataDir.toString(),
                "listener.http.default",
                "127.0.0.1:0")) {
            Mqtt5BlockingClient keeper = v5(broker, "keeper").toBlocking();
            keeper.connectWith().cleanStart(true).sessionExpiryInterval(600).send();
            keeper.subscribeWith().topicFilter("s/#").qos(MqttQos.AT_LEAST_ONCE).send();
            keeper.disconnect();
            Mqtt5BlockingClient pub = v5Connected(broker, "pub");
            pub.publishWith()
                    .topic("s/1")
                    .qos(MqttQos.AT_LEAST_ONCE)
                    .payload(bytes("x"))
                    .send();
            pub.disconnect();

            JsonNode row = show(broker, dataDir);
            assertEquals("on", row.path("persistence").asText());
            assertEquals(
                    dataDir.toAbsolutePath().normalize().resolve("store").toString(),
                    row.path("directory").asText());
            assertEquals("always", row.path("sync").asText());
            assertTrue(row.path("write_requests").asLong() >= 3, row.toString());
            assertTrue(row.path("syncs").asLong() >= 1, row.toString());
            assertEquals(0, row.path("write_errors").asLong());
            assertEquals("writable", row.path("state").asText(), row.toString());
            assertEquals(0, row.path("read_only_times").asLong(), row.toString());
            assertTrue(row.has("state_since") && !row.has("read_only_reason"), row.toString());
            assertTrue(
                    row.has("queued_messages") && row.has("disk_bytes") && row.has("last_compaction"), row.toString());

            // and on the /status page's data
            AdminHttp.Answer status = new AdminHttp(broker.httpPort(), AdminHttp.adminKey(dataDir)).get("/status/data");
            assertEquals(200, status.status(), status.body());
            JsonNode store = status.json().path("store");
            assertEquals("on", store.path("persistence").asText(), status.body());
            assertEquals("always", store.path("sync").asText());
            assertEquals(0, store.path("write_errors").asLong());
            assertTrue(store.path("writable").asBoolean(), status.body());
        }
    }

    @Test
    void withoutPersistenceItSaysSo() {
        try (TestBroker broker = TestBroker.start(
                "persistence", "off", "data_dir", dataDir.toString(), "listener.http.default", "127.0.0.1:0")) {
            assertEquals("off", show(broker, dataDir).path("persistence").asText());
            AdminHttp.Answer status = new AdminHttp(broker.httpPort(), AdminHttp.adminKey(dataDir)).get("/status/data");
            assertEquals("off", status.json().path("store").path("persistence").asText(), status.body());
        }
    }
}
