package io.hookline.broker.session;

import static io.hookline.broker.testsupport.Clients.bytes;
import static io.hookline.broker.testsupport.Clients.text;
import static io.hookline.broker.testsupport.Clients.v3;
import static io.hookline.broker.testsupport.Clients.v3Connected;
import static io.hookline.broker.testsupport.Clients.v5;
import static io.hookline.broker.testsupport.Clients.v5Connected;
import static io.hookline.broker.testsupport.Receive.next;
import static io.hookline.broker.testsupport.Receive.nothing;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.hivemq.client.mqtt.MqttGlobalPublishFilter;
import com.hivemq.client.mqtt.datatypes.MqttQos;
import com.hivemq.client.mqtt.mqtt3.Mqtt3BlockingClient;
import com.hivemq.client.mqtt.mqtt3.message.publish.Mqtt3Publish;
import com.hivemq.client.mqtt.mqtt5.Mqtt5BlockingClient;
import com.hivemq.client.mqtt.mqtt5.Mqtt5BlockingClient.Mqtt5Publishes;
import com.hivemq.client.mqtt.mqtt5.message.disconnect.Mqtt5DisconnectReasonCode;
import com.hivemq.client.mqtt.mqtt5.message.publish.Mqtt5Publish;
import io.hookline.broker.metrics.BrokerMetrics.Counter;
import io.hookline.broker.testsupport.ManualTime;
import io.hookline.broker.testsupport.RawClient;
import io.hookline.broker.testsupport.RawClient.Bytes;
import io.hookline.broker.testsupport.RawClient.Connect;
import io.hookline.broker.testsupport.TestBroker;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Will messages end to end. An abrupt close is a raw socket reset after a hand-built CONNECT,
 * so the broker sees exactly one thing: the connection gone without DISCONNECT.
 */
class WillTest {

    /** The broker's timers run on it: will delays and session expiry pass when the test says so. */
    private final ManualTime time = new ManualTime();

    private TestBroker broker;
    private Mqtt5BlockingClient watcher;
    private Mqtt5Publishes wills;

    @BeforeEach
    void start() {
        broker = TestBroker.startOn(null, time.clock(), time);
        watcher = v5Connected(broker, "watcher");
        wills = watcher.publishes(MqttGlobalPublishFilter.ALL);
        watcher.subscribeWith().topicFilter("will/#").qos(MqttQos.AT_LEAST_ONCE).send();
    }

    @AfterEach
    void stop() {
        wills.close();
        watcher.disconnect();
        broker.close();
    }

    private Session session(String clientId) {
        return broker.broker().sessions().get(clientId);
    }

    /** Waits until the broker noticed the client left (its will and expiry timers are set then). */
    private void awaitOffline(String clientId) {
        await().atMost(Duration.ofSeconds(5))
                .until(() -> session(clientId) == null || !session(clientId).isOnline());
    }

    /** {@code connect} with a Will Delay Interval of {@code seconds}. */
    private static Connect willDelay(Connect connect, int seconds) {
        return connect.willProperties(new Bytes().u8(0x18).u32(seconds));
    }

    @Test
    void willIsPublishedWhenAnMqtt311ConnectionDropsWithoutDisconnect() throws Exception {
        RawClient raw =
                RawClient.connected(broker, new Connect(4, "crash3").will("will/crash3", bytes("gone"), 1, false));
        raw.abort();
        Mqtt5Publish will = next(wills);
        assertEquals("will/crash3", will.getTopic().toString());
        assertEquals("gone", text(will.getPayloadAsBytes()));
        assertEquals(MqttQos.AT_LEAST_ONCE, will.getQos());
        assertEquals(1, broker.broker().metrics().get(Counter.WILLS_PUBLISHED));
    }

    @Test
    void willIsPublishedWhenAnMqtt5ConnectionDropsWithoutDisconnect() throws Exception {
        RawClient raw =
                RawClient.connected(broker, new Connect(5, "crash5").will("will/crash5", bytes("gone"), 2, false));
        raw.abort();
        Mqtt5Publish will = next(wills);
        assertEquals("will/crash5", will.getTopic().toString());
        assertEquals("gone", text(will.getPayloadAsBytes()));
        assertEquals(MqttQos.AT_LEAST_ONCE, will.getQos(), "downgraded to the watcher's QoS 1");
    }

