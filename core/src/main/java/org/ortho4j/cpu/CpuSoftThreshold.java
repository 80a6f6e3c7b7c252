package org.ortho4j.cpu;

import java.util.Arrays;
import java.util.concurrent.ForkJoinPool;
import java.util.concurrent.RecursiveAction;
import java.util.function.IntConsumer;
import org.ortho4j.NonFiniteInputException;

/**
 * ROOT's soft-threshold outlier split (docs/algorithms.md §3), the CPU reference of {@code kernels/soft_threshold.cu}.
 *
 * <p>Per matrix {@code M} of {@code n} elements (matrix {@code b} at {@code [b·n, (b+1)·n)}):
 * <pre>
 * ε       = quantile(|M|, q) + 1e-9      torch.quantile's linear interpolation between order statistics
 * base    = clamp(M, −ε, ε)
 * outlier = M − base                     (= sign(M)·max(|M| − ε, 0))
 * </pre>
 *
 * <p><b>Exact arithmetic</b> (a kernel reproduces it bit for bit; every step below is deterministic):
 * <ol>
 * <li>{@code a_i = |M_i|} in float (exact). Non-finite inputs are refused beforehand, so {@code a_i} is finite
 *     and never {@code −0}.</li>
 * <li>{@code pos = q·(n − 1)} in double; {@code lo = floor(pos)}, {@code hi = ceil(pos)}, {@code frac = pos − lo}
 *     (double, exact).</li>
 * <li>{@code v_lo}, {@code v_hi}: the ascending order statistics of rank {@code lo} and {@code hi} (0-based) of the
 *     float values {@code a_i}. They are exact values of the input, so any selection method (here: introselect
 *     on a scratch copy; on a GPU: radix select on the float bit patterns) gives the same two floats.</li>
 * <li>{@code v = (double) v_lo + frac·((double) v_hi − (double) v_lo)} in double, in that order: one subtraction,
 *     one multiplication, one addition (a fused multiply-add here would change the last bit of {@code v}, so the
 *     kernel must use {@code __dmul_rn}/{@code __dadd_rn} or compile with {@code -fmad=false}).</li>
 * <li>{@code ε = (float) (v + 1e-9)}: double addition, then one rounding to float (round to nearest even).
 *     So {@code ε ≥ 1e-9f > 0} even for a zero matrix, which then maps to zero base and zero outliers.</li>
 * <li>{@code base_i = min(max(M_i, −ε), ε)} in float (exact: it is {@code M_i} or {@code ±ε});
 *     {@code outlier_i = M_i − base_i}: one float subtraction, round to nearest. Hence {@code |base_i| ≤ ε},
 *     {@code outlier_i = 0} exactly when {@code |M_i| ≤ ε}, and {@code base_i + outlier_i} is within one ulp of
 *     {@code M_i}.</li>
 * </ol>
 *
 * <p>The momentum form first computes, per element, with {@code μf = (float) μ}:
 * <pre>
 * buf_i ← fma(μf, buf_i, grad_i)          (float32 fused multiply-add: exact μf·buf_i + grad_i, rounded once)
 * M_i    = nesterov ? fma(μf, buf_i, grad_i)   (with the new buf_i)
 *                   : buf_i
 * </pre>
 * ({@link Math#fma(float, float, float)}; the CUDA kernel uses {@code __fmaf_rn}, so both round identically. An
 * earlier double-precision form rounded twice, to double and to float, and the kernel's separate multiply and add
 * differed from it in the last bit: found by the emulated-device contract.) Then the split above runs on {@code M}.
 * Should {@code μ·buf + grad} overflow float (inputs near {@code 3.4e38}), {@code M} is infinite and so are the
 * outputs; finite inputs below that range never produce a non-finite output.
 *
 * <p>Work: the batch is split over the pool's threads, one task per matrix. Each task finds its two order
 * statistics by selection on a private scratch copy of {@code |M|} (O(n) expected), never by a full sort.
 */
final class CpuSoftThreshold {
    private CpuSoftThreshold() {
    }

