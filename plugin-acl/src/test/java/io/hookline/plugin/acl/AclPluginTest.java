package io.hookline.plugin.acl;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.hookline.api.hook.Hooks;
import io.hookline.api.hook.Modifiers;
import io.hookline.api.hook.input.Client;
import io.hookline.api.hook.input.ConfigChange;
import io.hookline.api.hook.input.PublishInput;
import io.hookline.api.hook.input.RegisterInput;
import io.hookline.api.hook.input.SubscribeInput;
import io.hookline.api.mqtt.Bytes;
import io.hookline.api.mqtt.ProtocolVersion;
import io.hookline.api.mqtt.TopicSubscription;
import io.hookline.broker.config.Config;
import io.hookline.broker.config.ConfigException;
import io.hookline.broker.config.CoreConfig;
import io.hookline.broker.hooks.HookEngine;
import io.hookline.broker.hooks.HookGateway;
import io.hookline.broker.hooks.HookSession;
import io.hookline.broker.hooks.PublishVerdict;
import io.hookline.broker.hooks.RegisterVerdict;
import io.hookline.broker.hooks.SubscribeVerdict;
import io.hookline.broker.hooks.plugins.BrokerServices;
import io.hookline.broker.hooks.plugins.PluginConfigSchema;
import io.hookline.broker.hooks.plugins.PluginLoader;
import io.hookline.broker.hooks.plugins.PluginRegistry;
import io.hookline.broker.metrics.MetricRegistry;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The ACL plugin found by ServiceLoader and run by the broker's real hook engine. */
class AclPluginTest {
    private static final Executor LOOP = Runnable::run;

    @TempDir
    Path dir;

    private Path passwd;
    private Path acl;
    private final HookEngine engine = HookEngine.create(Duration.ofSeconds(5), 2);
    private final HookGateway gateway = new HookGateway(engine);
    private final MetricRegistry metrics = new MetricRegistry();
    private final PluginRegistry registry = new PluginRegistry(gateway, metrics, BrokerServices.UNAVAILABLE);

    @BeforeEach
    void start() throws Exception {
        passwd = dir.resolve("passwd");
        acl = dir.resolve("acl.conf");
        PasswordFileEditor.set(passwd, "alice", "wonderland");
        Files.writeString(acl, """
                topic read public/#
                user alice
                topic readwrite alice/#
                peer deny 203.0.113.0/24
                peer allow 10.0.0.0/8
                """);
        var discovery = PluginLoader.discover(getClass().getClassLoader(), null);
        assertTrue(
                discovery.plugins().stream().anyMatch(f -> f.plugin() instanceof AclPlugin), "found via ServiceLoader");
        registry.add(discovery);
        configure(Map.of(
                "plugins.acl",
                "on",
                "acl.password_file",
                passwd.toString(),
                "acl.acl_file",
                acl.toString(),
                "acl.reload_interval",
                "50ms",
                "acl.peer_allow_anonymous",
                "on"));
        registry.startConfigured().toCompletableFuture().get(5, TimeUnit.SECONDS);
        assertEquals(
                PluginRegistry.State.ENABLED,
                registry.list().stream()
                        .filter(s -> s.name().equals("acl"))
                        .findFirst()
                        .orElseThrow()
                        .state());
    }

    @AfterEach
    void stop() {
        registry.close();
        engine.close();
    }

    private RegisterVerdict connect(String peer, String user, String password, ProtocolVersion v) throws Exception {
        var in = new RegisterInput(
                new Client("", "c-" + user, user, v),
                peer,
                40000,
                password == null ? null : Bytes.utf8(password),
                true,
                null,
                "default",
                null);
        return gateway.authOnRegister(in, false, LOOP).toCompletableFuture().get(5, TimeUnit.SECONDS);
    }

    private HookSession session(String user) {
        return gateway.openSession(new RegisterVerdict.Accepted(
                new Client("", "c-" + user, user, ProtocolVersion.MQTT_3_1_1), Modifiers.NONE, null));
    }

    private PublishVerdict publish(String user, String topic) {
        var s = session(user);
        return gateway.authOnPublish(s, new PublishInput(s.client(), topic, 0, Bytes.EMPTY, false, null), LOOP)
                .toCompletableFuture()
                .join();
    }

    @Test
    void passwordsDecideRegistration() throws Exception {
        assertInstanceOf(
                RegisterVerdict.Accepted.class,
                connect("127.0.0.1", "alice", "wonderland", ProtocolVersion.MQTT_3_1_1));
        var bad = (RegisterVerdict.Refused) connect("127.0.0.1", "alice", "rabbit", ProtocolVersion.MQTT_3_1_1);
        assertEquals(4, bad.mqtt3Code());
        assertEquals(
                0x86,
                ((RegisterVerdict.Refused) connect("127.0.0.1", "alice", "rabbit", ProtocolVersion.MQTT_5))
                        .mqtt5Code());
        // unknown user: the same bad credentials as a wrong password, never the anonymous fallback
        assertEquals(
                4,
                ((RegisterVerdict.Refused) connect("127.0.0.1", "mallory", "x", ProtocolVersion.MQTT_3_1_1))
                        .mqtt3Code());
        assertEquals(
                0x86,
                ((RegisterVerdict.Refused) connect("127.0.0.1", "mallory", "x", ProtocolVersion.MQTT_5)).mqtt5Code());
    }

