package org.ortho4j.cli;

import java.io.PrintStream;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import org.ortho4j.BackendKind;
import org.ortho4j.Context;
import org.ortho4j.Lmo;
import org.ortho4j.MatrixBatch;
import org.ortho4j.Ortho4jException;
import org.ortho4j.Precision;
import org.ortho4j.RotationGauge;
import org.ortho4j.Schedule;
import org.ortho4j.cli.Args.UsageException;
import org.ortho4j.io.AtomicOutputs;
import org.ortho4j.io.IoErrors;
import org.ortho4j.io.Npy;
import org.ortho4j.io.Npy.Matrices;
import org.ortho4j.io.Npy.NpyException;

/**
 * The {@code ortho4j} command-line tool: a demo on transformer-shaped matrices, and each kernel family applied
 * to {@code .npy} files. Exit status 0 on success; 2 with a one-line {@code ortho4j: error: ...} on standard
 * error for a wrong command line, an unreadable or unsupported file, wrong shapes, non-finite input or an
 * unavailable backend; 1 for an internal error (a bug), also one line.
 */
public final class Main {
    private Main() {
    }

    static final int OK = 0;
    static final int INTERNAL = 1;
    static final int ERROR = 2;

    /**
     * The {@code ortho4j} command: runs the command line and exits with its status (0 ok, 2 an error in the
     * arguments or the data, 1 an internal error).
     *
     * @param args the command line; {@code --help} lists the commands
     */
    public static void main(String[] args) {
        int code = run(args, System.out, System.err);
        System.out.flush();
        System.exit(code);
    }

    /** Runs one command line; returns the exit status. Never throws. */
    static int run(String[] args, PrintStream out, PrintStream err) {
        try {
            return dispatch(args == null ? new String[0] : args, out, err);
        } catch (UsageException e) {
            err.println("ortho4j: error: " + oneLine(e.getMessage()) + " (see 'ortho4j --help')");
            return ERROR;
        } catch (NpyException e) {
            err.println("ortho4j: error: " + oneLine(e.getMessage()));
            return ERROR;
        } catch (Ortho4jException | IllegalArgumentException e) {
            // Ortho4jException: backend unavailable, non-finite input, out of memory on the backend.
            // IllegalArgumentException: the API refused the shapes or a parameter.
            err.println("ortho4j: error: " + oneLine(e.getMessage()));
            return ERROR;
        } catch (OutOfMemoryError e) {
            err.println("ortho4j: error: out of Java heap (" + oneLine(e.getMessage()) + "); raise -Xmx or use smaller inputs");
            return ERROR;
        } catch (RuntimeException | Error e) {
            err.println("ortho4j: error: internal error: " + e.getClass().getSimpleName() + ": " + oneLine(e.getMessage()));
            return INTERNAL;
        }
    }

    static String oneLine(String s) {
        return s == null ? "(no message)" : s.replaceAll("\\s*[\\r\\n]+\\s*", " ").strip();
    }

    // ------------------------------------------------------------------ usage

    static final String USAGE = String.join("\n",
            "usage: ortho4j COMMAND [OPTIONS]",
            "",
            "Batched orthogonalisation kernels for geometry-aware optimizers (Muon, SCION, ROOT, DDC).",
            "Inputs and outputs are .npy files: float32 or float64, C order, 2-D (one matrix) or 3-D (a batch).",
            "",
            "commands:",
            "  demo            Newton-Schulz on GPT-2-shaped random matrices with every built-in schedule",
            "  orthogonalize   Newton-Schulz orthogonalisation: X ~ polar(G)",
            "  polar           exact polar factor U V^T (float64 SVD)",
            "  lmo             SCION's linear minimisation oracle of a layer norm",
            "  soft-threshold  ROOT's outlier split M = base + outlier at a quantile of |M|",
            "  gauge           DDC gauge projections: gauge rotation | gauge scaling | gauge logit-shift",
            "  train           train a small model on real data with AdamW, Muon, Scion, ROOT and DDCAdam",
            "  calibrate       fit a per-shape, per-step Newton-Schulz schedule: calibrate --shape MxN [--steps T]",
            "",
            "Every command takes --backend cpu|cuda|auto (default auto: CUDA when a device is present) and --help.",
            "Exit status: 0 success, 2 error (usage, files, shapes, non-finite input, backend), 1 internal error.");

