package org.ortho4j.cuda;

import org.ortho4j.MatrixBatch;
import org.ortho4j.NonFiniteInputException;
import org.ortho4j.Precision;
import org.ortho4j.Schedule;

/**
 * Launcher for {@code kernels/newton_schulz.cu} (docs/algorithms.md §1.1): {@code X0 = G/(s‖G‖_F + eps)}, then per step
 * {@code A = X Xᵀ, B = b·A + c·A·A, X = a·X + B·X} on the wide orientation.
 *
 * <p>Order of work: the per-matrix norms and non-finite flags first (two launches), the flags read back and
 * {@link NonFiniteInputException} thrown before anything is written; then either the small path (largest side
 * ≤ {@value #SMALL_MAX}: one launch for the whole batch, all steps on chip) or the large path (one scaling
 * launch, then three tensor-core GEMM launches per step: {@code A = X Xᵀ}, {@code B = c·A Aᵀ + b·A},
 * {@code X' = B·X + a·X}; the last one writes {@code out}, transposed back for tall G). Work buffers (fp32
 * {@code X}, {@code X'}, {@code A}, {@code B}) come from the runtime's pool.
 */
final class CudaNewtonSchulz {
    static final String MODULE = "newton_schulz";
    /** Largest side handled by the on-chip kernel. */
    static final int SMALL_MAX = 128;
    private static final int SMALL_THREADS = 256;
    private static final int GEMM_THREADS = 256;
    private static final int TILE = 128;
    private static final int MAX_GRID_Z = 65535;

    private final CudaRuntime rt;

    CudaNewtonSchulz(CudaRuntime rt) {
        this.rt = rt;
    }

    static String suffix(Precision p) {
        switch (p) {
            case BF16:
                return "bf16";
            case TF32:
                return "tf32";
            default:
                return "fp32";
        }
    }

    /** Dynamic shared memory of the small kernel: X (m × (n|1)) and A (m × (m|1)) in fp32. */
    static int smallSharedBytes(int rows, int cols) {
        int m = Math.min(rows, cols);
        int n = Math.max(rows, cols);
        return 4 * (m * (n | 1) + m * (m | 1));
    }

    void run(MatrixBatch g, Schedule.Coefficients co, Precision precision, MatrixBatch out) {
        final int batch = g.batch();
        final int rows = g.rows();
        final int cols = g.cols();
        final long matElems = (long) rows * cols;
        final DevicePointer gp = CudaRuntime.ptr(g);
        final DevicePointer op = CudaRuntime.ptr(out);

        DevicePointer denom = rt.scratch((long) batch * Double.BYTES);
        try {
            normalise(rt, gp, batch, matElems, co.scale(), co.eps(), denom);
            if (Math.max(rows, cols) <= SMALL_MAX) {
                small(gp, op, denom, batch, rows, cols, co, precision);
            } else {
                large(gp, op, denom, batch, rows, cols, co, precision);
            }
            rt.synchronize("newtonSchulz " + g.shape() + " " + precision + " (" + co.source() + ")");
        } finally {
            rt.release(denom);
        }
    }

    /**
     * {@code denom[b] = s·‖G_b‖_F + eps}; throws {@link NonFiniteInputException} for the first non-finite matrix.
     * Shared with the cuBLAS baseline, so both iterations start from the same normalisation.
     */
    static void normalise(CudaRuntime rt, DevicePointer gp, int batch, long matElems, double s, double eps, DevicePointer denom) {
        int chunks = (int) Math.min(1024, Math.max(1, (matElems + 16383) / 16384));
        DevicePointer partial = rt.scratch((long) batch * chunks * Double.BYTES);
        DevicePointer flags = rt.scratch((long) batch * Integer.BYTES);
        try {
            rt.memsetD32(flags, 0, batch, "cuMemsetD32Async(flags)");
            CudaFamilySupport.launch(rt, MODULE, "ns_norm_partial", batch, chunks, 1, 256, 1, 0,
                    gp, matElems, chunks, partial, flags);
            CudaFamilySupport.launch(rt, MODULE, "ns_norm_finalize", (batch + 127) / 128, 1, 1, 128, 1, 0,
                    partial, chunks, batch, s, eps, denom);
            int[] host = new int[batch];
            rt.copyDtoH(host, 0, flags, batch, "newtonSchulz: norm of g");
            for (int b = 0; b < batch; b++) {
                if (host[b] != 0) {
                    throw new NonFiniteInputException("newtonSchulz", "g", b);
                }
            }
        } finally {
            rt.release(flags);
            rt.release(partial);
        }
    }

