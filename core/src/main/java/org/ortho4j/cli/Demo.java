package org.ortho4j.cli;

import java.io.PrintStream;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.stream.IntStream;
import org.ejml.data.DMatrixRMaj;
import org.ejml.dense.row.factory.DecompositionFactory_DDRM;
import org.ejml.interfaces.decomposition.EigenDecomposition_F64;
import org.ortho4j.Context;
import org.ortho4j.MatrixBatch;
import org.ortho4j.Schedule;

/**
 * {@code ortho4j demo}: 5-step Newton–Schulz with every built-in schedule on random matrices of GPT-2-small
 * shapes, against the exact polar factor.
 *
 * <p>Inputs imitate gradients: {@code G = D_r Z D_c} with {@code Z} i.i.d. standard normal and
 * {@code D = diag((1+i)^-1/2)} over a random permutation of the rows (columns), which gives a decaying,
 * power-law-like spectrum with a few large and many small singular values. For each shape and schedule the
 * table shows {@code ‖X − polar(G)‖_F / ‖polar(G)‖_F} over the batch (the polar factor from
 * {@link Context#polar}), the band {@code [min σ, max σ]} of the output's singular values over the batch
 * (float64: EJML's symmetric eigen-solver on the Gram matrix of the short side, {@code σ = sqrt(λ)}), and the
 * median wall time of at least three calls, after untimed warm-up calls on small matrices and one of the case
 * itself. Schedules that resolve to the very same coefficients for a shape
 * (e.g. ROOT's fallback to Muon's triple) share one run, and the table says so. To spend one SVD less, the
 * 3072×768 case takes the 768×3072 inputs transposed, whose polar factors are the transposed ones.
 */
final class Demo {
    static final long DEFAULT_SEED = 42;
    private static final int STEPS = 5;

    enum Mode { QUICK, STANDARD, FULL }

    /** {@code batch} matrices of {@code rows × cols}; {@code transposeOf ≥ 0}: the inputs of that earlier case, transposed. */
    private static final class Case {
        final int batch;
        final int rows;
        final int cols;
        final int transposeOf;

        Case(int batch, int rows, int cols, int transposeOf) {
            this.batch = batch;
            this.rows = rows;
            this.cols = cols;
            this.transposeOf = transposeOf;
        }
    }

    /** The inputs of a case and their exact polar factors. */
    private static final class Data {
        final float[] g;
        final float[] q;

        Data(float[] g, float[] q) {
            this.g = g;
            this.q = q;
        }
    }

    private final Context ctx;
    private final Mode mode;
    private final long seed;
    private final PrintStream out;

    Demo(Context ctx, Mode mode, long seed, PrintStream out) {
        this.ctx = ctx;
        this.mode = mode;
        this.seed = seed;
        this.out = out;
    }

    /**
     * GPT-2 small: attention/projection 768×768, MLP in 768×3072, MLP out 3072×768 (the MLP-in inputs
     * transposed, so that their polar factors are the transposed ones and one SVD serves both), heads 64×64.
     */
    private List<Case> cases() {
        switch (mode) {
            case QUICK:
                return List.of(new Case(1, 192, 768, -1), new Case(12, 64, 64, -1));
            case FULL:
                return List.of(new Case(4, 768, 768, -1), new Case(4, 768, 3072, -1), new Case(4, 3072, 768, 1),
                        new Case(144, 64, 64, -1));
            default:
                return List.of(new Case(1, 768, 768, -1), new Case(1, 768, 3072, -1), new Case(1, 3072, 768, 1),
                        new Case(12, 64, 64, -1));
        }
    }

    /** Timed calls per case at least (after the untimed warm-up call), whatever the budget. */
    static final int MIN_RUNS = 3;

    /** Timing policy: after an untimed warm-up call, {@link #MIN_RUNS} to {@code maxRuns} timed calls within {@code budgetNanos}. */
    private int maxRuns() {
        return mode == Mode.FULL ? 9 : 5;
    }

    private long budgetNanos() {
        return mode == Mode.FULL ? 4_000_000_000L : mode == Mode.QUICK ? 500_000_000L : 1_500_000_000L;
    }

