package io.hookline.broker.routing;

import io.hookline.broker.config.SharedSubscriptionPolicy;
import io.hookline.broker.util.StoreBatch;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.Consumer;
import java.util.function.Supplier;

/**
 * Routes a published message to every matching session: once per session for its direct
 * subscriptions (highest QoS of the matching ones, all their subscription identifiers), and
 * to one member of each matching shared group (online and not congested members first).
 * A recipient the {@link ReadGate} refuses is skipped before anything is offered to it (a
 * shared group then picks among the members that may read the topic).
 * Thread-safe: its only state is per-thread scratch reused between routes; runs on the publisher's event loop.
 */
public final class Router {

    private final SubscriptionIndex index;
    private final RecipientDirectory directory;
    private final Supplier<SharedSubscriptionPolicy> sharedPolicy;
    private final ReadGate readGate;
    private SharedDispatch sharedDispatch; // null on a single broker; set once before listeners start
    // One Matches per routing thread, reused route after route with its first Target: made anew per
    // routed PUBLISH they were 8% of the event loops' garbage in p2p QoS 1 at 20,000 msg/s (issue 17).
    // A route started while the thread's own is in use (a recipient that routes again) gets a new one.
    private final ThreadLocal<Matches> spare = ThreadLocal.withInitial(() -> new Matches());

    public Router(
            SubscriptionIndex index, RecipientDirectory directory, Supplier<SharedSubscriptionPolicy> sharedPolicy) {
        this(index, directory, sharedPolicy, ReadGate.OPEN);
    }

    public Router(
            SubscriptionIndex index,
            RecipientDirectory directory,
            Supplier<SharedSubscriptionPolicy> sharedPolicy,
            ReadGate readGate) {
        this.index = index;
        this.directory = directory;
        this.sharedPolicy = sharedPolicy;
        this.readGate = readGate;
    }

    /** Routes the message; returns how many sessions it was handed to. */
    public int route(Message message) {
        return route(message, null, null, StoreBatch.NONE);
    }

    /**
     * Routes the message choosing shared group members by {@code sharedPolicy} (the publisher's,
     * as in VerneMQ), or by the broker's policy when null, and tells {@code congested} (when not
     * null) about the recipients that took it while above their queue high-water mark: one list
     * per recipient, or per shared group whose online members were all congested (any one of
     * them draining is enough). Recipients that store the message stage it in {@code batch}.
     * Returns how many sessions it was handed to.
     */
    public int route(
            Message message,
            SharedSubscriptionPolicy sharedPolicy,
            Consumer<List<Recipient>> congested,
            StoreBatch batch) {
        Matches matches = take(message, sharedPolicy, congested, batch);
        try {
            index.match(message.topic(), matches);
            return matches.deliver();
        } finally {
            matches.release();
        }
    }

    // this thread's Matches, or a new one while it is in use; release() when done
    private Matches take(
            Message message, SharedSubscriptionPolicy policy, Consumer<List<Recipient>> congested, StoreBatch batch) {
        Matches m = spare.get();
        if (m.busy) {
            m = new Matches();
        }
        m.start(message, policy, congested, batch);
        return m;
    }

    /**
     * In a cluster: shared groups span nodes, and {@code dispatch} chooses the node of each group's
     * member. Called once while the broker is built, before any message is routed.
     */
    public void shareWith(SharedDispatch dispatch) {
        this.sharedDispatch = dispatch;
    }

    /**
     * Routes a message another node forwarded: to the direct subscribers here only (the node it
     * was published on chose the shared groups' members). Returns how many sessions took it.
     */
    public int routeDirect(Message message, StoreBatch batch) {
        return routeDirect(message, null, batch);
    }

    /** As {@link #routeDirect(Message, StoreBatch)}, telling {@code congested} (may be null) as {@link #route} does. */
    public int routeDirect(Message message, Consumer<List<Recipient>> congested, StoreBatch batch) {
        Matches matches = take(message, null, congested, batch);
        try {
            matches.directOnly = true;
            index.match(message.topic(), matches);
            return matches.deliver();
        } finally {
            matches.release();
        }
    }

