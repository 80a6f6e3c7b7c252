package org.ortho4j.cuda;

import static org.ortho4j.cuda.CudaFamilySupport.THREADS;
import static org.ortho4j.cuda.CudaFamilySupport.blocks;
import static org.ortho4j.cuda.CudaFamilySupport.gridYZ;
import static org.ortho4j.cuda.CudaFamilySupport.launch;

import org.ortho4j.MatrixBatch;
import org.ortho4j.Ortho4jException;

/**
 * Launcher for {@code kernels/soft_threshold.cu}: ROOT's outlier split {@code ε = quantile(|M|, q) + 1e-9},
 * {@code base = clamp(M, −ε, ε)}, {@code outlier = M − base}, optionally fused with the momentum update
 * {@code buf ← μ·buf + grad}, {@code M = nesterov ? grad + μ·buf : buf} (docs/algorithms.md §3).
 *
 * <p>The quantile is exact ({@code torch.quantile}'s linear interpolation between the order statistics at
 * {@code ⌊q(n−1)⌋} and {@code ⌈q(n−1)⌉}), found by a 3-digit radix select on the float bits of {@code |M|}:
 * {@code st_init}, then three {@code st_hist}/{@code st_select} pairs (the first also flags non-finite input),
 * then {@code st_write}, which writes nothing when any matrix was flagged. One synchronisation per call.
 * Limits: at most 2³²−1 elements per matrix (32-bit histogram counts).
 */
final class CudaSoftThreshold {
    private static final String MODULE = "soft_threshold";
    private static final int BINS = 2048;
    private static final long STATE_BYTES = 32; // struct StState: 2 prefixes + 2 ranks, 64-bit each
    private final CudaRuntime rt;

    CudaSoftThreshold(CudaRuntime rt) {
        this.rt = rt;
    }

    float[] split(MatrixBatch m, double quantile, MatrixBatch base, MatrixBatch outlier) {
        return run("softThreshold", m, null, 0f, false, quantile, base, outlier);
    }

    float[] momentumSplit(MatrixBatch grad, MatrixBatch buf, double momentum, boolean nesterov, double quantile,
                          MatrixBatch base, MatrixBatch outlier) {
        return run("momentumSoftThreshold", grad, buf, (float) momentum, nesterov, quantile, base, outlier);
    }

    private float[] run(String op, MatrixBatch x, MatrixBatch buf, float mu, boolean nesterov, double q,
                        MatrixBatch base, MatrixBatch outlier) {
        final long n = x.matrixElements();
        final int batch = x.batch();
        if (n > 0xFFFFFFFFL) {
            throw new Ortho4jException(op + ": CUDA soft-threshold supports at most 2^32-1 elements per matrix, got "
                    + x.rows() + "x" + x.cols() + " = " + n);
        }
        // torch.quantile: pos = q·(n−1), k0 = ⌊pos⌋, k1 = ⌈pos⌉, weight pos − k0
        double pos = q * (n - 1);
        long k0 = (long) Math.floor(pos);
        long k1 = Math.min(n - 1, (long) Math.ceil(pos));
        double frac = pos - k0;

        DevicePointer state = rt.scratch(STATE_BYTES * batch);
        DevicePointer hist = null;
        DevicePointer eps = null;
        try (CudaFamilySupport.Flags flags = new CudaFamilySupport.Flags(rt, batch)) {
            hist = rt.scratch(2L * BINS * Integer.BYTES * batch);
            eps = rt.scratch((long) Float.BYTES * batch);
            DevicePointer xp = CudaRuntime.ptr(x);
            DevicePointer bp = buf == null ? null : CudaRuntime.ptr(buf);
            int nest = nesterov ? 1 : 0;
            int gx = blocks(n, 16, Math.max(1, Math.min(1024, 8192 / Math.min(batch, 8192))));
            int gy = gridYZ(batch);

            launch(rt, MODULE, "st_init", (int) Math.min(batch, 1 << 20), 1, 1, THREADS, 1, 0, state, hist, batch, k0, k1);
            for (int pass = 0; pass < 3; pass++) {
                launch(rt, MODULE, "st_hist", gx, gy, 1, THREADS, 1, 0,
                        xp, bp, mu, nest, n, batch, pass, state, hist, flags.flags, flags.any);
                launch(rt, MODULE, "st_select", (int) Math.min(batch, 1 << 20), 1, 1, THREADS, 1, 0,
                        batch, pass, hist, state, frac, eps);
            }
            int wx = blocks(n, 8, Math.max(1, Math.min(1024, 8192 / Math.min(batch, 8192))));
            launch(rt, MODULE, "st_write", wx, gy, 1, THREADS, 1, 0,
                    xp, bp, mu, nest, n, batch, eps, CudaRuntime.ptr(base), CudaRuntime.ptr(outlier), flags.any);

            float[] e = new float[batch];
            rt.copyDtoH(e, 0, eps, batch, op); // sync, then a synchronous copy
            if (buf == null) {
                flags.syncAndThrow(op, "m");
            } else {
                // bit 1: grad, bit 2: buf, bit 4: M = grad + μ·buf overflowed (reported against buf)
                flags.syncAndThrow(op, "grad", "buf", "buf");
            }
            return e;
        } finally {
            if (eps != null) {
                rt.release(eps);
            }
            if (hist != null) {
                rt.release(hist);
            }
            rt.release(state);
        }
    }
}