    void run() {
        long start = System.nanoTime();
        out.println("ortho4j demo (" + mode.name().toLowerCase(Locale.ROOT) + ")");
        out.println("backend:   " + ctx.kind().label() + " (" + ctx.description() + ")");
        out.println("selection: " + ctx.selectionReason());
        out.println("inputs:    G = D_r Z D_c, Z ~ N(0,1), D = diag((1+i)^-1/2) in random order (gradient-like"
                + " power-law spectrum), seed " + seed);
        out.println("method:    " + STEPS + "-step Newton-Schulz, fp32; rel.err = ||X - polar(G)||_F / ||polar(G)||_F"
                + " with polar(G) from ctx.polar (float64 SVD);");
        out.println("           sigma(X) = singular values of the output in float64 (EJML), [min, max] over the batch;"
                + " time = median wall time per call");
        out.println();
        String head = String.format(Locale.ROOT, "%-10s %5s  %-14s %-28s %10s  %-19s %11s %5s", "shape", "batch",
                "schedule", "coefficients", "rel.err", "sigma(X) band", "time", "runs");
        out.println(head);
        out.println("-".repeat(head.length()));
        List<Case> cases = cases();
        warmUp();
        List<Data> data = new ArrayList<>();
        for (int ci = 0; ci < cases.size(); ci++) {
            data.add(runCase(cases.get(ci), ci, data, cases));
        }
        out.println();
        out.println("'=name': same coefficients as schedule 'name' for this shape, so its run is reused.");
        if (cases.stream().anyMatch(c -> c.transposeOf >= 0)) {
            out.println("3072x768 takes the 768x3072 inputs transposed; its reference is their polar factor transposed.");
        }
        out.printf(Locale.ROOT, "Total %.1f s.%n", (System.nanoTime() - start) / 1e9);
    }

    private Data runCase(Case c, int index, List<Data> done, List<Case> cases) {
        String shape = c.rows + "x" + c.cols;
        String fmt = "%-10s %5d  %-14s %-28s %10s  %-19s %11s %5s%n";
        float[] g;
        float[] q;
        if (c.transposeOf >= 0) {
            Case t = cases.get(c.transposeOf);
            g = transpose(done.get(c.transposeOf).g, t.batch, t.rows, t.cols);
            q = transpose(done.get(c.transposeOf).q, t.batch, t.rows, t.cols);
            out.printf(Locale.ROOT, fmt, shape, c.batch, "exact polar", "polar(G of " + t.rows + "x" + t.cols + ")^T", "0",
                    mode == Mode.FULL ? bandText(band(q, c.batch, c.rows, c.cols)) : "-", "-", "-");
        } else {
            g = gradientLike(new Random(seed * 1_000_003L + index), c.batch, c.rows, c.cols);
            try (MatrixBatch gb = ctx.upload(g, c.batch, c.rows, c.cols); MatrixBatch qb = ctx.allocate(c.batch, c.rows, c.cols)) {
                long t0 = System.nanoTime();
                ctx.polar(gb, qb);
                ctx.synchronize();
                long tPolar = System.nanoTime() - t0;
                q = qb.toArray();
                out.printf(Locale.ROOT, fmt, shape, c.batch, "exact polar", "ctx.polar, float64 SVD", "0",
                        mode == Mode.FULL ? bandText(band(q, c.batch, c.rows, c.cols)) : "-", ms(tPolar), "1");
            }
        }
        try (MatrixBatch gb = ctx.upload(g, c.batch, c.rows, c.cols); MatrixBatch xb = ctx.allocate(c.batch, c.rows, c.cols)) {
            Map<String, String> seen = new HashMap<>();
            Map<String, String[]> results = new HashMap<>();
            for (String name : Schedule.builtinNames()) {
                Schedule s = Schedule.byName(name).withSteps(STEPS);
                Schedule.Coefficients coef = s.resolve(c.rows, c.cols);
                String key = Arrays.deepToString(coef.triples()) + " " + coef.scale() + " " + coef.eps();
                String[] r = results.get(key);
                String runs;
                if (r == null) {
                    List<Long> times = time(() -> ctx.newtonSchulz(gb, s, xb));
                    float[] x = xb.toArray();
                    r = new String[]{String.format(Locale.ROOT, "%.3e", relError(x, q)), bandText(band(x, c.batch, c.rows, c.cols)),
                            ms(median(times))};
                    results.put(key, r);
                    seen.put(key, name);
                    runs = Integer.toString(times.size());
                } else {
                    runs = "=" + seen.get(key);
                }
                out.printf(Locale.ROOT, fmt, shape, c.batch, name, clip(coef.source(), 28), r[0], r[1], r[2], runs);
            }
        }
        return new Data(g, q);
    }

