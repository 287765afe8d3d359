package io.hookline.broker.hooks;

import io.hookline.api.auth.SessionPermissions;
import io.hookline.api.hook.Hook;
import io.hookline.api.hook.input.Client;
import io.hookline.api.hook.input.HookInput;
import java.util.Objects;

/**
 * What the hook layer keeps per accepted connection: who the client is (after
 * {@code auth_on_register} modifiers) and its session permissions. Created by
 * {@link HookGateway#openSession}, held by the protocol's connection state. Thread-safe: the
 * permissions are a volatile reference a plugin may replace from any thread.
 */
public final class HookSession {
    private final Client client;
    private volatile SessionPermissions permissions;

    HookSession(Client client, SessionPermissions permissions) {
        this.client = Objects.requireNonNull(client);
        this.permissions = permissions;
    }

    public Client client() {
        return client;
    }

    public boolean isMqtt5() {
        return client.version().isMqtt5();
    }

    /** @return the session permissions, or null when none are attached */
    public SessionPermissions permissions() {
        return permissions;
    }

    void permissions(SessionPermissions value) {
        permissions = value;
    }

    /** @return {@code m5} for an MQTT 5 client, {@code v3} otherwise */
    public <I extends HookInput> Hook<I> pick(Hook<I> v3, Hook<I> m5) {
        return isMqtt5() ? m5 : v3;
    }

    static String key(String mountpoint, String clientId) {
        return mountpoint + '\u0000' + clientId;
    }

    String key() {
        return key(client.mountpoint(), client.clientId());
    }
}
