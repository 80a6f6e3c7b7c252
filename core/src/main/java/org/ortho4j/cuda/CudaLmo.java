package org.ortho4j.cuda;

import static org.ortho4j.cuda.CudaFamilySupport.MAX_GRID_X;
import static org.ortho4j.cuda.CudaFamilySupport.THREADS;
import static org.ortho4j.cuda.CudaFamilySupport.blocks;
import static org.ortho4j.cuda.CudaFamilySupport.gridYZ;
import static org.ortho4j.cuda.CudaFamilySupport.launch;

import org.ortho4j.Lmo;
import org.ortho4j.MatrixBatch;
import org.ortho4j.Precision;
import org.ortho4j.Ortho4jException;
import org.ortho4j.Schedule;
import org.ortho4j.cpu.CpuBackend;
import org.ortho4j.spi.Backend;

/**
 * Launcher for {@code kernels/lmo.cu}: the exact polar factor and SCION's LMOs (table in {@link Lmo}).
 *
 * <p>Polar, by size ({@code k = min(m,n)}, {@code p = max(m,n)}):
 * <ul>
 * <li>{@code k ≤ 128} and {@code 4·(p·k + k²)} bytes within the device's shared memory (every matrix up to
 *     128 × 128; also e.g. 64 × 512): {@code lmo_polar_jacobi}, one block per matrix, float32 columns with float64
 *     dot products and rotations; ≈ 1e-6 relative error against float64 polar for condition numbers up to 10³
 *     (emulated: 1.2e-6 at 128², cond 10; 4.7e-6 at 64², cond 10³). Singular values ≤ {@code p·2⁻²³·σ_max} count
 *     as zero (float32 noise level; {@code CpuPolar} uses {@code 2⁻⁵²} in float64).</li>
 * <li>larger, when JCusolver loads: {@link CudaSolverPolar} ({@code cusolverDnDgesvdj} per matrix, float64,
 *     threshold {@code max(m,n)·2⁻⁵²·σ_max} as {@code CpuPolar}).</li>
 * <li>larger, without JCusolver (or on a driver other than the native one, e.g. the emulated device): the exact
 *     polar on the host, {@link CpuBackend#hostPolar} (float64 SVD, as the CPU backend), the matrices copied to
 *     the host and back. Slower, but exact: an earlier float32 Newton–Schulz fallback (Polar Express then cubic
 *     steps) left rank-deficient inputs 1e-3 away from a partial isometry, which the emulated polar contract
 *     caught.</li>
 * </ul>
 * Every path checks the input for non-finite values first and writes nothing when it finds one.
 */
final class CudaLmo {
    private static final String MODULE = "lmo";
    private static final int JACOBI_MAX_K = 128;
    private final CudaRuntime rt;
    private final Backend backend;
    private CudaSolverPolar solver;
    private boolean solverTried;
    private int maxShared = -1;

    CudaLmo(CudaRuntime rt, Backend backend) {
        this.rt = rt;
        this.backend = backend;
    }

    void polar(MatrixBatch g, MatrixBatch out) {
        polarScaled("polar", "g", g, out, 1.0f);
    }

    void lmo(Lmo lmo, MatrixBatch d, MatrixBatch out) {
        final String op = "lmo";
        final int m = d.rows();
        final int n = d.cols();
        final int batch = d.batch();
        final boolean input = lmo.layer() == Lmo.Layer.INPUT;
        switch (lmo.norm()) {
            case SPECTRAL: {
                float scale = (float) Lmo.spectralScale(lmo.layer(), m, n);
                if (lmo.schedule() == null) {
                    polarScaled(op, "d", d, out, scale);
                } else {
                    checkFiniteOrThrow(op, "d", d);
                    backend.newtonSchulz(d, lmo.schedule().resolve(m, n), Precision.FP32, out);
                    if (scale != 1.0f) {
                        launch(rt, MODULE, "lmo_scale", blocks(out.elements(), 4, MAX_GRID_X), 1, 1, THREADS, 1, 0,
                                CudaRuntime.ptr(out), out.elements(), scale);
                        rt.synchronize(op);
                    }
                }
                return;
            }
            case SIGN: {
                try (CudaFamilySupport.Flags f = new CudaFamilySupport.Flags(rt, batch)) {
                    CudaFamilySupport.checkFinite(rt, MODULE, "lmo_check_finite", d, f, null);
                    float factor = input ? 1.0f : (float) (1.0 / n);     // sign(d)/n; input layer sign(d)
                    launch(rt, MODULE, "lmo_sign", blocks(d.elements(), 4, MAX_GRID_X), 1, 1, THREADS, 1, 0,
                            CudaRuntime.ptr(d), CudaRuntime.ptr(out), d.elements(), factor, f.any);
                    f.syncAndThrow(op, "d");
                }
                return;
            }
            case COLNORM:
                // column j: d_j / (‖d_j‖₂/sqrt(m)·k + 1e-8), k = n (hidden/output) or 1 (input)
                normalise(op, d, out, 0, (long) batch * n, 1.0, (input ? 1.0 : n) / Math.sqrt(m));
                return;
            case ROWNORM:
                // row i: d_i / (‖d_i‖₂·k + 1e-8), k = sqrt(n) (hidden/output) or 1 (input)
                normalise(op, d, out, 1, (long) batch * m, 1.0, input ? 1.0 : Math.sqrt(n));
                return;
            case BIAS:
                // d / (RMS(d) + 1e-8), RMS = sqrt(Σd²/(m·n))
                normalise(op, d, out, 2, batch, 1.0 / ((double) m * n), 1.0);
                return;
            default:
                throw new IllegalStateException("unknown LMO norm " + lmo.norm());
        }
    }

