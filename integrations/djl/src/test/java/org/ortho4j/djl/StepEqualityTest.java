package org.ortho4j.djl;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Model;
import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Block;
import ai.djl.nn.Parameter;
import ai.djl.training.GradientCollector;
import ai.djl.training.ParameterStore;
import ai.djl.training.Trainer;
import ai.djl.training.dataset.Batch;
import ai.djl.training.loss.Loss;
import ai.djl.util.Pair;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.BiFunction;
import java.util.function.Function;
import org.junit.jupiter.api.Test;
import org.ortho4j.BackendKind;
import org.ortho4j.Context;
import org.ortho4j.MatrixBatch;
import org.ortho4j.Precision;
import org.ortho4j.optim.AdamW;
import org.ortho4j.optim.DdcAdam;
import org.ortho4j.optim.Digits;
import org.ortho4j.optim.Muon;
import org.ortho4j.optim.Optimizer;
import org.ortho4j.optim.ParamGroup;
import org.ortho4j.optim.Role;
import org.ortho4j.optim.Root;
import org.ortho4j.optim.Scion;

/**
 * (b) Steps through DJL's Trainer with {@link Ortho4jOptimizer} equal the plain ortho4j optimizer (owned memory,
 * {@code ctx.upload}, {@code step(List<MatrixBatch>)}) on the same weights and gradients. The reference's gradients
 * come from a fresh twin block (same DJL autograd) at the reference's own weights, so they are independent of the
 * trainer's gradient memory: were the wrapper not to zero the engine's gradients, PyTorch would accumulate them and the
 * second step would differ. (c) After every step the engine's gradients are zero.
 */
class StepEqualityTest {
    static final int STEPS = 3;
    static final int BATCH = 32;
    static final List<String> ORDER = List.of("01Linear_weight", "03Linear_weight", "05Linear_weight", "05Linear_bias",
            "01Linear_bias", "03Linear_bias");

    /** The reference's groups, by hand: hidden W1, W2; output head W3 with b3; biases b1, b2 (1 × n). */
    static List<ParamGroup> groups(Context ctx, Map<String, float[]> w, Map<String, Shape> shapes, List<MatrixBatch> out) {
        for (String n : ORDER) {
            Shape s = shapes.get(n);
            int rows = s.dimension() == 2 ? (int) s.get(0) : 1;
            out.add(ctx.upload(w.get(n), 1, rows, (int) (s.size() / rows)));
        }
        return List.of(ParamGroup.hidden("hidden", out.get(0), out.get(1)), ParamGroup.output("head", out.get(2), out.get(3)),
                ParamGroup.biasGain("biases", out.get(4), out.get(5)));
    }

    /** The gradient of the mean cross-entropy at {@code weights} on the batch, from a fresh block. */
    static Map<String, float[]> twinGradients(Map<String, float[]> weights, NDArray x, NDArray y) {
        Block twin = Fixtures.mlp(64);
        try (NDManager m = NDManager.newBaseManager()) {
            twin.initialize(m, DataType.FLOAT32, new Shape(1, Digits.FEATURES));
            for (Pair<String, Parameter> p : twin.getParameters()) {
                Fixtures.write(p.getValue().getArray(), weights.get(p.getKey()));
            }
            try (GradientCollector gc = Engine.getInstance().newGradientCollector()) {
                NDList pred = twin.forward(new ParameterStore(m, false), new NDList(x), true);
                gc.backward(Loss.softmaxCrossEntropyLoss().evaluate(new NDList(y), pred));
            }
            return Fixtures.grads(twin);
        }
    }

