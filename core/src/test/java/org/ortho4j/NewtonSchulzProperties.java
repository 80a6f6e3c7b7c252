package org.ortho4j;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.Random;
import net.jqwik.api.Assume;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.lifecycle.AfterContainer;
import net.jqwik.api.lifecycle.BeforeContainer;
import net.jqwik.api.constraints.DoubleRange;
import net.jqwik.api.constraints.IntRange;
import org.ejml.data.DMatrixRMaj;
import org.ejml.dense.row.CommonOps_DDRM;
import org.ortho4j.testing.TestMatrices;

/**
 * The invariants of docs/algorithms.md §1.2 (listed in §6), for Muon, Polar Express and ROOT: output singular values are the composed
 * polynomial of the normalised input ones; {@code NS(P G Q) = P NS(G) Q}; {@code NS(Gᵀ) = NS(G)ᵀ};
 * {@code NS(c·G) = NS(G)}.
 */
class NewtonSchulzProperties {
    private static Context ctx;

    @BeforeContainer
    static void open() {
        ctx = Context.create(BackendKind.CPU);
    }

    @AfterContainer
    static void close() {
        ctx.close();
    }

    private static final String[] SCHEDULES = {"muon", "polar-express", "root"};

    private static float[] ns(float[] g, int rows, int cols, Schedule s) {
        try (MatrixBatch in = ctx.upload(g, 1, rows, cols); MatrixBatch out = ctx.allocate(1, rows, cols)) {
            out.fill(Float.NaN);
            ctx.newtonSchulz(in, s, out);
            return out.toArray();
        }
    }

    @Property(tries = 60)
    void singularValuesAreTheComposedPolynomial(@ForAll @IntRange(min = 1, max = 24) int rows,
                                                @ForAll @IntRange(min = 1, max = 24) int cols,
                                                @ForAll @IntRange(min = 0, max = 2) int sched, @ForAll long seed) {
        Schedule s = Schedule.byName(SCHEDULES[sched]);
        float[] g = TestMatrices.gaussian(new Random(seed), rows * cols);
        Schedule.Coefficients co = s.resolve(rows, cols);
        double fro = 0;
        for (float v : g) {
            fro += (double) v * v;
        }
        double den = co.scale() * Math.sqrt(fro) + co.eps();
        double[] sg = TestMatrices.singularValues(g, 0, rows, cols);
        double[] expected = new double[sg.length];
        for (int i = 0; i < sg.length; i++) {
            expected[i] = Math.abs(co.compose(sg[i] / den));
        }
        Arrays.sort(expected);
        double[] got = TestMatrices.singularValues(ns(g, rows, cols, s), 0, rows, cols);
        Arrays.sort(got);
        for (int i = 0; i < got.length; i++) {
            assertTrue(Math.abs(got[i] - expected[i]) <= 2e-3, s + " " + rows + "x" + cols + ": σ_" + i + " = " + got[i]
                    + ", composed polynomial gives " + expected[i]);
        }
    }

    @Property(tries = 40)
    void orthogonalEquivariance(@ForAll @IntRange(min = 1, max = 20) int rows, @ForAll @IntRange(min = 1, max = 20) int cols,
                                @ForAll @IntRange(min = 0, max = 2) int sched, @ForAll long seed) {
        Schedule s = Schedule.byName(SCHEDULES[sched]);
        Random r = new Random(seed);
        DMatrixRMaj g = TestMatrices.toMatrix(TestMatrices.gaussian(r, rows * cols), 0, rows, cols);
        DMatrixRMaj p = TestMatrices.orthonormalColumns(r, rows, rows);
        DMatrixRMaj q = TestMatrices.orthonormalColumns(r, cols, cols);
        DMatrixRMaj pgq = sandwich(p, g, q);
        float[] lhs = ns(TestMatrices.toFloat(pgq.data), rows, cols, s);
        float[] nsg = ns(TestMatrices.toFloat(g.data), rows, cols, s);
        DMatrixRMaj rhs = sandwich(p, TestMatrices.toMatrix(nsg, 0, rows, cols), q);
        double err = TestMatrices.relError(lhs, 0, rhs.data, 0, rows * cols);
        assertTrue(err <= 2e-3, s + " " + rows + "x" + cols + ": ‖NS(PGQ) − P NS(G) Q‖/‖·‖ = " + err);
    }

    private static DMatrixRMaj sandwich(DMatrixRMaj p, DMatrixRMaj g, DMatrixRMaj q) {
        DMatrixRMaj pg = new DMatrixRMaj(p.numRows, g.numCols);
        CommonOps_DDRM.mult(p, g, pg);
        DMatrixRMaj out = new DMatrixRMaj(p.numRows, q.numCols);
        CommonOps_DDRM.mult(pg, q, out);
        return out;
    }

    @Property(tries = 60)
    void transposeCommutes(@ForAll @IntRange(min = 1, max = 30) int rows, @ForAll @IntRange(min = 1, max = 30) int cols,
                           @ForAll @IntRange(min = 0, max = 2) int sched, @ForAll long seed) {
        Schedule s = Schedule.byName(SCHEDULES[sched]);
        float[] g = TestMatrices.gaussian(new Random(seed), rows * cols);
        float[] gt = new float[g.length];
        for (int i = 0; i < rows; i++) {
            for (int j = 0; j < cols; j++) {
                gt[j * rows + i] = g[i * cols + j];
            }
        }
        float[] a = ns(g, rows, cols, s);
        float[] b = ns(gt, cols, rows, s);
        double[] at = new double[a.length];
        for (int i = 0; i < rows; i++) {
            for (int j = 0; j < cols; j++) {
                at[j * rows + i] = a[i * cols + j];
            }
        }
        double err = TestMatrices.relError(b, 0, at, 0, at.length);
        assertTrue(err <= 2e-3, s + " " + rows + "x" + cols + ": ‖NS(Gᵀ) − NS(G)ᵀ‖/‖·‖ = " + err);
    }

    @Property(tries = 60)
    void scaleInvariant(@ForAll @IntRange(min = 1, max = 30) int rows, @ForAll @IntRange(min = 1, max = 30) int cols,
                        @ForAll @IntRange(min = 0, max = 2) int sched, @ForAll @DoubleRange(min = 0.1, max = 100) double c,
                        @ForAll long seed) {
        Schedule s = Schedule.byName(SCHEDULES[sched]);
        float[] g = TestMatrices.gaussian(new Random(seed), rows * cols);
        float[] cg = new float[g.length];
        double norm = 0;
        for (int i = 0; i < g.length; i++) {
            cg[i] = (float) (c * g[i]);
            norm += (double) g[i] * g[i];
        }
        // the invariance is exact for eps = 0; with the schedule's eps (≤ 1e-6) in X0 = G / (s‖G‖ + eps) the top value
        // x0 = 1/s moves by eps / (s·min(1, c)·‖G‖) relative, and Polar Express's composed polynomial has slope ≈ 170 there
        // (a 1×1 G = 0.01 gives 0.920 instead of 0.904): ‖cG‖, ‖G‖ ≥ 0.1 keeps that below 1.7e-3
        Assume.that(Math.min(1, c) * Math.sqrt(norm) >= 0.1);
        float[] a = ns(g, rows, cols, s);
        float[] b = ns(cg, rows, cols, s);
        double err = TestMatrices.relError(b, a);
        assertTrue(err <= 2e-3, s + " " + rows + "x" + cols + " c=" + c + ": ‖NS(cG) − NS(G)‖/‖·‖ = " + err);
    }
}
