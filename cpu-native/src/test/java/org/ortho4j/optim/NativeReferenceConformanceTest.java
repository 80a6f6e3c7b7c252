package org.ortho4j.optim;

import org.junit.jupiter.api.Disabled;
import org.junit.jupiter.api.Test;
import org.ortho4j.Context;
import org.ortho4j.Precision;
import org.ortho4j.cpunative.NativeContexts;

/**
 * {@link ReferenceConformanceContract} on the native CPU backend (OpenBLAS/LAPACK), tolerances unchanged: every fp32
 * trajectory against the references to 1e-5 of the update.
 *
 * <p>The contract's bf16 legs compare against ortho4j's bf16 emulation summed in float32 <em>in the pure-Java
 * backend's documented order</em> ({@code CpuMatmul}); a bf16 NS amplifies a one-ulp difference of summation order
 * into ~1e-2 of the update (measured here: 4e-4 to 1.5e-2), so they pin that order, which OpenBLAS does not follow
 * (the CUDA backend does not run them either). They are skipped here with that reason; the native backend's bf16
 * (and tf32) NS is checked by {@code NewtonSchulzContract} against the float64 iteration on the same rounded
 * operands, and DDCMuon's fp32 leg below.
 */
class NativeReferenceConformanceTest extends ReferenceConformanceContract {
    private static final String ORDER = "pins the pure-Java backend's float32 summation order under bf16 operands "
            + "(see the class comment); the fp32 legs and NewtonSchulzContract's bf16 checks run";

    @Override
    protected Context newContext() {
        return NativeContexts.create();
    }

    @Test
    @Disabled(ORDER)
    @Override
    void muonBf16ByDefaultFollowsTheReferenceIteration() {
    }

    @Test
    @Disabled(ORDER)
    @Override
    void scionWithTheReferenceDefaultsFollowsTheReferenceIterationInBf16() {
    }

    @Test
    @Disabled(ORDER)
    @Override
    void rootBf16FollowsTheReferenceIteration() {
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