    /** Below this many elements a range is finished by insertion sort. */
    private static final int INSERTION = 16;

    /**
     * The split of each matrix of {@code m} (not modified) into {@code base} and {@code outlier} (written).
     *
     * @return {@code ε} of each matrix
     * @throws NonFiniteInputException ("softThreshold", "m", first bad matrix) before anything is written
     */
    static float[] split(ForkJoinPool pool, float[] m, int batch, int n, double q, float[] base, float[] outlier) {
        int bad = firstNonFinite(pool, m, batch, n);
        if (bad >= 0) {
            throw new NonFiniteInputException("softThreshold", "m", bad);
        }
        float[] eps = new float[batch];
        forEach(pool, batch, b -> {
            int off = b * n;
            float[] scratch = new float[n];
            for (int i = 0; i < n; i++) {
                scratch[i] = Math.abs(m[off + i]);                    // a_i = |M_i|
            }
            float e = epsilon(scratch, n, q);
            eps[b] = e;
            splitInto(m, off, n, e, base, outlier);
        });
        return eps;
    }

    /**
     * ROOT's fused step: {@code buf ← μ·buf + grad} (modified), {@code M = nesterov ? grad + μ·buf : buf}, then
     * the split of {@code M} into {@code base} and {@code outlier} (written). {@code grad} is not modified.
     *
     * @return {@code ε} of each matrix
     * @throws NonFiniteInputException ("momentumSoftThreshold", "grad" or "buf", first bad matrix) before
     *                                 {@code buf} or any output is touched; {@code grad} is checked first
     */
    static float[] momentumSplit(ForkJoinPool pool, float[] grad, float[] buf, double mu, boolean nesterov, int batch, int n,
                                 double q, float[] base, float[] outlier) {
        int bad = firstNonFinite(pool, grad, batch, n);
        if (bad >= 0) {
            throw new NonFiniteInputException("momentumSoftThreshold", "grad", bad);
        }
        bad = firstNonFinite(pool, buf, batch, n);
        if (bad >= 0) {
            throw new NonFiniteInputException("momentumSoftThreshold", "buf", bad);
        }
        final float muf = (float) mu;
        float[] eps = new float[batch];
        forEach(pool, batch, b -> {
            int off = b * n;
            float[] scratch = new float[n];
            // M is staged in base (it is overwritten by the split below, element by element after reading M_i).
            for (int i = 0; i < n; i++) {
                float g = grad[off + i];
                float nb = Math.fma(muf, buf[off + i], g);             // buf ← μ·buf + grad, rounded once
                buf[off + i] = nb;
                float mi = nesterov ? Math.fma(muf, nb, g) : nb;       // M = grad + μ·buf  |  buf
                base[off + i] = mi;
                scratch[i] = Math.abs(mi);                             // a_i = |M_i|
            }
            float e = epsilon(scratch, n, q);
            eps[b] = e;
            splitInto(base, off, n, e, base, outlier);
        });
        return eps;
    }

    /** {@code base = clamp(M, −ε, ε)}, {@code outlier = M − base}; {@code src} may be {@code base}. */
    private static void splitInto(float[] src, int off, int n, float e, float[] base, float[] outlier) {
        float ne = -e;
        for (int i = off, end = off + n; i < end; i++) {
            float x = src[i];
            float bx = Math.min(Math.max(x, ne), e);                  // base = clamp(M, −ε, ε)
            base[i] = bx;
            outlier[i] = x - bx;                                       // outlier = M − base
        }
    }

