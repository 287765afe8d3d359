package io.hookline.broker.protocol;

import static io.hookline.broker.testsupport.Clients.bytes;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;

import com.hivemq.client.mqtt.datatypes.MqttQos;
import com.hivemq.client.mqtt.mqtt5.Mqtt5AsyncClient;
import com.hivemq.client.mqtt.mqtt5.exceptions.Mqtt5PubAckException;
import com.hivemq.client.mqtt.mqtt5.message.publish.puback.Mqtt5PubAckReasonCode;
import io.hookline.api.hook.Answer;
import io.hookline.api.hook.Hooks;
import io.hookline.api.hook.Modifier;
import io.hookline.api.hook.Modifiers;
import io.hookline.broker.hooks.testplugins.Script;
import io.hookline.broker.metrics.BrokerMetrics.Counter;
import io.hookline.broker.testsupport.Clients;
import io.hookline.broker.testsupport.ManualTime;
import io.hookline.broker.testsupport.RawClient;
import io.hookline.broker.testsupport.TestBroker;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * auth_on_publish's {@code throttle} answer (VerneMQ's {@code {throttle, Ms}}): nothing more from
 * the publisher takes effect until the pause ends; others go on. The broker runs on a
 * {@link ManualTime}: pauses, rates and keep-alive end when the test moves time, not after real
 * seconds; what must not happen before then is checked just before.
 */
class ThrottleTest {

    /** How long "nothing more happens" is watched for, in real time. */
    private static final Duration QUIET = Duration.ofMillis(200);

    private final ManualTime time = new ManualTime();
    private Script script;
    private TestBroker broker;
    private final List<Runnable> cleanup = new ArrayList<>();

    /** A message to {@code slow/<ms>} is allowed with a throttle of that many milliseconds; the rest plain ok. */
    @BeforeEach
    void start() {
        script = Script.create();
        script.sync(
                Hooks.AUTH_ON_PUBLISH_M5,
                in -> in.topic().startsWith("slow/")
                        ? Answer.ok(Modifiers.of(
                                Modifier.THROTTLE, Long.parseLong(in.topic().substring(5))))
                        : Answer.ok());
        broker = TestBroker.startOn(
                null,
                time.clock(),
                time,
                Stream.concat(Stream.of("plugins.limits_test", "on"), Stream.of(script.enable("script_a")))
                        .toArray(String[]::new));
    }

    @AfterEach
    void stop() {
        cleanup.forEach(Runnable::run);
        broker.close();
        script.close();
    }

    private Mqtt5AsyncClient connect(String id) {
        var c = Clients.v5Connected(broker, id);
        cleanup.add(() -> {
            if (c.getState().isConnected()) {
                c.disconnect();
            }
        });
        return c.toAsync();
    }

    /** What a subscriber to # receives, in order. */
    private List<String> everything() {
        List<String> topics = new CopyOnWriteArrayList<>();
        connect("all")
                .subscribeWith()
                .topicFilter("#")
                .qos(MqttQos.AT_LEAST_ONCE)
                .callback(p -> topics.add(p.getTopic().toString()))
                .send()
                .join();
        return topics;
    }

    private static CompletableFuture<?> publish(Mqtt5AsyncClient c, String topic) {
        return c.publishWith()
                .topic(topic)
                .qos(MqttQos.AT_LEAST_ONCE)
                .payload(bytes("x"))
                .send();
    }

    private long counted(Counter c) {
        return broker.broker().metrics().get(c);
    }

    @Test
    void throttledClientsNextPublishesAreNotAckedOrRoutedBeforeThePauseEnds() throws Exception {
        List<String> received = everything();
        Mqtt5AsyncClient publisher = connect("pub");

        CompletableFuture<?> throttled = publish(publisher, "slow/500");
        List<CompletableFuture<?>> after = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
            after.add(publish(publisher, "after/" + i)); // pipelined behind it, not waiting for its ack
        }
        throttled.get(10, TimeUnit.SECONDS); // the throttled message itself goes on; its pause has begun
        time.advance(Duration.ofMillis(499));
        await().during(QUIET)
                .atMost(QUIET.multipliedBy(5))
                .until(() -> after.stream().noneMatch(CompletableFuture::isDone));
        time.advance(Duration.ofMillis(1));
        CompletableFuture.allOf(after.toArray(CompletableFuture[]::new)).get(10, TimeUnit.SECONDS);

