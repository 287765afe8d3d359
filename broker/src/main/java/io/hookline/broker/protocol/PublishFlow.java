package io.hookline.broker.protocol;

import io.hookline.api.hook.Hook;
import io.hookline.api.hook.Hooks;
import io.hookline.api.hook.input.PublishInput;
import io.hookline.api.mqtt.Topics;
import io.hookline.broker.config.ProtocolSettings;
import io.hookline.broker.hooks.HookGateway;
import io.hookline.broker.hooks.PublishVerdict;
import io.hookline.broker.metrics.BrokerMetrics.Counter;
import io.hookline.broker.routing.Message;
import io.hookline.broker.routing.NetsplitGate;
import io.hookline.broker.routing.PublishProperties;
import io.hookline.broker.routing.ReservedTopics;
import io.hookline.broker.util.StoreBatch;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.handler.codec.mqtt.MqttMessageType;
import io.netty.handler.codec.mqtt.MqttProperties;
import io.netty.handler.codec.mqtt.MqttProperties.MqttPropertyType;
import io.netty.handler.codec.mqtt.MqttPublishMessage;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;

/**
 * An incoming PUBLISH: topic alias resolution, validation and limits, QoS 1/2 acknowledgement
 * and exactly-once bookkeeping, then routing. Stateless; runs on the connection's event loop.
 */
final class PublishFlow {
    private PublishFlow() {}

