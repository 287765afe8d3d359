package io.hookline.broker.store.rocks;

import org.rocksdb.RocksDBException;
import org.rocksdb.Status;

/**
 * A store failure with a message meant for the operator. {@link #kind()} tells callers what to
 * do: refuse to start (LOCKED, DAMAGED), answer a publisher "quota exceeded" (NO_SPACE), or
 * report a failed write (IO).
 */
public final class StoreException extends RuntimeException {

    public enum Kind {
        LOCKED,
        DAMAGED,
        NO_SPACE,
        IO,
        CLOSED
    }

    private final Kind kind;

    public StoreException(Kind kind, String message, Throwable cause) {
        super(message, cause);
        this.kind = kind;
    }

    public Kind kind() {
        return kind;
    }

    /** A failed write or sync: NO_SPACE for a full disk, IO otherwise. */
    static StoreException ofWrite(String what, RocksDBException e) {
        Status s = e.getStatus();
        boolean noSpace = (s != null && s.getSubCode() == Status.SubCode.NoSpace)
                || String.valueOf(e.getMessage()).contains("No space left");
        return new StoreException(noSpace ? Kind.NO_SPACE : Kind.IO, what + " failed: " + e.getMessage(), e);
    }
}
