package io.hookline.broker.session;

import io.hookline.broker.util.NotifyOutbox;
import io.hookline.broker.metrics.BrokerMetrics.Counter;
import io.hookline.broker.config.ProtocolSettings;
import io.hookline.broker.routing.Delivery;
import io.hookline.broker.routing.Message;
import io.hookline.broker.routing.Recipient;
import io.hookline.broker.routing.Subscription;
import io.hookline.broker.session.SessionEvents.DropReason;
import io.hookline.broker.session.SessionEvents.Kind;
import io.hookline.broker.store.MemoryMessageQueue;
import io.hookline.broker.store.MessageQueue;

import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ScheduledFuture;
import java.util.function.Consumer;

/**
 * The state of one client id that outlives connections: subscriptions, the queue, QoS 1/2
 * messages in flight both ways, the pending will and the expiry timer.
 *
 * <p>Thread-safety: every field is guarded by this object's monitor. Deliveries from other
 * threads are handed to the attached connection's event loop ({@link SessionConnection#submit}),
 * where {@link #deliver} sends or queues them, so packets reach the socket in queue order.
 *
 * <p>Hook events (drops, offline messages, ended subscriptions...) are raised under the monitor
 * but only collected there; {@link #fireEvents} tells {@link SessionEvents} after the monitor
 * (and any registry lock) is released, so a plugin handler never runs under a session lock and
 * may publish or disconnect without a lock-order inversion between two sessions.
 * <p>Back-pressure: {@code backlogBytes} weighs what waits for the socket (deliveries on their
 * way to the connection's event loop plus the queue). Above {@code queue_high_watermark}, while
 * online, the session is congested and publishers routing to it wait ({@link FlowControl}) until
 * it drains to {@code queue_low_watermark}. The socket's own buffer is not counted: messages are
 * written only while the channel is writable, so it stays within its write-buffer water mark.
 */
public final class Session implements Recipient {

    private final String clientId;
    private final String mountpoint;
    private final String key;        // SessionRegistry.key(mountpoint, clientId): the subscriber id
    private final SessionRegistry registry;

    // guarded by this
    private SessionConnection connection;
    private boolean ended;
    private int protocolVersion;
    private String username;
    private int maxOnlineOverride = UNSET;     // from auth_on_register's modifiers
    private int maxOfflineOverride = UNSET;
    private volatile boolean upgradeQos;      // not guarded: the router reads it without the monitor
    private static final int UNSET = Integer.MIN_VALUE;
    private long expirySeconds;      // 0: ends with the connection; -1: never
    // The three collections start as the shared immutable empties (reads, remove and clear work
    // on them) and get their own on the first put: most sessions are idle clients that never
    // subscribe or exchange QoS 1/2, and three empty hash maps cost ~190 B per session.
    private Map<String, Subscription> subscriptions = Collections.emptyMap();
    private final MessageQueue queue = new MemoryMessageQueue();
    private final InflightWindow inflight = new InflightWindow();   // its table is made on the first add
    private Set<Integer> awaitingRelease = Collections.emptySet();  // inbound QoS 2 packet ids
    private int lastPacketId;
    private Will pendingWill;
    private ScheduledFuture<?> willTimer;
    private ScheduledFuture<?> expiryTimer;
    private long disconnectedAtMillis;
    private final NotifyOutbox<Consumer<SessionEvents>> outbox = new NotifyOutbox<>(this);  // hook events raised, not yet fired
    private long backlogBytes;
    private volatile boolean congested;   // written under the monitor; FlowControl reads it under its lock
    List<FlowControl.Wait> waiters;        // guarded by FlowControl's lock, not this monitor

    /** Bytes a queued message is counted for beyond its payload and topic: the objects holding it. */
    static final int MESSAGE_OVERHEAD = 96;

    Session(String clientId, String mountpoint, SessionRegistry registry) {
        this.clientId = clientId;
        this.mountpoint = mountpoint == null ? "" : mountpoint;
        this.key = SessionRegistry.key(mountpoint, clientId);
        this.registry = registry;
    }

    public String clientId() {
        return clientId;
    }

    /**
     * The subscriber id that names this session in the registry, in subscriptions and as a
     * message's sender: the client id, prefixed by the mountpoint when there is one.
     */
    public String key() {
        return key;
    }

    @Override
    public synchronized boolean isOnline() {
        return connection != null;
    }

    public synchronized boolean isEnded() {
        return ended;
    }

    public synchronized int protocolVersion() {
        return protocolVersion;
    }

    /** The user name of the latest connection (null when it sent none). */
    public synchronized String username() {
        return username;
    }

