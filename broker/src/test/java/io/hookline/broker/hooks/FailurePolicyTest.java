package io.hookline.broker.hooks;

import static io.hookline.broker.hooks.HookFixture.V3;
import static io.hookline.broker.hooks.HookFixture.get;
import static io.hookline.broker.hooks.HookFixture.publish;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertSame;

import io.hookline.api.hook.Answer;
import io.hookline.api.hook.FailurePolicy;
import io.hookline.api.hook.HandlerOptions;
import io.hookline.api.hook.Hooks;
import io.hookline.api.hook.Modifier;
import io.hookline.api.hook.Modifiers;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

class FailurePolicyTest {
    private final HookFixture f = new HookFixture();

    @AfterEach
    void close() {
        f.close();
    }

    /** Registers a failing first handler with {@code policy} and an allowing second one. */
    private PublishVerdict runWithFailingFirst(
            FailurePolicy policy, io.hookline.api.hook.HookHandler<io.hookline.api.hook.input.PublishInput> failing) {
        f.sync(
                "broken",
                Hooks.AUTH_ON_PUBLISH,
                HandlerOptions.DEFAULT.priority(1).onFailure(policy),
                failing);
        f.sync("second", Hooks.AUTH_ON_PUBLISH, 2, in -> Answer.ok(Modifiers.of(Modifier.TOPIC, "from/second")));
        return get(f.gateway.authOnPublish(f.session(V3), publish(V3, "a"), f.loop));
    }

    private static void assertPolicyApplied(FailurePolicy policy, PublishVerdict v) {
        switch (policy) {
            case DENY -> assertInstanceOf(PublishVerdict.Denied.class, v);
            case ALLOW -> assertSame(PublishVerdict.ALLOWED, v);
            case NEXT ->
                assertEquals(
                        "from/second",
                        ((PublishVerdict.Allowed) v)
                                .modifiers()
                                .get(Modifier.TOPIC)
                                .orElseThrow());
        }
    }

    @ParameterizedTest
    @EnumSource(FailurePolicy.class)
    void throwingHandlerIsAFailureAndThePolicyApplies(FailurePolicy policy) {
        PublishVerdict v = runWithFailingFirst(policy, in -> {
            throw new IllegalStateException("database down");
        });
        assertPolicyApplied(policy, v);
        assertEquals(1, f.engine.order(Hooks.AUTH_ON_PUBLISH).get(0).stats().errors());
    }

    @ParameterizedTest
    @EnumSource(FailurePolicy.class)
    void nullAnswerIsAFailure(FailurePolicy policy) {
        assertPolicyApplied(policy, runWithFailingFirst(policy, in -> null));
    }

    @ParameterizedTest
    @EnumSource(FailurePolicy.class)
    void invalidTopicModifierIsAFailure(FailurePolicy policy) {
        assertPolicyApplied(
                policy, runWithFailingFirst(policy, in -> Answer.ok(Modifiers.of(Modifier.TOPIC, "bad/#/topic"))));
    }

    @ParameterizedTest
    @EnumSource(FailurePolicy.class)
    void qosOutsideZeroToTwoIsAFailure(FailurePolicy policy) {
        assertPolicyApplied(policy, runWithFailingFirst(policy, in -> Answer.ok(Modifiers.of(Modifier.QOS, 3))));
    }

    @ParameterizedTest
    @EnumSource(FailurePolicy.class)
    void negativeThrottleIsAFailure(FailurePolicy policy) {
        assertPolicyApplied(policy, runWithFailingFirst(policy, in -> Answer.ok(Modifiers.of(Modifier.THROTTLE, -1L))));
    }

    @ParameterizedTest
    @EnumSource(FailurePolicy.class)
    void throttleOverAnHourIsAFailure(FailurePolicy policy) {
        assertPolicyApplied(
                policy, runWithFailingFirst(policy, in -> Answer.ok(Modifiers.of(Modifier.THROTTLE, Long.MAX_VALUE))));
    }

    @Test
    void throttleOfAnHourIsValid() {
        f.sync("hour", Hooks.AUTH_ON_PUBLISH, 1, in -> Answer.ok(Modifiers.of(Modifier.THROTTLE, 3_600_000L)));
        PublishVerdict v = get(f.gateway.authOnPublish(f.session(V3), publish(V3, "a"), f.loop));
        assertEquals(3_600_000L, ((PublishVerdict.Allowed) v).throttleMillis());
    }

    @ParameterizedTest
    @EnumSource(FailurePolicy.class)
    void modifierTheHookDoesNotAcceptIsAFailure(FailurePolicy policy) {
        // client_id belongs to auth_on_register, not auth_on_publish
        assertPolicyApplied(
                policy, runWithFailingFirst(policy, in -> Answer.ok(Modifiers.of(Modifier.CLIENT_ID, "x"))));
    }