    @Test
    void willIsSuppressedByANormalDisconnect() throws Exception {
        Mqtt5BlockingClient v5client = v5(broker, "polite5").toBlocking();
        v5client.connectWith()
                .willPublish()
                .topic("will/polite5")
                .payload(bytes("no"))
                .applyWillPublish()
                .send();
        v5client.disconnect();
        Mqtt3BlockingClient v3client = v3(broker, "polite3").toBlocking();
        v3client.connectWith()
                .willPublish()
                .topic("will/polite3")
                .payload(bytes("no"))
                .applyWillPublish()
                .send();
        v3client.disconnect();
        await().atMost(Duration.ofSeconds(5))
                .until(() -> broker.broker().sessions().size() == 1);
        nothing(wills);
        assertEquals(0, broker.broker().metrics().get(Counter.WILLS_PUBLISHED));
    }

    @Test
    void disconnectWithWillMessagePublishesTheWill() throws Exception {
        Mqtt5BlockingClient client = v5(broker, "leaver").toBlocking();
        client.connectWith()
                .willPublish()
                .topic("will/leaver")
                .payload(bytes("left on purpose"))
                .applyWillPublish()
                .send();
        client.disconnectWith()
                .reasonCode(Mqtt5DisconnectReasonCode.DISCONNECT_WITH_WILL_MESSAGE)
                .send();
        assertEquals("left on purpose", text(next(wills).getPayloadAsBytes()));
    }

    @Test
    void willWithADelayIsPublishedAfterTheDelay() throws Exception {
        Connect connect = new Connect(5, "delayed").sessionExpiry(30).will("will/delayed", bytes("late"), 1, false);
        RawClient raw = RawClient.connected(broker, willDelay(connect, 1));
        raw.abort();
        awaitOffline("delayed");
        time.advance(Duration.ofMillis(999));
        nothing(wills); // not before the 1 s delay
        time.advance(Duration.ofMillis(1));
        Mqtt5Publish will = next(wills);
        assertEquals("late", text(will.getPayloadAsBytes()));
        assertTrue(session("delayed") != null, "the session outlives the will");
    }

    @Test
    void willIsNotPublishedWhenTheClientReconnectsWithinTheDelay() throws Exception {
        Connect connect =
                new Connect(5, "back").sessionExpiry(30).will("will/back", bytes("should not be seen"), 1, false);
        RawClient.connected(broker, willDelay(connect, 1)).abort();
        Mqtt5BlockingClient again = v5(broker, "back").toBlocking();
        assertTrue(again.connectWith()
                .cleanStart(false)
                .sessionExpiryInterval(30)
                .send()
                .isSessionPresent());
        try {
            time.advance(Duration.ofMillis(1500)); // well past the 1 s delay
            nothing(wills);
            assertEquals(0, broker.broker().metrics().get(Counter.WILLS_PUBLISHED));
        } finally {
            again.disconnect();
        }
    }

    @Test
    void willIsPublishedWhenTheSessionExpiresBeforeTheWillDelay() throws Exception {
        Connect connect = new Connect(5, "short").sessionExpiry(1).will("will/short", bytes("session ended"), 1, false);
        RawClient raw = RawClient.connected(broker, willDelay(connect, 60));
        raw.abort();
        awaitOffline("short");
        time.advance(Duration.ofMillis(999));
        nothing(wills); // the session lasts 1 s
        time.advance(Duration.ofMillis(1));
        Mqtt5Publish will = next(wills); // with the session, not after the 60 s delay
        assertEquals("session ended", text(will.getPayloadAsBytes()));
        await().atMost(Duration.ofSeconds(5)).until(() -> session("short") == null);
        assertEquals(1, broker.broker().metrics().get(Counter.SESSIONS_EXPIRED), "the session expired");
        assertEquals(1, broker.broker().metrics().get(Counter.WILLS_PUBLISHED));
    }

    @Test
    void willWithADelayIsPublishedAtOnceWhenTheSessionEndsWithTheConnection() throws Exception {
        Connect connect = new Connect(5, "nosession").will("will/nosession", bytes("now"), 0, false); // expiry 0
        RawClient.connected(broker, willDelay(connect, 60)).abort();
        assertEquals("now", text(next(wills).getPayloadAsBytes()));
    }

