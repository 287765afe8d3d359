package io.hookline.broker.session;

import io.hookline.broker.routing.SubscriberId;
import io.hookline.broker.store.SessionRecord;
import io.hookline.broker.store.Stores;
import io.hookline.broker.util.StoreBatch;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Brings the stored sessions back into a registry, before any listener opens: each persistent
 * session offline with its subscriptions (into the subscription index), its queue, its
 * messages in flight and its inbound QoS 2 ids; then its timers, from the wall-clock instants
 * recorded. A session connected when the broker stopped went away at recovery time, without
 * DISCONNECT: its will is due as for any such connection (now, or after its delay). A session
 * whose expiry passed while the broker was down ends now, sending its pending will.
 *
 * <p>Runs once, on the thread starting the broker, while nothing else touches the registry
 * (the stores' reads may block there).
 */
public final class Recovery {

    /** What came back, for the log line. */
    public record Result(
            int sessions, int subscriptions, int queued, int inflight, int expired, int willsSent, long millis) {}

    private final SessionRegistry registry;
    private final Stores stores;

    Recovery(SessionRegistry registry) {
        this.registry = registry;
        this.stores = registry.stores();
    }

    Result run() {
        long started = System.nanoTime();
        long now = registry.clock().millis();
        List<SessionRecord> records = new ArrayList<>();
        stores.sessions().forEach(records::add);
        int subscriptions = 0;
        int queued = 0;
        int inflight = 0;
        List<Session> restored = new ArrayList<>(records.size());
        List<Will> willsNow = new ArrayList<>();
        StoreBatch batch = stores.batch();
        for (SessionRecord r : records) {
            SubscriberId id = r.id();
            long disconnectedAt = r.isConnected() ? now : r.disconnectedAtMillis();
            Session session = new Session(id, registry, stores.queues().open(id, true));
            session.restore(r, disconnectedAt);
            int[] counts = new int[2];
            stores.subscriptions().forEach(id, s -> {
                session.restore(s);
                counts[0]++;
            });
            stores.inflight().forEach(id, f -> {
                session.restore(f);
                counts[1]++;
            });
            stores.inbound().forEach(id, session::restoreAwaitingRelease);
            subscriptions += counts[0];
            inflight += counts[1];
            queued += session.queueSize();
            registry.restore(session);
            restored.add(session);
            Will will = r.will() == null ? null : new Will(r.will(), r.willDelaySeconds());
            if (r.isConnected()) {
                // it went away now, without DISCONNECT: record when, and whether a will is pending
                boolean pending = will != null && will.delaySeconds() > 0;
                stores.sessions().put(session.record(now, pending ? will : null), batch);
                if (will != null && !pending) {
                    willsNow.add(will);
                    will = null;
                }
            }
            long expiresAt = r.expiresAtMillis(disconnectedAt);
            if (will != null) {
                Will w = will;
                long due = expiresAt <= now ? now : r.willDueAtMillis(disconnectedAt);
                session.setPendingWill(
                        w,
                        registry.scheduler()
                                .schedule(
                                        () -> registry.fireWill(session, w),
                                        Math.max(0, due - now),
                                        TimeUnit.MILLISECONDS));
            }
            if (expiresAt != Long.MAX_VALUE && expiresAt > now) {
                session.setExpiryTimer(registry.scheduler()
                        .schedule(() -> registry.expire(session), expiresAt - now, TimeUnit.MILLISECONDS));
            }
        }
        batch.commit();
        // every session is back before any will goes out: a will may be for one of them
        for (Will w : willsNow) {
            registry.publishWill(w);
        }
        int expired = 0;
        for (Session s : restored) {
            long expiresAt =
                    s.expirySeconds() < 0 ? Long.MAX_VALUE : s.disconnectedAtMillis() + s.expirySeconds() * 1000;
            if (expiresAt <= now) {
                registry.expire(s); // sends its pending will, if any
                expired++;
            }
        }
        return new Result(
                restored.size() - expired,
                subscriptions,
                queued,
                inflight,
                expired,
                willsNow.size(),
                TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started));
    }
}
