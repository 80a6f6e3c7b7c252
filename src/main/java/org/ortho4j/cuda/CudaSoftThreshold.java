package org.ortho4j.cuda;

import org.ortho4j.MatrixBatch;

/** Launcher for {@code kernels/soft_threshold.cu}. SKELETON: implemented with the kernels. */
final class CudaSoftThreshold {
    private final CudaRuntime rt;

    CudaSoftThreshold(CudaRuntime rt) {
        this.rt = rt;
    }

    float[] split(MatrixBatch m, double quantile, MatrixBatch base, MatrixBatch outlier) {
        throw new UnsupportedOperationException("soft_threshold.cu launcher not implemented yet");
    }

    float[] momentumSplit(MatrixBatch grad, MatrixBatch buf, double momentum, boolean nesterov, double quantile,
                          MatrixBatch base, MatrixBatch outlier) {
        throw new UnsupportedOperationException("soft_threshold.cu launcher not implemented yet");
    }
}
