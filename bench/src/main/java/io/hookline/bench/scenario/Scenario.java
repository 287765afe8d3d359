package io.hookline.bench.scenario;

import java.util.Arrays;

/** The scenarios the generator knows, by the name used on the command line. */
public enum Scenario {
    /** N publishers, each to its own topic with its own subscriber. */
    POINT_TO_POINT("p2p"),
    /** One publisher, N subscribers to the same topic: every message delivered N times. */
    FAN_OUT("fan-out"),
    /** N publishers to one topic, consumed by a shared subscription ($share/bench/topic) of M members. */
    SHARED_FAN_IN("shared-fan-in"),
    /** Connects N idle clients and reports the broker's RSS per connection. */
    CONNECTION_RAMP("connection-ramp"),
    /**
     * Point-to-point against brokers that run an auth_on_publish handler (given with
     * --hooks-target), next to the first --target as the no-hook baseline. Without hook targets it
     * reports "not available" instead of numbers.
     */
    PUBLISH_WITH_HOOKS("publish-with-hooks");

    private final String cliName;

    Scenario(String cliName) {
        this.cliName = cliName;
    }

    public String cliName() {
        return cliName;
    }

    /** Whether the scenario publishes and subscribes (as opposed to only connecting). */
    public boolean isMessaging() {
        return this != CONNECTION_RAMP;
    }

    /** Each publisher paired with its own subscriber. */
    public boolean isPointToPoint() {
        return this == POINT_TO_POINT || this == PUBLISH_WITH_HOOKS;
    }

    public static Scenario byName(String name) {
        return Arrays.stream(values())
                .filter(s -> s.cliName.equals(name))
                .findFirst()
                .orElseThrow(() -> new IllegalArgumentException("unknown scenario '" + name + "'; known: "
                        + String.join(
                                ", ",
                                Arrays.stream(values()).map(Scenario::cliName).toList())));
    }
}
