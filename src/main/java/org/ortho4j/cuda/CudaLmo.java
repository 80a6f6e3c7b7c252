package org.ortho4j.cuda;

import org.ortho4j.Lmo;
import org.ortho4j.MatrixBatch;
import org.ortho4j.spi.Backend;

/**
 * Launcher for {@code kernels/lmo.cu}: exact polar (batched Jacobi for ≤ 128 per side, cuSOLVER or an fp32
 * iteration through {@code backend.newtonSchulz} above that) and the LMOs. SKELETON: implemented with the kernels.
 */
final class CudaLmo {
    private final CudaRuntime rt;
    private final Backend backend;

    CudaLmo(CudaRuntime rt, Backend backend) {
        this.rt = rt;
        this.backend = backend;
    }

    void polar(MatrixBatch g, MatrixBatch out) {
        throw new UnsupportedOperationException("lmo.cu launcher not implemented yet");
    }

    void lmo(Lmo lmo, MatrixBatch d, MatrixBatch out) {
        throw new UnsupportedOperationException("lmo.cu launcher not implemented yet");
    }
}
