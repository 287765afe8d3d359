package io.hookline.broker.hooks;

import static io.hookline.broker.hooks.HookFixture.V3;
import static io.hookline.broker.hooks.HookFixture.V5;
import static io.hookline.broker.hooks.HookFixture.get;
import static io.hookline.broker.hooks.HookFixture.publish;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;

import io.hookline.api.hook.Answer;
import io.hookline.api.hook.Hooks;
import io.hookline.api.hook.Modifier;
import io.hookline.api.hook.Modifiers;
import io.hookline.api.hook.input.UnsubscribeInput;
import io.hookline.api.mqtt.Properties;
import io.hookline.api.mqtt.UserProperty;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class RewriteTest {
    private final HookFixture f = new HookFixture();

    @AfterEach
    void close() {
        f.close();
    }

    @Test
    void firstOkWinsAndNextPassesOn() {
        f.sync("skip", Hooks.ON_DELIVER, 1, in -> Answer.next());
        f.sync("first", Hooks.ON_DELIVER, 2, in -> Answer.ok(Modifiers.of(Modifier.TOPIC, "first/" + in.topic())));
        f.sync("second", Hooks.ON_DELIVER, 3, in -> Answer.ok(Modifiers.of(Modifier.TOPIC, "second")));
        var in = publish(V3, "t");
        var v = (DeliverRewrite.Rewritten) get(f.gateway.onDeliver(f.session(V3), in, f.loop));
        assertEquals("first/t", v.apply(in).topic());
    }

    @Test
    void plainOkDeliversUnchanged() {
        f.sync("ok", Hooks.ON_DELIVER, 1, in -> Answer.ok());
        f.sync("never", Hooks.ON_DELIVER, 2, in -> Answer.ok(Modifiers.of(Modifier.TOPIC, "never")));
        assertSame(DeliverRewrite.UNCHANGED, get(f.gateway.onDeliver(f.session(V3), publish(V3, "t"), f.loop)));
    }

    @Test
    void mqtt5DeliveryMayRewriteProperties() {
        Properties props = Properties.builder().userProperty("via", "hookline").build();
        f.sync("props", Hooks.ON_DELIVER_M5, 1, in -> Answer.ok(Modifiers.of(Modifier.PROPERTIES, props)));
        var in = publish(V5, "t");
        var v = (DeliverRewrite.Rewritten) get(f.gateway.onDeliver(f.session(V5), in, f.loop));
        assertEquals(
                List.of(new UserProperty("via", "hookline")),
                v.apply(in).properties().userProperties());
    }

    @Test
    void unsubscribeListCanBeRewrittenButNotIntoInvalidFilters() {
        f.sync(
                "tenant",
                Hooks.ON_UNSUBSCRIBE,
                1,
                in -> Answer.ok(Modifiers.of(
                        Modifier.UNSUBSCRIBE_TOPICS,
                        in.topics().stream().map(t -> "tenant/" + t).toList())));
        var in = new UnsubscribeInput(V3, List.of("a/+", "b"), null);
        var v = (UnsubscribeRewrite.Rewritten) get(f.gateway.onUnsubscribe(f.session(V3), in, f.loop));
        assertEquals(List.of("tenant/a/+", "tenant/b"), v.topics());

        // before "tenant", whose 3.1.1 handler MQTT 5 clients are asked too
        f.sync(
                "broken",
                Hooks.ON_UNSUBSCRIBE_M5,
                0,
                in2 -> Answer.ok(Modifiers.of(Modifier.UNSUBSCRIBE_TOPICS, List.of("a/#/b"))));
        assertSame(
                UnsubscribeRewrite.UNCHANGED,
                get(f.gateway.onUnsubscribe(f.session(V5), new UnsubscribeInput(V5, List.of("a"), null), f.loop)));
        assertEquals(1, f.engine.stats(Hooks.ON_UNSUBSCRIBE_M5).errors());
    }
}
