package io.hookline.broker.session;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

class InflightWindowTest {

    private static Inflight entry(int id) {
        return new Inflight(id, null, 0);
    }

    private static List<Integer> ids(InflightWindow w) {
        List<Integer> ids = new ArrayList<>();
        w.forEach(e -> ids.add(e.packetId));
        return ids;
    }

    @Test
    void iteratesInSendOrderAcrossIdWrapAndCollidingSlots() {
        InflightWindow w = new InflightWindow();
        for (int id : new int[] {65534, 65535, 1, 2, 33, 65, 1025}) { // 1, 33, 65, 1025 share a home slot of 32
            w.add(entry(id));
        }
        assertEquals(List.of(65534, 65535, 1, 2, 33, 65, 1025), ids(w));
        assertEquals(33, w.get(33).packetId);
        assertNull(w.get(97));
        assertEquals(33, w.remove(33).packetId);
        assertEquals(List.of(65534, 65535, 1, 2, 65, 1025), ids(w));
        assertEquals(6, w.size());
    }

    @Test
    void iteratorRemovesTheEntryItReturned() {
        InflightWindow w = new InflightWindow();
        for (int id = 1; id <= 5; id++) {
            w.add(entry(id));
        }
        for (Iterator<Inflight> it = w.iterator(); it.hasNext(); ) {
            if (it.next().packetId % 2 == 0) {
                it.remove();
            }
        }
        assertEquals(List.of(1, 3, 5), ids(w));
        assertNull(w.get(2));
        w.clear();
        assertTrue(w.isEmpty());
        assertEquals(List.of(), ids(w));
    }

    @Test
    void behavesLikeTheLinkedHashMapItReplaces() {
        Random random = new Random(42);
        InflightWindow w = new InflightWindow();
        LinkedHashMap<Integer, Inflight> model = new LinkedHashMap<>();
        for (int step = 0; step < 200_000; step++) {
            int id = 1 + random.nextInt(random.nextBoolean() ? 200 : 65535);
            if (model.containsKey(id)) {
                assertSame(model.remove(id), w.remove(id));
            } else {
                Inflight e = entry(id);
                model.put(id, e);
                w.add(e);
            }
            assertEquals(model.size(), w.size());
        }
        assertEquals(new ArrayList<>(model.keySet()), ids(w));
    }
}
