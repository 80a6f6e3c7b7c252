package org.ortho4j.optim;

import java.io.PrintStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Random;
import org.ortho4j.BackendKind;
import org.ortho4j.Context;
import org.ortho4j.MatrixBatch;

/**
 * {@code ortho4j train}: trains {@link ResidualMlp} on the UCI digits ({@link Digits}) with several optimizers, each
 * at its tuned learning rate, over several seeds, with a linear warm-up then cosine decay of the learning rate (as
 * the reference trainings schedule it), and reports the mean ± standard deviation over seeds of the final
 * validation loss and accuracy and the wall time per step; the PNG plot shows the mean curves with ±1 sd bands.
 *
 * <p>Fairness: every optimizer gets the same learning-rate sweep — {@link #SWEEP} times its base rate
 * ({@link #baseLr}) — and the rate with the lowest mean final validation loss over the seeds is the one used;
 * {@code --sweep} reruns the sweep (and prints its table) before the final runs, without it the rates found by the
 * last recorded sweep ({@link #TUNED}) are used. A seed fixes the initial weights and the minibatch order (the same
 * for every optimizer); the train/validation split is fixed. The optimizer state and parameters live on the chosen
 * backend (CUDA when present with {@code --backend auto}); the tiny model's forward and backward passes run in Java.
 */
public final class Train {
    private Train() {
    }

    static final String USAGE = String.join("\n",
            "usage: ortho4j train [--backend auto|cpu|cuda] [--steps N] [--seeds K] [--seed S] [--batch B]",
            "                     [--optimizers adamw,muon,scion,root,ddcadam[,ddcmuon]] [--plot FILE.png|none]",
            "                     [--sweep [--grid F1,F2,..]] [--full] [--warmup F] [--width D] [--hidden H] [--blocks L]",
            "                     [--eval-every K] [--constant-lr]",
            "Trains a residual ReLU MLP on the UCI handwritten digits (1797 8x8 images, CC BY 4.0) with each optimizer at its",
            "tuned learning rate (the best of the same sweep, x1/4..x8 of its base rate, for every optimizer; --sweep reruns",
            "it), linear warm-up over the first F of the steps (default 0.05) then cosine decay to 0, over K seeds (default",
            "3, starting at S); prints mean +- sd of the final validation loss and accuracy and ms per step, and plots the",
            "mean curves with +-1 sd bands. --full: --sweep, 5 seeds, 1200 steps (about an hour on 2 cores). --constant-lr: no",
            "warm-up or decay (to see what the schedule does).");

    /**
     * The learning-rate sweep: multiples of each optimizer's base rate, the same for every optimizer. It reaches x8
     * because AdamW's and DDCAdam's best factor was the top of an x1/4..x4 grid.
     */
    static final double[] SWEEP = {0.25, 0.5, 1, 2, 4, 8};

    /**
     * The multiple of {@link #baseLr} each optimizer uses without {@code --sweep}: the best of {@link #SWEEP} by mean
     * final validation loss in {@code train --sweep} (600 steps, batch 64, seeds 1–3, warm-up 5% then cosine, CPU,
     * 2026-12-01; the table is in the README): AdamW and DDCAdam x4, ROOT x2, Muon, DDCMuon and SCION x1/2 — each
     * inside the grid, not at its edge.
     */
    static final java.util.Map<String, Double> TUNED = java.util.Map.of(
            "adamw", 4.0, "muon", 0.5, "scion", 0.5, "root", 2.0, "ddcadam", 4.0, "ddcmuon", 0.5);

    /**
     * The base learning rate of each optimizer (the centre of its sweep): AdamW-family 2e-3, Muon 0.01 (its
     * AdamW for the other parameters 2e-3, scaled with it), SCION's γ 0.01, ROOT 2e-3.
     *
     * @param name the optimizer
     * @return its base rate
     */
    static double baseLr(String name) {
        switch (name) {
            case "muon":
            case "ddcmuon":
            case "scion":
                return 0.01;
            default:
                return 2e-3;
        }
    }

