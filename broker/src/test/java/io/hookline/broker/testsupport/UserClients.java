package io.hookline.broker.testsupport;

import com.hivemq.client.mqtt.mqtt5.Mqtt5BlockingClient;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Supplier;

/**
 * MQTT 5 clients connected with a user name, which test plugins such as
 * {@code RegisterModifiersTest.LimitsPlugin} read auth_on_register modifiers from
 * ({@code "max_message_rate=20"}); {@link #close} disconnects those still connected.
 * The broker is looked up at each connect, so a test may start its own.
 */
public final class UserClients implements AutoCloseable {

    private final Supplier<TestBroker> broker;
    private final List<Mqtt5BlockingClient> connected = new ArrayList<>();

    public UserClients(Supplier<TestBroker> broker) {
        this.broker = broker;
    }

    public Mqtt5BlockingClient connect(String clientId, String username) {
        Mqtt5BlockingClient c = Clients.v5Builder(broker.get(), clientId)
                .simpleAuth().username(username).applySimpleAuth().build().toBlocking();
        c.connect();
        connected.add(c);
        return c;
    }

    /** Disconnects every client still connected (in the order they connected) and forgets them. */
    @Override
    public void close() {
        for (Mqtt5BlockingClient c : connected) {
            if (c.getState().isConnected()) {
                c.disconnect();
            }
        }
        connected.clear();
    }
}
