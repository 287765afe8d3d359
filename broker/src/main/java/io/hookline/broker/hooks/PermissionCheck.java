package io.hookline.broker.hooks;

import io.hookline.api.auth.AclEntry;
import io.hookline.api.auth.SessionPermissions;
import io.hookline.api.hook.input.Client;
import io.hookline.api.mqtt.Topics;

/**
 * Checks session permissions in-process (the generic {@code auth_cache}). The first entry whose
 * pattern matches decides. Stateless.
 */
final class PermissionCheck {
    /** Returned by {@link #subscribe} when no entry covers the filter. */
    static final int NO_MATCH = -1;

    enum Decision {
        ALLOW,
        DENY,
        NO_MATCH
    }

    private PermissionCheck() {}

    static Decision publish(SessionPermissions p, Client c, String topic, int qos, boolean retain) {
        for (AclEntry e : p.publish()) {
            String pattern = Topics.substitute(e.pattern(), c.clientId(), c.username(), c.mountpoint());
            if (pattern != null && Topics.matches(pattern, topic)) {
                return qos <= e.maxQos() && (!retain || e.retainAllowed()) ? Decision.ALLOW : Decision.DENY;
            }
        }
        return Decision.NO_MATCH;
    }

    /** @return the QoS to grant (the requested one capped by the entry), or {@link #NO_MATCH} */
    static int subscribe(SessionPermissions p, Client c, String filter, int qos) {
        for (AclEntry e : p.subscribe()) {
            String pattern = Topics.substitute(e.pattern(), c.clientId(), c.username(), c.mountpoint());
            if (pattern != null && Topics.covers(pattern, filter)) {
                return Math.min(qos, e.maxQos());
            }
        }
        return NO_MATCH;
    }
}
