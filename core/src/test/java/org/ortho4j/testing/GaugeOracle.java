package org.ortho4j.testing;

import org.ejml.data.DMatrixRMaj;
import org.ejml.dense.row.CommonOps_DDRM;
import org.ejml.dense.row.factory.LinearSolverFactory_DDRM;
import org.ejml.interfaces.linsol.LinearSolverDense;
import org.ortho4j.RotationGauge;

/**
 * Brute-force float64 ground truth for the gauge projections (docs/algorithms.md §4), written independently of any
 * backend: the vertical directions at one layer's weights are enumerated as the columns of a dense matrix
 * {@code V} (one column per generator), and the projection is {@code h = g − V V⁺ g} (EJML pseudo-inverse, so
 * dependent or zero directions are fine). An update is the concatenation {@code (g1, g2)} of the two matrices of
 * one layer, flattened row-major.
 */
public final class GaugeOracle {
    private GaugeOracle() {
    }

    /**
     * The rotation gauge's vertical directions at one layer: per K/V group, one generator {@code A} per basis
     * element of {@code so(d)} ({@code E_ij − E_ji}, {@code i < j}) for {@link RotationGauge.Rope#NONE}, or one
     * per RoPE pair ({@code E_k}: {@code A[p0][p1] = −1}, {@code A[p1][p0] = 1}), applied as
     * {@code (A W_Q,q …, A W_K)} for QK and {@code (A W_V, −W_O,q A …)} for VO.
     */
    public static DMatrixRMaj rotationBasis(RotationGauge gauge, float[] w1, int off1, int rows1, int cols1,
                                            float[] w2, int off2, int rows2, int cols2) {
        boolean qk = gauge.pair() == RotationGauge.Pair.QK;
        int heads = gauge.heads();
        int kv = gauge.kvHeads();
        int r = gauge.groupSize();
        int d = qk ? rows1 / heads : rows1 / kv;
        int width = cols1;
        int n1 = rows1 * cols1;
        int n = n1 + rows2 * cols2;
        int perGroup = gauge.rope() == RotationGauge.Rope.NONE ? d * (d - 1) / 2 : d / 2;
        DMatrixRMaj v = new DMatrixRMaj(n, kv * perGroup);
        int col = 0;
        for (int g = 0; g < kv; g++) {
            for (int gen = 0; gen < perGroup; gen++) {
                double[][] a = new double[d][d];
                if (gauge.rope() == RotationGauge.Rope.NONE) {
                    int[] ij = pairIndex(gen, d);
                    a[ij[0]][ij[1]] = 1;
                    a[ij[1]][ij[0]] = -1;
                } else {
                    boolean half = gauge.rope() == RotationGauge.Rope.HALF;
                    int p0 = half ? gen : 2 * gen;
                    int p1 = half ? gen + d / 2 : 2 * gen + 1;
                    a[p0][p1] = -1;
                    a[p1][p0] = 1;
                }
                if (qk) {
                    for (int q = g * r; q < (g + 1) * r; q++) {
                        leftApply(a, w1, off1 + q * d * width, d, width, v, q * d * width, col);
                    }
                    leftApply(a, w2, off2 + g * d * width, d, width, v, n1 + g * d * width, col);
                } else {
                    leftApply(a, w1, off1 + g * d * width, d, width, v, g * d * width, col);
                    for (int q = g * r; q < (g + 1) * r; q++) {
                        // −W_O,q A: W_O is rows2 × cols2 (D × heads·d), block columns [q·d, (q+1)·d)
                        for (int c = 0; c < rows2; c++) {
                            for (int j = 0; j < d; j++) {
                                double s = 0;
                                for (int l = 0; l < d; l++) {
                                    s += w2[off2 + c * cols2 + q * d + l] * a[l][j];
                                }
                                v.set(n1 + c * cols2 + q * d + j, col, -s);
                            }
                        }
                    }
                }
                col++;
            }
        }
        return v;
    }

    private static int[] pairIndex(int gen, int d) {
        int k = 0;
        for (int i = 0; i < d; i++) {
            for (int j = i + 1; j < d; j++) {
                if (k++ == gen) {
                    return new int[] {i, j};
                }
            }
        }
        throw new IllegalArgumentException("generator " + gen + " out of range for d=" + d);
    }

