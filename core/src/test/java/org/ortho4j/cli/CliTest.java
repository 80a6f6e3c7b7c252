package org.ortho4j.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.ortho4j.BackendKind;
import org.ortho4j.BackendUnavailableException;
import org.ortho4j.Context;
import org.ortho4j.Lmo;
import org.ortho4j.MatrixBatch;
import org.ortho4j.Precision;
import org.ortho4j.RotationGauge;
import org.ortho4j.Schedule;
import org.ortho4j.io.Npy;
import org.ortho4j.io.Npy.Matrices;
import org.ortho4j.testing.TestMatrices;

/**
 * The command-line tool: usage errors and exit codes, bad files, and each command end to end on small .npy
 * files, checked against the same operation called through the API on the CPU backend.
 */
class CliTest {
    /** CLI and API run the same CPU code on the same data; allow only float rounding noise. */
    private static final float SAME = 1e-6f;

    @TempDir
    Path dir;

    record Result(int code, String out, String err) {
    }

    static Result run(String... args) {
        ByteArrayOutputStream o = new ByteArrayOutputStream();
        ByteArrayOutputStream e = new ByteArrayOutputStream();
        int code;
        try (PrintStream po = new PrintStream(o, true, StandardCharsets.UTF_8);
             PrintStream pe = new PrintStream(e, true, StandardCharsets.UTF_8)) {
            code = Main.run(args, po, pe);
        }
        return new Result(code, o.toString(StandardCharsets.UTF_8), e.toString(StandardCharsets.UTF_8));
    }

    /** Exit 2, exactly one stderr line starting {@code ortho4j: error:} that contains each fragment, no trace. */
    static Result assertError(Result r, String... fragments) {
        assertEquals(2, r.code, () -> "exit code; stderr: " + r.err + " stdout: " + r.out);
        String[] lines = r.err.strip().split("\n");
        assertEquals(1, lines.length, () -> "one stderr line expected: " + r.err);
        assertTrue(lines[0].startsWith("ortho4j: error: "), r.err);
        assertFalse(r.err.contains("\tat ") || r.err.contains("Exception"), r.err);
        for (String f : fragments) {
            assertTrue(r.err.contains(f), () -> "'" + r.err.strip() + "' lacks '" + f + "'");
        }
        return r;
    }

    static Result assertOk(Result r) {
        assertEquals(0, r.code, () -> "exit code; stderr: " + r.err + " stdout: " + r.out);
        assertEquals("", r.err);
        return r;
    }

    private Path save(String name, float[] data, int... shape) throws IOException {
        Path p = dir.resolve(name);
        Npy.write(p, data, shape);
        return p;
    }

    private String p(String name) {
        return dir.resolve(name).toString();
    }

    private static float[] gaussian(long seed, int n) {
        return TestMatrices.gaussian(new Random(TestMatrices.SEED + seed), n);
    }

    /** A valid .npy of a 2×2 int32 matrix (NumPy's layout, 128-byte header). */
    private static byte[] intMatrix() {
        String dict = "{'descr': '<i4', 'fortran_order': False, 'shape': (2, 2), }";
        java.nio.ByteBuffer b = java.nio.ByteBuffer.allocate(128 + 16).order(java.nio.ByteOrder.LITTLE_ENDIAN);
        b.put(new byte[]{(byte) 0x93, 'N', 'U', 'M', 'P', 'Y', 1, 0}).putShort((short) 118).put(dict.getBytes(StandardCharsets.US_ASCII));
        while (b.position() < 127) {
            b.put((byte) ' ');
        }
        b.put((byte) '\n').putInt(1).putInt(2).putInt(3).putInt(4);
        return b.array();
    }

    // ------------------------------------------------------------------ usage and exit codes

    @Test
    void helpExitsZero() {
        Result r = assertOk(run("--help"));
        assertTrue(r.out.contains("usage: ortho4j COMMAND"), r.out);
        for (String c : new String[]{"demo", "orthogonalize", "polar", "lmo", "soft-threshold", "gauge"}) {
            assertTrue(r.out.contains(c), c);
            Result h = assertOk(run(c, "--help"));
            assertTrue(h.out.startsWith("usage: ortho4j " + c), h.out);
        }
        assertTrue(assertOk(run("gauge", "rotation", "--help")).out.contains("--kv-heads"));
        assertTrue(assertOk(run("orthogonalize", "--in", "x.npy", "--help")).out.contains("--schedule"));
    }

