package io.hookline.broker.testsupport;

import com.hivemq.client.mqtt.datatypes.MqttQos;
import com.hivemq.client.mqtt.mqtt5.Mqtt5BlockingClient;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Function;
import java.util.function.Supplier;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * MQTT 5 clients connected with a user name, which test plugins such as
 * {@code RegisterModifiersTest.LimitsPlugin} read auth_on_register modifiers from
 * ({@code "max_message_rate=20"}). The broker is looked up at each connect, so a test may start
 * its own. Registered as an extension it cleans up after each test:
 *
 * <pre>{@code
 * private TestBroker broker;
 * @RegisterExtension
 * final UserClients clients = new UserClients(() -> broker);
 * }</pre>
 */
public final class UserClients implements AutoCloseable, AfterEachCallback {

    private final Supplier<TestBroker> broker;
    private final List<Mqtt5BlockingClient> clients = new ArrayList<>();

    public UserClients(Supplier<TestBroker> broker) {
        this.broker = broker;
    }

    /** A client of {@code username}, not connected yet (to connect with its own options, or to see a refusal). */
    public Mqtt5BlockingClient client(String clientId, String username) {
        Mqtt5BlockingClient c = Clients.v5Builder(broker.get(), clientId)
                .simpleAuth()
                .username(username)
                .applySimpleAuth()
                .build()
                .toBlocking();
        clients.add(c);
        return c;
    }

    public Mqtt5BlockingClient connect(String clientId, String username) {
        Mqtt5BlockingClient c = client(clientId, username);
        c.connect();
        return c;
    }

    /** Connects, subscribes to {@code filter} at QoS 1 and returns the payloads received (as text), in order. */
    public List<String> subscriber(String clientId, String username, String filter) {
        return subscriber(clientId, username, filter, Function.identity());
    }

    /** As {@link #subscriber(String, String, String)}, each payload read by {@code read}. */
    public <T> List<T> subscriber(String clientId, String username, String filter, Function<String, T> read) {
        List<T> received = new CopyOnWriteArrayList<>();
        connect(clientId, username)
                .toAsync()
                .subscribeWith()
                .topicFilter(filter)
                .qos(MqttQos.AT_LEAST_ONCE)
                .callback(p -> received.add(read.apply(Clients.text(p.getPayloadAsBytes()))))
                .send()
                .join();
        return received;
    }

    /** Disconnects every client still connected (in the order they were made) and forgets them. */
    @Override
    public void close() {
        for (Mqtt5BlockingClient c : clients) {
            if (c.getState().isConnected()) {
                c.disconnect();
            }
        }
        clients.clear();
    }

    /** After each test: the clients, then the broker the test started (if it got that far). */
    @Override
    public void afterEach(ExtensionContext context) {
        close();
        TestBroker b = broker.get();
        if (b != null) {
            b.close();
        }
    }
}