    @Test
    void willPropertiesAreForwarded() throws Exception {
        Connect connect = new Connect(5, "props").will("will/props", bytes("{\"state\":\"offline\"}"), 1, false);
        connect.willProperties(new Bytes()
                .u8(0x03)
                .str("application/json") // Content Type
                .u8(0x08)
                .str("will/reply") // Response Topic
                .u8(0x02)
                .u32(120) // Message Expiry Interval
                .u8(0x26)
                .str("site")
                .str("lab") // User Property
                .u8(0x26)
                .str("site")
                .str("annex"));
        RawClient.connected(broker, connect).abort();
        Mqtt5Publish will = next(wills);
        assertEquals("application/json", will.getContentType().orElseThrow().toString());
        assertEquals("will/reply", will.getResponseTopic().orElseThrow().toString());
        long expiry = will.getMessageExpiryInterval().orElseThrow();
        assertTrue(expiry <= 120 && expiry >= 115, "expiry forwarded, got " + expiry);
        var user = will.getUserProperties().asList();
        assertEquals(2, user.size());
        assertEquals("site", user.get(0).getName().toString());
        assertEquals("lab", user.get(0).getValue().toString());
        assertEquals("annex", user.get(1).getValue().toString());
    }

    @Test
    void retainedWillIsStoredAndDeliveredToLaterSubscribers() throws Exception {
        RawClient.connected(broker, new Connect(4, "lastword").will("will/retained", bytes("bye"), 1, true))
                .abort();
        Mqtt5Publish live = next(wills);
        assertEquals("bye", text(live.getPayloadAsBytes()));

        Mqtt3BlockingClient late = v3Connected(broker, "late");
        try (var publishes = late.publishes(MqttGlobalPublishFilter.ALL)) {
            late.subscribeWith()
                    .topicFilter("will/retained")
                    .qos(MqttQos.AT_LEAST_ONCE)
                    .send();
            Mqtt3Publish retained = next(publishes);
            assertEquals("bye", text(retained.getPayloadAsBytes()));
            assertTrue(retained.isRetain(), "delivered with the retain flag");
        } finally {
            late.disconnect();
        }
    }

    @Test
    void willIsPublishedWhenTheKeepAliveExpires() throws Exception {
        RawClient raw = RawClient.connected(
                broker, new Connect(4, "silent").keepAlive(1).will("will/silent", bytes("timed out"), 1, false));
        // the client sends nothing more: the broker closes it after 1.5 × keep alive
        time.advance(Duration.ofMillis(1499));
        nothing(wills);
        time.advance(Duration.ofMillis(1));
        assertEquals("timed out", text(next(wills).getPayloadAsBytes()));
        assertTrue(raw.closedByBroker());
        raw.close();
        assertEquals(1, broker.broker().metrics().get(Counter.KEEPALIVE_TIMEOUTS));
    }

    @Test
    void disconnectSettingASessionExpiryAfterZeroIsAProtocolErrorAndTheWillStands() throws Exception {
        RawClient raw = RawClient.connected(
                broker, new Connect(5, "sneaky").will("will/sneaky", bytes("not a normal disconnect"), 1, false));
        raw.send(RawClient.disconnect(0x00, new Bytes().u8(0x11).u32(60))); // Session Expiry Interval
        raw.expectDisconnect(0x82); // protocol error
        raw.close();
        assertEquals("not a normal disconnect", text(next(wills).getPayloadAsBytes()));
        await().atMost(Duration.ofSeconds(5)).until(() -> session("sneaky") == null);
    }

    @Test
    void takeoverPublishesTheWillOfTheOldConnectionWhenItHasNoDelay() throws Exception {
        RawClient old = RawClient.connected(
                broker, new Connect(5, "twin").sessionExpiry(60).will("will/twin", bytes("replaced"), 1, false));
        Mqtt5BlockingClient fresh = v5(broker, "twin").toBlocking();
        assertTrue(fresh.connectWith()
                .cleanStart(false)
                .sessionExpiryInterval(60)
                .send()
                .isSessionPresent());
        try {
            old.expectDisconnect(0x8E); // session taken over
            assertEquals("replaced", text(next(wills).getPayloadAsBytes()));
        } finally {
            old.close();
            fresh.disconnect();
        }
    }

    @Test
    void takeoverWithinTheWillDelaySuppressesTheWill() throws Exception {
        Connect connect =
                new Connect(5, "twin").sessionExpiry(60).will("will/twin", bytes("should not be seen"), 1, false);
        RawClient old = RawClient.connected(broker, willDelay(connect, 1));
        Mqtt5BlockingClient fresh = v5(broker, "twin").toBlocking();
        fresh.connectWith().cleanStart(false).sessionExpiryInterval(60).send();
        try {
            old.expectDisconnect(0x8E); // session taken over
            time.advance(Duration.ofMillis(1500)); // well past the 1 s delay
            nothing(wills);
        } finally {
            old.close();
            fresh.disconnect();
        }
    }
}
