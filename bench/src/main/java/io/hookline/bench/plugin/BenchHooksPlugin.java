package io.hookline.bench.plugin;

import io.hookline.api.ConfigKey;
import io.hookline.api.Plugin;
import io.hookline.api.PluginContext;
import io.hookline.api.hook.Answer;
import io.hookline.api.hook.HandlerOptions;
import io.hookline.api.hook.Hooks;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.Executors;

/**
 * A benchmark-only plugin that answers {@code ok} to every auth_on_publish, so the cost of
 * the hook path can be measured: {@code benchhooks.mode = inline} answers on the event loop,
 * {@code async} completes the answer on another thread (the shape of a webhook or Lua call
 * that answers at once). Enabled with {@code plugins.benchhooks = on}; never shipped in
 * bin/broker's class path.
 */
public final class BenchHooksPlugin implements Plugin {

    static final ConfigKey<String> MODE = ConfigKey.string(
            "benchhooks.mode", "inline", "inline: answer ok on the event loop; async: complete ok on another thread");

    @Override
    public String name() {
        return "benchhooks";
    }

    @Override
    public List<ConfigKey<?>> configKeys() {
        return List.of(MODE);
    }

    @Override
    public void start(PluginContext context) {
        String mode = context.config().get(MODE);
        switch (mode) {
            case "inline" -> {
                context.register(Hooks.AUTH_ON_PUBLISH, in -> Answer.ok());
                context.register(Hooks.AUTH_ON_PUBLISH_M5, in -> Answer.ok());
            }
            case "async" -> {
                // a pool of our own: on a 2-core machine the common pool has parallelism 1, and
                // CompletableFuture then runs every supplyAsync on a new thread (measured: a thread
                // start per message dominated the async figure)
                Executor elsewhere = Executors.newFixedThreadPool(2, r -> {
                    Thread t = new Thread(r, "benchhooks-async");
                    t.setDaemon(true);
                    return t;
                });
                context.registerAsync(
                        Hooks.AUTH_ON_PUBLISH,
                        HandlerOptions.DEFAULT,
                        in -> CompletableFuture.supplyAsync(Answer::ok, elsewhere));
                context.registerAsync(
                        Hooks.AUTH_ON_PUBLISH_M5,
                        HandlerOptions.DEFAULT,
                        in -> CompletableFuture.supplyAsync(Answer::ok, elsewhere));
            }
            default ->
                throw new IllegalArgumentException("benchhooks.mode: expected inline or async, got '" + mode + "'");
        }
    }
}
