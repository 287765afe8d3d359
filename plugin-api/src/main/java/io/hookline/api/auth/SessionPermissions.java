package io.hookline.api.auth;

import java.util.List;

/**
 * Permissions an {@code auth_on_register} answer attaches to the session (modifier
 * {@code Modifier.PERMISSIONS}); the generic form of VerneMQ's {@code auth_cache}. The broker
 * checks them in-process before asking the {@code auth_on_publish}/{@code auth_on_subscribe}
 * chains: a matching entry within its QoS/retain limits allows at once, a matching entry whose
 * limits are exceeded denies, no match asks the chain. They count as a handler, so when the
 * chain is empty or says {@code next} the request is denied. A plugin can replace or drop them
 * later with {@code PluginContext.clients().setPermissions(...)}.
 *
 * <pre>{@code
 * var perms = new SessionPermissions(
 *         List.of(AclEntry.of("clients/%c/#")),                      // publish
 *         List.of(AclEntry.of("clients/%c/#"), new AclEntry("broadcast/#", 1, false)));
 * return Answer.ok(Modifiers.of(Modifier.PERMISSIONS, perms));
 * }</pre>
 *
 * @param publish entries checked for PUBLISH (and the will)
 * @param subscribe entries checked for each SUBSCRIBE filter (the pattern must cover the filter)
 */
public record SessionPermissions(List<AclEntry> publish, List<AclEntry> subscribe) {
    public SessionPermissions {
        publish = List.copyOf(publish);
        subscribe = List.copyOf(subscribe);
    }
}
