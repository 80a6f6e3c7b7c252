package org.ortho4j.calibrate;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Random;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.ortho4j.BackendKind;
import org.ortho4j.Context;
import org.ortho4j.MatrixBatch;
import org.ortho4j.Precision;
import org.ortho4j.Schedule;
import org.ortho4j.testing.TestMatrices;

/**
 * The shipped {@code auto} table against its targets on held-out spectra (scalar domain, all shapes), in the matrix
 * domain (own float32/bf16 reference iteration, and the library's own iteration through {@link Context}), its
 * bounds, its nearest-shape interpolation, and the calibration CLI.
 */
class CalibratedScheduleTest {

    /**
     * Hard requirement: on the held-out spectra of every class, fp32 and bf16 model, a shipped shape's mean error is at
     * most Polar Express's (ratio ≤ 1.0; shapes that miss it are not shipped and take Polar Express).
     */
    static final double NEVER_WORSE = 1.0;
    /**
     * Matrix domain: one planted matrix per class, so the comparison with Polar Express carries the rounding noise of
     * one float32 / bf16 run; this absolute slack is that noise (≈ 1 bf16 ulp at 1 spread over the spectrum), not a
     * measured miss.
     */
    static final double MATRIX_SLACK_FP32 = 1e-4;
    static final double MATRIX_SLACK_BF16 = 3e-3;
    /**
     * What a shipped shape must gain: on at least one synthetic class (fp32, held-out) at least 1% below Polar Express
     * (measured 1.2–14%; the 0.8× target is not met, see {@link #momentumTargetIsProvablyOutOfReach}).
     */
    static final double SOME_GAIN = 0.99;

    private static List<String> shipped() {
        return Schedule.auto().shapes();
    }

    /** Every candidate shape is either shipped or recorded in auto.tsv as NOT SHIPPED; the ship rule holds for the shipped ones. */
    @Test
    void everyCandidateIsShippedOrRecordedAsFallingBackToPolarExpress() throws Exception {
        String text = new String(Schedule.class.getResourceAsStream("/org/ortho4j/schedules/auto.tsv").readAllBytes(), StandardCharsets.UTF_8);
        List<String> s = shipped();
        for (int[] c : Calibrator.CANDIDATES) {
            String key = Math.min(c[0], c[1]) + "x" + Math.max(c[0], c[1]);
            boolean out = text.contains("# " + key + " NOT SHIPPED");
            assertTrue(s.contains(key) ^ out, key + " shipped=" + s.contains(key) + " recorded-not-shipped=" + out);
            if (out) {
                assertTrue(Schedule.auto().resolve(c[0], c[1]).source().contains("fallback polar-express"),
                        Schedule.auto().resolve(c[0], c[1]).source());
            }
        }
        assertEquals(Calibrator.SCALE, Schedule.auto().resolve(64, 64).scale());
        assertEquals(Calibrator.EPS, Schedule.auto().resolve(64, 64).eps());
    }

    /**
     * The issue asks for at least 20 shipped shapes (GPT-2, LLaMA-like, per-head 64/128, ViT-B); 19 of the 23 candidates
     * pass the ship rule at Polar Express's rounding margin. This guards against losing more.
     */
    @Test
    void nineteenShapesAreShipped() {
        assertTrue(shipped().size() >= 19, shipped().toString());
    }

