package io.hookline.api.mqtt;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.nio.ByteBuffer;
import java.nio.ReadOnlyBufferException;
import org.junit.jupiter.api.Test;

class BytesTest {
    @Test
    void ofCopiesWhatComesInSoTheCallerMayReuseItsArray() {
        byte[] data = {1, 2, 3};
        Bytes b = Bytes.of(data);
        data[0] = 9;
        assertArrayEquals(new byte[] {1, 2, 3}, b.toArray());
    }

    @Test
    void adoptTakesTheArrayAsItIsAndIsEqualToACopy() {
        byte[] data = {1, 2, 3};
        Bytes adopted = Bytes.adopt(data);
        assertEquals(Bytes.of(new byte[] {1, 2, 3}), adopted);
        assertEquals(Bytes.of(new byte[] {1, 2, 3}).hashCode(), adopted.hashCode());
        assertEquals(3, adopted.size());
        assertSame(Bytes.EMPTY, Bytes.adopt(new byte[0]));
    }

    @Test
    void nothingThatGoesOutCanChangeTheBytesNorAnAdoptedArray() {
        byte[] data = {1, 2, 3};
        Bytes adopted = Bytes.adopt(data);
        byte[] out = adopted.toArray();
        out[0] = 9;
        assertArrayEquals(new byte[] {1, 2, 3}, adopted.toArray());
        assertArrayEquals(new byte[] {1, 2, 3}, data); // the adopted array is untouched by what holders do
        ByteBuffer view = adopted.asReadOnlyBuffer();
        assertThrows(ReadOnlyBufferException.class, () -> view.put(0, (byte) 9));
        assertFalse(view.hasArray(), "a read-only view does not hand out its array");
    }
}
