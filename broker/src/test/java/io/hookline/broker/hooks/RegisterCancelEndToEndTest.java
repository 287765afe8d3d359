package io.hookline.broker.hooks;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.hookline.api.hook.Answer;
import io.hookline.api.hook.HandlerOptions;
import io.hookline.api.hook.Hooks;
import io.hookline.api.hook.input.HookInput;
import io.hookline.broker.hooks.testplugins.Script;
import io.hookline.broker.testsupport.Clients;
import io.hookline.broker.testsupport.RawClient;
import io.hookline.broker.testsupport.TestBroker;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * A client that goes away while its CONNECT waits for an async auth_on_register (or on_auth_m5)
 * handler: the handler's future is cancelled, the call is counted as cancelled (not as an error
 * or a timeout), nothing is opened for the client, and the broker goes on serving others.
 */
class RegisterCancelEndToEndTest {
    private static final HandlerOptions LONG = HandlerOptions.DEFAULT.timeout(Duration.ofSeconds(60));

    private final Script script = Script.create();
    /** The futures handed to the broker for clients whose id starts with "ghost", by client id. */
    private final Map<String, CompletableFuture<Answer>> handed = new ConcurrentHashMap<>();

    private TestBroker broker;

    @AfterEach
    void stop() {
        if (broker != null) {
            broker.close();
        }
        script.close();
    }

    /** Never answers a "ghost*" client; answers ok to everyone else at once. */
    private CompletionStage<Answer> ghostsWait(HookInput in) {
        String id = in.client().clientId();
        if (!id.startsWith("ghost")) {
            return CompletableFuture.completedFuture(Answer.ok());
        }
        CompletableFuture<Answer> f = new CompletableFuture<>();
        handed.put(id, f);
        return f;
    }

    private CompletableFuture<Answer> awaitHanded(String clientId) {
        await().atMost(Duration.ofSeconds(5)).until(() -> handed.containsKey(clientId));
        return handed.get(clientId);
    }

    @Test
    void clientClosingDuringAuthOnRegisterCancelsTheHandlersFuture() {
        script.async(Hooks.AUTH_ON_REGISTER, LONG, this::ghostsWait);
        broker = TestBroker.start(script.enable("script_a"));

        try (RawClient ghost = RawClient.open(broker, 4)) {
            ghost.send(RawClient.connect(4, "ghost-1"));
            CompletableFuture<Answer> f = awaitHanded("ghost-1");
            assertFalse(f.isDone());
            ghost.close();
            await().atMost(Duration.ofSeconds(5)).until(f::isCancelled);
        }

        CallStats chain = broker.broker().hooks().engine().stats(Hooks.AUTH_ON_REGISTER);
        await().atMost(Duration.ofSeconds(5)).until(() -> chain.cancelled() == 1);
        assertEquals(0, chain.errors());
        assertEquals(0, chain.timeouts());
        assertEquals(0, chain.denials());
        CallStats handler = broker.broker()
                .hooks()
                .engine()
                .order(Hooks.AUTH_ON_REGISTER)
                .get(0)
                .stats();
        assertEquals(1, handler.cancelled());
        assertEquals(0, handler.errors());
        assertEquals(0, handler.timeouts());
        assertNull(broker.broker().sessions().get("ghost-1"), "no session for a cancelled registration");
        assertTrue(broker.broker().hooks().session("", "ghost-1").isEmpty());

        // the broker still serves other clients, through the same chain
        var other = Clients.v3Connected(broker, "alive");
        other.disconnect();
        assertEquals(1, chain.cancelled());
    }

    @Test
    void packetsPipelinedBehindACancelledConnectAreReleased() {
        script.async(Hooks.AUTH_ON_REGISTER, LONG, this::ghostsWait);
        broker = TestBroker.start(script.enable("script_a"));

        try (RawClient ghost = RawClient.open(broker, 4)) {
            // CONNECT, then a PUBLISH and a SUBSCRIBE that wait (retained) for the registration
            ghost.send(RawClient.connect(4, "ghost-2"));
            ghost.send(RawClient.publish(4, "t/ghost", 1, 1, new byte[1024]));
            ghost.send(RawClient.subscribe(4, 2, "t/#", 1));
            CompletableFuture<Answer> f = awaitHanded("ghost-2");
            ghost.abort();
            await().atMost(Duration.ofSeconds(5)).until(f::isCancelled);
        }
        // Netty's paranoid leak detector fails the class if the retained packets leaked
        assertNull(broker.broker().sessions().get("ghost-2"));
        var other = Clients.v3Connected(broker, "alive-2");
        other.disconnect();
    }