    @Test
    void shippedShapesAreNeverWorseThanPolarExpressOnHeldOutAndValidationSets() {
        StringBuilder fails = new StringBuilder();
        for (String key : shipped()) {
            int[] kw = parse(key);
            double[][] abc = Schedule.auto().resolve(kw[0], kw[1]).triples();
            Map<Spectra.Kind, double[][]> e = Calibrator.evaluate(abc, kw[0], kw[1], Report.shapeSeed(kw[0], kw[1]), 5);
            assertEquals(Spectra.Kind.values().length, e.size());
            double best = Double.MAX_VALUE;
            for (Map.Entry<Spectra.Kind, double[][]> c : e.entrySet()) {
                double[][] v = c.getValue();
                for (int p = 0; p < 2; p++) {
                    if (v[0][p] > NEVER_WORSE * v[1][p]) {
                        fails.append(String.format("%s %s prec%d: fit %.4f > PE %.4f%n", key, c.getKey(), p, v[0][p], v[1][p]));
                    }
                    if (v[0][p] >= v[2][p]) {
                        fails.append(String.format("%s %s prec%d: fit %.4f ≥ Muon %.4f%n", key, c.getKey(), p, v[0][p], v[2][p]));
                    }
                }
                if (c.getKey() != Spectra.Kind.MOMENTUM) {
                    best = Math.min(best, v[0][0] / v[1][0]);
                }
            }
            if (best > SOME_GAIN) {
                fails.append(String.format("%s: best synthetic-class ratio to PE %.4f > %.2f%n", key, best, SOME_GAIN));
            }
            for (Map.Entry<Spectra.Kind, double[]> c : Calibrator.validationWorst(abc, kw[0], kw[1], 5).entrySet()) {
                for (int p = 0; p < 2; p++) {
                    if (c.getValue()[p] > NEVER_WORSE) {
                        fails.append(String.format("%s %s prec%d: validation ratio %.4f%n", key, c.getKey(), p, c.getValue()[p]));
                    }
                }
            }
            assertEquals(null, Calibrator.rejection(abc, e, Objective.xLo(kw[0], kw[1], Calibrator.SCALE, Calibrator.EPS)), key);
        }
        assertEquals("", fails.toString());
    }

    /**
     * The issue's ≤ 0.8× Polar Express target is out of reach of every 5-step schedule on the momentum class, at every
     * candidate shape: {@link Bounds} puts the error floor above 0.8× Polar Express's error there (docs/schedules.md).
     * The bound holds for the shipped, Polar Express and Muon errors on every held-out spectrum.
     */
    @Test
    void momentumTargetIsProvablyOutOfReach() {
        for (int[] c : Calibrator.CANDIDATES) {
            int k = Math.min(c[0], c[1]), w = Math.max(c[0], c[1]);
            double[] m = Report.lowerBounds(k, w).get(Spectra.Kind.MOMENTUM);
            assertTrue(m[1] > 0.8 * m[2], k + "x" + w + ": momentum lower bound " + m[1] + " vs PE " + m[2]);
            for (Spectra.Spectrum s : Spectra.heldOut(k, w, Report.shapeSeed(k, w))) {
                double lb = Bounds.errorLowerBound(s.sigma, 5, Report.LB_BOUND);
                for (Schedule sc : new Schedule[]{Schedule.auto(), Schedule.polarExpress(), Schedule.muon()}) {
                    Schedule.Coefficients co = sc.resolve(k, w);
                    assertTrue(Bounds.outputBound(co.triples(), co.scale(), 20_000) <= Report.LB_BOUND, co.source());
                    double e = Objective.relError(co, s.sigma);
                    assertTrue(e >= lb, k + "x" + w + " " + s.label + " " + co.source() + ": " + e + " < bound " + lb);
                }
            }
        }
    }

