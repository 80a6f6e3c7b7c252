package org.ortho4j.optim;

import org.junit.jupiter.api.Test;
import org.ortho4j.Context;
import org.ortho4j.Precision;
import org.ortho4j.Schedule;
import org.ortho4j.cpunative.NativeContexts;

/**
 * {@link ReferenceConformanceContract} on the native CPU backend (OpenBLAS/LAPACK), tolerances unchanged: every fp32
 * trajectory against the references to 1e-5 of the update.
 *
 * <p>The contract's bf16 legs compare against ortho4j's bf16 emulation summed in float32 <em>in the pure-Java
 * backend's documented order</em> ({@code CpuMatmul}); a bf16 NS amplifies a one-ulp difference of summation order
 * into ~1e-2 of the update (measured here: 4e-4 to 1.5e-2), so they pin that order, which OpenBLAS does not follow
 * (the CUDA backend does not run them either). Here they are replaced by the same trajectories held to a bf16-scale
 * bound and required to be clearly closer to the reference's bf16 iteration than to its fp32 one
 * ({@link #closerToBf16}); the native backend's bf16 (and tf32) NS is also checked by {@code NewtonSchulzContract}
 * against the float64 iteration on the same rounded operands, and DDCMuon's fp32 leg below.
 */
class NativeReferenceConformanceTest extends ReferenceConformanceContract {
    @Override
    protected Context newContext() {
        return NativeContexts.create();
    }

    /**
     * A native bf16 trajectory against the references' bf16 iteration: within {@link #BF16_ORDER_TOL} of the update
     * (summation order amplified, see the class comment), and at most half as far from it as from the fp32 iteration,
     * so the native path rounds the operands the reference rounds (a run in fp32 is 5–8e-2 from bf16).
     */
    static void closerToBf16(String what, double vsBf16, double vsFp32) {
        System.out.printf("%s: native bf16 vs reference bf16 %.2e, vs reference fp32 %.2e%n", what, vsBf16, vsFp32);
        within(what + " vs bf16 reference", vsBf16, BF16_ORDER_TOL);
        org.junit.jupiter.api.Assertions.assertTrue(vsBf16 <= 0.5 * vsFp32, what + ": " + vsBf16
                + " from the bf16 reference is not clearly closer than " + vsFp32 + " from the fp32 one");
    }

    /** The measured spread of bf16 NS under another summation order, 4e-4 to 1.5e-2 of the update, doubled. */
    static final double BF16_ORDER_TOL = 3e-2;

    @Test
    @Override
    void muonBf16ByDefaultFollowsTheReferenceIteration() {
        double[] e = new double[2];
        for (int k = 0; k < 2; k++) {
            Model m = new Model(2);
            Muon.Options o = new Muon.Options();
            o.momentum = 0;
            try (Optimizer opt = muonLike(m, o, false)) {
                org.junit.jupiter.api.Assertions.assertEquals(Precision.BF16, ((Muon) opt).precision());
                e[k] = m.run("muon bf16 (defaults, β = 0) vs " + (k == 0 ? "bf16" : "fp32"), opt,
                        muonReference(0.02, 0, true, 0, k == 0, 3e-4, 0.9, 0.95, 1e-10, 0));
            } finally {
                m.close();
            }
        }
        closerToBf16("Muon bf16", e[0], e[1]);
    }

    @Test
    @Override
    void scionWithTheReferenceDefaultsFollowsTheReferenceIterationInBf16() {
        Scion.Options o = new Scion.Options();
        o.lr = 0.05;
        o.alpha = 1.0;
        o.unconstrained = false;
        o.schedule = Schedule.muon();
        org.junit.jupiter.api.Assertions.assertEquals(Precision.BF16, o.precision);
        closerToBf16("SCION NS bf16", scionRun("scion NS bf16 SCG momentum=1", 6, o, false, true, 1.0),
                scionRun("scion NS bf16 vs fp32 reference", 6, o, false, false, 1.0));
    }

    @Test
    @Override
    void rootBf16FollowsTheReferenceIteration() {
        double[] e = new double[2];
        for (int k = 0; k < 2; k++) {
            Model m = new Model(8);
            Root.Options o = new Root.Options();
            o.lr = 0.01;
            o.momentum = 0;
            o.precision = Precision.BF16;
            try (Optimizer opt = rootLike(m, o)) {
                e[k] = m.run("root bf16 (μ = 0) vs " + (k == 0 ? "bf16" : "fp32"), opt,
                        rootReference(0.01, 0, true, 0.1, k == 0, 0.9, 0.95, 1e-8));
            } finally {
                m.close();
            }
        }
        closerToBf16("ROOT bf16", e[0], e[1]);
    }

    /** The contract's fp32 leg of {@code ddcMuonWithoutGaugesIsMuon} (its bf16 leg pins the summation order). */
    @Test
    @Override
    void ddcMuonWithoutGaugesIsMuon() {
        Model m = new Model(3);
        Muon.Options o = new Muon.Options();
        o.precision = null;
        o.weightDecay = 0.1;
        o.momentum = 0.95;
        try (Optimizer opt = muonLike(m, o, true)) {
            org.junit.jupiter.api.Assertions.assertEquals(Precision.FP32, ((Muon) opt).precision());
            double e = m.run("ddcmuon fp32 (default)", opt, muonReference(0.02, o.momentum, true, 0.1, false, 3e-4, 0.9,
                    0.95, 1e-10, 0));
            within("DDCMuon", e, TOL);
        } finally {
            m.close();
        }
    }
}