    /** The mountpoint the session lives in ("" for none); part of its {@link #key}. */
    public String mountpoint() {
        return mountpoint;
    }

    /** Queue limits a registration hook set for this session (null: the broker's setting). */
    public synchronized void queueLimits(Integer maxOnline, Integer maxOffline) {
        maxOnlineOverride = maxOnline == null ? UNSET : maxOnline;
        maxOfflineOverride = maxOffline == null ? UNSET : maxOffline;
    }

    /**
     * upgrade_qos of the latest connection: deliver at the subscription's QoS. Messages queued
     * while offline were routed under the flag of the connection before.
     */
    public void upgradeQos(boolean upgrade) {
        upgradeQos = upgrade;
    }

    @Override
    public boolean upgradesQos() {
        return upgradeQos;
    }

    private int maxOnline() {
        return maxOnlineOverride != UNSET ? maxOnlineOverride : registry.settings().maxOnlineMessages();
    }

    private int maxOffline() {
        return maxOfflineOverride != UNSET ? maxOfflineOverride : registry.settings().maxOfflineMessages();
    }

    /** Who the attached connection is: set once its CONNECT is accepted. */
    public synchronized void identity(String username) {
        this.username = username;
    }

    public synchronized long expirySeconds() {
        return expirySeconds;
    }

    public synchronized void setExpirySeconds(long seconds) {
        this.expirySeconds = seconds;
    }

    public synchronized int queueSize() {
        return queue.size();
    }

    public synchronized int inflightSize() {
        return inflight.size();
    }

    /** What waits for the socket, in approximate bytes: deliveries handed to the connection's loop and the queue. */
    @Override
    public synchronized long queuedBytes() {
        return backlogBytes;
    }

    /** Online and above the queue high-water mark: publishers routing here wait. */
    @Override
    public boolean isCongested() {
        return congested;
    }

    static long weight(Delivery delivery) {
        Message m = delivery.message();
        return (long) m.payload().length + m.topic().length() + MESSAGE_OVERHEAD;
    }

    /** The attached connection's client address, or null when offline. */
    public synchronized java.net.InetSocketAddress peerAddress() {
        return connection == null ? null : connection.peerAddress();
    }

    public synchronized long disconnectedAtMillis() {
        return disconnectedAtMillis;
    }

    synchronized SessionConnection connection() {
        return connection;
    }

    // ---- subscriptions -------------------------------------------------------------------

    static String subscriptionKey(String shareGroup, String filter) {
        return shareGroup == null ? filter : "$share/" + shareGroup + "/" + filter;
    }

    /** Adds or replaces a subscription here and in the index; true when it is new (retain handling 1). */
    public boolean subscribe(Subscription subscription) {
        synchronized (this) {
            if (ended) {
                return false;
            }
            if (subscriptions == Collections.<String, Subscription>emptyMap()) {
                subscriptions = new LinkedHashMap<>();
            }
            Subscription old = subscriptions.put(
                    subscriptionKey(subscription.shareGroup(), subscription.filter()), subscription);
            registry.index().add(subscription);
            return old == null;
        }
    }

    /** Removes one subscription; true when it existed. */
    public boolean unsubscribe(String shareGroup, String filter) {
        synchronized (this) {
            Subscription old = subscriptions.remove(subscriptionKey(shareGroup, filter));
            if (old == null) {
                return false;
            }
            registry.index().remove(key, shareGroup, filter);
            registry.flow().release(this);   // its publishers may no longer route here: let them try again
            return true;
        }
    }

    public synchronized List<Subscription> subscriptions() {
        return List.copyOf(subscriptions.values());
    }

    // ---- inbound QoS 2 -------------------------------------------------------------------

    /** Records an inbound QoS 2 packet id; false when it was already recorded (a resend: do not route again). */
    public synchronized boolean markAwaitingRelease(int packetId) {
        if (awaitingRelease == Collections.<Integer>emptySet()) {
            awaitingRelease = new HashSet<>();
        }
        return awaitingRelease.add(packetId);
    }

    /** PUBREL arrived; false when the id was unknown. */
    public synchronized boolean release(int packetId) {
        return awaitingRelease.remove(packetId);
    }

    public synchronized boolean isAwaitingRelease(int packetId) {
        return awaitingRelease.contains(packetId);
    }

    public synchronized int awaitingReleaseCount() {
        return awaitingRelease.size();
    }

    // ---- outbound ------------------------------------------------------------------------