    @Test
    void usageErrorsExitTwo() {
        assertError(run(), "no command");
        assertError(run("frobnicate"), "unknown command 'frobnicate'");
        assertError(run("polar", "--out", p("q.npy")), "missing --in");
        assertError(run("polar", "--in"), "--in needs a value");
        assertError(run("polar", "--in", "a.npy", "--in", "b.npy", "--out", "c.npy"), "more than once");
        assertError(run("polar", "stray", "--in", "a.npy"), "unexpected argument 'stray'");
        assertError(run("polar", "--bogus", "1"), "unknown option --bogus");
        assertError(run("polar", "--backend", "tpu", "--in", "a", "--out", "b"), "--backend must be one of cpu, cuda, auto");
        assertError(run("demo", "--quick", "--full"), "exclude");
        assertError(run("demo", "--quick=yes"), "takes no value");
        assertError(run("orthogonalize", "--schedule", "newton", "--in", "a", "--out", "b"), "unknown schedule 'newton'");
        assertError(run("orthogonalize", "--steps", "0", "--in", "a", "--out", "b"), "--steps must be in [1, 100]");
        assertError(run("orthogonalize", "--steps", "five", "--in", "a", "--out", "b"), "must be an integer");
        assertError(run("orthogonalize", "--precision", "fp8", "--in", "a", "--out", "b"), "--precision must be one of");
        assertError(run("lmo", "--in", "a", "--out", "b"), "missing --norm");
        assertError(run("lmo", "--norm", "nuclear", "--in", "a", "--out", "b"), "--norm must be one of");
        assertError(run("lmo", "--norm", "sign", "--schedule", "muon", "--in", "a", "--out", "b"), "spectral only");
        assertError(run("lmo", "--norm", "spectral", "--layer", "middle", "--in", "a", "--out", "b"), "--layer");
        assertError(run("soft-threshold", "--quantile", "1.5", "--in", "a", "--out-base", "b", "--out-outlier", "c"), "--quantile");
        assertError(run("soft-threshold", "--in", "a", "--out-base", "b", "--out-outlier", "b"), "must differ");
        assertError(run("gauge"), "expected a kind");
        assertError(run("gauge", "twist"), "unknown kind 'twist'");
        assertError(run("gauge", "rotation", "--w1", "a"), "missing --heads");
        assertError(run("gauge", "rotation", "--heads", "0"), "--heads must be in");
        assertError(run("gauge", "rotation", "--heads", "4", "--kv-heads", "3", "--w1", "a", "--w2", "b", "--g1", "c", "--g2", "d",
                "--out1", "e", "--out2", "f"), "kvHeads");
        assertError(run("gauge", "rotation", "--heads", "4", "--pair", "vo", "--rope", "half", "--w1", "a", "--w2", "b", "--g1", "c",
                "--g2", "d", "--out1", "e", "--out2", "f"), "RoPE");
        assertError(run("gauge", "scaling", "--w1", "a"), "missing --w2");
    }

    @Test
    void cudaRequestFailsCleanlyWhereNoDeviceRuns() throws IOException {
        Path g = save("g.npy", gaussian(1, 12), 3, 4);
        boolean cuda;
        try (Context c = Context.create(BackendKind.CUDA)) {
            cuda = c.kind() == BackendKind.CUDA;
        } catch (BackendUnavailableException e) {
            cuda = false;
        }
        Result r = run("gauge", "logit-shift", "--backend", "cuda", "--in", g.toString(), "--out", p("h.npy"));
        if (cuda) {
            assertOk(r);
        } else {
            assertError(r, "cuda");
            assertFalse(Files.exists(dir.resolve("h.npy")));
        }
    }

    // ------------------------------------------------------------------ bad files

