package org.ortho4j.cpunative;

import static org.bytedeco.openblas.global.openblas_full.CblasColMajor;
import static org.bytedeco.openblas.global.openblas_full.CblasLeft;
import static org.bytedeco.openblas.global.openblas_full.CblasNoTrans;
import static org.bytedeco.openblas.global.openblas_full.CblasRowMajor;
import static org.bytedeco.openblas.global.openblas_full.CblasUpper;
import static org.bytedeco.openblas.global.openblas_full.cblas_saxpy;
import static org.bytedeco.openblas.global.openblas_full.CblasTrans;
import static org.bytedeco.openblas.global.openblas_full.cblas_scopy;
import static org.bytedeco.openblas.global.openblas_full.cblas_somatcopy;
import static org.bytedeco.openblas.global.openblas_full.cblas_sscal;
import static org.bytedeco.openblas.global.openblas_full.cblas_ssymm;
import static org.bytedeco.openblas.global.openblas_full.cblas_ssyrk;

import org.bytedeco.javacpp.FloatPointer;
import org.bytedeco.javacpp.Pointer;
import org.ortho4j.Precision;
import org.ortho4j.Schedule;

/**
 * One worker's Newton–Schulz workspace in native memory, reused across calls (grown when a larger shape comes).
 *
 * <p>Per matrix ({@code m ≤ n} the short and long side): the input is copied once into native memory and scaled,
 * the steps run there, the result is copied out once. No transpose: a tall {@code n × m} row-major G is the wide
 * {@code X} in column-major order, so the same calls run with {@code CblasColMajor}. Per step:
 * <pre>
 *   A  = ρ(X) ρ(X)ᵀ                 ssyrk (upper triangle), mirrored in Java to the full A
 *   B  = b·A + c·ρ(A) ρ(A)ᵀ          ssyrk with beta = b on a native copy of A's upper triangle (ρ(A) is symmetric:
 *                                   ρ(A)ρ(A)ᵀ = ρ(A)·ρ(A))
 *   X' = a·X + ρ(B) ρ(X)             ssymm (upper triangle of ρ(B)) with beta = a on a copy of X; in fp32
 *                                   (ρ the identity) as (B + a·I)·X, one ssymm with beta = 0 and no copy
 * </pre>
 * ρ rounds copies of the operands (tf32/bf16, as the reference: {@code CpuNewtonSchulz}); the unrounded A and X
 * enter {@code b·A} and {@code a·X}. Summation order is OpenBLAS's, not the reference's.
 */
final class NativeNewtonSchulz implements AutoCloseable {
    /**
     * From this side on, an fp32 step completes A in native memory (memset, somatcopy, saxpy: 1.0 ms at 1024² on 2
     * threads) rather than through a Java array (get, mirror, put: 3.3 ms); below, the Java round trip is cheaper than
     * the extra calls.
     */
    static final int NATIVE_MIRROR_MIN = 128;

    private int capX;
    private int capA;
    private FloatPointer x;
    private FloatPointer xn;
    private FloatPointer xr;
    private FloatPointer a;
    private FloatPointer ar;
    private FloatPointer b;
    private FloatPointer br;
    private FloatPointer t;
    private FloatPointer ones;
    private int capOnes;
    private float[] ja = new float[0];
    private float[] jx = new float[0];

    private void ensure(int sizeX, int sizeA) {
        if (sizeX > capX) {
            free(x, xn, xr);
            x = new FloatPointer(sizeX);
            xn = new FloatPointer(sizeX);
            xr = new FloatPointer(sizeX);
            jx = new float[sizeX];
            capX = sizeX;
        }
        if (sizeA > capA) {
            free(a, ar, b, br, t);
            a = new FloatPointer(sizeA);
            ar = new FloatPointer(sizeA);
            b = new FloatPointer(sizeA);
            br = new FloatPointer(sizeA);
            t = new FloatPointer(sizeA);
            ja = new float[sizeA];
            capA = sizeA;
        }
    }

    /**
     * NS of the {@code rows × cols} matrix at {@code g[off..]}, written to {@code out[off..]}.
     *
     * @param inv the normalisation {@code 1/(s‖G‖_F + eps)} (0: the output is {@code 0·G})
     */
    void matrix(float[] g, float[] out, int off, int rows, int cols, float inv, Schedule.Coefficients co,
                Precision precision) {
        int m = Math.min(rows, cols);
        int n = Math.max(rows, cols);
        int size = m * n;
        if (inv == 0f) {
            for (int i = off; i < off + size; i++) {
                out[i] = 0f * g[i]; // the reference's X₀ = 0·G with no step taken
            }
            return;
        }
        ensure(size, m * m);
        boolean wide = rows <= cols;
        int layout = wide ? CblasRowMajor : CblasColMajor;
        int ldx = wide ? n : m;
        x.position(0).put(g, off, size);
        cblas_sscal(size, inv, x, 1); // X₀ = inv·G, one float32 multiply per element
        for (int t = 0; t < co.steps(); t++) {
            step(layout, m, n, ldx, (float) co.a(t), (float) co.b(t), (float) co.c(t), precision, wide);
        }
        x.position(0).get(out, off, size);
    }

