package io.hookline.bench.scenario;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.hookline.bench.client.Transport;
import io.hookline.bench.report.RunResult;
import io.hookline.broker.Broker;
import io.hookline.broker.config.Config;
import io.hookline.broker.hooks.plugins.PluginLoader;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The generator end to end against an in-process Hookline: short, rate-limited runs. */
class ScenarioRunnerTest {
    private static Broker broker;
    private static ScenarioRunner runner;
    private static Target target;

    @BeforeAll
    static void start() throws Exception {
        // in memory, as the bench's brokers run by default; two brokers at once would share data/store
        broker = new Broker(Config.of(Map.of(
                        "listener.tcp.default",
                        "127.0.0.1:0",
                        "allow_anonymous",
                        "on",
                        "systree_interval",
                        "0",
                        "persistence",
                        "off")))
                .start();
        runner = new ScenarioRunner(Transport.create(1, true));
        // The broker runs in this JVM, so its "process" is ours: enough to exercise the sampling path.
        target = new Target(
                "hookline",
                new InetSocketAddress(InetAddress.getLoopbackAddress(), broker.port("default")),
                ProcessHandle.current().pid());
    }

    @AfterAll
    static void stop() {
        if (runner != null) {
            runner.close();
        }
        if (broker != null) {
            broker.close();
        }
    }

    private static ScenarioParams shortRun(Scenario s, int qos) {
        return ScenarioParams.defaults(s).withQos(qos).withRate(2000).withDuration(Duration.ofMillis(500));
    }

    @Test
    void pointToPointAtQos2DeliversEverythingExactlyOnce() {
        RunResult r = runner.run(shortRun(Scenario.POINT_TO_POINT, 2).withClients(2, 2), target);
        assertEquals("ok", r.status(), r.note());
        // How many depends on how busy the machine is; what matters is that every one arrived once.
        assertTrue(r.messaging().sent() > 0, "nothing was sent");
        assertEquals(r.messaging().sent(), r.messaging().delivery().received());
        assertEquals(0, r.messaging().delivery().lost());
        assertEquals(0, r.messaging().delivery().duplicates());
        assertTrue(r.messaging().latency().count() > 0);
        assertNotNull(r.broker());
    }

    @Test
    void fanOutDeliversEachMessageToEverySubscriber() {
        RunResult r = runner.run(shortRun(Scenario.FAN_OUT, 1).withClients(1, 3), target);
        assertEquals("ok", r.status(), r.note());
        assertEquals(3 * r.messaging().sent(), r.messaging().delivery().unique());
    }

    @Test
    void sharedGroupDeliversEachMessageToOneMember() {
        RunResult r = runner.run(shortRun(Scenario.SHARED_FAN_IN, 1).withClients(2, 3), target);
        assertEquals("ok", r.status(), r.note());
        assertEquals(r.messaging().sent(), r.messaging().delivery().unique());
    }

    @Test
    void connectionRampConnectsEveryClient() {
        RunResult r =
                runner.run(ScenarioParams.defaults(Scenario.CONNECTION_RAMP).withConnections(50), target);
        assertEquals("ok", r.status(), r.note());
        assertEquals(50, r.ramp().connected());
    }

    @Test
    void hooksScenarioRunsAgainstABrokerWithAnAuthOnPublishHandler() throws Exception {
        // BenchHooksPlugin (bench's own, found on the class path) answers ok to every auth_on_publish.
        PluginLoader.Discovery plugins = Broker.discoverPlugins(null);
        Config config = Config.of(
                Map.of(
                        "listener.tcp.default",
                        "127.0.0.1:0",
                        "allow_anonymous",
                        "on",
                        "systree_interval",
                        "0",
                        "plugins.benchhooks",
                        "on",
                        "benchhooks.mode",
                        "inline",
                        "persistence",
                        "off"),
                Broker.configSchema(plugins));
        try (Broker hooked = new Broker(config, plugins).start()) {
            Target t = new Target(
                    "hookline-inline",
                    new InetSocketAddress(InetAddress.getLoopbackAddress(), hooked.port("default")),
                    ProcessHandle.current().pid());
            RunResult r = runner.run(shortRun(Scenario.PUBLISH_WITH_HOOKS, 1), t);
            assertEquals("ok", r.status(), r.note());
            assertEquals(r.messaging().sent(), r.messaging().delivery().unique());
        }
    }

    @Test
    void nonLoopbackTargetIsRefused() {
        assertThrows(IllegalArgumentException.class, () -> Target.parse("x=192.0.2.1:1883"));
    }
}