    @Test
    void badFilesExitTwoNamingTheFile() throws IOException {
        String out = p("x.npy");
        assertError(run("polar", "--in", p("missing.npy"), "--out", out), "missing.npy", "no such file");
        Files.writeString(dir.resolve("text.npy"), "just text");
        assertError(run("polar", "--in", p("text.npy"), "--out", out), "text.npy", "not an .npy file");
        Files.write(dir.resolve("int.npy"), intMatrix());
        assertError(run("polar", "--in", p("int.npy"), "--out", out), "int.npy", "dtype '<i4'");
        save("vec.npy", gaussian(2, 6), 6);
        assertError(run("orthogonalize", "--in", p("vec.npy"), "--out", out), "vec.npy", "1-D");
        save("t4.npy", gaussian(3, 8), 1, 2, 2, 2);
        assertError(run("lmo", "--norm", "sign", "--in", p("t4.npy"), "--out", out), "t4.npy", "4-D");
        float[] bad = gaussian(4, 2 * 3 * 4);
        bad[17] = Float.NaN;
        save("nan.npy", bad, 2, 3, 4);
        assertError(run("orthogonalize", "--in", p("nan.npy"), "--out", out), "nan.npy", "non-finite", "matrix 1, row 1, column 1");
        float[] inf = gaussian(5, 12);
        inf[0] = Float.NEGATIVE_INFINITY;
        save("inf.npy", inf, 3, 4);
        assertError(run("soft-threshold", "--in", p("inf.npy"), "--out-base", p("b.npy"), "--out-outlier", p("o.npy")),
                "inf.npy", "non-finite", "row 0, column 0");
        assertFalse(Files.exists(dir.resolve("x.npy")));
        assertFalse(Files.exists(dir.resolve("b.npy")));
    }

    @Test
    void wrongShapesForTheGaugeExitTwo() throws IOException {
        // W_K must be (kvHeads·d) × D = 8 × 10 for W_Q 16 × 10 with 4 heads and 2 K/V heads.
        Path w1 = save("w1.npy", gaussian(6, 160), 16, 10);
        Path w2 = save("w2.npy", gaussian(7, 90), 9, 10);
        Result r = run("gauge", "rotation", "--heads", "4", "--kv-heads", "2", "--w1", w1.toString(), "--w2", w2.toString(),
                "--g1", w1.toString(), "--g2", w2.toString(), "--out1", p("h1.npy"), "--out2", p("h2.npy"));
        assertError(r, "W_K");
        // Scaling: W2's columns must match W1's rows.
        r = run("gauge", "scaling", "--w1", w1.toString(), "--w2", w2.toString(), "--g1", w1.toString(), "--g2", w2.toString(),
                "--out1", p("h1.npy"), "--out2", p("h2.npy"));
        assertError(r, "units");
        assertFalse(Files.exists(dir.resolve("h1.npy")));
    }

    // ------------------------------------------------------------------ end to end against the API

    private static Context cpu() {
        return Context.create(BackendKind.CPU);
    }

    /** Reads {@code file}, checking its NumPy shape. */
    private static Matrices readShaped(Path file, int... shape) throws IOException {
        Matrices m = Npy.read(file);
        assertArrayEquals(shape, m.shape(), file.toString());
        return m;
    }

    @Test
    void orthogonalizeMatchesNewtonSchulz() throws IOException {
        float[] g2 = gaussian(10, 5 * 8);
        float[] g3 = gaussian(11, 3 * 6 * 4);
        Path in2 = save("g2.npy", g2, 5, 8);
        Path in3 = save("g3.npy", g3, 3, 6, 4);
        try (Context ctx = cpu()) {
            for (String name : Schedule.builtinNames()) {
                assertOk(run("orthogonalize", "--backend", "cpu", "--schedule", name, "--in", in2.toString(), "--out", p("x2.npy")));
                try (MatrixBatch g = ctx.upload(g2, 1, 5, 8); MatrixBatch x = ctx.newtonSchulz(g, Schedule.byName(name))) {
                    assertArrayEquals(x.toArray(), readShaped(dir.resolve("x2.npy"), 5, 8).data(), SAME, name);
                }
            }
            assertOk(run("orthogonalize", "--backend", "cpu", "--schedule", "polar-express", "--steps", "8", "--precision", "bf16",
                    "--in", in3.toString(), "--out", p("x3.npy")));
            try (MatrixBatch g = ctx.upload(g3, 3, 6, 4); MatrixBatch x = ctx.allocate(3, 6, 4)) {
                ctx.newtonSchulz(g, Schedule.polarExpress().withSteps(8), Precision.BF16, x);
                assertArrayEquals(x.toArray(), readShaped(dir.resolve("x3.npy"), 3, 6, 4).data(), SAME);
            }
        }
    }