    /**
     * Delivers {@code message} to one member here of the shared group {@code group} of
     * {@code filter} (whose filter matches the message's topic), chosen as on a single broker.
     * Returns 1 when a member took it, 0 when the group has no member here that may read it.
     */
    public int deliverShared(
            String group,
            String filter,
            Message message,
            SharedSubscriptionPolicy policy,
            Consumer<List<Recipient>> congested,
            StoreBatch batch) {
        Matches matches = new Matches(message, policy, congested, batch);
        SharedGroup[] found = new SharedGroup[1];
        index.match(message.topic(), new MatchCollector() {
            @Override
            public void direct(Subscription s) {}

            @Override
            public void shared(SharedGroup g) {
                if (g.group().equals(group) && g.filter().equals(filter)) {
                    found[0] = g;
                }
            }
        });
        return found[0] == null ? 0 : matches.deliverShared(found[0]);
    }

    /** As {@link #deliverShared(String, String, Message, SharedSubscriptionPolicy, Consumer, StoreBatch)}, for a group in hand. */
    public int deliverShared(
            SharedGroup group,
            Message message,
            SharedSubscriptionPolicy policy,
            Consumer<List<Recipient>> congested,
            StoreBatch batch) {
        return new Matches(message, policy, congested, batch).deliverShared(group);
    }

    /** One route's matches, merged per client. Confined to the routing thread; reusable (start/release). */
    private final class Matches implements MatchCollector {
        private Message message;
        private SharedSubscriptionPolicy policy; // null: the broker's
        private Consumer<List<Recipient>> congested;
        private StoreBatch batch;
        // the common case of a single matching client needs no map
        private Target first;
        private Target own; // first's object, kept across routes
        private Map<SubscriberId, Target> more;
        private List<SharedGroup> groups;
        private boolean directOnly; // a forwarded message: another node chose the shared members
        boolean busy; // between start and release

        Matches() {}

        Matches(
                Message message,
                SharedSubscriptionPolicy policy,
                Consumer<List<Recipient>> congested,
                StoreBatch batch) {
            start(message, policy, congested, batch);
        }

        void start(
                Message message,
                SharedSubscriptionPolicy policy,
                Consumer<List<Recipient>> congested,
                StoreBatch batch) {
            this.message = message;
            this.policy = policy;
            this.congested = congested;
            this.batch = batch;
            busy = true;
        }

        /** Forgets this route (nothing of it stays reachable) and frees this for the thread's next. */
        void release() {
            message = null;
            policy = null;
            congested = null;
            batch = null;
            first = null;
            more = null;
            groups = null;
            directOnly = false;
            busy = false;
        }

        private void offer(Recipient r, Delivery d) {
            if (r.offer(d, batch) && congested != null) {
                congested.accept(List.of(r));
            }
        }

        @Override
        public void direct(Subscription s) {
            if (s.options().noLocal() && s.subscriber().equals(message.sender())) {
                return;
            }
            if (first == null) {
                first = own == null ? (own = new Target(s)) : own.reset(s);
                return;
            }
            if (first.subscriber.equals(s.subscriber())) {
                first.merge(s);
                return;
            }
            if (more == null) {
                more = new HashMap<>();
            }
            Target t = more.get(s.subscriber());
            if (t == null) {
                more.put(s.subscriber(), new Target(s));
            } else {
                t.merge(s);
            }
        }

        @Override
        public void shared(SharedGroup group) {
            if (directOnly) {
                return;
            }
            if (groups == null) {
                groups = new ArrayList<>(2);
            }
            groups.add(group);
        }

        int deliver() {
            int count = 0;
            if (first != null) {
                count += first.deliver(this);
                if (more != null) {
                    for (Target t : more.values()) {
                        count += t.deliver(this);
                    }
                }
            }
            SharedDispatch dispatch = sharedDispatch;
            if (dispatch != null) {
                if (!directOnly) {
                    count += dispatch.dispatch(
                            groups != null ? groups : List.of(),
                            message,
                            policy != null ? policy : sharedPolicy.get(),
                            congested,
                            batch);
                }
            } else if (groups != null) {
                for (SharedGroup group : groups) {
                    count += deliverShared(group);
                }
            }
            return count;
        }

