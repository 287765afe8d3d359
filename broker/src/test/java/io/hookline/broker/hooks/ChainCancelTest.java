package io.hookline.broker.hooks;

import static io.hookline.broker.hooks.HookFixture.V3;
import static io.hookline.broker.hooks.HookFixture.V5;
import static io.hookline.broker.hooks.HookFixture.register;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.hookline.api.hook.Answer;
import io.hookline.api.hook.HandlerOptions;
import io.hookline.api.hook.Hooks;
import io.hookline.api.hook.input.EnhancedAuthInput;
import io.hookline.api.hook.input.RegisterInput;
import io.hookline.api.mqtt.Bytes;
import io.hookline.api.mqtt.Properties;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.List;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Cancelling a registration verdict stops its chain run and tells the handler it waits for. */
class ChainCancelTest {
    private static final HandlerOptions LONG = HandlerOptions.DEFAULT.timeout(Duration.ofSeconds(30));

    private final HookFixture f = new HookFixture();

    @AfterEach
    void close() {
        f.close();
    }

    @Test
    void cancellingTheRegisterVerdictCancelsTheHandlersFutureAndRunsNoFurtherHandler() {
        PluginHandle slow = new PluginHandle("slow");
        CompletableFuture<Answer> handed = new CompletableFuture<>();
        f.engine.register(slow, Hooks.AUTH_ON_REGISTER, 1, LONG, null, in -> handed);
        List<String> later = new CopyOnWriteArrayList<>();
        f.sync("after", Hooks.AUTH_ON_REGISTER, 2, in -> {
            later.add(in.client().clientId());
            return Answer.ok();
        });

        CompletableFuture<RegisterVerdict> verdict =
                f.gateway.authOnRegister(register(V3, "pw"), false, f.loop).toCompletableFuture();
        assertFalse(verdict.isDone());
        assertEquals(1, slow.inFlight());

        assertTrue(verdict.cancel(false));

        assertTrue(handed.isCancelled(), "the handler's own future is cancelled");
        assertEquals(0, slow.inFlight(), "the plugin's in-flight count is released at once");
        handed.complete(Answer.ok()); // a late answer (ignored: the future is already cancelled)
        assertEquals(0, slow.inFlight(), "released once, not again by a late answer");
        assertTrue(later.isEmpty(), "no handler after the cancelled one runs");

        CallStats chain = f.engine.stats(Hooks.AUTH_ON_REGISTER);
        assertEquals(1, chain.cancelled());
        assertEquals(0, chain.errors());
        assertEquals(0, chain.timeouts());
        assertEquals(0, chain.denials());
        CallStats handler = f.engine.order(Hooks.AUTH_ON_REGISTER).get(0).stats();
        assertEquals(1, handler.cancelled());
        assertEquals(0, handler.errors());
        assertEquals(0, handler.timeouts());
        assertEquals(0, handler.latency().count(), "a cancelled call has no latency sample");
    }

    @Test
    void aCancelledCallDoesNotTimeOutLater() {
        PluginHandle slow = new PluginHandle("slow");
        CompletableFuture<Answer> handed = new CompletableFuture<>();
        f.engine.register(
                slow,
                Hooks.AUTH_ON_REGISTER,
                1,
                HandlerOptions.DEFAULT.timeout(Duration.ofMillis(200)),
                null,
                in -> handed);
        CompletableFuture<RegisterVerdict> verdict =
                f.gateway.authOnRegister(register(V3, null), true, f.loop).toCompletableFuture();
        verdict.cancel(false);
        // the timer was cancelled with the call; had it fired, it would count a timeout
        await().during(Duration.ofMillis(500))
                .atMost(Duration.ofSeconds(2))
                .until(() -> f.engine.stats(Hooks.AUTH_ON_REGISTER).timeouts() == 0);
        assertEquals(0, slow.inFlight());
        assertTrue(handed.isCancelled());
    }

    @Test
    void anAnswerOnItsWayWhenTheCancelComesIsDroppedAndTheChainStops() {
        // a caller executor we drive by hand: the answer's step waits there while we cancel
        ArrayDeque<Runnable> loop = new ArrayDeque<>();
        Executor manual = loop::add;
        PluginHandle first = new PluginHandle("first");
        CompletableFuture<Answer> handed = new CompletableFuture<>();
        f.engine.register(first, Hooks.AUTH_ON_REGISTER, 1, LONG, null, in -> handed);
        AtomicInteger secondCalls = new AtomicInteger();
        f.engine.register(new PluginHandle("second"), Hooks.AUTH_ON_REGISTER, 2, LONG, null, in -> {
            secondCalls.incrementAndGet();
            return new CompletableFuture<>();
        });

        CompletableFuture<RegisterVerdict> verdict =
                f.gateway.authOnRegister(register(V3, null), true, manual).toCompletableFuture();
        handed.complete(Answer.next());
        assertEquals(1, loop.size(), "the answer waits for the caller's executor");
        assertEquals(0, first.inFlight());

        verdict.cancel(false);
        loop.poll().run();

        assertEquals(0, secondCalls.get(), "no handler runs after the cancel");
        assertTrue(verdict.isCancelled());
        assertEquals(1, f.engine.order(Hooks.AUTH_ON_REGISTER).get(0).stats().cancelled());
        assertEquals(0, f.engine.order(Hooks.AUTH_ON_REGISTER).get(1).stats().calls());
        assertEquals(1, f.engine.stats(Hooks.AUTH_ON_REGISTER).cancelled());
    }

