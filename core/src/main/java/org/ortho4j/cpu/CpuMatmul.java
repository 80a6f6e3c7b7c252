package org.ortho4j.cpu;

import org.ortho4j.Precision;

/**
 * Cache-blocked float32 matrix products on row-major arrays, written so that HotSpot's C2 auto-vectorises the
 * innermost loop, plus the small helpers around them (transpose, mirror, operand rounding).
 *
 * <p>The product is computed in the "axpy" order {@code C[i][·] += A[i][p]·B[p][·]}: the inner loop runs over
 * contiguous columns j of rows of B and of one row of C. Blocking: a depth {@link #KC} × width {@link #NC} block of
 * B (240 KiB, sized for a 512 KiB L2) is packed once into one array per row and reused by every row of C in the
 * range; each row of C is staged in its own array and updated by six (with FMA; else four) packed rows of B per
 * pass (6 loads of B, one load and one store of C per 6 multiply-adds). All arrays of the inner loop share the index j, which C2 needs to
 * vectorise it; and the one stored array is loaded only at the same index, so no aliasing question arises.
 *
 * <p>Accumulation order: p increasing: {@code c = fma(a_p, b_p, c)} one term at a time when {@link #FMA}, else in
 * groups of four from p = 0, {@code c += a₀b₀ + a₁b₁ + a₂b₂ + a₃b₃} (float32 multiplies and adds, left to right),
 * then single terms for the last {@code k mod 4}. ({@link #KC} is a multiple of 4, so blocking does not move the
 * groups.)
 */
final class CpuMatmul {
    /**
     * Whether the micro-kernels use {@link Math#fma} (one rounding per multiply-add). On when HotSpot reports
     * {@code UseFMA} (the CPU has FMA, so C2 emits vector FMA instructions), since a software {@code fma} is very
     * slow; {@code -Dortho4j.fma=true|false} overrides.
     */
    static final boolean FMA = detectFma();
    /** Depth (p) block ({@code -Dortho4j.kc} overrides; tuning knob). */
    static final int KC = Math.max(4, Integer.getInteger("ortho4j.kc", 120) & ~3); // a multiple of 4 (and of 6)
    /** Width (j) block and staging-row length ({@code -Dortho4j.nc} overrides; tuning knob). */
    static final int NC = Integer.getInteger("ortho4j.nc", 512);

    private CpuMatmul() {
    }

    /**
     * Scratch for {@link #gemm}: {@link #KC} packed rows of B and one staged row of C, each {@link #NC} floats
     * (row {@code KC} is the C row). One per concurrent caller.
     */
    static float[][] newStage() {
        return new float[KC + 1][NC];
    }

    /**
     * {@code C[i][j] = beta·D[i][j] + alpha·Σ_{p<k} A[i][p]·B[p][j]} for rows {@code i ∈ [i0, i1)} and columns
     * {@code j ∈ [j0(i), n)}, where {@code j0(i) = 0}, or when {@code upper} the first row of i's row pair
     * ({@code i0 + ((i − i0) & ~1)}), so the upper triangle (and one element below the diagonal in odd rows of
     * a pair) is computed. {@code d == null} means {@code D = 0}. C must not alias A, B; it may equal D (same
     * offsets and stride). Nothing outside the stated region of C is written.
     *
     * <p>Per block of depth {@link #KC} and width {@link #NC}, the block of B is first copied into the stage
     * (one array per row of B, starting at column 0 of the block), then each row of C is copied into the stage's C
     * row, updated there by six (FMA) or four rows of B per pass, and copied back. Every array of the inner loop is indexed by
     * the same {@code j}: that is what lets C2 vectorise it (with a loop-invariant offset such as
     * {@code b[q + j]} next to {@code s[j]} it does not, on JDK 17 and 25, and runs 5–10× slower).
     *
     * @param a     {@code ? × k} row-major at {@code aOff}, stride {@code lda} (not modified)
     * @param b     {@code k × n} row-major at {@code bOff}, stride {@code ldb} (not modified)
     * @param c     output rows, stride {@code ldc} (modified)
     * @param stage from {@link #newStage()}, not shared between threads
     */
    static void gemm(float alpha, float[] a, int aOff, int lda, float[] b, int bOff, int ldb, int k,
                     float beta, float[] d, int dOff, int ldd, float[] c, int cOff, int ldc,
                     int i0, int i1, int n, boolean upper, float[][] stage) {
        // prologue: C = beta·D (or 0) on the region
        for (int i = i0; i < i1; i++) {
            int js = upper ? i0 + ((i - i0) & ~1) : 0;
            int cr = cOff + i * ldc;
            if (d == null || beta == 0f) {
                java.util.Arrays.fill(c, cr + js, cr + n, 0f);
            } else {
                int dr = dOff + i * ldd;
                for (int j = js; j < n; j++) {
                    c[cr + j] = beta * d[dr + j];
                }
            }
        }
        if (k == 0 || alpha == 0f) {
            return;
        }
        float[] s = stage[KC];
        for (int kb = 0; kb < k; kb += KC) {
            int ke = Math.min(k, kb + KC);
            for (int jb = 0; jb < n; jb += NC) {
                int je = Math.min(n, jb + NC);
                int len = je - jb;
                if (upper && i0 >= je) {
                    continue; // no row of the range reaches this block
                }
                // pack: stage[p − kb][j] = B[p][jb + j]
                for (int p = kb; p < ke; p++) {
                    System.arraycopy(b, bOff + p * ldb + jb, stage[p - kb], 0, len);
                }
                for (int i = i0; i < i1; i++) {
                    int o = upper ? Math.max(0, i0 + ((i - i0) & ~1) - jb) : 0; // first column of row i, block-local
                    if (o >= len) {
                        break; // o grows with i
                    }
                    int cr = cOff + i * ldc + jb;
                    System.arraycopy(c, cr + o, s, o, len - o);
                    // the kernel starts at o rounded down to 8 (measured ~1.5× faster than an unaligned start);
                    // s[o & ~7 .. o) is scratch and not copied back
                    row(alpha, a, aOff + i * lda, stage, kb, ke, s, o & ~7, len);
                    System.arraycopy(s, o, c, cr + o, len - o);
                }
            }
        }
    }

