package org.ortho4j.optim;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.ortho4j.BackendKind;
import org.ortho4j.Context;
import org.ortho4j.MatrixBatch;

/** {@code ortho4j train} in miniature, the data set, and the model's gradient. */
class TrainTest {

    @Test
    void tinyRunOfEveryOptimizerPrintsLossesAndWritesThePlot(@TempDir Path dir) throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        Path plot = Files.createDirectory(dir.resolve("curves")).resolve("loss.png");   // outputs need an existing directory
        int rc = Train.run(new String[]{"--backend", "cpu", "--steps", "6", "--eval-every", "3", "--width", "16",
                "--hidden", "16", "--blocks", "1", "--batch", "16", "--optimizers", "adamw,muon,scion,root,ddcadam,ddcmuon",
                "--plot", plot.toString()}, new PrintStream(out, true, StandardCharsets.UTF_8), new PrintStream(err, true, StandardCharsets.UTF_8));
        String o = out.toString(StandardCharsets.UTF_8);
        assertEquals(0, rc, "stdout:\n" + o + "\nstderr:\n" + err.toString(StandardCharsets.UTF_8));
        for (String name : List.of("adamw", "muon", "scion", "root", "ddcadam", "ddcmuon")) {
            assertTrue(o.contains("[" + name), "progress line of " + name + " in\n" + o);
            assertTrue(o.lines().anyMatch(l -> l.startsWith(name + " ") && l.trim().split("\\s+").length == 6),
                    "final table row of " + name + " in\n" + o);
        }
        byte[] png = Files.readAllBytes(plot);
        assertTrue(png.length > 1000);
        assertEquals((byte) 0x89, png[0]);
        assertEquals('P', png[1]);
    }

    @Test
    void badFlagsAreUsageErrors() {
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        PrintStream e = new PrintStream(err, true, StandardCharsets.UTF_8);
        PrintStream o = new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8);
        assertEquals(2, Train.run(new String[]{"--optimizers", "sgd"}, o, e));
        assertEquals(2, Train.run(new String[]{"--steps", "0"}, o, e));
        assertEquals(2, Train.run(new String[]{"--bogus", "1"}, o, e));
        assertEquals(2, Train.run(new String[]{"--sweep", "--grid", "0,1"}, o, e));
        assertEquals(2, Train.run(new String[]{"--warmup", "1.5"}, o, e));
        assertTrue(err.toString(StandardCharsets.UTF_8).contains("unknown optimizer 'sgd'"));
    }

    @Test
    void digitsLoadAndSplit() {
        Digits d = Digits.load(7, 0.2);
        assertEquals(1797, d.train.n + d.validation.n);
        assertEquals(359, d.validation.n);
        int[] counts = new int[10];
        for (int y : d.train.y) {
            counts[y]++;
        }
        assertTrue(Arrays.stream(counts).allMatch(c -> c > 100), Arrays.toString(counts));
        for (float v : d.train.x) {
            assertTrue(v >= 0 && v <= 1);
        }
    }

    @Test
    void modelGradientMatchesFiniteDifferences() {
        try (Context ctx = Context.create(BackendKind.CPU);
             ResidualMlp m = ResidualMlp.create(ctx, 64, 6, 7, 2, 10, 11)) {
            Digits d = Digits.load(3, 0.2);
            int n = 20;
            float[] x = Arrays.copyOf(d.train.x, n * 64);
            List<MatrixBatch> g = m.newGradients();
            m.loss(x, d.train.y, n, g, null);
            java.util.Random r = new java.util.Random(5);
            for (int p = 0; p < m.parameters().size(); p++) {
                MatrixBatch param = m.parameters().get(p);
                float[] w = param.toArray();
                float[] gp = g.get(p).toArray();
                for (int trial = 0; trial < 3; trial++) {
                    int i = r.nextInt(w.length);
                    float h = 1e-3f;
                    float[] wp = w.clone();
                    wp[i] += h;
                    param.copyFrom(wp);
                    double lp = m.loss(x, d.train.y, n, null, null);
                    wp[i] -= 2 * h;
                    param.copyFrom(wp);
                    double lm = m.loss(x, d.train.y, n, null, null);
                    param.copyFrom(w);
                    double fd = (lp - lm) / (2 * h);
                    assertEquals(fd, gp[i], 2e-3 + 2e-2 * Math.abs(fd), "parameter " + p + " element " + i);
                }
            }
        }
    }

    @Test
    void scheduleWarmsUpLinearlyThenDecaysByCosineToZero() {
        int total = 200;                                             // 5%: 10 warm-up steps
        assertEquals(0.1, Train.schedule(1, total, 0.05), 1e-12);
        assertEquals(0.5, Train.schedule(5, total, 0.05), 1e-12);
        assertEquals(1.0, Train.schedule(10, total, 0.05), 1e-12);
        assertEquals(0.5, Train.schedule(105, total, 0.05), 1e-12); // half-way through the decay: cos(π/2)
        assertEquals(0.0, Train.schedule(200, total, 0.05), 1e-12);
        double prev = 2;
        for (int t = 10; t <= total; t++) {
            double v = Train.schedule(t, total, 0.05);
            assertTrue(v <= prev && v >= 0, "not decreasing at " + t);
            prev = v;
        }
        assertEquals(0.5 * (1 + Math.cos(Math.PI / total)), Train.schedule(1, total, 0.0), 1e-12);  // no warm-up: decay from step 1
    }

    @Test
    void meanAndSampleStandardDeviation() {
        assertEquals(2.0, Train.mean(new double[]{1, 2, 3}), 0);
        assertEquals(1.0, Train.sd(new double[]{1, 2, 3}), 1e-15);
        assertEquals(0.0, Train.sd(new double[]{5}), 0);
        assertTrue(Double.isNaN(Train.mean(new double[]{1, Double.NaN})), "a diverged seed counts against the setting");
    }

    @Test
    void sweepReportsEveryFactorAndPicksOne(@TempDir Path dir) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        int rc = Train.run(new String[]{"--backend", "cpu", "--steps", "4", "--eval-every", "2", "--width", "8", "--hidden", "8",
                "--blocks", "1", "--batch", "8", "--seeds", "2", "--sweep", "--optimizers", "adamw,muon", "--plot", "none"},
                new PrintStream(out, true, StandardCharsets.UTF_8), new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8));
        String o = out.toString(StandardCharsets.UTF_8);
        assertEquals(0, rc, o);
        for (String name : List.of("adamw", "muon")) {
            assertEquals(Train.SWEEP.length, o.lines().filter(l -> l.startsWith("[" + name) && l.contains("sweep lr")).count(), o);
            assertTrue(o.lines().anyMatch(l -> l.startsWith(name + " ") && l.contains("±") && l.matches(".*x(1/\\d+|\\d+)$")),
                    "sweep table row of " + name + " in\n" + o);
        }
        assertTrue(o.contains("seeds 1..2"), o);
        ByteArrayOutputStream out2 = new ByteArrayOutputStream();
        assertEquals(0, Train.run(new String[]{"--backend", "cpu", "--steps", "2", "--width", "8", "--hidden", "8", "--blocks", "1",
                "--batch", "8", "--seeds", "1", "--sweep", "--grid", "0.5,3", "--constant-lr", "--optimizers", "adamw", "--plot", "none"},
                new PrintStream(out2, true, StandardCharsets.UTF_8), new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8)));
        String o2 = out2.toString(StandardCharsets.UTF_8);
        assertEquals(2, o2.lines().filter(l -> l.contains("sweep lr")).count(), o2);
        assertTrue(o2.contains("learning rate: constant") && o2.contains("x1/2") && o2.contains("x3"), o2);
    }
}