    static void publish(MqttConnection c, MqttPublishMessage m) {
        ProtocolSettings s = c.settings();
        int qos = m.fixedHeader().qosLevel().value();
        boolean retain = m.fixedHeader().isRetain();
        int packetId = m.variableHeader().packetId();
        String topic = m.variableHeader().topicName();
        MqttProperties props = m.variableHeader().properties();
        boolean v5 = c.version == 5;

        if (qos == 0 && m.fixedHeader().isDup()) {
            // 3.1.1 and 5.0 [MQTT-3.3.1-2]: DUP must be 0 on QoS 0; a flag the packet may not carry
            c.broker.metrics().count(Counter.MALFORMED_PACKETS);
            c.disconnect(ReasonCodes.MALFORMED_PACKET, "DUP set on a QoS 0 PUBLISH");
            return;
        }
        if (v5
                && !props.getProperties(MqttPropertyType.SUBSCRIPTION_IDENTIFIER.value())
                        .isEmpty()) {
            c.protocolError("subscription identifier in a PUBLISH from a client"); // 5.0 [MQTT-3.3.4-6]
            return;
        }
        if (v5) {
            String responseTopic = Props.string(props, MqttPropertyType.RESPONSE_TOPIC);
            if (responseTopic != null && !Topics.isValidTopicName(responseTopic)) {
                c.protocolError("response topic with wildcards"); // 5.0 [MQTT-3.3.2-14]
                return;
            }
        }
        if (v5 && qos > s.maxQos()) {
            c.disconnect(ReasonCodes.QOS_NOT_SUPPORTED, "QoS " + qos + " is above the maximum QoS " + s.maxQos());
            return;
        }
        if (v5 && retain && !s.retainAvailable()) {
            c.disconnect(ReasonCodes.RETAIN_NOT_SUPPORTED, "retained messages are not available");
            return;
        }
        if (v5) {
            Integer alias = Props.integer(props, MqttPropertyType.TOPIC_ALIAS);
            if (alias != null) {
                if (alias == 0 || c.inboundAliases == null || alias >= c.inboundAliases.length) {
                    c.broker.metrics().count(Counter.LIMIT_TOPIC_ALIAS);
                    c.disconnect(ReasonCodes.TOPIC_ALIAS_INVALID, "topic alias " + alias + " out of range");
                    return;
                }
                if (topic.isEmpty()) {
                    topic = c.inboundAliases[alias];
                    if (topic == null) {
                        c.protocolError("topic alias " + alias + " used before it was set");
                        return;
                    }
                } else {
                    c.inboundAliases[alias] = topic;
                }
            }
        }
        if (topic.isEmpty()) {
            c.protocolError("PUBLISH without a topic");
            return;
        }
        if (!Strings.wellFormed(topic) || !Topics.isValidTopicName(topic)) {
            c.broker.metrics().count(Counter.MALFORMED_PACKETS);
            c.disconnect(ReasonCodes.MALFORMED_PACKET, "invalid topic name");
            return;
        }
        ConnectionTerms terms = c.terms;
        if (content(m) > terms.maxPayloadSize()) {
            c.broker.metrics().count(Counter.LIMIT_MESSAGE_SIZE);
            c.disconnect(ReasonCodes.PACKET_TOO_LARGE, "payload above this client's max_message_size");
            return;
        }
        if (v5
                && qos > 0
                && c.session.awaitingReleaseCount() >= terms.receiveMaximum()
                && !(qos == 2 && c.session.isAwaitingRelease(packetId))) {
            c.broker.metrics().count(Counter.LIMIT_RECEIVE_MAXIMUM);
            c.disconnect(
                    ReasonCodes.RECEIVE_MAXIMUM_EXCEEDED,
                    "more than " + terms.receiveMaximum() + " QoS 1/2 messages unacknowledged");
            return;
        }
        if (ReservedTopics.isReserved(c.listener.mount(topic))) {
            c.broker
                    .metrics()
                    .limitHit(
                            Counter.PUBLISHES_RESERVED_TOPIC,
                            c.who(),
                            "PUBLISH to $SYS refused: the broker owns the topic");
            refuse(c, qos, packetId, ReasonCodes.NOT_AUTHORIZED, "the broker owns $SYS topics");
            return;
        }
        String netsplit = c.broker.netsplitRefusal(NetsplitGate.Action.PUBLISH);
        if (netsplit != null) { // v5 QoS 1/2: 0x83 (valid, but not accepted now); 3.1.1: closed (docs/cluster.md)
            refuse(c, qos, packetId, ReasonCodes.IMPLEMENTATION_SPECIFIC_ERROR, netsplit);
            return;
        }
        if (s.topicMaxDepth() > 0 && Topics.depth(topic) > s.topicMaxDepth()) {
            // the router is protected from the packet on: v5 DISCONNECT 0x90, 3.1.1 a close
            c.broker.metrics().count(Counter.LIMIT_TOPIC_DEPTH);
            c.disconnect(ReasonCodes.TOPIC_NAME_INVALID, "topic deeper than topic_max_depth " + s.topicMaxDepth());
            return;
        }

        if (DirectMessages.isDirect(topic)) {
            if (DirectMessages.parse(topic) == null) {
                refuse(
                        c,
                        qos,
                        packetId,
                        ReasonCodes.TOPIC_NAME_INVALID,
                        "a direct message goes to " + DirectMessages.PREFIX + "<client id>/<topic>");
                return;
            }
            if (c.username == null && !c.broker.direct().allowsAnonymous()) {
                c.broker.metrics().count(Counter.PUBLISHES_DENIED);
                refuse(
                        c,
                        qos,
                        packetId,
                        ReasonCodes.NOT_AUTHORIZED,
                        "anonymous clients may not send direct messages (direct_messages.allow_anonymous)");
                return;
            }
        }

        ByteBuf content = m.content();
        PublishProperties properties = v5 ? Props.publish(props) : PublishProperties.NONE;
        if (properties.payloadFormatIndicator() != null
                && properties.payloadFormatIndicator() == 1
                && !ByteBufUtil.isText(content, java.nio.charset.StandardCharsets.UTF_8)) {
            refuse(c, qos, packetId, ReasonCodes.PAYLOAD_FORMAT_INVALID, "payload is not UTF-8 as its format says");
            return;
        }
        byte[] payload = ByteBufUtil.getBytes(content);
        c.broker.metrics().messageIn(qos, payload.length);
        Message message =
                c.broker.messages().create(c.listener.mount(topic), qos, retain, payload, properties, c.session.id());

        if (qos == 2 && c.session.isAwaitingRelease(packetId)) {
            // a resend of a message we already have: acknowledge again, do not ask or route again
            if (c.pendingInOrder() == 0) {
                ackWhenStored(c, MqttMessageType.PUBREC, packetId, 1, StoreBatch.DONE);
            } else {
                c.inOrder(() -> ackWhenStored(c, MqttMessageType.PUBREC, packetId, 1, StoreBatch.DONE));
            }
            return;
        }
        MessageRate rate = c.messageRate;
        long wait = rate == null ? 0 : rate.admit(rate.now());
        HookGateway hooks = c.broker.hooks();
        if (wait > 0) {
            throttled(c, message, packetId, wait);
        } else if (hooks.wantsAuthOnPublish(c.hookSession)) {
            PublishInput in = HookInputs.publish(c.hookSession.client(), c.listener, message, qos, retain);
            c.inOrder(
                    hooks.authOnPublish(c.hookSession, in, c.ctx.executor()),
                    (verdict, error) -> decided(c, message, in, packetId, verdict));
        } else if (c.pendingInOrder() == 0) {
            accepted(c, message, qos, packetId);
        } else {
            c.inOrder(() -> accepted(c, message, qos, packetId));
        }
    }