    /**
     * {@code s[j] += alpha·Σ_{p ∈ [p0, p1)} A[ai+p]·Bp[p − p0][j]} for {@code j ∈ [o, len)}, Bp the packed rows
     * (or any row arrays). With FMA the sum is the chain {@code s = fma(alpha·A[p], Bp[p][j], s)}, p increasing,
     * taken six rows per pass (measured ~10% faster than four in L1; eight defeats C2's vectoriser); without, in
     * groups of four as the class comment says.
     */
    static void row(float alpha, float[] a, int ai, float[][] bp, int p0, int p1, float[] s, int o, int len) {
        int p = p0;
        if (FMA) {
            for (; p + 5 < p1; p += 6) {
                float x0 = alpha * a[ai + p];
                float x1 = alpha * a[ai + p + 1];
                float x2 = alpha * a[ai + p + 2];
                float x3 = alpha * a[ai + p + 3];
                float x4 = alpha * a[ai + p + 4];
                float x5 = alpha * a[ai + p + 5];
                float[] b0 = bp[p - p0];
                float[] b1 = bp[p - p0 + 1];
                float[] b2 = bp[p - p0 + 2];
                float[] b3 = bp[p - p0 + 3];
                float[] b4 = bp[p - p0 + 4];
                float[] b5 = bp[p - p0 + 5];
                for (int j = o; j < len; j++) {
                    // C[i][j] += Σ_{p..p+5} A[i][p]·B[p][j], one rounding per term
                    s[j] = Math.fma(x5, b5[j], Math.fma(x4, b4[j], Math.fma(x3, b3[j],
                            Math.fma(x2, b2[j], Math.fma(x1, b1[j], Math.fma(x0, b0[j], s[j]))))));
                }
            }
            for (; p + 3 < p1; p += 4) {
                float x0 = alpha * a[ai + p];
                float x1 = alpha * a[ai + p + 1];
                float x2 = alpha * a[ai + p + 2];
                float x3 = alpha * a[ai + p + 3];
                float[] b0 = bp[p - p0];
                float[] b1 = bp[p - p0 + 1];
                float[] b2 = bp[p - p0 + 2];
                float[] b3 = bp[p - p0 + 3];
                for (int j = o; j < len; j++) {
                    s[j] = Math.fma(x3, b3[j], Math.fma(x2, b2[j], Math.fma(x1, b1[j], Math.fma(x0, b0[j], s[j]))));
                }
            }
            for (; p < p1; p++) {
                float x0 = alpha * a[ai + p];
                float[] b0 = bp[p - p0];
                for (int j = o; j < len; j++) {
                    s[j] = Math.fma(x0, b0[j], s[j]);
                }
            }
            return;
        }
        for (; p + 3 < p1; p += 4) {
            float x0 = alpha * a[ai + p];
            float x1 = alpha * a[ai + p + 1];
            float x2 = alpha * a[ai + p + 2];
            float x3 = alpha * a[ai + p + 3];
            float[] b0 = bp[p - p0];
            float[] b1 = bp[p - p0 + 1];
            float[] b2 = bp[p - p0 + 2];
            float[] b3 = bp[p - p0 + 3];
            for (int j = o; j < len; j++) {
                s[j] += x0 * b0[j] + x1 * b1[j] + x2 * b2[j] + x3 * b3[j]; // C[i][j] += Σ A[i][p]·B[p][j]
            }
        }
        for (; p < p1; p++) {
            float x0 = alpha * a[ai + p];
            float[] b0 = bp[p - p0];
            for (int j = o; j < len; j++) {
                s[j] += x0 * b0[j];
            }
        }
    }

