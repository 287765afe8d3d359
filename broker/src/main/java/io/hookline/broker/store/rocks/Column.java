package io.hookline.broker.store.rocks;

import java.nio.charset.StandardCharsets;

/**
 * The store's column families: one key space per kind of state, so that each can be scanned,
 * counted and compacted on its own. Key layouts are in {@link Keys}.
 */
public enum Column {
    /** store-wide facts: the layout version, the next message id. */
    META("default"),
    /** subscriber → session record (expiry, will, protocol). */
    SESSIONS("sessions"),
    /** subscriber + topic filter → subscription options. */
    SUBSCRIPTIONS("subscriptions"),
    /** subscriber + sequence → queued delivery, in delivery order. */
    QUEUES("queues"),
    /** subscriber + packet id → in-flight outbound delivery with its stage (PUBLISH sent / PUBREL sent). */
    INFLIGHT("inflight"),
    /** subscriber + packet id → inbound QoS 2 id awaiting PUBREL. */
    QOS2_IN("qos2_in"),
    /** topic → retained message (with its expiry instant). */
    RETAINED("retained");

    private final String familyName;

    Column(String familyName) {
        this.familyName = familyName;
    }

    public String familyName() {
        return familyName;
    }

    byte[] nameBytes() {
        return familyName.getBytes(StandardCharsets.UTF_8);
    }
}