    /** Untimed calls on small matrices so that the first timed shape does not pay for JIT compilation. */
    private void warmUp() {
        float[] g = gradientLike(new Random(seed), 2, 96, 160);
        try (MatrixBatch gb = ctx.upload(g, 2, 96, 160); MatrixBatch xb = ctx.allocate(2, 96, 160);
             MatrixBatch tb = ctx.upload(transpose(g, 2, 96, 160), 2, 160, 96); MatrixBatch yb = ctx.allocate(2, 160, 96)) {
            for (int i = 0; i < 3; i++) {
                for (String name : Schedule.builtinNames()) {
                    ctx.newtonSchulz(gb, Schedule.byName(name).withSteps(STEPS), xb);
                    ctx.newtonSchulz(tb, Schedule.byName(name).withSteps(STEPS), yb);
                }
            }
            ctx.polar(gb, xb);
            ctx.synchronize();
        }
    }

    /** Each {@code rows × cols} matrix of the batch transposed. */
    static float[] transpose(float[] a, int batch, int rows, int cols) {
        float[] t = new float[a.length];
        for (int b = 0; b < batch; b++) {
            int off = b * rows * cols;
            for (int i = 0; i < rows; i++) {
                for (int j = 0; j < cols; j++) {
                    t[off + j * rows + i] = a[off + i * cols + j];
                }
            }
        }
        return t;
    }

    /**
     * One untimed warm-up call (JIT compilation of this shape's code paths, caches), then at least three timed calls
     * and more until {@link #maxRuns()} of them or the time budget; the median is reported. (The first call of a
     * shape used to be timed as it was when it took over 0.5 s: 598–1004 ms for Muon at 768×768 on 2 cores against
     * 173 ms warmed up.)
     */
    private List<Long> time(Runnable call) {
        call.run();
        ctx.synchronize();
        List<Long> times = new ArrayList<>();
        long spent = 0;
        while (times.size() < MIN_RUNS || (times.size() < maxRuns() && spent < budgetNanos())) {
            long t0 = System.nanoTime();
            call.run();
            ctx.synchronize();
            long t = System.nanoTime() - t0;
            times.add(t);
            spent += t;
        }
        return times;
    }

    private static long median(List<Long> times) {
        long[] a = times.stream().mapToLong(Long::longValue).sorted().toArray();
        return a.length % 2 == 1 ? a[a.length / 2] : (a[a.length / 2 - 1] + a[a.length / 2]) / 2;
    }

    /** {@code D_r Z D_c} per matrix, row-major; see the class comment. */
    static float[] gradientLike(Random rnd, int batch, int rows, int cols) {
        float[] g = new float[batch * rows * cols];
        for (int b = 0; b < batch; b++) {
            double[] dr = powerLawScales(rnd, rows);
            double[] dc = powerLawScales(rnd, cols);
            int off = b * rows * cols;
            for (int i = 0; i < rows; i++) {
                for (int j = 0; j < cols; j++) {
                    g[off + i * cols + j] = (float) (dr[i] * rnd.nextGaussian() * dc[j]);
                }
            }
        }
        return g;
    }

    /** {@code (1+i)^-1/2}, i = 0..n-1, in a random order. */
    private static double[] powerLawScales(Random rnd, int n) {
        double[] d = new double[n];
        for (int i = 0; i < n; i++) {
            d[i] = 1.0 / Math.sqrt(1.0 + i);
        }
        for (int i = n - 1; i > 0; i--) {
            int j = rnd.nextInt(i + 1);
            double t = d[i];
            d[i] = d[j];
            d[j] = t;
        }
        return d;
    }

