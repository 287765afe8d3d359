package io.hookline.broker.metrics;

import java.util.EnumMap;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;

/**
 * The broker's own counters, read by $SYS and {@code /metrics} ({@code http.BrokerMeters}).
 * Thread-safe: LongAdders, written from every event loop without contention.
 */
public final class BrokerMetrics {

    /** Events counted by the core. Names are stable: they become metric labels. */
    public enum Counter {
        CONNECTIONS_ACCEPTED,
        CONNECTS_REFUSED,
        MALFORMED_PACKETS,
        PROTOCOL_ERRORS,
        KEEPALIVE_TIMEOUTS,
        CONNECT_TIMEOUTS,
        SESSION_TAKEOVERS,
        SESSIONS_EXPIRED,
        WILLS_PUBLISHED,
        // transport: refused before MQTT starts, logged at debug only
        TLS_HANDSHAKE_FAILURES,
        WEBSOCKET_BAD_REQUESTS,
        PROXY_PROTOCOL_ERRORS,
        // limits hit, one counter each
        LIMIT_MAX_CONNECTIONS,
        LIMIT_CLIENT_ID_SIZE,
        LIMIT_TOPIC_DEPTH,
        LIMIT_MESSAGE_SIZE,
        LIMIT_RECEIVE_MAXIMUM,
        LIMIT_TOPIC_ALIAS,
        LIMIT_KEEPALIVE_CAPPED,
        LIMIT_HTTP_CONNECTIONS,
        LIMIT_ONLINE_BYTES,
        LIMIT_OFFLINE_BYTES,
        LIMIT_STALLED_SUBSCRIBER,
        LIMIT_SUBSCRIPTIONS,
        LIMIT_SUBSCRIPTION_MEMORY,
        // messages dropped, by reason (on_message_drop reasons)
        DROPPED_QUEUE_FULL,
        DROPPED_EXPIRED,
        DROPPED_MAX_PACKET_SIZE,
        PUBLISHES_NO_SUBSCRIBERS,
        PUBLISHES_DENIED,
        // a plugin's read check kept a message from a subscriber (plugin-acl deny rules)
        DELIVERIES_DENIED,
        PUBLISHES_THROTTLED,
        PUBLISHERS_THROTTLED,
        // back-pressure: a session crossed queue_high_watermark; a publishing connection stopped reading
        SESSIONS_CONGESTED,
        PUBLISHER_PAUSES,
        // a client publishing (or leaving a will) to a topic the broker owns ($SYS/...)
        PUBLISHES_RESERVED_TOPIC,
        // a data link to another node went above cluster.outbound_high_watermark (its publishers pause)
        CLUSTER_LINKS_CONGESTED,
    }

    private final LongAdder[] counters = new LongAdder[Counter.values().length];
    private final LongAdder[] messagesIn = {new LongAdder(), new LongAdder(), new LongAdder()};
    private final LongAdder[] messagesOut = {new LongAdder(), new LongAdder(), new LongAdder()};
    private final LongAdder[] payloadIn = {new LongAdder(), new LongAdder(), new LongAdder()};
    private final LongAdder[] payloadOut = {new LongAdder(), new LongAdder(), new LongAdder()};
    private final LongAdder bytesIn = new LongAdder();
    private final LongAdder bytesOut = new LongAdder();
    private final AtomicInteger connections = new AtomicInteger();
    private final AtomicInteger pausedPublishers = new AtomicInteger();
    private final long startedAtMillis = System.currentTimeMillis();
    private final LimitLog limitLog = new LimitLog(this);

    public BrokerMetrics() {
        for (int i = 0; i < counters.length; i++) {
            counters[i] = new LongAdder();
        }
    }

    public void count(Counter counter) {
        counters[counter.ordinal()].increment();
    }

    /** Counts a hit of an abuse limit and logs it, at most once a minute per limit ({@link LimitLog}). */
    public void limitHit(Counter counter, String who, String what) {
        limitLog.hit(counter, who, what);
    }

    public long get(Counter counter) {
        return counters[counter.ordinal()].sum();
    }

    public Map<Counter, Long> snapshot() {
        Map<Counter, Long> map = new EnumMap<>(Counter.class);
        for (Counter c : Counter.values()) {
            map.put(c, get(c));
        }
        return map;
    }

    /** A PUBLISH accepted from a client at {@code qos}, with a payload of {@code payloadBytes}. */
    public void messageIn(int qos, int payloadBytes) {
        messagesIn[qos].increment();
        payloadIn[qos].add(payloadBytes);
    }

    /** A PUBLISH written to a client at {@code qos}, with a payload of {@code payloadBytes}. */
    public void messageOut(int qos, int payloadBytes) {
        messagesOut[qos].increment();
        payloadOut[qos].add(payloadBytes);
    }

    /** Payload bytes of the PUBLISHes received at {@code qos}. */
    public long payloadBytesIn(int qos) {
        return payloadIn[qos].sum();
    }

    /** Payload bytes of the PUBLISHes sent at {@code qos}. */
    public long payloadBytesOut(int qos) {
        return payloadOut[qos].sum();
    }

    public long messagesIn(int qos) {
        return messagesIn[qos].sum();
    }

    public long messagesOut(int qos) {
        return messagesOut[qos].sum();
    }

    public long messagesIn() {
        return messagesIn(0) + messagesIn(1) + messagesIn(2);
    }

    public long messagesOut() {
        return messagesOut(0) + messagesOut(1) + messagesOut(2);
    }

    public void bytesIn(long n) {
        bytesIn.add(n);
    }

    public void bytesOut(long n) {
        bytesOut.add(n);
    }

    public long bytesIn() {
        return bytesIn.sum();
    }

    public long bytesOut() {
        return bytesOut.sum();
    }

    /** Open MQTT connections (sockets past accept, before close). */
    public AtomicInteger connections() {
        return connections;
    }

    /** Publishing connections not read now because a session they publish to is congested. */
    public AtomicInteger pausedPublishers() {
        return pausedPublishers;
    }

    public long uptimeSeconds() {
        return (System.currentTimeMillis() - startedAtMillis) / 1000;
    }

    public long droppedTotal() {
        return get(Counter.DROPPED_QUEUE_FULL) + get(Counter.DROPPED_EXPIRED) + get(Counter.DROPPED_MAX_PACKET_SIZE);
    }
}
