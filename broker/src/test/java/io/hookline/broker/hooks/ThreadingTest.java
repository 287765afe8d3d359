package io.hookline.broker.hooks;

import static io.hookline.broker.hooks.HookFixture.V3;
import static io.hookline.broker.hooks.HookFixture.publish;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.hookline.api.hook.Answer;
import io.hookline.api.hook.HandlerOptions;
import io.hookline.api.hook.Hooks;
import io.hookline.api.hook.Modifier;
import io.hookline.api.hook.Modifiers;
import io.hookline.api.hook.input.PublishInput;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class ThreadingTest {
    private final HookFixture f = new HookFixture();

    @AfterEach
    void close() {
        f.close();
    }

    @Test
    void nonBlockingHandlerRunsInlineOnTheCallerAndAnswersAtOnce() {
        List<String> threads = new CopyOnWriteArrayList<>();
        f.sync("inline", Hooks.AUTH_ON_PUBLISH, 1, in -> {
            threads.add(Thread.currentThread().getName());
            return Answer.ok();
        });
        CompletionStage<PublishVerdict> stage = f.gateway.authOnPublish(f.session(V3), publish(V3, "a"), f.loop);
        assertTrue(stage.toCompletableFuture().isDone(), "an inline chain answers before returning");
        assertEquals(List.of(Thread.currentThread().getName()), threads);
    }

    @Test
    void blockingHandlerRunsOffTheCallerAndTheVerdictComesBackOnTheCallerExecutor() throws Exception {
        List<String> threads = new CopyOnWriteArrayList<>();
        f.sync(
                "blocking",
                Hooks.AUTH_ON_PUBLISH,
                HandlerOptions.DEFAULT.priority(1).blocking(),
                in -> {
                    threads.add("handler:" + Thread.currentThread().getName());
                    return Answer.next();
                });
        f.sync("inline-after", Hooks.AUTH_ON_PUBLISH, 2, in -> {
            threads.add("next:" + Thread.currentThread().getName());
            return Answer.ok();
        });
        CompletableFuture<String> deliveredOn = new CompletableFuture<>();
        f.loop.execute(() -> f.gateway
                .authOnPublish(f.session(V3), publish(V3, "a"), f.loop)
                .thenAccept(v -> deliveredOn.complete(Thread.currentThread().getName())));

        assertEquals("event-loop", deliveredOn.get(5, TimeUnit.SECONDS));
        assertTrue(threads.get(0).startsWith("handler:hook-worker"), threads.toString());
        assertEquals("next:event-loop", threads.get(1), "inline handlers after an async step run on the caller");
    }

    @Test
    void asyncAnswersCompletingOutOfOrderReachTheirOwnCalls() throws Exception {
        Map<String, CompletableFuture<Answer>> pending = new ConcurrentHashMap<>();
        CountDownLatch bothStarted = new CountDownLatch(2);
        f.async("async", Hooks.AUTH_ON_PUBLISH, HandlerOptions.DEFAULT.timeout(java.time.Duration.ofSeconds(5)), in -> {
            CompletableFuture<Answer> a = new CompletableFuture<>();
            pending.put(in.topic(), a);
            bothStarted.countDown();
            return a;
        });
        var s = f.session(V3);
        CompletableFuture<PublishVerdict> first =
                f.gateway.authOnPublish(s, publish(V3, "first"), f.loop).toCompletableFuture();
        CompletableFuture<PublishVerdict> second =
                f.gateway.authOnPublish(s, publish(V3, "second"), f.loop).toCompletableFuture();
        assertTrue(bothStarted.await(5, TimeUnit.SECONDS));
        assertFalse(first.isDone());

        pending.get("second").complete(Answer.ok(Modifiers.of(Modifier.TOPIC, "second/ok")));
        assertEquals(
                "second/ok",
                ((PublishVerdict.Allowed) second.get(5, TimeUnit.SECONDS))
                        .modifiers()
                        .get(Modifier.TOPIC)
                        .orElseThrow());
        assertFalse(first.isDone());
        pending.get("first").complete(Answer.error("first denied"));
        assertEquals("first denied", ((PublishVerdict.Denied) first.get(5, TimeUnit.SECONDS)).reason());
    }

    @Test
    void emptyChainAnswersWithASharedCompletedStageAndAllocatesNothing() {
        HookSession s = f.session(V3);
        PublishInput in = publish(V3, "a");
        // the guards are what the protocol calls first; the gateway answers without allocating either way
        assertFalse(f.gateway.wantsAuthOnPublish(s));
        assertFalse(f.gateway.wantsOnDeliver(s));
        var first = f.gateway.authOnPublish(s, in, f.loop);
        assertTrue(first.toCompletableFuture().isDone());
        assertEquals(first, f.gateway.authOnPublish(s, in, f.loop));

        com.sun.management.ThreadMXBean mx =
                (com.sun.management.ThreadMXBean) java.lang.management.ManagementFactory.getThreadMXBean();
        long tid = Thread.currentThread().getId();
        for (int i = 0; i < 20_000; i++) { // warm up
            callEmpty(s, in);
        }
        long before = mx.getThreadAllocatedBytes(tid);
        int n = 0;
        for (int i = 0; i < 100_000; i++) {
            n += callEmpty(s, in);
        }
        long allocated = mx.getThreadAllocatedBytes(tid) - before;
        assertEquals(100_000 * 4, n);
        assertTrue(allocated < 10_000, "100k empty-chain calls allocated " + allocated + " bytes");
    }

    @Test
    void inlineChainRunsWithoutARunObjectAllocatesNothingAndCountsEveryCall() {
        f.sync("inline", Hooks.AUTH_ON_PUBLISH, 1, in -> Answer.ok());
        HookSession s = f.session(V3);
        PublishInput in = publish(V3, "a");
        var first = f.gateway.authOnPublish(s, in, f.loop);
        assertTrue(first.toCompletableFuture().isDone(), "an inline chain answers before returning");
        assertEquals(first, f.gateway.authOnPublish(s, in, f.loop), "a plain ok is the shared, completed verdict");

        com.sun.management.ThreadMXBean mx =
                (com.sun.management.ThreadMXBean) java.lang.management.ManagementFactory.getThreadMXBean();
        long tid = Thread.currentThread().getId();
        for (int i = 0; i < 20_000; i++) { // warm up
            f.gateway.authOnPublish(s, in, f.loop);
        }
        long before = mx.getThreadAllocatedBytes(tid);
        int allowed = 0;
        for (int i = 0; i < 100_000; i++) {
            allowed +=
                    f.gateway.authOnPublish(s, in, f.loop).toCompletableFuture().getNow(null) == PublishVerdict.ALLOWED
                            ? 1
                            : 0;
        }
        long allocated = mx.getThreadAllocatedBytes(tid) - before;
        assertEquals(100_000, allowed);
        assertTrue(allocated < 10_000, "100k inline-chain calls allocated " + allocated + " bytes");

        // counted as a run counts: calls and latency of the chain and of the handler
        HandlerInfo h = f.engine.order(Hooks.AUTH_ON_PUBLISH).get(0);
        assertEquals(120_002, f.engine.stats(Hooks.AUTH_ON_PUBLISH).calls());
        assertEquals(120_002, f.engine.stats(Hooks.AUTH_ON_PUBLISH).latency().count());
        assertEquals(120_002, h.stats().calls());
        assertEquals(120_002, h.stats().latency().count());
    }

    @Test
    void anAsyncCallsTimeoutIsATaskOfACallerThatTakesTimersAndLeavesWithTheAnswer() throws Exception {
        // a client's event loop takes timers: the timeout lives in its queue, not on the engine's timer thread
        java.util.concurrent.ScheduledThreadPoolExecutor caller =
                new java.util.concurrent.ScheduledThreadPoolExecutor(1, r -> new Thread(r, "caller-loop"));
        caller.setRemoveOnCancelPolicy(true);
        try {
            CompletableFuture<Answer> never = new CompletableFuture<>();
            List<String> cancelledOn = new CopyOnWriteArrayList<>();
            never.whenComplete((a, t) -> cancelledOn.add(Thread.currentThread().getName()));
            f.async(
                    "never",
                    Hooks.AUTH_ON_PUBLISH,
                    HandlerOptions.DEFAULT.priority(1).timeout(java.time.Duration.ofMillis(50)),
                    in -> never);
            PublishVerdict v = f.gateway
                    .authOnPublish(f.session(V3), publish(V3, "a"), caller)
                    .toCompletableFuture()
                    .get(5, TimeUnit.SECONDS);
            assertTrue(v instanceof PublishVerdict.Denied, "timed out: the deny policy applies");
            assertEquals(1, f.engine.stats(Hooks.AUTH_ON_PUBLISH).timeouts());
            assertEquals(List.of("caller-loop"), cancelledOn, "the timeout fired on the caller");

            f.engine.unregister(f.engine.chain(Hooks.AUTH_ON_PUBLISH).entries[0]);
            CompletableFuture<Answer> later = new CompletableFuture<>();
            f.async("later", Hooks.AUTH_ON_PUBLISH, HandlerOptions.DEFAULT.priority(1), in -> later);
            CompletableFuture<PublishVerdict> answered = f.gateway
                    .authOnPublish(f.session(V3), publish(V3, "b"), caller)
                    .toCompletableFuture();
            await().atMost(java.time.Duration.ofSeconds(5))
                    .until(() -> caller.getQueue().size() == 1);
            new Thread(() -> later.complete(Answer.ok())).start(); // answered from another thread
            assertEquals(PublishVerdict.ALLOWED, answered.get(5, TimeUnit.SECONDS));
            await().atMost(java.time.Duration.ofSeconds(5))
                    .until(() -> caller.getQueue().isEmpty());
            assertEquals(1, f.engine.stats(Hooks.AUTH_ON_PUBLISH).timeouts(), "no timeout for the answered call");
        } finally {
            caller.shutdownNow();
        }
    }

    private int callEmpty(HookSession s, PublishInput in) {
        int ok = 0;
        ok += f.gateway.wantsAuthOnPublish(s) ? 0 : 1;
        ok += f.gateway.authOnPublish(s, in, f.loop).toCompletableFuture().getNow(null) == PublishVerdict.ALLOWED
                ? 1
                : 0;
        ok += f.gateway.onDeliver(s, in, f.loop).toCompletableFuture().getNow(null) == DeliverRewrite.UNCHANGED ? 1 : 0;
        f.gateway.notify(Hooks.ON_PUBLISH, in);
        ok += f.gateway.wants(Hooks.ON_PUBLISH) ? 0 : 1;
        return ok;
    }

    @Test
    void notifyTellsEveryHandlerAndAFailingOneDoesNotStopTheOthers() {
        List<String> told = new CopyOnWriteArrayList<>();
        f.sync("a", Hooks.ON_CLIENT_GONE, 1, in -> {
            told.add("a");
            throw new IllegalStateException("boom");
        });
        f.sync("b", Hooks.ON_CLIENT_GONE, 2, in -> {
            told.add("b");
            return Answer.error("ignored");
        });
        f.sync("c", Hooks.ON_CLIENT_GONE, HandlerOptions.DEFAULT.priority(3).blocking(), in -> {
            told.add("c:" + Thread.currentThread().getName());
            return Answer.ok();
        });
        f.gateway.notify(Hooks.ON_CLIENT_GONE, new io.hookline.api.hook.input.ClientEvent(V3));
        assertEquals(
                List.of("a", "b"),
                List.copyOf(told).subList(0, 2),
                "inline notify handlers ran before notify returned");
        await().atMost(5, TimeUnit.SECONDS).until(() -> told.size() == 3);
        assertNotEquals("c:" + Thread.currentThread().getName(), told.get(2));
        assertEquals(1, f.engine.stats(Hooks.ON_CLIENT_GONE).errors());
    }

    @Test
    void asyncNotifyHandlerThatFailsOrReturnsNullIsCountedNotThrown() {
        f.async("nulls", Hooks.ON_CLIENT_WAKEUP, HandlerOptions.DEFAULT, in -> null);
        f.async(
                "fails",
                Hooks.ON_CLIENT_WAKEUP,
                HandlerOptions.DEFAULT,
                in -> CompletableFuture.failedFuture(new IllegalStateException("webhook down")));
        f.gateway.notify(Hooks.ON_CLIENT_WAKEUP, new io.hookline.api.hook.input.ClientEvent(V3));
        await().atMost(5, TimeUnit.SECONDS)
                .until(() -> f.engine.stats(Hooks.ON_CLIENT_WAKEUP).errors() == 2);
    }
}
