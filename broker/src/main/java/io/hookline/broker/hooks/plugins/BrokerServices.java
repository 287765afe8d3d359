package io.hookline.broker.hooks.plugins;

import io.hookline.api.ClientSummary;
import io.hookline.api.mqtt.Bytes;
import io.hookline.api.mqtt.Properties;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/**
 * What plugins may ask of the broker core beyond hooks: publish, look up and disconnect
 * clients. The protocol/session layer implements it; until it is wired, {@link #UNAVAILABLE}
 * answers that nothing is connected. Implementations must be thread-safe.
 */
public interface BrokerServices {
    /** Routes a message published by the broker itself. */
    CompletionStage<Void> publish(
            String mountpoint, String topic, int qos, Bytes payload, boolean retain, Properties properties);

    Optional<ClientSummary> lookup(String mountpoint, String clientId);

    /** @return completes with false when the client was not connected */
    CompletionStage<Boolean> disconnect(String mountpoint, String clientId);

    /** No broker core attached (tests of the hook layer alone). */
    BrokerServices UNAVAILABLE = new BrokerServices() {
        @Override
        public CompletionStage<Void> publish(
                String mountpoint, String topic, int qos, Bytes payload, boolean retain, Properties properties) {
            return CompletableFuture.failedFuture(new IllegalStateException("no broker core attached"));
        }

        @Override
        public Optional<ClientSummary> lookup(String mountpoint, String clientId) {
            return Optional.empty();
        }

        @Override
        public CompletionStage<Boolean> disconnect(String mountpoint, String clientId) {
            return CompletableFuture.completedFuture(false);
        }
    };
}
