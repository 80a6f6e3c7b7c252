package org.ortho4j.cuda;

import static org.ortho4j.cuda.CudaFamilySupport.MAX_GRID_X;
import static org.ortho4j.cuda.CudaFamilySupport.THREADS;
import static org.ortho4j.cuda.CudaFamilySupport.blocks;
import static org.ortho4j.cuda.CudaFamilySupport.gridYZ;
import static org.ortho4j.cuda.CudaFamilySupport.launch;

import org.ortho4j.MatrixBatch;
import org.ortho4j.Ortho4jException;
import org.ortho4j.RotationGauge;

/**
 * Launcher for {@code kernels/gauge.cu}: the rotation gauge of attention heads (RoPE-matched closed form, or the
 * full so(d) projection through a per-group Lyapunov solve), the scaling gauge and the logit shift
 * (docs/algorithms.md §4; layouts in {@link RotationGauge}).
 *
 * <p>Full so(d): {@code gauge_gram} (S and N in double) → {@code gauge_solve} (float Jacobi eigenvectors, double
 * iterative refinement of {@code S A + A S = N − Nᵀ}) → {@code gauge_apply_rows} / {@code gauge_apply_cols}. Head
 * sizes above {@value #MAX_D} are refused with an {@link Ortho4jException} before anything runs.
 *
 * <p>Every input argument is checked for non-finite values first; a flagged batch raises
 * {@link org.ortho4j.NonFiniteInputException} for the first bad argument in the order w1, w2, g1, g2 and its lowest
 * bad matrix (as {@code CpuGauge}), and no output is written.
 */
final class CudaGauge {
    private static final String MODULE = "gauge";
    static final int MAX_D = 128;
    private final CudaRuntime rt;
    private int maxShared = -1;

    CudaGauge(CudaRuntime rt) {
        this.rt = rt;
    }

    void rotation(RotationGauge gauge, MatrixBatch w1, MatrixBatch w2, MatrixBatch g1, MatrixBatch g2, MatrixBatch h1,
                  MatrixBatch h2) {
        final String op = "gaugeRotation";
        final int batch = w1.batch();
        final int heads = gauge.heads();
        final int kv = gauge.kvHeads();
        final boolean qk = gauge.pair() == RotationGauge.Pair.QK;
        final int d = qk ? w1.rows() / heads : w1.rows() / kv;
        final int width = w1.cols();                       // D: Q/K/V width, also W_O's rows
        final boolean rope = gauge.rope() != RotationGauge.Rope.NONE;
        if ((long) heads + kv > MAX_GRID_Y) {
            // gauge_apply_rows / gauge_apply_cols put one head per grid.y index
            throw new Ortho4jException(op + ": " + heads + " query + " + kv + " K/V heads exceed the CUDA grid's y limit of "
                    + MAX_GRID_Y + " (one head per grid row); use the CPU backend");
        }
        if (!rope) {
            if (d > MAX_D) {
                throw new Ortho4jException(op + ": the full so(d) rotation gauge on CUDA supports head sizes d ≤ " + MAX_D
                        + " (the d×d eigen-solve runs in one block's shared memory); got d=" + d + " for " + gauge
                        + ". Use a RoPE-matched gauge or the CPU backend for larger heads.");
            }
            if (maxShared < 0) {
                maxShared = CudaFamilySupport.maxSharedOptIn(rt);
            }
            long need = solveShared(d);
            if (need > maxShared) {
                throw new Ortho4jException(op + ": head size d=" + d + " needs " + need + " bytes of shared memory per block, the device allows "
                        + maxShared);
            }
        }
        try (CudaFamilySupport.Flags f = new CudaFamilySupport.Flags(rt, batch)) {
            checkAll(f, w1, w2, g1, g2);
            if (rope) {
                int half = gauge.rope() == RotationGauge.Rope.HALF ? 1 : 0;
                launch(rt, MODULE, "gauge_rope", kv * (d / 2), gridYZ(batch), 1, THREADS, 1, 0,
                        CudaRuntime.ptr(w1), CudaRuntime.ptr(w2), CudaRuntime.ptr(g1), CudaRuntime.ptr(g2),
                        CudaRuntime.ptr(h1), CudaRuntime.ptr(h2), batch, heads, kv, d, width, half, f.any);
                f.syncAndThrow(op, "w1", "w2", "g1", "g2");
                return;
            }
            fullRotation(f, qk, batch, heads, kv, d, width, w1, w2, g1, g2, h1, h2);
            f.syncAndThrow(op, "w1", "w2", "g1", "g2");
        }
    }