    /** What one run produced: the curve, the final metrics, the time. */
    record Run(int[] at, double[] train, double[] val, double[] last, double msPerStep, boolean diverged) {
    }

    /** The settings of one invocation. */
    private static final class Settings {
        String backend = "auto";
        int steps = 600;
        int seeds = 3;
        long seed = 1;
        int batch = 64;
        int width = 64;
        int hidden = 128;
        int blocks = 2;
        int evalEvery = 0;
        double warmup = 0.05;
        boolean constantLr;
        boolean sweep;
        double[] grid = SWEEP;
        String plot = "loss.png";
        String optimizers = "adamw,muon,scion,root,ddcadam";
    }

    /**
     * Entry point for the CLI.
     *
     * @param args the arguments after {@code train}
     * @param out  where progress and results go
     * @param err  where errors go
     * @return the exit status (0 ok, 2 usage error, 1 failure)
     */
    public static int run(String[] args, PrintStream out, PrintStream err) {
        Settings st = new Settings();
        boolean full = false;
        boolean stepsGiven = false;
        boolean seedsGiven = false;
        try {
            for (int i = 0; i < args.length; i++) {
                String a = args[i];
                if (a.equals("-h") || a.equals("--help")) {
                    out.println(USAGE);
                    return 0;
                }
                if (a.equals("--sweep")) {
                    st.sweep = true;
                    continue;
                }
                if (a.equals("--full")) {
                    full = true;
                    continue;
                }
                if (a.equals("--constant-lr")) {
                    st.constantLr = true;
                    continue;
                }
                if (i + 1 >= args.length) {
                    throw new IllegalArgumentException("missing value after " + a);
                }
                String v = args[++i];
                switch (a) {
                    case "--backend": st.backend = v; break;
                    case "--steps": st.steps = positive(a, v); stepsGiven = true; break;
                    case "--seeds": st.seeds = positive(a, v); seedsGiven = true; break;
                    case "--seed": st.seed = Long.parseLong(v); break;
                    case "--batch": st.batch = positive(a, v); break;
                    case "--width": st.width = positive(a, v); break;
                    case "--hidden": st.hidden = positive(a, v); break;
                    case "--blocks": st.blocks = positive(a, v); break;
                    case "--eval-every": st.evalEvery = positive(a, v); break;
                    case "--warmup": st.warmup = fraction(a, v); break;
                    case "--grid": st.grid = grid(a, v); break;
                    case "--plot": st.plot = v; break;
                    case "--optimizers": st.optimizers = v; break;
                    default: throw new IllegalArgumentException("unknown option " + a);
                }
            }
            for (String name : st.optimizers.split(",")) {
                optionsCheck(name.trim());
            }
        } catch (IllegalArgumentException e) {
            err.println("ortho4j: error: train: " + e.getMessage() + " (see 'ortho4j train --help')");
            return 2;
        }
        if (full) {
            st.sweep = true;
            st.steps = stepsGiven ? st.steps : 1200;
            st.seeds = seedsGiven ? st.seeds : 5;
        }
        if (st.evalEvery == 0) {
            st.evalEvery = Math.max(1, st.steps / 30);
        }
        BackendKind kind;
        try {
            kind = BackendKind.parse(st.backend);
        } catch (IllegalArgumentException e) {
            err.println("ortho4j: error: train: " + e.getMessage());
            return 2;
        }
        // the plot file is checked (and a temporary reserved beside it) before the training runs
        org.ortho4j.io.AtomicOutputs plotOut = null;
        Path plotPath = null;
        if (!st.plot.equalsIgnoreCase("none")) {
            try {
                plotPath = Path.of(st.plot);
                plotOut = org.ortho4j.io.AtomicOutputs.prepare("train", List.of(), List.of(plotPath));
            } catch (org.ortho4j.io.Npy.NpyException e) {
                err.println("ortho4j: error: " + e.getMessage());
                return 2;
            } catch (java.nio.file.InvalidPathException e) {
                err.println("ortho4j: error: train: --plot " + st.plot + " is not a valid path");
                return 2;
            }
        }
        try {
            return train(kind, st, plotPath, plotOut, out, err);
        } finally {
            if (plotOut != null) {
                plotOut.close();
            }
        }
    }

