package io.hookline.broker.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.hookline.broker.metrics.BrokerMetrics;
import java.util.List;
import org.junit.jupiter.api.Test;

class RateHistoryTest {

    @Test
    void eachSampleIsTheRateOfItsOwnInterval() {
        BrokerMetrics m = new BrokerMetrics();
        RateHistory h = new RateHistory(m, 10);
        for (int i = 0; i < 50; i++) {
            m.messageIn(1, 10);
        }
        h.sample();
        h.sample(); // nothing happened in the second interval
        List<RateHistory.Sample> s = h.samples();
        assertTrue(s.size() >= 2);
        assertTrue(s.get(0).messagesIn() > 0, "first interval saw 50 messages");
        assertEquals(0, s.get(1).messagesIn(), "second interval saw none");
        assertEquals(0, s.get(0).messagesOut());
    }

    @Test
    void keepsOnlyTheLastCapacitySamples() {
        BrokerMetrics m = new BrokerMetrics();
        RateHistory h = new RateHistory(m, 3);
        for (int i = 0; i < 10; i++) {
            h.sample();
        }
        List<RateHistory.Sample> s = h.samples();
        assertTrue(s.size() == 3 || s.size() == 4, "3 kept, plus the interval under way if long enough: " + s.size());
        for (int i = 1; i < s.size(); i++) {
            assertTrue(s.get(i).atMillis() >= s.get(i - 1).atMillis(), "oldest first");
        }
    }
}