    /** {@code ‖x − q‖_F / ‖q‖_F} in double over the whole batch. */
    static double relError(float[] x, float[] q) {
        double num = 0;
        double den = 0;
        for (int i = 0; i < x.length; i++) {
            double d = (double) x[i] - q[i];
            num += d * d;
            den += (double) q[i] * q[i];
        }
        return den == 0 ? Math.sqrt(num) : Math.sqrt(num / den);
    }

    /** {@code [min σ, max σ]} over every matrix of the batch. */
    static double[] band(float[] x, int batch, int rows, int cols) {
        double lo = Double.POSITIVE_INFINITY;
        double hi = Double.NEGATIVE_INFINITY;
        for (int b = 0; b < batch; b++) {
            double[] s = singularValues(x, b * rows * cols, rows, cols);
            for (double v : s) {
                lo = Math.min(lo, v);
                hi = Math.max(hi, v);
            }
        }
        return new double[]{lo, hi};
    }

    /**
     * The {@code min(m,n)} singular values of the {@code m × n} matrix at {@code off}, in float64:
     * {@code σ_i = sqrt(λ_i(K))} with {@code K} the Gram matrix of the short side ({@code X Xᵀ} when
     * {@code m ≤ n}, else {@code Xᵀ X}) and λ from EJML's symmetric eigen-decomposition. Squaring costs
     * relative accuracy only for singular values below about {@code 1e-8·σ_max}, far under what the band shows.
     */
    static double[] singularValues(float[] x, int off, int m, int n) {
        int k = Math.min(m, n);
        int len = Math.max(m, n);
        // Rows of the short side, each of length len, in double: X's rows when m ≤ n, else X's columns.
        double[][] r = new double[k][len];
        for (int i = 0; i < m; i++) {
            for (int j = 0; j < n; j++) {
                double v = x[off + i * n + j];
                if (m <= n) {
                    r[i][j] = v;
                } else {
                    r[j][i] = v;
                }
            }
        }
        double[] kk = new double[k * k];
        // K_ij = Σ_l r_i[l]·r_j[l], upper triangle in parallel over rows, mirrored.
        IntStream.range(0, k).parallel().forEach(i -> {
            double[] a = r[i];
            for (int j = i; j < k; j++) {
                double[] b = r[j];
                double s0 = 0;
                double s1 = 0;
                double s2 = 0;
                double s3 = 0;
                int l = 0;
                for (; l + 3 < len; l += 4) {
                    s0 += a[l] * b[l];
                    s1 += a[l + 1] * b[l + 1];
                    s2 += a[l + 2] * b[l + 2];
                    s3 += a[l + 3] * b[l + 3];
                }
                for (; l < len; l++) {
                    s0 += a[l] * b[l];
                }
                double s = (s0 + s1) + (s2 + s3);
                kk[i * k + j] = s;
                kk[j * k + i] = s;
            }
        });
        EigenDecomposition_F64<DMatrixRMaj> eig = DecompositionFactory_DDRM.eig(k, false, true);
        if (!eig.decompose(DMatrixRMaj.wrap(k, k, kk))) {
            throw new IllegalStateException("demo: EJML eigen-decomposition failed on a " + k + "x" + k + " Gram matrix");
        }
        double[] s = new double[k];
        for (int i = 0; i < k; i++) {
            s[i] = Math.sqrt(Math.max(0, eig.getEigenvalue(i).real));
        }
        return s;
    }

    private static String bandText(double[] b) {
        return String.format(Locale.ROOT, "[%.4f, %.4f]", b[0], b[1]);
    }

    private static String ms(long nanos) {
        double ms = nanos / 1e6;
        return ms < 10 ? String.format(Locale.ROOT, "%.2f ms", ms) : String.format(Locale.ROOT, "%.1f ms", ms);
    }

    private static String clip(String s, int n) {
        return s.length() <= n ? s : s.substring(0, n - 1) + "~";
    }
}