    @Test
    void aLateAnswerAfterTheClientLeftChangesNothing() {
        script.async(Hooks.AUTH_ON_REGISTER, LONG, in -> {
            CompletionStage<Answer> s = ghostsWait(in);
            // a handler that hands out a stage that is not its own CompletableFuture cannot be told;
            // its answer comes later and is ignored
            return s instanceof CompletableFuture<Answer> cf && !cf.isDone() ? cf.minimalCompletionStage() : s;
        });
        broker = TestBroker.start(script.enable("script_a"));
        try (RawClient ghost = RawClient.open(broker, 4)) {
            ghost.send(RawClient.connect(4, "ghost-3"));
            CompletableFuture<Answer> f = awaitHanded("ghost-3");
            ghost.close();
            CallStats chain = broker.broker().hooks().engine().stats(Hooks.AUTH_ON_REGISTER);
            await().atMost(Duration.ofSeconds(5)).until(() -> chain.cancelled() == 1);
            assertFalse(f.isCancelled(), "a minimal stage is not cancelled");
            f.complete(Answer.ok());
            assertNull(broker.broker().sessions().get("ghost-3"), "the late ok opens nothing");
            assertEquals(0, chain.errors());
            assertEquals(1, chain.cancelled());
        }
        var other = Clients.v3Connected(broker, "alive-3");
        other.disconnect();
    }

    @Test
    void clientClosingDuringTheWillsAuthOnPublishCancelsThatHandlersFuture() {
        script.sync(Hooks.AUTH_ON_REGISTER, in -> Answer.ok());
        script.async(Hooks.AUTH_ON_PUBLISH, LONG, this::ghostsWait);
        broker = TestBroker.start(script.enable("script_a"));

        try (RawClient ghost = RawClient.open(broker, 4)) {
            ghost.send(new RawClient.Connect(4, "ghost-will")
                    .will("wills/ghost", new byte[] {1}, 1, false)
                    .toBytes());
            CompletableFuture<Answer> f = awaitHanded("ghost-will");
            assertFalse(f.isDone());
            ghost.close();
            await().atMost(Duration.ofSeconds(5)).until(f::isCancelled);
        }
        CallStats chain = broker.broker().hooks().engine().stats(Hooks.AUTH_ON_PUBLISH);
        await().atMost(Duration.ofSeconds(5)).until(() -> chain.cancelled() == 1);
        assertEquals(0, chain.errors());
        assertEquals(0, chain.timeouts());
        assertNull(broker.broker().sessions().get("ghost-will"), "no session for a client gone before CONNACK");
        assertTrue(broker.broker().hooks().session("", "ghost-will").isEmpty());
        var other = Clients.v3Connected(broker, "alive-will");
        other.disconnect();
    }

    @Test
    void clientClosingDuringEnhancedAuthCancelsOnAuthM5() {
        script.async(Hooks.ON_AUTH_M5, LONG, this::ghostsWait);
        script.sync(Hooks.AUTH_ON_REGISTER_M5, in -> Answer.ok());
        broker = TestBroker.start(script.enable("script_a"));

        try (RawClient ghost = RawClient.open(broker, 5)) {
            RawClient.Bytes props =
                    new RawClient.Bytes().u8(0x15).str("TOKEN-TEST").u8(0x16).bin(new byte[] {1});
            ghost.send(RawClient.connect(5, "ghost-m5", 0x02, 60, props));
            CompletableFuture<Answer> f = awaitHanded("ghost-m5");
            ghost.close();
            await().atMost(Duration.ofSeconds(5)).until(f::isCancelled);
        }
        CallStats chain = broker.broker().hooks().engine().stats(Hooks.ON_AUTH_M5);
        await().atMost(Duration.ofSeconds(5)).until(() -> chain.cancelled() == 1);
        assertEquals(0, chain.errors());
        assertEquals(0, chain.timeouts());
        assertEquals(
                0,
                broker.broker()
                        .hooks()
                        .engine()
                        .stats(Hooks.AUTH_ON_REGISTER_M5)
                        .calls(),
                "registration never asked for a client gone during enhanced auth");
        assertNull(broker.broker().sessions().get("ghost-m5"));
    }
}