    /** Column {@code col} of {@code v}, rows {@code [at, at + d·width)} ← {@code A · W} (W row-major d × width). */
    private static void leftApply(double[][] a, float[] w, int off, int d, int width, DMatrixRMaj v, int at, int col) {
        for (int i = 0; i < d; i++) {
            for (int c = 0; c < width; c++) {
                double s = 0;
                for (int l = 0; l < d; l++) {
                    s += a[i][l] * w[off + l * width + c];
                }
                v.set(at + i * width + c, col, s);
            }
        }
    }

    /** Scaling gauge: unit i's direction is (row i of W1, −column i of W2); W1 is k × d1, W2 is d2 × k. */
    public static DMatrixRMaj scalingBasis(float[] w1, int off1, int k, int d1, float[] w2, int off2, int d2) {
        int n1 = k * d1;
        DMatrixRMaj v = new DMatrixRMaj(n1 + d2 * k, k);
        for (int i = 0; i < k; i++) {
            for (int c = 0; c < d1; c++) {
                v.set(i * d1 + c, i, w1[off1 + i * d1 + c]);
            }
            for (int row = 0; row < d2; row++) {
                v.set(n1 + row * k + i, i, -w2[off2 + row * k + i]);
            }
        }
        return v;
    }

    /** Logit shift: column j's direction is {@code 1 e_jᵀ} (ones down column j). */
    public static DMatrixRMaj logitBasis(int rows, int cols) {
        DMatrixRMaj v = new DMatrixRMaj(rows * cols, cols);
        for (int i = 0; i < rows; i++) {
            for (int j = 0; j < cols; j++) {
                v.set(i * cols + j, j, 1);
            }
        }
        return v;
    }

    /** {@code g − V V⁺ g} in float64. */
    public static double[] project(DMatrixRMaj v, double[] g) {
        LinearSolverDense<DMatrixRMaj> solver = LinearSolverFactory_DDRM.pseudoInverse(true);
        if (!solver.setA(v.copy())) {
            throw new IllegalStateException("pseudo-inverse failed");
        }
        DMatrixRMaj b = DMatrixRMaj.wrap(g.length, 1, g.clone());
        DMatrixRMaj x = new DMatrixRMaj(v.numCols, 1);
        solver.solve(b, x);
        DMatrixRMaj vx = new DMatrixRMaj(g.length, 1);
        CommonOps_DDRM.mult(v, x, vx);
        double[] h = new double[g.length];
        for (int i = 0; i < h.length; i++) {
            h[i] = g[i] - vx.data[i];
        }
        return h;
    }

    /**
     * {@code max_k |⟨h, v_k⟩| / (‖v_k‖·scale)} over the non-zero columns of {@code v} (0 when there are none);
     * NaN in {@code h} gives +∞.
     */
    public static double worstInnerProduct(DMatrixRMaj v, double[] h, double scale) {
        double worst = 0;
        for (int k = 0; k < v.numCols; k++) {
            double dot = 0;
            double nn = 0;
            for (int i = 0; i < h.length; i++) {
                double x = v.get(i, k);
                dot += x * h[i];
                nn += x * x;
            }
            if (Double.isNaN(dot)) {
                return Double.POSITIVE_INFINITY;
            }
            if (nn > 0) {
                worst = Math.max(worst, Math.abs(dot) / (Math.sqrt(nn) * scale));
            }
        }
        return worst;
    }

    /** The concatenation of {@code a[offA, offA + na)} and {@code b[offB, offB + nb)} in float64. */
    public static double[] concat(float[] a, int offA, int na, float[] b, int offB, int nb) {
        double[] x = new double[na + nb];
        for (int i = 0; i < na; i++) {
            x[i] = a[offA + i];
        }
        for (int i = 0; i < nb; i++) {
            x[na + i] = b[offB + i];
        }
        return x;
    }

    public static double norm(double[] x) {
        double s = 0;
        for (double e : x) {
            s += e * e;
        }
        return Math.sqrt(s);
    }
}