    @Test
    void peerRulesRefuseEvenGoodCredentialsAndAdmitAllowedPeersWithout() throws Exception {
        var banned = (RegisterVerdict.Refused) connect("203.0.113.7", "alice", "wonderland", ProtocolVersion.MQTT_5);
        assertEquals(0x8A, banned.mqtt5Code());
        assertInstanceOf(RegisterVerdict.Accepted.class, connect("10.1.2.3", null, null, ProtocolVersion.MQTT_3_1_1));
        assertInstanceOf(RegisterVerdict.Refused.class, connect("127.0.0.1", null, null, ProtocolVersion.MQTT_3_1_1));
        // an allowed peer that sends credentials still has them checked
        assertInstanceOf(
                RegisterVerdict.Refused.class, connect("10.1.2.3", "alice", "nope", ProtocolVersion.MQTT_3_1_1));
    }

    @Test
    void aclRulesDecidePublishAndSubscribe() {
        assertInstanceOf(PublishVerdict.Allowed.class, publish("alice", "alice/x"));
        assertInstanceOf(PublishVerdict.Denied.class, publish("alice", "public/x"), "read-only: next -> denied");
        assertInstanceOf(PublishVerdict.Denied.class, publish("bob", "alice/x"));

        var s = session("bob");
        var in = new SubscribeInput(
                s.client(), List.of(new TopicSubscription("public/+", 1), new TopicSubscription("alice/#", 1)), null);
        var v = (SubscribeVerdict.Decided)
                gateway.authOnSubscribe(s, in, LOOP).toCompletableFuture().join();
        assertEquals(
                List.of(1, 0x80),
                v.topics().stream().map(TopicSubscription::qos).toList());
    }

    @Test
    void changedFilesAreReloadedAndABrokenFileKeepsTheLastGoodRules() throws Exception {
        Files.writeString(acl, Files.readString(acl) + "user bob\ntopic write bob/#\n");
        PasswordFileEditor.set(passwd, "bob", "builder");
        await().atMost(5, TimeUnit.SECONDS).until(() -> publish("bob", "bob/1") instanceof PublishVerdict.Allowed);
        await().atMost(5, TimeUnit.SECONDS)
                .until(() -> connect("127.0.0.1", "bob", "builder", ProtocolVersion.MQTT_3_1_1)
                        instanceof RegisterVerdict.Accepted);

        long failuresBefore = metrics.counterValues().getOrDefault("hookline_plugin_acl_reload_failures", 0L);
        Files.writeString(acl, "topic write everything/#\nthis line is wrong\n");
        await().atMost(5, TimeUnit.SECONDS)
                .until(() -> metrics.counterValues().getOrDefault("hookline_plugin_acl_reload_failures", 0L)
                        > failuresBefore);
        assertInstanceOf(PublishVerdict.Allowed.class, publish("bob", "bob/1"), "last good rules still serve");
        assertInstanceOf(
                PublishVerdict.Denied.class, publish("bob", "everything/x"), "nothing of the broken file applied");
    }

    @Test
    void reloadIntervalChangesWhileRunning() throws Exception {
        registry.disable("acl").toCompletableFuture().get(5, TimeUnit.SECONDS);
        configure(Map.of(
                "plugins.acl",
                "on",
                "acl.password_file",
                passwd.toString(),
                "acl.acl_file",
                acl.toString(),
                "acl.reload_interval",
                "1h"));
        registry.enable("acl").toCompletableFuture().get(5, TimeUnit.SECONDS);
        Files.writeString(acl, "topic write carol/#\n");
        assertInstanceOf(PublishVerdict.Denied.class, publish("carol", "carol/1"), "no reload within the hour");

        gateway.notify(Hooks.ON_CONFIG_CHANGE, new ConfigChange(Map.of("acl.reload_interval", "50ms")));
        await().atMost(5, TimeUnit.SECONDS).until(() -> publish("carol", "carol/1") instanceof PublishVerdict.Allowed);
    }

    @Test
    void aReadCheckIsInstalledWhileTheFileHasDenyRulesAndFollowsReloads() throws Exception {
        var checks = gateway.readChecks();
        assertTrue(checks.isEmpty(), "no deny rule: no per-delivery check, nothing to pay");
        Client bob = new Client("", "c-bob", "bob", ProtocolVersion.MQTT_5);

        Files.writeString(acl, "topic read #\ntopic deny a/secret\n");
        // the check goes in just before the new rules are swapped in (it must be there before a
        // subscription is granted under them): wait for the rules, not only for the check
        await().atMost(5, TimeUnit.SECONDS).until(() -> !checks.mayRead(bob, "a/secret"));
        assertEquals(1, checks.size());
        assertTrue(checks.mayRead(bob, "a/public"));
        assertTrue(checks.mayRead(bob, "a/secret/below"));

        Files.writeString(acl, "topic read #\ntopic deny a/public\n");
        await().atMost(5, TimeUnit.SECONDS).until(() -> checks.mayRead(bob, "a/secret"));
        assertFalse(checks.mayRead(bob, "a/public"), "the cached answers of the old rules are gone");
        assertEquals(1, checks.size(), "still one check");

        Files.writeString(acl, "topic read #\n");
        await().atMost(5, TimeUnit.SECONDS).until(checks::isEmpty);

        Files.writeString(acl, "topic read #\ntopic deny x\n");
        await().atMost(5, TimeUnit.SECONDS).until(() -> !checks.mayRead(bob, "x"));
        registry.disable("acl").toCompletableFuture().get(5, TimeUnit.SECONDS);
        assertTrue(checks.isEmpty(), "a stopped plugin's check is removed");
        registry.enable("acl").toCompletableFuture().get(5, TimeUnit.SECONDS);
        assertEquals(1, checks.size(), "and installed again when it starts");
    }

    /** Configures the registry as the broker does: {@code values} validated against the plugin keys. */
    private void configure(Map<String, String> values) throws ConfigException {
        registry.configure(Config.of(values, PluginConfigSchema.addTo(CoreConfig.schema(), List.of(new AclPlugin()))));
    }
}
