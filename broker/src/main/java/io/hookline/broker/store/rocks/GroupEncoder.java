package io.hookline.broker.store.rocks;

import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import org.rocksdb.ColumnFamilyHandle;

/**
 * Encodes a group of {@link Writes} as the bytes of one RocksDB {@code WriteBatch}
 * (RocksDB's {@code db/write_batch.cc}: a 12-byte header, sequence 0 and the record count as
 * little-endian fixed-width integers, then one record per operation: a type byte, the column
 * family id as a varint32 unless it is the default family, then the key and, for a put, the
 * value, each as a varint32 length followed by the bytes). {@code new WriteBatch(bytes)} takes
 * them in one JNI call; filling a {@code WriteBatch} through its {@code put}/{@code delete}
 * methods crosses JNI once per operation (pins and copies each array), which cost a quarter of
 * the writer thread's Java time. {@code GroupEncoderTest} checks the bytes against RocksDB's own.
 *
 * <p>Confined to the writer thread.
 */
final class GroupEncoder {

    // record types (RocksDB's ValueType)
    private static final byte DELETION = 0x0;
    private static final byte VALUE = 0x1;
    private static final byte CF_DELETION = 0x4;
    private static final byte CF_VALUE = 0x5;
    private static final byte CF_RANGE_DELETION = 0xE;
    private static final byte RANGE_DELETION = 0xF;

    private static final int HEADER = 12;

    private final Map<Column, Integer> ids = new EnumMap<>(Column.class);

    GroupEncoder(Map<Column, ColumnFamilyHandle> handles) {
        for (Map.Entry<Column, ColumnFamilyHandle> e : handles.entrySet()) {
            ids.put(e.getKey(), e.getValue().getID());
        }
    }

    /** The batch bytes of every operation of {@code writes}, in order, then {@code extra} (may be null). */
    byte[] encode(List<Writes> writes, Writes extra) {
        int size = HEADER;
        int count = 0;
        for (Writes w : writes) {
            size += size(w);
            count += w.size();
        }
        if (extra != null) {
            size += size(extra);
            count += extra.size();
        }
        byte[] out = new byte[size];
        out[8] = (byte) count;
        out[9] = (byte) (count >>> 8);
        out[10] = (byte) (count >>> 16);
        out[11] = (byte) (count >>> 24);
        int pos = HEADER;
        for (Writes w : writes) {
            pos = write(w, out, pos);
        }
        if (extra != null) {
            pos = write(extra, out, pos);
        }
        if (pos != size) {
            throw new IllegalStateException("batch encoding wrote " + pos + " of " + size + " bytes");
        }
        return out;
    }

    private int size(Writes w) {
        int size = 0;
        for (Writes.Op op : w.ops()) {
            if (op == null) {
                continue;
            }
            int id = ids.get(op.column());
            size += 1 + (id == 0 ? 0 : varintSize(id)) + varintSize(op.key().length) + op.key().length;
            byte[] second = op.to() != null ? op.to() : op.value();
            if (second != null) {
                size += varintSize(second.length) + second.length;
            }
        }
        return size;
    }

    private int write(Writes w, byte[] out, int pos) {
        for (Writes.Op op : w.ops()) {
            if (op == null) {
                continue; // a put taken back in its own batch
            }
            int id = ids.get(op.column());
            byte[] second;
            byte type;
            if (op.to() != null) {
                type = id == 0 ? RANGE_DELETION : CF_RANGE_DELETION;
                second = op.to();
            } else if (op.value() == null) {
                type = id == 0 ? DELETION : CF_DELETION;
                second = null;
            } else {
                type = id == 0 ? VALUE : CF_VALUE;
                second = op.value();
            }
            out[pos++] = type;
            if (id != 0) {
                pos = varint(id, out, pos);
            }
            pos = bytes(op.key(), out, pos);
            if (second != null) {
                pos = bytes(second, out, pos);
            }
        }
        return pos;
    }

    private static int bytes(byte[] b, byte[] out, int pos) {
        pos = varint(b.length, out, pos);
        System.arraycopy(b, 0, out, pos, b.length);
        return pos + b.length;
    }

    private static int varint(int v, byte[] out, int pos) {
        while ((v & ~0x7F) != 0) {
            out[pos++] = (byte) ((v & 0x7F) | 0x80);
            v >>>= 7;
        }
        out[pos++] = (byte) v;
        return pos;
    }

    private static int varintSize(int v) {
        int n = 1;
        while ((v & ~0x7F) != 0) {
            n++;
            v >>>= 7;
        }
        return n;
    }
}
