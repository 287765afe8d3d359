package io.hookline.broker.session;

import io.hookline.api.hook.input.Client;
import io.hookline.api.mqtt.ProtocolVersion;
import io.hookline.broker.metrics.BrokerMetrics.Counter;
import io.hookline.broker.routing.Delivery;
import io.hookline.broker.routing.FlowControl;
import io.hookline.broker.routing.Message;
import io.hookline.broker.routing.Recipient;
import io.hookline.broker.routing.SubscriberId;
import io.hookline.broker.routing.Subscription;
import io.hookline.broker.routing.SubscriptionTrie;
import io.hookline.broker.session.SessionEvents.DropReason;
import io.hookline.broker.session.SessionEvents.Kind;
import io.hookline.broker.store.InflightRecord;
import io.hookline.broker.store.MessageQueue;
import io.hookline.broker.store.SessionRecord;
import io.hookline.broker.store.Stores;
import io.hookline.broker.util.NotifyOutbox;
import io.hookline.broker.util.Scheduler;
import io.hookline.broker.util.StoreBatch;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
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
 *
 * <p>Storage: the queue comes from the stores ({@link Stores#queues}); a persistent session
 * (expiry other than 0) also writes its subscriptions, in-flight messages and inbound QoS 2 ids
 * to them, staging each write in a {@link StoreBatch}. A write a client's acknowledgement depends
 * on goes into the batch its caller passes and commits; a message moving from the queue to in
 * flight commits a batch of its own, and a QoS 2 PUBLISH is written only once that is stored
 * ({@link HeldPublishes}). A clean session never writes. With a durable queue
 * ({@link MessageQueue#isDurable}) every message for the session goes through the queue, online
 * too, so it is stored in its publisher's batch, and is sent only once that is stored
 * ({@link MessageQueue#unstoredHead}): the order of writes that keeps QoS 2 exactly once across a
 * crash is in docs/design/store.md.
 *
 * <p>Byte bounds: {@code backlogBytes} is also what {@code max_online_bytes} (newest dropped at
 * {@link #offer}) and {@code max_offline_bytes} (oldest dropped) bound, so a client that is exempt
 * from back-pressure (its own publications, a stalled subscriber) cannot fill the heap. A session
 * congested without progress for {@code stalled_subscriber_timeout} is stalled ({@link #checkStall}).
 */
public final class Session implements Recipient {

    private final SubscriberId id;
    private final SessionRegistry registry; // also gives the stores and the clock: no fields for them (8 B a session)

    // guarded by this
    private SessionConnection connection;
    private boolean ended;
    private byte protocolVersion; // a byte: with the fields above, 144 B a session where an int made it 152
    private String username;
    private int maxOnlineOverride = UNSET; // from auth_on_register's modifiers
    private int maxOfflineOverride = UNSET;
    private volatile boolean upgradeQos; // not guarded: the router reads it without the monitor
    private volatile Client reader; // made under the monitor on first use by a read check; dropped at attach
    private static final int UNSET = Integer.MIN_VALUE;
    private long expirySeconds; // 0: ends with the connection; -1: never
    private boolean persistent; // expirySeconds != 0: writes its state to the stores
    private boolean journaled; // persistent with a durable queue: every delivery goes through the queue
    private Will will; // the attached connection's will, for the session record
    // The three collections start as the shared immutable empties (reads, remove and clear work
    // on them) and get their own on the first put: most sessions are idle clients that never
    // subscribe or exchange QoS 1/2, and three empty hash maps cost ~190 B per session.
    private Map<String, Subscription> subscriptions = Collections.emptyMap();
    private long
            subscriptionBytes; // SubscriptionTrie.subscriptionCost of every filter held, for max_subscription_memory
    private final MessageQueue queue;
    // the shared empty window until the first add (an idle session carries none); back to it at the end
    private InflightWindow inflight = InflightWindow.EMPTY;
    private Set<Integer> awaitingRelease = Collections.emptySet(); // inbound QoS 2 packet ids
    private int lastPacketId;
    private Will pendingWill;
    private Scheduler.Task willTimer;
    private Scheduler.Task expiryTimer;
    private long disconnectedAtMillis;
    // hook events raised, not yet fired; made under the monitor at the first event (most sessions
    // never raise one), volatile so fireEvents reads it without the monitor
    private volatile NotifyOutbox<Consumer<SessionEvents>> outbox;
    private long backlogBytes;
    private volatile boolean congested; // written under the monitor; FlowControl reads it under its lock
    // stalled subscriber (issue 15 item 9), guarded by this: congested and nothing went to the socket for
    // stalled_subscriber_timeout; it then holds no publisher, and its byte/message bounds drop the excess
    private boolean stalled;
    private long lastProgressMillis; // clock: the last PUBLISH handed to the socket
    private Scheduler.Task stallCheck;
    // the connection a pump waits for the store on (the head of a durable queue not stored yet), or null
    private SessionConnection storeWaiter;
    private HeldPublishes held; // PUBLISHes waiting for their in-flight record to be stored; made on first use
    // the connection whose pump paused because the store's writer is behind (Stores#writesBehind), or null
    private SessionConnection awaitingWrites;

    /** Bytes a queued message is counted for beyond its payload and topic: the objects holding it. */
    static final int MESSAGE_OVERHEAD = 96;

    /** @param queue the session's queue, from {@code registry}'s stores */
    Session(SubscriberId id, SessionRegistry registry, MessageQueue queue) {
        this.id = id;
        this.registry = registry;
        this.queue = queue;
    }

    private Stores stores() {
        return registry.stores();
    }

    // the registry's: message expiry and retry run on the wall clock
    private Clock clock() {
        return registry == null ? Clock.systemUTC() : registry.clock();
    }

    public String clientId() {
        return id.clientId();
    }

    /** The subscriber id (mountpoint and client id): names this session in the registry, in subscriptions and as a message's sender. */
    public SubscriberId id() {
        return id;
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

    /**
     * This session's client as plugins' read checks see it: user name and protocol version of the
     * latest connection. Made once per connection, on the first delivery a read check is asked
     * about (sessions of a broker without read checks never make one).
     */
    @Override
    public Client reader() {
        Client c = reader;
        if (c == null) {
            synchronized (this) {
                c = new Client(
                        id.mountpoint(),
                        id.clientId(),
                        username,
                        switch (protocolVersion) {
                            case 3 -> ProtocolVersion.MQTT_3_1;
                            case 5 -> ProtocolVersion.MQTT_5;
                            default -> ProtocolVersion.MQTT_3_1_1;
                        });
                reader = c;
            }
        }
        return c;
    }

    /** The mountpoint the session lives in ("" for none); part of its {@link #id}. */
    public String mountpoint() {
        return id.mountpoint();
    }

    /**
     * upgrade_qos of the latest connection ({@link SessionTerms#upgradeQos}): deliver at the
     * subscription's QoS. Messages queued while offline were routed under the flag of the
     * connection before.
     */
    @Override
    public boolean upgradesQos() {
        return upgradeQos;
    }

    private int maxOnline() {
        return maxOnlineOverride != UNSET
                ? maxOnlineOverride
                : registry.settings().maxOnlineMessages();
    }

    private int maxOffline() {
        return maxOfflineOverride != UNSET
                ? maxOfflineOverride
                : registry.settings().maxOfflineMessages();
    }

    public synchronized long expirySeconds() {
        return expirySeconds;
    }

    /** The client changed the expiry on DISCONNECT (MQTT 5); the registry writes it when the connection goes. */
    public synchronized void setExpirySeconds(long seconds) {
        this.expirySeconds = seconds;
    }

    synchronized boolean isPersistent() {
        return persistent;
    }

    /**
     * The session record as of now: {@code disconnectedAt} 0 while connected; {@code will} the
     * connection's will while connected, the pending one after.
     */
    synchronized SessionRecord record(long disconnectedAt, Will withWill) {
        return new SessionRecord(
                id,
                protocolVersion,
                username,
                expirySeconds,
                disconnectedAt,
                withWill == null ? null : withWill.message(),
                withWill == null ? 0 : withWill.delaySeconds(),
                maxOnlineOverride == UNSET ? null : maxOnlineOverride,
                maxOfflineOverride == UNSET ? null : maxOfflineOverride);
    }

    synchronized Will will() {
        return will;
    }

    public synchronized int queueSize() {
        return queue.size();
    }

    public synchronized int inflightSize() {
        return inflight.size();
    }

    // the window to add to: this session's own, made now if it still has the shared empty one
    private InflightWindow ownInflight() {
        if (inflight == InflightWindow.EMPTY) {
            inflight = new InflightWindow();
        }
        return inflight;
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

    /**
     * Adds or replaces a subscription here and in the index, and in the stores (in {@code batch})
     * when the session is persistent; true when it is new (retain handling 1).
     */
    public boolean subscribe(Subscription subscription, StoreBatch batch) {
        synchronized (this) {
            if (ended) {
                return false;
            }
            if (subscriptions == Collections.<String, Subscription>emptyMap()) {
                subscriptions = new LinkedHashMap<>();
            }
            Subscription old =
                    subscriptions.put(subscriptionKey(subscription.shareGroup(), subscription.filter()), subscription);
            registry.index().add(subscription);
            if (old == null) {
                subscriptionBytes += SubscriptionTrie.subscriptionCost(subscription.filter());
            }
            if (persistent) {
                stores().subscriptions().put(id, subscription, batch);
            }
            return old == null;
        }
    }

    /** Removes one subscription (from the stores too, in {@code batch}); true when it existed. */
    public boolean unsubscribe(String shareGroup, String filter, StoreBatch batch) {
        synchronized (this) {
            Subscription old = subscriptions.remove(subscriptionKey(shareGroup, filter));
            if (old == null) {
                return false;
            }
            subscriptionBytes -= SubscriptionTrie.subscriptionCost(filter);
            registry.index().remove(id, shareGroup, filter);
            if (persistent) {
                stores().subscriptions().remove(id, shareGroup, filter, batch);
            }
            registry.flow().release(this); // its publishers may no longer route here: let them try again
            return true;
        }
    }

    public synchronized List<Subscription> subscriptions() {
        return List.copyOf(subscriptions.values());
    }

    public synchronized int subscriptionCount() {
        return subscriptions.size();
    }

    /** What the filters held cost the router, in approximate bytes ({@link io.hookline.broker.routing.SubscriptionTrie#subscriptionCost}). */
    public synchronized long subscriptionBytes() {
        return subscriptionBytes;
    }

    public synchronized boolean hasSubscription(String shareGroup, String filter) {
        return subscriptions.containsKey(subscriptionKey(shareGroup, filter));
    }

    // ---- inbound QoS 2 -------------------------------------------------------------------

    /**
     * Records an inbound QoS 2 packet id (in the stores too, in {@code batch}: the batch of the
     * message's routing); false when it was already recorded (a resend: do not route again).
     */
    public synchronized boolean markAwaitingRelease(int packetId, StoreBatch batch) {
        if (awaitingRelease == Collections.<Integer>emptySet()) {
            awaitingRelease = new HashSet<>();
        }
        if (!awaitingRelease.add(packetId)) {
            return false;
        }
        if (persistent) {
            stores().inbound().add(id, packetId, batch);
        }
        return true;
    }

    /** PUBREL arrived (the id leaves the stores in {@code batch}, before PUBCOMP); false when the id was unknown. */
    public synchronized boolean release(int packetId, StoreBatch batch) {
        if (!awaitingRelease.remove(packetId)) {
            return false;
        }
        if (persistent) {
            stores().inbound().remove(id, packetId, batch);
        }
        return true;
    }

    public synchronized boolean isAwaitingRelease(int packetId) {
        return awaitingRelease.contains(packetId);
    }

    public synchronized int awaitingReleaseCount() {
        return awaitingRelease.size();
    }

    // ---- outbound ------------------------------------------------------------------------

    @Override
    public boolean offer(Delivery delivery, StoreBatch batch) {
        SessionConnection target;
        boolean fire;
        boolean full = false;
        boolean sentAll = false;
        synchronized (this) {
            if (ended) {
                return false;
            }
            target = connection;
            if (target == null) {
                queueOffline(delivery, batch);
            } else if (overOnlineBytes(delivery)) {
                target = null; // dropped here: nothing goes to the connection
                full = congested;
            } else if (journaled && !queueOnline(delivery, batch)) {
                target = null; // dropped: max_online_messages
            } else {
                backlogBytes += weight(delivery);
                if (!congested && !stalled) {
                    long high = registry.settings().queueHighWatermark();
                    if (high > 0 && backlogBytes >= high) {
                        congested = true;
                        registry.metrics().count(Counter.SESSIONS_CONGESTED);
                        scheduleStallCheck(registry.settings().queueBounds().stalledTimeoutNanos());
                    }
                }
                full = congested;
                if (journaled && batch != StoreBatch.NONE && target.inEventLoop()) {
                    sentAll = sendInPublisherBatch(target, batch);
                }
            }
            fire = eventsToFire();
        }
        if (target != null && !sentAll) {
            target.submit(this, delivery);
        }
        if (fire) {
            fireEvents();
        }
        return full;
    }

    /**
     * Caller holds the monitor, on {@code to}'s event loop, which is also the publisher's: the
     * messages at the head of the queue whose write is in the publisher's {@code batch} (not yet
     * committed) move to in flight in that same batch. Their queue put is taken back, so the batch
     * writes one in-flight record per message instead of a queue record now and, in a write of
     * the session's own after it, its delete and the in-flight record. Their PUBLISHes (QoS 1
     * too) wait until the batch is stored (the publisher's PUBACK/PUBREC waits for the same
     * write), so no subscriber gets a message a crash takes back from its publisher, and a
     * restart resends each with its packet id and DUP. If the batch fails (the publish is
     * refused) they are not sent and leave the window ({@link #releaseHeld}). True when the
     * queue is empty afterwards (nothing left for {@link #deliver}).
     */
    private boolean sendInPublisherBatch(SessionConnection to, StoreBatch batch) {
        int window = to.inflightWindow();
        long now = clock().millis();
        List<HeldPublishes.Out> out = null;
        Delivery next;
        while ((next = queue.peek()) != null
                && queue.headWrittenIn(batch)
                && inflight.size() < window
                && to.writable()
                && !stores().writesBehind()) {
            if (out == null) {
                out = new ArrayList<>(1);
            }
            queue.poll(batch);
            drained(weight(next));
            send(to, next, now, batch, out);
        }
        if (out != null && !out.isEmpty()) {
            if (held == null) {
                held = new HeldPublishes();
            }
            CompletableFuture<Void> stored = batch.written().toCompletableFuture();
            held.hold(to, stored, out, true);
            stored.whenComplete((v, error) -> to.execute(() -> releaseHeld(to)));
        }
        return queue.isEmpty();
    }

    // caller holds the monitor, online: true when the delivery would take the backlog past max_online_bytes,
    // and then it is dropped (the newest, as for max_online_messages); an empty backlog takes any one message
    private boolean overOnlineBytes(Delivery delivery) {
        long max = registry.settings().queueBounds().maxOnlineBytes();
        if (max <= 0 || backlogBytes == 0 || backlogBytes + weight(delivery) <= max) {
            return false;
        }
        drop(delivery.message(), DropReason.QUEUE_FULL);
        registry.metrics()
                .limitHit(
                        Counter.LIMIT_ONLINE_BYTES,
                        "client '" + id + "'",
                        backlogBytes
                                + " bytes waiting (max_online_bytes " + max + "): newest messages dropped"
                                + (stalled ? " (stalled subscriber)" : ""));
        return true;
    }

    // caller holds the monitor: looks for a stall {@code delayNanos} from now (0 = stalls are off)
    private void scheduleStallCheck(long delayNanos) {
        if (delayNanos <= 0 || stallCheck != null) {
            return;
        }
        try {
            stallCheck = registry.scheduler()
                    .schedule(this::checkStall, delayNanos, java.util.concurrent.TimeUnit.NANOSECONDS);
        } catch (java.util.concurrent.RejectedExecutionException stopping) {
            stallCheck = null; // the broker is stopping (its timer is shut down): no stall to look for any more
        }
    }

    /**
     * On the registry's timer: a session still congested and online whose client took nothing
     * from its socket for stalled_subscriber_timeout is stalled. Its publishers are let go (a
     * subscriber that makes no progress must not hold everyone), what does not fit its bounds is
     * dropped from now on, and with stalled_subscriber_action = disconnect its connection closes.
     * Progress (a PUBLISH written) ends the stall.
     */
    void checkStall() {
        SessionConnection target;
        long waiting;
        boolean disconnect;
        synchronized (this) {
            stallCheck = null;
            long timeout = registry.settings().queueBounds().stalledTimeoutNanos();
            if (!congested || connection == null || ended || timeout <= 0) {
                return;
            }
            long idle = java.util.concurrent.TimeUnit.MILLISECONDS.toNanos(clock().millis() - lastProgressMillis);
            if (idle < timeout) {
                scheduleStallCheck(timeout - idle);
                return;
            }
            stalled = true;
            relieve();
            target = connection;
            waiting = backlogBytes;
            disconnect = registry.settings().queueBounds().disconnectStalled();
        }
        registry.metrics()
                .limitHit(
                        Counter.LIMIT_STALLED_SUBSCRIBER,
                        "client '" + id + "'",
                        "took nothing from its"
                                + " socket with " + waiting + " bytes waiting (stalled_subscriber_timeout): "
                                + (disconnect
                                        ? "disconnected"
                                        : "its publishers go on, what does not fit its queue is dropped"));
        if (disconnect) {
            target.disconnectStalled();
        }
    }

    /** Stalled: congested without progress, holding no publisher (see {@link #checkStall}). */
    public synchronized boolean isStalled() {
        return stalled;
    }

    // tests of the wait graph, without a registry
    void congestedForTest(boolean value) {
        congested = value;
    }

    @Override
    public synchronized FlowControl.Throttle clientThrottle() {
        return connection == null ? null : connection.throttle();
    }

    // caller holds the monitor: the backlog shrank by {@code bytes}
    private void drained(long bytes) {
        // never below 0: a recovered queue's messages were not weighed (a durable queue is not walked)
        backlogBytes = Math.max(0, backlogBytes - bytes);
        if (congested && backlogBytes <= registry.settings().queueLowWatermark()) {
            relieve();
        }
    }

    // caller holds the monitor: publishers waiting here may read again
    private void relieve() {
        congested = false;
        registry.flow().release(this);
    }

    // caller holds the monitor; a journaled session online: the delivery is stored in the
    // publisher's batch and sent from the queue on the connection's loop. False when dropped.
    private boolean queueOnline(Delivery delivery, StoreBatch batch) {
        int max = maxOnline();
        if (max >= 0 && queue.size() >= max) {
            drop(delivery.message(), DropReason.QUEUE_FULL);
            return false;
        }
        queue.add(delivery, batch);
        return true;
    }

    private void queueOffline(Delivery delivery, StoreBatch batch) {
        int max = maxOffline();
        if (max == 0) {
            drop(delivery.message(), DropReason.QUEUE_FULL);
            return;
        }
        while (max > 0 && queue.size() >= max) {
            Delivery oldest = queue.poll(batch); // oldest dropped first
            backlogBytes -= weight(oldest);
            drop(oldest.message(), DropReason.QUEUE_FULL);
        }
        trimOfflineBytes(weight(delivery), batch);
        queue.add(delivery, batch);
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
    synchronized void trimToOfflineLimit(StoreBatch batch) {
        int max = maxOffline();
        while (max >= 0 && queue.size() > max) {
            Delivery oldest = queue.poll(batch);
            backlogBytes -= weight(oldest);
            drop(oldest.message(), DropReason.QUEUE_FULL);
        }
        trimOfflineBytes(0, batch);
    }

    // caller holds the monitor, offline: drops the oldest until {@code incoming} more bytes fit max_offline_bytes
    // (the queue keeps at least the newest message)
    private void trimOfflineBytes(long incoming, StoreBatch batch) {
        long max = registry.settings().queueBounds().maxOfflineBytes();
        if (max <= 0 || backlogBytes + incoming <= max || queue.isEmpty()) {
            return;
        }
        int dropped = 0;
        while (!queue.isEmpty() && backlogBytes + incoming > max && (incoming > 0 || queue.size() > 1)) {
            Delivery oldest = queue.poll(batch);
            backlogBytes -= weight(oldest);
            drop(oldest.message(), DropReason.QUEUE_FULL);
            dropped++;
        }
        registry.metrics()
                .limitHit(
                        Counter.LIMIT_OFFLINE_BYTES,
                        "client '" + id + "'",
                        dropped + " oldest offline messages dropped to stay within max_offline_bytes " + max);
    }

    private void drop(Message message, DropReason reason) {
        registry.metrics()
                .count(
                        switch (reason) {
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
        NotifyOutbox<Consumer<SessionEvents>> o = outbox;
        if (o == null) {
            o = new NotifyOutbox<>(this);
            outbox = o;
        }
        o.add(event);
    }

    // caller holds the monitor: true when events wait and nobody is firing them yet
    private boolean eventsToFire() {
        NotifyOutbox<Consumer<SessionEvents>> o = outbox;
        return o != null && o.needsFiring();
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
        NotifyOutbox<Consumer<SessionEvents>> o = outbox;
        if (o == null) {
            return; // nothing was ever raised
        }
        SessionEvents events = registry.events();
        o.fire(event -> event.accept(events));
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
            if (journaled) {
                if (connection == from) {
                    pump(from); // it waits in the queue already, in order; a new connection's resume sends it otherwise
                }
            } else if (connection != from) {
                redispatch = true; // taken over or gone since submit: route again
                backlogBytes -= weight(delivery);
            } else if (queue.isEmpty()
                    && from.writable()
                    && (delivery.qos() == 0 || inflight.size() < from.inflightWindow())) {
                drained(weight(delivery));
                StoreBatch batch = journal();
                List<HeldPublishes.Out> out = batch == StoreBatch.NONE ? null : new ArrayList<>(1);
                send(from, delivery, clock().millis(), batch, out);
                finish(from, batch, out);
            } else {
                int max = maxOnline();
                if (max >= 0 && queue.size() >= max) {
                    drained(weight(delivery));
                    drop(delivery.message(), DropReason.QUEUE_FULL);
                } else {
                    queue.add(delivery, StoreBatch.NONE); // stays in the backlog; a memory queue (not journaled)
                }
            }
            fire = eventsToFire();
        }
        if (redispatch) {
            // no publisher waits on a redispatch: it was told once already; nothing to store
            // (a session whose messages must be stored is journaled and never redispatches)
            offer(delivery, StoreBatch.NONE);
        } else {
            from.flushSoon();
        }
        if (fire) {
            fireEvents();
        }
    }

    // caller holds the monitor: the batch for writes nobody waits on (a persistent session's
    // queue and in-flight bookkeeping), committed by the caller with commit()
    private StoreBatch journal() {
        return persistent ? stores().batch() : StoreBatch.NONE;
    }

    // a batch of journal(): the store logs a failure (StoreBatch), nobody waits
    private static void commit(StoreBatch batch) {
        if (batch != StoreBatch.NONE) {
            batch.commit();
        }
    }

    // caller holds the monitor and runs on the connection's event loop. The PUBLISH is written at
    // once when out is null (nothing stored), else added to out for finish()
    private void send(
            SessionConnection to, Delivery delivery, long now, StoreBatch batch, List<HeldPublishes.Out> out) {
        Message message = delivery.message();
        if (message.isExpired(now)) {
            drop(message, DropReason.EXPIRED);
            return;
        }
        if (!to.fits(delivery)) {
            drop(message, DropReason.MAX_PACKET_SIZE_EXCEEDED);
            return;
        }
        lastProgressMillis = now; // the client takes from its socket again: no longer stalled
        stalled = false;
        if (delivery.qos() == 0) {
            if (out == null) {
                to.writePublish(0, delivery, false);
            } else {
                out.add(new HeldPublishes.Out(0, delivery, null));
            }
            return;
        }
        int packetId = nextPacketId();
        Inflight entry = new Inflight(packetId, delivery, now);
        ownInflight().add(entry);
        if (persistent) {
            stores().inflight().sent(id, packetId, delivery, batch);
        }
        if (out == null) {
            to.writePublish(packetId, delivery, false);
        } else {
            out.add(new HeldPublishes.Out(packetId, delivery, entry));
        }
    }

    // caller holds the monitor, on to's loop: commits a burst's batch; its PUBLISHes go out once
    // it is stored, after any burst still held (HeldPublishes). out is null when batch is NONE.
    private void finish(SessionConnection to, StoreBatch batch, List<HeldPublishes.Out> out) {
        if (batch == StoreBatch.NONE) {
            return;
        }
        CompletionStage<Void> stored = batch.commit();
        if (out.isEmpty()) {
            return;
        }
        if ((held == null || held.isEmpty()) && (stored == StoreBatch.DONE || !hasQos2(out))) {
            write(to, out); // QoS 1 may arrive twice anyway: it does not wait (nor does the QoS 0 with it)
            return;
        }
        if (held == null) {
            held = new HeldPublishes();
        }
        CompletableFuture<Void> done = stored.toCompletableFuture();
        held.hold(to, done, out);
        done.whenComplete((v, error) -> to.execute(() -> releaseHeld(to)));
    }

    // on to's loop, once a held burst's write completed: writes what may go out now, in order
    // (an entry acknowledged or resent meanwhile is skipped)
    private void releaseHeld(SessionConnection to) {
        synchronized (this) {
            if (connection != to || held == null) {
                return;
            }
            List<HeldPublishes.Out> refused = new ArrayList<>(0);
            for (HeldPublishes.Out o : held.release(to, refused)) {
                Inflight entry = o.entry();
                if (entry == null) {
                    to.writePublish(0, o.delivery(), false);
                } else if (entry.unwritten && inflight.get(o.packetId()) == entry) {
                    entry.unwritten = false;
                    to.writePublish(o.packetId(), o.delivery(), false);
                }
            }
            // their publisher's batch failed: stored nowhere, refused to the publisher, never sent
            for (HeldPublishes.Out o : refused) {
                Inflight entry = o.entry();
                if (entry != null && inflight.get(o.packetId()) == entry) {
                    inflight.remove(o.packetId());
                }
            }
            if (!refused.isEmpty()) {
                pump(to); // the window has room again
            }
        }
        to.flushSoon();
    }

    private static boolean hasQos2(List<HeldPublishes.Out> out) {
        for (HeldPublishes.Out o : out) {
            if (o.delivery().qos() == 2) {
                return true;
            }
        }
        return false;
    }

    // caller holds the monitor, on to's loop: a burst written at once
    private static void write(SessionConnection to, List<HeldPublishes.Out> out) {
        for (HeldPublishes.Out o : out) {
            to.writePublish(o.packetId(), o.delivery(), false);
        }
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
            if (entry == null
                    || connection != from
                    || (pubcomp != (entry.delivery.qos() == 2))
                    || (pubcomp && !entry.released)) {
                return false;
            }
            inflight.remove(packetId);
            if (persistent) {
                StoreBatch batch = stores().batch();
                stores().inflight().remove(id, packetId, entry.released, batch);
                commit(batch);
            }
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

    /**
     * PUBREC from the client: the message moves to its PUBREL stage. Returns when that stage is
     * stored, and the caller sends PUBREL only then: a PUBREL out before the store has it would,
     * after a crash, become a resent PUBLISH that a client which already completed the exchange
     * takes for a new message (QoS 2 twice). Null when the packet id is unknown.
     */
    public CompletionStage<Void> received(SessionConnection from, int packetId) {
        synchronized (this) {
            Inflight entry = inflight.get(packetId);
            if (entry == null || connection != from || entry.delivery.qos() != 2) {
                return null;
            }
            entry.released = true;
            if (!persistent) {
                entry.releaseStored = true;
                return StoreBatch.DONE;
            }
            StoreBatch batch = stores().batch();
            stores().inflight().released(id, packetId, batch);
            CompletionStage<Void> stored = batch.commit();
            stored.thenRun(() -> entry.releaseStored = true); // on the writer thread
            return stored;
        }
    }

    /** A PUBREC carrying an error reason code (v5): the message is done, nothing more to send. */
    public void refused(SessionConnection from, int packetId) {
        boolean fire;
        synchronized (this) {
            Inflight gone = connection == from ? inflight.remove(packetId) : null;
            if (gone != null) {
                if (persistent) {
                    StoreBatch batch = stores().batch();
                    stores().inflight().remove(id, packetId, gone.released, batch);
                    commit(batch);
                }
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
        long now = clock().millis();
        Delivery next;
        StoreBatch batch = null; // made at the first message moved
        List<HeldPublishes.Out> out = null; // its PUBLISHes, when the batch stores something
        while (to.writable() && (next = queue.peek()) != null) {
            if (next.qos() > 0 && inflight.size() >= window) {
                break;
            }
            if (journaled && stores().writesBehind()) {
                awaitWrites(to);
                break;
            }
            CompletionStage<Void> unstored = queue.unstoredHead();
            if (unstored != null) {
                sendWhenStored(to, unstored);
                break;
            }
            if (batch == null) {
                batch = journal();
                out = batch == StoreBatch.NONE ? null : new ArrayList<>();
            }
            queue.poll(batch);
            drained(weight(next));
            send(to, next, now, batch, out);
        }
        if (batch != null) {
            finish(to, batch, out);
        }
    }

    // caller holds the monitor: the pump goes on once the store's writer caught up, on the connection's loop
    private void awaitWrites(SessionConnection to) {
        if (awaitingWrites == to) {
            return;
        }
        awaitingWrites = to;
        stores().whenWritesCaughtUp(() -> to.execute(() -> {
            synchronized (this) {
                if (awaitingWrites == to) {
                    awaitingWrites = null;
                }
            }
            drain(to);
        }));
    }

    // caller holds the monitor: the head of the (durable) queue is not stored yet; it is sent
    // once it is, from the connection's event loop. One wait per connection at a time.
    private void sendWhenStored(SessionConnection to, CompletionStage<Void> unstored) {
        if (storeWaiter == to) {
            return;
        }
        storeWaiter = to;
        // a failed write (its publisher was refused) is sent all the same, as before the store had it
        unstored.whenComplete((v, error) -> to.execute(() -> {
            synchronized (this) {
                if (storeWaiter == to) {
                    storeWaiter = null;
                }
            }
            drain(to);
        }));
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
            long now = clock().millis();
            StoreBatch batch = null;
            if (held != null) {
                held.dropOthers(to); // what waited for an earlier connection is resent below
            }
            for (Iterator<Inflight> it = inflight.iterator(); it.hasNext(); ) {
                Inflight entry = it.next();
                entry.unwritten = false;
                boolean gone = false;
                if (entry.released && !entry.releaseStored) {
                    // its PUBREL stage could not be stored (the connection was closed for it):
                    // the store has it as sent, so it is sent again, and a new PUBREC stores it
                    entry.released = false;
                }
                if (entry.released) {
                    to.writePubrel(entry.packetId);
                } else if (entry.delivery.message().isExpired(now)) {
                    it.remove();
                    gone = true;
                    drop(entry.delivery.message(), DropReason.EXPIRED);
                } else if (!to.fits(entry.delivery)) {
                    it.remove();
                    gone = true;
                    drop(entry.delivery.message(), DropReason.MAX_PACKET_SIZE_EXCEEDED);
                } else {
                    entry.sentAtMillis = now;
                    to.writePublish(entry.packetId, entry.delivery, true);
                }
                if (gone && persistent) {
                    if (batch == null) {
                        batch = stores().batch();
                    }
                    stores().inflight().remove(id, entry.packetId, entry.released, batch);
                }
            }
            if (batch != null) {
                commit(batch);
            }
            pump(to);
            fire = eventsToFire();
        }
        to.flushSoon();
        if (fire) {
            fireEvents();
        }
    }

    /** MQTT 3.x retry: resend entries unacknowledged for longer than the interval (wall clock, as expiry). */
    public void retryOlderThan(SessionConnection to, long intervalMillis) {
        boolean resent = false;
        synchronized (this) {
            if (connection != to) {
                return;
            }
            long now = clock().millis();
            for (Inflight entry : inflight) {
                if (now - entry.sentAtMillis < intervalMillis
                        || entry.unwritten // not sent yet: it goes out once its in-flight record is stored
                        || (entry.released && !entry.releaseStored)) { // that PUBREL goes out once stored
                    continue;
                }
                entry.sentAtMillis = now;
                resent = true;
                if (entry.released) {
                    to.writePubrel(entry.packetId);
                } else {
                    to.writePublish(entry.packetId, entry.delivery, true);
                }
            }
        }
        if (resent) { // every idle 3.x connection gets here each retry_interval: no empty flush task
            to.flushSoon();
        }
    }

    // ---- lifecycle (driven by SessionRegistry) -------------------------------------------

    /** Attaches a connection on the terms its CONNECT settled; returns the one it replaced (to be taken over) or null. */
    synchronized SessionConnection attach(SessionConnection to, SessionTerms terms) {
        SessionConnection previous = connection;
        connection = to;
        stalled = false;
        lastProgressMillis = clock().millis();
        if (congested) {
            relieve(); // a new connection: publishers try again and wait on it only if it falls behind
        }
        protocolVersion = (byte) terms.protocolVersion();
        expirySeconds = terms.expirySeconds();
        persistent = terms.persistent();
        journaled = persistent && queue.isDurable();
        username = terms.username();
        reader = null;
        will = terms.will();
        maxOnlineOverride = terms.maxOnlineMessages() == null ? UNSET : terms.maxOnlineMessages();
        maxOfflineOverride = terms.maxOfflineMessages() == null ? UNSET : terms.maxOfflineMessages();
        upgradeQos = terms.upgradeQos();
        if (expiryTimer != null) {
            expiryTimer.cancel();
            expiryTimer = null;
        }
        return previous;
    }

    /** A new connection arrived before the will delay passed: the pending will is not sent. */
    synchronized void cancelPendingWill() {
        pendingWill = null;
        if (willTimer != null) {
            willTimer.cancel();
            willTimer = null;
        }
    }

    /** Detaches {@code from} if it is still attached; false when another connection owns the session. */
    synchronized boolean detach(SessionConnection from) {
        if (connection != from) {
            return false;
        }
        connection = null;
        stalled = false;
        disconnectedAtMillis = registry.clock().millis();
        if (congested) {
            relieve(); // offline queues are bounded by max_offline_messages, not by waiting publishers
        }
        return true;
    }

    synchronized void setPendingWill(Will will, Scheduler.Task timer) {
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

    synchronized void setExpiryTimer(Scheduler.Task timer) {
        expiryTimer = timer;
    }

    // ---- moving to another node (driven by SessionTransfer) -------------------------------

    /** Takes the connection off the session (it is closed as taken over by the caller); null when offline. */
    synchronized SessionConnection detachForMove() {
        SessionConnection c = connection;
        if (c != null) {
            detach(c);
        }
        return c;
    }

    synchronized List<InflightRecord> inflightRecords() {
        List<InflightRecord> out = new ArrayList<>(inflight.size());
        for (Inflight e : inflight) {
            out.add(new InflightRecord(e.packetId, e.delivery, e.released));
        }
        return out;
    }

    synchronized List<Integer> awaitingReleaseIds() {
        return new ArrayList<>(awaitingRelease);
    }

    synchronized Will pendingWill() {
        return pendingWill;
    }

    /** A page of the queue, from {@code from} on ({@link MessageQueue#copy}); may read the disk. */
    synchronized long copyQueue(long from, int max, List<Delivery> out) {
        return queue.copy(from, max, out);
    }

    // ---- recovery (driven by SessionRegistry.recover, before any listener opens) ----------

    /** A stored session comes back, offline, as it was recorded; it went away at {@code disconnectedAt}. */
    synchronized void restore(SessionRecord r, long disconnectedAt) {
        protocolVersion = (byte) r.protocolVersion();
        username = r.username();
        reader = null;
        expirySeconds = r.expirySeconds();
        persistent = true;
        journaled = queue.isDurable();
        maxOnlineOverride = r.maxOnlineMessages() == null ? UNSET : r.maxOnlineMessages();
        maxOfflineOverride = r.maxOfflineMessages() == null ? UNSET : r.maxOfflineMessages();
        disconnectedAtMillis = disconnectedAt;
    }

    synchronized void restore(Subscription subscription) {
        if (subscriptions == Collections.<String, Subscription>emptyMap()) {
            subscriptions = new LinkedHashMap<>();
        }
        if (subscriptions.put(subscriptionKey(subscription.shareGroup(), subscription.filter()), subscription)
                == null) {
            subscriptionBytes += SubscriptionTrie.subscriptionCost(subscription.filter());
        }
        registry.index().add(subscription);
    }

    /** A message in flight when the broker stopped: resent with DUP (or its PUBREL) when the client is back. */
    synchronized void restore(InflightRecord r) {
        if (inflight.contains(r.packetId())) {
            return;
        }
        Inflight entry = new Inflight(r.packetId(), r.delivery(), 0);
        entry.released = r.released();
        entry.releaseStored = r.released();
        ownInflight().add(entry);
        lastPacketId = r.packetId();
    }

    synchronized void restoreAwaitingRelease(int packetId) {
        if (awaitingRelease == Collections.<Integer>emptySet()) {
            awaitingRelease = new HashSet<>();
        }
        awaitingRelease.add(packetId);
    }

    /**
     * Ends the session: removes its subscriptions from the index and drops its state. Returns the
     * pending will that must now be published (the session ended before the will delay), or null.
     * on_topic_unsubscribed is only raised: the registry fires it once its lock is released.
     * Its queue empties itself in {@code batch}; the registry removes the rest of what it stored.
     */
    synchronized Will end(StoreBatch batch) {
        if (ended) {
            return null;
        }
        ended = true;
        List<String> filters = new ArrayList<>(subscriptions.keySet());
        for (Subscription s : subscriptions.values()) {
            registry.index().remove(id, s.shareGroup(), s.filter());
        }
        subscriptions.clear();
        subscriptionBytes = 0;
        queue.clear(batch);
        backlogBytes = 0;
        if (congested) {
            relieve();
        }
        inflight = InflightWindow.EMPTY;
        if (held != null) {
            held.clear();
        }
        awaitingRelease.clear();
        if (expiryTimer != null) {
            expiryTimer.cancel();
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
