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
 * {@code ortho4j train}: trains {@link ResidualMlp} on the UCI digits ({@link Digits}) with several optimizers from
 * the same seed (same initial weights, same minibatch order), prints progress while it runs, a table of final
 * train/validation loss and accuracy, and writes a PNG loss-curve plot. The optimizer state and parameters live
 * on the chosen backend (CUDA when present with {@code --backend auto}); the tiny model's forward and backward
 * passes run in Java.
 */
public final class Train {
    private Train() {
    }

    static final String USAGE = String.join("\n",
            "usage: ortho4j train [--backend auto|cpu|cuda] [--steps N] [--seed S] [--batch B]",
            "                     [--optimizers adamw,muon,scion,root,ddcadam[,ddcmuon]] [--plot FILE.png|none]",
            "                     [--width D] [--hidden H] [--blocks L] [--eval-every K]",
            "Trains a residual ReLU MLP on the UCI handwritten digits (1797 8x8 images, CC BY 4.0) with each optimizer",
            "from the same seed; prints progress, final train/validation losses, and writes a loss-curve plot.");

    /**
     * Entry point for the CLI.
     *
     * @param args the arguments after {@code train}
     * @param out  where progress and results go
     * @param err  where errors go
     * @return the exit status (0 ok, 2 usage error, 1 failure)
     */
    public static int run(String[] args, PrintStream out, PrintStream err) {
        String backend = "auto";
        int steps = 600;
        long seed = 1;
        int batch = 64;
        int width = 64;
        int hidden = 128;
        int blocks = 2;
        int evalEvery = 0;
        String plot = "loss.png";
        String optimizers = "adamw,muon,scion,root,ddcadam";
        try {
            for (int i = 0; i < args.length; i++) {
                String a = args[i];
                if (a.equals("-h") || a.equals("--help")) {
                    out.println(USAGE);
                    return 0;
                }
                if (i + 1 >= args.length) {
                    throw new IllegalArgumentException("missing value after " + a);
                }
                String v = args[++i];
                switch (a) {
                    case "--backend": backend = v; break;
                    case "--steps": steps = positive(a, v); break;
                    case "--seed": seed = Long.parseLong(v); break;
                    case "--batch": batch = positive(a, v); break;
                    case "--width": width = positive(a, v); break;
                    case "--hidden": hidden = positive(a, v); break;
                    case "--blocks": blocks = positive(a, v); break;
                    case "--eval-every": evalEvery = positive(a, v); break;
                    case "--plot": plot = v; break;
                    case "--optimizers": optimizers = v; break;
                    default: throw new IllegalArgumentException("unknown option " + a);
                }
            }
            for (String name : optimizers.split(",")) {
                optionsCheck(name.trim());
            }
        } catch (IllegalArgumentException e) {
            err.println("ortho4j: error: train: " + e.getMessage() + " (see 'ortho4j train --help')");
            return 2;
        }
        if (evalEvery == 0) {
            evalEvery = Math.max(1, steps / 30);
        }
        BackendKind kind;
        try {
            kind = BackendKind.parse(backend);
        } catch (IllegalArgumentException e) {
            err.println("ortho4j: error: train: " + e.getMessage());
            return 2;
        }
        // the plot file is checked (and a temporary reserved beside it) before the training runs
        org.ortho4j.io.AtomicOutputs plotOut = null;
        Path plotPath = null;
        if (!plot.equalsIgnoreCase("none")) {
            try {
                plotPath = Path.of(plot);
                plotOut = org.ortho4j.io.AtomicOutputs.prepare("train", List.of(), List.of(plotPath));
            } catch (org.ortho4j.io.Npy.NpyException e) {
                err.println("ortho4j: error: " + e.getMessage());
                return 2;
            } catch (java.nio.file.InvalidPathException e) {
                err.println("ortho4j: error: train: --plot " + plot + " is not a valid path");
                return 2;
            }
        }
        try {
            return train(kind, steps, seed, batch, width, hidden, blocks, evalEvery, optimizers, plotPath, plotOut, out, err);
        } finally {
            if (plotOut != null) {
                plotOut.close();
            }
        }
    }