    @Test
    void composedValuesStayBoundedAndAboveTheFloorOnADenseGrid() {
        double[] grid = new double[100_000];
        for (int i = 0; i < grid.length; i++) {
            grid[i] = Objective.X_MAX * (i + 1) / grid.length;
        }
        for (String key : shipped()) {
            int[] kw = parse(key);
            double[][] abc = Schedule.auto().resolve(kw[0], kw[1]).triples();
            double[] r = Objective.ranges(abc, grid);
            assertTrue(r[0] <= Objective.INTERMEDIATE_BOUND * 1.01, key + " intermediate max " + r[0]);
            assertTrue(r[1] <= Objective.COMPOSED_BOUND * 1.01, key + " composed max " + r[1]);
            // the fit enforces ≥ 0 on a 2000-point grid; between grid points a dip of at most 1e-2 is tolerated
            assertTrue(r[2] >= -1e-2, key + " composed min " + r[2]);
            double xLo = Objective.xLo(kw[0], kw[1], Calibrator.SCALE, Calibrator.EPS);
            double floor = Objective.composedMin(abc, grid, xLo);
            assertTrue(floor >= Objective.FLOOR, key + " composed min " + floor + " on [" + xLo + ", " + Objective.X_MAX + "]");
            // Polar Express's own margin: bounded with every intermediate pushed up 2% per step (tiny dips between the fit's grid points allowed)
            assertTrue(Objective.penalty(abc, grid, 2, 0) < 1e-6, key + " push penalty " + Objective.penalty(abc, grid, 2, 0));
            // and no value runs away (output > 1.3) under a 2% push per step on the input range [x_lo, 1/1.02]
            for (double x0 = xLo; x0 <= 1 / 1.02; x0 *= 1.0005) {
                double v = x0;
                for (double[] t : abc) {
                    v = v * (t[0] + v * v * (t[1] + v * v * t[2])) * Objective.PUSH;
                }
                assertTrue(v / Objective.PUSH <= 1.3, key + " runs away at x = " + x0 + ": " + v);
            }
        }
        double[][] pe = Schedule.polarExpress().resolve(64, 64).triples();
        assertEquals(0.0, Objective.penalty(pe, grid, 2, 0), "Polar Express meets the margins it defines");
    }

    /** Sampled Marchenko–Pastur spectra behave like SVDs of real Gaussian matrices (same schedule error, same quantiles). */
    @ParameterizedTest
    @ValueSource(strings = {"128x128", "64x768", "256x512"})
    void sampledGaussianSpectraMatchRealSvds(String shape) {
        int[] kw = parse(shape);
        Random r = new Random(11);
        float[] g = TestMatrices.gaussian(r, kw[0] * kw[1]);
        double[] real = Spectra.normalise(TestMatrices.singularValues(g, 0, kw[0], kw[1]), kw[0], kw[1]);
        double[] sampled = Spectra.gaussian(kw[0], kw[1], r);
        for (double q : new double[]{0.05, 0.25, 0.5, 0.75, 0.95}) {
            int i = (int) (q * (real.length - 1));
            assertEquals(real[i], sampled[i], 0.05 * real[0], shape + " quantile " + q);
        }
        for (Schedule s : new Schedule[]{Schedule.polarExpress(), Schedule.auto()}) {
            Schedule.Coefficients co = s.resolve(kw[0], kw[1]);
            double er = Objective.relError(co, real);
            double es = Objective.relError(co, sampled);
            assertEquals(er, es, 0.15 * er + 2e-3, shape + " " + s);
        }
    }

    /** Matrix domain with the package's own float32 / bf16 reference iteration. */
    @ParameterizedTest
    @ValueSource(strings = {"64x64", "128x128", "64x768", "128x1024"})
    void referenceIterationBeatsPolarExpressOnHeldOutMatrices(String shape) {
        int[] kw = parse(shape);
        for (boolean bf16 : new boolean[]{false, true}) {
            double[][] e = matrixErrors(kw[0], kw[1], (g, s) -> NsReference.run(g, kw[0], kw[1], s.resolve(kw[0], kw[1]), bf16));
            for (int c = 0; c < e.length; c++) {
                assertTrue(e[c][0] <= e[c][1] * NEVER_WORSE + (bf16 ? MATRIX_SLACK_BF16 : MATRIX_SLACK_FP32),
                        shape + " bf16=" + bf16 + " class " + c + " auto " + e[c][0] + " PE " + e[c][1]);
                assertTrue(e[c][0] < e[c][2], shape + " class " + c + " auto " + e[c][0] + " Muon " + e[c][2]);
            }
        }
    }