    static double run(String what, Function<Block, Ortho4jOptimizer> wrapper,
            BiFunction<Context, List<ParamGroup>, Optimizer> reference) {
        Digits d = Digits.load(3, 0.2);
        Block block = Fixtures.mlp(64);
        Ortho4jOptimizer opt = wrapper.apply(block);
        double worst = 0;
        try (Model model = Model.newInstance("mlp"); Trainer trainer = Fixtures.trainer(model, block, opt, 5);
                Context ctx = Context.create(BackendKind.CPU)) {
            assertEquals(ORDER, opt.parameterNames());
            assertEquals(Role.OUTPUT, opt.roleOf("05Linear_bias"));
            Map<String, Shape> shapes = new java.util.HashMap<>();
            for (Pair<String, Parameter> p : block.getParameters()) {
                shapes.put(p.getKey(), p.getValue().getArray().getShape());
            }
            List<MatrixBatch> ref = new ArrayList<>();
            Optimizer plain = reference.apply(ctx, groups(ctx, Fixtures.values(block), shapes, ref));
            int[] sched = Fixtures.schedule(d.train.n, BATCH, STEPS, 9);
            for (int step = 0; step < STEPS; step++) {
                Map<String, float[]> refW = new java.util.HashMap<>();
                for (int i = 0; i < ORDER.size(); i++) {
                    refW.put(ORDER.get(i), ref.get(i).toArray());
                }
                try (Batch b = Fixtures.batch(trainer, d.train, sched, step * BATCH, BATCH)) {
                    Map<String, float[]> g = twinGradients(refW, b.getData().head(), b.getLabels().head());
                    Fixtures.trainStep(trainer, b);
                    List<MatrixBatch> grads = new ArrayList<>();
                    for (int i = 0; i < ORDER.size(); i++) {
                        MatrixBatch r = ref.get(i);
                        grads.add(ctx.upload(g.get(ORDER.get(i)), 1, r.rows(), r.cols()));
                    }
                    plain.step(grads);
                    grads.forEach(MatrixBatch::close);
                }
                // (c) the engine's gradients were zeroed by the step
                for (Map.Entry<String, float[]> e : Fixtures.grads(block).entrySet()) {
                    assertArrayEquals(new float[e.getValue().length], e.getValue(), 0f, what + ": gradient of " + e.getKey()
                            + " not zeroed after step " + (step + 1));
                }
                Map<String, float[]> djl = Fixtures.values(block);
                for (int i = 0; i < ORDER.size(); i++) {
                    float[] a = djl.get(ORDER.get(i));
                    float[] r = ref.get(i).toArray();
                    for (int j = 0; j < a.length; j++) {
                        worst = Math.max(worst, Math.abs(a[j] - r[j]));
                    }
                    assertArrayEquals(r, a, 1e-6f, what + ": " + ORDER.get(i) + " after step " + (step + 1));
                }
            }
            assertEquals(STEPS, plain.steps());
            assertEquals(STEPS, opt.delegate().steps());
            for (String n : ORDER) {
                assertTrue(opt.writesInPlace(n), n + " should be written in place on PyTorch CPU");
            }
            plain.close();
            ref.forEach(MatrixBatch::close);
        } finally {
            opt.close();
        }
        System.out.printf("step equality %s: %d steps, max |DJL - ortho4j| = %.3g%n", what, STEPS, worst);
        return worst;
    }

    @Test
    void muonFp32() {
        Muon.Options o = new Muon.Options();
        o.precision = Precision.FP32;
        o.adamLr = 3e-3;
        o.weightDecay = 0.01;
        run("Muon fp32", b -> Ortho4jOptimizer.muon(b).options(o).build(), (c, g) -> new Muon(c, g, o));
    }

    @Test
    void muonBf16() {
        Muon.Options o = new Muon.Options();
        run("Muon bf16", b -> Ortho4jOptimizer.muon(b).options(o).build(), (c, g) -> new Muon(c, g, o));
    }

    @Test
    void scion() {
        Scion.Options o = new Scion.Options();
        o.precision = Precision.FP32;
        run("SCION", b -> Ortho4jOptimizer.scion(b).options(o).build(), (c, g) -> new Scion(c, g, o));
    }

    @Test
    void root() {
        Root.Options o = new Root.Options();
        run("ROOT", b -> Ortho4jOptimizer.root(b).options(o).build(), (c, g) -> new Root(c, g, o));
    }

    @Test
    void ddcAdam() {
        AdamW.Options o = new AdamW.Options();
        run("DDC-Adam", b -> Ortho4jOptimizer.ddcAdam(b).options(o).build(), (c, g) -> new DdcAdam(c, g, o));
    }
}
