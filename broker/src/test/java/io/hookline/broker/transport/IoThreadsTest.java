package io.hookline.broker.transport;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import com.hivemq.client.mqtt.MqttGlobalPublishFilter;
import com.hivemq.client.mqtt.datatypes.MqttQos;
import com.hivemq.client.mqtt.mqtt3.Mqtt3BlockingClient;
import io.hookline.broker.config.Config;
import io.hookline.broker.config.ConfigException;
import io.hookline.broker.config.CoreConfig;
import io.hookline.broker.testsupport.Clients;
import io.hookline.broker.testsupport.TestBroker;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** io_threads: how many event loops serve the MQTT connections. */
class IoThreadsTest {
    @TempDir
    Path dir;

    @Test
    void oneEventLoopServesEveryConnection() throws Exception {
        try (TestBroker b = TestBroker.start("io_threads", "1")) {
            assertEquals(1, b.broker().ioThreads());
            Mqtt3BlockingClient sub = Clients.v3Connected(b, "sub");
            Mqtt3BlockingClient pub = Clients.v3Connected(b, "pub");
            // the flow before the SUBSCRIBE: registered after it, the client can get the message
            // first and drop it ("No publish flow registered"), as it did once in CI
            try (var in = sub.publishes(MqttGlobalPublishFilter.ALL)) {
                sub.subscribeWith()
                        .topicFilter("t/#")
                        .qos(MqttQos.AT_LEAST_ONCE)
                        .send();
                pub.publishWith()
                        .topic("t/1")
                        .qos(MqttQos.AT_LEAST_ONCE)
                        .payload(Clients.bytes("m"))
                        .send();
                var got = in.receive(10, TimeUnit.SECONDS).orElseThrow();
                assertEquals("m", Clients.text(got.getPayloadAsBytes()));
            }
            pub.disconnect();
            sub.disconnect();
        }
    }

    @Test
    void autoIsOneEventLoopPerCpu() {
        try (TestBroker b = TestBroker.start()) {
            assertEquals(Runtime.getRuntime().availableProcessors(), b.broker().ioThreads());
        }
        assertEquals("auto", CoreConfig.IO_THREADS.defaultText());
    }

    @Test
    void aCountOutsideOneTo1024IsRefusedNamingFileAndLine() throws Exception {
        Path file = dir.resolve("broker.conf");
        Files.writeString(file, "allow_anonymous = on\nio_threads = 0\n");
        ConfigException e = assertThrows(ConfigException.class, () -> Config.load(file, CoreConfig.schema(), Map.of()));
        assertEquals(List.of(file + ":2: io_threads: '0' must be between 1 and 1024"), e.problems());
    }
}