    /** Matrix domain with the library's own iteration ({@code Context.newtonSchulz}), fp32 and bf16. */
    @ParameterizedTest
    @ValueSource(strings = {"64x64", "128x128", "64x768"})
    void libraryIterationBeatsPolarExpressOnHeldOutMatrices(String shape) {
        int[] kw = parse(shape);
        try (Context ctx = Context.create(BackendKind.CPU)) {
            for (Precision p : new Precision[]{Precision.FP32, Precision.BF16}) {
                double[][] e = matrixErrors(kw[0], kw[1], (g, s) -> {
                    try (MatrixBatch in = ctx.upload(g, 1, kw[0], kw[1]); MatrixBatch out = ctx.allocate(1, kw[0], kw[1])) {
                        ctx.newtonSchulz(in, s, p, out);
                        return out.toArray();
                    }
                });
                for (int c = 0; c < e.length; c++) {
                    assertTrue(e[c][0] <= e[c][1] * NEVER_WORSE + (p == Precision.BF16 ? MATRIX_SLACK_BF16 : MATRIX_SLACK_FP32),
                            shape + " " + p + " class " + c + " auto " + e[c][0] + " PE " + e[c][1]);
                    assertTrue(e[c][0] < e[c][2], shape + " " + p + " class " + c + " auto " + e[c][0] + " Muon " + e[c][2]);
                }
            }
        }
    }

    interface Ns {
        float[] apply(float[] g, Schedule s);
    }

    /**
     * [class][auto, PE, Muon] class-mean relative errors on planted matrices with every held-out spectrum of the class
     * (the claim of the ship rule is about class means: single matrices can differ, e.g. one 64x64 Gaussian matrix is
     * 1.02× Polar Express while the class mean is 0.99×).
     */
    private static double[][] matrixErrors(int k, int w, Ns ns) {
        List<Spectra.Spectrum> test = Spectra.heldOut(k, w, Report.shapeSeed(k, w));
        Random r = new Random(5);
        Spectra.Kind[] kinds = Spectra.Kind.values();
        double[][] e = new double[kinds.length][3];
        Schedule[] s = {Schedule.auto(), Schedule.polarExpress(), Schedule.muon()};
        for (int c = 0; c < kinds.length; c++) {
            Spectra.Kind kind = kinds[c];
            List<Spectra.Spectrum> sps = test.stream().filter(q -> q.kind == kind).toList();
            for (Spectra.Spectrum sp : sps) {
                NsReference.Planted pl = NsReference.planted(k, w, sp.sigma, r);
                for (int i = 0; i < 3; i++) {
                    e[c][i] += NsReference.relError(ns.apply(pl.gFloat(), s[i]), pl.polar) / sps.size();
                }
            }
        }
        return e;
    }

    @Test
    void referenceIterationMatchesComposedPolynomialInFp32() {
        Random r = new Random(3);
        double[] sigma = Spectra.gaussian(32, 96, r);
        NsReference.Planted pl = NsReference.planted(32, 96, sigma, r);
        Schedule.Coefficients co = Schedule.auto().resolve(32, 96);
        double scalar = Objective.relError(co, sigma);
        double matrix = NsReference.relError(NsReference.run(pl.gFloat(), 32, 96, co, false), pl.polar);
        assertEquals(scalar, matrix, 1e-3);
    }

    @Test
    void bf16RoundingIsRoundToNearestEven() {
        assertEquals(1.0f, NsReference.bf16(1.0f + 0x1p-8f)); // tie → even (1.0); bf16 ulp at 1 is 2^-7
        assertEquals(1.0f + 0x1p-6f, NsReference.bf16(1.0f + 0x1p-7f + 0x1p-8f)); // tie → even (…10)
        assertEquals(1.0f + 0x1p-7f, NsReference.bf16(1.0f + 0x1p-7f + 0x1p-9f)); // below half → down
        assertEquals(1.0f + 0x1p-7f, NsReference.bf16(1.0f + 0x1p-8f + 0x1p-10f)); // above half → up
        assertEquals(-3.0f, NsReference.bf16(-3.0f));
    }