    private static final String BACKEND_HELP = "  --backend cpu|cuda|auto   where to run (default auto)";

    static final String DEMO_USAGE = String.join("\n",
            "usage: ortho4j demo [--backend cpu|cuda|auto] [--quick | --full] [--seed N]",
            "",
            "Runs 5-step Newton-Schulz with each built-in schedule (" + String.join(", ", Schedule.builtinNames()) + ") on",
            "random matrices of GPT-2-small shapes (768x768, 768x3072, 3072x768, 12 heads of 64x64) whose spectra decay",
            "like gradients', and prints the error to the exact polar factor, the output's singular-value band and the",
            "median time.",
            BACKEND_HELP,
            "  --quick                   small shapes only (a few seconds)",
            "  --full                    larger batches and more timing runs",
            "  --seed N                  random seed (default " + Demo.DEFAULT_SEED + ")");

    static final String ORTHO_USAGE = String.join("\n",
            "usage: ortho4j orthogonalize [--schedule muon|polar-express|root|auto] [--steps T]",
            "                             [--precision fp32|tf32|bf16] --in G.npy --out X.npy",
            "",
            "X = NS(G): Newton-Schulz with the schedule's coefficients (default auto), per matrix of the batch.",
            BACKEND_HELP,
            "  --schedule NAME           coefficient schedule (default auto)",
            "  --steps T                 number of steps, 1..100 (default: the schedule's, 5)",
            "  --precision P             operand precision of the products (default fp32)",
            "  --in FILE / --out FILE    input G and output X, same shape");

    static final String POLAR_USAGE = String.join("\n",
            "usage: ortho4j polar --in G.npy --out Q.npy",
            "",
            "Q = U V^T from the SVD of each matrix, computed in float64.",
            BACKEND_HELP);

    static final String LMO_USAGE = String.join("\n",
            "usage: ortho4j lmo --norm spectral|colnorm|rownorm|sign|bias [--layer input|hidden|output]",
            "                   [--schedule NAME] --in D.npy --out L.npy",
            "",
            "L = lmo(D), SCION's unit-norm steepest-descent direction for the layer's norm (sign dropped).",
            BACKEND_HELP,
            "  --norm N                  the layer norm",
            "  --layer L                 where the layer sits (default hidden)",
            "  --schedule NAME           spectral only: approximate polar(D) by Newton-Schulz (default: exact)");

    static final String SOFT_USAGE = String.join("\n",
            "usage: ortho4j soft-threshold [--quantile Q] --in M.npy --out-base B.npy --out-outlier O.npy",
            "",
            "ROOT's split per matrix: eps = quantile(|M|, Q) + 1e-9, O = sign(M) max(|M| - eps, 0), B = clamp(M, -eps, eps).",
            "Prints eps of each matrix.",
            BACKEND_HELP,
            "  --quantile Q              in [0, 1] (default 0.9)");

    static final String GAUGE_USAGE = String.join("\n",
            "usage: ortho4j gauge rotation --heads H [--kv-heads K] [--rope none|interleaved|half] [--pair qk|vo]",
            "                              --w1 W1.npy --w2 W2.npy --g1 G1.npy --g2 G2.npy --out1 H1.npy --out2 H2.npy",
            "       ortho4j gauge scaling  --w1 W1.npy --w2 W2.npy --g1 G1.npy --g2 G2.npy --out1 H1.npy --out2 H2.npy",
            "       ortho4j gauge logit-shift --in G.npy --out H.npy",
            "",
            "Removes from an update (G1, G2) its component along a symmetry orbit of the weights (W1, W2).",
            "  rotation: qk: W1 = W_Q (H*d)xD, W2 = W_K (K*d)xD;  vo: W1 = W_V (K*d)xD, W2 = W_O Dx(H*d)",
            "            (--kv-heads defaults to H; RoPE conventions apply to qk only)",
            "  scaling:  W1 is k x D1 and W2 is D2 x k; row i of W1 pairs with column i of W2",
            "  logit-shift: H = G with each column's mean over the rows (the vocabulary) removed",
            BACKEND_HELP);

    // ------------------------------------------------------------------ dispatch

