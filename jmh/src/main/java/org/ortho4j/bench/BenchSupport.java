package org.ortho4j.bench;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Locale;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.TreeMap;
import org.openjdk.jmh.infra.BenchmarkParams;
import org.ortho4j.BackendKind;
import org.ortho4j.BackendUnavailableException;
import org.ortho4j.Context;
import org.ortho4j.MatrixBatch;

/**
 * What the benchmarks share: shapes {@code BATCHxROWSxCOLS}, seeded inputs, rotation of inputs beyond the GPU's L2,
 * the CUDA context (or a clear failure), and the work sidecar.
 *
 * <p><b>Work sidecar.</b> When the environment variable {@code ORTHO4J_BENCH_WORK} names a file, every benchmark's
 * {@code @Setup} appends one JSON line there: the benchmark method, its {@code @Param}s, the family, the shape and
 * batch, and the work of one operation ({@code flop} and/or {@code bytes}) and, where measured, the relative error
 * of the variant's output against the exact polar factor ({@code rel_err}). {@code bench/report.py} joins these
 * lines with JMH's {@code -rf json} output to turn times into TFLOP/s or GB/s. The variable is inherited by JMH's
 * forked JVMs.
 */
final class BenchSupport {
    /** Inputs of one benchmark are rotated until they span at least this many bytes (H100 L2: 50 MiB). */
    static final long ROTATE_BYTES = 128L << 20;
    static final int MAX_ROTATE = 8;

    private BenchSupport() {
    }

    /** {@code {batch, rows, cols}} from {@code "BATCHxROWSxCOLS"}. */
    static int[] shape(String s) {
        String[] p = s.split("x");
        if (p.length != 3) {
            throw new IllegalArgumentException("shape must be BATCHxROWSxCOLS, got " + s);
        }
        return new int[]{Integer.parseInt(p[0]), Integer.parseInt(p[1]), Integer.parseInt(p[2])};
    }

    /** Seeded standard Gaussian floats. */
    static float[] gaussian(long seed, long n) {
        SplittableRandom r = new SplittableRandom(seed);
        float[] a = new float[Math.toIntExact(n)];
        for (int i = 0; i < a.length; i++) {
            a[i] = (float) gaussian(r);
        }
        return a;
    }

    private static double gaussian(SplittableRandom r) {
        double u = r.nextDouble();
        double v = r.nextDouble();
        return Math.sqrt(-2 * Math.log1p(-u)) * Math.cos(2 * Math.PI * v);   // Box–Muller
    }

    /** How many copies of an input of {@code bytes} to rotate through so they span {@link #ROTATE_BYTES}. */
    static int rotation(long bytes) {
        return (int) Math.max(1, Math.min(MAX_ROTATE, (ROTATE_BYTES + bytes - 1) / Math.max(1, bytes)));
    }

    /** A CUDA context, or an exception whose message says why there is none (JMH reports it for the benchmark). */
    static Context cuda() {
        try {
            return Context.create(BackendKind.CUDA);
        } catch (BackendUnavailableException e) {
            throw new IllegalStateException("SKIPPED: no CUDA device for this GPU benchmark: " + e.getMessage(), e);
        }
    }

    /** Uploads {@code copies} seeded Gaussian batches of the given shape. */
    static MatrixBatch[] uploads(Context ctx, int copies, int batch, int rows, int cols, long seed) {
        MatrixBatch[] in = new MatrixBatch[copies];
        for (int c = 0; c < copies; c++) {
            in[c] = ctx.upload(gaussian(seed + c, (long) batch * rows * cols), batch, rows, cols);
        }
        return in;
    }

    /**
     * Newton–Schulz work per operation, symmetric flops (the Gram products counted once per distinct element):
     * per step {@code m²n} ({@code A = X Xᵀ}) + {@code m³} ({@code A·A}) + {@code 2m²n} ({@code B·X}).
     */
    static double nsFlops(int batch, int rows, int cols, int steps) {
        double m = Math.min(rows, cols);
        double n = Math.max(rows, cols);
        return (double) batch * steps * (3 * m * m * n + m * m * m);
    }

    /** Relative Frobenius difference {@code ‖a − b‖ / ‖b‖} over the first {@code n} elements. */
    static double relErr(float[] a, float[] b, int n) {
        double d = 0;
        double s = 0;
        for (int i = 0; i < n; i++) {
            double e = (double) a[i] - b[i];
            d += e * e;
            s += (double) b[i] * b[i];
        }
        return Math.sqrt(d / Math.max(s, Double.MIN_NORMAL));
    }

    /** The exact polar factor of matrix 0 of {@code data} on the CPU backend (float64 inside), or null if too big. */
    static float[] exactPolarFirst(float[] data, int rows, int cols, int maxSide) {
        if (Math.max(rows, cols) > maxSide) {
            return null;
        }
        float[] first = java.util.Arrays.copyOf(data, rows * cols);
        try (Context cpu = Context.create(BackendKind.CPU);
             MatrixBatch g = cpu.upload(first, 1, rows, cols);
             MatrixBatch p = cpu.polar(g)) {
            return p.toArray();
        }
    }

    /** Appends one work line (see the class comment) when {@code ORTHO4J_BENCH_WORK} is set. */
    static void record(BenchmarkParams bp, String family, int batch, int rows, int cols, double flop, double bytes,
                       Double relErr) {
        String file = System.getenv("ORTHO4J_BENCH_WORK");
        if (file == null || file.isEmpty()) {
            return;
        }
        Map<String, String> params = new TreeMap<>();
        for (String k : bp.getParamsKeys()) {
            params.put(k, bp.getParam(k));
        }
        StringBuilder sb = new StringBuilder("{\"benchmark\":").append(str(bp.getBenchmark())).append(",\"params\":{");
        boolean first = true;
        for (Map.Entry<String, String> e : params.entrySet()) {
            sb.append(first ? "" : ",").append(str(e.getKey())).append(':').append(str(e.getValue()));
            first = false;
        }
        sb.append("},\"family\":").append(str(family)).append(",\"batch\":").append(batch)
                .append(",\"rows\":").append(rows).append(",\"cols\":").append(cols)
                .append(",\"flop\":").append(num(flop)).append(",\"bytes\":").append(num(bytes))
                .append(",\"rel_err\":").append(relErr == null ? "null" : num(relErr)).append("}\n");
        try {
            Files.writeString(Path.of(file), sb, StandardCharsets.UTF_8, StandardOpenOption.CREATE, StandardOpenOption.APPEND);
        } catch (IOException e) {
            throw new IllegalStateException("cannot append to ORTHO4J_BENCH_WORK=" + file + ": " + e, e);
        }
    }

    /** The benchmark method's simple name ({@code oursBf16}) from JMH's full name. */
    static String method(BenchmarkParams bp) {
        String b = bp.getBenchmark();
        return b.substring(b.lastIndexOf('.') + 1);
    }

    private static String num(double v) {
        return Double.isFinite(v) ? String.format(Locale.ROOT, "%.6g", v) : "null";
    }

    private static String str(String s) {
        return "\"" + s.replace("\\", "\\\\").replace("\"", "\\\"") + "\"";
    }
}