    private static int train(BackendKind kind, int steps, long seed, int batch, int width, int hidden, int blocks,
                             int evalEvery, String optimizers, Path plotPath, org.ortho4j.io.AtomicOutputs plotOut,
                             PrintStream out, PrintStream err) {
        Digits data = Digits.load(20250101L, 0.2);
        List<LossPlot.Series> series = new ArrayList<>();
        List<String> table = new ArrayList<>();
        try (Context ctx = Context.create(kind)) {
            out.printf(Locale.ROOT, "backend: %s (%s)%n", ctx.description(), ctx.selectionReason());
            out.printf(Locale.ROOT, "data: UCI digits, %d train / %d validation; model: residual MLP 64-%d, %d blocks of %d hidden, 10 classes%n",
                    data.train.n, data.validation.n, width, blocks, hidden);
            out.printf(Locale.ROOT, "steps %d, batch %d, seed %d%n", steps, batch, seed);
            for (String raw : optimizers.split(",")) {
                String name = raw.trim().toLowerCase(Locale.ROOT);
                long t0 = System.nanoTime();
                try (ResidualMlp model = ResidualMlp.create(ctx, Digits.FEATURES, width, hidden, blocks, Digits.CLASSES, seed);
                     Optimizer opt = build(name, ctx, model.groups())) {
                    List<MatrixBatch> grads = model.newGradients();
                    Random order = new Random(seed * 31 + 7);
                    float[] xb = new float[batch * Digits.FEATURES];
                    int[] yb = new int[batch];
                    List<Integer> at = new ArrayList<>();
                    List<Double> tr = new ArrayList<>();
                    List<Double> va = new ArrayList<>();
                    double[] first = evaluate(model, data);
                    at.add(0);
                    tr.add(first[0]);
                    va.add(first[2]);
                    for (int s = 1; s <= steps; s++) {
                        for (int b = 0; b < batch; b++) {
                            int idx = order.nextInt(data.train.n);
                            System.arraycopy(data.train.x, idx * Digits.FEATURES, xb, b * Digits.FEATURES, Digits.FEATURES);
                            yb[b] = data.train.y[idx];
                        }
                        double l = model.loss(xb, yb, batch, grads, null);
                        if (!Double.isFinite(l)) {
                            out.printf(Locale.ROOT, "[%-8s] step %d: loss is %s, stopping this run%n", name, s, l);
                            break;
                        }
                        opt.step(grads);
                        if (s % evalEvery == 0 || s == steps) {
                            double[] ev = evaluate(model, data);
                            at.add(s);
                            tr.add(ev[0]);
                            va.add(ev[2]);
                            out.printf(Locale.ROOT, "[%-8s] step %5d/%d  train %.4f  val %.4f  val acc %.3f  (%.1fs)%n",
                                    name, s, steps, ev[0], ev[2], ev[3], (System.nanoTime() - t0) / 1e9);
                        }
                    }
                    double[] fin = evaluate(model, data);
                    double secs = (System.nanoTime() - t0) / 1e9;
                    table.add(String.format(Locale.ROOT, "%-10s %10.4f %10.4f %9.3f %9.3f %8.1f", name, fin[0], fin[2], fin[1], fin[3], secs));
                    series.add(new LossPlot.Series(name, at.stream().mapToInt(Integer::intValue).toArray(),
                            tr.stream().mapToDouble(Double::doubleValue).toArray(), va.stream().mapToDouble(Double::doubleValue).toArray()));
                    for (MatrixBatch g : grads) {
                        g.close();
                    }
                }
            }
        } catch (org.ortho4j.Ortho4jException e) {
            // backend unavailable, out of memory, non-finite values: the user's situation, not a bug
            err.println("ortho4j: error: train: " + e.getMessage().replaceAll("\\s*[\\r\\n]+\\s*", " "));
            return 2;
        } catch (RuntimeException e) {
            err.println("ortho4j: error: train: internal error: " + e);
            return 1;
        }
        out.println();
        out.printf(Locale.ROOT, "%-10s %10s %10s %9s %9s %8s%n", "optimizer", "train loss", "val loss", "train acc", "val acc", "seconds");
        for (String row : table) {
            out.println(row);
        }
        if (plotOut != null) {
            try {
                plotOut.write(plotPath, o -> LossPlot.write(o, "ortho4j train: residual MLP on UCI digits, seed " + seed, series));
                plotOut.commit();
                out.println("plot: " + plotPath.toAbsolutePath());
            } catch (org.ortho4j.io.Npy.NpyException e) {
                err.println("ortho4j: error: " + e.getMessage());
                return 2;
            }
        }
        return 0;
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

    /** The optimizers with the settings this demo uses (tuned by hand on this model, one seed). */
    static Optimizer build(String name, Context ctx, List<ParamGroup> groups) {
        switch (name) {
            case "adamw": {
                AdamW.Options o = new AdamW.Options();
                o.lr = 2e-3;
                return new AdamW(ctx, groups, o);
            }
            case "muon":
            case "ddcmuon": {
                Muon.Options o = new Muon.Options();
                o.lr = 0.01;
                o.adamLr = 2e-3;
                return name.equals("muon") ? new Muon(ctx, groups, o) : new DdcMuon(ctx, groups, o);
            }
            case "scion": {
                Scion.Options o = new Scion.Options();
                o.lr = 0.01;
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
                o.lr = 2e-3;
                return new Root(ctx, groups, o);
            }
            case "ddcadam": {
                AdamW.Options o = new AdamW.Options();
                o.lr = 2e-3;
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
