package io.hookline.broker.store.rocks;

/** A stored record that cannot be decoded: damaged bytes or a format this broker does not know. */
public final class CorruptRecordException extends RuntimeException {

    public CorruptRecordException(String message) {
        super(message);
    }
}
