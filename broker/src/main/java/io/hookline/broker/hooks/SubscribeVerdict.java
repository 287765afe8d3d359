package io.hookline.broker.hooks;

import io.hookline.api.mqtt.ProtocolVersion;
import io.hookline.api.mqtt.TopicSubscription;
import java.util.List;

/**
 * The result of {@code auth_on_subscribe(_m5)}: per filter a granted QoS or a refusal. Refused
 * filters are not added; the others go on. SUBACK carries {@link #subackCode} per filter.
 */
public sealed interface SubscribeVerdict permits SubscribeVerdict.AsRequested, SubscribeVerdict.Decided {
    /** Grant every filter as requested: the shared answer of an empty chain. */
    AsRequested AS_REQUESTED = new AsRequested();

    /** Grant every filter as requested. */
    record AsRequested() implements SubscribeVerdict {}

    /**
     * Per-filter decisions, same length and order as the request; a filter may have been rewritten.
     *
     * @param topics granted QoS 0..2 or a refusal code {@code >= 0x80}
     */
    record Decided(List<TopicSubscription> topics) implements SubscribeVerdict {
        public Decided {
            topics = List.copyOf(topics);
        }
    }

    /** @return the SUBACK code for {@code t}: the QoS, or 0x80 (v3) / the refusal reason code (v5) */
    static int subackCode(TopicSubscription t, ProtocolVersion version) {
        if (!t.isRefused()) {
            return t.qos();
        }
        return version.isMqtt5() ? t.qos() : TopicSubscription.REFUSED;
    }
}
