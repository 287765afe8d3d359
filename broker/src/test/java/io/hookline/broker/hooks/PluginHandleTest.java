package io.hookline.broker.hooks;

import static io.hookline.broker.hooks.HookFixture.V3;
import static io.hookline.broker.hooks.HookFixture.publish;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.hookline.api.hook.Answer;
import io.hookline.api.hook.HandlerOptions;
import io.hookline.api.hook.Hooks;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The in-flight count a disable waits for, with inline calls counted in the handlers' cells. */
class PluginHandleTest {
    private final HookFixture f = new HookFixture();

    @AfterEach
    void close() {
        f.close();
    }

    @Test
    void aDrainWaitsForAnInlineCallStillRunningAndEndsWhenItReturns() throws Exception {
        PluginHandle plugin = new PluginHandle("inline");
        CountDownLatch inside = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        HandlerEntry<?> e = f.engine.register(
                plugin,
                Hooks.AUTH_ON_PUBLISH,
                1,
                HandlerOptions.DEFAULT,
                in -> {
                    inside.countDown();
                    release.await();
                    return Answer.ok();
                },
                null);
        HookSession s = f.session(V3);
        CompletableFuture<Void> call =
                CompletableFuture.runAsync(() -> f.gateway.authOnPublish(s, publish(V3, "a"), f.loop), f.loop);
        assertTrue(inside.await(5, TimeUnit.SECONDS));
        assertEquals(1, plugin.inFlight());

        e.unregister();
        CompletableFuture<Void> drained = plugin.whenDrained();
        assertFalse(drained.isDone(), "a call is still running inline");

        release.countDown();
        drained.get(5, TimeUnit.SECONDS);
        call.get(5, TimeUnit.SECONDS);
        assertEquals(0, plugin.inFlight());
    }

    @Test
    void inlineAndHandedOffCallsCountTogetherAndADrainWithNothingInFlightEndsAtOnce() throws Exception {
        PluginHandle plugin = new PluginHandle("both");
        f.engine.register(plugin, Hooks.AUTH_ON_PUBLISH, 0, HandlerOptions.DEFAULT, in -> Answer.next(), null);
        CompletableFuture<Answer> later = new CompletableFuture<>();
        f.engine.register(
                plugin,
                Hooks.AUTH_ON_PUBLISH,
                1,
                HandlerOptions.DEFAULT.timeout(Duration.ofSeconds(30)),
                null,
                in -> in.topic().equals("wait") ? later : CompletableFuture.completedFuture(Answer.ok()));
        HookSession s = f.session(V3);
        // inline calls on two threads enter and leave their cells: nothing stays counted
        CompletableFuture<?> other = CompletableFuture.runAsync(() -> {
            for (int i = 0; i < 2_000; i++) {
                f.gateway.authOnPublish(s, publish(V3, "a"), Runnable::run);
            }
        });
        for (int i = 0; i < 2_000; i++) {
            f.gateway.authOnPublish(s, publish(V3, "a"), Runnable::run);
        }
        other.get(5, TimeUnit.SECONDS);
        await().atMost(Duration.ofSeconds(5)).until(() -> plugin.inFlight() == 0);

        var verdict = f.gateway.authOnPublish(s, publish(V3, "wait"), f.loop).toCompletableFuture();
        assertEquals(1, plugin.inFlight(), "the inline step left, the handed-off one is waited for");
        CompletableFuture<Void> drained = plugin.whenDrained();
        assertFalse(drained.isDone());
        later.complete(Answer.ok());
        drained.get(5, TimeUnit.SECONDS);
        await().atMost(Duration.ofSeconds(5)).until(verdict::isDone);
        assertEquals(0, plugin.inFlight());
        assertTrue(plugin.whenDrained().isDone(), "nothing in flight: drained at once");
    }
}
