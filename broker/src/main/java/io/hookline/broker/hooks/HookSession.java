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
    private final String key;
    private volatile SessionPermissions permissions;

    HookSession(Client client, SessionPermissions permissions) {
        this.client = Objects.requireNonNull(client);
        this.key = key(client.mountpoint(), client.clientId());
        this.permissions = permissions;
    }

    /**
     * A session for a publisher that is no MQTT connection (the HTTP API): asks the chains as
     * {@code client}, without permissions, and is never registered with the gateway.
     */
    public static HookSession detached(Client client) {
        return new HookSession(client, null);
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

    /**
     * The client id itself without a mountpoint (no new string, and its hash is already known),
     * else mountpoint NUL client id: unambiguous, a client id cannot hold U+0000.
     */
    static String key(String mountpoint, String clientId) {
        return mountpoint == null || mountpoint.isEmpty() ? clientId : mountpoint + '\u0000' + clientId;
    }

    /** Made once: the gateway's map holds it for the connection's life and removes by it at close. */
    String key() {
        return key;
    }
}
