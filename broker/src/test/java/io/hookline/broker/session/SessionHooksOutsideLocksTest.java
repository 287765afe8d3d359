package io.hookline.broker.session;

import static io.hookline.broker.testsupport.Clients.bytes;
import static io.hookline.broker.testsupport.Clients.v3;
import static io.hookline.broker.testsupport.Clients.v3Connected;
import static io.hookline.broker.testsupport.Clients.v5;
import static io.hookline.broker.testsupport.Receive.next;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.hivemq.client.mqtt.MqttGlobalPublishFilter;
import com.hivemq.client.mqtt.datatypes.MqttQos;
import com.hivemq.client.mqtt.mqtt3.Mqtt3BlockingClient;
import com.hivemq.client.mqtt.mqtt5.Mqtt5BlockingClient;
import io.hookline.api.hook.Answer;
import io.hookline.api.hook.Hook;
import io.hookline.api.hook.Hooks;
import io.hookline.api.hook.input.HookInput;
import io.hookline.api.hook.input.PublishInput;
import io.hookline.broker.hooks.testplugins.Script;
import io.hookline.broker.routing.PublishProperties;
import io.hookline.broker.testsupport.TestBroker;
import java.time.Duration;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Session-layer NOTIFY hooks run after the session's monitor and the registry's lock are
 * released: a handler may publish to other sessions (as {@code PluginContext.publish} does,
 * synchronously) without a lock-order inversion, and never sees a session lock held.
 */
class SessionHooksOutsideLocksTest {

    private static final List<Hook<?>> SESSION_HOOKS = List.of(
            Hooks.ON_OFFLINE_MESSAGE,
            Hooks.ON_MESSAGE_DROP,
            Hooks.ON_TOPIC_UNSUBSCRIBED,
            Hooks.ON_CLIENT_WAKEUP,
            Hooks.ON_CLIENT_OFFLINE,
            Hooks.ON_CLIENT_GONE,
            Hooks.ON_SESSION_EXPIRED);

    private final Script script = Script.create();
    /** Every session object the test has seen, also ended ones (they leave the registry first). */
    private final Map<String, Session> seen = new ConcurrentHashMap<>();

    private final List<String> underLock = new CopyOnWriteArrayList<>();
    private final ExecutorService publishers = Executors.newFixedThreadPool(2, r -> {
        Thread t = new Thread(r, "test-publisher");
        t.setDaemon(true); // were they to deadlock, they must not keep the JVM alive
        return t;
    });
    private TestBroker broker;

    @AfterEach
    void stop() {
        publishers.shutdownNow();
        if (broker != null) {
            broker.close();
        }
        script.close();
    }

    /** Records the hook when its handler runs while the calling thread holds a session's monitor. */
    private Answer checkNoSessionLock(String hook, HookInput in) {
        Set<Session> sessions = Collections.newSetFromMap(new IdentityHashMap<>());
        sessions.addAll(seen.values());
        sessions.addAll(broker.broker().sessions().all());
        for (Session s : sessions) {
            if (Thread.holdsLock(s)) {
                underLock.add(hook + " for " + in.client().clientId() + " ran holding the lock of " + s.clientId());
            }
        }
        return Answer.ok();
    }

    private void remember(String clientId) {
        seen.put(clientId + "#" + seen.size(), broker.broker().sessions().get(clientId));
    }

    private void awaitOffline(String clientId) {
        await().atMost(Duration.ofSeconds(5)).until(() -> {
            Session s = broker.broker().sessions().get(clientId);
            return s == null || !s.isOnline();
        });
    }

    /** A persistent MQTT 3.1.1 session subscribed to {@code filters}, left offline. */
    private void offlineSession(String clientId, String... filters) {
        Mqtt3BlockingClient c = v3(broker, clientId).toBlocking();
        c.connectWith().cleanSession(false).send();
        remember(clientId);
        for (String f : filters) {
            c.subscribeWith().topicFilter(f).qos(MqttQos.AT_LEAST_ONCE).send();
        }
        c.disconnect();
        awaitOffline(clientId);
    }

    private void publish(String topic) {
        broker.broker()
                .context()
                .publish(broker.broker()
                        .context()
                        .messages()
                        .create(topic, 1, false, bytes(topic), PublishProperties.NONE, null));
    }