        assertEquals(1, counted(Counter.PUBLISHERS_THROTTLED));
        await().atMost(Duration.ofSeconds(10)).until(() -> received.size() == 6);
        assertEquals(
                List.of("slow/500", "after/0", "after/1", "after/2", "after/3", "after/4"),
                received,
                "the throttled message itself goes on, the others follow in order");
        assertEquals(0, counted(Counter.PUBLISHES_THROTTLED), "max_message_rate's counter is another one");
    }

    @Test
    void otherClientsAreNotHeldBack() throws Exception {
        List<String> received = everything();
        Mqtt5AsyncClient paused = connect("paused");
        Mqtt5AsyncClient other = connect("other");

        publish(paused, "slow/30000").get(10, TimeUnit.SECONDS);
        CompletableFuture<?> held = publish(paused, "held");
        publish(other, "other").get(10, TimeUnit.SECONDS);

        await().atMost(Duration.ofSeconds(10)).until(() -> received.contains("other"));
        assertFalse(held.isDone(), "the throttled client is still paused");
        assertFalse(received.contains("held"));
        // the broker's close ends the pause; nothing is left waiting or leaked
    }

    @Test
    void pausedClientIsNotDisconnectedForKeepAliveButASilentOneStillIs() {
        try (RawClient raw = RawClient.connected(broker, new RawClient.Connect(5, "raw").keepAlive(1))) {
            raw.send(RawClient.publish(5, "slow/3000", 1, 1, bytes("x")));
            assertEquals(1, raw.expect(RawClient.PUBACK).packetId());
            // a live client keeps pinging; we do not read it for 3 s, twice its 1.5 s keep-alive timeout
            raw.send(RawClient.pingreq());
            raw.send(RawClient.publish(5, "after", 1, 2, bytes("y")));
            time.advance(Duration.ofMillis(2_999));
            raw.assertNoPacket(QUIET);
            assertEquals(0, counted(Counter.KEEPALIVE_TIMEOUTS), "our pause is not the client's silence");
            time.advance(Duration.ofMillis(1));
            raw.expect(RawClient.PINGRESP);
            assertEquals(2, raw.expect(RawClient.PUBACK).packetId());
            assertEquals(0, counted(Counter.KEEPALIVE_TIMEOUTS), "our pause is not the client's silence");

            // read again, and now silent: keep-alive applies as before
            time.advance(Duration.ofSeconds(3));
            raw.expectDisconnect(ReasonCodes.KEEP_ALIVE_TIMEOUT & 0xFF);
            assertEquals(1, counted(Counter.KEEPALIVE_TIMEOUTS));
        }
    }

    @Test
    void clientHeldBackByMaxMessageRateIsNotDisconnectedForKeepAlive() {
        RawClient.Bytes payload = new RawClient.Bytes().str("rated").str("max_message_rate=1");
        try (RawClient raw = RawClient.open(broker, 5)) {
            raw.send(RawClient.connect(5, 0x82, 1, new RawClient.Bytes(), payload)); // user name, clean start
            raw.expectConnack(0);
            // 5 messages in one segment at 1 per second: reading pauses about 4 s, past the 1.5 s keep-alive timeout
            RawClient.Bytes burst = new RawClient.Bytes();
            for (int id = 1; id <= 5; id++) {
                burst.raw(RawClient.publish(5, "rated", 1, id, bytes("m")));
            }
            raw.send(burst.toBytes());
            raw.setReadTimeout(Duration.ofSeconds(10));
            assertEquals(1, raw.expect(RawClient.PUBACK).packetId());
            // the others take the slots 1, 2, 3 and 4 s later: by 3.999 s only three of them are due
            time.advance(Duration.ofMillis(3_999));
            for (int id = 2; id <= 4; id++) {
                assertEquals(id, raw.expect(RawClient.PUBACK).packetId());
            }
            raw.assertNoPacket(QUIET); // held back by the rate
            time.advance(Duration.ofMillis(1));
            assertEquals(5, raw.expect(RawClient.PUBACK).packetId());
            time.advance(Duration.ofSeconds(1)); // reading resumes once a new message would be on time
            raw.send(RawClient.pingreq());
            raw.expect(RawClient.PINGRESP);
            assertEquals(0, counted(Counter.KEEPALIVE_TIMEOUTS));
        }
    }

    @Test
    void throttleOverAnHourIsAnInvalidModifierAndTheFailurePolicyDenies() throws Exception {
        Mqtt5AsyncClient publisher = connect("absurd");
        ExecutionException e = assertThrows(
                ExecutionException.class,
                () -> publish(publisher, "slow/3600001").get(10, TimeUnit.SECONDS));
        assertEquals(
                Mqtt5PubAckReasonCode.NOT_AUTHORIZED,
                assertInstanceOf(Mqtt5PubAckException.class, e.getCause())
                        .getMqttMessage()
                        .getReasonCode(),
                "an invalid answer fails the handler; auth hooks deny on failure by default");
        publish(publisher, "next").get(10, TimeUnit.SECONDS);
        assertEquals(0, counted(Counter.PUBLISHERS_THROTTLED), "no pause applied");
    }
}
