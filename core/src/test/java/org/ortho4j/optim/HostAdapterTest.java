package org.ortho4j.optim;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.ortho4j.BackendKind;
import org.ortho4j.Context;
import org.ortho4j.MatrixBatch;
import org.ortho4j.testing.TestMatrices;

/** The framework-wrapper shape gives exactly the results of calling {@link Optimizer#step} directly. */
class HostAdapterTest {

    @Test
    void collectedGradientsGiveTheDirectStep() {
        Random r = TestMatrices.rng();
        float[] w0 = TestMatrices.gaussian(r, 5 * 7);
        float[] b0 = TestMatrices.gaussian(r, 7);
        float[][] gw = {TestMatrices.gaussian(r, 35), TestMatrices.gaussian(r, 35)};
        float[][] gb = {TestMatrices.gaussian(r, 7), TestMatrices.gaussian(r, 7)};
        try (Context ctx = Context.create(BackendKind.CPU)) {
            MatrixBatch wa = ctx.upload(w0, 1, 5, 7);
            MatrixBatch ba = ctx.upload(b0, 1, 1, 7);
            MatrixBatch wb = ctx.upload(w0, 1, 5, 7);
            MatrixBatch bb = ctx.upload(b0, 1, 1, 7);
            Muon.Options o = new Muon.Options();
            try (Muon direct = new Muon(ctx, List.of(ParamGroup.hidden("w", wa), ParamGroup.biasGain("b", ba)), o);
                 Muon wrapped = new Muon(ctx, List.of(ParamGroup.hidden("w", wb), ParamGroup.biasGain("b", bb)), o);
                 HostAdapter adapter = new HostAdapter(wrapped, List.of("layer.w", "layer.b"))) {
                for (int s = 0; s < 2; s++) {
                    try (MatrixBatch g1 = ctx.upload(gw[s], 1, 5, 7); MatrixBatch g2 = ctx.upload(gb[s], 1, 1, 7)) {
                        direct.step(List.of(g1, g2));
                    }
                    adapter.gradient("layer.b", gb[s]); // frameworks may hand them over in any order
                    assertFalse(adapter.ready());
                    assertThrows(IllegalStateException.class, adapter::step);
                    adapter.gradient("layer.w", gw[s]);
                    assertTrue(adapter.ready());
                    adapter.step();
                    assertFalse(adapter.ready());
                }
                assertArrayEquals(wa.toArray(), adapter.parameter("layer.w"));
                assertArrayEquals(ba.toArray(), adapter.parameter("layer.b"));
                assertFalse(java.util.Arrays.equals(w0, adapter.parameter("layer.w")), "the step changed nothing");
                assertThrows(IllegalArgumentException.class, () -> adapter.gradient("nope", gb[0]));
                assertThrows(IllegalArgumentException.class, () -> adapter.gradient("layer.b", new float[3]));
            }
        }
    }

    @Test
    void idsMustMatchTheParameters() {
        try (Context ctx = Context.create(BackendKind.CPU); MatrixBatch w = ctx.allocate(1, 2, 2)) {
            w.fill(1f);
            try (AdamW opt = new AdamW(ctx, List.of(ParamGroup.hidden("w", w)), new AdamW.Options())) {
                assertThrows(IllegalArgumentException.class, () -> new HostAdapter(opt, List.of("a", "b")));
            }
        }
    }
}
