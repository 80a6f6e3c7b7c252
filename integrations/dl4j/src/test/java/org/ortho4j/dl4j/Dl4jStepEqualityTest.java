package org.ortho4j.dl4j;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.function.BiFunction;
import java.util.stream.Stream;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.nn.updater.MultiLayerUpdater;
import org.deeplearning4j.nn.updater.UpdaterBlock;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.Sgd;
import org.ortho4j.Context;
import org.ortho4j.MatrixBatch;
import org.ortho4j.Precision;
import org.ortho4j.optim.AdamW;
import org.ortho4j.optim.DdcAdam;
import org.ortho4j.optim.Digits;
import org.ortho4j.optim.Muon;
import org.ortho4j.optim.Optimizer;
import org.ortho4j.optim.ParamGroup;
import org.ortho4j.optim.Root;
import org.ortho4j.optim.Scion;

/**
 * After one and two {@code net.fit} steps on fixed batches, DL4J's parameters equal plain ortho4j's (owned memory,
 * {@code step(List<MatrixBatch>)}) fed with the same gradients: DL4J's mean minibatch gradient, taken with {@code
 * computeGradientAndScore} on a clone of the network that follows the reference's weights.
 */
class Dl4jStepEqualityTest {
    static final double TOL = 1e-6;

    static Stream<Arguments> optimizers() {
        Muon.Options muon = new Muon.Options();
        muon.precision = Precision.FP32;
        muon.adamLr = 1e-3;
        Scion.Options scion = new Scion.Options();
        scion.lr = 0.01;
        Root.Options root = new Root.Options();
        AdamW.Options ddc = new AdamW.Options();
        return Stream.of(
                Arguments.of("muon", Ortho4jUpdater.muon(muon),
                        (BiFunction<Context, List<ParamGroup>, Optimizer>) (c, g) -> new Muon(c, g, muon)),
                Arguments.of("scion", Ortho4jUpdater.scion(scion),
                        (BiFunction<Context, List<ParamGroup>, Optimizer>) (c, g) -> new Scion(c, g, scion)),
                Arguments.of("root", Ortho4jUpdater.root(root),
                        (BiFunction<Context, List<ParamGroup>, Optimizer>) (c, g) -> new Root(c, g, root)),
                Arguments.of("ddcadam", Ortho4jUpdater.ddcAdam(ddc),
                        (BiFunction<Context, List<ParamGroup>, Optimizer>) (c, g) -> new DdcAdam(c, g, ddc)));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("optimizers")
    void fitStepsEqualPlainOrtho4j(String name, Ortho4jUpdater updater, BiFunction<Context, List<ParamGroup>, Optimizer> plain) {
        Digits d = Digits.load(7, 0.2);
        List<DataSet> steps = List.of(Nets.dataSet(d.train, 0, 32), Nets.dataSet(d.train, 32, 80));

        // Not square (64 → 96 → 32 → 10): a weight borrowed transposed changes Muon's max(1, m/n)^½ and SCION's and
        // ROOT's shape factors, so a layout error shows as a mismatch, not only as a shape error.
        MultiLayerNetwork net = Nets.mlp(123, new Sgd(0.1), 96, 32);
        MultiLayerNetwork ref = net.clone();                       // computes the gradients for the reference
        try (Context ctx = Context.cpu(1); Ortho4jDl4j session = Ortho4jDl4j.attach(net, updater)) {
            // The reference: its own layout from DL4J's paramTable (W [nIn, nOut] 'f' = row-major nOut × nIn, b 1 × nOut,
            // flat offsets in table order), not the session's, in owned memory.
            float[] flat = net.params().toFloatVector();
            List<Ortho4jDl4j.Param> layout = session.parameters().all();
            List<MatrixBatch> owned = new ArrayList<>();
            List<Integer> offsets = new ArrayList<>();
            int at = 0;
            for (java.util.Map.Entry<String, INDArray> e : net.paramTable().entrySet()) {
                INDArray t = e.getValue();
                int rows = e.getKey().endsWith("_W") ? (int) t.size(1) : 1;
                int cols = e.getKey().endsWith("_W") ? (int) t.size(0) : (int) t.length();
                float[] v = new float[rows * cols];
                System.arraycopy(flat, at, v, 0, v.length);
                owned.add(ctx.upload(v, 1, rows, cols));
                offsets.add(at);
                at += v.length;
            }
            // Groups as defaultGroups: hidden {0_W, 1_W}, output {2_W, 2_b}, biases {0_b, 1_b}.
            List<ParamGroup> groups = List.of(
                    ParamGroup.hidden("hidden", owned.get(0), owned.get(2)),
                    ParamGroup.output("output", owned.get(4), owned.get(5)),
                    ParamGroup.biasGain("biases", owned.get(1), owned.get(3)));
            assertEquals(List.of("0_W", "0_b", "1_W", "1_b", "2_W", "2_b"),
                    layout.stream().map(Ortho4jDl4j.Param::id).toList());
            assertEquals(List.of(new String[] {"96x64", "1x96", "32x96", "1x32", "10x32", "1x10"}).toString(),
                    layout.stream().map(p -> p.handle().rows() + "x" + p.handle().cols()).toList().toString());
            try (Optimizer o = plain.apply(ctx, groups)) {
                for (int step = 0; step < steps.size(); step++) {
                    DataSet ds = steps.get(step);
                    // Reference gradient: DL4J's, on the reference's current weights, divided by the minibatch size
                    // as DL4J's updater does before it calls the ortho4j updater.
                    ref.setParams(Nd4j.create(gather(owned, offsets, flat.length), new long[] {1, flat.length}, 'c'));
                    ref.setInput(ds.getFeatures());
                    ref.setLabels(ds.getLabels());
                    ref.computeGradientAndScore();
                    float[] g = ref.gradient().gradient().toFloatVector();
                    int batch = ds.numExamples();
                    for (int j = 0; j < g.length; j++) {
                        g[j] /= batch;
                    }
                    List<MatrixBatch> grads = new ArrayList<>();
                    for (MatrixBatch p : o.parameters()) {
                        float[] v = new float[(int) p.elements()];
                        System.arraycopy(g, offsets.get(owned.indexOf(p)), v, 0, v.length);
                        grads.add(ctx.upload(v, 1, p.rows(), p.cols()));
                    }
                    o.step(grads);
                    grads.forEach(MatrixBatch::close);

                    net.fit(ds);
                    if (step == 0) {    // DL4J put the whole network into one updater block
                        List<UpdaterBlock> blocks = ((MultiLayerUpdater) net.getUpdater()).getUpdaterBlocks();
                        assertEquals(1, blocks.size());
                        assertEquals(net.numParams(), blocks.get(0).getParamOffsetEnd() - blocks.get(0).getParamOffsetStart());
                    }

                    float[] want = gather(owned, offsets, flat.length);
                    float[] got = net.params().toFloatVector();
                    double maxDiff = 0, maxMove = 0;
                    for (int j = 0; j < want.length; j++) {
                        maxDiff = Math.max(maxDiff, Math.abs(want[j] - got[j]));
                        maxMove = Math.max(maxMove, Math.abs(want[j] - flat[j]));
                    }
                    System.out.printf("%s step %d: max |DL4J - ortho4j| = %.3e (max |W - W0| = %.3e)%n", name, step + 1, maxDiff, maxMove);
                    assertTrue(maxMove > 1e-3, name + ": the step moved the weights by only " + maxMove);
                    assertTrue(maxDiff <= TOL, name + " step " + (step + 1) + ": DL4J's parameters differ from ortho4j's by " + maxDiff);
                }
                assertEquals(steps.size(), session.optimizer().steps());
            }
            owned.forEach(MatrixBatch::close);
        }
    }

    /** The owned parameters back in DL4J's flat order. */
    private static float[] gather(List<MatrixBatch> owned, List<Integer> offsets, int n) {
        float[] out = new float[n];
        for (int i = 0; i < owned.size(); i++) {
            float[] v = owned.get(i).toArray();
            System.arraycopy(v, 0, out, offsets.get(i), v.length);
        }
        return out;
    }
}