    @Test
    void polarMatchesApi() throws IOException {
        float[] g = gaussian(12, 2 * 7 * 3);
        Path in = save("g.npy", g, 2, 7, 3);
        Result r = assertOk(run("polar", "--backend", "cpu", "--in", in.toString(), "--out", p("q.npy")));
        assertTrue(r.out.contains("polar"), r.out);
        try (Context ctx = cpu(); MatrixBatch gb = ctx.upload(g, 2, 7, 3); MatrixBatch q = ctx.polar(gb)) {
            assertArrayEquals(q.toArray(), readShaped(dir.resolve("q.npy"), 2, 7, 3).data(), SAME);
        }
    }

    @Test
    void lmoMatchesApiForEveryNormAndLayer() throws IOException {
        float[] d = gaussian(13, 6 * 9);
        Path in = save("d.npy", d, 6, 9);
        try (Context ctx = cpu(); MatrixBatch db = ctx.upload(d, 1, 6, 9)) {
            for (Lmo.Norm norm : Lmo.Norm.values()) {
                for (Lmo.Layer layer : Lmo.Layer.values()) {
                    String n = norm.name().toLowerCase(Locale.ROOT);
                    String l = layer.name().toLowerCase(Locale.ROOT);
                    assertOk(run("lmo", "--backend", "cpu", "--norm", n, "--layer", l, "--in", in.toString(), "--out", p("l.npy")));
                    try (MatrixBatch e = ctx.lmo(Lmo.of(norm, layer), db)) {
                        assertArrayEquals(e.toArray(), readShaped(dir.resolve("l.npy"), 6, 9).data(), SAME, n + "/" + l);
                    }
                }
            }
            assertOk(run("lmo", "--backend", "cpu", "--norm", "spectral", "--layer", "input", "--schedule", "muon",
                    "--in", in.toString(), "--out", p("l.npy")));
            try (MatrixBatch e = ctx.lmo(Lmo.spectral(Lmo.Layer.INPUT, Schedule.muon()), db)) {
                assertArrayEquals(e.toArray(), readShaped(dir.resolve("l.npy"), 6, 9).data(), SAME);
            }
        }
    }

    @Test
    void softThresholdMatchesApiAndPrintsEps() throws IOException {
        float[] m = gaussian(14, 3 * 5 * 4);
        Path in = save("m.npy", m, 3, 5, 4);
        Result r = assertOk(run("soft-threshold", "--backend", "cpu", "--quantile", "0.75", "--in", in.toString(),
                "--out-base", p("b.npy"), "--out-outlier", p("o.npy")));
        try (Context ctx = cpu(); MatrixBatch mb = ctx.upload(m, 3, 5, 4); MatrixBatch b = ctx.allocate(3, 5, 4);
             MatrixBatch o = ctx.allocate(3, 5, 4)) {
            float[] eps = ctx.softThreshold(mb, 0.75, b, o);
            assertArrayEquals(b.toArray(), readShaped(dir.resolve("b.npy"), 3, 5, 4).data(), SAME);
            assertArrayEquals(o.toArray(), readShaped(dir.resolve("o.npy"), 3, 5, 4).data(), SAME);
            for (int i = 0; i < eps.length; i++) {
                String line = String.format(Locale.ROOT, "matrix %d: eps = %.9g", i, eps[i]);
                assertTrue(r.out.contains(line), () -> r.out + " lacks " + line);
            }
        }
    }

