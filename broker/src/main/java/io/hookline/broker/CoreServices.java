package io.hookline.broker;

import io.hookline.api.ClientSummary;
import io.hookline.api.mqtt.Bytes;
import io.hookline.api.mqtt.Properties;
import io.hookline.api.mqtt.Topics;
import io.hookline.broker.hooks.plugins.BrokerServices;
import io.hookline.broker.protocol.BrokerContext;
import io.hookline.broker.protocol.HookInputs;
import io.hookline.broker.routing.Message;
import io.hookline.broker.session.Session;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.function.BiFunction;

/**
 * What plugins may ask of the core, answered by the session registry and the router: publish
 * as the broker, look up a client, disconnect one. Thread-safe.
 */
public final class CoreServices implements BrokerServices {

    private final BrokerContext broker;
    private final BiFunction<String, String, CompletionStage<Boolean>> disconnector;

    /**
     * @param disconnector closes a connected client by (mountpoint, client id); completes with
     *                     false when it was not connected
     */
    public CoreServices(BrokerContext broker, BiFunction<String, String, CompletionStage<Boolean>> disconnector) {
        this.broker = broker;
        this.disconnector = disconnector;
    }

    @Override
    public CompletionStage<Void> publish(
            String mountpoint, String topic, int qos, Bytes payload, boolean retain, Properties properties) {
        if (qos < 0 || qos > 2 || !Topics.isValidTopicName(topic)) {
            return CompletableFuture.failedFuture(
                    new IllegalArgumentException("cannot publish to '" + topic + "' with QoS " + qos));
        }
        String routed = mountpoint == null || mountpoint.isEmpty() ? topic : mountpoint + topic;
        Message m = broker.messages()
                .create(routed, qos, retain, payload.toArray(), HookInputs.publishPropertiesOf(properties), null);
        broker.publish(m);
        return CompletableFuture.completedFuture(null);
    }

    @Override
    public Optional<ClientSummary> lookup(String mountpoint, String clientId) {
        Session s = broker.sessions().get(mountpoint, clientId);
        if (s == null) {
            return Optional.empty();
        }
        return Optional.of(new ClientSummary(
                HookInputs.client(s.mountpoint(), clientId, s.username(), s.protocolVersion()), "", 0, s.isOnline()));
    }

    @Override
    public CompletionStage<Boolean> disconnect(String mountpoint, String clientId) {
        return disconnector.apply(mountpoint, clientId);
    }
}
