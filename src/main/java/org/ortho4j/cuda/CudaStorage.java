package org.ortho4j.cuda;

import jcuda.driver.CUdeviceptr;
import org.ortho4j.spi.Storage;

/** Float32 elements in device memory from the runtime's pool; {@link #close()} returns the block to the pool. */
final class CudaStorage implements Storage {
    private final CudaBackend backend;
    private final long elements;
    private volatile CUdeviceptr pointer;

    CudaStorage(CudaBackend backend, CUdeviceptr pointer, long elements) {
        this.backend = backend;
        this.pointer = pointer;
        this.elements = elements;
    }

    @Override
    public long elements() {
        return elements;
    }

    CudaBackend backend() {
        return backend;
    }

    CUdeviceptr pointer() {
        CUdeviceptr p = pointer;
        if (p == null) {
            throw new IllegalStateException("cuda storage of " + elements + " floats is closed");
        }
        return p;
    }

    @Override
    public void close() {
        CUdeviceptr p;
        synchronized (this) {
            p = pointer;
            pointer = null;
        }
        if (p != null) {
            backend.free(p);
        }
    }
}
