package io.hookline.broker.hooks.plugins;

import io.hookline.api.ConfigKey;
import io.hookline.api.Plugin;
import io.hookline.api.PluginContext;
import io.hookline.api.hook.Answer;
import io.hookline.api.hook.Hooks;
import io.hookline.api.metrics.Counter;
import java.util.List;

/**
 * The tiny example plugin of the issue, found through
 * {@code META-INF/services/io.hookline.api.Plugin} in the test classpath: refuses publishing
 * under a configurable prefix and counts the refusals.
 */
public final class ExamplePlugin implements Plugin {
    static final ConfigKey<String> PREFIX = ConfigKey.string("example.deny_prefix", "secret/", "topics refused");

    @Override
    public String name() {
        return "example";
    }

    @Override
    public List<ConfigKey<?>> configKeys() {
        return List.of(PREFIX);
    }

    @Override
    public void start(PluginContext ctx) {
        String prefix = ctx.config().get(PREFIX);
        Counter refused = ctx.metrics().counter("refused");
        for (var hook : Hooks.bothVersions(Hooks.AUTH_ON_PUBLISH)) {
            ctx.register(hook, in -> {
                if (in.topic().startsWith(prefix)) {
                    refused.increment();
                    return Answer.error("example_refuses");
                }
                return Answer.ok();
            });
        }
        ctx.commands()
                .register(
                        io.hookline.api.command.CommandSpec.builder("example", "refused")
                                .help("how many publishes the example plugin refused")
                                .build(),
                        request -> io.hookline.api.command.CommandResult.text(Long.toString(refused.count())));
        ctx.logger().log(System.Logger.Level.INFO, "example plugin refuses {0}*", prefix);
    }
}