    @Override
    public boolean offer(Delivery delivery) {
        SessionConnection target;
        boolean fire;
        boolean full = false;
        synchronized (this) {
            if (ended) {
                return false;
            }
            target = connection;
            if (target == null) {
                queueOffline(delivery);
            } else {
                backlogBytes += weight(delivery);
                if (!congested) {
                    long high = registry.settings().queueHighWatermark();
                    if (high > 0 && backlogBytes >= high) {
                        congested = true;
                        registry.metrics().count(Counter.SESSIONS_CONGESTED);
                    }
                }
                full = congested;
            }
            fire = eventsToFire();
        }
        if (target != null) {
            target.submit(this, delivery);
        }
        if (fire) {
            fireEvents();
        }
        return full;
    }

    // tests of the wait graph, without a registry
    void congestedForTest(boolean value) {
        congested = value;
    }

    synchronized FlowControl.Throttle connectionThrottle() {
        return connection == null ? null : connection.throttle();
    }

    // caller holds the monitor: the backlog shrank by {@code bytes}
    private void drained(long bytes) {
        backlogBytes -= bytes;
        if (congested && backlogBytes <= registry.settings().queueLowWatermark()) {
            relieve();
        }
    }

    // caller holds the monitor: publishers waiting here may read again
    private void relieve() {
        congested = false;
        registry.flow().release(this);
    }

    private void queueOffline(Delivery delivery) {
        int max = maxOffline();
        if (max == 0) {
            drop(delivery.message(), DropReason.QUEUE_FULL);
            return;
        }
        while (max > 0 && queue.size() >= max) {
            Delivery oldest = queue.poll();  // oldest dropped first
            backlogBytes -= weight(oldest);
            drop(oldest.message(), DropReason.QUEUE_FULL);
        }
        queue.add(delivery);
        backlogBytes += weight(delivery);
        if (registry.events().wants(Kind.OFFLINE_MESSAGE)) {
            Message message = delivery.message();
            raise(events -> events.offlineMessage(this, message));
        }
    }

    /**
     * The connection went away and the session stays: what queued up behind the inflight window
     * while online is cut to max_offline_messages, oldest dropped first, like anything queued later.
     * The drops are only raised: the registry fires them once its lock is released.
     */
    synchronized void trimToOfflineLimit() {
        int max = maxOffline();
        while (max >= 0 && queue.size() > max) {
            Delivery oldest = queue.poll();
            backlogBytes -= weight(oldest);
            drop(oldest.message(), DropReason.QUEUE_FULL);
        }
    }

    private void drop(Message message, DropReason reason) {
        registry.metrics().count(switch (reason) {
            case EXPIRED -> Counter.DROPPED_EXPIRED;
            case QUEUE_FULL -> Counter.DROPPED_QUEUE_FULL;
            case MAX_PACKET_SIZE_EXCEEDED -> Counter.DROPPED_MAX_PACKET_SIZE;
        });
        if (registry.events().wants(Kind.MESSAGE_DROPPED)) {
            raise(events -> events.messageDropped(this, message, reason));
        }
    }

    // ---- events --------------------------------------------------------------------------

    // caller holds the monitor and checked that the kind is wanted; the caller, or whoever
    // fires first, fires it once the monitor is released
    private void raise(Consumer<SessionEvents> event) {
        outbox.add(event);
    }

    // caller holds the monitor: true when events wait and nobody is firing them yet
    private boolean eventsToFire() {
        return outbox.needsFiring();
    }

    /** Raises an event from outside the session (the registry's lifecycle events) and fires it. */
    void raise(Kind kind, Consumer<SessionEvents> event) {
        if (!registry.events().wants(kind)) {
            return;
        }
        synchronized (this) {
            raise(event);
        }
        fireEvents();
    }

    /**
     * Fires the events raised so far, in the order they were raised ({@link NotifyOutbox}). Call
     * without holding this monitor or a registry lock.
     */
    void fireEvents() {
        SessionEvents events = registry.events();
        outbox.fire(event -> event.accept(events));
    }

    /**
     * On {@code from}'s event loop: sends the delivery now when the window has room and nothing
     * is queued before it, else queues it (bounded by max_online_messages, newest dropped).
     */
    public void deliver(SessionConnection from, Delivery delivery) {
        boolean redispatch = false;
        boolean fire;
        synchronized (this) {
            if (ended) {
                return;
            }
            if (connection != from) {
                redispatch = true;   // taken over or gone since submit: route again
                backlogBytes -= weight(delivery);
            } else if (queue.isEmpty() && from.writable()
                    && (delivery.qos() == 0 || inflight.size() < from.inflightWindow())) {
                drained(weight(delivery));
                send(from, delivery, System.nanoTime());
            } else {
                int max = maxOnline();
                if (max >= 0 && queue.size() >= max) {
                    drained(weight(delivery));
                    drop(delivery.message(), DropReason.QUEUE_FULL);
                } else {
                    queue.add(delivery);   // stays in the backlog
                }
            }
            fire = eventsToFire();
        }
        if (redispatch) {
            offer(delivery);   // no publisher waits on a redispatch: it was told once already
        } else {
            from.flushSoon();
        }
        if (fire) {
            fireEvents();
        }
    }