    private static int dispatch(String[] args, PrintStream out, PrintStream err) throws UsageException, NpyException {
        if (args.length == 0) {
            throw new UsageException("no command given");
        }
        String cmd = args[0];
        List<String> rest = Arrays.asList(args).subList(1, args.length);
        switch (cmd) {
            case "--help":
            case "-h":
            case "help":
                out.println(USAGE);
                return OK;
            case "demo":
                return demo(rest, out);
            case "orthogonalize":
            case "orthogonalise":
                return orthogonalize(rest, out);
            case "polar":
                return polar(rest, out);
            case "lmo":
                return lmo(rest, out);
            case "soft-threshold":
                return softThreshold(rest, out);
            case "gauge":
                return gauge(rest, out);
            case "train":
                return org.ortho4j.optim.Train.run(rest.toArray(new String[0]), out, err);
            case "calibrate":
                return org.ortho4j.calibrate.Calibrator.run(rest.toArray(new String[0]), out, err);
            default:
                throw new UsageException("unknown command '" + cmd + "' (expected demo, orthogonalize, polar, lmo, soft-threshold, gauge, train or calibrate)");
        }
    }

    private static boolean wantsHelp(List<String> tokens) {
        return tokens.contains("--help") || tokens.contains("-h");
    }

    private static Args parse(String cmd, List<String> tokens, Set<String> valued, Set<String> flags) throws UsageException {
        java.util.Set<String> v = new java.util.HashSet<>(valued);
        v.add("backend");
        Args a = Args.parse(cmd, tokens, v, flags);
        backendKind(a); // a wrong --backend is a usage error before any file is read
        return a;
    }

    private static BackendKind backendKind(Args a) throws UsageException {
        return BackendKind.parse(a.choice("backend", "auto", "cpu", "cuda", "auto"));
    }

    private static Context open(Args a) throws UsageException {
        return Context.create(backendKind(a));
    }

    private static int demo(List<String> tokens, PrintStream out) throws UsageException {
        if (wantsHelp(tokens)) {
            out.println(DEMO_USAGE);
            return OK;
        }
        Args a = parse("demo", tokens, Set.of("seed"), Set.of("quick", "full"));
        if (a.has("quick") && a.has("full")) {
            throw new UsageException("demo: --quick and --full exclude each other");
        }
        Demo.Mode mode = a.has("quick") ? Demo.Mode.QUICK : a.has("full") ? Demo.Mode.FULL : Demo.Mode.STANDARD;
        long seed = a.intValue("seed", (int) Demo.DEFAULT_SEED, 0, Integer.MAX_VALUE);
        try (Context ctx = open(a)) {
            new Demo(ctx, mode, seed, out).run();
        }
        return OK;
    }

    private static int orthogonalize(List<String> tokens, PrintStream out) throws UsageException, NpyException {
        if (wantsHelp(tokens)) {
            out.println(ORTHO_USAGE);
            return OK;
        }
        Args a = parse("orthogonalize", tokens, Set.of("schedule", "steps", "precision", "in", "out"), Set.of());
        Schedule schedule = schedule("orthogonalize", a.get("schedule", "auto"));
        if (a.has("steps")) {
            schedule = schedule.withSteps(a.intValue("steps", 5, 1, 100));
        }
        Precision precision = Precision.valueOf(a.choice("precision", "fp32", "fp32", "tf32", "bf16").toUpperCase(Locale.ROOT));
        Schedule sch = schedule;
        return mapFile("orthogonalize", a, out, g -> {
            Schedule.Coefficients c = sch.resolve(g.rows(), g.cols());
            return "orthogonalize " + sch.name() + " (" + c.steps() + " steps, " + c.source() + "), "
                    + precision.name().toLowerCase(Locale.ROOT);
        }, (ctx, in, res) -> ctx.newtonSchulz(in, sch, precision, res));
    }

    private static int polar(List<String> tokens, PrintStream out) throws UsageException, NpyException {
        if (wantsHelp(tokens)) {
            out.println(POLAR_USAGE);
            return OK;
        }
        Args a = parse("polar", tokens, Set.of("in", "out"), Set.of());
        return mapFile("polar", a, out, g -> "polar", Context::polar);
    }

