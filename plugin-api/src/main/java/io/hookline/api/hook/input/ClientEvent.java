package io.hookline.api.hook.input;

import java.util.Objects;

/**
 * Input of the session lifecycle notifications: {@code on_client_wakeup} (after
 * {@code on_register}, on every accepted connection, new or resumed session),
 * {@code on_client_offline}, {@code on_client_gone}, {@code on_session_expired}.
 *
 * <pre>{@code
 * ctx.notifications(Hooks.ON_CLIENT_GONE, ev -> online.remove(ev.client().clientId()));
 * }</pre>
 *
 * @param client the client whose session changed
 */
public record ClientEvent(Client client) implements HookInput {
    public ClientEvent {
        Objects.requireNonNull(client, "client");
    }
}