    /**
     * Row boundaries splitting {@code [0, m)} into at most {@code parts} even-sized-where-possible blocks of about
     * equal work: for an upper-triangular product, row i costs {@code m − i}, otherwise every row costs the same.
     */
    static int[] rowSplits(int m, int parts, boolean upper) {
        parts = Math.max(1, Math.min(parts, (m + 1) / 2));
        int[] s = new int[parts + 1];
        double total = upper ? 0.5 * m * (m + 1) : m;
        int prev = 0;
        for (int t = 1; t < parts; t++) {
            double target = total * t / parts;
            int r;
            if (upper) {
                // Σ_{i<r} (m − i) = r·m − r(r−1)/2 = target  →  r = m + ½ − sqrt((m + ½)² − 2·target)
                double mh = m + 0.5;
                r = (int) Math.round(mh - Math.sqrt(Math.max(0, mh * mh - 2 * target)));
            } else {
                r = (int) Math.round(target);
            }
            r &= ~1;
            r = Math.max(prev, Math.min(m, r));
            s[t] = r;
            prev = r;
        }
        s[parts] = m;
        return s;
    }

    /** {@code t[j·m + i] = x[i·n + j]}: the {@code n × m} transpose of the {@code m × n} matrix x. Blocked. */
    static void transpose(float[] x, int xOff, int m, int n, float[] t, int tOff) {
        transpose(x, xOff, m, n, t, tOff, 0, m);
    }

    /** {@link #transpose} restricted to the rows {@code [r0, r1)} of x (columns of t): disjoint ranges may run concurrently. */
    static void transpose(float[] x, int xOff, int m, int n, float[] t, int tOff, int r0, int r1) {
        final int bs = 32;
        for (int ib = r0; ib < r1; ib += bs) {
            int ie = Math.min(r1, ib + bs);
            for (int jb = 0; jb < n; jb += bs) {
                int je = Math.min(n, jb + bs);
                for (int i = ib; i < ie; i++) {
                    int xr = xOff + i * n;
                    for (int j = jb; j < je; j++) {
                        t[tOff + j * m + i] = x[xr + j];
                    }
                }
            }
        }
    }

    /** Copies the upper triangle of the {@code m × m} matrix at {@code off} onto its lower triangle. Blocked. */
    static void mirrorUpper(float[] s, int off, int m) {
        mirrorUpper(s, off, m, 0, m);
    }

    /**
     * {@link #mirrorUpper} for the rows {@code [r0, r1)} of the upper triangle (written to columns r0..r1 of the
     * lower one): disjoint ranges may run concurrently.
     */
    static void mirrorUpper(float[] s, int off, int m, int r0, int r1) {
        final int bs = 32;
        for (int ib = r0; ib < r1; ib += bs) {
            int ie = Math.min(r1, ib + bs);
            for (int jb = ib; jb < m; jb += bs) {
                int je = Math.min(m, jb + bs);
                for (int i = ib; i < ie; i++) {
                    int r = off + i * m;
                    for (int j = Math.max(jb, i + 1); j < je; j++) {
                        s[off + j * m + i] = s[r + j]; // S[j][i] = S[i][j], j > i
                    }
                }
            }
        }
    }

    private static boolean detectFma() {
        String forced = System.getProperty("ortho4j.fma");
        if (forced != null) {
            return Boolean.parseBoolean(forced);
        }
        try {
            com.sun.management.HotSpotDiagnosticMXBean bean = java.lang.management.ManagementFactory
                    .getPlatformMXBean(com.sun.management.HotSpotDiagnosticMXBean.class);
            return bean != null && Boolean.parseBoolean(bean.getVMOption("UseFMA").getValue());
        } catch (RuntimeException | LinkageError e) {
            return false; // not HotSpot, or no management module: plain multiply and add
        }
    }

    /** {@code dst[i] = round_p(src[i])} for {@code i < len}; FP32 copies unless src == dst. */
    static void round(Precision p, float[] src, int srcOff, float[] dst, int dstOff, int len) {
        switch (p) {
            case TF32:
                for (int i = 0; i < len; i++) {
                    dst[dstOff + i] = roundTf32(src[srcOff + i]);
                }
                break;
            case BF16:
                for (int i = 0; i < len; i++) {
                    dst[dstOff + i] = roundBf16(src[srcOff + i]);
                }
                break;
            default:
                if (src != dst || srcOff != dstOff) {
                    System.arraycopy(src, srcOff, dst, dstOff, len);
                }
        }
    }

    /** x rounded to TF32 (1 + 8 + 10 bits) to nearest, ties to even; NaN and ±∞ pass through, overflow gives ±∞. */
    static float roundTf32(float x) {
        int bits = Float.floatToRawIntBits(x);
        if ((bits & 0x7f800000) == 0x7f800000) {
            return x;
        }
        bits += 0x0fff + ((bits >>> 13) & 1); // add half an ulp of the 10-bit mantissa, minus one on even ties
        return Float.intBitsToFloat(bits & 0xffffe000);
    }

    /** x rounded to bfloat16 (1 + 8 + 7 bits) to nearest, ties to even; NaN and ±∞ pass through, overflow gives ±∞. */
    static float roundBf16(float x) {
        int bits = Float.floatToRawIntBits(x);
        if ((bits & 0x7f800000) == 0x7f800000) {
            return x;
        }
        bits += 0x7fff + ((bits >>> 16) & 1);
        return Float.intBitsToFloat(bits & 0xffff0000);
    }
}