    /** CUDA's limit on gridDim.y. */
    static final int MAX_GRID_Y = 65_535;

    private static long solveShared(int d) {
        int dd = d + (d & 1);
        return 8L * (dd + d) + 8L * d * (d + 1);
    }

    private void fullRotation(CudaFamilySupport.Flags f, boolean qk, int batch, int heads, int kv, int d, int width,
                              MatrixBatch w1, MatrixBatch w2, MatrixBatch g1, MatrixBatch g2, MatrixBatch h1, MatrixBatch h2) {
        final long groups = (long) batch * kv;
        final long dd2 = (long) d * d;
        DevicePointer s = rt.scratch(groups * dd2 * Double.BYTES);
        DevicePointer n = rt.scratch(groups * dd2 * Double.BYTES);
        DevicePointer a = rt.scratch(groups * dd2 * Float.BYTES);
        DevicePointer work = rt.scratch(groups * 2 * dd2 * Double.BYTES);
        try {
            CudaFamilySupport.zero(rt, s, groups * dd2 * Double.BYTES);
            CudaFamilySupport.zero(rt, n, groups * dd2 * Double.BYTES);
            // S, N: tiles² output tiles × chunks of the width × groups
            int tiles = (d + 31) / 32;
            long perGroupBlocks = Math.max(1, 1024 / Math.max(1, groups * tiles * tiles));
            int chunks = (int) Math.max(1, Math.min((width + 255) / 256, perGroupBlocks));
            int chunk = ((width + chunks - 1) / chunks + 31) / 32 * 32;
            chunks = (width + chunk - 1) / chunk;
            launch(rt, MODULE, "gauge_gram", tiles * tiles, chunks, gridYZ(groups), THREADS, 1, 0,
                    CudaRuntime.ptr(w1), CudaRuntime.ptr(g1), CudaRuntime.ptr(w2), CudaRuntime.ptr(g2), qk ? 0 : 1,
                    batch, heads, kv, d, width, chunk, s, n);
            int solveBytes = (int) solveShared(d);
            CudaFamilySupport.allowShared(rt, MODULE, "gauge_solve", solveBytes);
            launch(rt, MODULE, "gauge_solve", (int) Math.min(groups, 1 << 20), 1, 1, THREADS, 1, solveBytes,
                    s, n, a, work, groups, d, f.any);
            int rowBytes = 4 * d * d + 4 * d * 33;
            CudaFamilySupport.allowShared(rt, MODULE, "gauge_apply_rows", rowBytes);
            int xTiles = (width + 31) / 32;
            if (qk) {
                // Q heads (group h / r) then K heads (group h − heads): H = G − A W
                launch(rt, MODULE, "gauge_apply_rows", xTiles, heads + kv, gridYZ(batch), THREADS, 1, rowBytes,
                        a, CudaRuntime.ptr(w1), CudaRuntime.ptr(g1), CudaRuntime.ptr(h1), heads, heads / kv,
                        CudaRuntime.ptr(w2), CudaRuntime.ptr(g2), CudaRuntime.ptr(h2), kv, batch, kv, d, width, f.any);
            } else {
                // V heads: H_V = G_V − A W_V; O heads: H_O = G_O + W_O A
                launch(rt, MODULE, "gauge_apply_rows", xTiles, kv, gridYZ(batch), THREADS, 1, rowBytes,
                        a, CudaRuntime.ptr(w1), CudaRuntime.ptr(g1), CudaRuntime.ptr(h1), kv, 1,
                        null, null, null, 0, batch, kv, d, width, f.any);
                int colBytes = 4 * d * d + 4 * 32 * (d + 1);
                CudaFamilySupport.allowShared(rt, MODULE, "gauge_apply_cols", colBytes);
                launch(rt, MODULE, "gauge_apply_cols", (width + 31) / 32, heads, gridYZ(batch), THREADS, 1, colBytes,
                        a, CudaRuntime.ptr(w2), CudaRuntime.ptr(g2), CudaRuntime.ptr(h2), batch, heads, kv, d, width, f.any);
            }
            rt.synchronize("gaugeRotation");   // scratch is released (and may be reused) only after the kernels ran
        } finally {
            rt.release(work);
            rt.release(a);
            rt.release(n);
            rt.release(s);
        }
    }