        private int deliverShared(SharedGroup group) {
            List<Subscription> members = group.members();
            int n = members.size();
            if (n == 0) {
                return 0;
            }
            // every recipient here is a local session, so prefer_local and local_only choose like random
            // (in a cluster the SharedDispatch chose this node already)
            SharedSubscriptionPolicy p = policy != null ? policy : sharedPolicy.get();
            int start = p == SharedSubscriptionPolicy.ROUND_ROBIN
                    ? (int) Math.floorMod(group.cursor().getAndIncrement(), (long) n)
                    : ThreadLocalRandom.current().nextInt(n);
            // the policy's pick if it is online and keeps up; else the next one that does; else the
            // least loaded online one (congested); else the first offline one (its queue)
            Subscription busy = null;
            Recipient busyRecipient = null;
            Subscription offline = null;
            Recipient offlineRecipient = null;
            List<Recipient> allBusy = null;
            for (int i = 0; i < n; i++) {
                Subscription s = members.get((start + i) % n);
                Recipient r = directory.find(s.subscriber());
                if (r == null || !readGate.admits(r, message)) {
                    continue;
                }
                if (r.isOnline()) {
                    if (!r.isCongested()) {
                        // no wait even if this one crosses the mark: the next message goes to another member
                        r.offer(delivery(message, s.options().qos(), r, false, s.subscriptionId()), batch);
                        return 1;
                    }
                    if (congested != null) {
                        if (allBusy == null) {
                            allBusy = new ArrayList<>(n);
                        }
                        allBusy.add(r);
                    }
                    if (busy == null || r.queuedBytes() < busyRecipient.queuedBytes()) {
                        busy = s; // all congested: the least loaded, likeliest to drain first
                        busyRecipient = r;
                    }
                } else if (offline == null) {
                    offline = s;
                    offlineRecipient = r;
                }
            }
            if (busy != null) { // the publisher waits until any of them drains
                if (busyRecipient.offer(
                                delivery(message, busy.options().qos(), busyRecipient, false, busy.subscriptionId()),
                                batch)
                        && congested != null) {
                    congested.accept(allBusy);
                }
                return 1;
            }
            if (offline != null) { // nobody online: queue with an offline member
                offer(
                        offlineRecipient,
                        delivery(message, offline.options().qos(), offlineRecipient, false, offline.subscriptionId()));
                return 1;
            }
            return 0;
        }
    }

    private static Delivery delivery(
            Message message, int subscriptionQos, Recipient to, boolean retainAsPublished, int subscriptionId) {
        return new Delivery(
                message,
                deliveryQos(message.qos(), subscriptionQos, to),
                retainAsPublished && message.retain(),
                subscriptionId == 0 ? List.of() : List.of(subscriptionId));
    }

    /** min(publish QoS, subscription QoS), or the subscription's when the recipient upgrades (upgrade_qos). */
    private static int deliveryQos(int publishQos, int subscriptionQos, Recipient to) {
        return subscriptionQos <= publishQos || to.upgradesQos() ? subscriptionQos : publishQos;
    }

    /** A client's merged direct matches. */
    private final class Target {
        SubscriberId subscriber;
        int qos;
        boolean retainAsPublished;
        int firstId;
        List<Integer> ids;

        Target(Subscription s) {
            reset(s);
        }

        Target reset(Subscription s) {
            subscriber = s.subscriber();
            qos = s.options().qos();
            retainAsPublished = s.options().retainAsPublished();
            firstId = s.subscriptionId();
            ids = null;
            return this;
        }

        void merge(Subscription s) {
            qos = Math.max(qos, s.options().qos());
            retainAsPublished |= s.options().retainAsPublished();
            int id = s.subscriptionId();
            if (id != 0) {
                if (firstId == 0) {
                    firstId = id;
                } else {
                    if (ids == null) {
                        ids = new ArrayList<>(4);
                        ids.add(firstId);
                    }
                    ids.add(id);
                }
            }
        }

        int deliver(Matches route) {
            Recipient r = directory.find(subscriber);
            Message message = route.message;
            if (r == null || !readGate.admits(r, message)) {
                return 0;
            }
            List<Integer> subscriptionIds =
                    ids != null ? List.copyOf(ids) : firstId != 0 ? List.of(firstId) : List.of();
            route.offer(
                    r,
                    new Delivery(
                            message,
                            deliveryQos(message.qos(), qos, r),
                            retainAsPublished && message.retain(),
                            subscriptionIds));
            return 1;
        }
    }
}
