package io.hookline.broker.hooks.testplugins;

import io.hookline.api.ConfigKey;
import io.hookline.api.Plugin;
import io.hookline.api.PluginContext;
import io.hookline.api.hook.Hook;
import io.hookline.api.hook.HookKind;
import io.hookline.api.hook.Hooks;
import io.hookline.api.hook.input.ClientEvent;
import io.hookline.api.hook.input.ConfigChange;
import io.hookline.api.hook.input.HookInput;
import io.hookline.api.hook.input.MessageDrop;
import io.hookline.api.hook.input.PublishInput;
import io.hookline.api.hook.input.RegisterEvent;
import io.hookline.api.hook.input.SubscribeInput;
import io.hookline.api.hook.input.TopicsUnsubscribed;
import io.hookline.api.mqtt.TopicSubscription;
import java.util.List;
import java.util.TreeSet;
import java.util.stream.Collectors;

/**
 * A test plugin ({@code recorder}) that records every NOTIFY hook call, with the key fields of
 * its input, into the {@link Journal} named by {@code recorder.journal}. Its listeners are
 * non-blocking, so they run inline where the broker raises the hook: the journal order is the
 * order of the calls.
 */
public final class RecordingPlugin implements Plugin {
    static final ConfigKey<String> JOURNAL = ConfigKey.string("recorder.journal", "", "id of the Journal");

    @Override
    public String name() {
        return "recorder";
    }

    @Override
    public List<ConfigKey<?>> configKeys() {
        return List.of(JOURNAL);
    }

    @Override
    public void start(PluginContext ctx) {
        Journal journal = Journal.byId(ctx.config().get(JOURNAL));
        if (journal == null) {
            return;
        }
        for (Hook<?> hook : Hooks.all()) {
            if (hook.kind() == HookKind.NOTIFY) {
                listen(ctx, hook, journal);
            }
        }
    }

    private static <I extends HookInput> void listen(PluginContext ctx, Hook<I> hook, Journal journal) {
        ctx.notifications(
                hook,
                in -> journal.add(new Journal.Event(hook.name(), in.client().clientId(), detail(in))));
    }

    /** @return the fields a test asserts on, e.g. {@code a/b q1 "hello"} or {@code [a/b:1, x:128]} */
    static String detail(HookInput in) {
        if (in instanceof PublishInput p) {
            return p.topic() + " q" + p.qos() + (p.retain() ? " r" : "") + " \""
                    + p.payload().asUtf8String() + "\"";
        }
        if (in instanceof SubscribeInput s) {
            return s.topics().stream().map(RecordingPlugin::topic).collect(Collectors.joining(", ", "[", "]"));
        }
        if (in instanceof TopicsUnsubscribed u) {
            return u.allTopics() ? "all" : u.topics().toString();
        }
        if (in instanceof MessageDrop d) {
            return d.reason() + " " + d.topic() + " q" + d.qos();
        }
        if (in instanceof ConfigChange c) {
            return new TreeSet<>(c.changed().keySet()).toString();
        }
        if (in instanceof RegisterEvent || in instanceof ClientEvent) {
            return "";
        }
        return in.toString();
    }

    private static String topic(TopicSubscription t) {
        return t.topic() + ":" + t.qos();
    }
}