    void scaling(MatrixBatch w1, MatrixBatch w2, MatrixBatch g1, MatrixBatch g2, MatrixBatch h1, MatrixBatch h2) {
        final String op = "gaugeScaling";
        final int batch = w1.batch();
        final int k = w1.rows();
        final int d1 = w1.cols();
        final int d2 = w2.rows();
        final long units = (long) batch * k;
        DevicePointer sums = rt.scratch(units * 4 * Double.BYTES);
        try (CudaFamilySupport.Flags f = new CudaFamilySupport.Flags(rt, batch)) {
            CudaFamilySupport.zero(rt, sums, units * 4 * Double.BYTES);
            checkAll(f, w1, w2, g1, g2);
            // ⟨G1_i, W1_i⟩, ‖W1_i‖²: one warp per row
            launch(rt, MODULE, "gauge_scale_rows", (int) Math.max(1, Math.min(MAX_GRID_X, (units + 7) / 8)), 1, 1, THREADS, 1, 0,
                    CudaRuntime.ptr(w1), CudaRuntime.ptr(g1), units, d1, sums);
            // ⟨G2_i, W2_i⟩, ‖W2_i‖²: column tiles × row chunks
            int colTiles = (k + 31) / 32;
            int rowChunks = (int) Math.max(1, Math.min((d2 + 255) / 256, 1024 / Math.max(1, (long) colTiles * Math.min(batch, 64))));
            launch(rt, MODULE, "gauge_scale_cols", colTiles * rowChunks, gridYZ(batch), 1, 32, 8, 0,
                    CudaRuntime.ptr(w2), CudaRuntime.ptr(g2), d2, k, batch, rowChunks, sums);
            long c1 = w1.elements();
            long c2 = w2.elements();
            launch(rt, MODULE, "gauge_scale_apply", blocks(c1 + c2, 4, MAX_GRID_X), 1, 1, THREADS, 1, 0,
                    CudaRuntime.ptr(w1), CudaRuntime.ptr(g1), CudaRuntime.ptr(h1), CudaRuntime.ptr(w2), CudaRuntime.ptr(g2),
                    CudaRuntime.ptr(h2), k, d1, d2, c1, c2, sums, f.any);
            f.syncAndThrow(op, "w1", "w2", "g1", "g2");
        } finally {
            rt.release(sums);
        }
    }

    void logitShift(MatrixBatch g, MatrixBatch h) {
        final String op = "gaugeLogitShift";
        final int batch = g.batch();
        final int rows = g.rows();
        final int cols = g.cols();
        final long count = (long) batch * cols;
        DevicePointer sums = rt.scratch(count * Double.BYTES);
        try (CudaFamilySupport.Flags f = new CudaFamilySupport.Flags(rt, batch)) {
            CudaFamilySupport.zero(rt, sums, count * Double.BYTES);
            int colTiles = (cols + 31) / 32;
            int rowChunks = (int) Math.max(1, Math.min((rows + 255) / 256, 1024 / Math.max(1, (long) colTiles * Math.min(batch, 64))));
            launch(rt, MODULE, "gauge_col_sum", colTiles * rowChunks, gridYZ(batch), 1, 32, 8, 0,
                    CudaRuntime.ptr(g), sums, rows, cols, batch, rowChunks, f.flags, f.any);
            launch(rt, MODULE, "gauge_logit_apply", blocks(g.elements(), 4, MAX_GRID_X), 1, 1, THREADS, 1, 0,
                    CudaRuntime.ptr(g), CudaRuntime.ptr(h), sums, rows, cols, g.elements(), f.any);
            f.syncAndThrow(op, "g");
        } finally {
            rt.release(sums);
        }
    }

    /** Non-finite check of the four inputs, bits 1, 2, 4, 8 in argument order. */
    private void checkAll(CudaFamilySupport.Flags f, MatrixBatch w1, MatrixBatch w2, MatrixBatch g1, MatrixBatch g2) {
        MatrixBatch[] in = {w1, w2, g1, g2};
        for (int i = 0; i < in.length; i++) {
            CudaFamilySupport.checkFinite(rt, MODULE, "gauge_check_finite", in[i], f, 1 << i);
        }
    }
}
