package org.ortho4j.cpu;

import java.util.concurrent.ForkJoinPool;
import org.ortho4j.Lmo;
import org.ortho4j.NonFiniteInputException;
import org.ortho4j.Precision;
import org.ortho4j.spi.CpuKernels;

/**
 * SCION's linear minimisation oracles (Pethick et al. 2025, arXiv 2502.07529; LIONS-EPFL/scion {@code scion.py})
 * on each {@code m × n} matrix of a batch, exactly as tabulated in {@link Lmo}, with {@code eps = 1e-8}:
 * <pre>
 * SPECTRAL  out = s·polar(d),                s = sqrt(m/n); input layer max(1, sqrt(m/n))   ({@link Lmo#spectralScale})
 * COLNORM   out_:j = d_:j / (‖d_:j‖₂/sqrt(m)·k + eps),   k = n (hidden, output), 1 (input)
 * ROWNORM   out_i: = d_i: / (‖d_i:‖₂·k + eps),            k = sqrt(n) (hidden, output), 1 (input)
 * SIGN      out = sign(d)/k,                             k = n (hidden, output), 1 (input); sign(0) = 0
 * BIAS      out = d / (RMS(d) + eps),                    RMS(d) = ‖d‖_F / sqrt(m·n) over the whole matrix
 * </pre>
 * Norms, RMS values and quotients are computed in float64 and each result is rounded once to float32. The polar
 * factor is {@link CpuPolar}'s exact one unless the LMO carries a Newton–Schulz schedule, in which case it is
 * {@link CpuNewtonSchulz} in float32, as SCION's reference code does with Muon's. Zero columns, rows and matrices
 * map to zeros. {@code out} may be {@code d}: every norm a row or column needs is taken before it is written.
 */
final class CpuLmo {
    private CpuLmo() {
    }

    /** SCION's {@code eps}. */
    static final double EPS = 1e-8;

    /**
     * {@code out = lmo(d)} for each matrix of the batch.
     *
     * @param d   {@code batch × rows × cols}, row-major; not modified (unless it is {@code out})
     * @param out same shape; modified; may be {@code d}
     * @throws NonFiniteInputException with the lowest batch index holding NaN or ±∞; nothing is written
     */
    static void run(ForkJoinPool pool, CpuKernels kernels, Lmo lmo, float[] d, float[] out, int batch, int rows, int cols) {
        int size = rows * cols;
        int bad = CpuPolar.firstNonFinite(d, batch, size);
        if (bad >= 0) {
            throw new NonFiniteInputException("lmo", "d", bad);
        }
        boolean input = lmo.layer() == Lmo.Layer.INPUT;
        switch (lmo.norm()) {
            case SPECTRAL: {
                if (lmo.schedule() == null) {
                    CpuPolar.run(pool, kernels, d, out, batch, rows, cols);
                } else {
                    CpuNewtonSchulz.run(pool, kernels, d, out, batch, rows, cols, lmo.schedule().resolve(rows, cols), Precision.FP32);
                }
                float s = (float) Lmo.spectralScale(lmo.layer(), rows, cols);
                if (s != 1f) {
                    CpuPolar.parallelFor(pool, batch, b -> scale(out, b * size, size, s));
                }
                break;
            }
            case COLNORM: {
                double k = input ? 1.0 : cols;
                CpuPolar.parallelFor(pool, batch, b -> colNorm(d, out, b * size, rows, cols, k));
                break;
            }
            case ROWNORM: {
                double k = input ? 1.0 : Math.sqrt(cols);
                CpuPolar.parallelFor(pool, batch, b -> rowNorm(d, out, b * size, rows, cols, k));
                break;
            }
            case SIGN: {
                float v = input ? 1f : (float) (1.0 / cols);
                CpuPolar.parallelFor(pool, batch, b -> sign(d, out, b * size, size, v));
                break;
            }
            case BIAS:
                CpuPolar.parallelFor(pool, batch, b -> bias(d, out, b * size, size));
                break;
            default:
                throw new IllegalStateException("unknown LMO norm " + lmo.norm());
        }
    }

    /** {@code x ← s·x} on {@code [off, off+size)}. */
    private static void scale(float[] x, int off, int size, float s) {
        for (int i = off; i < off + size; i++) {
            x[i] *= s;
        }
    }

    /** Column j: {@code d_j / (‖d_j‖₂/sqrt(m)·k + eps)}. */
    private static void colNorm(float[] d, float[] out, int off, int rows, int cols, double k) {
        double[] ss = new double[cols];
        for (int i = 0; i < rows; i++) {
            int ro = off + i * cols;
            for (int j = 0; j < cols; j++) {
                double x = d[ro + j];
                ss[j] += x * x; // ‖d_j‖₂²
            }
        }
        double rootM = Math.sqrt(rows);
        for (int j = 0; j < cols; j++) {
            ss[j] = 1.0 / (Math.sqrt(ss[j]) / rootM * k + EPS); // 1/(‖d_j‖₂/sqrt(m)·k + eps)
        }
        for (int i = 0; i < rows; i++) {
            int ro = off + i * cols;
            for (int j = 0; j < cols; j++) {
                out[ro + j] = (float) (d[ro + j] * ss[j]);
            }
        }
    }

    /** Row i: {@code d_i / (‖d_i‖₂·k + eps)}. */
    private static void rowNorm(float[] d, float[] out, int off, int rows, int cols, double k) {
        for (int i = 0; i < rows; i++) {
            int ro = off + i * cols;
            double ss = 0;
            for (int j = 0; j < cols; j++) {
                double x = d[ro + j];
                ss += x * x; // ‖d_i‖₂²
            }
            double inv = 1.0 / (Math.sqrt(ss) * k + EPS);
            for (int j = 0; j < cols; j++) {
                out[ro + j] = (float) (d[ro + j] * inv);
            }
        }
    }

    /** {@code sign(d)·v} with {@code sign(0) = 0} (also for −0). */
    private static void sign(float[] d, float[] out, int off, int size, float v) {
        for (int i = off; i < off + size; i++) {
            float x = d[i];
            out[i] = x > 0 ? v : x < 0 ? -v : 0f;
        }
    }

    /** {@code d / (RMS(d) + eps)}, {@code RMS(d) = sqrt(Σ d²/(m·n))}. */
    private static void bias(float[] d, float[] out, int off, int size) {
        double ss = 0;
        for (int i = off; i < off + size; i++) {
            double x = d[i];
            ss += x * x;
        }
        double inv = 1.0 / (Math.sqrt(ss / size) + EPS);
        for (int i = off; i < off + size; i++) {
            out[i] = (float) (d[i] * inv);
        }
    }
}
