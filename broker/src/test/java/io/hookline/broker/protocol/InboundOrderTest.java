package io.hookline.broker.protocol;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.channel.DefaultEventLoopGroup;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.channel.local.LocalChannel;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class InboundOrderTest {

    private final EmbeddedChannel channel = new EmbeddedChannel();
    private final List<String> applied = new ArrayList<>();
    private int flushes;

    @Test
    void decisionsCompletingOutOfOrderAreAppliedInArrivalOrder() {
        InboundOrder order = new InboundOrder(channel, 16, () -> flushes++);
        CompletableFuture<String> first = new CompletableFuture<>();
        CompletableFuture<String> second = new CompletableFuture<>();
        order.then(first, (v, e) -> applied.add(v));
        order.then(second, (v, e) -> applied.add(v));
        order.then(() -> applied.add("disconnect"));
        second.complete("b");
        assertEquals(List.of(), applied, "b waits for a");
        first.complete("a");
        assertEquals(List.of("a", "b", "disconnect"), applied);
        assertTrue(flushes > 0, "effects applied outside a read ask for a flush");
        assertEquals(0, order.pendingCount());
    }

    @Test
    void decidedStepWithNothingPendingIsAppliedAtOnce() {
        InboundOrder order = new InboundOrder(channel, 16, () -> flushes++);
        order.then(CompletableFuture.completedFuture("now"), (v, e) -> applied.add(v));
        order.then(() -> applied.add("next"));
        assertEquals(List.of("now", "next"), applied);
    }

    @Test
    void failuresReachTheApplierInOrder() {
        InboundOrder order = new InboundOrder(channel, 16, () -> flushes++);
        CompletableFuture<String> failing = new CompletableFuture<>();
        order.then(failing, (v, e) -> applied.add(e == null ? v : "error:" + e.getMessage()));
        failing.completeExceptionally(new IllegalStateException("timeout"));
        assertEquals(List.of("error:timeout"), applied);
    }

    @Test
    void readingPausesAtTheWindowAndResumesWhenTheOldestIsApplied() {
        InboundOrder order = new InboundOrder(channel, 2, () -> flushes++);
        CompletableFuture<String> a = new CompletableFuture<>();
        CompletableFuture<String> b = new CompletableFuture<>();
        order.then(a, (v, e) -> applied.add(v));
        assertTrue(channel.config().isAutoRead());
        order.then(b, (v, e) -> applied.add(v));
        assertFalse(channel.config().isAutoRead(), "window of 2 full");
        a.complete("a");
        assertTrue(channel.config().isAutoRead(), "room again");
        b.complete("b");
        assertEquals(List.of("a", "b"), applied);
    }

    @Test
    void aFreedWindowDoesNotResumeReadingPausedForBackPressure() {
        ReadPause pause = ReadPause.of(channel);
        InboundOrder order = new InboundOrder(channel, 1, () -> flushes++);
        CompletableFuture<String> a = new CompletableFuture<>();
        order.then(a, (v, e) -> applied.add(v));
        assertFalse(channel.config().isAutoRead(), "window of 1 full");
        assertTrue(pause.pause(ReadPause.Reason.BACKPRESSURE));
        a.complete("a");
        assertFalse(channel.config().isAutoRead(), "still held by back-pressure");
        pause.resume(ReadPause.Reason.BACKPRESSURE);
        assertTrue(channel.config().isAutoRead());
    }

    @Test
    void completionFromAnotherThreadIsAppliedOnTheEventLoop() throws Exception {
        DefaultEventLoopGroup group = new DefaultEventLoopGroup(1);
        try {
            LocalChannel local = new LocalChannel();
            group.register(local).sync();
            CompletableFuture<Thread> appliedOn = new CompletableFuture<>();
            CompletableFuture<String> decision = new CompletableFuture<>();
            local.eventLoop()
                    .submit(() -> new InboundOrder(local, 16, () -> {})
                            .then(decision, (v, e) -> appliedOn.complete(Thread.currentThread())))
                    .sync();
            Thread completer = new Thread(() -> decision.complete("x"));
            completer.start();
            Thread loopThread = local.eventLoop().submit(Thread::currentThread).get(5, TimeUnit.SECONDS);
            assertSame(loopThread, appliedOn.get(5, TimeUnit.SECONDS));
            local.close().sync();
        } finally {
            group.shutdownGracefully(0, 1, TimeUnit.SECONDS).sync();
        }
    }

    @Test
    void manyCompletionsFromAnotherThreadAreAppliedOnTheLoopInArrivalOrder() throws Exception {
        DefaultEventLoopGroup group = new DefaultEventLoopGroup(1);
        try {
            LocalChannel local = new LocalChannel();
            group.register(local).sync();
            int n = 500;
            List<CompletableFuture<Integer>> decisions = new ArrayList<>();
            List<Integer> seen = new ArrayList<>(); // written on the loop only
            List<Thread> threads = new ArrayList<>();
            CompletableFuture<Void> all = new CompletableFuture<>();
            local.eventLoop()
                    .submit(() -> {
                        InboundOrder order = new InboundOrder(local, n + 1, () -> {});
                        for (int i = 0; i < n; i++) {
                            CompletableFuture<Integer> d = new CompletableFuture<>();
                            decisions.add(d);
                            order.then(d, (v, e) -> {
                                seen.add(v);
                                threads.add(Thread.currentThread());
                                if (seen.size() == n) {
                                    all.complete(null);
                                }
                            });
                        }
                    })
                    .sync();
            // completed from elsewhere, newest first (a group commit completes them together)
            Thread completer = new Thread(() -> {
                for (int i = n - 1; i >= 0; i--) {
                    decisions.get(i).complete(i);
                }
            });
            completer.start();
            all.get(10, TimeUnit.SECONDS);
            Thread loopThread = local.eventLoop().submit(Thread::currentThread).get(5, TimeUnit.SECONDS);
            List<Integer> expected = new ArrayList<>();
            for (int i = 0; i < n; i++) {
                expected.add(i);
            }
            assertEquals(
                    expected, local.eventLoop().submit(() -> List.copyOf(seen)).get(5, TimeUnit.SECONDS));
            assertTrue(threads.stream().allMatch(t -> t == loopThread), "applied on the event loop");
            local.close().sync();
        } finally {
            group.shutdownGracefully(0, 1, TimeUnit.SECONDS).sync();
        }
    }
}