    private static int train(BackendKind kind, Settings st, Path plotPath, org.ortho4j.io.AtomicOutputs plotOut,
                             PrintStream out, PrintStream err) {
        Digits data = Digits.load(20250101L, 0.2);
        List<LossPlot.Series> series = new ArrayList<>();
        List<String> table = new ArrayList<>();
        List<String> sweepRows = new ArrayList<>();
        try (Context ctx = Context.create(kind)) {
            out.printf(Locale.ROOT, "backend: %s (%s)%n", ctx.description(), ctx.selectionReason());
            out.printf(Locale.ROOT, "data: UCI digits, %d train / %d validation; model: residual MLP 64-%d, %d blocks of %d hidden, 10 classes%n",
                    data.train.n, data.validation.n, st.width, st.blocks, st.hidden);
            out.printf(Locale.ROOT, "steps %d, batch %d, seeds %d..%d, learning rate: %s%n", st.steps, st.batch, st.seed,
                    st.seed + st.seeds - 1, st.constantLr ? "constant"
                            : String.format(Locale.ROOT, "linear warm-up over %.0f%% of the steps, then cosine decay to 0", 100 * st.warmup));
            for (String raw : st.optimizers.split(",")) {
                String name = raw.trim().toLowerCase(Locale.ROOT);
                double factor = TUNED.getOrDefault(name, 1.0);
                if (st.sweep) {
                    double best = Double.POSITIVE_INFINITY;
                    StringBuilder row = new StringBuilder(String.format(Locale.ROOT, "%-10s", name));
                    for (double f : st.grid) {
                        double[] vl = new double[st.seeds];
                        for (int k = 0; k < st.seeds; k++) {
                            Run r = runOnce(ctx, data, st, name, f, st.seed + k, null);
                            vl[k] = r.diverged ? Double.NaN : r.last[2];
                        }
                        double m = mean(vl);
                        row.append(String.format(Locale.ROOT, " %13s", Double.isNaN(m) ? "diverged" : String.format(Locale.ROOT, "%.4f±%.4f", m, sd(vl))));
                        out.printf(Locale.ROOT, "[%-8s] sweep lr %.3g (x%s): val loss %s%n", name, f * baseLr(name), factorText(f),
                                Double.isNaN(m) ? "diverged" : String.format(Locale.ROOT, "%.4f ± %.4f", m, sd(vl)));
                        if (m < best) {
                            best = m;
                            factor = f;
                        }
                    }
                    sweepRows.add(row.append(String.format(Locale.ROOT, "   x%s", factorText(factor))).toString());
                }
                Run[] runs = new Run[st.seeds];
                for (int k = 0; k < st.seeds; k++) {
                    runs[k] = runOnce(ctx, data, st, name, factor, st.seed + k, out);
                }
                table.add(summaryRow(name, factor * baseLr(name), runs));
                series.add(meanSeries(name, runs));
            }
        } catch (org.ortho4j.Ortho4jException e) {
            // backend unavailable, out of memory, non-finite values: the user's situation, not a bug
            err.println("ortho4j: error: train: " + e.getMessage().replaceAll("\\s*[\\r\\n]+\\s*", " "));
            return 2;
        } catch (RuntimeException e) {
            err.println("ortho4j: error: train: internal error: " + e);
            return 1;
        }
        if (!sweepRows.isEmpty()) {
            out.println();
            StringBuilder h = new StringBuilder(String.format(Locale.ROOT, "%-10s", "sweep"));
            for (double f : st.grid) {
                h.append(String.format(Locale.ROOT, " %13s", "lr x" + factorText(f)));
            }
            out.println(h.append("   best"));
            for (String r : sweepRows) {
                out.println(r);
            }
        }
        out.println();
        out.printf(Locale.ROOT, "%-10s %9s %17s %15s %17s %8s%n", "optimizer", "lr", "val loss", "val acc", "train loss", "ms/step");
        for (String row : table) {
            out.println(row);
        }
        if (plotOut != null) {
            try {
                String title = String.format(Locale.ROOT, "ortho4j train: residual MLP on UCI digits, mean ± sd over seeds %d..%d",
                        st.seed, st.seed + st.seeds - 1);
                plotOut.write(plotPath, o -> LossPlot.write(o, title, series));
                plotOut.commit();
                out.println("plot: " + plotPath.toAbsolutePath());
            } catch (org.ortho4j.io.Npy.NpyException e) {
                err.println("ortho4j: error: " + e.getMessage());
                return 2;
            }
        }
        return 0;
    }

