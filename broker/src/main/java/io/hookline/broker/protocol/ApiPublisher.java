package io.hookline.broker.protocol;

import io.hookline.api.hook.Hook;
import io.hookline.api.hook.Hooks;
import io.hookline.api.hook.input.Client;
import io.hookline.api.hook.input.PublishInput;
import io.hookline.api.mqtt.ProtocolVersion;
import io.hookline.api.mqtt.Topics;
import io.hookline.broker.config.ProtocolSettings;
import io.hookline.broker.hooks.HookGateway;
import io.hookline.broker.hooks.HookSession;
import io.hookline.broker.hooks.PublishVerdict;
import io.hookline.broker.metrics.BrokerMetrics.Counter;
import io.hookline.broker.routing.Message;
import io.hookline.broker.routing.PublishProperties;
import io.hookline.broker.session.Session;
import io.hookline.broker.util.StoreBatch;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/**
 * Publishes for a caller that is no MQTT connection (the HTTP API, {@code bin/admin publish}):
 * to a topic, or to one client id. The message is asked about like a client's: the
 * {@code auth_on_publish} chain runs as the client the API key names (user name = client id, no
 * mountpoint), through {@code auth_on_publish_m5} when that chain has handlers (so they see the
 * properties) and {@code auth_on_publish} otherwise, so a deployment that only guards the 3.1.1
 * chain still guards this door. A message to one client is asked about as
 * {@code $direct/<client id>/<topic>}, the topic an MQTT client would use. Thread-safe and
 * stateless; callers may block on the result (never on a Netty event loop).
 */
public final class ApiPublisher {

    /**
     * @param as        the client id (and user name) the hooks see
     * @param toClient  the receiving client id for a direct message, else null
     */
    public record Request(
            String as,
            String topic,
            int qos,
            boolean retain,
            byte[] payload,
            PublishProperties properties,
            String toClient) {}

    /** What became of a request. */
    public sealed interface Outcome {
        /** Routed: {@code matched} sessions took it. */
        record Published(String topic, int matched) implements Outcome {}

        /** Handed to one session, sent at once when {@code online}, else queued. */
        record Delivered(String clientId, String topic, boolean online) implements Outcome {}

        /** auth_on_publish said no. */
        record Refused(String reason) implements Outcome {}

        /** No session of that client id (direct messages). */
        record UnknownClient(String clientId) implements Outcome {}
    }

    private final BrokerContext broker;

    public ApiPublisher(BrokerContext broker) {
        this.broker = broker;
    }

    /** The limits a request is held to: the broker's current settings. */
    public ProtocolSettings settings() {
        return broker.settings();
    }

    /**
     * Checks a topic as the MQTT flow would.
     *
     * @return null when it may be published to, else why not (the field is {@code topic})
     */
    public String topicProblem(String topic) {
        if (topic == null || topic.isEmpty()) {
            return "missing: the topic to publish to";
        }
        if (!Strings.wellFormed(topic) || !Topics.isValidTopicName(topic)) {
            return "'" + topic + "' is not a valid topic name (no wildcards, at most 65535 bytes)";
        }
        if (topic.startsWith("$SYS")) {
            return "'" + topic + "': $SYS topics are the broker's own";
        }
        int maxDepth = broker.settings().topicMaxDepth();
        if (maxDepth > 0 && Topics.depth(topic) > maxDepth) {
            return "'" + topic + "' is deeper than topic_max_depth (" + maxDepth + " levels)";
        }
        return null;
    }

