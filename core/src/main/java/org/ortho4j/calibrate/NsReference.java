package org.ortho4j.calibrate;

import java.util.Random;

import org.ejml.data.DMatrixRMaj;
import org.ejml.dense.row.CommonOps_DDRM;
import org.ejml.dense.row.factory.DecompositionFactory_DDRM;
import org.ejml.interfaces.decomposition.QRDecomposition;
import org.ortho4j.Schedule;

/**
 * A plain float32 Newton–Schulz iteration (docs/algorithms.md §1.1, §1.5) for validating schedules in the matrix domain,
 * independent of the backends: {@code X0 = G/(s‖G‖_F + eps)} on the wide orientation, then per step
 * {@code A = X Xᵀ}, {@code B = b·A + c·A·A}, {@code X = a·X + B·X}. With {@code bf16} every product's operands are
 * rounded to bfloat16 (round to nearest even) and accumulated in float32, as a bf16 tensor-core GEMM does.
 * Also builds test matrices {@code G = U diag(σ) Vᵀ} whose polar factor {@code U Vᵀ} is known exactly.
 */
public final class NsReference {
    private NsReference() {
    }

    /** A matrix with a prescribed spectrum and its exact polar factor, both row-major {@code m × n} float64. */
    public static final class Planted {
        /** Rows m. */
        public final int rows;
        /** Columns n. */
        public final int cols;
        /** {@code G = U diag(σ) Vᵀ}, row-major. */
        public final double[] g;
        /** Its exact polar factor {@code U Vᵀ}, row-major. */
        public final double[] polar;

        Planted(int rows, int cols, double[] g, double[] polar) {
            this.rows = rows;
            this.cols = cols;
            this.g = g;
            this.polar = polar;
        }

        /**
         * {@code G} rounded to float32.
         *
         * @return a new array, row-major
         */
        public float[] gFloat() {
            float[] f = new float[g.length];
            for (int i = 0; i < f.length; i++) {
                f[i] = (float) g[i];
            }
            return f;
        }
    }

    /**
     * {@code G = U diag(σ) Vᵀ} with random orthonormal {@code U (m×k)}, {@code V (n×k)}.
     *
     * @param m     rows
     * @param n     columns
     * @param sigma the singular values, {@code k = σ.length = min(m,n)} of them
     * @param r     the source of {@code U} and {@code V}
     * @return {@code G} and its polar factor
     */
    public static Planted planted(int m, int n, double[] sigma, Random r) {
        int k = sigma.length;
        DMatrixRMaj u = orthonormalColumns(m, k, r);
        DMatrixRMaj v = orthonormalColumns(n, k, r);
        DMatrixRMaj p = new DMatrixRMaj(m, n);
        CommonOps_DDRM.multTransB(u, v, p); // polar = U Vᵀ
        for (int i = 0; i < m; i++) {
            for (int j = 0; j < k; j++) {
                u.set(i, j, u.get(i, j) * sigma[j]);
            }
        }
        DMatrixRMaj g = new DMatrixRMaj(m, n);
        CommonOps_DDRM.multTransB(u, v, g); // G = U Σ Vᵀ
        return new Planted(m, n, g.data, p.data);
    }

    static DMatrixRMaj orthonormalColumns(int n, int k, Random r) {
        DMatrixRMaj a = new DMatrixRMaj(n, k);
        for (int i = 0; i < a.data.length; i++) {
            a.data[i] = r.nextGaussian();
        }
        QRDecomposition<DMatrixRMaj> qr = DecompositionFactory_DDRM.qr(n, k);
        if (!qr.decompose(a)) {
            throw new IllegalStateException("QR failed");
        }
        return qr.getQ(null, true);
    }

    /**
     * The relative Frobenius error.
     *
     * @param x   the approximation
     * @param ref the reference, same length, not zero
     * @return {@code ‖x − ref‖_F / ‖ref‖_F}
     */
    public static double relError(float[] x, double[] ref) {
        double num = 0, den = 0;
        for (int i = 0; i < x.length; i++) {
            double d = x[i] - ref[i];
            num += d * d;
            den += ref[i] * ref[i];
        }
        return Math.sqrt(num / den);
    }

    /** bfloat16 rounding (round to nearest, ties to even) of a finite float. */
    static float bf16(float x) {
        int b = Float.floatToRawIntBits(x);
        b += 0x7FFF + ((b >>> 16) & 1);
        return Float.intBitsToFloat(b & 0xFFFF0000);
    }

    /**
     * NS of a row-major {@code m × n} matrix.
     *
     * @param g    the matrix, not modified
     * @param m    rows
     * @param n    columns
     * @param co   the coefficients
     * @param bf16 whether the products' operands are rounded to bfloat16 (else float32 throughout)
     * @return a new array holding {@code NS(g)}
     */
    public static float[] run(float[] g, int m, int n, Schedule.Coefficients co, boolean bf16) {
        boolean tr = m > n;
        int k = Math.min(m, n);
        int w = Math.max(m, n);
        double ss = 0;
        for (float v : g) {
            ss += (double) v * v;
        }
        float inv = (float) (1.0 / (co.scale() * Math.sqrt(ss) + co.eps())); // X0 = G / (s‖G‖_F + eps)
        float[] x = new float[k * w];
        for (int i = 0; i < m; i++) {
            for (int j = 0; j < n; j++) {
                x[tr ? j * w + i : i * w + j] = g[i * n + j] * inv;
            }
        }
        float[] a = new float[k * k];
        float[] aa = new float[k * k];
        float[] bx = new float[k * w];
        for (int t = 0; t < co.steps(); t++) {
            float[] xo = bf16 ? round(x) : x;
            // A = X Xᵀ
            for (int i = 0; i < k; i++) {
                for (int j = 0; j <= i; j++) {
                    float s = 0;
                    for (int l = 0; l < w; l++) {
                        s += xo[i * w + l] * xo[j * w + l];
                    }
                    a[i * k + j] = s;
                    a[j * k + i] = s;
                }
            }
            float[] ao = bf16 ? round(a) : a;
            // AA = A·A
            matmul(ao, ao, aa, k, k, k);
            // B = b·A + c·A·A
            float bt = (float) co.b(t), ct = (float) co.c(t), at = (float) co.a(t);
            for (int i = 0; i < k * k; i++) {
                aa[i] = bt * a[i] + ct * aa[i];
            }
            float[] bo = bf16 ? round(aa) : aa;
            // X = a·X + B·X
            matmul(bo, xo, bx, k, k, w);
            for (int i = 0; i < k * w; i++) {
                x[i] = at * x[i] + bx[i];
            }
        }
        float[] out = new float[m * n];
        for (int i = 0; i < m; i++) {
            for (int j = 0; j < n; j++) {
                out[i * n + j] = x[tr ? j * w + i : i * w + j];
            }
        }
        return out;
    }

    /** {@code c = a·b}, {@code a: p×q}, {@code b: q×r}, float32 accumulation. */
    private static void matmul(float[] a, float[] b, float[] c, int p, int q, int r) {
        java.util.Arrays.fill(c, 0, p * r, 0f);
        for (int i = 0; i < p; i++) {
            for (int l = 0; l < q; l++) {
                float v = a[i * q + l];
                int bo = l * r, co = i * r;
                for (int j = 0; j < r; j++) {
                    c[co + j] += v * b[bo + j];
                }
            }
        }
    }

    private static float[] round(float[] x) {
        float[] y = new float[x.length];
        for (int i = 0; i < x.length; i++) {
            y[i] = bf16(x[i]);
        }
        return y;
    }
}
