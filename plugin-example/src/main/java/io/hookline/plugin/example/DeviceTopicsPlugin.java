package io.hookline.plugin.example;

import io.hookline.api.ConfigKey;
import io.hookline.api.Plugin;
import io.hookline.api.PluginContext;
import io.hookline.api.hook.Answer;
import io.hookline.api.hook.Hook;
import io.hookline.api.hook.Hooks;
import io.hookline.api.hook.input.PublishInput;
import io.hookline.api.mqtt.TopicRouter;
import java.util.List;
import java.util.function.BiFunction;

/**
 * A bundled example to copy from ({@code plugins.device_topics = on}): topics routed with
 * plugin-api's {@link TopicRouter}. A device publishes only under its own client id
 * ({@code devices/:id/...}); {@code files/:owner/*path} only by the user named {@code owner};
 * every other topic is left to the next handler (and, as for any chain, denied when no handler
 * decides). The topic root is {@code device_topics.root}
 * (default {@code devices}). Stateless after start: the router is built once, then only read.
 */
public final class DeviceTopicsPlugin implements Plugin {
    static final ConfigKey<String> ROOT = ConfigKey.string(
            "device_topics.root", "devices", "first topic level of the per-device topics: ROOT/<client id>/...");

    /** A route's answer for one publish, given what the pattern captured. */
    private interface Rule extends BiFunction<PublishInput, TopicRouter.Match<Rule>, Answer> {}

    @Override
    public String name() {
        return "device_topics";
    }

    @Override
    public List<ConfigKey<?>> configKeys() {
        return List.of(ROOT);
    }

    @Override
    public void start(PluginContext ctx) {
        TopicRouter<Rule> routes = TopicRouter.<Rule>create()
                .add(
                        ctx.config().get(ROOT) + "/:id/*rest",
                        (in, m) -> m.param("id").equals(in.client().clientId())
                                ? Answer.ok()
                                : Answer.error("client '" + in.client().clientId() + "' may not publish as device '"
                                        + m.param("id") + "'"))
                .add(
                        "files/:owner/*path",
                        (in, m) -> m.param("owner").equals(in.client().username())
                                ? Answer.ok()
                                : Answer.error(
                                        "files/" + m.param("owner") + "/ belongs to user '" + m.param("owner") + "'"));
        for (Hook<PublishInput> hook : Hooks.bothVersions(Hooks.AUTH_ON_PUBLISH)) {
            ctx.register(
                    hook,
                    in -> routes.match(in.topic())
                            .map(m -> m.handler().apply(in, m))
                            .orElse(Answer.next()));
        }
    }
}
