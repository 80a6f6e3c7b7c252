package org.ortho4j.cuda;

import org.ortho4j.MatrixBatch;
import org.ortho4j.RotationGauge;

/** Launcher for {@code kernels/gauge.cu}. SKELETON: implemented with the kernels. */
final class CudaGauge {
    private final CudaRuntime rt;

    CudaGauge(CudaRuntime rt) {
        this.rt = rt;
    }

    void rotation(RotationGauge gauge, MatrixBatch w1, MatrixBatch w2, MatrixBatch g1, MatrixBatch g2, MatrixBatch h1,
                  MatrixBatch h2) {
        throw new UnsupportedOperationException("gauge.cu launcher not implemented yet");
    }

    void scaling(MatrixBatch w1, MatrixBatch w2, MatrixBatch g1, MatrixBatch g2, MatrixBatch h1, MatrixBatch h2) {
        throw new UnsupportedOperationException("gauge.cu launcher not implemented yet");
    }

    void logitShift(MatrixBatch g, MatrixBatch h) {
        throw new UnsupportedOperationException("gauge.cu launcher not implemented yet");
    }
}
