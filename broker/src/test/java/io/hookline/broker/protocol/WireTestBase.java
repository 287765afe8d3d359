package io.hookline.broker.protocol;

import static org.awaitility.Awaitility.await;

import io.hookline.broker.metrics.BrokerMetrics.Counter;
import io.hookline.broker.testsupport.Bystander;
import io.hookline.broker.testsupport.RawClient;
import io.hookline.broker.testsupport.TestBroker;
import java.time.Duration;
import java.util.HexFormat;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;

/**
 * The fixture of the wire-level bad-input tests: a fresh broker per test, and a bystander
 * client that must still be served after whatever the test did to its own connection.
 */
abstract class WireTestBase {

    protected TestBroker broker;
    protected Bystander bystander;

    /** Config key/value pairs of the broker under test. */
    protected String[] brokerConfig() {
        return new String[0];
    }

    @BeforeEach
    void startBrokerAndBystander() {
        broker = TestBroker.start(brokerConfig());
        bystander = new Bystander(broker);
    }

    /** Whatever the test did to its own connection, other clients carry on. */
    @AfterEach
    void otherClientsAreUnaffected() throws Exception {
        try {
            bystander.assertStillServed();
            bystander.close();
        } finally {
            broker.close();
        }
    }

    protected RawClient connected(int version) {
        return RawClient.connected(broker, version, "raw" + version);
    }

    /**
     * A connected client of {@code version} sends {@code packet}: refused (MQTT 5: DISCONNECT
     * {@code v5Reason}, 3.x: closed without a word) and counted under {@code counter}.
     */
    protected void assertRefused(int version, byte[] packet, int v5Reason, Counter counter) {
        try (RawClient c = connected(version)) {
            c.send(packet);
            c.expectRefusal(v5Reason);
        }
        assertCounted(counter, 1);
    }

    /**
     * A new connection of {@code version} sends {@code connect}: refused (MQTT 5: CONNACK
     * {@code v5Reason}, 3.x: no CONNACK), closed and counted under {@code counter}.
     */
    protected void assertConnectRefused(int version, byte[] connect, int v5Reason, Counter counter) {
        try (RawClient c = RawClient.open(broker, version)) {
            c.send(connect);
            c.expectConnectRefusal(v5Reason);
        }
        assertCounted(counter, 1);
    }

    protected void assertCounted(Counter counter, long atLeast) {
        await().atMost(Duration.ofSeconds(5))
                .until(() -> broker.broker().metrics().get(counter) >= atLeast);
    }

    protected static byte[] hex(String hex) {
        return HexFormat.of().parseHex(hex);
    }
}
