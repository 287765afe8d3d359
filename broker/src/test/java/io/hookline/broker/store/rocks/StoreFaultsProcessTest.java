package io.hookline.broker.store.rocks;

import com.hivemq.client.mqtt.MqttClient;
import com.hivemq.client.mqtt.datatypes.MqttQos;
import com.hivemq.client.mqtt.mqtt5.Mqtt5BlockingClient;
import io.hookline.broker.testsupport.BrokerProcess;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A damaged store as a user meets it: bin/broker refuses to start with a message naming the
 * store and the way out, {@code --repair-store} salvages it, and the next start brings the
 * session back.
 */
class StoreFaultsProcessTest {

    @TempDir
    Path tmp;
    private final List<BrokerProcess> processes = new ArrayList<>();

    @AfterEach
    void killAll() throws InterruptedException {
        for (BrokerProcess p : processes) {
            p.close();
        }
    }

    private String[] config() {
        return new String[] {
            "listener.tcp.default = 127.0.0.1:0",
            "allow_anonymous = on",
            "systree_interval = 0",
            "persistence = on",
            "data_dir = " + tmp.resolve("data"),
        };
    }

    @Test
    void aDamagedStoreStopsTheStartAndRepairStoreBringsItBack() throws Exception {
        BrokerProcess first = BrokerProcess.start(tmp, config());
        processes.add(first);
        Mqtt5BlockingClient keeper = MqttClient.builder().useMqttVersion5().identifier("keeper")
                .serverHost("127.0.0.1").serverPort(first.port()).buildBlocking();
        keeper.connectWith().cleanStart(true).sessionExpiryInterval(3600).send();
        keeper.subscribeWith().topicFilter("a/#").qos(MqttQos.AT_LEAST_ONCE).send();
        keeper.disconnect();
        first.stop();

        Path store = tmp.resolve("data").resolve("store").toAbsolutePath().normalize();
        Files.writeString(store.resolve("CURRENT"), "garbage without a newline");

        BrokerProcess refused = BrokerProcess.launch(tmp, config());
        processes.add(refused);
        assertEquals(1, refused.waitFor(), refused.output());
        String out = refused.output();
        assertTrue(out.contains("the store " + store + " is damaged or unreadable: "), out);
        assertTrue(out.contains("Way out: stop every broker on this data_dir and run 'bin/broker --repair-store'"), out);

        BrokerProcess repair = BrokerProcess.launchWith(tmp, List.of("--repair-store"), config());
        processes.add(repair);
        assertEquals(0, repair.waitFor(), repair.output());
        assertTrue(repair.output().contains("store repair: done; the damaged files are in " + store + ".damaged-"),
                repair.output());

        BrokerProcess again = BrokerProcess.start(tmp, config());
        processes.add(again);
        assertTrue(again.output().contains("restored 1 sessions (1 subscriptions"), again.output());
    }
}
