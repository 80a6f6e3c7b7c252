package org.ortho4j.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.ortho4j.cli.CliTest.assertError;
import static org.ortho4j.cli.CliTest.assertOk;
import static org.ortho4j.cli.CliTest.run;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.ortho4j.BackendKind;
import org.ortho4j.Context;
import org.ortho4j.MatrixBatch;
import org.ortho4j.Precision;
import org.ortho4j.Schedule;
import org.ortho4j.calibrate.Calibrator;
import org.ortho4j.io.AtomicOutputsTestAccess;
import org.ortho4j.io.Npy;
import org.ortho4j.testing.TestMatrices;

/**
 * Nothing is lost on a failure of the command-line tool: outputs all or none (checked before any work, written to
 * temporaries, moved into place together), inputs never overwritten, results checked finite, every error one line
 * in words. Each test keeps the bytes of every file involved before and compares them after.
 */
class CliOutputSafetyTest {
    @TempDir
    Path dir;

    private Path save(String name, float[] data, int... shape) throws IOException {
        Path p = dir.resolve(name);
        Npy.write(p, data, shape);
        return p;
    }

    private static float[] gaussian(long seed, int n) {
        return TestMatrices.gaussian(new Random(seed), n);
    }

    /** A file holding recognisable bytes that must survive. */
    private Path keep(String name) throws IOException {
        Path p = dir.resolve(name);
        Files.write(p, ("precious " + name).getBytes(StandardCharsets.UTF_8));
        return p;
    }

    private static byte[] bytes(Path p) throws IOException {
        return Files.readAllBytes(p);
    }

    /** No temporaries ({@code .NAME.*.part}) or backups left in the directory. */
    private void noLeftovers() throws IOException {
        try (Stream<Path> s = Files.list(dir)) {
            List<String> left = s.map(p -> p.getFileName().toString()).filter(n -> n.startsWith(".")).toList();
            assertEquals(List.of(), left, "temporary files left behind");
        }
    }

    // ------------------------------------------------------------------ 1. train --plot

    @Test
    void trainRefusesAPlotPathThatIsADirectoryBeforeTraining() throws IOException {
        Path empty = Files.createDirectory(dir.resolve("plots"));
        CliTest.Result r = assertError(run("train", "--backend", "cpu", "--steps", "3", "--plot", empty.toString()),
                "train: cannot write " + empty, "it is a directory");
        assertTrue(Files.isDirectory(empty), "the directory was replaced");
        assertFalse(r.out().contains("step"), "trained before refusing: " + r.out());
        Path full = Files.createDirectory(dir.resolve("full"));
        Path inside = keep("full/a.txt");
        assertError(run("train", "--backend", "cpu", "--steps", "3", "--plot", full.toString()), "it is a directory");
        assertArrayEquals("precious full/a.txt".getBytes(StandardCharsets.UTF_8), bytes(inside));
        assertError(run("train", "--backend", "cpu", "--steps", "3", "--plot", "/proc/x.png"), "train: cannot write /proc/x.png");
        assertError(run("train", "--backend", "cpu", "--steps", "3", "--plot", dir.resolve("no/such/x.png").toString()),
                "does not exist");
        noLeftovers();
    }

    // ------------------------------------------------------------------ 2. a failing second output

    @Test
    void aSecondOutputThatCannotBeWrittenLeavesTheFirstUntouched() throws IOException {
        Path m = save("m.npy", gaussian(1, 2 * 3 * 5), 2, 3, 5);
        Path base = dir.resolve("b.npy");
        assertError(run("soft-threshold", "--backend", "cpu", "--in", m.toString(), "--out-base", base.toString(),
                "--out-outlier", "/proc/o.npy"), "soft-threshold: cannot write /proc/o.npy");
        assertFalse(Files.exists(base), "the first output was written");
        Path kept = keep("b2.npy");
        assertError(run("soft-threshold", "--backend", "cpu", "--in", m.toString(), "--out-base", kept.toString(),
                "--out-outlier", "/proc/o.npy"), "cannot write /proc/o.npy");
        assertArrayEquals("precious b2.npy".getBytes(StandardCharsets.UTF_8), bytes(kept));

        Path w1 = save("w1.npy", gaussian(2, 4 * 6), 4, 6);
        Path w2 = save("w2.npy", gaussian(3, 5 * 4), 5, 4);
        Path g1 = save("g1.npy", gaussian(4, 4 * 6), 4, 6);
        Path g2 = save("g2.npy", gaussian(5, 5 * 4), 5, 4);
        Path out1 = keep("h1.npy");
        assertError(run("gauge", "scaling", "--backend", "cpu", "--w1", w1.toString(), "--w2", w2.toString(), "--g1", g1.toString(),
                "--g2", g2.toString(), "--out1", out1.toString(), "--out2", "/dev/full"), "/dev/full", "not a regular file");
        assertArrayEquals("precious h1.npy".getBytes(StandardCharsets.UTF_8), bytes(out1));
        noLeftovers();
    }

