package io.hookline.broker.protocol;

import io.netty.channel.Channel;
import java.util.ArrayDeque;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.atomic.AtomicIntegerFieldUpdater;
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
 * to it, several at once: a completion marks its step done and schedules one drain on the
 * loop unless one is scheduled already (a group commit completes hundreds of a client's
 * acknowledgements together: one task, not one per packet).
 */
final class InboundOrder implements Runnable {

    private static final AtomicIntegerFieldUpdater<InboundOrder> DRAIN_SCHEDULED =
            AtomicIntegerFieldUpdater.newUpdater(InboundOrder.class, "drainScheduled");

    private final Channel channel;
    private final int window;
    private final ReadPause.Reason pauseReason;
    private final Runnable flush;
    // both made on first use: most connections never wait for a hook call (an idle client
    // would otherwise carry an empty 16-slot deque and a pause state per InboundOrder)
    private ArrayDeque<Step<?>> pending;
    private ReadPause readPause;
    private boolean paused;
    // 1 while a drain task (this object: run()) is on the event loop's queue; any thread sets it,
    // the loop clears it. A field and an updater, not an AtomicBoolean and a method reference: every
    // connection has an InboundOrder, and those two objects were 32 of its bytes
    private volatile int drainScheduled;

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
            applyNow(f, apply);
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
        decision.whenComplete(step::completeAnywhere);
    }

    /** Applies a decision already made, with its value or its failure's cause. */
    static <T> void applyNow(CompletableFuture<T> f, BiConsumer<? super T, Throwable> apply) {
        T value;
        try {
            value = f.join();
        } catch (RuntimeException e) {
            apply.accept(null, e.getCause() != null ? e.getCause() : e);
            return;
        }
        apply.accept(value, null);
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
        until.whenComplete(step::completeAnywhere);
    }

    /** The drain task, on the event loop: steps completed elsewhere since it was scheduled are applied. */
    @Override
    public void run() {
        drainScheduled = 0; // before looking: a step done after this schedules another drain
        drain();
        flush.run();
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
        private volatile boolean done; // written last: value and error are visible once it is
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

        // any thread: on the loop at once; from elsewhere marked done, and one drain is scheduled
        void completeAnywhere(T v, Throwable e) {
            if (channel.eventLoop().inEventLoop()) {
                complete(v, e);
                return;
            }
            value = v;
            error = e;
            done = true;
            if (drainScheduled == 0 && DRAIN_SCHEDULED.compareAndSet(InboundOrder.this, 0, 1)) {
                channel.eventLoop().execute(InboundOrder.this);
            }
        }

        void apply() {
            apply.accept(value, error);
        }
    }
}
