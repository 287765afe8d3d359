package io.hookline.api.mqtt;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Base64;

/**
 * An immutable sequence of bytes: a payload, a password, correlation or authentication data.
 * Every way out copies or is read-only, and every way in copies but {@link #adopt}, whose caller
 * hands its array over for good: so a plugin can neither see nor cause later changes.
 *
 * <pre>{@code
 * Bytes payload = Bytes.utf8("21.5");
 * String text = input.payload().asUtf8String();
 * }</pre>
 *
 * {@code toString()} never shows the content, so a password cannot leak into a log line.
 */
public final class Bytes {
    /** No bytes. */
    public static final Bytes EMPTY = new Bytes(new byte[0]);

    private final byte[] data;

    private Bytes(byte[] data) {
        this.data = data;
    }

    /** @return a copy of {@code data} */
    public static Bytes of(byte[] data) {
        return data.length == 0 ? EMPTY : new Bytes(data.clone());
    }

    /**
     * Takes {@code data} as it is, without a copy, for a caller that hands the array over and
     * never writes to it again: the broker gives hooks its message payloads this way (they are
     * never changed once received), and a plugin may give a payload it has just built. Writing to
     * the array afterwards would change these bytes for everyone holding them; use {@link
     * #of(byte[])} for an array that is still in use.
     *
     * @return {@code data} as bytes, not copied
     */
    public static Bytes adopt(byte[] data) {
        return data.length == 0 ? EMPTY : new Bytes(data);
    }

    /** @return the remaining bytes of {@code buffer}, copied; the buffer's position is unchanged */
    public static Bytes of(ByteBuffer buffer) {
        byte[] copy = new byte[buffer.remaining()];
        buffer.duplicate().get(copy);
        return copy.length == 0 ? EMPTY : new Bytes(copy);
    }

    /** @return the UTF-8 encoding of {@code text} */
    public static Bytes utf8(String text) {
        return text.isEmpty() ? EMPTY : new Bytes(text.getBytes(StandardCharsets.UTF_8));
    }

    /** @return the bytes that {@code base64} (standard alphabet) encodes */
    public static Bytes fromBase64(String base64) {
        return of(Base64.getDecoder().decode(base64));
    }

    /** @return the number of bytes */
    public int size() {
        return data.length;
    }

    /** @return true when there are no bytes */
    public boolean isEmpty() {
        return data.length == 0;
    }

    /** @return a copy of the bytes */
    public byte[] toArray() {
        return data.clone();
    }

    /** @return a read-only view; cheap, no copy */
    public ByteBuffer asReadOnlyBuffer() {
        return ByteBuffer.wrap(data).asReadOnlyBuffer();
    }

    /** @return the bytes decoded as UTF-8 (malformed input replaced) */
    public String asUtf8String() {
        return new String(data, StandardCharsets.UTF_8);
    }

    /** @return the bytes in standard base64, as webhooks send payloads */
    public String toBase64() {
        return Base64.getEncoder().encodeToString(data);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Bytes other && Arrays.equals(data, other.data);
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(data);
    }

    @Override
    public String toString() {
        return "Bytes[" + data.length + "]";
    }
}
