package io.hookline.broker.session;

import io.hookline.broker.routing.Subscription;
import io.hookline.broker.store.InflightRecord;
import io.hookline.broker.store.SessionRecord;
import java.util.List;

/**
 * A persistent session as it moves to another node, apart from its queue (which travels in
 * pages): its record (expiry, pending will, queue terms), its subscriptions with every option
 * and identifier, its outgoing messages in flight (packet ids, PUBREL stage) and the inbound
 * QoS 2 packet ids awaiting PUBREL. Immutable.
 */
public record SessionSnapshot(
        SessionRecord record,
        List<Subscription> subscriptions,
        List<InflightRecord> inflight,
        List<Integer> awaitingRelease) {}
