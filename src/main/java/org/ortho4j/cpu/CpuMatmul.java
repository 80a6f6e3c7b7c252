package org.ortho4j.cpu;

import org.ortho4j.Precision;

/**
 * Cache-blocked float32 matrix products on row-major arrays, written so that HotSpot's C2 auto-vectorises the
 * innermost loop, plus the small helpers around them (transpose, mirror, operand rounding).
 *
 * <p>The product is computed in the "axpy" order {@code C[i][·] += A[i][p]·B[p][·]}: the inner loop runs over
 * contiguous columns j of one row of B and of C. The micro-kernel updates two rows of C with four rows of B per
 * pass (8 scalar multipliers held in registers, 4 vector loads of B per 2 vector updates of C). The two C rows are
 * staged in two separate small arrays so that C2 can prove the stores never alias the loads (it cannot do so for
 * two rows of the same array) and packs the loop into SIMD instructions. Blocking: depth {@link #KC} × width
 * {@link #NC} panels of B (256 KiB, sized for a 512 KiB L2; longer rows amortise the vector loop set-up) are reused by every row pair of the row range.
 *
 * <p>Accumulation order: p increasing, in groups of four: {@code c = fma(a₃,b₃, fma(a₂,b₂, fma(a₁,b₁, fma(a₀,b₀, c))))}
 * when {@link #FMA}, else {@code c += a₀b₀ + a₁b₁ + a₂b₂ + a₃b₃} (float32 multiplies and adds, left to right).
 */
final class CpuMatmul {
    /**
     * Whether the micro-kernels use {@link Math#fma} (one rounding per multiply-add). On when HotSpot reports
     * {@code UseFMA} (the CPU has FMA, so C2 emits vector FMA instructions), since a software {@code fma} is very
     * slow; {@code -Dortho4j.fma=true|false} overrides.
     */
    static final boolean FMA = detectFma();
    /** Depth (p) block ({@code -Dortho4j.kc} overrides; tuning knob). */
    static final int KC = Integer.getInteger("ortho4j.kc", 128);
    /** Width (j) block and staging-row length ({@code -Dortho4j.nc} overrides; tuning knob). */
    static final int NC = Integer.getInteger("ortho4j.nc", 512);

    private CpuMatmul() {
    }

    /** A staging buffer for {@link #gemm}: two rows of {@link #NC} floats. One per concurrent caller. */
    static float[][] newStage() {
        return new float[][]{new float[NC], new float[NC]};
    }

    /**
     * {@code C[i][j] = beta·D[i][j] + alpha·Σ_{p<k} A[i][p]·B[p][j]} for rows {@code i ∈ [i0, i1)} and columns
     * {@code j ∈ [j0(i), n)}, where {@code j0(i) = 0}, or when {@code upper} the first row of i's row pair
     * ({@code i0 + ((i − i0) & ~1)}), so the upper triangle (and one element below the diagonal in odd rows of
     * a pair) is computed. {@code d == null} means {@code D = 0}. C must not alias A, B; it may equal D (same
     * offsets and stride). Nothing outside the stated region of C is written.
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
        float[] s0 = stage[0];
        float[] s1 = stage[1];
        for (int kb = 0; kb < k; kb += KC) {
            int ke = Math.min(k, kb + KC);
            for (int jb = 0; jb < n; jb += NC) {
                int je = Math.min(n, jb + NC);
                for (int i = i0; i < i1; i += 2) {
                    int js = upper ? Math.max(jb, i) : jb;
                    if (js >= je) {
                        continue;
                    }
                    int len = je - js;
                    int c0 = cOff + i * ldc + js;
                    int a0 = aOff + i * lda;
                    if (i + 1 < i1) {
                        int c1 = c0 + ldc;
                        System.arraycopy(c, c0, s0, 0, len);
                        System.arraycopy(c, c1, s1, 0, len);
                        panel2(alpha, a, a0, a0 + lda, b, bOff + js, ldb, kb, ke, s0, s1, len);
                        System.arraycopy(s0, 0, c, c0, len);
                        System.arraycopy(s1, 0, c, c1, len);
                    } else {
                        System.arraycopy(c, c0, s0, 0, len);
                        panel1(alpha, a, a0, b, bOff + js, ldb, kb, ke, s0, len);
                        System.arraycopy(s0, 0, c, c0, len);
                    }
                }
            }
        }
    }

    /** {@code s0[j] += alpha·Σ_p A[ai0+p]·B[bj+p·ldb+j]}, likewise s1 with row ai1, for p in [p0, p1), j < len. */
    private static void panel2(float alpha, float[] a, int ai0, int ai1, float[] b, int bj, int ldb, int p0, int p1,
                               float[] s0, float[] s1, int len) {
        if (FMA) {
            panel2Fma(alpha, a, ai0, ai1, b, bj, ldb, p0, p1, s0, s1, len);
            return;
        }
        int p = p0;
        for (; p + 3 < p1; p += 4) {
            float x00 = alpha * a[ai0 + p];
            float x01 = alpha * a[ai0 + p + 1];
            float x02 = alpha * a[ai0 + p + 2];
            float x03 = alpha * a[ai0 + p + 3];
            float x10 = alpha * a[ai1 + p];
            float x11 = alpha * a[ai1 + p + 1];
            float x12 = alpha * a[ai1 + p + 2];
            float x13 = alpha * a[ai1 + p + 3];
            int q0 = bj + p * ldb;
            int q1 = q0 + ldb;
            int q2 = q1 + ldb;
            int q3 = q2 + ldb;
            for (int j = 0; j < len; j++) {
                float v0 = b[q0 + j];
                float v1 = b[q1 + j];
                float v2 = b[q2 + j];
                float v3 = b[q3 + j];
                s0[j] += x00 * v0 + x01 * v1 + x02 * v2 + x03 * v3; // C[i][j]   += Σ A[i][p]·B[p][j]
                s1[j] += x10 * v0 + x11 * v1 + x12 * v2 + x13 * v3; // C[i+1][j] += Σ A[i+1][p]·B[p][j]
            }
        }
        for (; p < p1; p++) {
            float x0 = alpha * a[ai0 + p];
            float x1 = alpha * a[ai1 + p];
            int q = bj + p * ldb;
            for (int j = 0; j < len; j++) {
                float v = b[q + j];
                s0[j] += x0 * v;
                s1[j] += x1 * v;
            }
        }
    }

