package io.hookline.broker.protocol;

import io.hookline.api.hook.Hooks;
import io.hookline.api.hook.input.Client;
import io.hookline.api.hook.input.ClientEvent;
import io.hookline.api.hook.input.MessageDrop;
import io.hookline.api.hook.input.PublishInput;
import io.hookline.api.hook.input.TopicsUnsubscribed;
import io.hookline.api.mqtt.Bytes;
import io.hookline.broker.hooks.HookGateway;
import io.hookline.broker.routing.Message;
import io.hookline.broker.session.Session;
import io.hookline.broker.session.SessionEvents;
import java.util.List;

/**
 * Raises the session lifecycle NOTIFY hooks (on_offline_message, on_message_drop,
 * on_client_wakeup, on_client_offline, on_client_gone, on_session_expired,
 * on_topic_unsubscribed) from the session layer's events. Builds an input only when the hook
 * has handlers; {@link #wants} lets the session skip keeping an event nobody listens to.
 * Thread-safe and stateless; called outside every session lock.
 */
public final class HookEvents implements SessionEvents {

    private final HookGateway hooks;

    public HookEvents(HookGateway hooks) {
        this.hooks = hooks;
    }

    @Override
    public boolean wants(Kind kind) {
        return hooks.wants(
                switch (kind) {
                    case OFFLINE_MESSAGE -> Hooks.ON_OFFLINE_MESSAGE;
                    case MESSAGE_DROPPED -> Hooks.ON_MESSAGE_DROP;
                    case CLIENT_WAKEUP -> Hooks.ON_CLIENT_WAKEUP;
                    case CLIENT_OFFLINE -> Hooks.ON_CLIENT_OFFLINE;
                    case CLIENT_GONE -> Hooks.ON_CLIENT_GONE;
                    case SESSION_EXPIRED -> Hooks.ON_SESSION_EXPIRED;
                    case TOPICS_UNSUBSCRIBED -> Hooks.ON_TOPIC_UNSUBSCRIBED;
                });
    }

    private static Client client(Session s) {
        return HookInputs.client(s.mountpoint(), s.clientId(), s.username(), s.protocolVersion());
    }

    private static String unmount(Session s, String topic) {
        return ListenerInfo.unmount(s.mountpoint(), topic);
    }

    @Override
    public void offlineMessage(Session session, Message message) {
        if (hooks.wants(Hooks.ON_OFFLINE_MESSAGE)) {
            hooks.notify(
                    Hooks.ON_OFFLINE_MESSAGE,
                    new PublishInput(
                            client(session),
                            unmount(session, message.topic()),
                            message.qos(),
                            Bytes.adopt(message.payload()),
                            message.retain(),
                            HookInputs.properties(message.properties(), -1)));
        }
    }

    @Override
    public void messageDropped(Session session, Message message, DropReason reason) {
        if (hooks.wants(Hooks.ON_MESSAGE_DROP)) {
            hooks.notify(
                    Hooks.ON_MESSAGE_DROP,
                    new MessageDrop(
                            client(session),
                            reason.wireName,
                            unmount(session, message.topic()),
                            message.qos(),
                            Bytes.adopt(message.payload()),
                            message.retain(),
                            HookInputs.properties(message.properties(), -1)));
        }
    }

    @Override
    public void clientWakeup(Session session) {
        clientEvent(Hooks.ON_CLIENT_WAKEUP, session);
    }

    @Override
    public void clientOffline(Session session) {
        clientEvent(Hooks.ON_CLIENT_OFFLINE, session);
    }

    @Override
    public void clientGone(Session session) {
        clientEvent(Hooks.ON_CLIENT_GONE, session);
    }

    @Override
    public void sessionExpired(Session session) {
        clientEvent(Hooks.ON_SESSION_EXPIRED, session);
    }

    @Override
    public void topicsUnsubscribed(Session session, List<String> filters, boolean all) {
        if (hooks.wants(Hooks.ON_TOPIC_UNSUBSCRIBED)) {
            List<String> topics = filters.stream().map(f -> unmount(session, f)).toList();
            hooks.notify(Hooks.ON_TOPIC_UNSUBSCRIBED, new TopicsUnsubscribed(client(session), topics, all));
        }
    }

    private void clientEvent(io.hookline.api.hook.Hook<ClientEvent> hook, Session session) {
        if (hooks.wants(hook)) {
            hooks.notify(hook, new ClientEvent(client(session)));
        }
    }
}
