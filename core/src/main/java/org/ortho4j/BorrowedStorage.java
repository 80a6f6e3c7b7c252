package org.ortho4j;

import org.ortho4j.spi.Storage;

/**
 * The memory of a borrowed parameter ({@link Context#borrowed}): none of its own. An optimizer step binds it to the
 * caller's {@link HostSpan} (or to a step's scratch array) for the duration of the step; reads and writes go there.
 * Unbound, every access is refused with the parameter's id.
 */
final class BorrowedStorage implements Storage {
    final String id;
    private final long elements;
    private HostSpan span;

    BorrowedStorage(String id, long elements) {
        this.id = id;
        this.elements = elements;
    }

    @Override
    public long elements() {
        return elements;
    }

    void bind(HostSpan s) {
        span = s;
    }

    HostSpan bound() {
        if (span == null) {
            throw new IllegalStateException("borrowed parameter '" + id + "' is bound to the caller's memory only during an"
                    + " optimizer step (Optimizer.step(weights, grads)); outside it, read the caller's own array");
        }
        return span;
    }

    void read(long from, float[] dst, int dstOffset, int len) {
        bound().read(Math.toIntExact(from), dst, dstOffset, len);
    }

    void write(long from, float[] src, int srcOffset, int len) {
        bound().write(Math.toIntExact(from), src, srcOffset, len);
    }

    @Override
    public void close() {
        span = null;
    }
}