    @Test
    void offlineMessageHandlersOfTwoSessionsPublishingToEachOtherAtOnceDoNotDeadlock() throws Exception {
        CyclicBarrier bothHandlersRunning = new CyclicBarrier(2);
        script.sync(Hooks.ON_OFFLINE_MESSAGE, in -> {
            checkNoSessionLock("on_offline_message", in);
            if (in.topic().startsWith("kick/")) {
                // Both handlers are inside at once. Before the fix each held its own session's
                // monitor here and the publish below wanted the other's: a deadlock every time.
                bothHandlersRunning.await(10, TimeUnit.SECONDS);
                publish("echo/" + (in.topic().endsWith("a") ? "b" : "a"));
            }
            return Answer.ok();
        });
        broker = TestBroker.start(script.enable("script_a"));
        offlineSession("a", "kick/a", "echo/a");
        offlineSession("b", "kick/b", "echo/b");

        CompletableFuture<Void> kickA = CompletableFuture.runAsync(() -> publish("kick/a"), publishers);
        CompletableFuture<Void> kickB = CompletableFuture.runAsync(() -> publish("kick/b"), publishers);
        CompletableFuture.allOf(kickA, kickB).get(20, TimeUnit.SECONDS);

        await().atMost(Duration.ofSeconds(5))
                .until(() -> script.calls(Hooks.ON_OFFLINE_MESSAGE).size() == 4);
        assertEquals(2, broker.broker().sessions().get("a").queueSize(), "kick/a and echo/a queued");
        assertEquals(2, broker.broker().sessions().get("b").queueSize(), "kick/b and echo/b queued");
        assertEquals(List.of(), underLock);
    }

    @Test
    void onDeliverRunsOutsideTheSessionLockSoAHandlerThatPublishesKeepsTheOrder() throws Exception {
        script.sync(Hooks.ON_DELIVER, in -> {
            checkNoSessionLock("on_deliver", in);
            if (in.topic().equals("ping")) {
                // under the monitor, this re-entered the session's send and "pong" overtook "ping"
                publish("pong");
            }
            return Answer.ok();
        });
        broker = TestBroker.start(script.enable("script_a"));
        Mqtt3BlockingClient client = v3Connected(broker, "d1");
        remember("d1");
        try (Mqtt3BlockingClient.Mqtt3Publishes received = client.publishes(MqttGlobalPublishFilter.ALL)) {
            client.subscribeWith()
                    .topicFilter("ping")
                    .qos(MqttQos.AT_LEAST_ONCE)
                    .send();
            client.subscribeWith()
                    .topicFilter("pong")
                    .qos(MqttQos.AT_LEAST_ONCE)
                    .send();
            publish("ping");
            assertEquals("ping", next(received).getTopic().toString());
            assertEquals("pong", next(received).getTopic().toString());
        }
        client.disconnect();
        assertEquals(List.of(), underLock);
    }

    @Test
    void noSessionHookRunsUnderASessionLock() {
        for (Hook<?> hook : SESSION_HOOKS) {
            script.sync(hook, in -> checkNoSessionLock(hook.name(), in));
        }
        String[] plugin = script.enable("script_a");
        broker = TestBroker.start(plugin[0], plugin[1], plugin[2], plugin[3], "max_offline_messages", "1");

        // offline messages, a queue_full drop, on_client_offline, then expiry with all its topics
        Mqtt5BlockingClient expiring = v5(broker, "expiring").toBlocking();
        expiring.connectWith().cleanStart(false).sessionExpiryInterval(1).send();
        remember("expiring");
        expiring.subscribeWith().topicFilter("t/#").qos(MqttQos.AT_LEAST_ONCE).send();
        expiring.disconnect();
        awaitOffline("expiring");
        publish("t/1");
        publish("t/2");

        // a client's own unsubscribe, on_client_wakeup, then a clean-start takeover ends the session
        offlineSession("resumed", "r/1", "r/2");
        Mqtt3BlockingClient resumed = v3(broker, "resumed").toBlocking();
        assertTrue(resumed.connectWith().cleanSession(false).send().isSessionPresent());
        resumed.unsubscribeWith().topicFilter("r/1").send();
        Mqtt3BlockingClient taker = v3(broker, "resumed").toBlocking();
        assertFalse(taker.connectWith().cleanSession(true).send().isSessionPresent());
        remember("resumed");

        // a clean session ends with on_client_gone
        taker.subscribeWith().topicFilter("g/#").send();
        taker.disconnect();

        await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
            for (Hook<?> hook : SESSION_HOOKS) {
                assertFalse(script.calls(hook).isEmpty(), hook.name() + " was raised");
            }
            assertTrue(script.calls(Hooks.ON_TOPIC_UNSUBSCRIBED).size() >= 3, "own, takeover, expiry");
        });
        assertEquals(
                "queue_full",
                ((io.hookline.api.hook.input.MessageDrop)
                                script.calls(Hooks.ON_MESSAGE_DROP).get(0).input())
                        .reason());
        assertEquals(
                List.of("t/1", "t/2"),
                script.calls(Hooks.ON_OFFLINE_MESSAGE).stream()
                        .map(c -> ((PublishInput) c.input()).topic())
                        .toList(),
                "in queue order");
        assertEquals(List.of(), underLock);
    }
}