    /**
     * Asks the chain, then publishes or hands the message to its client. Never completes
     * exceptionally unless a hook-free step throws.
     */
    public CompletionStage<Outcome> publish(Request r) {
        HookGateway hooks = broker.hooks();
        boolean v5 = hooks.wants(Hooks.AUTH_ON_PUBLISH_M5);
        Client client = new Client("", r.as(), r.as(), v5 ? ProtocolVersion.MQTT_5 : ProtocolVersion.MQTT_3_1_1);
        HookSession session = HookSession.detached(client);
        String asked = r.toClient() == null ? r.topic() : DirectMessages.topicFor(r.toClient(), r.topic());
        Message message = broker.messages().create(asked, r.qos(), r.retain(), r.payload(), r.properties(), null);
        broker.metrics().messageIn(r.qos(), r.payload().length);
        if (!hooks.wantsAuthOnPublish(session)) {
            return dispatch(session, message, r, asked);
        }
        PublishInput in = HookInputs.publish(client, ListenerInfo.DEFAULT, message, r.qos(), r.retain());
        return hooks.authOnPublish(session, in, Runnable::run).thenCompose(verdict -> {
            if (verdict instanceof PublishVerdict.Denied denied) {
                broker.metrics().count(Counter.PUBLISHES_DENIED);
                return CompletableFuture.completedFuture(new Outcome.Refused(denied.reason()));
            }
            PublishVerdict.Allowed allowed = (PublishVerdict.Allowed) verdict;
            Message routed = allowed.modifiers().isEmpty()
                    ? message
                    : HookInputs.rewritten(broker.messages(), message, allowed.apply(in), ListenerInfo.DEFAULT);
            return dispatch(session, routed, r, asked);
        });
    }

    /** Publishes or delivers; completes once what it staged for durable stores is stored. */
    private CompletionStage<Outcome> dispatch(HookSession session, Message message, Request r, String asked) {
        StoreBatch batch = broker.stores().batch();
        Outcome outcome;
        Message direct = null; // the message as its client gets it
        if (r.toClient() != null && message.topic().equals(asked)) {
            direct = withTopic(message, r.topic());
            outcome = deliver(r.toClient(), direct, batch);
        } else if (DirectMessages.isDirect(message.topic())) {
            DirectMessages.Target to = DirectMessages.parse(message.topic());
            direct = to == null ? null : withTopic(message, to.topic());
            outcome = to == null
                    ? new Outcome.Refused(
                            "a hook rewrote the topic into '" + message.topic() + "', which names no client")
                    : deliver(to.clientId(), direct, batch);
        } else {
            outcome = null;
        }
        CompletionStage<Outcome> decided = outcome != null
                ? CompletableFuture.completedFuture(outcome)
                : broker.publishCounted(message, batch)
                        .thenApply(matched -> new Outcome.Published(message.topic(), matched));
        if (outcome instanceof Outcome.UnknownClient unknown) { // in a cluster: maybe connected on another node
            Message elsewhere = direct;
            decided = broker.direct()
                    .sendElsewhere("", unknown.clientId(), elsewhere, batch)
                    .thenApply(sent ->
                            sent ? new Outcome.Delivered(unknown.clientId(), elsewhere.topic(), true) : unknown);
        }
        CompletionStage<Void> stored = batch.commit(); // what was staged here, while the other nodes answer
        return decided.thenCompose(result -> {
            Hook<PublishInput> told = session.pick(Hooks.ON_PUBLISH, Hooks.ON_PUBLISH_M5);
            if (!(result instanceof Outcome.UnknownClient) && broker.hooks().wants(told)) {
                broker.hooks()
                        .notify(
                                told,
                                HookInputs.publish(
                                        session.client(),
                                        ListenerInfo.DEFAULT,
                                        message,
                                        message.qos(),
                                        message.retain()));
            }
            return stored.thenApply(done -> result); // answered once stored (durable stores)
        });
    }

    private Outcome deliver(String clientId, Message message, StoreBatch batch) {
        Session to = broker.direct().send("", clientId, message, batch);
        if (to == null) {
            return new Outcome.UnknownClient(clientId);
        }
        return new Outcome.Delivered(clientId, message.topic(), to.isOnline());
    }

    private static Message withTopic(Message m, String topic) {
        return new Message(m.id(), topic, m.qos(), false, m.payload(), m.properties(), m.sender(), m.expiresAtMillis());
    }
}
