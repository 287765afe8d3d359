package io.hookline.bench.load;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.hookline.bench.load.SequenceTracker.Delivery;
import java.util.Map;
import org.HdrHistogram.Histogram;
import org.junit.jupiter.api.Test;

class SequenceTrackerTest {
    private static final long US = 1000;

    private static void feed(SequenceTracker t, int publisher, long... seqs) {
        for (long s : seqs) {
            t.record(publisher, s, 100 * US, s);
        }
    }

    @Test
    void completeInOrderStreamHasNoLossNoDuplicates() {
        SequenceTracker t = new SequenceTracker();
        feed(t, 7, 0, 1, 2, 3, 4);
        Delivery d = t.delivery(Map.of(7, 5L));
        assertEquals(5, d.expected());
        assertEquals(5, d.received());
        assertEquals(0, d.lost());
        assertEquals(0, d.duplicates());
        assertEquals(0, d.reordered());
        assertTrue(d.keepsQos(0));
        assertTrue(d.keepsQos(1));
        assertTrue(d.keepsQos(2));
    }

    @Test
    void missingSequenceNumberIsCountedAsLostAndBreaksQos1And2() {
        SequenceTracker t = new SequenceTracker();
        feed(t, 1, 0, 1, 3, 4);
        Delivery d = t.delivery(Map.of(1, 5L));
        assertEquals(1, d.lost());
        assertEquals(0, d.duplicates());
        assertTrue(d.keepsQos(0), "QoS 0 may lose");
        assertFalse(d.keepsQos(1));
        assertFalse(d.keepsQos(2));
    }

    @Test
    void lostTailIsCountedFromWhatThePublisherSent() {
        SequenceTracker t = new SequenceTracker();
        feed(t, 1, 0, 1, 2);
        assertEquals(2, t.delivery(Map.of(1, 5L)).lost());
    }

    @Test
    void publisherNeverHeardFromLosesEverything() {
        SequenceTracker t = new SequenceTracker();
        feed(t, 1, 0, 1);
        Delivery d = t.delivery(Map.of(1, 2L, 2, 3L));
        assertEquals(5, d.expected());
        assertEquals(3, d.lost());
    }

    @Test
    void repeatedSequenceNumberIsADuplicateAndBreaksQos0And2ButNotQos1() {
        SequenceTracker t = new SequenceTracker();
        feed(t, 1, 0, 1, 1, 2);
        Delivery d = t.delivery(Map.of(1, 3L));
        assertEquals(4, d.received());
        assertEquals(3, d.unique());
        assertEquals(1, d.duplicates());
        assertEquals(0, d.lost());
        assertFalse(d.keepsQos(0));
        assertTrue(d.keepsQos(1), "QoS 1 may duplicate");
        assertFalse(d.keepsQos(2));
    }

    @Test
    void lateDuplicateAfterHigherSequenceIsBothDuplicateAndReordered() {
        SequenceTracker t = new SequenceTracker();
        feed(t, 1, 0, 1, 2, 3, 1);
        Delivery d = t.delivery(Map.of(1, 4L));
        assertEquals(1, d.duplicates());
        assertEquals(1, d.reordered());
    }

    @Test
    void sameSequenceFromDifferentPublishersIsNotADuplicate() {
        SequenceTracker t = new SequenceTracker();
        feed(t, 1, 0, 1);
        feed(t, 2, 0, 1);
        Delivery d = t.delivery(Map.of(1, 2L, 2, 2L));
        assertEquals(0, d.duplicates());
        assertEquals(0, d.lost());
    }

    @Test
    void outOfOrderArrivalIsReorderedNotLost() {
        SequenceTracker t = new SequenceTracker();
        feed(t, 1, 1, 0, 2);
        Delivery d = t.delivery(Map.of(1, 3L));
        assertEquals(1, d.reordered());
        assertEquals(0, d.lost());
        assertTrue(d.keepsQos(2));
    }

    @Test
    void sequenceBeyondWhatWasSentIsUnexpectedAndFailsEveryQos() {
        SequenceTracker t = new SequenceTracker();
        feed(t, 1, 0, 1, 9);
        Delivery d = t.delivery(Map.of(1, 2L));
        assertEquals(1, d.unexpected());
        assertFalse(d.keepsQos(0));
        assertFalse(d.keepsQos(1));
    }

    @Test
    void foreignPayloadIsInvalid() {
        SequenceTracker t = new SequenceTracker();
        t.recordInvalid();
        Delivery d = t.delivery(Map.of());
        assertEquals(1, d.invalid());
        assertFalse(d.keepsQos(1));
    }

    @Test
    void latencyIsRecordedInMicroseconds() {
        SequenceTracker t = new SequenceTracker();
        for (int i = 0; i < 1000; i++) {
            t.record(1, i, (i + 1) * US, 0);
        }
        Histogram h = SequenceTracker.newHistogram();
        t.addLatencyTo(h);
        assertEquals(1000, h.getTotalCount());
        assertEquals(500, h.getValueAtPercentile(50), 1);
        assertEquals(990, h.getValueAtPercentile(99), 1);
        assertEquals(1000, h.getMaxValue(), 1);
    }

    @Test
    void latencyAboveTheTrackedRangeIsClampedAndCounted() {
        SequenceTracker t = new SequenceTracker();
        t.record(1, 0, (SequenceTracker.MAX_LATENCY_MICROS + 5) * US, 0);
        Delivery d = t.delivery(Map.of(1, 1L));
        assertEquals(1, d.clampedLatencies());
    }

    @Test
    void streamsAddUp() {
        SequenceTracker a = new SequenceTracker();
        SequenceTracker b = new SequenceTracker();
        feed(a, 1, 0, 1, 1);
        feed(b, 1, 0);
        Delivery d = a.delivery(Map.of(1, 2L)).plus(b.delivery(Map.of(1, 2L)));
        assertEquals(4, d.expected());
        assertEquals(4, d.received());
        assertEquals(1, d.duplicates());
        assertEquals(1, d.lost());
    }
}
