package org.ortho4j.cpu;

import org.ortho4j.spi.Storage;

/** A Java array on the heap. */
final class CpuStorage implements Storage {
    final float[] data;

    CpuStorage(float[] data) {
        this.data = data;
    }

    @Override
    public long elements() {
        return data.length;
    }

    @Override
    public void close() {
        // garbage-collected
    }
}
