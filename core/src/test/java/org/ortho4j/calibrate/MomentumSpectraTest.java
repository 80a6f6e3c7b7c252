package org.ortho4j.calibrate;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.ortho4j.Schedule;

/** The recorded Muon momentum spectra ({@link MomentumSpectra}) and the momentum class built from them. */
class MomentumSpectraTest {

    private static void assertSortedAndNormalised(double[] s, int k, int n, String what) {
        assertEquals(k, s.length, what);
        double ss = 0;
        for (int i = 0; i < s.length; i++) {
            assertTrue(s[i] >= 0 && Double.isFinite(s[i]), what + " σ" + i + " = " + s[i]);
            if (i > 0) {
                assertTrue(s[i] <= s[i - 1], what + " not sorted at " + i);
            }
            ss += s[i] * s[i];
        }
        assertEquals((double) k * n, ss, 1e-9 * k * n, what);
    }

    @Test
    void recordedRunCoversEveryMuonMatrixAndIsDeterministic() {
        List<MomentumSpectra.Record> r = MomentumSpectra.recorded(MomentumSpectra.TRAIN_SEED);
        int snapshots = MomentumSpectra.STEPS / MomentumSpectra.EVERY;
        assertEquals(5 * snapshots, r.size()); // E, W_in0, W_out0, W_in1, W_out1 per snapshot
        long square = r.stream().filter(q -> q.k == 64 && q.n == 64).count();
        long wide = r.stream().filter(q -> q.k == 64 && q.n == 128).count();
        assertEquals(snapshots, square);
        assertEquals(4L * snapshots, wide);
        for (MomentumSpectra.Record q : r) {
            assertSortedAndNormalised(q.sigma, q.k, q.n, q.matrix + "@" + q.step);
            // a momentum matrix is far from isotropic: its top direction carries several times the Gaussian edge (√n(1+√(k/n)))
            assertTrue(q.sigma[0] > 2 * Math.sqrt(q.n) * (1 + Math.sqrt((double) q.k / q.n)), q.matrix + "@" + q.step + " σ0 " + q.sigma[0]);
        }
        // a fresh run of the first EVERY steps reproduces the first snapshot bit for bit
        List<MomentumSpectra.Record> again = MomentumSpectra.record(MomentumSpectra.TRAIN_SEED, MomentumSpectra.EVERY, MomentumSpectra.EVERY);
        assertEquals(5, again.size());
        for (int i = 0; i < 5; i++) {
            assertEquals(r.get(i).matrix, again.get(i).matrix);
            assertArrayEquals(r.get(i).sigma, again.get(i).sigma, 0.0, r.get(i).matrix);
        }
        // the held-out run is another run
        List<MomentumSpectra.Record> h = MomentumSpectra.recorded(MomentumSpectra.HELD_OUT_SEED);
        assertFalse(Arrays.equals(r.get(r.size() - 1).sigma, h.get(h.size() - 1).sigma));
    }

    /** A wider model records its own shapes: E is width × 64, W_in/W_out hidden × width / width × hidden. */
    @Test
    void widerModelRecordsAtItsOwnShapes() {
        List<MomentumSpectra.Record> r = MomentumSpectra.record(MomentumSpectra.HELD_OUT_SEED, 20, 10, 96, 160);
        assertEquals(10, r.size());
        for (MomentumSpectra.Record q : r) {
            int[] want = q.matrix.equals("E") ? new int[]{64, 96} : new int[]{96, 160};
            assertEquals(want[0], q.k, q.matrix);
            assertEquals(want[1], q.n, q.matrix);
            assertSortedAndNormalised(q.sigma, q.k, q.n, q.matrix + "@" + q.step);
        }
        assertThrows(IllegalArgumentException.class, () -> MomentumSpectra.record(1, 10, 10, 0, 128));
        assertThrows(IllegalArgumentException.class, () -> MomentumSpectra.record(1, 10, 0, 64, 128));
    }

    @Test
    void trainingAndHeldOutSetsCarryMomentumFromTheirOwnRun() {
        List<Spectra.Spectrum> tr = Spectra.training(64, 64, 1);
        List<Spectra.Spectrum> ho = Spectra.heldOut(64, 64, 1);
        List<double[]> tm = tr.stream().filter(s -> s.kind == Spectra.Kind.MOMENTUM).map(s -> s.sigma).toList();
        List<double[]> hm = ho.stream().filter(s -> s.kind == Spectra.Kind.MOMENTUM).map(s -> s.sigma).toList();
        assertEquals(4, tm.size());
        assertEquals(3, hm.size());
        // at 64x64 they are the recorded spectra of E (the only 64x64 Muon matrix) themselves
        for (double[] s : tm) {
            assertTrue(MomentumSpectra.recorded(MomentumSpectra.TRAIN_SEED).stream()
                    .anyMatch(q -> q.matrix.equals("E") && Arrays.equals(q.sigma, s)));
        }
        for (double[] s : hm) {
            assertTrue(MomentumSpectra.recorded(MomentumSpectra.HELD_OUT_SEED).stream()
                    .anyMatch(q -> q.matrix.equals("E") && Arrays.equals(q.sigma, s)));
        }
        // other shapes: transferred, sorted and normalised at that shape
        for (Spectra.Spectrum s : Spectra.heldOut(512, 2048, 1)) {
            if (s.kind == Spectra.Kind.MOMENTUM) {
                assertSortedAndNormalised(s.sigma, 512, 2048, s.label);
            }
        }
    }

    @Test
    void transferKeepsTheSpectrumAtItsOwnRankAndItsShapeAtOthers() {
        double[] sigma = MomentumSpectra.recorded(MomentumSpectra.TRAIN_SEED).get(1).sigma; // W_in0, 64 x 128
        double[] same = MomentumSpectra.transfer(sigma, 64, 128);
        for (int i = 0; i < 64; i++) {
            assertEquals(sigma[i], same[i], 1e-9 * sigma[0] + 1e-6 * sigma[i], "σ" + i);
        }
        double[] big = MomentumSpectra.transfer(sigma, 640, 1280);
        assertSortedAndNormalised(big, 640, 1280, "transfer to 640x1280");
        // same fraction of the rank, same value relative to the top (10 recorded values per recorded one)
        for (int i : new int[]{0, 8, 32, 63}) {
            double rel = sigma[i] / sigma[0];
            double relBig = big[10 * i + 5] / big[0];
            assertEquals(Math.log(rel), Math.log(relBig), 0.35, "index " + i);
        }
    }

    /** A fact about the baselines on the real spectra: Polar Express lifts the small singular values of momentum better than Muon. */
    @Test
    void polarExpressBeatsMuonOnHeldOutMomentum() {
        Map<Spectra.Kind, double[][]> e = Calibrator.evaluate(Schedule.polarExpress().resolve(64, 64).triples(), 64, 64, Report.shapeSeed(64, 64), 5);
        double[][] v = e.get(Spectra.Kind.MOMENTUM);
        assertEquals(1.0, v[0][0] / v[1][0], 1e-12); // the schedule under test is Polar Express itself
        assertTrue(v[1][0] < v[2][0] && v[1][1] < v[2][1], "PE " + v[1][0] + " Muon " + v[2][0]);
    }
}
