package io.hookline.api.auth;

import java.util.Objects;

/**
 * One entry of {@link SessionPermissions}: a topic pattern (a filter that may use {@code %u}
 * username, {@code %c} client id, {@code %m} mountpoint), the highest QoS allowed under it and
 * whether retained messages are allowed.
 *
 * <pre>{@code
 * AclEntry own = AclEntry.of("clients/%c/#");                  // qos 0..2, retain allowed
 * AclEntry telemetry = new AclEntry("telemetry/%u/+", 1, false);
 * }</pre>
 *
 * @param pattern the topic filter with optional {@code %u %c %m}
 * @param maxQos the highest QoS allowed (0..2)
 * @param retainAllowed whether a PUBLISH with retain may pass (ignored for subscriptions)
 */
public record AclEntry(String pattern, int maxQos, boolean retainAllowed) {
    public AclEntry {
        Objects.requireNonNull(pattern, "pattern");
        if (maxQos < 0 || maxQos > 2) {
            throw new IllegalArgumentException("maxQos must be 0..2: " + maxQos);
        }
    }

    /** @return an entry for {@code pattern} with QoS up to 2 and retain allowed */
    public static AclEntry of(String pattern) {
        return new AclEntry(pattern, 2, true);
    }
}