    /**
     * The learning-rate multiplier at step {@code s} (1-based) of {@code total}: linear warm-up over the first
     * {@code warmup} fraction, then cosine decay to 0 (transformers' {@code get_cosine_schedule_with_warmup}, which
     * the ROOT reference trains with).
     *
     * @param s      the step, 1-based
     * @param total  the number of steps
     * @param warmup the warm-up fraction of the steps
     * @return the multiplier in [0, 1]
     */
    static double schedule(int s, int total, double warmup) {
        int w = (int) Math.round(warmup * total);
        if (s <= w) {
            return (double) s / Math.max(1, w);
        }
        double progress = (double) (s - w) / Math.max(1, total - w);
        return 0.5 * (1 + Math.cos(Math.PI * Math.min(1, progress)));
    }

    /** One training run of {@code name} at {@code factor}·base rate from {@code seed}; progress to {@code out} if set. */
    private static Run runOnce(Context ctx, Digits data, Settings st, String name, double factor, long seed, PrintStream out) {
        List<Integer> at = new ArrayList<>();
        List<Double> tr = new ArrayList<>();
        List<Double> va = new ArrayList<>();
        long trainNanos = 0;
        boolean diverged = false;
        double[] fin;
        try (ResidualMlp model = ResidualMlp.create(ctx, Digits.FEATURES, st.width, st.hidden, st.blocks, Digits.CLASSES, seed);
             Optimizer opt = build(name, ctx, model.groups(), factor)) {
            List<MatrixBatch> grads = model.newGradients();
            Random order = new Random(seed * 31 + 7);
            float[] xb = new float[st.batch * Digits.FEATURES];
            int[] yb = new int[st.batch];
            double[] first = evaluate(model, data);
            at.add(0);
            tr.add(first[0]);
            va.add(first[2]);
            for (int s = 1; s <= st.steps; s++) {
                for (int b = 0; b < st.batch; b++) {
                    int idx = order.nextInt(data.train.n);
                    System.arraycopy(data.train.x, idx * Digits.FEATURES, xb, b * Digits.FEATURES, Digits.FEATURES);
                    yb[b] = data.train.y[idx];
                }
                long t0 = System.nanoTime();
                double l = model.loss(xb, yb, st.batch, grads, null);
                if (!Double.isFinite(l)) {
                    diverged = true;
                    if (out != null) {
                        out.printf(Locale.ROOT, "[%-8s] seed %d step %d: loss is %s, stopping this run%n", name, seed, s, l);
                    }
                    break;
                }
                opt.learningRateScale(st.constantLr ? 1.0 : schedule(s, st.steps, st.warmup));
                opt.step(grads);
                trainNanos += System.nanoTime() - t0;
                if (s % st.evalEvery == 0 || s == st.steps) {
                    double[] ev = evaluate(model, data);
                    at.add(s);
                    tr.add(ev[0]);
                    va.add(ev[2]);
                    if (out != null && (s == st.steps || s % (st.evalEvery * 5) == 0)) {
                        out.printf(Locale.ROOT, "[%-8s] seed %d step %5d/%d  train %.4f  val %.4f  val acc %.3f%n",
                                name, seed, s, st.steps, ev[0], ev[2], ev[3]);
                    }
                }
            }
            fin = evaluate(model, data);
            for (MatrixBatch g : grads) {
                g.close();
            }
        }
        return new Run(at.stream().mapToInt(Integer::intValue).toArray(), tr.stream().mapToDouble(Double::doubleValue).toArray(),
                va.stream().mapToDouble(Double::doubleValue).toArray(), fin, trainNanos / 1e6 / Math.max(1, st.steps), diverged);
    }

