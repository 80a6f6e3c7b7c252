package org.ortho4j;

import java.nio.FloatBuffer;
import java.util.Objects;

/**
 * A run of float32 values in memory the caller owns: a range of a {@code float[]}, or a {@link FloatBuffer} (heap or
 * direct, e.g. a framework tensor's buffer) from its position to its limit. ortho4j reads and writes through it
 * without keeping a copy; the span only names the memory, so it is cheap to make one per step.
 *
 * <p>Used for parameters the caller owns ({@link Context#borrowed}, {@link org.ortho4j.optim.Optimizer#step(java.util.List,
 * java.util.List)}). A {@link FloatBuffer}'s position, limit and mark are never changed (absolute bulk access), so
 * the caller's view of it stays as it was; a read-only buffer can be read from but not written to.
 */
public final class HostSpan {
    private final float[] array;
    private final int offset;
    private final FloatBuffer buffer;
    private final int length;

    private HostSpan(float[] array, int offset, FloatBuffer buffer, int length) {
        this.array = array;
        this.offset = offset;
        this.buffer = buffer;
        this.length = length;
    }

    /**
     * All of {@code array}.
     *
     * @param array the values
     * @return a span over the whole array
     */
    public static HostSpan of(float[] array) {
        return of(array, 0, Objects.requireNonNull(array, "array").length);
    }

    /**
     * {@code array[offset .. offset + length)}.
     *
     * @param array  the values
     * @param offset the first element
     * @param length the number of elements
     * @return the span
     * @throws IndexOutOfBoundsException when the range is not inside the array
     */
    public static HostSpan of(float[] array, int offset, int length) {
        Objects.requireNonNull(array, "array");
        Objects.checkFromIndexSize(offset, length, array.length);
        return new HostSpan(array, offset, null, length);
    }

    /**
     * {@code buffer}'s elements from its position to its limit (at the time of this call).
     *
     * @param buffer a heap or direct buffer, in the platform's byte order when it views bytes
     * @return the span
     */
    public static HostSpan of(FloatBuffer buffer) {
        Objects.requireNonNull(buffer, "buffer");
        return new HostSpan(null, buffer.position(), buffer, buffer.remaining());
    }

    /**
     * The number of values.
     *
     * @return the length
     */
    public int length() {
        return length;
    }

    /**
     * Whether the memory can be written to.
     *
     * @return {@code false} for a read-only buffer
     */
    public boolean isWritable() {
        return buffer == null || !buffer.isReadOnly();
    }

    /**
     * Copies {@code len} values starting at {@code from} into {@code dst[dstOffset ..]}.
     *
     * @param from      the first value of this span
     * @param dst       the destination
     * @param dstOffset where in {@code dst}
     * @param len       how many
     */
    public void read(int from, float[] dst, int dstOffset, int len) {
        Objects.checkFromIndexSize(from, len, length);
        if (buffer == null) {
            System.arraycopy(array, offset + from, dst, dstOffset, len);
        } else {
            buffer.get(offset + from, dst, dstOffset, len);
        }
    }

    /**
     * The first value that is NaN or infinite.
     *
     * @return its index in this span, or -1 when every value is finite
     */
    public int firstNonFinite() {
        for (int i = 0; i < length; i++) {
            float v = buffer == null ? array[offset + i] : buffer.get(offset + i);
            if (!Float.isFinite(v)) {
                return i;
            }
        }
        return -1;
    }

    /** The backing array when this span is a {@code float[]} range (then {@link #arrayOffset()} is where), else null. */
    float[] array() {
        return buffer == null ? array : null;
    }

    int arrayOffset() {
        return offset;
    }

    /**
     * Every value, copied to a new array.
     *
     * @return the values
     */
    public float[] toArray() {
        float[] a = new float[length];
        read(0, a, 0, length);
        return a;
    }

    /**
     * Copies {@code src[srcOffset .. srcOffset + len)} into this span from {@code from}.
     *
     * @param from      the first value of this span to overwrite
     * @param src       the values
     * @param srcOffset where in {@code src}
     * @param len       how many
     * @throws java.nio.ReadOnlyBufferException when the span is a read-only buffer
     */
    public void write(int from, float[] src, int srcOffset, int len) {
        Objects.checkFromIndexSize(from, len, length);
        if (buffer == null) {
            System.arraycopy(src, srcOffset, array, offset + from, len);
        } else {
            buffer.put(offset + from, src, srcOffset, len);
        }
    }

    @Override
    public String toString() {
        return "HostSpan[" + length + (buffer == null ? " of float[" + array.length + "] at " + offset
                : " of " + (buffer.isDirect() ? "direct " : "heap ") + "FloatBuffer at " + offset) + "]";
    }
}