    @Test
    void gaugeRotationMatchesApi() throws IOException {
        int heads = 4;
        int kv = 2;
        int d = 4;
        int dm = 10;
        try (Context ctx = cpu()) {
            // Q/K with grouped heads and half-split RoPE; 3-D files with a batch of 2 layers.
            float[] wq = gaussian(20, 2 * heads * d * dm);
            float[] wk = gaussian(21, 2 * kv * d * dm);
            float[] gq = gaussian(22, wq.length);
            float[] gk = gaussian(23, wk.length);
            String[] files = {save("wq.npy", wq, 2, heads * d, dm).toString(), save("wk.npy", wk, 2, kv * d, dm).toString(),
                save("gq.npy", gq, 2, heads * d, dm).toString(), save("gk.npy", gk, 2, kv * d, dm).toString()};
            assertOk(run("gauge", "rotation", "--backend", "cpu", "--heads", "4", "--kv-heads", "2", "--rope", "half", "--pair", "qk",
                    "--w1", files[0], "--w2", files[1], "--g1", files[2], "--g2", files[3], "--out1", p("h1.npy"), "--out2", p("h2.npy")));
            try (MatrixBatch w1 = ctx.upload(wq, 2, heads * d, dm); MatrixBatch w2 = ctx.upload(wk, 2, kv * d, dm);
                 MatrixBatch g1 = ctx.upload(gq, 2, heads * d, dm); MatrixBatch g2 = ctx.upload(gk, 2, kv * d, dm);
                 MatrixBatch h1 = ctx.allocate(2, heads * d, dm); MatrixBatch h2 = ctx.allocate(2, kv * d, dm)) {
                ctx.gaugeRotation(RotationGauge.grouped(RotationGauge.Pair.QK, heads, kv, RotationGauge.Rope.HALF), w1, w2, g1, g2, h1, h2);
                assertArrayEquals(h1.toArray(), readShaped(dir.resolve("h1.npy"), 2, heads * d, dm).data(), SAME);
                assertArrayEquals(h2.toArray(), readShaped(dir.resolve("h2.npy"), 2, kv * d, dm).data(), SAME);
            }
            // V/O, multi-head, 2-D files.
            float[] wv = gaussian(24, heads * d * dm);
            float[] wo = gaussian(25, dm * heads * d);
            float[] gv = gaussian(26, wv.length);
            float[] go = gaussian(27, wo.length);
            assertOk(run("gauge", "rotation", "--backend", "cpu", "--heads", "4", "--pair", "vo",
                    "--w1", save("wv.npy", wv, heads * d, dm).toString(), "--w2", save("wo.npy", wo, dm, heads * d).toString(),
                    "--g1", save("gv.npy", gv, heads * d, dm).toString(), "--g2", save("go.npy", go, dm, heads * d).toString(),
                    "--out1", p("hv.npy"), "--out2", p("ho.npy")));
            try (MatrixBatch w1 = ctx.upload(wv, 1, heads * d, dm); MatrixBatch w2 = ctx.upload(wo, 1, dm, heads * d);
                 MatrixBatch g1 = ctx.upload(gv, 1, heads * d, dm); MatrixBatch g2 = ctx.upload(go, 1, dm, heads * d);
                 MatrixBatch h1 = ctx.allocate(1, heads * d, dm); MatrixBatch h2 = ctx.allocate(1, dm, heads * d)) {
                ctx.gaugeRotation(RotationGauge.of(RotationGauge.Pair.VO, heads, RotationGauge.Rope.NONE), w1, w2, g1, g2, h1, h2);
                assertArrayEquals(h1.toArray(), readShaped(dir.resolve("hv.npy"), heads * d, dm).data(), SAME);
                assertArrayEquals(h2.toArray(), readShaped(dir.resolve("ho.npy"), dm, heads * d).data(), SAME);
            }
        }
    }