    /** {@code name  lr  val loss ± sd  val acc ± sd  train loss ± sd  ms/step} over the seeds' runs. */
    private static String summaryRow(String name, double lr, Run[] runs) {
        double[] vl = new double[runs.length];
        double[] vacc = new double[runs.length];
        double[] tl = new double[runs.length];
        double ms = 0;
        for (int k = 0; k < runs.length; k++) {
            vl[k] = runs[k].diverged ? Double.NaN : runs[k].last[2];
            vacc[k] = runs[k].diverged ? Double.NaN : runs[k].last[3];
            tl[k] = runs[k].diverged ? Double.NaN : runs[k].last[0];
            ms += runs[k].msPerStep / runs.length;
        }
        return String.format(Locale.ROOT, "%-10s %9.3g %17s %15s %17s %8.2f", name, lr, pm(vl, 4), pm(vacc, 3), pm(tl, 4), ms);
    }

    private static String pm(double[] v, int digits) {
        double m = mean(v);
        return Double.isNaN(m) ? "diverged" : String.format(Locale.ROOT, "%." + digits + "f±%." + digits + "f", m, sd(v));
    }

    /** Mean curves with their standard deviations over the runs (at the evaluation steps all runs reached). */
    private static LossPlot.Series meanSeries(String name, Run[] runs) {
        int n = Integer.MAX_VALUE;
        for (Run r : runs) {
            n = Math.min(n, r.at.length);
        }
        double[] tm = new double[n];
        double[] ts = new double[n];
        double[] vm = new double[n];
        double[] vs = new double[n];
        double[] col = new double[runs.length];
        for (int i = 0; i < n; i++) {
            for (int k = 0; k < runs.length; k++) {
                col[k] = runs[k].train[i];
            }
            tm[i] = mean(col);
            ts[i] = sd(col);
            for (int k = 0; k < runs.length; k++) {
                col[k] = runs[k].val[i];
            }
            vm[i] = mean(col);
            vs[i] = sd(col);
        }
        return new LossPlot.Series(name, java.util.Arrays.copyOf(runs[0].at, n), tm, vm, runs.length > 1 ? ts : null,
                runs.length > 1 ? vs : null);
    }

    /** Mean of the finite values, NaN if any is NaN (a diverged run counts against the setting). */
    static double mean(double[] v) {
        double s = 0;
        for (double x : v) {
            s += x;
        }
        return s / v.length;
    }

    /** Sample standard deviation (n − 1), 0 for one value. */
    static double sd(double[] v) {
        if (v.length < 2) {
            return 0;
        }
        double m = mean(v);
        double s = 0;
        for (double x : v) {
            s += (x - m) * (x - m);
        }
        return Math.sqrt(s / (v.length - 1));
    }

    private static String factorText(double f) {
        return f >= 1 ? String.format(Locale.ROOT, "%.0f", f) : "1/" + Math.round(1 / f);
    }

