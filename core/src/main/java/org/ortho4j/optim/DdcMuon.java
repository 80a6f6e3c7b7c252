package org.ortho4j.optim;

import java.util.List;
import org.ortho4j.Context;
import org.ortho4j.Precision;

/**
 * DDCMuon: {@link Muon}'s change of each group (orthogonalised matrices, AdamW for the rest, weight decay included)
 * made horizontal by the group's declared gauges through {@link Gauges} (docs/algorithms.md §4, §5.5). Because
 * {@code NS(P·G·Q) = P·NS(G)·Q} for orthogonal P, Q, the rotation gauge composes exactly: DDCMuon is equivariant
 * under per-head rotations. It is not equivariant under the scaling gauge (NS is not equivariant under diagonal
 * scaling); there it only removes the vertical component. {@link DdcAdam} is the exactly equivariant one.
 *
 * <p>Its NS runs in FP32 unless {@link Muon.Options#precision} says otherwise, unlike {@link Muon}'s bf16 default:
 * with bf16 operands {@code NS(P·G·Q) = P·NS(G)·Q} holds only to bf16 rounding (the rotation test's gap grows from
 * float32 rounding, ≤ 2e-4, to about 1.4e-3 after three steps), and exact equivariance is what DDC is for. DDC has
 * no public reference code; every other default is {@link Muon}'s, i.e. KellerJordan/Muon's.
 */
public final class DdcMuon extends Muon {

    /**
     * A DDCMuon optimizer over {@code groups}.
     *
     * @param ctx     the context the parameters live on
     * @param groups  the parameter groups; each group's {@link Role} selects its gauge
     * @param options Muon's hyper-parameters ({@code null}: the defaults)
     */
    public DdcMuon(Context ctx, List<ParamGroup> groups, Options options) {
        super(ctx, groups, options);
    }

    @Override
    public String name() {
        return "ddcmuon";
    }

    /** FP32: exact rotation equivariance (see the class comment). */
    @Override
    Precision defaultPrecision() {
        return Precision.FP32;
    }

    @Override
    void finish(ParamGroup group, List<float[]> w, List<float[]> delta) {
        Gauges.project(ctx, group, w, delta);
    }
}
