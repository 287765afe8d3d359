package io.hookline.broker.store.rocks;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * Reads what {@link Encoder} wrote. Every read is bounds-checked: a short or malformed record
 * throws {@link CorruptRecordException} naming what was being read, never an index error or a
 * huge allocation. Not thread-safe: one per record.
 */
final class Decoder {

    private final byte[] buf;
    private int pos;

    Decoder(byte[] buf) {
        this.buf = buf;
    }

    private void need(int n, String what) {
        if (n < 0 || buf.length - pos < n) {
            throw new CorruptRecordException(
                    "record ends inside " + what + " (at byte " + pos + " of " + buf.length + ")");
        }
    }

    int u8(String what) {
        need(1, what);
        return buf[pos++] & 0xFF;
    }

    int u16(String what) {
        need(2, what);
        int value = ((buf[pos] & 0xFF) << 8) | (buf[pos + 1] & 0xFF);
        pos += 2;
        return value;
    }

    long i64(String what) {
        need(8, what);
        long value = 0;
        for (int i = 0; i < 8; i++) {
            value = (value << 8) | (buf[pos++] & 0xFF);
        }
        return value;
    }

    long varlong(String what) {
        long value = 0;
        for (int shift = 0; shift < 70; shift += 7) {
            int b = u8(what);
            value |= (long) (b & 0x7F) << shift;
            if ((b & 0x80) == 0) {
                return value;
            }
        }
        throw new CorruptRecordException("varint longer than ten bytes in " + what);
    }

    /** A count or length that must fit in the rest of the record (one byte per element at least). */
    int length(String what) {
        long n = varlong(what);
        if (n < 0 || n > buf.length - pos) {
            throw new CorruptRecordException(what + " claims " + n + " bytes, " + (buf.length - pos) + " left");
        }
        return (int) n;
    }

    byte[] bytes(String what) {
        int n = length(what);
        byte[] value = Arrays.copyOfRange(buf, pos, pos + n);
        pos += n;
        return value;
    }

    String string(String what) {
        int n = length(what);
        String value = new String(buf, pos, n, StandardCharsets.UTF_8);
        pos += n;
        return value;
    }

    void expectEnd(String what) {
        if (pos != buf.length) {
            throw new CorruptRecordException(what + " has " + (buf.length - pos) + " trailing bytes");
        }
    }
}