    /**
     * Over max_message_rate: the message waits for its slot, then is asked about and routed like
     * any other. Slot and decision are one step of {@link InboundOrder}, so whatever the client
     * sent after it takes effect after it.
     */
    private static void throttled(MqttConnection c, Message message, int packetId, long waitNanos) {
        c.broker.metrics().count(Counter.PUBLISHES_THROTTLED);
        CompletableFuture<Void> slot = new CompletableFuture<>();
        c.broker.scheduler().schedule(c.ctx.executor(), () -> slot.complete(null), waitNanos, TimeUnit.NANOSECONDS);
        HookGateway hooks = c.broker.hooks();
        if (hooks.wantsAuthOnPublish(c.hookSession)) {
            PublishInput in =
                    HookInputs.publish(c.hookSession.client(), c.listener, message, message.qos(), message.retain());
            c.inOrder(
                    slot.thenCompose(v -> c.state == MqttConnection.State.CONNECTED
                            ? hooks.authOnPublish(c.hookSession, in, c.ctx.executor())
                            : CompletableFuture.<PublishVerdict>completedFuture(null)),
                    (verdict, error) -> decided(c, message, in, packetId, verdict));
        } else {
            c.inOrder(slot, (v, error) -> accepted(c, message, message.qos(), packetId));
        }
    }

    private static int content(MqttPublishMessage m) {
        return m.content().readableBytes();
    }

    /** Applies auth_on_publish's verdict, in arrival order. */
    private static void decided(
            MqttConnection c, Message message, PublishInput in, int packetId, PublishVerdict verdict) {
        if (c.state != MqttConnection.State.CONNECTED) {
            return;
        }
        int qos = message.qos();
        if (verdict instanceof PublishVerdict.Denied denied) {
            c.broker.metrics().count(Counter.PUBLISHES_DENIED);
            MqttConnection.log.debug("{}: PUBLISH to '{}' denied: {}", c.who(), in.topic(), denied.reason());
            if (c.version != 5) {
                c.closeReason = "PUBLISH to '" + in.topic() + "' not authorized: " + denied.reason();
                c.close(); // MQTT 3.1.1 has no way to say no but closing (docs/hooks.md)
            } else if (qos > 0) {
                MqttMessageType type = qos == 1 ? MqttMessageType.PUBACK : MqttMessageType.PUBREC;
                c.acknowledge(
                        StoreBatch.DONE,
                        e -> c.ctx.write(
                                Packets.pubReply(type, packetId, (byte) denied.reasonCode()), c.ctx.voidPromise()));
            }
            return;
        }
        PublishVerdict.Allowed allowed = (PublishVerdict.Allowed) verdict;
        Message routed = allowed.modifiers().isEmpty()
                ? message
                : HookInputs.rewritten(c.broker.messages(), message, allowed.apply(in), c.listener);
        accepted(c, routed, qos, packetId);
        long throttle = allowed.throttleMillis();
        if (throttle > 0 && c.state == MqttConnection.State.CONNECTED) {
            // the throttled message itself goes on; what the client sends after it waits
            c.broker.metrics().count(Counter.PUBLISHERS_THROTTLED);
            if (c.throttle == null) {
                c.throttle = new PublishThrottle(c.ctx.channel(), c.order());
            }
            c.throttle.pause(throttle);
        }
    }