    private void small(DevicePointer gp, DevicePointer op, DevicePointer denom, int batch, int rows, int cols,
                       Schedule.Coefficients co, Precision precision) {
        int steps = co.steps();
        float[] abc = new float[Math.max(3, 3 * steps)];
        for (int t = 0; t < steps; t++) {
            abc[3 * t] = (float) co.a(t);
            abc[3 * t + 1] = (float) co.b(t);
            abc[3 * t + 2] = (float) co.c(t);
        }
        DevicePointer coef = rt.scratch((long) abc.length * Float.BYTES);
        try {
            rt.copyHtoD(coef, abc, 0, abc.length, "cuMemcpyHtoD(coefficients)");
            String name = "ns_small_" + suffix(precision);
            CudaDriver.Function f = rt.function(MODULE, name);
            int shared = smallSharedBytes(rows, cols);
            if (shared > 48 * 1024) {
                rt.allowDynamicShared(f, name, shared);
            }
            CudaFamilySupport.launch(rt, MODULE, name, batch, 1, 1, SMALL_THREADS, 1, shared,
                    gp, op, denom, coef, steps, rows, cols);
            rt.synchronize("newtonSchulz small path " + name);
        } finally {
            rt.release(coef);
        }
    }

    private void large(DevicePointer gp, DevicePointer op, DevicePointer denom, int batch, int rows, int cols,
                       Schedule.Coefficients co, Precision precision) {
        final boolean tall = rows > cols;
        final int m = Math.min(rows, cols);
        final int n = Math.max(rows, cols);
        final long mn = (long) m * n;
        final long mm = (long) m * m;
        final int steps = co.steps();
        int scaleGrid = (int) Math.min(65535L * 16, (batch * mn + 255) / 256);
        if (steps == 0) { // out = X0 in G's own layout
            CudaFamilySupport.launch(rt, MODULE, "ns_scale", scaleGrid, 1, 1, 256, 1, 0, gp, op, denom, batch, rows, cols, 0);
            return;
        }
        DevicePointer x = rt.scratch(batch * mn * Float.BYTES);
        DevicePointer x2 = null;
        DevicePointer a = null;
        DevicePointer bm = null;
        try {
            x2 = rt.scratch(batch * mn * Float.BYTES);
            a = rt.scratch(batch * mm * Float.BYTES);
            bm = rt.scratch(batch * mm * Float.BYTES);
            // X0 = G / (s‖G‖_F + eps), transposed for tall G
            CudaFamilySupport.launch(rt, MODULE, "ns_scale", scaleGrid, 1, 1, 256, 1, 0, gp, x, denom, batch, rows, cols,
                    tall ? 1 : 0);
            String sfx = suffix(precision);
            String ntName = "ns_gemm_" + sfx + "_nt";
            String nnName = "ns_gemm_" + sfx + "_nn";
            int tm = (m + TILE - 1) / TILE;
            int tn = (n + TILE - 1) / TILE;
            int upper = tm * (tm + 1) / 2;
            DevicePointer cur = x;
            DevicePointer next = x2;
            for (int t = 0; t < steps; t++) {
                boolean last = t == steps - 1;
                for (int z0 = 0; z0 < batch; z0 += MAX_GRID_Z) {
                    int zc = Math.min(MAX_GRID_Z, batch - z0);
                    DevicePointer xc = cur.plus(z0 * mn * Float.BYTES);
                    DevicePointer ac = a.plus(z0 * mm * Float.BYTES);
                    DevicePointer bc = bm.plus(z0 * mm * Float.BYTES);
                    DevicePointer dst = last ? op.plus(z0 * mn * Float.BYTES) : next.plus(z0 * mn * Float.BYTES);
                    // A = X Xᵀ (upper tiles, mirrored)
                    gemm(ntName, upper, zc, xc, xc, null, ac, m, m, n, n, n, m, mn, mn, 0, mm, 1f, 0f, false);
                    // B = c·A Aᵀ + b·A  (A symmetric: A Aᵀ = A·A)
                    gemm(ntName, upper, zc, ac, ac, ac, bc, m, m, m, m, m, m, mm, mm, mm, mm,
                            (float) co.c(t), (float) co.b(t), false);
                    // X' = B·X + a·X  (the last step writes out, transposed back for tall G)
                    gemm(nnName, tm * tn, zc, bc, xc, xc, dst, m, n, m, m, n, n, mm, mn, mn, mn,
                            1f, (float) co.a(t), last && tall);
                }
                DevicePointer tmp = cur;
                cur = next;
                next = tmp;
            }
        } finally {
            rt.release(x);
            if (x2 != null) {
                rt.release(x2);
            }
            if (a != null) {
                rt.release(a);
            }
            if (bm != null) {
                rt.release(bm);
            }
        }
    }

    private void gemm(String name, int gridX, int gridZ, DevicePointer p, DevicePointer q, DevicePointer d,
                      DevicePointer c, int mRows, int nCols, int k, int ldp, int ldq, int ldc, long sp, long sq, long sd,
                      long sc, float alpha, float beta, boolean transC) {
        CudaFamilySupport.launch(rt, MODULE, name, gridX, 1, gridZ, GEMM_THREADS, 1, 0, p, q, d, c, mRows, nCols, k,
                ldp, ldq, ldc, sp, sq, sd, sc, alpha, beta, transC ? 1 : 0);
    }
}
