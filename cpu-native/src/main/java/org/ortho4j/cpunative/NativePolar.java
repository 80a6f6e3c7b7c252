package org.ortho4j.cpunative;

import static org.bytedeco.openblas.global.openblas_full.CblasColMajor;
import static org.bytedeco.openblas.global.openblas_full.CblasNoTrans;
import static org.bytedeco.openblas.global.openblas_full.LAPACK_COL_MAJOR;
import static org.bytedeco.openblas.global.openblas_full.LAPACKE_dgesdd;
import static org.bytedeco.openblas.global.openblas_full.cblas_dgemm;

import org.bytedeco.javacpp.DoublePointer;
import org.ortho4j.Ortho4jException;

/**
 * One worker's exact-polar workspace in native memory, reused across calls: LAPACK's divide-and-conquer SVD
 * ({@code dgesdd}, economy) in float64, then {@code polar = Σ_{σ_k > thr} u_k v_kᵀ} by one {@code dgemm} over the
 * kept singular triplets, {@code thr = max(m,n)·2⁻⁵²·σ_max} as the reference ({@code CpuPolar}). The row-major
 * {@code rows × cols} G is read as the column-major {@code cols × rows} Gᵀ, whose polar factor is
 * {@code polar(G)ᵀ}: written back column-major, that is {@code polar(G)} row-major, with no transpose.
 * {@code dgesdd} itself reduces a tall matrix by QR first.
 */
final class NativePolar implements AutoCloseable {
    private int capG;
    private int capK;
    private int capVt;
    private DoublePointer a;
    private DoublePointer u;
    private DoublePointer vt;
    private DoublePointer s;
    private DoublePointer q;
    private double[] jd = new double[0];
    private double[] js = new double[0];

    private void ensure(int size, int k, int sizeVt) {
        if (size > capG) {
            free(a, u, q);
            a = new DoublePointer(size);
            u = new DoublePointer(size);
            q = new DoublePointer(size);
            jd = new double[size];
            capG = size;
        }
        if (k > capK) {
            free(s);
            s = new DoublePointer(k);
            js = new double[k];
            capK = k;
        }
        if (sizeVt > capVt) {
            free(vt);
            vt = new DoublePointer(sizeVt);
            capVt = sizeVt;
        }
    }

    /** polar of the rows × cols matrix at g[off..] into out[off..] (out may be g). */
    void matrix(float[] g, float[] out, int off, int rows, int cols) {
        int size = rows * cols;
        int mc = cols; // rows of the column-major Gᵀ
        int nc = rows; // its columns
        int k = Math.min(mc, nc);
        ensure(size, k, k * nc);
        for (int i = 0; i < size; i++) {
            jd[i] = g[off + i];
        }
        a.position(0).put(jd, 0, size);
        // Gᵀ = U Σ Vᵀ: U mc × k (ld mc), Vᵀ k × nc (ld k)
        int info = LAPACKE_dgesdd(LAPACK_COL_MAJOR, (byte) 'S', mc, nc, a, mc, s, u, mc, vt, k);
        if (info != 0) {
            throw new Ortho4jException("polar: LAPACK dgesdd failed on a " + rows + "x" + cols + " matrix (info " + info + ")");
        }
        s.position(0).get(js, 0, k);
        double thr = Math.max(rows, cols) * 0x1p-52 * js[0];
        int kept = 0;
        while (kept < k && js[kept] > thr) {
            kept++; // σ sorted descending
        }
        if (kept == 0) {
            java.util.Arrays.fill(out, off, off + size, 0f);
            return;
        }
        // Q = U[:, :kept] · Vᵀ[:kept, :]  (mc × nc, column-major = polar(G) row-major)
        cblas_dgemm(CblasColMajor, CblasNoTrans, CblasNoTrans, mc, nc, kept, 1.0, u, mc, vt, k, 0.0, q, mc);
        q.position(0).get(jd, 0, size);
        for (int i = 0; i < size; i++) {
            out[off + i] = (float) jd[i];
        }
    }

    private static void free(DoublePointer... ps) {
        for (DoublePointer p : ps) {
            if (p != null) {
                p.close();
            }
        }
    }

    @Override
    public void close() {
        free(a, u, vt, s, q);
        a = u = vt = s = q = null;
        capG = capK = capVt = 0;
    }
}
