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

    /**
     * The kind of backend.
     *
     * @return {@link BackendKind#CPU} or {@link BackendKind#CUDA}
     */
    BackendKind kind();

    /**
     * What runs the work.
     *
     * @return a one-line description, e.g. {@code cpu: pure Java, 2 threads, Java 17} or
     *         {@code cuda: NVIDIA H100 80GB HBM3 (sm_90), driver 13.0}
     */
    String description();

    /**
     * Memory for {@code elements} floats, contents undefined.
     *
     * @param elements the number of float32 elements, at least 1
     * @return the memory, owned by this backend
     */
    Storage allocate(long elements);

    /**
     * Copies host floats into backend memory.
     *
     * @param dst       memory of this backend
     * @param dstOffset first element written in {@code dst}
     * @param src       the host values, not modified
     * @param srcOffset first value read from {@code src}
     * @param length    the number of elements
     */
    void write(Storage dst, long dstOffset, float[] src, int srcOffset, int length);

    /**
     * Copies backend memory into host floats.
     *
     * @param src       memory of this backend
     * @param srcOffset first element read from {@code src}
     * @param dst       the host array written
     * @param dstOffset first value written in {@code dst}
     * @param length    the number of elements
     */
    void read(Storage src, long srcOffset, float[] dst, int dstOffset, int length);

    /**
     * Copies between two memories of this backend.
     *
     * @param src       memory of this backend, read
     * @param srcOffset first element read from {@code src}
     * @param dst       memory of this backend, written
     * @param dstOffset first element written in {@code dst}
     * @param length    the number of elements
     */
    void copy(Storage src, long srcOffset, Storage dst, long dstOffset, long length);

    /** Blocks until all work queued so far has finished. */
    void synchronize();

    /**
     * A view of memory the caller owns on this backend's device, for backends with device memory: not freed when
     * closed.
     *
     * @param address  the device address of the first float32
     * @param elements the number of float32 elements there
     * @return the storage
     * @throws UnsupportedOperationException on a backend whose memory is the host's
     */
    default Storage wrapDevice(long address, long elements) {
        throw new UnsupportedOperationException(kind().label() + " backend has no device memory to wrap; use Context.borrowed"
                + " with host memory");
    }

    /**
     * Makes this backend's later work wait for an event of the caller's (a {@code CUevent} handle recorded on the
     * caller's stream), for backends with device memory.
     *
     * @param event the event's handle
     * @throws UnsupportedOperationException on a backend without device streams
     */
    default void waitEvent(long event) {
        throw new UnsupportedOperationException(kind().label() + " backend has no device stream to order");
    }

    /**
     * Records an event of the caller's (a {@code CUevent} handle) after all work queued so far, so the caller's
     * stream can wait for it, for backends with device memory.
     *
     * @param event the event's handle
     * @throws UnsupportedOperationException on a backend without device streams
     */
    default void recordEvent(long event) {
        throw new UnsupportedOperationException(kind().label() + " backend has no device stream to order");
    }

    // ------------------------------------------------------------------ Newton–Schulz (docs/algorithms.md §1)

    /**
     * {@code out = NS(g)} per matrix with the given coefficients (already resolved for this shape). Tall matrices
     * are handled by working on the transpose.
     *
     * @param g            input, not modified (unless it is {@code out})
     * @param coefficients the per-step {@code (a, b, c)}, the normalisation {@code s} and {@code eps}
     * @param precision    the rounding of the products' operands
     * @param out          output, same shape as {@code g}; may be {@code g} itself
     */
    void newtonSchulz(MatrixBatch g, Schedule.Coefficients coefficients, Precision precision, MatrixBatch out);

    // ------------------------------------------------------------------ polar / LMO (§2)

    /**
     * {@code out = polar(g) = U Vᵀ} per matrix, in float64 internally; singular values ≤ tolerance count as zero.
     *
     * @param g   input, not modified (unless it is {@code out})
     * @param out output, same shape as {@code g}; may be {@code g} itself
     */
    void polar(MatrixBatch g, MatrixBatch out);

    /**
     * {@code out = lmo(d)} per matrix (see {@link Lmo}).
     *
     * @param lmo the oracle
     * @param d   input, not modified (unless it is {@code out})
     * @param out output, same shape as {@code d}; may be {@code d} itself
     */
    void lmo(Lmo lmo, MatrixBatch d, MatrixBatch out);

    // ------------------------------------------------------------------ soft-threshold (§3)

    /**
     * Per matrix: {@code ε = quantile(|m|, q) + 1e-9}, {@code outlier = sign(m)·max(|m| − ε, 0)},
     * {@code base = m − outlier = clamp(m, −ε, ε)}. The quantile interpolates linearly between order
     * statistics, as {@code torch.quantile}.
     *
     * @param m        input, not modified
     * @param quantile q, in {@code [0, 1]}
     * @param base     output, same shape as {@code m}
     * @param outlier  output, same shape as {@code m}
     * @return the ε used for each matrix (1e-9 included)
     */
    float[] softThreshold(MatrixBatch m, double quantile, MatrixBatch base, MatrixBatch outlier);

    /**
     * ROOT's fused step: {@code buf ← μ·buf + grad}; {@code M = nesterov ? grad + μ·buf : buf}; then
     * {@link #softThreshold} of {@code M}.
     *
     * @param grad     the gradient, not modified
     * @param buf      the momentum buffer, modified (only after the inputs were found finite)
     * @param momentum μ, in {@code [0, 1)}
     * @param nesterov whether {@code M = grad + μ·buf} (else {@code M = buf})
     * @param quantile q, in {@code [0, 1]}
     * @param base     output, same shape as {@code grad}
     * @param outlier  output, same shape as {@code grad}
     * @return the ε used for each matrix (1e-9 included)
     */
    float[] momentumSoftThreshold(MatrixBatch grad, MatrixBatch buf, double momentum, boolean nesterov,
                                  double quantile, MatrixBatch base, MatrixBatch outlier);

    // ------------------------------------------------------------------ gauge projections (§4)

    /**
     * Projects {@code (g1, g2)} off the rotation orbit of {@code (w1, w2)}; see {@link RotationGauge}.
     *
     * @param gauge the pair, heads, key/value heads and RoPE convention
     * @param w1    {@code W_Q} or {@code W_V}
     * @param w2    {@code W_K} or {@code W_O}
     * @param g1    the update of {@code w1}
     * @param g2    the update of {@code w2}
     * @param h1    output, the shape of {@code w1}
     * @param h2    output, the shape of {@code w2}
     */
    void gaugeRotation(RotationGauge gauge, MatrixBatch w1, MatrixBatch w2, MatrixBatch g1, MatrixBatch g2,
                       MatrixBatch h1, MatrixBatch h2);

    /**
     * Scaling gauge: unit i pairs row i of {@code w1} ({@code k × D1}) with column i of {@code w2}
     * ({@code D2 × k}); {@code α_i = (⟨G1_i,W1_i⟩ − ⟨G2_i,W2_i⟩) / (‖W1_i‖² + ‖W2_i‖²)},
     * {@code H1_i = G1_i − α_i W1_i}, {@code H2_i = G2_i + α_i W2_i}.
     *
     * @param w1 {@code k × D1}
     * @param w2 {@code D2 × k}
     * @param g1 the update of {@code w1}
     * @param g2 the update of {@code w2}
     * @param h1 output, the shape of {@code w1}
     * @param h2 output, the shape of {@code w2}
     */
    void gaugeScaling(MatrixBatch w1, MatrixBatch w2, MatrixBatch g1, MatrixBatch g2, MatrixBatch h1, MatrixBatch h2);

    /**
     * Logit-shift gauge: {@code h = g} minus, from each column, its mean over the rows.
     *
     * @param g the update of the head
     * @param h output, same shape as {@code g}
     */
    void gaugeLogitShift(MatrixBatch g, MatrixBatch h);

    @Override
    void close();
}