    private static int lmo(List<String> tokens, PrintStream out) throws UsageException, NpyException {
        if (wantsHelp(tokens)) {
            out.println(LMO_USAGE);
            return OK;
        }
        Args a = parse("lmo", tokens, Set.of("norm", "layer", "schedule", "in", "out"), Set.of());
        a.required("norm");
        Lmo.Norm norm = Lmo.Norm.parse(a.choice("norm", null, "spectral", "colnorm", "rownorm", "sign", "bias"));
        Lmo.Layer layer = Lmo.Layer.parse(a.choice("layer", "hidden", "input", "hidden", "output"));
        Lmo lmo;
        if (a.has("schedule")) {
            if (norm != Lmo.Norm.SPECTRAL) {
                throw new UsageException("lmo: --schedule applies to --norm spectral only");
            }
            lmo = Lmo.spectral(layer, schedule("lmo", a.get("schedule", null)));
        } else {
            lmo = Lmo.of(norm, layer);
        }
        Lmo chosen = lmo;
        return mapFile("lmo", a, out, g -> "lmo " + chosen, (ctx, in, res) -> ctx.lmo(chosen, in, res));
    }

    private static int softThreshold(List<String> tokens, PrintStream out) throws UsageException, NpyException {
        if (wantsHelp(tokens)) {
            out.println(SOFT_USAGE);
            return OK;
        }
        Args a = parse("soft-threshold", tokens, Set.of("quantile", "in", "out-base", "out-outlier"), Set.of());
        double q = a.doubleValue("quantile", 0.9, 0, 1);
        Path in = a.path("in");
        Path basePath = a.path("out-base");
        Path outlierPath = a.path("out-outlier");
        try (AtomicOutputs outs = AtomicOutputs.prepare("soft-threshold", List.of(in), List.of(basePath, outlierPath))) {
            Matrices m = readFinite(in);
            try (Context ctx = open(a);
                 MatrixBatch mb = upload(ctx, m);
                 MatrixBatch base = ctx.allocate(m.batch(), m.rows(), m.cols());
                 MatrixBatch outlier = ctx.allocate(m.batch(), m.rows(), m.cols())) {
                float[] eps = ctx.softThreshold(mb, q, base, outlier);
                write(outs, "soft-threshold", basePath, like(m, base.toArray()));
                write(outs, "soft-threshold", outlierPath, like(m, outlier.toArray()));
                outs.commit();
                printSplit(out, ctx, m, q, basePath, outlierPath, eps);
            }
        }
        return OK;
    }

    private static void printSplit(PrintStream out, Context ctx, Matrices m, double q, Path basePath, Path outlierPath,
                                   float[] eps) {
        out.printf(Locale.ROOT, "soft-threshold: %s at quantile %s on %s -> %s, %s%n", m.shapeString(), q,
                ctx.kind().label(), basePath, outlierPath);
        for (int b = 0; b < eps.length; b++) {
            out.printf(Locale.ROOT, "matrix %d: eps = %.9g%n", b, eps[b]);
        }
    }

    private static int gauge(List<String> tokens, PrintStream out) throws UsageException, NpyException {
        if (tokens.isEmpty() || tokens.get(0).startsWith("-")) {
            if (wantsHelp(tokens)) {
                out.println(GAUGE_USAGE);
                return OK;
            }
            throw new UsageException("gauge: expected a kind: rotation, scaling or logit-shift");
        }
        String kind = tokens.get(0);
        List<String> rest = tokens.subList(1, tokens.size());
        if (wantsHelp(rest)) {
            out.println(GAUGE_USAGE);
            return OK;
        }
        switch (kind) {
            case "rotation":
                return gaugeRotation(rest, out);
            case "scaling":
                return gaugeScaling(rest, out);
            case "logit-shift":
                return gaugeLogitShift(rest, out);
            default:
                throw new UsageException("gauge: unknown kind '" + kind + "' (expected rotation, scaling or logit-shift)");
        }
    }

    private static final Set<String> PAIR_FILES = Set.of("w1", "w2", "g1", "g2", "out1", "out2");

