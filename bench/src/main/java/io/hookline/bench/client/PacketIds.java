package io.hookline.bench.client;

/**
 * Outbound packet identifiers in use (1..65535) and how far each QoS 1/2 flow has got.
 * Confined to the owning client's event loop.
 */
final class PacketIds {
    static final byte FREE = 0;
    static final byte AWAIT_PUBACK = 1;
    static final byte AWAIT_PUBREC = 2;
    static final byte AWAIT_PUBCOMP = 3;
    static final byte AWAIT_SUBACK = 4;

    private final byte[] state = new byte[65536];
    private int next = 1;
    private int inUse;

    /** Allocates a free id in the given state, or returns 0 if all 65535 are in use. */
    int allocate(byte newState) {
        if (inUse == 65535) {
            return 0;
        }
        while (state[next] != FREE) {
            next = next == 65535 ? 1 : next + 1;
        }
        int id = next;
        state[id] = newState;
        inUse++;
        next = next == 65535 ? 1 : next + 1;
        return id;
    }

    byte state(int id) {
        return state[id & 0xFFFF];
    }

    void advance(int id, byte newState) {
        state[id] = newState;
    }

    void release(int id) {
        if (state[id] != FREE) {
            state[id] = FREE;
            inUse--;
        }
    }

    int inUse() {
        return inUse;
    }
}
