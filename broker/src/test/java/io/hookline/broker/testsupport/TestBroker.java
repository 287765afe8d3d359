package io.hookline.broker.testsupport;

import io.hookline.broker.Broker;
import io.hookline.broker.config.Config;
import io.hookline.broker.config.ConfigException;
import io.hookline.broker.store.Stores;
import io.hookline.broker.util.Scheduler;

import java.time.Clock;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A real broker on an ephemeral loopback port, for end-to-end tests. Defaults: anonymous
 * clients allowed, no $SYS publication; any key can be overridden.
 */
public final class TestBroker implements AutoCloseable {

    private final Broker broker;

    private TestBroker(Broker broker) {
        this.broker = broker;
    }

    /** Starts a broker; {@code keyValues} are config key/value pairs overriding the test defaults. */
    public static TestBroker start(String... keyValues) {
        return startOn(null, null, null, keyValues);
    }

    /**
     * Starts a broker on the given stores and time, null for the defaults (memory stores, the
     * system clock, real timers): a {@link ManualTime} as both clock and scheduler makes its
     * timers run only when the test advances it; stores shared by two brokers in turn are a
     * restart.
     */
    public static TestBroker startOn(Stores stores, Clock clock, Scheduler scheduler, String... keyValues) {
        Map<String, String> config = new LinkedHashMap<>();
        config.put("listener.tcp.default", "127.0.0.1:0");
        config.put("allow_anonymous", "on");
        config.put("systree_interval", "0");
        for (int i = 0; i + 1 < keyValues.length; i += 2) {
            config.put(keyValues[i], keyValues[i + 1]);
        }
        try {
            var plugins = Broker.discoverPlugins(null);
            return new TestBroker(new Broker(Config.of(config, Broker.configSchema(plugins)), plugins, stores, clock,
                    scheduler).start());
        } catch (ConfigException e) {
            throw new IllegalArgumentException("bad test config: " + e.getMessage(), e);
        } catch (Exception e) {
            throw new IllegalStateException("broker did not start: " + e.getMessage(), e);
        }
    }

    public int port() {
        return broker.port("default");
    }

    /** The port of listener {@code listener.KIND.NAME}, e.g. {@code port("ssl", "secure")}. */
    public int port(String kind, String name) {
        int port = broker.port(kind, name);
        if (port < 0) {
            throw new IllegalArgumentException("no listener." + kind + "." + name);
        }
        return port;
    }

    /** The port of the management HTTP listener {@code listener.http.default}. */
    public int httpPort() {
        int port = broker.httpPort("default");
        if (port < 0) {
            throw new IllegalArgumentException("no listener.http.default");
        }
        return port;
    }

    public Broker broker() {
        return broker;
    }

    @Override
    public void close() {
        broker.close();
    }
}
