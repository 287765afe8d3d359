package io.hookline.broker.hooks;

import static io.hookline.broker.hooks.HookFixture.V3;
import static io.hookline.broker.hooks.HookFixture.get;
import static io.hookline.broker.hooks.HookFixture.publish;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;

import io.hookline.api.hook.Answer;
import io.hookline.api.hook.Hooks;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class ChainOrderTest {
    private final HookFixture f = new HookFixture();

    @AfterEach
    void close() {
        f.close();
    }

    @Test
    void lowerPriorityRunsFirstAndTiesKeepRegistrationOrder() {
        List<String> calls = new CopyOnWriteArrayList<>();
        f.sync("late", Hooks.AUTH_ON_PUBLISH, 50, in -> {
            calls.add("late");
            return Answer.next();
        });
        f.sync("tie1", Hooks.AUTH_ON_PUBLISH, 10, in -> {
            calls.add("tie1");
            return Answer.next();
        });
        f.sync("early", Hooks.AUTH_ON_PUBLISH, 1, in -> {
            calls.add("early");
            return Answer.next();
        });
        f.sync("tie2", Hooks.AUTH_ON_PUBLISH, 10, in -> {
            calls.add("tie2");
            return Answer.next();
        });

        get(f.gateway.authOnPublish(f.session(V3), publish(V3, "a"), f.loop));

        assertEquals(List.of("early", "tie1", "tie2", "late"), calls);
        assertEquals(
                List.of("early", "tie1", "tie2", "late"),
                f.engine.order(Hooks.AUTH_ON_PUBLISH).stream()
                        .map(HandlerInfo::plugin)
                        .toList());
        assertEquals(
                List.of(1, 2, 3, 4),
                f.engine.order(Hooks.AUTH_ON_PUBLISH).stream()
                        .map(HandlerInfo::position)
                        .toList());
    }

    @Test
    void firstDecisiveAnswerWinsAndLaterHandlersAreNotAsked() {
        List<String> calls = new CopyOnWriteArrayList<>();
        f.sync("a", Hooks.AUTH_ON_PUBLISH, 1, in -> {
            calls.add("a");
            return Answer.next();
        });
        f.sync("b", Hooks.AUTH_ON_PUBLISH, 2, in -> {
            calls.add("b");
            return Answer.error("nope");
        });
        f.sync("c", Hooks.AUTH_ON_PUBLISH, 3, in -> {
            calls.add("c");
            return Answer.ok();
        });

        PublishVerdict v = get(f.gateway.authOnPublish(f.session(V3), publish(V3, "a"), f.loop));

        assertInstanceOf(PublishVerdict.Denied.class, v);
        assertEquals(List.of("a", "b"), calls);
        assertEquals(1, f.engine.stats(Hooks.AUTH_ON_PUBLISH).denials());
        assertEquals(1, f.engine.order(Hooks.AUTH_ON_PUBLISH).get(1).stats().denials());
    }

    @Test
    void unregisteredHandlerLeavesTheChain() {
        var e = f.sync("a", Hooks.AUTH_ON_PUBLISH, 1, in -> Answer.error("no"));
        e.unregister();
        assertEquals(0, f.engine.order(Hooks.AUTH_ON_PUBLISH).size());
        assertInstanceOf(
                PublishVerdict.Allowed.class, get(f.gateway.authOnPublish(f.session(V3), publish(V3, "a"), f.loop)));
    }
}