    /**
     * Routes an accepted message and acknowledges it per the client's QoS ({@code clientQos}:
     * a hook may have changed the routed message's QoS, not the client's flow), then tells
     * on_publish. What routing stores (the retained copy, copies for persistent subscribers, the
     * QoS 2 packet id) is one batch; the acknowledgement waits for its commit (at once with
     * memory stores).
     */
    private static void accepted(MqttConnection c, Message message, int clientQos, int packetId) {
        if (c.state != MqttConnection.State.CONNECTED) {
            return;
        }
        StoreBatch batch = c.broker.stores().batch();
        switch (clientQos) {
            case 0 -> {
                route(c, message, batch);
                batch.commit(); // nobody to tell: a failure is the store's to log
            }
            case 1 -> {
                int n = route(c, message, batch);
                ackWhenStored(c, MqttMessageType.PUBACK, packetId, n, batch.commit());
            }
            default -> {
                int n = 1;
                if (c.session.markAwaitingRelease(packetId, batch)) {
                    n = route(c, message, batch);
                }
                ackWhenStored(c, MqttMessageType.PUBREC, packetId, n, batch.commit());
            }
        }
        HookGateway hooks = c.broker.hooks();
        Hook<PublishInput> hook = c.hookSession.pick(Hooks.ON_PUBLISH, Hooks.ON_PUBLISH_M5);
        if (hooks.wants(hook)) {
            hooks.notify(
                    hook,
                    HookInputs.publish(c.hookSession.client(), c.listener, message, message.qos(), message.retain()));
        }
    }

    /**
     * Publishes an accepted message, or hands it to one session when its topic (as the client
     * wrote it, after hooks) is {@code $direct/<client id>/<topic>}; returns how many sessions took it.
     */
    private static int route(MqttConnection c, Message message, StoreBatch batch) {
        String topic = c.listener.unmount(message.topic());
        if (!DirectMessages.isDirect(topic)) {
            return c.broker.publish(message, c.terms.sharedPolicy(), c.hold, batch);
        }
        DirectMessages.Target to = DirectMessages.parse(topic);
        if (to == null) {
            return 0; // a hook rewrote it into a malformed direct topic: nobody to hand it to
        }
        Message direct = new Message(
                message.id(),
                c.listener.mount(to.topic()),
                message.qos(),
                false,
                message.payload(),
                message.properties(),
                message.sender(),
                message.expiresAtMillis());
        return c.broker.direct().route(c.listener.mountpoint(), to.clientId(), direct, batch);
    }

    /** Acknowledges once the publish's batch is stored ({@link MqttConnection#acknowledge}: in the client's order). */
    private static void ackWhenStored(
            MqttConnection c, MqttMessageType type, int packetId, int routedTo, CompletionStage<Void> stored) {
        if (stored == StoreBatch.DONE && c.acksIdle()) { // memory stores: no lambda, no wait
            ack(c, type, packetId, routedTo);
            return;
        }
        c.acknowledge(stored, error -> {
            if (error == null) {
                ack(c, type, packetId, routedTo);
                return;
            }
            MqttConnection.log.warn(
                    "{}: PUBLISH {} not stored, not acknowledged: {}", c.who(), packetId, error.toString());
            if (type == MqttMessageType.PUBREC) {
                c.session.release(packetId, StoreBatch.NONE); // the error PUBREC ends the exchange
            }
            refuse(
                    c,
                    c.version == 5 ? 1 : 0,
                    packetId,
                    ReasonCodes.QUOTA_EXCEEDED,
                    "the store could not take it",
                    type);
        });
    }

    private static void ack(MqttConnection c, MqttMessageType type, int packetId, int routedTo) {
        byte code = c.version == 5 && routedTo == 0 ? ReasonCodes.NO_MATCHING_SUBSCRIBERS : ReasonCodes.SUCCESS;
        c.ctx.write(Packets.pubReply(type, packetId, code), c.ctx.voidPromise());
    }

    /**
     * A PUBLISH the broker will not route: v5 gets the reason code in PUBACK/PUBREC (QoS 0: dropped),
     * v3 has no way to say so and is disconnected.
     */
    private static void refuse(MqttConnection c, int qos, int packetId, byte reasonCode, String why) {
        refuse(c, qos, packetId, reasonCode, why, qos == 1 ? MqttMessageType.PUBACK : MqttMessageType.PUBREC);
    }

    private static void refuse(
            MqttConnection c, int qos, int packetId, byte reasonCode, String why, MqttMessageType type) {
        MqttConnection.log.debug("{}: PUBLISH refused ({}): {}", c.who(), reasonCode & 0xFF, why);
        if (c.version != 5) {
            c.closeReason = "PUBLISH refused: " + why;
            c.close();
            return;
        }
        if (qos > 0) {
            c.acknowledge(
                    StoreBatch.DONE,
                    e -> c.ctx.write(Packets.pubReply(type, packetId, reasonCode), c.ctx.voidPromise()));
        }
    }
}
