package io.hookline.broker;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.hookline.api.Plugin;
import io.hookline.api.PluginContext;
import io.hookline.api.hook.Hooks;
import io.hookline.broker.config.ConfigException;
import io.hookline.broker.config.CoreConfig;
import io.hookline.broker.testsupport.TestBroker;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class ConfigChangeNotifyTest {
    private final ExecutorService other = Executors.newSingleThreadExecutor();
    private final TestBroker broker = TestBroker.start();

    @AfterEach
    void stop() {
        other.shutdownNow();
        broker.close();
    }

    @Test
    void onConfigChangeHandlerThatChangesTheConfigFromAnotherThreadAndWaitsForItCompletes() throws Exception {
        List<Map<String, String>> heard = new CopyOnWriteArrayList<>();
        CompletableFuture<Boolean> nestedChangeReturned = new CompletableFuture<>();
        listen(change -> {
            heard.add(change);
            if (change.containsKey("max_inflight_messages")) {
                // the broker's monitor used to be held here: the other thread's change waited for
                // this handler, which waited for it
                try {
                    CompletableFuture.runAsync(() -> change(Map.of("max_message_rate", "10")), other)
                            .get(10, TimeUnit.SECONDS);
                    nestedChangeReturned.complete(true);
                } catch (Exception e) {
                    nestedChangeReturned.completeExceptionally(e);
                }
            }
        });

        change(Map.of("max_inflight_messages", "50"));

        assertTrue(nestedChangeReturned.get(1, TimeUnit.SECONDS));
        // the nested change was applied at once and told after the handler returned, in order
        assertEquals(List.of(Map.of("max_inflight_messages", "50"), Map.of("max_message_rate", "10")), heard);
        assertEquals(50, broker.broker().config().get(CoreConfig.MAX_INFLIGHT_MESSAGES));
        assertEquals(10, broker.broker().config().get(CoreConfig.MAX_MESSAGE_RATE));
    }

    /** Enables a plugin whose on_config_change handler (inline) is {@code handler}. */
    private void listen(Consumer<Map<String, String>> handler) {
        broker.broker()
                .plugins()
                .add(
                        new Plugin() {
                            @Override
                            public String name() {
                                return "reacting";
                            }

                            @Override
                            public void start(PluginContext ctx) {
                                ctx.notifications(Hooks.ON_CONFIG_CHANGE, change -> handler.accept(change.changed()));
                            }
                        },
                        "test");
        broker.broker().plugins().enable("reacting").toCompletableFuture().join();
    }

    private void change(Map<String, String> changes) {
        try {
            broker.broker().changeConfig(changes);
        } catch (ConfigException e) {
            throw new AssertionError(e);
        }
    }
}
