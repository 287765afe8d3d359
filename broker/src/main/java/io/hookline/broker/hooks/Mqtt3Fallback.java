package io.hookline.broker.hooks;

import io.hookline.api.hook.Answer;
import io.hookline.api.hook.AsyncHookHandler;
import io.hookline.api.hook.Hook;
import io.hookline.api.hook.HookHandler;
import io.hookline.api.hook.Hooks;
import io.hookline.api.hook.Modifier;
import io.hookline.api.hook.Modifiers;
import io.hookline.api.hook.input.HookInput;
import io.hookline.api.hook.input.PublishInput;
import io.hookline.api.hook.input.RegisterEvent;
import io.hookline.api.hook.input.RegisterInput;
import io.hookline.api.hook.input.SubscribeInput;
import io.hookline.api.hook.input.UnsubscribeInput;
import io.hookline.api.mqtt.Properties;
import io.hookline.api.mqtt.TopicSubscription;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/**
 * Lends a plugin's 3.1.1 handler ({@code auth_on_publish}) to the {@code _m5} chain when the
 * plugin (rule set, see {@code HandlerOptions.source}) serves no {@code _m5} handler of its own:
 * a rule written for 3.1.1 clients must not fail open for MQTT 5 clients. The handler is asked
 * exactly what a 3.1.1 client would have asked it: the input without its MQTT 5-only part (the
 * properties), under the 3.1.1 hook's name (Lua functions, webhook bodies). Its answer is mapped
 * back: a refused subscription's 3.1.1 code 0x80 becomes 0x87 (not authorized) and a rewritten
 * subscription keeps the MQTT 5 options the client asked for. The 3.1.1 modifiers are a subset
 * of the {@code _m5} ones, so any valid 3.1.1 answer is a valid MQTT 5 answer. Stateless.
 */
final class Mqtt3Fallback {
    private static final int V5_NOT_AUTHORIZED = 0x87;

    private Mqtt3Fallback() {}

    /** @return the {@code _m5} twin of a 3.1.1 hook, if it has one */
    @SuppressWarnings("unchecked")
    static <I extends HookInput> Optional<Hook<I>> twin(Hook<I> hook) {
        if (hook.isMqtt5()) {
            return Optional.empty();
        }
        return Hooks.byName(hook.name() + "_m5").map(h -> (Hook<I>) h);
    }

    /** @return a copy of {@code v3} serving {@code v5}: same plugin, order, timeout and policy, own statistics */
    static <I extends HookInput> HandlerEntry<I> lend(HandlerEntry<I> v3, Hook<I> v5) {
        HookHandler<I> sync = v3.sync == null ? null : in -> toMqtt5(v3.sync.handle(asMqtt3(in)), in);
        AsyncHookHandler<I> async = v3.async == null ? null : in -> mapped(v3.async.handle(asMqtt3(in)), in);
        return new HandlerEntry<>(
                v3.engine,
                v5,
                v3.plugin,
                v3.priority,
                v3.sequence,
                v3.mayBlock,
                v3.timeout,
                v3.onFailure,
                sync,
                async,
                v3.source,
                v3);
    }

    /** An async answer, mapped; cancelling the result cancels the handler's own future (a Lua call, an HTTP request). */
    private static <I extends HookInput> CompletionStage<Answer> mapped(CompletionStage<Answer> stage, I in) {
        if (stage == null) {
            return null;
        }
        CompletableFuture<Answer> out = new CompletableFuture<>();
        stage.whenComplete((a, t) -> {
            if (t != null) {
                out.completeExceptionally(t);
            } else {
                try {
                    out.complete(toMqtt5(a, in));
                } catch (RuntimeException e) {
                    out.completeExceptionally(e);
                }
            }
        });
        if (stage instanceof CompletableFuture<Answer> f) {
            out.whenComplete((a, t) -> {
                if (out.isCancelled()) {
                    f.cancel(false);
                }
            });
        }
        return out;
    }

    /** @return the input a 3.1.1 client would have raised: without the MQTT 5 properties */
    @SuppressWarnings("unchecked")
    static <I extends HookInput> I asMqtt3(I in) {
        Properties none = Properties.EMPTY;
        if (in instanceof RegisterInput r) {
            return (I) new RegisterInput(
                    r.client(),
                    r.peerAddr(),
                    r.peerPort(),
                    r.password(),
                    r.cleanSession(),
                    none,
                    r.listener(),
                    r.certificates());
        }
        if (in instanceof PublishInput p) {
            return (I) new PublishInput(p.client(), p.topic(), p.qos(), p.payload(), p.retain(), none);
        }
        if (in instanceof SubscribeInput s) {
            return (I) new SubscribeInput(s.client(), s.topics(), none);
        }
        if (in instanceof UnsubscribeInput u) {
            return (I) new UnsubscribeInput(u.client(), u.topics(), none);
        }
        if (in instanceof RegisterEvent e) {
            return (I) new RegisterEvent(e.client(), e.peerAddr(), e.peerPort(), none);
        }
        return in;
    }

    /** @return a 3.1.1 answer as the MQTT 5 client must see it */
    static Answer toMqtt5(Answer a, HookInput in) {
        if (!(a instanceof Answer.Ok ok)
                || !(in instanceof SubscribeInput s)
                || ok.modifiers().get(Modifier.TOPICS).isEmpty()) {
            return a;
        }
        Map<String, TopicSubscription> asked = new HashMap<>();
        for (TopicSubscription t : s.topics()) {
            asked.putIfAbsent(t.topic(), t);
        }
        List<TopicSubscription> out = new ArrayList<>();
        for (TopicSubscription t : ok.modifiers().get(Modifier.TOPICS).orElseThrow()) {
            int qos = t.qos() == TopicSubscription.REFUSED ? V5_NOT_AUTHORIZED : t.qos();
            TopicSubscription original = asked.get(t.topic());
            out.add(
                    original != null
                            ? original.withQos(qos)
                            : new TopicSubscription(
                                    t.topic(), qos, t.noLocal(), t.retainAsPublished(), t.retainHandling()));
        }
        Modifiers.Builder b = Modifiers.builder();
        ok.modifiers().asMap().forEach((m, v) -> set(b, m, m == Modifier.TOPICS ? out : v));
        return Answer.ok(b.build());
    }

    @SuppressWarnings({"unchecked", "rawtypes"})
    private static void set(Modifiers.Builder b, Modifier m, Object value) {
        b.set(m, value);
    }
}