    // caller holds the monitor and runs on the connection's event loop
    private void send(SessionConnection to, Delivery delivery, long now) {
        Message message = delivery.message();
        if (message.isExpired(now)) {
            drop(message, DropReason.EXPIRED);
            return;
        }
        if (!to.fits(delivery)) {
            drop(message, DropReason.MAX_PACKET_SIZE_EXCEEDED);
            return;
        }
        if (delivery.qos() == 0) {
            to.writePublish(0, delivery, false);
            return;
        }
        int packetId = nextPacketId();
        inflight.add(new Inflight(packetId, delivery, now));
        to.writePublish(packetId, delivery, false);
    }

    private int nextPacketId() {
        int id = lastPacketId;
        do {
            id = id == 65535 ? 1 : id + 1;
        } while (inflight.contains(id));
        lastPacketId = id;
        return id;
    }

    /** PUBACK (QoS 1) or PUBCOMP (QoS 2) from the client; false when the packet id was unknown. */
    public boolean acknowledge(SessionConnection from, int packetId, boolean pubcomp) {
        boolean fire;
        synchronized (this) {
            Inflight entry = inflight.get(packetId);
            if (entry == null || connection != from || (pubcomp != (entry.delivery.qos() == 2))
                    || (pubcomp && !entry.released)) {
                return false;
            }
            inflight.remove(packetId);
            pump(from);
            fire = eventsToFire();
        }
        from.flushSoon();
        if (fire) {
            fireEvents();
        }
        return true;
    }

    /**
     * Why an acknowledgement of MQTT packet {@code type} (4 PUBACK, 5 PUBREC, 7 PUBCOMP) is of the
     * wrong kind for the message in flight under {@code packetId}: PUBACK for QoS 2, PUBREC or
     * PUBCOMP for QoS 1, PUBCOMP before PUBREC. Null when it fits or nothing is in flight under the
     * id (a late duplicate). A protocol error, as Mosquitto treats it.
     */
    public synchronized String wrongAcknowledgement(SessionConnection from, int packetId, int type) {
        Inflight entry = inflight.get(packetId);
        if (entry == null || connection != from) {
            return null;
        }
        int qos = entry.delivery.qos();
        return switch (type) {
            case 4 -> qos == 2 ? "PUBACK for a QoS 2 message" : null;
            case 5 -> qos == 1 ? "PUBREC for a QoS 1 message" : null;
            case 7 -> qos == 1 ? "PUBCOMP for a QoS 1 message" : entry.released ? null : "PUBCOMP before PUBREC";
            default -> null;
        };
    }

    /** PUBREC from the client: answer PUBREL; false when the packet id is unknown. */
    public boolean received(SessionConnection from, int packetId) {
        synchronized (this) {
            Inflight entry = inflight.get(packetId);
            if (entry == null || connection != from || entry.delivery.qos() != 2) {
                return false;
            }
            entry.released = true;
            from.writePubrel(packetId);
        }
        from.flushSoon();
        return true;
    }

    /** A PUBREC carrying an error reason code (v5): the message is done, nothing more to send. */
    public void refused(SessionConnection from, int packetId) {
        boolean fire;
        synchronized (this) {
            if (connection == from && inflight.remove(packetId) != null) {
                pump(from);
            }
            fire = eventsToFire();
        }
        from.flushSoon();
        if (fire) {
            fireEvents();
        }
    }

    // caller holds the monitor; on the connection's event loop. Sends queued messages in order
    // while the socket is writable and QoS 1/2 ones fit in the window; a QoS 0 message behind a
    // full window waits, which keeps the queue's order.
    private void pump(SessionConnection to) {
        int window = to.inflightWindow();
        long now = System.nanoTime();
        Delivery next;
        while (to.writable() && (next = queue.peek()) != null) {
            if (next.qos() > 0 && inflight.size() >= window) {
                break;
            }
            queue.poll();
            drained(weight(next));
            send(to, next, now);
        }
    }

    /** The socket became writable again: send what waited. */
    public void drain(SessionConnection to) {
        boolean fire;
        synchronized (this) {
            if (connection != to) {
                return;
            }
            pump(to);
            fire = eventsToFire();
        }
        to.flushSoon();
        if (fire) {
            fireEvents();
        }
    }

