package io.hookline.broker.session;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.hookline.broker.config.Config;
import io.hookline.broker.config.CoreConfig;
import io.hookline.broker.config.ProtocolSettings;
import io.hookline.broker.metrics.BrokerMetrics;
import io.hookline.broker.routing.Message;
import io.hookline.broker.routing.PublishProperties;
import io.hookline.broker.routing.SubscriberId;
import io.hookline.broker.routing.Subscription;
import io.hookline.broker.routing.SubscriptionOptions;
import io.hookline.broker.routing.SubscriptionTrie;
import io.hookline.broker.store.MemoryStores;
import io.hookline.broker.store.SessionRecord;
import io.hookline.broker.testsupport.ManualTime;
import io.hookline.broker.util.StoreBatch;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** What the registry and its sessions write to the stores over a session's life, and what they never write. */
class RegistryStoreWritesTest {

    private static final SubscriberId ID = SubscriberId.of("dev");

    private final ManualTime time = new ManualTime();
    private final MemoryStores stores = new MemoryStores();
    private final List<Message> wills = new ArrayList<>();
    private final SessionRegistry registry = new SessionRegistry(
            new SubscriptionTrie(),
            RegistryStoreWritesTest::settings,
            new BrokerMetrics(),
            stores,
            time.clock(),
            time,
            wills::add);

    private static ProtocolSettings settings() {
        try {
            return ProtocolSettings.from(Config.of(Map.of(), CoreConfig.schema()));
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    private static SessionTerms terms(boolean cleanStart, long expiry, Will will) {
        return new SessionTerms(ID, cleanStart, 5, expiry, "user", will, null, 50, false);
    }

    private static Subscription subscription(String filter) {
        return new Subscription(ID, filter, null, SubscriptionOptions.ofQos(1), 0);
    }

    private List<Subscription> stored() {
        List<Subscription> found = new ArrayList<>();
        stores.subscriptions().forEach(ID, found::add);
        return found;
    }

    @Test
    void aPersistentSessionIsRecordedThroughItsLifeAndForgottenWhenItExpires() {
        Will will = new Will(
                new Message(0, "will", 1, false, "bye".getBytes(StandardCharsets.UTF_8), PublishProperties.NONE, ID, 0),
                30);
        QuietConnection connection = QuietConnection.offline();
        Session session = registry.attach(terms(true, 60, will), connection).session();
        SessionRecord connected = stores.sessions().get(ID);
        assertTrue(connected.isConnected());
        assertEquals(will.message(), connected.will(), "the connection's will, for a crash");
        assertEquals(50, connected.maxOfflineMessages());
        session.subscribe(subscription("a/#"), StoreBatch.NONE);
        assertEquals(List.of(subscription("a/#")), stored());

        registry.detach(session, connection, will);
        SessionRecord offline = stores.sessions().get(ID);
        assertEquals(time.clock().millis(), offline.disconnectedAtMillis());
        assertEquals(will.message(), offline.will(), "pending: its delay has not passed");
        time.advance(Duration.ofSeconds(30));
        assertEquals(1, wills.size());
        assertNull(stores.sessions().get(ID).will(), "sent: no longer pending");

        time.advance(Duration.ofSeconds(30));
        assertNull(registry.get(ID));
        assertNull(stores.sessions().get(ID));
        assertEquals(List.of(), stored());
        assertEquals(0, stores.queues().size());
    }

    @Test
    void aPersistentSessionResumedWithExpiryZeroKeepsNothingStored() {
        Session session = registry.attach(terms(true, 60, null), QuietConnection.offline())
                .session();
        session.subscribe(subscription("a/#"), StoreBatch.NONE);
        registry.attach(terms(false, 0, null), QuietConnection.offline());
        assertNull(stores.sessions().get(ID));
        assertEquals(List.of(), stored());
        assertEquals(List.of(subscription("a/#")), session.subscriptions(), "it keeps them while connected");
    }

    /**
     * Issue 15 item 2: a clean session (expiry 0) ends with its connection, so a persistent CONNECT
     * that takes it over starts empty (session present 0) and stores none of it.
     */
    @Test
    void aCleanSessionTakenOverByAPersistentConnectIsNotCarriedIntoTheStore() {
        Session session =
                registry.attach(terms(true, 0, null), QuietConnection.offline()).session();
        session.subscribe(subscription("a/#"), StoreBatch.NONE);
        assertNull(stores.sessions().get(ID), "a clean session writes nothing");
        assertEquals(List.of(), stored());
        SessionRegistry.Attached next = registry.attach(terms(false, 60, null), QuietConnection.offline());
        assertEquals(false, next.sessionPresent());
        assertEquals(List.of(), next.session().subscriptions());
        assertEquals(List.of(), stored());
    }
}
