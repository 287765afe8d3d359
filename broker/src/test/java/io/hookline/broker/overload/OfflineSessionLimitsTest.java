package io.hookline.broker.overload;

import io.hookline.broker.testsupport.RawClient;
import io.hookline.broker.testsupport.TestBroker;
import org.junit.jupiter.api.Test;

import java.time.Duration;

import static io.hookline.broker.testsupport.RawClient.CONNACK;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * Issue 16 item 6: offline sessions expire by default (a day), for 3.x persistent sessions and
 * for v5 clients asking for "never"; what an offline session may hold is bounded in messages
 * and bytes.
 */
class OfflineSessionLimitsTest {

    private static final long DAY = 86_400;

    @Test
    void aV5ClientAskingForNeverIsToldItsSessionLastsADay() {
        try (TestBroker broker = TestBroker.start();
             RawClient c = RawClient.open(broker, 5)) {
            c.send(new RawClient.Connect(5, "forever").cleanStart(false).sessionExpiry(-1).toBytes());
            RawClient.Packet connack = c.expect(CONNACK);
            assertEquals(0, connack.reasonCode());
            assertEquals(DAY, connack.properties().get(0x11));
            assertEquals(DAY, broker.broker().sessions().get("forever").expirySeconds());
        }
    }

    @Test
    void aV3PersistentSessionExpiresAfterADayByDefault() {
        try (TestBroker broker = TestBroker.start()) {
            try (RawClient c = RawClient.open(broker, 4)) {
                c.send(new RawClient.Connect(4, "v3-persistent").cleanStart(false).toBytes());
                c.expectConnack(0);
                c.send(RawClient.disconnect());
                c.assertClosed();
            }
            await().atMost(Duration.ofSeconds(5)).until(() -> !broker.broker().sessions().get("v3-persistent").isOnline());
            assertEquals(DAY, broker.broker().sessions().get("v3-persistent").expirySeconds());
        }
    }
}
