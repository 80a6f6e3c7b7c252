package org.ortho4j.spi;

import org.ortho4j.BackendKind;
import org.ortho4j.Lmo;
import org.ortho4j.MatrixBatch;
import org.ortho4j.Precision;
import org.ortho4j.RotationGauge;
import org.ortho4j.Schedule;

/**
 * One implementation of every operation. {@link org.ortho4j.Context} validates shapes, closed handles, contexts
 * and aliasing before it calls any of these, so a backend may assume: all batches are open, belong to this
 * backend, have the shapes the operation needs and at least one matrix; outputs do not overlap inputs unless
 * the operation says so. Backends check the values (non-finite input) and report them with
 * {@link org.ortho4j.NonFiniteInputException} before writing anything.
 */
public interface Backend extends AutoCloseable {

    BackendKind kind();

    /** What runs the work, e.g. {@code cpu: 2 threads} or {@code cuda: NVIDIA H100 80GB HBM3 (sm_90), driver 13.0}. */
    String description();

    /** Memory for {@code elements} floats, contents undefined. */
    Storage allocate(long elements);

    void write(Storage dst, long dstOffset, float[] src, int srcOffset, int length);

    void read(Storage src, long srcOffset, float[] dst, int dstOffset, int length);

    void copy(Storage src, long srcOffset, Storage dst, long dstOffset, long length);

    /** Blocks until all work queued so far has finished. */
    void synchronize();

    // ------------------------------------------------------------------ Newton–Schulz (ALGORITHMS.md §1)

    /**
     * {@code out = NS(g)} per matrix with the given coefficients (already resolved for this shape). Tall matrices
     * are handled by working on the transpose. {@code out} may be {@code g} itself.
     */
    void newtonSchulz(MatrixBatch g, Schedule.Coefficients coefficients, Precision precision, MatrixBatch out);

    // ------------------------------------------------------------------ polar / LMO (§3)

    /** {@code out = polar(g) = U Vᵀ} per matrix, in float64 internally; singular values ≤ tolerance count as zero. */
    void polar(MatrixBatch g, MatrixBatch out);

    /** {@code out = lmo(d)} per matrix (see {@link Lmo}); {@code out} may be {@code d} itself. */
    void lmo(Lmo lmo, MatrixBatch d, MatrixBatch out);

    // ------------------------------------------------------------------ soft-threshold (§2)

    /**
     * Per matrix: {@code ε = quantile(|m|, q) + 1e-9}, {@code outlier = sign(m)·max(|m| − ε, 0)},
     * {@code base = m − outlier = clamp(m, −ε, ε)}. The quantile interpolates linearly between order
     * statistics, as {@code torch.quantile}. Returns the ε used for each matrix (1e-9 included).
     */
    float[] softThreshold(MatrixBatch m, double quantile, MatrixBatch base, MatrixBatch outlier);

    /**
     * ROOT's fused step: {@code buf ← μ·buf + grad}; {@code M = nesterov ? grad + μ·buf : buf}; then
     * {@link #softThreshold} of {@code M}. {@code buf} is modified (only after the inputs were found finite).
     */
    float[] momentumSoftThreshold(MatrixBatch grad, MatrixBatch buf, double momentum, boolean nesterov,
                                  double quantile, MatrixBatch base, MatrixBatch outlier);

    // ------------------------------------------------------------------ gauge projections (§4)

    /** Projects {@code (g1, g2)} off the rotation orbit of {@code (w1, w2)}; see {@link RotationGauge}. */
    void gaugeRotation(RotationGauge gauge, MatrixBatch w1, MatrixBatch w2, MatrixBatch g1, MatrixBatch g2,
                       MatrixBatch h1, MatrixBatch h2);

    /**
     * Scaling gauge: unit i pairs row i of {@code w1} ({@code k × D1}) with column i of {@code w2}
     * ({@code D2 × k}); {@code α_i = (⟨G1_i,W1_i⟩ − ⟨G2_i,W2_i⟩) / (‖W1_i‖² + ‖W2_i‖²)},
     * {@code H1_i = G1_i − α_i W1_i}, {@code H2_i = G2_i + α_i W2_i}.
     */
    void gaugeScaling(MatrixBatch w1, MatrixBatch w2, MatrixBatch g1, MatrixBatch g2, MatrixBatch h1, MatrixBatch h2);

    /** Logit-shift gauge: {@code h = g} minus, from each column, its mean over the rows. */
    void gaugeLogitShift(MatrixBatch g, MatrixBatch h);

    @Override
    void close();
}