    private static int gaugeRotation(List<String> tokens, PrintStream out) throws UsageException, NpyException {
        java.util.Set<String> valued = new java.util.HashSet<>(PAIR_FILES);
        valued.addAll(Set.of("heads", "kv-heads", "rope", "pair"));
        Args a = parse("gauge rotation", tokens, valued, Set.of());
        int heads = a.intValue("heads", -1, 1, 1 << 20);
        if (heads < 0) {
            a.required("heads");
        }
        int kv = a.intValue("kv-heads", heads, 1, 1 << 20);
        RotationGauge.Rope rope = RotationGauge.Rope.parse(a.choice("rope", "none", "none", "interleaved", "half"));
        RotationGauge.Pair pair = RotationGauge.Pair.parse(a.choice("pair", "qk", "qk", "vo"));
        RotationGauge gauge = RotationGauge.grouped(pair, heads, kv, rope);
        return pairGauge("gauge rotation", a, out, gauge);
    }

    private static int gaugeScaling(List<String> tokens, PrintStream out) throws UsageException, NpyException {
        Args a = parse("gauge scaling", tokens, PAIR_FILES, Set.of());
        return pairGauge("gauge scaling", a, out, null);
    }

    /** The rotation gauge ({@code gauge != null}) or the scaling gauge on the six files of a weight pair. */
    private static int pairGauge(String cmd, Args a, PrintStream out, RotationGauge gauge) throws UsageException, NpyException {
        Path w1p = a.path("w1");
        Path w2p = a.path("w2");
        Path g1p = a.path("g1");
        Path g2p = a.path("g2");
        Path o1 = a.path("out1");
        Path o2 = a.path("out2");
        try (AtomicOutputs outs = AtomicOutputs.prepare(cmd, List.of(w1p, w2p, g1p, g2p), List.of(o1, o2))) {
            Matrices w1 = readFinite(w1p);
            Matrices w2 = readFinite(w2p);
            Matrices g1 = readFinite(g1p);
            Matrices g2 = readFinite(g2p);
            boolean flat = !w1.batched() && !w2.batched() && !g1.batched() && !g2.batched();
            try (Context ctx = open(a);
                 MatrixBatch w1b = upload(ctx, w1);
                 MatrixBatch w2b = upload(ctx, w2);
                 MatrixBatch g1b = upload(ctx, g1);
                 MatrixBatch g2b = upload(ctx, g2);
                 MatrixBatch h1b = ctx.allocate(g1.batch(), g1.rows(), g1.cols());
                 MatrixBatch h2b = ctx.allocate(g2.batch(), g2.rows(), g2.cols())) {
                try {
                    if (gauge != null) {
                        ctx.gaugeRotation(gauge, w1b, w2b, g1b, g2b, h1b, h2b);
                    } else {
                        ctx.gaugeScaling(w1b, w2b, g1b, g2b, h1b, h2b);
                    }
                } catch (IllegalArgumentException e) {
                    throw flat ? new IllegalArgumentException(asFileShapes(e.getMessage()), e) : e;
                }
                write(outs, cmd, o1, like(g1, h1b.toArray()));
                write(outs, cmd, o2, like(g2, h2b.toArray()));
                outs.commit();
                out.printf(Locale.ROOT, "%s%s: w1 %s, w2 %s on %s -> %s, %s%n", cmd, gauge == null ? "" : " (" + gauge + ")",
                        w1.shapeString(), w2.shapeString(), ctx.kind().label(), o1, o2);
            }
        }
        return OK;
    }

    private static int gaugeLogitShift(List<String> tokens, PrintStream out) throws UsageException, NpyException {
        Args a = parse("gauge logit-shift", tokens, Set.of("in", "out"), Set.of());
        return mapFile("gauge logit-shift", a, out, g -> "gauge logit-shift", Context::gaugeLogitShift);
    }

    // ------------------------------------------------------------------ helpers

    /** An operation from one batch to a batch of the same shape on a context. */
    private interface MatrixOp {
        void apply(Context ctx, MatrixBatch in, MatrixBatch out);
    }