    private void step(int layout, int m, int n, int ldx, float ca, float cb, float cc, Precision p, boolean wide) {
        int size = m * n;
        int mm = m * m;
        boolean reduced = p != Precision.FP32;
        FloatPointer xo = x;
        if (reduced) { // Xr = ρ(X)
            x.get(jx, 0, size);
            round(p, jx, size);
            xr.put(jx, 0, size);
            xo = xr;
        }
        // A = Xr Xrᵀ: upper triangle in the layout's sense (row-major: j ≥ i at i·m + j; column-major: at j·m + i)
        FloatPointer ao = a;
        if (!reduced && m >= NATIVE_MIRROR_MIN) {
            // the full A without leaving native memory: the other triangle zeroed, A + Aᵀ, the diagonal halved
            // (exact: x + 0 = x off the diagonal, (d + d)/2 = d on it), so the same bits as mirror()
            Pointer.memset(a.position(0), 0, (long) mm * Float.BYTES);
            cblas_ssyrk(layout, CblasUpper, CblasNoTrans, m, n, 1f, xo, ldx, 0f, a, m);
            cblas_somatcopy(CblasRowMajor, CblasTrans, m, m, 1f, a, m, t, m);
            cblas_saxpy(mm, 1f, t, 1, a, 1);
            cblas_sscal(m, 0.5f, a, m + 1);
            cblas_scopy(mm, a, 1, b, 1); // b·A
        } else {
            cblas_ssyrk(layout, CblasUpper, CblasNoTrans, m, n, 1f, xo, ldx, 0f, a, m);
            cblas_scopy(mm, a, 1, b, 1); // b·A uses the unrounded A; ssyrk reads only C's upper triangle, so no mirror
            a.get(ja, 0, mm);
            mirror(ja, m, wide);         // the next ssyrk reads A as a general matrix
            if (reduced) { // Ar = ρ(A)
                round(p, ja, mm);
                ar.put(ja, 0, mm);
                ao = ar;
            } else {
                a.put(ja, 0, mm);
            }
        }
        // B = b·A + c·Ar·Arᵀ (upper triangle)
        cblas_ssyrk(layout, CblasUpper, CblasNoTrans, m, m, cc, ao, m, cb, b, m);
        if (reduced) { // Br = ρ(B); ssymm reads its upper triangle only
            b.get(ja, 0, mm);
            round(p, ja, mm);
            br.put(ja, 0, mm);
            // X' = a·X + Br·Xr: a·X on the unrounded X
            cblas_scopy(size, x, 1, xn, 1);
            cblas_ssymm(layout, CblasLeft, CblasUpper, m, n, 1f, br, m, xo, ldx, ca, xn, ldx);
        } else {
            // X' = a·X + B·X = (B + a·I)·X: a on B's diagonal, one ssymm with beta = 0 and no copy of X
            if (m > capOnes) {
                free(ones);
                ones = new FloatPointer(m);
                float[] one = new float[m];
                java.util.Arrays.fill(one, 1f);
                ones.put(one, 0, m);
                capOnes = m;
            }
            cblas_saxpy(m, ca, ones, 1, b, m + 1);   // B's diagonal += a, one call (not 2m JNI calls)
            cblas_ssymm(layout, CblasLeft, CblasUpper, m, n, 1f, b, m, x, ldx, 0f, xn, ldx);
        }
        FloatPointer tmp = x;
        x = xn;
        xn = tmp;
    }

    /**
     * Completes a symmetric m × m matrix of which ssyrk wrote the upper triangle: row-major (stored above the
     * diagonal, {@code upperStored}) or column-major (stored below it in the row-major view). Blocked.
     */
    static void mirror(float[] s, int m, boolean upperStored) {
        final int bs = 32;
        for (int ib = 0; ib < m; ib += bs) {
            int ie = Math.min(m, ib + bs);
            for (int jb = ib; jb < m; jb += bs) {
                int je = Math.min(m, jb + bs);
                for (int i = ib; i < ie; i++) {
                    int r = i * m;
                    for (int j = Math.max(jb, i + 1); j < je; j++) {
                        if (upperStored) {
                            s[j * m + i] = s[r + j];
                        } else {
                            s[r + j] = s[j * m + i];
                        }
                    }
                }
            }
        }
    }

    /** In place: x[i] = ρ(x[i]), the reference's operand rounding (ties to even; NaN and ±∞ pass through). */
    static void round(Precision p, float[] x, int len) {
        int keep = p == Precision.TF32 ? 13 : 16; // dropped mantissa bits: tf32 keeps 10, bf16 7
        int half = (1 << (keep - 1)) - 1;
        int mask = -(1 << keep);
        for (int i = 0; i < len; i++) {
            int bits = Float.floatToRawIntBits(x[i]);
            if ((bits & 0x7f800000) != 0x7f800000) {
                bits += half + ((bits >>> keep) & 1);
                x[i] = Float.intBitsToFloat(bits & mask);
            }
        }
    }

    private static void free(FloatPointer... ps) {
        for (FloatPointer p : ps) {
            if (p != null) {
                p.close();
            }
        }
    }

    @Override
    public void close() {
        free(x, xn, xr, a, ar, b, br, t, ones);
        x = xn = xr = a = ar = b = br = t = ones = null;
        capX = capA = capOnes = 0;
    }
}
