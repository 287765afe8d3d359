package io.hookline.broker.protocol;

import io.netty.channel.Channel;
import java.util.ArrayDeque;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.function.BiConsumer;

/**
 * Applies one client's packets in the order they arrived although the hook calls deciding
 * them may complete in any order. Up to {@code window} decisions may be pending at once
 * (pipelining); at the window, reading from the socket pauses ({@link ReadPause.Reason#HOOK_WINDOW})
 * until the oldest is applied.
 * When nothing is pending and a decision is already made (an empty or inline hook chain),
 * it is applied at once without allocating.
 *
 * <p>Confined to the channel's event loop; completions from other threads are handed back
 * to it.
 */
final class InboundOrder {

    private final Channel channel;
    private final int window;
    private final ReadPause.Reason pauseReason;
    private final Runnable flush;
    // both made on first use: most connections never wait for a hook call (an idle client
    // would otherwise carry an empty 16-slot deque and a pause state per InboundOrder)
    private ArrayDeque<Step<?>> pending;
    private ReadPause readPause;
    private boolean paused;

    /**
     * @param flush asks for a flush after effects applied outside a read (their writes would
     *              otherwise wait for the client's next packet)
     *
     * <p>A full window pauses reading for {@link ReadPause.Reason#HOOK_WINDOW}, along with the
     * channel's other reasons to pause ({@link ReadPause#of}).
     */
    InboundOrder(Channel channel, int window, Runnable flush) {
        this(channel, window, ReadPause.Reason.HOOK_WINDOW, flush);
    }

    /** As above, pausing reading for {@code pauseReason} at the window. */
    InboundOrder(Channel channel, int window, ReadPause.Reason pauseReason, Runnable flush) {
        this.channel = channel;
        this.window = Math.max(1, window);
        this.pauseReason = pauseReason;
        this.flush = flush;
    }

    /** Runs {@code apply} with the stage's outcome once every earlier packet has been applied. */
    <T> void then(CompletionStage<T> decision, BiConsumer<? super T, Throwable> apply) {
        if (isEmpty() && decision instanceof CompletableFuture<T> f && f.isDone()) {
            T value;
            try {
                value = f.join();
            } catch (RuntimeException e) {
                apply.accept(null, e.getCause() != null ? e.getCause() : e);
                return;
            }
            apply.accept(value, null);
            return;
        }
        Step<T> step = new Step<>(apply);
        pending().addLast(step);
        if (pending.size() >= window && !paused) {
            paused = true;
            if (readPause == null) {
                readPause = ReadPause.of(channel);
            }
            readPause.pause(pauseReason);
        }
        decision.whenComplete((value, error) -> {
            if (channel.eventLoop().inEventLoop()) {
                step.complete(value, error);
            } else {
                channel.eventLoop().execute(() -> step.complete(value, error));
            }
        });
    }

    /** Runs {@code action} after every pending packet has been applied (now, when none is). */
    void then(Runnable action) {
        if (isEmpty()) {
            action.run();
            return;
        }
        Step<Object> step = new Step<>((v, e) -> action.run());
        pending().addLast(step);
        step.complete(null, null);
    }

    /**
     * Holds every later packet back until {@code until} completes, as if the one being applied
     * were still undecided. Called while applying a step (or in place of one, when nothing is
     * pending): the hold goes ahead of the packets already waiting behind it.
     */
    void hold(CompletionStage<?> until) {
        hold(until, (v, e) -> {});
    }

    /** As {@link #hold(CompletionStage)}, running {@code apply} with the outcome before the packets held. */
    <T> void hold(CompletionStage<T> until, BiConsumer<? super T, Throwable> apply) {
        Step<T> step = new Step<>(apply);
        pending().addFirst(step);
        until.whenComplete((v, e) -> {
            if (channel.eventLoop().inEventLoop()) {
                step.complete(v, e);
            } else {
                channel.eventLoop().execute(() -> step.complete(v, e));
            }
        });
    }

    int pendingCount() {
        return pending == null ? 0 : pending.size();
    }

    private boolean isEmpty() {
        return pending == null || pending.isEmpty();
    }

    private ArrayDeque<Step<?>> pending() {
        if (pending == null) {
            pending = new ArrayDeque<>();
        }
        return pending;
    }

    private void drain() {
        Step<?> head;
        while ((head = pending.peekFirst()) != null && head.done) {
            pending.pollFirst();
            head.apply();
        }
        if (paused && pending.size() < window) {
            paused = false;
            readPause.resume(pauseReason);
        }
    }

    private final class Step<T> {
        private final BiConsumer<? super T, Throwable> apply;
        private boolean done;
        private T value;
        private Throwable error;

        Step(BiConsumer<? super T, Throwable> apply) {
            this.apply = apply;
        }

        void complete(T v, Throwable e) {
            value = v;
            error = e;
            done = true;
            drain();
            flush.run();
        }

        void apply() {
            apply.accept(value, error);
        }
    }
}
