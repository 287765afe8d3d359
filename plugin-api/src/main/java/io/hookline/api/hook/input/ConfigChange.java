package io.hookline.api.hook.input;

import java.util.Map;

/**
 * Input of {@code on_config_change}: live configuration keys changed. Told after the change is
 * in effect, in the order changes were made, and outside the broker's locks: a handler may read
 * the config or change it again (that change is told after the handler returns).
 *
 * <pre>{@code
 * ctx.notifications(Hooks.ON_CONFIG_CHANGE, c -> {
 *     if (c.changed().containsKey("acl.reload_interval")) { reschedule(); }
 * });
 * }</pre>
 *
 * @param changed the changed keys with their new values
 */
public record ConfigChange(Map<String, String> changed) implements HookInput {
    public ConfigChange {
        changed = Map.copyOf(changed);
    }

    /** @return {@link Client#NONE}: a configuration change is about no client */
    @Override
    public Client client() {
        return Client.NONE;
    }
}
