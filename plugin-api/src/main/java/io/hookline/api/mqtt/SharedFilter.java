package io.hookline.api.mqtt;

import java.util.Objects;

/** The parts of a {@code $share/<group>/<filter>} subscription: the share name and the inner filter. */
public record SharedFilter(String group, String filter) {
    public SharedFilter {
        Objects.requireNonNull(group, "group");
        Objects.requireNonNull(filter, "filter");
    }
}
