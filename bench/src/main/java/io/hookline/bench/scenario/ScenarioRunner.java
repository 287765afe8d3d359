package io.hookline.bench.scenario;

import io.hookline.bench.client.Transport;
import io.hookline.bench.report.RunResult;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs scenarios against targets with one shared client event-loop group. Each run gets a fresh
 * id so topics and client ids never collide with an earlier run's leftovers. Not thread-safe.
 */
public final class ScenarioRunner implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(ScenarioRunner.class);

    private final Transport transport;
    private final boolean persistentSessions;
    private final AtomicInteger runs = new AtomicInteger();
    private final String session = Long.toString(System.currentTimeMillis() % 1_000_000, 36);

    public ScenarioRunner(Transport transport) {
        this(transport, false);
    }

    /** @param persistentSessions messaging clients connect with clean session 0 (the broker's durable path) */
    public ScenarioRunner(Transport transport, boolean persistentSessions) {
        this.transport = transport;
        this.persistentSessions = persistentSessions;
    }

    public String transportName() {
        return transport.name();
    }

    /** Runs one scenario; a failure becomes a "failed" result rather than an exception. */
    public RunResult run(ScenarioParams params, Target target) {
        String run = "b" + session + "r" + runs.incrementAndGet();
        try {
            return switch (params.scenario()) {
                case POINT_TO_POINT, FAN_OUT, SHARED_FAN_IN, PUBLISH_WITH_HOOKS ->
                    new MessagingRun(transport, params, target, run, persistentSessions).execute();
                case CONNECTION_RAMP -> new ConnectionRamp(transport, params, target, run).execute();
            };
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return RunResult.failed(params.label(), target.name(), params.toMap(), "interrupted");
        } catch (Exception e) {
            LOG.warn("{} against {} failed", params.label(), target.name(), e);
            return RunResult.failed(params.label(), target.name(), params.toMap(), e.toString());
        }
    }

    @Override
    public void close() {
        transport.close();
    }
}