    @Test
    void cancellingAfterTheVerdictChangesNothing() {
        f.engine.register(
                new PluginHandle("p"),
                Hooks.AUTH_ON_REGISTER,
                1,
                LONG,
                null,
                in -> CompletableFuture.completedFuture(Answer.ok()));
        CompletionStage<RegisterVerdict> stage = f.gateway.authOnRegister(register(V3, null), false, f.loop);
        RegisterVerdict v = HookFixture.get(stage);
        assertTrue(v instanceof RegisterVerdict.Accepted);
        assertFalse(stage.toCompletableFuture().cancel(false));
        assertEquals(0, f.engine.stats(Hooks.AUTH_ON_REGISTER).cancelled());
    }

    @Test
    void anInlineChainStillAnswersWithASharedDoneFuture() {
        f.sync("inline", Hooks.AUTH_ON_REGISTER, 1, in -> Answer.next());
        CompletableFuture<RegisterVerdict> a =
                f.gateway.authOnRegister(register(V3, null), true, f.loop).toCompletableFuture();
        assertTrue(a.isDone(), "no dependent stage when every handler answered inline");
    }

    @Test
    void aBlockingHandlerNotYetStartedIsSkippedOnceCancelled() throws Exception {
        // occupy all four workers so the call waits in the pool's queue
        CountDownLatch release = new CountDownLatch(1);
        CountDownLatch busy = new CountDownLatch(4);
        for (int i = 0; i < 4; i++) {
            f.engine.blockingExecutor().execute(() -> {
                busy.countDown();
                try {
                    release.await(10, TimeUnit.SECONDS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            });
        }
        assertTrue(busy.await(5, TimeUnit.SECONDS));
        AtomicInteger ran = new AtomicInteger();
        PluginHandle blocking = new PluginHandle("blocking");
        f.engine.register(
                blocking,
                Hooks.AUTH_ON_REGISTER,
                1,
                LONG.blocking(),
                in -> {
                    ran.incrementAndGet();
                    return Answer.ok();
                },
                null);
        CompletableFuture<RegisterVerdict> verdict =
                f.gateway.authOnRegister(register(V3, null), false, f.loop).toCompletableFuture();
        verdict.cancel(false);
        assertEquals(0, blocking.inFlight());
        release.countDown();
        // the pool runs the queued task (4 fillers + it); it must see the cancel and not call the handler
        var pool = (java.util.concurrent.ThreadPoolExecutor) f.engine.blockingExecutor();
        await().atMost(Duration.ofSeconds(5)).until(() -> pool.getCompletedTaskCount() == 5);
        assertEquals(0, ran.get(), "the handler was never called");
    }

    @Test
    void cancellingAnEnhancedAuthStepCancelsItsHandler() {
        CompletableFuture<Answer> handed = new CompletableFuture<>();
        f.engine.register(new PluginHandle("sasl"), Hooks.ON_AUTH_M5, 1, LONG, null, in -> handed);
        EnhancedAuthInput in = new EnhancedAuthInput(V5, "SCRAM", Bytes.utf8("x"), false, Properties.EMPTY);
        CompletableFuture<EnhancedAuthVerdict> verdict =
                f.gateway.onAuthM5(in, f.loop).toCompletableFuture();
        verdict.cancel(false);
        assertTrue(handed.isCancelled());
        assertEquals(1, f.engine.stats(Hooks.ON_AUTH_M5).cancelled());
    }

    @Test
    void aCancelledRunCompletesWithCancellationNotAVerdict() {
        f.engine.register(
                new PluginHandle("slow"), Hooks.AUTH_ON_REGISTER, 1, LONG, null, in -> new CompletableFuture<>());
        RegisterInput in = register(V3, null);
        CompletableFuture<ChainOutcome> run = f.engine.run(Hooks.AUTH_ON_REGISTER, in, f.loop, false);
        assertTrue(run.cancel(false));
        assertTrue(run.isCancelled());
        try {
            run.join();
        } catch (CancellationException expected) {
            assertSame(CancellationException.class, expected.getClass());
            return;
        }
        throw new AssertionError("a cancelled run has no outcome");
    }

    @Test
    void aTimedOutHandlersFutureIsCancelledAndThePolicyDecides() {
        CompletableFuture<Answer> handed = new CompletableFuture<>();
        f.async("slow", Hooks.AUTH_ON_REGISTER, HandlerOptions.DEFAULT.timeout(Duration.ofMillis(50)), in -> handed);
        RegisterVerdict v = HookFixture.get(f.gateway.authOnRegister(register(V3, "pw"), true, f.loop));
        assertTrue(v instanceof RegisterVerdict.Refused, "deny policy on a timeout: " + v);
        await().atMost(Duration.ofSeconds(5)).until(handed::isCancelled);
        assertEquals(1, f.engine.stats(Hooks.AUTH_ON_REGISTER).timeouts());
    }

    @Test
    void aTimedOutNotificationsFutureIsCancelledSoThePluginIsNotHeldInFlight() {
        PluginHandle plugin = new PluginHandle("slow-notify");
        CompletableFuture<Answer> handed = new CompletableFuture<>();
        f.engine.register(
                plugin,
                Hooks.ON_CLIENT_OFFLINE,
                1,
                HandlerOptions.DEFAULT.timeout(Duration.ofMillis(50)),
                null,
                in -> handed);
        f.engine.notify(Hooks.ON_CLIENT_OFFLINE, new io.hookline.api.hook.input.ClientEvent(V3));
        await().atMost(Duration.ofSeconds(5)).until(handed::isCancelled);
        await().atMost(Duration.ofSeconds(5)).until(() -> plugin.inFlight() == 0);
    }
}
