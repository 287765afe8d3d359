package io.hookline.broker.protocol;

import io.hookline.api.hook.Hooks;
import io.hookline.api.hook.input.SubscribeInput;
import io.hookline.api.hook.input.UnsubscribeInput;
import io.hookline.api.mqtt.Properties;
import io.hookline.api.mqtt.SharedFilter;
import io.hookline.api.mqtt.TopicSubscription;
import io.hookline.api.mqtt.Topics;
import io.hookline.broker.config.ProtocolSettings;
import io.hookline.broker.hooks.HookGateway;
import io.hookline.broker.hooks.SubscribeVerdict;
import io.hookline.broker.hooks.UnsubscribeRewrite;
import io.hookline.broker.metrics.BrokerMetrics.Counter;
import io.hookline.broker.routing.Message;
import io.hookline.broker.routing.NetsplitGate;
import io.hookline.broker.routing.ReadGate;
import io.hookline.broker.routing.Subscription;
import io.hookline.broker.routing.SubscriptionOptions;
import io.hookline.broker.routing.SubscriptionTrie;
import io.hookline.broker.util.StoreBatch;
import io.netty.handler.codec.mqtt.MqttFixedHeader;
import io.netty.handler.codec.mqtt.MqttMessage;
import io.netty.handler.codec.mqtt.MqttMessageType;
import io.netty.handler.codec.mqtt.MqttProperties;
import io.netty.handler.codec.mqtt.MqttProperties.MqttPropertyType;
import io.netty.handler.codec.mqtt.MqttQoS;
import io.netty.handler.codec.mqtt.MqttSubscribeMessage;
import io.netty.handler.codec.mqtt.MqttSubscriptionOption;
import io.netty.handler.codec.mqtt.MqttTopicSubscription;
import io.netty.handler.codec.mqtt.MqttUnsubAckMessage;
import io.netty.handler.codec.mqtt.MqttUnsubscribeMessage;
import java.util.ArrayList;
import java.util.List;

/**
 * SUBSCRIBE → SUBACK (+ retained messages) and UNSUBSCRIBE → UNSUBACK, with a result per
 * topic filter. Stateless; runs on the connection's event loop.
 */