    // ------------------------------------------------------------------ 3. a full disk

    @Test
    void aFullDiskLeavesTheOldOutputAndNoPartialFile() throws IOException {
        Path g = save("g.npy", gaussian(6, 20 * 30), 20, 30);
        Path x = keep("x.npy");
        AtomicOutputsTestAccess.simulateDiskCapacity(1000);             // the .npy needs 128 + 2400 bytes
        try {
            assertError(run("orthogonalize", "--backend", "cpu", "--in", g.toString(), "--out", x.toString()),
                    "orthogonalize: cannot write " + x, "no space left on device");
        } finally {
            AtomicOutputsTestAccess.simulateDiskCapacity(-1);
        }
        assertArrayEquals("precious x.npy".getBytes(StandardCharsets.UTF_8), bytes(x));
        noLeftovers();
        assertOk(run("orthogonalize", "--backend", "cpu", "--in", g.toString(), "--out", x.toString()));
        assertEquals(20 * 30, Npy.read(x).data().length);
        noLeftovers();
    }

    // ------------------------------------------------------------------ 4. inputs are never outputs

    @Test
    void anInputIsNeverOverwritten() throws IOException {
        Path g = save("g.npy", gaussian(7, 6 * 8), 6, 8);
        byte[] before = bytes(g);
        assertError(run("orthogonalize", "--backend", "cpu", "--in", g.toString(), "--out", g.toString()),
                "orthogonalize: the output " + g + " is the input");
        assertError(run("orthogonalize", "--backend", "cpu", "--in", g.toString(), "--out", dir.resolve("./sub/../g.npy").toString()),
                "is the input");
        Path link = Files.createSymbolicLink(dir.resolve("link.npy"), g);
        assertError(run("polar", "--backend", "cpu", "--in", g.toString(), "--out", link.toString()), "is the input");
        assertError(run("soft-threshold", "--backend", "cpu", "--in", g.toString(), "--out-base", g.toString(), "--out-outlier",
                dir.resolve("o.npy").toString()), "is the input");
        assertError(run("soft-threshold", "--backend", "cpu", "--in", g.toString(), "--out-base", dir.resolve("o.npy").toString(),
                "--out-outlier", dir.resolve("o.npy").toString()), "the outputs must differ");
        Path wq = save("wq.npy", gaussian(8, 8 * 6), 8, 6);
        Path wk = save("wk.npy", gaussian(9, 8 * 6), 8, 6);
        byte[] wqBefore = bytes(wq);
        assertError(run("gauge", "rotation", "--backend", "cpu", "--heads", "2", "--w1", wq.toString(), "--w2", wk.toString(),
                "--g1", g.toString(), "--g2", g.toString(), "--out1", wq.toString(), "--out2", dir.resolve("h2.npy").toString()),
                "is the input " + wq);
        assertArrayEquals(before, bytes(g));
        assertArrayEquals(wqBefore, bytes(wq));
        assertFalse(Files.exists(dir.resolve("o.npy")));
        noLeftovers();
    }

    // ------------------------------------------------------------------ 5. results are checked finite

    @Test
    void aResultThatOverflowsIsRefusedNamingTheElement() throws IOException {
        float[] g = new float[2 * 3 * 4];
        java.util.Arrays.fill(g, 1f);
        g[12 + 2] = 3.3e38f;                                        // matrix 1, column 2: 3.3e38, 3.3e38, −3.3e38;
        g[12 + 4 + 2] = 3.3e38f;                                    // mean 1.1e38 (double), and at row 2
        g[12 + 8 + 2] = -3.3e38f;                                   // −3.3e38 − 1.1e38 overflows float32
        Path in = save("g.npy", g, 2, 3, 4);
        Path out = keep("h.npy");
        assertError(run("gauge", "logit-shift", "--backend", "cpu", "--in", in.toString(), "--out", out.toString()),
                "gauge logit-shift: the result for " + out + " holds", "-Infinity at matrix 1, row 2, column 2",
                "overflowed float32", "nothing was written");
        assertArrayEquals("precious h.npy".getBytes(StandardCharsets.UTF_8), bytes(out));
        noLeftovers();
    }

    // ------------------------------------------------------------------ 6. messages

    @Test
    void apiMessagesNameTheOperation() {
        try (Context ctx = Context.create(BackendKind.CPU); Context other = Context.create(BackendKind.CPU)) {
            MatrixBatch closed = ctx.upload(new float[4], 1, 2, 2);
            closed.close();
            IllegalStateException e = assertThrows(IllegalStateException.class, () -> ctx.polar(closed));
            assertTrue(e.getMessage().startsWith("polar: argument 'g' (1x2x2) is closed"), e.getMessage());
            try (MatrixBatch foreign = other.upload(new float[4], 1, 2, 2)) {
                IllegalArgumentException f = assertThrows(IllegalArgumentException.class,
                        () -> ctx.newtonSchulz(foreign, Schedule.muon()));
                assertTrue(f.getMessage().startsWith("newtonSchulz: argument 'g'"), f.getMessage());
                assertTrue(f.getMessage().contains("another context"), f.getMessage());
                IllegalArgumentException l = assertThrows(IllegalArgumentException.class,
                        () -> ctx.lmo(org.ortho4j.Lmo.of(org.ortho4j.Lmo.Norm.SIGN, org.ortho4j.Lmo.Layer.HIDDEN), foreign));
                assertTrue(l.getMessage().startsWith("lmo: argument 'd'"), l.getMessage());
            }
        }
    }

