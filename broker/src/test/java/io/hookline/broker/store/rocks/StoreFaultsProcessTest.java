package io.hookline.broker.store.rocks;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.hivemq.client.mqtt.MqttClient;
import com.hivemq.client.mqtt.datatypes.MqttQos;
import com.hivemq.client.mqtt.mqtt5.Mqtt5BlockingClient;
import io.hookline.broker.testsupport.BrokerProcess;
import io.hookline.broker.testsupport.BrokerProcesses;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * A damaged store as a user meets it: bin/broker refuses to start with a message naming the
 * store and the way out, {@code --repair-store} salvages it, and the next start brings the
 * session back.
 */
class StoreFaultsProcessTest {

    @TempDir
    Path tmp;

    @RegisterExtension
    final BrokerProcesses processes = new BrokerProcesses();

    private static final String[] CONFIG = {"persistence", "on"};

    @Test
    void aDamagedStoreStopsTheStartAndRepairStoreBringsItBack() throws Exception {
        BrokerProcess first = processes.start(tmp, CrashRecoveryProcessTest.JVM, CONFIG);
        Mqtt5BlockingClient keeper = MqttClient.builder()
                .useMqttVersion5()
                .identifier("keeper")
                .serverHost("127.0.0.1")
                .serverPort(first.mqttPort())
                .buildBlocking();
        keeper.connectWith().cleanStart(true).sessionExpiryInterval(3600).send();
        keeper.subscribeWith().topicFilter("a/#").qos(MqttQos.AT_LEAST_ONCE).send();
        keeper.disconnect();
        first.stop();

        Path store = tmp.resolve("data").resolve("store").toAbsolutePath().normalize();
        Files.writeString(store.resolve("CURRENT"), "garbage without a newline");

        BrokerProcess.Exit refused = BrokerProcess.runToExit(tmp, CrashRecoveryProcessTest.JVM, List.of(), CONFIG);
        assertEquals(1, refused.code(), refused.text());
        assertTrue(refused.text().contains("the store " + store + " is damaged or unreadable: "), refused.text());
        assertTrue(
                refused.text()
                        .contains("Way out: stop every broker on this data_dir and run 'bin/broker --repair-store'"),
                refused.text());

        BrokerProcess.Exit repair =
                BrokerProcess.runToExit(tmp, CrashRecoveryProcessTest.JVM, List.of("--repair-store"), CONFIG);
        assertEquals(0, repair.code(), repair.text());
        assertTrue(
                repair.text().contains("store repair: done; the damaged files are in " + store + ".damaged-"),
                repair.text());

        BrokerProcess again = processes.start(tmp, CrashRecoveryProcessTest.JVM, CONFIG);
        assertTrue(again.awaitOutput("restored 1 sessions (1 subscriptions"), String.join("\n", again.output()));
    }
}
