package io.hookline.broker.session;

import io.hookline.broker.Broker;
import io.hookline.broker.protocol.MqttConnection;

/** For tests outside this package: the live connection of a client's session. */
public final class SessionAccess {
    private SessionAccess() {}

    /** The connection attached to {@code clientId}'s session; null when offline or unknown. */
    public static MqttConnection connection(Broker broker, String clientId) {
        Session session = broker.sessions().get(clientId);
        return session == null ? null : (MqttConnection) session.connection();
    }
}
