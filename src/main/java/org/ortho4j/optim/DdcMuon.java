package org.ortho4j.optim;

import java.util.List;
import org.ortho4j.Context;

/**
 * DDCMuon: {@link Muon}'s change of each group (orthogonalised matrices, AdamW for the rest, weight decay included)
 * made horizontal by the group's declared gauges through {@link Gauges} (docs/algorithms.md §4, §5.5). Because
 * {@code NS(P·G·Q) = P·NS(G)·Q} for orthogonal P, Q, the rotation gauge composes exactly: DDCMuon is equivariant
 * under per-head rotations. It is not equivariant under the scaling gauge (NS is not equivariant under diagonal
 * scaling); there it only removes the vertical component. {@link DdcAdam} is the exactly equivariant one.
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

    @Override
    void finish(ParamGroup group, List<float[]> w, List<float[]> delta) {
        Gauges.project(ctx, group, w, delta);
    }
}