    @Test
    void gaugeScalingAndLogitShiftMatchApi() throws IOException {
        float[] w1 = gaussian(30, 5 * 7);
        float[] w2 = gaussian(31, 6 * 5);
        float[] g1 = gaussian(32, w1.length);
        float[] g2 = gaussian(33, w2.length);
        assertOk(run("gauge", "scaling", "--backend", "cpu", "--w1", save("w1.npy", w1, 5, 7).toString(),
                "--w2", save("w2.npy", w2, 6, 5).toString(), "--g1", save("g1.npy", g1, 5, 7).toString(),
                "--g2", save("g2.npy", g2, 6, 5).toString(), "--out1", p("h1.npy"), "--out2", p("h2.npy")));
        float[] gu = gaussian(34, 2 * 9 * 4);
        assertOk(run("gauge", "logit-shift", "--backend", "cpu", "--in", save("gu.npy", gu, 2, 9, 4).toString(), "--out", p("hu.npy")));
        try (Context ctx = cpu();
             MatrixBatch a = ctx.upload(w1, 1, 5, 7); MatrixBatch b = ctx.upload(w2, 1, 6, 5);
             MatrixBatch c = ctx.upload(g1, 1, 5, 7); MatrixBatch d = ctx.upload(g2, 1, 6, 5);
             MatrixBatch h1 = ctx.allocate(1, 5, 7); MatrixBatch h2 = ctx.allocate(1, 6, 5);
             MatrixBatch u = ctx.upload(gu, 2, 9, 4); MatrixBatch hu = ctx.allocate(2, 9, 4)) {
            ctx.gaugeScaling(a, b, c, d, h1, h2);
            assertArrayEquals(h1.toArray(), readShaped(dir.resolve("h1.npy"), 5, 7).data(), SAME);
            assertArrayEquals(h2.toArray(), readShaped(dir.resolve("h2.npy"), 6, 5).data(), SAME);
            ctx.gaugeLogitShift(u, hu);
            assertArrayEquals(hu.toArray(), readShaped(dir.resolve("hu.npy"), 2, 9, 4).data(), SAME);
        }
    }

    @Test
    void unwritableOutputExitsTwo() throws IOException {
        Path in = save("g.npy", gaussian(40, 12), 3, 4);
        assertError(run("gauge", "logit-shift", "--backend", "cpu", "--in", in.toString(), "--out", p("no/dir/h.npy")),
                "no/dir/h.npy", "cannot write", "does not exist");
        assertError(run("polar", "--in", in.toString(), "--out", dir.toString()), "is a directory");
    }

    @Test
    void demoQuickRunsEverySchedule() {
        Result r = assertOk(run("demo", "--backend", "cpu", "--quick"));
        assertTrue(r.out.contains("backend:   cpu"), r.out);
        assertTrue(r.out.contains("selection: cpu requested"), r.out);
        for (String name : Schedule.builtinNames()) {
            assertTrue(r.out.contains(" " + name + " "), () -> name + " missing from\n" + r.out);
        }
        assertTrue(r.out.contains("64x64"), r.out);
        assertFalse(r.out.contains("NaN"), r.out);
        // every schedule's time is a median of at least three calls after a warm-up call of the case itself (or reuses
        // a run); the exact polar reference is one call
        long rows = r.out.lines().filter(l -> l.matches("^\\d+x\\d+ .*") && !l.contains("exact polar")).count();
        assertTrue(rows >= 4, r.out);
        r.out.lines().filter(l -> l.matches("^\\d+x\\d+ .*") && !l.contains("exact polar")).forEach(l -> {
            String runs = l.substring(l.lastIndexOf(' ') + 1);
            assertTrue(runs.startsWith("=") || Integer.parseInt(runs) >= Demo.MIN_RUNS, "fewer than 3 timed runs: " + l);
        });
    }

    @Test
    void trainAndCalibrateAreWiredWithOneLineErrors() throws IOException {
        assertTrue(assertOk(run("--help")).out.contains("calibrate"));
        assertTrue(assertOk(run("train", "--help")).out.contains("usage: ortho4j train"));
        assertTrue(assertOk(run("calibrate", "--help")).out.contains("usage: ortho4j calibrate"));
        assertError(run("train", "--steps", "0"), "train");
        assertError(run("train", "--optimizers", "sgd"), "sgd");
        assertError(run("calibrate", "--shape", "12by5"), "--shape");
        assertError(run("calibrate"), "--shape");
        assertError(run("calibrate", "--shape", "8x8", "--steps", "40"), "--steps");
        // a short real run end to end: every optimizer reports a final loss, and the plot is a PNG
        Path png = dir.resolve("loss.png");
        Result r = assertOk(run("train", "--backend", "cpu", "--steps", "4", "--eval-every", "2", "--plot", png.toString()));
        for (String opt : new String[]{"adamw", "muon", "scion", "root", "ddcadam"}) {
            assertTrue(r.out.lines().anyMatch(l -> l.startsWith(opt + " ")), () -> "no final row for " + opt + ":\n" + r.out);
        }
        byte[] head = Files.readAllBytes(png);
        assertTrue(head.length > 8 && head[1] == 'P' && head[2] == 'N' && head[3] == 'G', "not a PNG");
    }
}