    /** After CONNACK on a resumed session: resend what is in flight (DUP / PUBREL), then the queue. */
    public void resume(SessionConnection to) {
        boolean fire;
        synchronized (this) {
            if (connection != to) {
                return;
            }
            long now = System.nanoTime();
            for (Iterator<Inflight> it = inflight.iterator(); it.hasNext(); ) {
                Inflight entry = it.next();
                if (entry.released) {
                    to.writePubrel(entry.packetId);
                } else if (entry.delivery.message().isExpired(now)) {
                    it.remove();
                    drop(entry.delivery.message(), DropReason.EXPIRED);
                } else if (!to.fits(entry.delivery)) {
                    it.remove();
                    drop(entry.delivery.message(), DropReason.MAX_PACKET_SIZE_EXCEEDED);
                } else {
                    entry.sentAtNanos = now;
                    to.writePublish(entry.packetId, entry.delivery, true);
                }
            }
            pump(to);
            fire = eventsToFire();
        }
        to.flushSoon();
        if (fire) {
            fireEvents();
        }
    }

    /** MQTT 3.x retry: resend entries unacknowledged for longer than the interval. */
    public void retryOlderThan(SessionConnection to, long intervalNanos) {
        boolean resent = false;
        synchronized (this) {
            if (connection != to) {
                return;
            }
            long now = System.nanoTime();
            for (Inflight entry : inflight) {
                if (now - entry.sentAtNanos >= intervalNanos) {
                    entry.sentAtNanos = now;
                    resent = true;
                    if (entry.released) {
                        to.writePubrel(entry.packetId);
                    } else {
                        to.writePublish(entry.packetId, entry.delivery, true);
                    }
                }
            }
        }
        if (resent) {   // every idle 3.x connection gets here each retry_interval: no empty flush task
            to.flushSoon();
        }
    }

    // ---- lifecycle (driven by SessionRegistry) -------------------------------------------

    /** Attaches a connection; returns the one it replaced (to be taken over) or null. */
    synchronized SessionConnection attach(SessionConnection to, int version, long expiry) {
        SessionConnection previous = connection;
        connection = to;
        if (congested) {
            relieve();   // a new connection: publishers try again and wait on it only if it falls behind
        }
        protocolVersion = version;
        expirySeconds = expiry;
        if (expiryTimer != null) {
            expiryTimer.cancel(false);
            expiryTimer = null;
        }
        return previous;
    }

    /** A new connection arrived before the will delay passed: the pending will is not sent. */
    synchronized void cancelPendingWill() {
        pendingWill = null;
        if (willTimer != null) {
            willTimer.cancel(false);
            willTimer = null;
        }
    }

    /** Detaches {@code from} if it is still attached; false when another connection owns the session. */
    synchronized boolean detach(SessionConnection from) {
        if (connection != from) {
            return false;
        }
        connection = null;
        disconnectedAtMillis = System.currentTimeMillis();
        if (congested) {
            relieve();   // offline queues are bounded by max_offline_messages, not by waiting publishers
        }
        return true;
    }

    synchronized void setPendingWill(Will will, ScheduledFuture<?> timer) {
        pendingWill = will;
        willTimer = timer;
    }

    /** Takes the pending will if it is still {@code will} (the timer fired and nobody cancelled it). */
    synchronized boolean takePendingWill(Will will) {
        if (pendingWill != will || will == null) {
            return false;
        }
        pendingWill = null;
        willTimer = null;
        return true;
    }

    synchronized void setExpiryTimer(ScheduledFuture<?> timer) {
        expiryTimer = timer;
    }

    /**
     * Ends the session: removes its subscriptions from the index and drops its state. Returns the
     * pending will that must now be published (the session ended before the will delay), or null.
     * on_topic_unsubscribed is only raised: the registry fires it once its lock is released.
     */
    synchronized Will end() {
        if (ended) {
            return null;
        }
        ended = true;
        List<String> filters = new ArrayList<>(subscriptions.keySet());
        for (Subscription s : subscriptions.values()) {
            registry.index().remove(key, s.shareGroup(), s.filter());
        }
        subscriptions.clear();
        queue.clear();
        backlogBytes = 0;
        if (congested) {
            relieve();
        }
        inflight.clear();
        awaitingRelease.clear();
        if (expiryTimer != null) {
            expiryTimer.cancel(false);
            expiryTimer = null;
        }
        Will will = pendingWill;
        cancelPendingWill();
        if (!filters.isEmpty() && registry.events().wants(Kind.TOPICS_UNSUBSCRIBED)) {
            raise(events -> events.topicsUnsubscribed(this, filters, true));
        }
        return will;
    }
}
