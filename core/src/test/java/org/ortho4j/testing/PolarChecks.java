package org.ortho4j.testing;

import java.util.Random;
import org.ejml.data.DMatrixRMaj;
import org.ejml.dense.row.CommonOps_DDRM;
import org.ejml.dense.row.factory.DecompositionFactory_DDRM;
import org.ejml.interfaces.decomposition.EigenDecomposition_F64;

/** Float64 checks of polar factors and LMOs used by the polar and LMO tests (EJML, row-major). */
public final class PolarChecks {
    private PolarChecks() {
    }

    /** Matrix {@code index} of a float batch as a float64 EJML matrix. */
    public static DMatrixRMaj matrix(float[] batch, int index, int m, int n) {
        return TestMatrices.toMatrix(batch, index * m * n, m, n);
    }

    /**
     * An {@code m × n} matrix of exact rank {@code k}: {@code B·C} with small-integer {@code B} ({@code m × k}) and
     * {@code C} ({@code k × n}) whose product is exact in float32, so the rank deficiency survives the rounding
     * to float32 (random float32 matrices built from an SVD with zero singular values have rounding-noise
     * singular values near 1e-8·σ_max, far above the polar zero threshold {@code max(m,n)·2⁻⁵²·σ_max}).
     */
    public static float[] exactRank(Random r, int m, int n, int k) {
        for (int attempt = 0; attempt < 100; attempt++) {
            DMatrixRMaj b = new DMatrixRMaj(m, k);
            DMatrixRMaj c = new DMatrixRMaj(k, n);
            for (int i = 0; i < b.data.length; i++) {
                b.data[i] = r.nextInt(9) - 4;
            }
            for (int i = 0; i < c.data.length; i++) {
                c.data[i] = r.nextInt(9) - 4;
            }
            DMatrixRMaj g = new DMatrixRMaj(m, n);
            CommonOps_DDRM.mult(b, c, g);
            if (numericalRank(g) == k) {
                return TestMatrices.toFloat(g.data);
            }
        }
        throw new IllegalStateException("no rank-" + k + " integer product found");
    }

    /** Rank with the relative threshold {@code 1e-10}. */
    public static int numericalRank(DMatrixRMaj g) {
        double[] s = TestMatrices.singularValues(TestMatrices.toFloat(g.data), 0, g.numRows, g.numCols);
        int r = 0;
        for (double x : s) {
            if (x > 1e-10 * s[0]) {
                r++;
            }
        }
        return r;
    }

    /** {@code ‖a − b‖_F / ‖b‖_F} (or the absolute error when {@code b = 0}). */
    public static double relDiff(DMatrixRMaj a, DMatrixRMaj b) {
        double num = 0;
        double den = 0;
        for (int i = 0; i < a.data.length; i++) {
            double d = a.data[i] - b.data[i];
            num += d * d;
            den += b.data[i] * b.data[i];
        }
        return den == 0 ? Math.sqrt(num) : Math.sqrt(num / den);
    }

    /** {@code ‖Qᵀ Q − I‖_F / sqrt(n)} for tall Q, {@code ‖Q Qᵀ − I‖_F / sqrt(m)} for wide Q. */
    public static double orthonormalityError(DMatrixRMaj q) {
        boolean tall = q.numRows >= q.numCols;
        int k = tall ? q.numCols : q.numRows;
        DMatrixRMaj gram = new DMatrixRMaj(k, k);
        if (tall) {
            CommonOps_DDRM.multTransA(q, q, gram);
        } else {
            CommonOps_DDRM.multTransB(q, q, gram);
        }
        for (int i = 0; i < k; i++) {
            gram.add(i, i, -1.0);
        }
        return normF(gram) / Math.sqrt(k);
    }

    private static DMatrixRMaj elementSquares(DMatrixRMaj a) {
        DMatrixRMaj s = new DMatrixRMaj(a.numRows, a.numCols);
        CommonOps_DDRM.elementMult(a, a, s);
        return s;
    }

    private static double normF(DMatrixRMaj a) {
        return Math.sqrt(CommonOps_DDRM.elementSum(elementSquares(a)));
    }