final class SubscribeFlow {
    private SubscribeFlow() {}

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
                    c.disconnect(
                            ReasonCodes.SUBSCRIPTION_IDENTIFIERS_NOT_SUPPORTED,
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

        boolean bridge = Bridge.is(c.ctx.channel());
        // cut off from the cluster: every valid filter refused, v5 0x83, 3.1.1 0x80 (docs/cluster.md)
        String netsplit = c.broker.netsplitRefusal(NetsplitGate.Action.SUBSCRIBE);
        // 1. validate every filter (nothing changes yet); -1 marks the ones the hooks decide
        int[] codes = new int[requests.size()];
        List<TopicSubscription> asked = new ArrayList<>(codes.length);
        for (int i = 0; i < codes.length; i++) {
            MqttTopicSubscription request = requests.get(i);
            MqttSubscriptionOption option = request.option();
            if (!v5
                    && (option.isNoLocal()
                            || option.isRetainAsPublished()
                            || option.retainHandling().value() != 0)) {
                // these bits are reserved before MQTT 5 (3.1.1 §3.8.3.1)
                c.broker.metrics().count(Counter.MALFORMED_PACKETS);
                c.closeReason = "SUBSCRIBE with options reserved before MQTT 5";
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
            if (shared != null && option.isNoLocal()) {
                c.protocolError("no local on a shared subscription");
                return;
            }
            int code = check(c, s, shared == null ? raw : shared.filter(), shared != null);
            if (code != -1) {
                codes[i] = code;
                continue;
            }
            if (netsplit != null) {
                codes[i] = v5 ? ReasonCodes.IMPLEMENTATION_SPECIFIC_ERROR & 0xFF : V3_FAILURE;
                continue;
            }
            codes[i] = -1;
            // a bridge (CONNECT level 0x83/0x84) gets neither its own messages back nor retain flags cleared
            boolean bridged = shared == null && bridge;
            asked.add(new TopicSubscription(
                    raw,
                    Math.min(option.qos().value(), s.maxQos()),
                    option.isNoLocal() || bridged,
                    option.isRetainAsPublished() || bridged,
                    option.retainHandling().value()));
        }

        // 2. auth_on_subscribe decides the valid ones; 3. its verdict is applied in arrival order
        int sid = subscriptionId;
        HookGateway hooks = c.broker.hooks();
        if (!asked.isEmpty() && hooks.wantsAuthOnSubscribe(c.hookSession)) {
            Properties props = v5
                    ? HookInputs.userProperties(
                            m.idAndPropertiesVariableHeader().properties())
                    : Properties.EMPTY;
            SubscribeInput in = new SubscribeInput(c.hookSession.client(), asked, props);
            c.inOrder(
                    hooks.authOnSubscribe(c.hookSession, in, c.ctx.executor()),
                    (verdict, error) -> apply(
                            c,
                            packetId,
                            sid,
                            codes,
                            verdict instanceof SubscribeVerdict.Decided d ? d.topics() : asked,
                            props));
        } else if (c.pendingInOrder() == 0) {
            apply(c, packetId, sid, codes, asked, Properties.EMPTY);
        } else {
            c.inOrder(() -> apply(c, packetId, sid, codes, asked, Properties.EMPTY));
        }
    }

    /** Subscribes what was granted, answers SUBACK, sends retained messages, tells on_subscribe. */
    private static void apply(
            MqttConnection c,
            int packetId,
            int subscriptionId,
            int[] codes,
            List<TopicSubscription> decided,
            Properties props) {
        if (c.state != MqttConnection.State.CONNECTED) {
            return;
        }
        ProtocolSettings s = c.settings();
        boolean v5 = c.version == 5;
        StoreBatch batch = c.broker.stores().batch();
        List<Matched> retained = new ArrayList<>();
        List<TopicSubscription> granted = new ArrayList<>(decided.size());
        int next = 0;
        for (int i = 0; i < codes.length; i++) {
            if (codes[i] != -1) {
                continue;
            }
            TopicSubscription t = decided.get(next++);
            if (t.isRefused()) {
                codes[i] = v5 ? subackRefusal(t.qos()) : V3_FAILURE;
                granted.add(t);
                continue;
            }
            SharedFilter shared; // a hook may have rewritten the filter: it is checked like client input
            try {
                shared = Topics.parseShared(t.topic());
            } catch (IllegalArgumentException e) {
                codes[i] = v5 ? ReasonCodes.TOPIC_FILTER_INVALID & 0xFF : V3_FAILURE;
                continue;
            }
            String filter = shared == null ? t.topic() : shared.filter();
            int code = check(c, s, filter, shared != null);
            if (code != -1) {
                codes[i] = code;
                continue;
            }
            int qos = Math.min(t.qos(), s.maxQos());
            SubscriptionOptions options =
                    new SubscriptionOptions(qos, t.noLocal(), t.retainAsPublished(), t.retainHandling());
            String routed = c.listener.mount(filter);
            int quota = quota(c, s, shared == null ? null : shared.group(), routed);
            if (quota != -1) {
                codes[i] = quota;
                continue;
            }
            boolean isNew = c.session.subscribe(
                    new Subscription(
                            c.session.id(), routed, shared == null ? null : shared.group(), options, subscriptionId),
                    batch);
            codes[i] = qos;
            granted.add(t.withQos(qos));
            int handling = options.retainHandling();
            if (shared == null && (handling == 0 || handling == 1 && isNew)) {
                List<Integer> ids = subscriptionId == 0 ? List.of() : List.of(subscriptionId);
                List<Message> matched = new ArrayList<>();
                ReadGate gate = c.broker.readGate(); // the subscriber's read checks, as for routed messages
                c.broker.retained().matching(routed, c.broker.messages().now(), m -> {
                    if (gate.admits(c.session, m)) {
                        matched.add(m);
                    }
                });
                if (!matched.isEmpty()) {
                    retained.add(new Matched(matched, qos, ids));
                }
            }
        }
        c.acknowledge(
                batch.commit(),
                error -> { // SUBACK once the subscriptions are stored
                    if (error != null) {
                        MqttConnection.log.warn("{}: subscriptions not stored: {}", c.who(), error.toString());
                        c.disconnect(ReasonCodes.UNSPECIFIED_ERROR, "the store could not record the subscriptions");
                        return;
                    }
                    subscribed(c, packetId, codes, retained, granted, props);
                });
    }

    /** The retained messages one granted subscription matched, fed to the session after SUBACK. */
    private record Matched(List<Message> messages, int qos, List<Integer> subscriptionIds) {}

    private static void subscribed(
            MqttConnection c,
            int packetId,
            int[] codes,
            List<Matched> retained,
            List<TopicSubscription> granted,
            Properties props) {
        c.ctx.write(Packets.suback(packetId, codes), c.ctx.voidPromise());
        if (!retained.isEmpty()) {
            // handed to the feed only now: a flush while the SUBACK waited for the store must not send them first
            if (c.retainedFeed == null) {
                c.retainedFeed = new RetainedFeed(c);
            }
            for (Matched m : retained) {
                c.retainedFeed.add(m.messages(), m.qos(), m.subscriptionIds());
            }
        }
        if (c.retainedFeed != null) {
            c.retainedFeed.feed(); // streamed as the session has room, after the SUBACK
        }
        HookGateway hooks = c.broker.hooks();
        io.hookline.api.hook.Hook<SubscribeInput> hook = c.hookSession.pick(Hooks.ON_SUBSCRIBE, Hooks.ON_SUBSCRIBE_M5);
        if (!granted.isEmpty() && hooks.wants(hook)) {
            hooks.notify(hook, new SubscribeInput(c.hookSession.client(), granted, props));
        }
        if (c.broker.events().enabled(ClientEvents.Kind.SUBSCRIBED)) {
            c.broker
                    .events()
                    .subscribed(
                            c.listener.mountpoint(),
                            c.clientId,
                            c.username,
                            granted.stream().filter(t -> !t.isRefused()).toList());
        }
    }

    /** A hook's refusal as a SUBACK reason code; one SUBACK cannot carry (0x8A, say) becomes 0x87. */
    private static int subackRefusal(int code) {
        return switch (code) {
            case 0x80, 0x83, 0x87, 0x8F, 0x91, 0x97, 0x9E, 0xA1, 0xA2 -> code;
            default -> ReasonCodes.NOT_AUTHORIZED & 0xFF;
        };
    }

    /**
     * -1 when the session may take one more subscription to {@code filter} (a replacement always
     * may), else the SUBACK code: v5 0x97 quota exceeded, 3.x failure. Deep filters cost the router
     * far more than their size on the wire (issue: 300 SUBSCRIBEs of 32,001 levels grew the heap to
     * 2 GB), so a session's filters are bounded in number and in estimated router memory.
     */
    private static int quota(MqttConnection c, ProtocolSettings s, String group, String filter) {
        ProtocolSettings.QueueBounds b = s.queueBounds();
        if (c.session.hasSubscription(group, filter)) {
            return -1;
        }
        int refused = c.version == 5 ? ReasonCodes.QUOTA_EXCEEDED & 0xFF : V3_FAILURE;
        if (b.maxSubscriptions() > 0 && c.session.subscriptionCount() >= b.maxSubscriptions()) {
            c.broker
                    .metrics()
                    .limitHit(
                            Counter.LIMIT_SUBSCRIPTIONS,
                            c.who(),
                            "SUBSCRIBE refused: " + b.maxSubscriptions()
                                    + " subscriptions held (max_subscriptions_per_client)");
            return refused;
        }
        long cost = SubscriptionTrie.subscriptionCost(filter);
        if (b.maxSubscriptionMemory() > 0 && c.session.subscriptionBytes() + cost > b.maxSubscriptionMemory()) {
            c.broker
                    .metrics()
                    .limitHit(
                            Counter.LIMIT_SUBSCRIPTION_MEMORY,
                            c.who(),
                            "SUBSCRIBE refused: a filter of "
                                    + Topics.depth(filter) + " levels costing ~" + cost
                                    + " bytes does not fit max_subscription_memory "
                                    + b.maxSubscriptionMemory() + " (" + c.session.subscriptionBytes() + " used)");
            return refused;
        }
        return -1;
    }

    /** -1 when the filter may be subscribed to, else the failure code for the SUBACK. */
    private static int check(MqttConnection c, ProtocolSettings s, String filter, boolean shared) {
        boolean v5 = c.version == 5;
        if (!Topics.isValidFilter(filter)) {
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
        for (String filter : filters) {
            if (!Strings.wellFormed(filter)) {
                c.broker.metrics().count(Counter.MALFORMED_PACKETS);
                c.disconnect(ReasonCodes.MALFORMED_PACKET, "ill-formed UTF-8 in a topic filter");
                return;
            }
        }
        int packetId = m.variableHeader().messageId();
        HookGateway hooks = c.broker.hooks();
        if (hooks.wantsOnUnsubscribe(c.hookSession)) {
            UnsubscribeInput in = new UnsubscribeInput(c.hookSession.client(), filters, Properties.EMPTY);
            c.inOrder(
                    hooks.onUnsubscribe(c.hookSession, in, c.ctx.executor()),
                    (rewrite, error) -> unsubscribe(
                            c,
                            packetId,
                            filters,
                            rewrite instanceof UnsubscribeRewrite.Rewritten r ? r.topics() : filters));
        } else if (c.pendingInOrder() == 0) {
            unsubscribe(c, packetId, filters, filters);
        } else {
            c.inOrder(() -> unsubscribe(c, packetId, filters, filters));
        }
    }

    /**
     * Removes {@code effective} (the request, or on_unsubscribe's rewrite of it). UNSUBACK has a
     * code per requested filter: index by index when the rewrite kept the length, else the
     * outcome of the whole rewritten list for each.
     */
    private static void unsubscribe(MqttConnection c, int packetId, List<String> requested, List<String> effective) {
        if (c.state != MqttConnection.State.CONNECTED) {
            return;
        }
        short[] results = new short[effective.size()];
        List<String> removed = new ArrayList<>();
        StoreBatch batch = c.broker.stores().batch();
        for (int i = 0; i < results.length; i++) {
            String raw = effective.get(i);
            SharedFilter shared;
            try {
                shared = Topics.parseShared(raw);
            } catch (IllegalArgumentException e) {
                results[i] = ReasonCodes.TOPIC_FILTER_INVALID & 0xFF;
                continue;
            }
            String filter = shared == null ? raw : shared.filter();
            if (!Strings.wellFormed(filter) || !Topics.isValidFilter(filter)) {
                results[i] = ReasonCodes.TOPIC_FILTER_INVALID & 0xFF;
                continue;
            }
            if (c.session.unsubscribe(shared == null ? null : shared.group(), c.listener.mount(filter), batch)) {
                results[i] = ReasonCodes.SUCCESS;
                removed.add(raw);
            } else {
                results[i] = ReasonCodes.NO_SUBSCRIPTION_EXISTED;
            }
        }
        short[] codes = results;
        if (results.length != requested.size()) {
            codes = new short[requested.size()];
            java.util.Arrays.fill(codes, removed.isEmpty() ? ReasonCodes.NO_SUBSCRIPTION_EXISTED : ReasonCodes.SUCCESS);
        }
        // reason codes exist only in MQTT 5: Netty encodes the payload whenever it is given, and a
        // 3.1.1 UNSUBACK must be just the packet id (3.1.1 §3.11.2; HiveMQ's client disconnects otherwise)
        MqttMessage unsuback = c.version == 5
                ? Packets.unsuback(packetId, codes)
                : new MqttUnsubAckMessage(
                        new MqttFixedHeader(MqttMessageType.UNSUBACK, false, MqttQoS.AT_MOST_ONCE, false, 0),
                        Packets.id(packetId));
        c.acknowledge(
                batch.commit(),
                error -> { // UNSUBACK once the removal is stored
                    if (error != null) {
                        MqttConnection.log.warn("{}: unsubscription not stored: {}", c.who(), error.toString());
                        c.disconnect(ReasonCodes.UNSPECIFIED_ERROR, "the store could not record the unsubscription");
                        return;
                    }
                    c.ctx.write(unsuback, c.ctx.voidPromise());
                });
        if (!removed.isEmpty()) {
            c.broker.sessions().topicsUnsubscribed(c.session, removed);
            c.broker.events().unsubscribed(c.listener.mountpoint(), c.clientId, c.username, removed);
        }
    }
}