    private static double[] grid(String flag, String v) {
        String[] parts = v.split(",");
        double[] g = new double[parts.length];
        for (int i = 0; i < parts.length; i++) {
            try {
                g[i] = Double.parseDouble(parts[i].trim());
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException(flag + " needs comma-separated positive numbers, got '" + v + "'");
            }
            if (!(g[i] > 0) || Double.isInfinite(g[i])) {
                throw new IllegalArgumentException(flag + " needs comma-separated positive numbers, got '" + v + "'");
            }
        }
        return g;
    }

    private static double fraction(String flag, String v) {
        double f;
        try {
            f = Double.parseDouble(v);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(flag + " needs a number, got '" + v + "'");
        }
        if (!(f >= 0 && f < 1)) {
            throw new IllegalArgumentException(flag + " must be in [0, 1), got " + v);
        }
        return f;
    }

    /** {train loss, train acc, val loss, val acc} over the whole splits. */
    static double[] evaluate(ResidualMlp model, Digits data) {
        int[] c = new int[1];
        double tl = model.loss(data.train.x, data.train.y, data.train.n, null, c);
        double ta = (double) c[0] / data.train.n;
        double vl = model.loss(data.validation.x, data.validation.y, data.validation.n, null, c);
        return new double[]{tl, ta, vl, (double) c[0] / data.validation.n};
    }

    private static void optionsCheck(String name) {
        switch (name.toLowerCase(Locale.ROOT)) {
            case "adamw": case "muon": case "scion": case "root": case "ddcadam": case "ddcmuon":
                return;
            default:
                throw new IllegalArgumentException("unknown optimizer '" + name + "': expected adamw, muon, scion, root, ddcadam or ddcmuon");
        }
    }

    /**
     * The optimizers with this showcase's settings at {@code factor} times their base rate ({@link #baseLr}); Muon's
     * inner AdamW rate scales with its own.
     *
     * @param name   the optimizer
     * @param ctx    the context
     * @param groups the model's parameter groups
     * @param factor the multiple of the base rate
     * @return the optimizer
     */
    static Optimizer build(String name, Context ctx, List<ParamGroup> groups, double factor) {
        switch (name) {
            case "adamw": {
                AdamW.Options o = new AdamW.Options();
                o.lr = factor * baseLr(name);
                return new AdamW(ctx, groups, o);
            }
            case "muon":
            case "ddcmuon": {
                Muon.Options o = new Muon.Options();
                o.lr = factor * baseLr(name);
                o.adamLr = factor * 2e-3;
                return name.equals("muon") ? new Muon(ctx, groups, o) : new DdcMuon(ctx, groups, o);
            }
            case "scion": {
                Scion.Options o = new Scion.Options();
                o.lr = factor * baseLr(name);
                o.radius = 1.0;
                o.schedule = org.ortho4j.Schedule.muon(); // as the reference code; the exact polar is slower here
                for (ParamGroup g : groups) {
                    if (g.role() == Role.OUTPUT) {
                        g.radius(10.0);
                    } else if (g.role() == Role.BIAS_GAIN) {
                        g.radius(0.1);
                    }
                }
                return new Scion(ctx, groups, o);
            }
            case "root": {
                Root.Options o = new Root.Options();
                o.lr = factor * baseLr(name);
                return new Root(ctx, groups, o);
            }
            case "ddcadam": {
                AdamW.Options o = new AdamW.Options();
                o.lr = factor * baseLr(name);
                return new DdcAdam(ctx, groups, o);
            }
            default:
                throw new IllegalArgumentException("unknown optimizer " + name);
        }
    }

    private static int positive(String flag, String v) {
        int n;
        try {
            n = Integer.parseInt(v);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(flag + " needs an integer, got '" + v + "'");
        }
        if (n < 1) {
            throw new IllegalArgumentException(flag + " must be ≥ 1, got " + n);
        }
        return n;
    }

    /**
     * Runs {@code train} and exits with its status.
     *
     * @param args the arguments, as for {@code ortho4j train}
     */
    public static void main(String[] args) {
        System.exit(run(args, System.out, System.err));
    }
}