    /** {@code H = Qᵀ G}: returns {@code [asymmetry, min eigenvalue]} as {@code ‖H−Hᵀ‖_F/‖H‖_F} and {@code λ_min(sym H)/‖H‖_F}. */
    public static double[] qtgSymmetricPsd(DMatrixRMaj q, DMatrixRMaj g) {
        int n = q.numCols;
        DMatrixRMaj h = new DMatrixRMaj(n, n);
        CommonOps_DDRM.multTransA(q, g, h);
        double nh = normF(h);
        if (nh == 0) {
            return new double[] {0, 0};
        }
        DMatrixRMaj ht = CommonOps_DDRM.transpose(h, null);
        DMatrixRMaj diff = new DMatrixRMaj(n, n);
        CommonOps_DDRM.subtract(h, ht, diff);
        double asym = normF(diff) / nh;
        DMatrixRMaj sym = new DMatrixRMaj(n, n);
        CommonOps_DDRM.add(0.5, h, 0.5, ht, sym);
        EigenDecomposition_F64<DMatrixRMaj> eig = DecompositionFactory_DDRM.eig(n, false, true);
        if (!eig.decompose(sym)) {
            throw new IllegalStateException("eig failed");
        }
        double min = Double.POSITIVE_INFINITY;
        for (int i = 0; i < eig.getNumberOfEigenvalues(); i++) {
            min = Math.min(min, eig.getEigenvalue(i).real);
        }
        return new double[] {asym, min / nh};
    }

    /** {@code Q Qᵀ Q}. */
    public static DMatrixRMaj qqtq(DMatrixRMaj q) {
        DMatrixRMaj qqt = new DMatrixRMaj(q.numRows, q.numRows);
        CommonOps_DDRM.multTransB(q, q, qqt);
        DMatrixRMaj r = new DMatrixRMaj(q.numRows, q.numCols);
        CommonOps_DDRM.mult(qqt, q, r);
        return r;
    }

    /** {@code Q Qᵀ G}: the projection of G's columns on Q's range. */
    public static DMatrixRMaj projectOnRange(DMatrixRMaj q, DMatrixRMaj g) {
        DMatrixRMaj qqt = new DMatrixRMaj(q.numRows, q.numRows);
        CommonOps_DDRM.multTransB(q, q, qqt);
        DMatrixRMaj r = new DMatrixRMaj(g.numRows, g.numCols);
        CommonOps_DDRM.mult(qqt, g, r);
        return r;
    }

    /** Frobenius inner product {@code ⟨a, b⟩} in float64. */
    public static double dot(float[] a, int aOff, float[] b, int bOff, int count) {
        double s = 0;
        for (int i = 0; i < count; i++) {
            s += (double) a[aOff + i] * b[bOff + i];
        }
        return s;
    }

    /** Sum of the singular values (nuclear norm) of an {@code m × n} float matrix at {@code offset}. */
    public static double nuclear(float[] a, int offset, int m, int n) {
        double s = 0;
        for (double x : TestMatrices.singularValues(a, offset, m, n)) {
            s += x;
        }
        return s;
    }

    /** Largest singular value. */
    public static double spectral(float[] a, int offset, int m, int n) {
        return TestMatrices.singularValues(a, offset, m, n)[0];
    }

    /** {@code U·G·Vᵀ} for orthogonal {@code U} (m×m), {@code V} (n×n), as float32 (rounded once). */
    public static float[] rotate(DMatrixRMaj u, float[] g, int offset, int m, int n, DMatrixRMaj v) {
        DMatrixRMaj x = TestMatrices.toMatrix(g, offset, m, n);
        DMatrixRMaj ux = new DMatrixRMaj(m, n);
        CommonOps_DDRM.mult(u, x, ux);
        DMatrixRMaj r = new DMatrixRMaj(m, n);
        CommonOps_DDRM.multTransB(ux, v, r);
        return TestMatrices.toFloat(r.data);
    }

    /** {@code U·P·Vᵀ} in float64 for a float64 row-major P. */
    public static double[] rotate64(DMatrixRMaj u, double[] p, int m, int n, DMatrixRMaj v) {
        DMatrixRMaj x = DMatrixRMaj.wrap(m, n, p.clone());
        DMatrixRMaj ux = new DMatrixRMaj(m, n);
        CommonOps_DDRM.mult(u, x, ux);
        DMatrixRMaj r = new DMatrixRMaj(m, n);
        CommonOps_DDRM.multTransB(ux, v, r);
        return r.data;
    }
}
