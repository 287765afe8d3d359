package io.hookline.broker.store.rocks;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * A growable byte array for the store's records: varints for lengths and counts, big-endian
 * fixed-width numbers, length-prefixed UTF-8 strings. Not thread-safe: one per record.
 */
final class Encoder {

    private byte[] buf;
    private int size;

    Encoder(int capacity) {
        buf = new byte[Math.max(16, capacity)];
    }

    private void ensure(int more) {
        if (size + more > buf.length) {
            buf = Arrays.copyOf(buf, Math.max(buf.length * 2, size + more));
        }
    }

    Encoder u8(int value) {
        ensure(1);
        buf[size++] = (byte) value;
        return this;
    }

    Encoder u16(int value) {
        ensure(2);
        buf[size++] = (byte) (value >>> 8);
        buf[size++] = (byte) value;
        return this;
    }

    Encoder i64(long value) {
        ensure(8);
        for (int shift = 56; shift >= 0; shift -= 8) {
            buf[size++] = (byte) (value >>> shift);
        }
        return this;
    }

    /** An unsigned LEB128 varint; negative values take ten bytes, as for any long. */
    Encoder varlong(long value) {
        ensure(10);
        while ((value & ~0x7FL) != 0) {
            buf[size++] = (byte) ((value & 0x7F) | 0x80);
            value >>>= 7;
        }
        buf[size++] = (byte) value;
        return this;
    }

    Encoder bytes(byte[] value) {
        varlong(value.length);
        return raw(value);
    }

    Encoder raw(byte[] value) {
        ensure(value.length);
        System.arraycopy(value, 0, buf, size, value.length);
        size += value.length;
        return this;
    }

    Encoder string(String value) {
        return bytes(value.getBytes(StandardCharsets.UTF_8));
    }

    byte[] toByteArray() {
        return Arrays.copyOf(buf, size);
    }
}