    /**
     * {@code ε = (float)(quantile(a, q) + 1e-9)} over {@code a[0, n)} (non-negative, finite; reordered).
     */
    static float epsilon(float[] a, int n, double q) {
        double pos = q * (n - 1);                                      // pos = q·(n−1)
        int lo = (int) Math.floor(pos);
        int hi = (int) Math.ceil(pos);
        if (hi > n - 1) {
            hi = n - 1;                                                // q = 1 exactly; never more
        }
        double frac = pos - lo;
        float vlo = select(a, n, lo);                                  // a[0, lo) ≤ a[lo] ≤ a(lo, n)
        float vhi = vlo;
        if (hi > lo) {
            vhi = a[lo + 1];                                           // v_hi = min a(lo, n)
            for (int i = lo + 2; i < n; i++) {
                if (a[i] < vhi) {
                    vhi = a[i];
                }
            }
        }
        double v = (double) vlo + frac * ((double) vhi - (double) vlo);  // torch.quantile's linear rule
        return (float) (v + 1e-9);
    }

    /**
     * Introselect: returns the order statistic of rank {@code k} of {@code a[0, n)} and leaves
     * {@code a[0, k) ≤ a[k] ≤ a(k, n)}. Quickselect with a median-of-three pivot and a three-way partition (runs of
     * equal values are settled in one pass); after {@code 2·⌈log₂ n⌉ + 4} partitions without reaching {@code k}
     * (an adversarial order) the remaining range is sorted, so the worst case is O(n log n), the expected O(n).
     */
    static float select(float[] a, int n, int k) {
        int lo = 0;
        int hi = n - 1;
        int budget = 2 * (32 - Integer.numberOfLeadingZeros(n)) + 4;
        while (hi > lo) {
            if (hi - lo < INSERTION) {
                insertionSort(a, lo, hi);
                return a[k];
            }
            if (budget-- == 0) {
                Arrays.sort(a, lo, hi + 1);
                return a[k];
            }
            float pivot = median3(a[lo], a[(lo + hi) >>> 1], a[hi]);
            // Dijkstra's three-way partition: a[lo, lt) < pivot, a[lt, gt] = pivot, a(gt, hi] > pivot.
            int lt = lo;
            int i = lo;
            int gt = hi;
            while (i <= gt) {
                float x = a[i];
                if (x < pivot) {
                    a[i++] = a[lt];
                    a[lt++] = x;
                } else if (x > pivot) {
                    a[i] = a[gt];
                    a[gt--] = x;
                } else {
                    i++;
                }
            }
            if (k < lt) {
                hi = lt - 1;
            } else if (k > gt) {
                lo = gt + 1;
            } else {
                return pivot;
            }
        }
        return a[k];
    }

    private static float median3(float x, float y, float z) {
        return Math.max(Math.min(x, y), Math.min(Math.max(x, y), z));
    }

    private static void insertionSort(float[] a, int lo, int hi) {
        for (int i = lo + 1; i <= hi; i++) {
            float x = a[i];
            int j = i - 1;
            while (j >= lo && a[j] > x) {
                a[j + 1] = a[j];
                j--;
            }
            a[j + 1] = x;
        }
    }

    /** The lowest matrix index holding a NaN or an infinity, or −1. */
    static int firstNonFinite(ForkJoinPool pool, float[] x, int batch, int n) {
        boolean[] bad = new boolean[batch];
        forEach(pool, batch, b -> {
            for (int i = b * n, end = i + n; i < end; i++) {
                if (!Float.isFinite(x[i])) {
                    bad[b] = true;
                    return;
                }
            }
        });
        for (int b = 0; b < batch; b++) {
            if (bad[b]) {
                return b;
            }
        }
        return -1;
    }

    /** Runs {@code body(0..count−1)} on {@code pool}, split in halves down to single indices. */
    static void forEach(ForkJoinPool pool, int count, IntConsumer body) {
        if (count == 1) {
            body.accept(0);
            return;
        }
        pool.invoke(new Range(0, count, body));
    }

    private static final class Range extends RecursiveAction {
        private final int from;
        private final int to;
        private final transient IntConsumer body;

        Range(int from, int to, IntConsumer body) {
            this.from = from;
            this.to = to;
            this.body = body;
        }

        @Override
        protected void compute() {
            if (to - from == 1) {
                body.accept(from);
                return;
            }
            int mid = (from + to) >>> 1;
            invokeAll(new Range(from, mid, body), new Range(mid, to, body));
        }
    }
}