    @ParameterizedTest
    @EnumSource(FailurePolicy.class)
    void timeoutAppliesThePolicy(FailurePolicy policy) {
        CompletableFuture<Answer> never = new CompletableFuture<>();
        f.async(
                "slow",
                Hooks.AUTH_ON_PUBLISH,
                HandlerOptions.DEFAULT
                        .priority(1)
                        .timeout(Duration.ofMillis(50))
                        .onFailure(policy),
                in -> never);
        f.sync("second", Hooks.AUTH_ON_PUBLISH, 2, in -> Answer.ok(Modifiers.of(Modifier.TOPIC, "from/second")));

        PublishVerdict v = get(f.gateway.authOnPublish(f.session(V3), publish(V3, "a"), f.loop));

        assertPolicyApplied(policy, v);
        assertEquals(1, f.engine.order(Hooks.AUTH_ON_PUBLISH).get(0).stats().timeouts());
        assertEquals(1, f.engine.stats(Hooks.AUTH_ON_PUBLISH).timeouts());
        // a late answer after the timeout is ignored
        never.complete(Answer.error("too late"));
        assertEquals(1, f.engine.stats(Hooks.AUTH_ON_PUBLISH).calls());
    }

    @Test
    void inlineHandlerThatOverranItsTimeoutIsTreatedAsTimedOut() {
        f.sync(
                "hog",
                Hooks.AUTH_ON_PUBLISH,
                HandlerOptions.DEFAULT.priority(1).timeout(Duration.ofNanos(1_000_000)),
                in -> {
                    long until = System.nanoTime() + 3_000_000; // hold the event loop for 3 ms, over the 1 ms timeout
                    while (System.nanoTime() < until) {
                        Thread.onSpinWait();
                    }
                    return Answer.ok();
                });
        assertInstanceOf(
                PublishVerdict.Denied.class, get(f.gateway.authOnPublish(f.session(V3), publish(V3, "a"), f.loop)));
        assertEquals(1, f.engine.stats(Hooks.AUTH_ON_PUBLISH).timeouts());
    }

    @Test
    void defaultPolicyForAuthIsDeny() {
        f.sync("broken", Hooks.AUTH_ON_PUBLISH, 1, in -> {
            throw new RuntimeException("boom");
        });
        f.sync("second", Hooks.AUTH_ON_PUBLISH, 2, in -> Answer.ok());
        assertInstanceOf(
                PublishVerdict.Denied.class, get(f.gateway.authOnPublish(f.session(V3), publish(V3, "a"), f.loop)));
    }

    @Test
    void failingAsyncStageIsAFailure() {
        f.async(
                "broken",
                Hooks.AUTH_ON_PUBLISH,
                HandlerOptions.DEFAULT,
                in -> CompletableFuture.failedFuture(new java.io.IOException("connection refused")));
        assertInstanceOf(
                PublishVerdict.Denied.class, get(f.gateway.authOnPublish(f.session(V3), publish(V3, "a"), f.loop)));
        assertEquals(1, f.engine.stats(Hooks.AUTH_ON_PUBLISH).errors());
    }

    @Test
    void rewriteErrorLeavesTheMessageUnchangedAndFailureWithNextAsksTheNextHandler() {
        var receiver = f.session(V3);
        f.sync("err", Hooks.ON_DELIVER, 1, in -> Answer.error("cannot"));
        f.sync("later", Hooks.ON_DELIVER, 2, in -> Answer.ok(Modifiers.of(Modifier.TOPIC, "never")));
        assertSame(DeliverRewrite.UNCHANGED, get(f.gateway.onDeliver(receiver, publish(V3, "a"), f.loop)));

        HookFixture g = new HookFixture();
        try {
            g.sync(
                    "throws",
                    Hooks.ON_DELIVER,
                    HandlerOptions.DEFAULT.priority(1).onFailure(FailurePolicy.NEXT),
                    in -> {
                        throw new IllegalStateException();
                    });
            g.sync(
                    "rewrites",
                    Hooks.ON_DELIVER,
                    2,
                    in -> Answer.ok(Modifiers.of(Modifier.PAYLOAD, io.hookline.api.mqtt.Bytes.utf8("y"))));
            var v = (DeliverRewrite.Rewritten) get(g.gateway.onDeliver(g.session(V3), publish(V3, "a"), g.loop));
            assertEquals("y", v.apply(publish(V3, "a")).payload().asUtf8String());
        } finally {
            g.close();
        }
    }

    @Test
    void rewriteWithAModifierItDoesNotAcceptIsIgnored() {
        // on_deliver may not change qos
        f.sync("qos", Hooks.ON_DELIVER, 1, in -> Answer.ok(Modifiers.of(Modifier.QOS, 0)));
        assertSame(DeliverRewrite.UNCHANGED, get(f.gateway.onDeliver(f.session(V3), publish(V3, "a"), f.loop)));
    }
}
