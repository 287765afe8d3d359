package io.hookline.broker.hooks.plugins;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.hookline.api.ConfigKey;
import io.hookline.api.Plugin;
import io.hookline.api.PluginContext;
import io.hookline.api.hook.Answer;
import io.hookline.api.hook.FailurePolicy;
import io.hookline.api.hook.HandlerOptions;
import io.hookline.api.hook.Hooks;
import io.hookline.api.hook.Modifiers;
import io.hookline.api.hook.input.Client;
import io.hookline.api.hook.input.PublishInput;
import io.hookline.api.mqtt.Bytes;
import io.hookline.api.mqtt.ProtocolVersion;
import io.hookline.broker.config.Config;
import io.hookline.broker.config.ConfigException;
import io.hookline.broker.config.CoreConfig;
import io.hookline.broker.hooks.HandlerInfo;
import io.hookline.broker.hooks.HookEngine;
import io.hookline.broker.hooks.HookGateway;
import io.hookline.broker.hooks.HookSession;
import io.hookline.broker.hooks.PublishVerdict;
import io.hookline.broker.hooks.RegisterVerdict;
import io.hookline.broker.metrics.MetricRegistry;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.jar.JarEntry;
import java.util.jar.JarOutputStream;
import javax.tools.ToolProvider;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PluginRegistryTest {
    private static final Client C = new Client("", "c1", "u", ProtocolVersion.MQTT_3_1_1);
    private static final Executor INLINE = Runnable::run;

    private final HookEngine engine = HookEngine.create(Duration.ofSeconds(2), 4);
    private final HookGateway gateway = new HookGateway(engine);
    private final MetricRegistry metrics = new MetricRegistry();
    private final PluginRegistry registry = new PluginRegistry(gateway, metrics, BrokerServices.UNAVAILABLE);
    private final HookSession session = gateway.openSession(new RegisterVerdict.Accepted(C, Modifiers.NONE, null));

    @TempDir
    Path dir;

    @AfterEach
    void close() {
        registry.close();
        engine.close();
    }

    private PublishVerdict publish(String topic) {
        var in = new PublishInput(C, topic, 0, Bytes.EMPTY, false, null);
        return gateway.authOnPublish(session, in, INLINE).toCompletableFuture().join();
    }

    @Test
    void examplePluginIsFoundOnTheClasspathAndStartsWhenConfiguredOn() throws Exception {
        var discovery = PluginLoader.discover(getClass().getClassLoader(), null);
        assertTrue(
                discovery.plugins().stream().anyMatch(p -> p.plugin() instanceof ExamplePlugin), discovery.toString());
        registry.add(discovery);
        configure("plugins.example", "on", "example.deny_prefix", "private/");
        registry.startConfigured().toCompletableFuture().join();

        assertEquals(PluginRegistry.State.ENABLED, status("example").state());
        assertInstanceOf(PublishVerdict.Denied.class, publish("private/x"));
        assertInstanceOf(PublishVerdict.Allowed.class, publish("public/x"));
        assertEquals(1L, metrics.counterValues().get("hookline_plugin_example_refused"));
    }

    @Test
    void pluginConfiguredOffOrAbsentStaysDisabled() throws Exception {
        registry.add(new ExamplePlugin(), "test");
        configure("plugins.example", "off");
        registry.startConfigured().toCompletableFuture().join();
        assertEquals(PluginRegistry.State.DISABLED, status("example").state());
        assertTrue(engine.isEmpty(Hooks.AUTH_ON_PUBLISH));
    }

    @Test
    void operatorPriorityOrdersWholePlugins() throws Exception {
        registry.add(new Recording("first_by_config", 1000), "test");
        registry.add(new Recording("second", 1), "test");
        configure("plugins.first_by_config", "on", "plugins.first_by_config.priority", "0", "plugins.second", "on");
        registry.startConfigured().toCompletableFuture().join();
        List<String> order =
                engine.order(Hooks.ON_DELIVER).stream().map(HandlerInfo::plugin).toList();
        assertEquals(List.of("first_by_config", "second"), order);
        assertEquals(0, engine.order(Hooks.ON_DELIVER).get(0).priority());
    }

    @Test
    void operatorOverridesTheFailurePolicyAndTimeoutOfAPluginsHandlers() throws Exception {
        registry.add(
                new Fake(
                        "flaky",
                        ctx -> ctx.register(
                                Hooks.AUTH_ON_PUBLISH, HandlerOptions.DEFAULT.onFailure(FailurePolicy.DENY), in -> {
                                    throw new IllegalStateException("backend down");
                                })),
                "test");
        configure("plugins.flaky", "on", "plugins.flaky.on_error", "allow", "plugins.flaky.timeout", "250");
        registry.startConfigured().toCompletableFuture().join();
        HandlerInfo info = engine.order(Hooks.AUTH_ON_PUBLISH).get(0);
        assertEquals(FailurePolicy.ALLOW, info.onFailure());
        assertEquals(Duration.ofMillis(250), info.timeout());
        assertInstanceOf(PublishVerdict.Allowed.class, publish("t"));

        // a bad value never reaches the plugin: the config names the key
        ConfigException bad =
                assertThrows(ConfigException.class, () -> configure("plugins.flaky.on_error", "sometimes"));
        assertTrue(
                bad.getMessage().contains("plugins.flaky.on_error: 'sometimes' is not one of deny, next, allow"),
                bad.getMessage());
    }

    @Test
    void patternKeysDurationDefaultsAndTheDataDirReachThePlugin() throws Exception {
        ConfigKey<String> url = ConfigKey.string("named.<name>.url", null, "one URL per entry");
        ConfigKey<Duration> every = ConfigKey.duration("named.every", Duration.ofSeconds(30), "how often");
        var seen = new java.util.concurrent.atomic.AtomicReference<List<Object>>();
        Plugin named = new Fake(
                "named",
                List.of(url, every),
                ctx -> seen.set(List.of(ctx.config().named(url), ctx.config().get(every), ctx.dataDir())),
                () -> {});
        registry.add(named, "test");
        // the broker's schema must read a Duration default back (it once formatted it as PT30S)
        var schema = PluginConfigSchema.addTo(
                io.hookline.broker.config.CoreConfig.schema(), List.of(new ExamplePlugin(), named));
        assertTrue(schema.find("named.a.url").isPresent());
        configure("named.b.url", "http://b", "named.a.url", "http://a", "data_dir", "/var/hl");
        registry.enable("named").toCompletableFuture().join();
        assertEquals(
                List.of(
                        Map.of("a", "http://a", "b", "http://b"),
                        Duration.ofSeconds(30),
                        Path.of("/var/hl/plugins/named")),
                seen.get());
    }

    @Test
    void badPluginConfigValueIsAConfigErrorNamingTheKey() {
        ConfigKey<Integer> n = ConfigKey.integer("counting.n", 1, "a number");
        registry.add(new Fake("counting", List.of(n), ctx -> ctx.config().get(n), () -> {}), "test");
        ConfigException bad = assertThrows(ConfigException.class, () -> configure("counting.n", "many"));
        assertTrue(bad.getMessage().contains("counting.n"), bad.getMessage());
        assertEquals(PluginRegistry.State.DISABLED, status("counting").state());
    }

    @Test
    void startThatThrowsRemovesWhatItRegisteredAndReportsTheFailure() {
        registry.add(
                new Fake("halfway", ctx -> {
                    ctx.register(Hooks.AUTH_ON_PUBLISH, in -> Answer.error("x"));
                    throw new IllegalStateException("cannot open database");
                }),
                "test");
        assertTrue(registry.enable("halfway").toCompletableFuture().isCompletedExceptionally());
        assertTrue(engine.isEmpty(Hooks.AUTH_ON_PUBLISH));
        assertTrue(status("halfway").problem().contains("cannot open database"));
    }

    @Test
    void disableDuringACallLetsTheCallFinishThenStops() throws Exception {
        Hold slow = new Hold();
        registry.add(slow.plugin("slow", HandlerOptions.DEFAULT.blocking(), Answer.error("slow says no")), "test");
        registry.enable("slow").toCompletableFuture().join();
        var in = new PublishInput(C, "t", 0, Bytes.EMPTY, false, null);
        CompletableFuture<PublishVerdict> inFlight =
                gateway.authOnPublish(session, in, INLINE).toCompletableFuture();
        assertTrue(slow.inside.await(5, TimeUnit.SECONDS));

        CompletableFuture<Void> disabled = registry.disable("slow").toCompletableFuture();
        assertTrue(engine.isEmpty(Hooks.AUTH_ON_PUBLISH), "new calls no longer see the handler");
        assertSame(PublishVerdict.ALLOWED, publish("t"));
        assertFalse(slow.stopped.get(), "stop waits for the call in flight");

        slow.release.countDown();
        assertEquals("slow says no", ((PublishVerdict.Denied) inFlight.get(5, TimeUnit.SECONDS)).reason());
        disabled.get(5, TimeUnit.SECONDS);
        assertTrue(slow.stopped.get());
        assertEquals(PluginRegistry.State.DISABLED, status("slow").state());

        registry.enable("slow").toCompletableFuture().join();
        assertFalse(engine.isEmpty(Hooks.AUTH_ON_PUBLISH), "re-enabled at runtime");
    }

    @Test
    void disableWaitsForAnInlineCallInFlightToo() throws Exception {
        // inline calls are counted on a LongAdder the event loops share without contention: a
        // disable must still wait for one under way before stop()
        Hold inline = new Hold();
        registry.add(inline.plugin("inline", HandlerOptions.DEFAULT, Answer.ok()), "test");
        registry.enable("inline").toCompletableFuture().join();
        var in = new PublishInput(C, "t", 0, Bytes.EMPTY, false, null);
        // an inline handler runs on the caller's thread: this one is the caller
        CompletableFuture<PublishVerdict> inFlight = CompletableFuture.supplyAsync(() ->
                gateway.authOnPublish(session, in, INLINE).toCompletableFuture().join());
        assertTrue(inline.inside.await(5, TimeUnit.SECONDS));

        CompletableFuture<Void> disabled = registry.disable("inline").toCompletableFuture();
        assertTrue(engine.isEmpty(Hooks.AUTH_ON_PUBLISH), "new calls no longer see the handler");
        assertFalse(inline.stopped.get(), "stop waits for the inline call in flight");
        assertFalse(disabled.isDone());

        inline.release.countDown();
        assertSame(PublishVerdict.ALLOWED, inFlight.get(5, TimeUnit.SECONDS));
        disabled.get(5, TimeUnit.SECONDS);
        assertTrue(inline.stopped.get());
    }

    @Test
    void scheduledTasksRunOffTheCallerAndAreCancelledOnDisable() {
        java.util.concurrent.atomic.AtomicInteger ticks = new java.util.concurrent.atomic.AtomicInteger();
        registry.add(
                new Fake(
                        "ticker",
                        ctx -> ctx.scheduler()
                                .scheduleAtFixedRate(
                                        Duration.ofMillis(1), Duration.ofMillis(5), ticks::incrementAndGet)),
                "test");
        registry.enable("ticker").toCompletableFuture().join();
        await().atMost(5, TimeUnit.SECONDS).until(() -> ticks.get() >= 3);
        registry.disable("ticker").toCompletableFuture().join();
        int after = ticks.get();
        // any tick already handed to a worker may still land; none after that
        await().during(Duration.ofMillis(100)).atMost(Duration.ofSeconds(1)).until(() -> ticks.get() <= after + 1);
    }

    @Test
    void dropInJarIsLoadedAndABrokenJarIsReportedAndSkipped() throws Exception {
        Path plugins = Files.createDirectories(dir.resolve("plugins"));
        buildPluginJar(plugins.resolve("dropin.jar"));
        Files.write(plugins.resolve("broken.jar"), new byte[] {1, 2, 3, 4});
        buildJar(
                plugins.resolve("missing-class.jar"),
                Map.of(PluginLoader.SERVICE_FILE, "com.example.DoesNotExist\n".getBytes()));

        var discovery = PluginLoader.discover(getClass().getClassLoader(), plugins);

        var dropin = discovery.plugins().stream()
                .filter(p -> p.plugin().name().equals("dropin"))
                .toList();
        assertEquals(1, dropin.size(), discovery.toString());
        assertTrue(dropin.get(0).source().endsWith("dropin.jar"));
        assertTrue(
                discovery.failures().stream().anyMatch(f -> f.source().endsWith("broken.jar")), discovery.toString());
        assertTrue(
                discovery.failures().stream()
                        .anyMatch(f -> f.source().endsWith("missing-class.jar")
                                && f.message().contains("DoesNotExist")),
                discovery.toString());
        // classpath plugins are listed once, not again for every jar
        assertEquals(
                1,
                discovery.plugins().stream()
                        .filter(p -> p.plugin() instanceof ExamplePlugin)
                        .count());

        registry.add(discovery);
        configure("plugins.dropin", "on");
        registry.startConfigured().toCompletableFuture().join();
        assertInstanceOf(PublishVerdict.Denied.class, publish("anything"));
    }

    @Test
    void unknownPluginNameIsAClearError() {
        var e = assertThrows(IllegalArgumentException.class, () -> registry.enable("nope"));
        assertTrue(e.getMessage().contains("nope"));
    }

    /** Configures the registry with {@code keyValues}, validated against the keys of its plugins. */
    private void configure(String... keyValues) throws ConfigException {
        Map<String, String> values = new java.util.LinkedHashMap<>();
        for (int i = 0; i < keyValues.length; i += 2) {
            values.put(keyValues[i], keyValues[i + 1]);
        }
        List<Plugin> plugins = registry.list().stream()
                .map(p -> registry.plugin(p.name()).orElseThrow())
                .toList();
        registry.configure(Config.of(values, PluginConfigSchema.addTo(CoreConfig.schema(), plugins)));
    }

    private PluginRegistry.Status status(String name) {
        return registry.list().stream()
                .filter(s -> s.name().equals(name))
                .findFirst()
                .orElseThrow();
    }

    /** Compiles a one-class plugin that denies every publish and jars it with its service file. */
    private void buildPluginJar(Path jar) throws Exception {
        Path src = Files.createDirectories(dir.resolve("src/dropin"));
        Files.writeString(src.resolve("DropIn.java"), """
                package dropin;
                import io.hookline.api.*;
                import io.hookline.api.hook.*;
                public final class DropIn implements Plugin {
                    public String name() { return "dropin"; }
                    public void start(PluginContext ctx) {
                        ctx.register(Hooks.AUTH_ON_PUBLISH, in -> Answer.error("dropped_in"));
                    }
                }
                """);
        Path classes = Files.createDirectories(dir.resolve("classes"));
        int rc = ToolProvider.getSystemJavaCompiler()
                .run(
                        null,
                        null,
                        null,
                        "-d",
                        classes.toString(),
                        "-cp",
                        System.getProperty("java.class.path"),
                        src.resolve("DropIn.java").toString());
        assertEquals(0, rc, "compiling the drop-in plugin");
        buildJar(
                jar,
                Map.of(
                        "dropin/DropIn.class",
                        Files.readAllBytes(classes.resolve("dropin/DropIn.class")),
                        PluginLoader.SERVICE_FILE,
                        "dropin.DropIn\n".getBytes()));
    }

    private static void buildJar(Path jar, Map<String, byte[]> entries) throws Exception {
        try (OutputStream out = Files.newOutputStream(jar);
                JarOutputStream j = new JarOutputStream(out)) {
            for (var e : entries.entrySet()) {
                j.putNextEntry(new JarEntry(e.getKey()));
                j.write(e.getValue());
                j.closeEntry();
            }
        }
    }

    /** What a test plugin does when it starts (may throw, as {@link Plugin#start} may). */
    @FunctionalInterface
    private interface Start {
        void start(PluginContext ctx) throws Exception;
    }

    /** A plugin made of its name, its config keys and what its start and stop do. */
    private record Fake(String name, List<ConfigKey<?>> configKeys, Start onStart, Runnable onStop) implements Plugin {
        Fake(String name, Start onStart) {
            this(name, List.of(), onStart, () -> {});
        }

        @Override
        public void start(PluginContext ctx) throws Exception {
            onStart.start(ctx);
        }

        @Override
        public void stop() {
            onStop.run();
        }
    }

    /**
     * An auth_on_publish handler that holds each call until {@link #release} opens, then answers;
     * {@link #stopped} tells when its plugin stopped.
     */
    private static final class Hold {
        final CountDownLatch inside = new CountDownLatch(1);
        final CountDownLatch release = new CountDownLatch(1);
        final AtomicBoolean stopped = new AtomicBoolean();

        /** @param options inline or blocking */
        Plugin plugin(String name, HandlerOptions options, Answer answer) {
            Start start = ctx -> ctx.register(Hooks.AUTH_ON_PUBLISH, options, in -> {
                inside.countDown();
                release.await(5, TimeUnit.SECONDS);
                return answer;
            });
            return new Fake(name, List.of(), start, () -> stopped.set(true));
        }
    }

    /** Registers one on_deliver handler asking for {@code priority}. */
    private static final class Recording implements Plugin {
        private final String name;
        private final int priority;

        Recording(String name, int priority) {
            this.name = name;
            this.priority = priority;
        }

        public String name() {
            return name;
        }

        public void start(PluginContext ctx) {
            ctx.register(Hooks.ON_DELIVER, HandlerOptions.DEFAULT.priority(priority), in -> Answer.next());
        }
    }
}
