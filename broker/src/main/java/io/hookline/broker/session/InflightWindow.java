package io.hookline.broker.session;

import java.util.Iterator;
import java.util.NoSuchElementException;

/**
 * Outgoing QoS 1/2 messages in flight, by packet id (1..65535), in the order they were sent
 * (the order a reconnect resends them). An open-addressing table keyed by the packet id itself
 * ({@code id & mask}, linear probing, deletion by backward shift), so lookups need no boxing
 * and no hashing; the send order is a list threaded through the entries. Packet ids are handed
 * out in sequence, so the ids in flight are mostly a short run that sits in its own slots:
 * while no entry is displaced from its own slot, a removal just clears the slot.
 *
 * <p>Not thread-safe: guarded by the owning session.
 */
final class InflightWindow implements Iterable<Inflight> {

    private static final int MIN_SLOTS = 32;

    // shared by every empty window (never written: the first add makes a table of its own), so
    // an idle session carries no table
    private static final Inflight[] NONE = new Inflight[1];

    /**
     * The window of every session with nothing in flight (never added to: a session makes its own
     * at its first add, and goes back to this one when it ends), so an idle session carries none.
     */
    static final InflightWindow EMPTY = new InflightWindow();

    private Inflight[] slots = NONE; // at most half full
    private Inflight head; // oldest sent
    private Inflight tail;
    private int size;
    private int displaced; // entries not in their own slot (id & mask)

    int size() {
        return size;
    }

    boolean isEmpty() {
        return size == 0;
    }

    Inflight get(int packetId) {
        int mask = slots.length - 1;
        for (int i = packetId & mask; ; i = (i + 1) & mask) {
            Inflight e = slots[i];
            if (e == null || e.packetId == packetId) {
                return e;
            }
        }
    }

    boolean contains(int packetId) {
        return get(packetId) != null;
    }

    /** Adds an entry whose packet id is not in flight; it goes last in send order. */
    void add(Inflight entry) {
        if (this == EMPTY) {
            throw new IllegalStateException("the shared empty window is never added to");
        }
        if (2 * (size + 1) > slots.length) {
            resize(Math.max(MIN_SLOTS, slots.length * 2));
        }
        displaced += place(slots, entry);
        entry.prev = tail;
        entry.next = null;
        if (tail == null) {
            head = entry;
        } else {
            tail.next = entry;
        }
        tail = entry;
        size++;
    }

    /** Removes the entry with this packet id; returns it, or null when none is in flight. */
    Inflight remove(int packetId) {
        Inflight e = get(packetId);
        if (e != null) {
            unlink(e);
        }
        return e;
    }

    void clear() {
        slots = NONE;
        head = tail = null;
        size = 0;
        displaced = 0;
    }

    // returns 1 when the entry landed away from its own slot
    private static int place(Inflight[] table, Inflight e) {
        int mask = table.length - 1;
        int home = e.packetId & mask;
        int i = home;
        while (table[i] != null) {
            i = (i + 1) & mask;
        }
        table[i] = e;
        return i == home ? 0 : 1;
    }

    private void resize(int length) {
        Inflight[] table = new Inflight[length];
        int moved = 0;
        for (Inflight e = head; e != null; e = e.next) {
            moved += place(table, e);
        }
        slots = table;
        displaced = moved;
    }

    private void unlink(Inflight e) {
        removeSlot(e);
        if (e.prev == null) {
            head = e.next;
        } else {
            e.prev.next = e.next;
        }
        if (e.next == null) {
            tail = e.prev;
        } else {
            e.next.prev = e.prev;
        }
        e.prev = e.next = null;
        size--;
        if (slots.length > MIN_SLOTS && 8 * size < slots.length) {
            resize(slots.length / 2); // a window that was wide once does not keep its table
        }
    }

    // deletion without tombstones: later entries of the probe run move back into the hole
    private void removeSlot(Inflight e) {
        int mask = slots.length - 1;
        int hole = e.packetId & mask;
        while (slots[hole] != e) {
            hole = (hole + 1) & mask;
        }
        slots[hole] = null;
        if ((e.packetId & mask) != hole) {
            displaced--;
        }
        for (int i = (hole + 1) & mask; displaced > 0 && slots[i] != null; i = (i + 1) & mask) {
            int home = slots[i].packetId & mask;
            // move it when its home is not cyclically within (hole, i]
            if (((i - home) & mask) >= ((i - hole) & mask)) {
                slots[hole] = slots[i];
                slots[i] = null;
                if (home == hole) {
                    displaced--;
                }
                hole = i;
            }
        }
    }

    /** In send order; {@link Iterator#remove()} removes the last entry returned. */
    @Override
    public Iterator<Inflight> iterator() {
        return new Iterator<>() {
            private Inflight next = head;
            private Inflight last;

            @Override
            public boolean hasNext() {
                return next != null;
            }

            @Override
            public Inflight next() {
                if (next == null) {
                    throw new NoSuchElementException();
                }
                last = next;
                next = next.next;
                return last;
            }

            @Override
            public void remove() {
                if (last == null) {
                    throw new IllegalStateException();
                }
                unlink(last);
                last = null;
            }
        };
    }
}
