package io.hookline.broker.overload;

import static io.hookline.broker.testsupport.RawClient.SUBACK;
import static io.hookline.broker.testsupport.RawClient.subscribe;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.hookline.broker.metrics.BrokerMetrics.Counter;
import io.hookline.broker.routing.SubscriptionTrie;
import io.hookline.broker.testsupport.Bystander;
import io.hookline.broker.testsupport.RawClient;
import io.hookline.broker.testsupport.Survival;
import io.hookline.broker.testsupport.TestBroker;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Issue 16 item 2: subscriptions per session are bounded in number (max_subscriptions_per_client)
 * and in what they cost the router (max_subscription_memory), so deep filters cannot grow the heap
 * by a hundred times their size on the wire.
 */
class SubscriptionLimitsTest {

    @ParameterizedTest(name = "MQTT level {0}")
    @ValueSource(ints = {4, 5})
    void subscriptionsBeyondTheCountAreRefusedInTheSuback(int version) {
        try (TestBroker broker = TestBroker.start("max_subscriptions_per_client", "3");
                RawClient c = RawClient.connected(broker, version, "collector")) {
            for (int i = 0; i < 3; i++) {
                c.send(subscribe(version, i + 1, "t/" + i, 1));
                assertEquals(List.of(1), c.expect(SUBACK).codes());
            }
            c.send(subscribe(version, 4, "t/3", 1));
            assertEquals(List.of(version == 5 ? 0x97 : 0x80), c.expect(SUBACK).codes());
            c.send(subscribe(version, 5, "t/0", 0)); // replacing one held is no new subscription
            assertEquals(List.of(0), c.expect(SUBACK).codes());
            assertEquals(3, broker.broker().sessions().get("collector").subscriptionCount());
            assertEquals(1, broker.broker().metrics().get(Counter.LIMIT_SUBSCRIPTIONS));
        }
    }

    @Test
    void deepFiltersAreBoundedByWhatTheyCostTheRouter(@TempDir Path data) throws Exception {
        String deep = "a/".repeat(32_000) + "a"; // 32,001 levels, 64 KB on the wire, ~6.5 MB in the router
        long cost = SubscriptionTrie.subscriptionCost(deep);
        try (TestBroker broker = TestBroker.start(
                        "topic_max_depth", "0", "listener.http.default", "127.0.0.1:0", "data_dir", data.toString());
                Bystander bystander = new Bystander(broker);
                RawClient c = RawClient.connected(broker, 5, "digger")) {
            int granted = 0;
            for (int i = 0; i < 300; i++) {
                c.send(subscribe(5, i + 1, deep + i, 0));
                int code = c.expect(SUBACK).codes().get(0);
                assertTrue(code == 0 || code == 0x97, "SUBACK " + code);
                granted += code == 0 ? 1 : 0;
            }
            long max = 16L * 1024 * 1024;
            assertEquals((int) (max / cost), granted, "filters of ~" + cost + " bytes within 16 MB");
            assertTrue(broker.broker().sessions().get("digger").subscriptionBytes() <= max);
            assertEquals(300 - granted, broker.broker().metrics().get(Counter.LIMIT_SUBSCRIPTION_MEMORY));
            assertEquals(300.0 - granted, Survival.limitHits(broker.httpPort(), "subscription_memory"));
            bystander.assertStillServed();
            Survival.assertHealthy(broker.httpPort());
            // unsubscribing gives the budget back
            c.send(new RawClient.Bytes()
                    .u16(1000)
                    .props(new RawClient.Bytes())
                    .str(deep + 0)
                    .packet(0xA2));
            c.expect(RawClient.UNSUBACK);
            c.send(subscribe(5, 1001, deep + "x", 0));
            assertEquals(List.of(0), c.expect(SUBACK).codes());
        }
    }
}