    @Test
    void cliMessagesSpeakInFileTermsAndWords() throws IOException {
        Path w1 = save("w1.npy", gaussian(10, 48 * 32), 48, 32);
        Path w2 = save("w2.npy", gaussian(11, 40 * 32), 40, 32);
        CliTest.Result r = assertError(run("gauge", "rotation", "--backend", "cpu", "--heads", "3", "--w1", w1.toString(),
                "--w2", w2.toString(), "--g1", w1.toString(), "--g2", w2.toString(), "--out1", dir.resolve("a.npy").toString(),
                "--out2", dir.resolve("b.npy").toString()), "48x32");
        assertFalse(r.err().contains("1x48x32"), r.err());
        assertError(run("polar", "--backend", "cpu", "--in", "/proc/none.npy", "--out", dir.resolve("q.npy").toString()),
                "/proc/none.npy: no such file");
        CliTest.Result c = assertError(run("calibrate", "--shape", "8x16", "--out", "/proc/x.tsv"),
                "calibrate: cannot write /proc/x.tsv: ");
        assertFalse(c.err().strip().endsWith("/proc/x.tsv"), "no reason given: " + c.err());
        assertFalse(c.out().contains("8x16"), "fitted before refusing the output: " + c.out());
    }

    // ------------------------------------------------------------------ 9. calibrate's stamp and header

    @Test
    void calibrationTablesCarryTheRunsDateAndWhatWasFitted() {
        String today = java.time.LocalDate.now(java.time.ZoneOffset.UTC).toString();
        List<String> without = Calibrator.header("t", false, 5, "both", 1, today, false);
        List<String> with = Calibrator.header("t", false, 5, "both", 1, today, true);
        assertTrue(without.get(0).contains("(" + today + ")"), without.get(0));
        assertFalse(String.join("\n", without).toLowerCase(java.util.Locale.ROOT).contains("momentum (muon"), String.join("\n", without));
        assertTrue(String.join("\n", without).contains("no momentum class"), String.join("\n", without));
        assertTrue(String.join("\n", with).contains("4 momentum (Muon's Nesterov"), String.join("\n", with));
        assertTrue(without.stream().anyMatch(l -> l.startsWith("@provenance ortho4j calibrate " + today)), without.toString());
    }

    // ------------------------------------------------------------------ 11. a table file as a schedule

    @Test
    void aCalibratedTableFileIsAcceptedAsASchedule() throws IOException {
        Path table = dir.resolve("mine.tsv");
        Files.writeString(table, String.join("\n",
                "@name mine", "@scale 1.02", "@eps 1e-6", "@fallback polar-express",
                "# MIN MAX STEP a b c",
                "6 8 1 3.4445 -4.7750 2.0315", "6 8 2 3.4445 -4.7750 2.0315", "6 8 3 3.0 -3.2 1.2", ""));
        Path g = save("g.npy", gaussian(12, 6 * 8), 6, 8);
        Path x = dir.resolve("x.npy");
        CliTest.Result r = assertOk(run("orthogonalize", "--backend", "cpu", "--schedule", table.toString(), "--in", g.toString(),
                "--out", x.toString()));
        assertTrue(r.out().contains("orthogonalize mine (3 steps"), r.out());
        Schedule s;
        try (java.io.InputStream in = Files.newInputStream(table)) {
            s = Schedule.parse(in, table.toString());
        }
        try (Context ctx = Context.create(BackendKind.CPU); MatrixBatch gb = ctx.upload(Npy.read(g).data(), 1, 6, 8);
             MatrixBatch xb = ctx.allocate(1, 6, 8)) {
            ctx.newtonSchulz(gb, s, Precision.FP32, xb);
            assertArrayEquals(xb.toArray(), Npy.read(x).data());
        }
        Files.writeString(dir.resolve("bad.tsv"), "6 8 1 not a number\n");
        assertError(run("orthogonalize", "--backend", "cpu", "--schedule", dir.resolve("bad.tsv").toString(), "--in", g.toString(),
                "--out", dir.resolve("y.npy").toString()), "not a schedule table: " + dir.resolve("bad.tsv") + ":1:");
        assertError(run("orthogonalize", "--backend", "cpu", "--schedule", "nonesuch", "--in", g.toString(),
                "--out", dir.resolve("y.npy").toString()), "nonesuch", "or a calibrated table FILE.tsv");
        assertFalse(Files.exists(dir.resolve("y.npy")));
    }
}