    /** {@link #panel2} with fused multiply-adds: {@code s = fma(x₃,v₃, fma(x₂,v₂, fma(x₁,v₁, fma(x₀,v₀, s))))}. */
    private static void panel2Fma(float alpha, float[] a, int ai0, int ai1, float[] b, int bj, int ldb, int p0, int p1,
                                  float[] s0, float[] s1, int len) {
        int p = p0;
        for (; p + 3 < p1; p += 4) {
            float x00 = alpha * a[ai0 + p];
            float x01 = alpha * a[ai0 + p + 1];
            float x02 = alpha * a[ai0 + p + 2];
            float x03 = alpha * a[ai0 + p + 3];
            float x10 = alpha * a[ai1 + p];
            float x11 = alpha * a[ai1 + p + 1];
            float x12 = alpha * a[ai1 + p + 2];
            float x13 = alpha * a[ai1 + p + 3];
            int q0 = bj + p * ldb;
            int q1 = q0 + ldb;
            int q2 = q1 + ldb;
            int q3 = q2 + ldb;
            for (int j = 0; j < len; j++) {
                float v0 = b[q0 + j];
                float v1 = b[q1 + j];
                float v2 = b[q2 + j];
                float v3 = b[q3 + j];
                // C[i][j] += Σ_{p..p+3} A[i][p]·B[p][j], likewise row i+1
                s0[j] = Math.fma(x03, v3, Math.fma(x02, v2, Math.fma(x01, v1, Math.fma(x00, v0, s0[j]))));
                s1[j] = Math.fma(x13, v3, Math.fma(x12, v2, Math.fma(x11, v1, Math.fma(x10, v0, s1[j]))));
            }
        }
        for (; p < p1; p++) {
            float x0 = alpha * a[ai0 + p];
            float x1 = alpha * a[ai1 + p];
            int q = bj + p * ldb;
            for (int j = 0; j < len; j++) {
                float v = b[q + j];
                s0[j] = Math.fma(x0, v, s0[j]);
                s1[j] = Math.fma(x1, v, s1[j]);
            }
        }
    }

    /** One-row form of {@link #panel2}. */
    private static void panel1(float alpha, float[] a, int ai0, float[] b, int bj, int ldb, int p0, int p1,
                               float[] s0, int len) {
        int p = p0;
        if (FMA) {
            for (; p + 3 < p1; p += 4) {
                float x0 = alpha * a[ai0 + p];
                float x1 = alpha * a[ai0 + p + 1];
                float x2 = alpha * a[ai0 + p + 2];
                float x3 = alpha * a[ai0 + p + 3];
                int q0 = bj + p * ldb;
                int q1 = q0 + ldb;
                int q2 = q1 + ldb;
                int q3 = q2 + ldb;
                for (int j = 0; j < len; j++) {
                    s0[j] = Math.fma(x3, b[q3 + j], Math.fma(x2, b[q2 + j], Math.fma(x1, b[q1 + j], Math.fma(x0, b[q0 + j], s0[j]))));
                }
            }
            for (; p < p1; p++) {
                float x0 = alpha * a[ai0 + p];
                int q = bj + p * ldb;
                for (int j = 0; j < len; j++) {
                    s0[j] = Math.fma(x0, b[q + j], s0[j]);
                }
            }
            return;
        }
        for (; p + 3 < p1; p += 4) {
            float x0 = alpha * a[ai0 + p];
            float x1 = alpha * a[ai0 + p + 1];
            float x2 = alpha * a[ai0 + p + 2];
            float x3 = alpha * a[ai0 + p + 3];
            int q0 = bj + p * ldb;
            int q1 = q0 + ldb;
            int q2 = q1 + ldb;
            int q3 = q2 + ldb;
            for (int j = 0; j < len; j++) {
                s0[j] += x0 * b[q0 + j] + x1 * b[q1 + j] + x2 * b[q2 + j] + x3 * b[q3 + j];
            }
        }
        for (; p < p1; p++) {
            float x0 = alpha * a[ai0 + p];
            int q = bj + p * ldb;
            for (int j = 0; j < len; j++) {
                s0[j] += x0 * b[q + j];
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
        final int bs = 32;
        for (int ib = 0; ib < m; ib += bs) {
            int ie = Math.min(m, ib + bs);
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
        final int bs = 32;
        for (int ib = 0; ib < m; ib += bs) {
            int ie = Math.min(m, ib + bs);
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
