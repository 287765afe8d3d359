package io.hookline.broker.protocol;

import io.hookline.broker.metrics.BrokerMetrics.Counter;
import io.hookline.broker.routing.Delivery;
import io.hookline.broker.routing.SharedFilter;
import io.hookline.broker.routing.Subscription;
import io.hookline.broker.routing.SubscriptionOptions;
import io.hookline.broker.routing.Topics;
import io.netty.handler.codec.mqtt.MqttProperties;
import io.netty.handler.codec.mqtt.MqttProperties.MqttPropertyType;
import io.netty.handler.codec.mqtt.MqttSubscribeMessage;
import io.netty.handler.codec.mqtt.MqttSubscriptionOption;
import io.netty.handler.codec.mqtt.MqttTopicSubscription;
import io.netty.handler.codec.mqtt.MqttUnsubscribeMessage;

import java.util.ArrayList;
import java.util.List;

/**
 * SUBSCRIBE → SUBACK (+ retained messages) and UNSUBSCRIBE → UNSUBACK, with a result per
 * topic filter. Stateless; runs on the connection's event loop.
 */
final class SubscribeFlow {
    private SubscribeFlow() {
    }

    private static final int V3_FAILURE = 0x80;

    static void subscribe(MqttConnection c, MqttSubscribeMessage m) {
        ProtocolSettings s = c.settings();
        boolean v5 = c.version == 5;
        int packetId = m.variableHeader().messageId();
        List<MqttTopicSubscription> requests = m.payload().topicSubscriptions();
        if (requests.isEmpty()) {
            c.protocolError("SUBSCRIBE without topic filters");
            return;
        }
        int subscriptionId = 0;
        if (v5) {
            MqttProperties props = m.idAndPropertiesVariableHeader().properties();
            Integer id = Props.integer(props, MqttPropertyType.SUBSCRIPTION_IDENTIFIER);
            if (id != null) {
                if (!s.subscriptionIdentifierAvailable()) {
                    c.disconnect(ReasonCodes.SUBSCRIPTION_IDENTIFIERS_NOT_SUPPORTED,
                            "subscription identifiers are not available");
                    return;
                }
                if (id == 0) {
                    c.protocolError("subscription identifier 0");
                    return;
                }
                subscriptionId = id;
            }
        }

        int[] codes = new int[requests.size()];
        List<Delivery> retained = new ArrayList<>();
        for (int i = 0; i < codes.length; i++) {
            MqttTopicSubscription request = requests.get(i);
            MqttSubscriptionOption option = request.option();
            if (!v5 && (option.isNoLocal() || option.isRetainAsPublished() || option.retainHandling().value() != 0)) {
                // these bits are reserved before MQTT 5 (3.1.1 §3.8.3.1)
                c.broker.metrics().count(Counter.MALFORMED_PACKETS);
                c.close();
                return;
            }
            String raw = request.topicName();
            if (!Strings.wellFormed(raw)) {
                c.broker.metrics().count(Counter.MALFORMED_PACKETS);
                c.disconnect(ReasonCodes.MALFORMED_PACKET, "ill-formed UTF-8 in a topic filter");
                return;
            }
            SharedFilter shared;
            try {
                shared = Topics.parseShared(raw);
            } catch (IllegalArgumentException e) {
                codes[i] = v5 ? ReasonCodes.TOPIC_FILTER_INVALID & 0xFF : V3_FAILURE;
                continue;
            }
            String filter = shared == null ? raw : shared.filter();
            String group = shared == null ? null : shared.group();
            if (shared != null && option.isNoLocal()) {
                c.protocolError("no local on a shared subscription");
                return;
            }
            int code = check(c, s, filter, shared != null);
            if (code != -1) {
                codes[i] = code;
                continue;
            }
            int qos = Math.min(option.qos().value(), s.maxQos());
            SubscriptionOptions options = new SubscriptionOptions(qos, option.isNoLocal(),
                    option.isRetainAsPublished(), option.retainHandling().value());
            Subscription subscription = new Subscription(c.clientId, filter, group, options, subscriptionId);
            boolean isNew = c.session.subscribe(subscription);
            codes[i] = qos;
            int handling = options.retainHandling();
            if (shared == null && (handling == 0 || handling == 1 && isNew)) {
                List<Integer> ids = subscriptionId == 0 ? List.of() : List.of(subscriptionId);
                c.broker.retained().matching(filter, message ->
                        retained.add(new Delivery(message, Math.min(message.qos(), qos), true, ids)));
            }
        }
        c.ctx.write(Packets.suback(packetId, codes), c.ctx.voidPromise());
        // Seam for the hook engine: auth_on_subscribe before the loop above, on_subscribe here.
        for (Delivery d : retained) {
            c.session.offer(d);
        }
    }

    /** -1 when the filter may be subscribed to, else the failure code for the SUBACK. */
    private static int check(MqttConnection c, ProtocolSettings s, String filter, boolean shared) {
        boolean v5 = c.version == 5;
        if (!Topics.isValidTopicFilter(filter)) {
            return v5 ? ReasonCodes.TOPIC_FILTER_INVALID & 0xFF : V3_FAILURE;
        }
        if (s.topicMaxDepth() > 0 && Topics.depth(filter) > s.topicMaxDepth()) {
            c.broker.metrics().count(Counter.LIMIT_TOPIC_DEPTH);
            return v5 ? ReasonCodes.TOPIC_FILTER_INVALID & 0xFF : V3_FAILURE;
        }
        if (shared && !s.sharedSubscriptionAvailable()) {
            return v5 ? ReasonCodes.SHARED_SUBSCRIPTIONS_NOT_SUPPORTED & 0xFF : V3_FAILURE;
        }
        if (!s.wildcardSubscriptionAvailable() && (filter.indexOf('+') >= 0 || filter.indexOf('#') >= 0)) {
            return v5 ? ReasonCodes.WILDCARD_SUBSCRIPTIONS_NOT_SUPPORTED & 0xFF : V3_FAILURE;
        }
        return -1;
    }

    static void unsubscribe(MqttConnection c, MqttUnsubscribeMessage m) {
        List<String> filters = m.payload().topics();
        if (filters.isEmpty()) {
            c.protocolError("UNSUBSCRIBE without topic filters");
            return;
        }
        short[] codes = new short[filters.size()];
        List<String> removed = new ArrayList<>();
        for (int i = 0; i < codes.length; i++) {
            String raw = filters.get(i);
            SharedFilter shared;
            try {
                shared = Topics.parseShared(raw);
            } catch (IllegalArgumentException e) {
                codes[i] = ReasonCodes.TOPIC_FILTER_INVALID & 0xFF;
                continue;
            }
            String filter = shared == null ? raw : shared.filter();
            if (!Strings.wellFormed(filter) || !Topics.isValidTopicFilter(filter)) {
                codes[i] = ReasonCodes.TOPIC_FILTER_INVALID & 0xFF;
                continue;
            }
            if (c.session.unsubscribe(shared == null ? null : shared.group(), filter)) {
                codes[i] = ReasonCodes.SUCCESS;
                removed.add(raw);
            } else {
                codes[i] = ReasonCodes.NO_SUBSCRIPTION_EXISTED;
            }
        }
        c.ctx.write(Packets.unsuback(m.variableHeader().messageId(), codes), c.ctx.voidPromise());
        if (!removed.isEmpty()) {
            c.broker.sessions().topicsUnsubscribed(c.clientId, removed);
        }
    }
}