    /**
     * The one-input, one-output commands: reads {@code --in} (refusing non-finite values), runs {@code op} on the
     * chosen backend into a batch of the same shape, writes {@code --out} (checked writable before any work) and
     * prints one line {@code LABEL: SHAPE on BACKEND in T ms -> OUT}.
     */
    private static int mapFile(String cmd, Args a, PrintStream out, java.util.function.Function<Matrices, String> label,
                               MatrixOp op) throws UsageException, NpyException {
        Path in = a.path("in");
        Path outPath = a.path("out");
        try (AtomicOutputs outs = AtomicOutputs.prepare(cmd, List.of(in), List.of(outPath))) {
            Matrices g = readFinite(in);
            try (Context ctx = open(a);
                 MatrixBatch gb = upload(ctx, g);
                 MatrixBatch rb = ctx.allocate(g.batch(), g.rows(), g.cols())) {
                long t0 = System.nanoTime();
                op.apply(ctx, gb, rb);
                long t1 = System.nanoTime();
                write(outs, cmd, outPath, like(g, rb.toArray()));
                outs.commit();
                out.printf(Locale.ROOT, "%s: %s on %s in %.1f ms -> %s%n", label.apply(g), g.shapeString(), ctx.kind().label(),
                        (t1 - t0) / 1e6, outPath);
            }
        }
        return OK;
    }

    /**
     * Refuses a result that holds NaN or infinity (a computation that overflowed float32, e.g. a logit shift of values
     * near ±3.4e38), naming the output, the matrix and the element; otherwise writes it into its temporary.
     */
    static void write(AtomicOutputs outs, String cmd, Path file, Matrices r) throws NpyException {
        float[] d = r.data();
        for (int i = 0; i < d.length; i++) {
            if (!Float.isFinite(d[i])) {
                throw new NpyException(cmd + ": the result for " + file + " holds " + d[i] + " at " + position(r, i)
                        + " (the computation overflowed float32); nothing was written");
            }
        }
        outs.write(file, o -> Npy.writeTo(o, r));
    }

    /** {@code matrix b, row r, column c} (no matrix for a 2-D file) of flat index {@code i}. */
    private static String position(Matrices m, int i) {
        long per = (long) m.rows() * m.cols();
        int b = (int) (i / per);
        int r = (int) (i % per / m.cols());
        int c = (int) (i % m.cols());
        return (m.batched() ? "matrix " + b + ", " : "") + "row " + r + ", column " + c;
    }

    /** An API message about batches of one ({@code 1x48x32}) in the terms of 2-D files ({@code 48x32}). */
    static String asFileShapes(String message) {
        return message.replaceAll("(?<![\\dx])1x(\\d+)x(\\d+)(?![\\dx])", "$1x$2");
    }

    /** A built-in schedule by name, or a calibrated table file ({@code ortho4j calibrate --out FILE.tsv}). */
    static Schedule schedule(String cmd, String name) throws UsageException, NpyException {
        if (!Schedule.builtinNames().contains(name.trim().toLowerCase(Locale.ROOT))) {
            Path file = Path.of(name);
            if (java.nio.file.Files.isRegularFile(file) || name.endsWith(".tsv")) {
                try (java.io.InputStream in = java.nio.file.Files.newInputStream(file)) {
                    return Schedule.parse(in, file.toString());
                } catch (java.io.IOException e) {
                    throw new NpyException(cmd + ": cannot read the schedule table " + file + ": " + IoErrors.describe(e), e);
                } catch (java.io.UncheckedIOException e) {
                    throw new NpyException(cmd + ": cannot read the schedule table " + file + ": " + IoErrors.describe(e.getCause()), e);
                } catch (IllegalArgumentException e) {
                    throw new NpyException(cmd + ": not a schedule table: " + e.getMessage(), e);
                }
            }
        }
        try {
            return Schedule.byName(name);
        } catch (IllegalArgumentException e) {
            throw new UsageException(cmd + ": " + e.getMessage() + ", or a calibrated table FILE.tsv");
        }
    }

    /** Reads {@code file} and refuses NaN or infinity, naming the file and the position. */
    static Matrices readFinite(Path file) throws NpyException {
        Matrices m = Npy.read(file);
        float[] d = m.data();
        for (int i = 0; i < d.length; i++) {
            if (!Float.isFinite(d[i])) {
                throw new NpyException(file + ": holds a non-finite value (" + d[i] + ") at " + position(m, i));
            }
        }
        return m;
    }

    private static MatrixBatch upload(Context ctx, Matrices m) {
        return ctx.upload(m.data(), m.batch(), m.rows(), m.cols());
    }

    /** {@code values} with the shape (and dimensionality) of {@code m}. */
    private static Matrices like(Matrices m, float[] values) {
        return new Matrices(values, m.batch(), m.rows(), m.cols(), m.batched());
    }
}
