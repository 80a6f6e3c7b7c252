package org.ortho4j.cuda;

import jcuda.Pointer;
import jcuda.driver.CUdeviceptr;
import jcuda.driver.CUfunction;
import jcuda.driver.CUstream;
import org.ortho4j.MatrixBatch;

/**
 * The pieces every CUDA launcher shares: the context's stream, the PTX modules (loaded once from resources,
 * functions cached), launches that check their result, and pooled device scratch memory.
 *
 * <p>SKELETON: the signatures below are the contract between the launcher classes (one per kernel family) and
 * the CUDA backend; the implementation is filled in with the backend.
 */
final class CudaRuntime {

    /** The kernel {@code kernel} ({@code extern "C"} name) of the PTX module {@code module} (e.g. {@code "newton_schulz"}). */
    CUfunction function(String module, String kernel) {
        throw new UnsupportedOperationException("CudaRuntime not implemented yet");
    }

    /** The one stream of this context; every launch and copy goes to it. */
    CUstream stream() {
        throw new UnsupportedOperationException("CudaRuntime not implemented yet");
    }

    /**
     * Launches {@code f} on the stream and checks the launch; errors name the kernel, the grid and block, the
     * device and the CUDA status string.
     *
     * @param params a {@code Pointer.to(Pointer.to(arg0), Pointer.to(arg1), ...)} kernel parameter list
     */
    void launch(CUfunction f, String kernelName, int gridX, int gridY, int gridZ, int blockX, int blockY, int blockZ,
                int sharedBytes, Pointer params) {
        throw new UnsupportedOperationException("CudaRuntime not implemented yet");
    }

    /** Device scratch memory of at least {@code bytes}, from the pool; return it with {@link #release}. */
    CUdeviceptr scratch(long bytes) {
        throw new UnsupportedOperationException("CudaRuntime not implemented yet");
    }

    void release(CUdeviceptr p) {
        throw new UnsupportedOperationException("CudaRuntime not implemented yet");
    }

    /** The device pointer to element 0 of a batch living on this backend. */
    static CUdeviceptr ptr(MatrixBatch m) {
        throw new UnsupportedOperationException("CudaRuntime not implemented yet");
    }

    /** Waits for the stream and reports any asynchronous error with the given operation's name. */
    void synchronize(String operation) {
        throw new UnsupportedOperationException("CudaRuntime not implemented yet");
    }
}
