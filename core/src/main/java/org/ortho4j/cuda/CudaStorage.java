package org.ortho4j.cuda;

import org.ortho4j.spi.Storage;

/**
 * Float32 elements in device memory: from the runtime's pool ({@link #close()} returns the block to the pool), or
 * the caller's own memory ({@link CudaBackend#wrapDevice}: {@link #close()} only forgets it).
 */
final class CudaStorage implements Storage {
    private final CudaBackend backend;
    private final long elements;
    private final boolean owned;
    private volatile DevicePointer pointer;

    CudaStorage(CudaBackend backend, DevicePointer pointer, long elements) {
        this(backend, pointer, elements, true);
    }

    CudaStorage(CudaBackend backend, DevicePointer pointer, long elements, boolean owned) {
        this.backend = backend;
        this.pointer = pointer;
        this.elements = elements;
        this.owned = owned;
    }

    /** Whether {@link #close()} frees the memory (false for the caller's memory). */
    boolean owned() {
        return owned;
    }

    @Override
    public long elements() {
        return elements;
    }

    CudaBackend backend() {
        return backend;
    }

    DevicePointer pointer() {
        DevicePointer p = pointer;
        if (p == null) {
            throw new IllegalStateException("cuda storage of " + elements + " floats is closed");
        }
        return p;
    }

    @Override
    public void close() {
        DevicePointer p;
        synchronized (this) {
            p = pointer;
            pointer = null;
        }
        if (p != null && owned) {
            backend.free(p);
        }
    }
}