    /**
     * Shapes not listed (across the range, including neighbours of candidate shapes) take exactly Polar Express:
     * nearest-shape interpolation is off in auto.tsv (neighbours' fits were measured worse than Polar Express on
     * 5 of 62 off-table shapes; see docs/schedules.md).
     */
    @Test
    void unlistedShapesTakeExactlyPolarExpress() {
        Schedule.Coefficients pe = Schedule.polarExpress().resolve(100, 100);
        for (int[] s : new int[][]{{8, 8}, {80, 80}, {100, 100}, {48, 600}, {96, 1000}, {200, 200}, {300, 1200}, {400, 400},
                {600, 2400}, {700, 700}, {700, 3000}, {1100, 1100}, {1800, 1800}, {3000, 3000}, {6000, 16000}, {20000, 20000}}) {
            Schedule.Coefficients co = Schedule.auto().resolve(s[0], s[1]);
            assertTrue(co.source().contains("fallback polar-express"), co.source());
            assertTrue(Arrays.deepEquals(pe.triples(), co.triples()), co.source());
            assertEquals(pe.scale(), co.scale());
            assertEquals(pe.eps(), co.eps());
        }
    }

    @Test
    void interpolationIsOptInAndOtherTablesAreUnchanged() {
        assertTrue(Schedule.root().resolve(2000, 2000).source().contains("fallback muon"));
        Schedule t = Schedule.parse(new java.io.ByteArrayInputStream(
                "@fallback muon\n@interpolate nearest\n10 10 * 1 0 0\n".getBytes(StandardCharsets.UTF_8)), "t");
        assertEquals(1.0, t.resolve(12, 12).a(0));
        assertEquals(3.4445, t.resolve(100, 100).a(0));
    }

    @Test
    void cliRejectsBadInputWithExitCodeTwoAndOneLine() {
        for (String[] args : new String[][]{{}, {"--shape", "12"}, {"--shape", "0x5"}, {"--shape", "8x8", "--steps", "0"},
                {"--shape", "8x8", "--precision", "fp16"}, {"--bogus"}, {"--shape"}}) {
            ByteArrayOutputStream err = new ByteArrayOutputStream();
            int rc = Calibrator.run(args, new PrintStream(new ByteArrayOutputStream()), new PrintStream(err, true, StandardCharsets.UTF_8));
            String msg = err.toString(StandardCharsets.UTF_8);
            assertEquals(2, rc, Arrays.toString(args));
            assertEquals(1, msg.strip().split("\n").length, msg);
            assertTrue(msg.startsWith("ortho4j: error: calibrate: "), msg);
        }
    }

    @Test
    void cliFitsASmallShapeIntoAValidTableThatBeatsPolarExpress() throws Exception {
        java.nio.file.Path f = java.nio.file.Files.createTempFile("calib", ".tsv");
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        int rc = Calibrator.run(new String[]{"--shape", "24x200", "--steps", "3", "--precision", "fp32", "--out", f.toString()},
                new PrintStream(out, true, StandardCharsets.UTF_8), System.err);
        assertEquals(0, rc);
        Schedule s = Schedule.parse(java.nio.file.Files.newInputStream(f), f.toString());
        assertEquals(List.of("24x200"), s.shapes());
        Schedule.Coefficients co = s.resolve(200, 24);
        assertEquals(3, co.steps());
        Schedule.Coefficients pe = Schedule.polarExpress().withSteps(3).resolve(24, 200);
        double[] sigma = Spectra.gaussian(24, 200, new Random(1));
        assertTrue(Objective.relError(co, sigma)
                < Objective.relError(pe, sigma));
        java.nio.file.Files.delete(f);
    }

    private static int[] parse(String key) {
        String[] p = key.split("x");
        return new int[]{Integer.parseInt(p[0]), Integer.parseInt(p[1])};
    }
}