    /** mode 0: per column, 1: per row, 2: per matrix; f = 1/(sqrt(Σd²·c0)·c1 + 1e-8), out = d·f. */
    private void normalise(String op, MatrixBatch d, MatrixBatch out, int mode, long count, double c0, double c1) {
        final int m = d.rows();
        final int n = d.cols();
        final int batch = d.batch();
        DevicePointer sums = rt.scratch(count * Double.BYTES);
        try (CudaFamilySupport.Flags f = new CudaFamilySupport.Flags(rt, batch)) {
            CudaFamilySupport.zero(rt, sums, count * Double.BYTES);
            DevicePointer dp = CudaRuntime.ptr(d);
            if (mode == 0) {
                int colTiles = (n + 31) / 32;
                int rowChunks = (int) Math.max(1, Math.min((m + 255) / 256, 1024 / Math.max(1, (long) colTiles * Math.min(batch, 64))));
                launch(rt, MODULE, "lmo_col_sumsq", colTiles * rowChunks, gridYZ(batch), 1, 32, 8, 0,
                        dp, sums, m, n, batch, rowChunks, f.flags, f.any);
            } else if (mode == 1) {
                long rows = (long) batch * m;
                int gx = (int) Math.max(1, Math.min(MAX_GRID_X, (rows + 7) / 8));
                launch(rt, MODULE, "lmo_row_sumsq", gx, 1, 1, THREADS, 1, 0, dp, sums, rows, m, n, f.flags, f.any);
            } else {
                long per = d.matrixElements();
                int gx = blocks(per, 8, Math.max(1, 4096 / Math.min(batch, 4096)));
                launch(rt, MODULE, "lmo_mat_sumsq", gx, gridYZ(batch), 1, THREADS, 1, 0, dp, sums, per, batch, f.flags, f.any);
            }
            launch(rt, MODULE, "lmo_factors", blocks(count, 1, MAX_GRID_X), 1, 1, THREADS, 1, 0, sums, count, c0, c1);
            launch(rt, MODULE, "lmo_apply_factor", blocks(d.elements(), 4, MAX_GRID_X), 1, 1, THREADS, 1, 0,
                    dp, CudaRuntime.ptr(out), sums, m, n, d.elements(), mode, f.any);
            f.syncAndThrow(op, "d");
        } finally {
            rt.release(sums);
        }
    }

    private void checkFiniteOrThrow(String op, String arg, MatrixBatch x) {
        try (CudaFamilySupport.Flags f = new CudaFamilySupport.Flags(rt, x.batch())) {
            CudaFamilySupport.checkFinite(rt, MODULE, "lmo_check_finite", x, f, null);
            f.syncAndThrow(op, arg);
        }
    }

    /** {@code out = scale·polar(g)}, out may be g. */
    private void polarScaled(String op, String arg, MatrixBatch g, MatrixBatch out, float scale) {
        final int m = g.rows();
        final int n = g.cols();
        final int k = Math.min(m, n);
        final long p = Math.max(m, n);
        final long shared = 4L * (p * k + (long) k * k);
        if (maxShared < 0) {
            maxShared = CudaFamilySupport.maxSharedOptIn(rt);
        }
        if (k <= JACOBI_MAX_K && shared + 1024 <= maxShared) {   // the opt-in limit covers static shared too
            CudaFamilySupport.allowShared(rt, MODULE, "lmo_polar_jacobi", (int) shared);
            try (CudaFamilySupport.Flags f = new CudaFamilySupport.Flags(rt, g.batch())) {
                CudaFamilySupport.checkFinite(rt, MODULE, "lmo_check_finite", g, f, null);
                launch(rt, MODULE, "lmo_polar_jacobi", (int) Math.min(g.batch(), 1 << 20), 1, 1, 256, 1, (int) shared,
                        CudaRuntime.ptr(g), CudaRuntime.ptr(out), m, n, g.batch(), scale, f.any);
                f.syncAndThrow(op, arg);
            }
            return;
        }
        checkFiniteOrThrow(op, arg, g);
        if (!solverTried) {
            solverTried = true;
            solver = CudaSolverPolar.create(rt);
        }
        if (solver != null) {
            solver.polar(op, g, out, scale);
            return;
        }
        hostPolar(op, g, out, scale);
    }

    /** {@code out = scale·polar(g)} computed on the host in float64 ({@link CpuBackend#hostPolar}); g is finite. */
    private void hostPolar(String op, MatrixBatch g, MatrixBatch out, float scale) {
        long elements = g.elements();
        if (elements > Integer.MAX_VALUE - 8) {
            throw new Ortho4jException(op + ": " + g.shape() + " is too large for the host polar path (no cuSOLVER here): "
                    + elements + " elements; split the batch");
        }
        float[] host = new float[(int) elements];
        rt.copyDtoH(host, 0, CudaRuntime.ptr(g), host.length, op);
        float[] q = new float[host.length];
        CpuBackend.hostPolar(host, q, g.batch(), g.rows(), g.cols());
        if (scale != 1.0f) {
            for (int i = 0; i < q.length; i++) {
                q[i] *= scale;
            }
        }
        rt.copyHtoD(CudaRuntime.ptr(out), q, 0, q.length, "cuMemcpyHtoD(" + op + " result)");
    }
}
