package org.ortho4j.testing;

import java.util.Random;
import org.ejml.data.DMatrixRMaj;
import org.ejml.dense.row.CommonOps_DDRM;
import org.ejml.dense.row.factory.DecompositionFactory_DDRM;
import org.ejml.interfaces.decomposition.QRDecomposition;
import org.ejml.interfaces.decomposition.SingularValueDecomposition_F64;

/**
 * Seeded random inputs and float64 ground truth (EJML) shared by every test. All matrices are row-major
 * float32 arrays, batches contiguous.
 */
public final class TestMatrices {
    private TestMatrices() {
    }

    /** The seed of every test RNG unless a property test supplies its own. */
    public static final long SEED = 0x0A11CE5EEDL;

    public static Random rng() {
        return new Random(SEED);
    }

    /** i.i.d. standard normal entries. */
    public static float[] gaussian(Random r, int count) {
        float[] a = new float[count];
        for (int i = 0; i < a.length; i++) {
            a[i] = (float) r.nextGaussian();
        }
        return a;
    }

    /** A random {@code n × k} matrix with orthonormal columns ({@code k ≤ n}), float64 row-major. */
    public static DMatrixRMaj orthonormalColumns(Random r, int n, int k) {
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

    /** {@code U diag(sigma) Vᵀ} for random orthonormal U (m × k), V (n × k), {@code k = sigma.length ≤ min(m,n)}. */
    public static float[] withSpectrum(Random r, int m, int n, double[] sigma) {
        int k = sigma.length;
        DMatrixRMaj u = orthonormalColumns(r, m, k);
        DMatrixRMaj v = orthonormalColumns(r, n, k);
        for (int i = 0; i < m; i++) {
            for (int j = 0; j < k; j++) {
                u.set(i, j, u.get(i, j) * sigma[j]);
            }
        }
        DMatrixRMaj g = new DMatrixRMaj(m, n);
        CommonOps_DDRM.multTransB(u, v, g);
        return toFloat(g.data);
    }

    /** Singular values {@code 1/i}, i = 1..min(m,n) (the power-law reference band of docs/algorithms.md §6). */
    public static double[] powerLaw(int m, int n) {
        double[] s = new double[Math.min(m, n)];
        for (int i = 0; i < s.length; i++) {
            s[i] = 1.0 / (i + 1);
        }
        return s;
    }

    /** Singular values spread geometrically over {@code [1/cond, 1]}: well-conditioned for small cond. */
    public static double[] conditioned(int m, int n, double cond) {
        int k = Math.min(m, n);
        double[] s = new double[k];
        for (int i = 0; i < k; i++) {
            s[i] = k == 1 ? 1.0 : Math.pow(cond, -(double) i / (k - 1));
        }
        return s;
    }

    /** Singular values of an {@code m × n} row-major float matrix at {@code offset}, descending, in float64. */
    public static double[] singularValues(float[] a, int offset, int m, int n) {
        SingularValueDecomposition_F64<DMatrixRMaj> svd = DecompositionFactory_DDRM.svd(m, n, false, false, true);
        if (!svd.decompose(toMatrix(a, offset, m, n))) {
            throw new IllegalStateException("SVD failed");
        }
        double[] s = svd.getSingularValues().clone();
        java.util.Arrays.sort(s);
        for (int i = 0, j = s.length - 1; i < j; i++, j--) {
            double t = s[i];
            s[i] = s[j];
            s[j] = t;
        }
        return s;
    }

    /** {@code polar(A) = U Vᵀ} in float64 from EJML's SVD (full-rank input assumed), row-major {@code m × n}. */
    public static double[] polar64(float[] a, int offset, int m, int n) {
        SingularValueDecomposition_F64<DMatrixRMaj> svd = DecompositionFactory_DDRM.svd(m, n, true, true, true);
        if (!svd.decompose(toMatrix(a, offset, m, n))) {
            throw new IllegalStateException("SVD failed");
        }
        DMatrixRMaj u = svd.getU(null, false);
        DMatrixRMaj v = svd.getV(null, false);
        DMatrixRMaj q = new DMatrixRMaj(m, n);
        CommonOps_DDRM.multTransB(u, v, q);
        return q.data;
    }

    public static DMatrixRMaj toMatrix(float[] a, int offset, int m, int n) {
        DMatrixRMaj d = new DMatrixRMaj(m, n);
        for (int i = 0; i < m * n; i++) {
            d.data[i] = a[offset + i];
        }
        return d;
    }

    public static float[] toFloat(double[] d) {
        float[] f = new float[d.length];
        for (int i = 0; i < d.length; i++) {
            f[i] = (float) d[i];
        }
        return f;
    }

    /** {@code ‖a − ref‖_F / ‖ref‖_F} over {@code count} elements; NaN anywhere gives +∞. */
    public static double relError(float[] a, int aOff, double[] ref, int refOff, int count) {
        double num = 0;
        double den = 0;
        for (int i = 0; i < count; i++) {
            double x = a[aOff + i];
            if (!Double.isFinite(x)) {
                return Double.POSITIVE_INFINITY;
            }
            double d = x - ref[refOff + i];
            num += d * d;
            den += ref[refOff + i] * ref[refOff + i];
        }
        return den == 0 ? Math.sqrt(num) : Math.sqrt(num / den);
    }

    public static double relError(float[] a, float[] ref) {
        double[] r = new double[ref.length];
        for (int i = 0; i < r.length; i++) {
            r[i] = ref[i];
        }
        return relError(a, 0, r, 0, a.length);
    }
}
