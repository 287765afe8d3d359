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
   * Publishing through auth_on_publish hooks (Java inline, Lua, webhook). Placeholder: the hook
   * engine does not exist yet, so it reports "not available" instead of numbers.
   */
  PUBLISH_WITH_HOOKS("publish-with-hooks");

  private final String cliName;

  Scenario(String cliName) {
    this.cliName = cliName;
  }

  public String cliName() {
    return cliName;
  }

  public static Scenario byName(String name) {
    return Arrays.stream(values()).filter(s -> s.cliName.equals(name)).findFirst()
        .orElseThrow(() -> new IllegalArgumentException("unknown scenario '" + name + "'; known: "
            + String.join(", ", Arrays.stream(values()).map(Scenario::cliName).toList())));
  }
}
