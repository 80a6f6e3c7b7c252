package org.ortho4j.dl4j;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.ArrayList;
import java.util.List;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.nn.updater.MultiLayerUpdater;
import org.deeplearning4j.nn.updater.UpdaterBlock;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.indexing.NDArrayIndex;
import org.nd4j.linalg.learning.config.Sgd;
import org.ortho4j.Precision;
import org.ortho4j.optim.Digits;
import org.ortho4j.optim.Muon;

/**
 * When DL4J calls the updater once per block over several blocks, the session collects them and steps once, after
 * the last: the same parameters as the one-block network. (A supported configuration always gives one block; the
 * split is made by hand here, as DL4J would make it for two unequal updater configurations.)
 */
class Dl4jUpdaterBlocksTest {

    @Test
    void twoBlocksStepOnceTogether() {
        Muon.Options o = new Muon.Options();
        o.precision = Precision.FP32;
        MultiLayerNetwork one = Nets.mlp(5, new Sgd(0.1));
        MultiLayerNetwork two = one.clone();
        Digits d = Digits.load(5, 0.2);
        try (Ortho4jDl4j s1 = Ortho4jDl4j.attach(one, Ortho4jUpdater.muon(o)); Ortho4jDl4j s2 = Ortho4jDl4j.attach(two, Ortho4jUpdater.muon(o))) {
            split(two, (int) s2.parameters().all().get(2).offset());          // [0_W, 0_b] | [1_W, 1_b, 2_W, 2_b]
            for (int i = 0; i < 3; i++) {
                DataSet b = Nets.dataSet(d.train, 40 * i, 40 * i + 40);
                one.fit(b);
                two.fit(b);
            }
            assertEquals(2, ((MultiLayerUpdater) two.getUpdater()).getUpdaterBlocks().size());
            assertEquals(3, s2.optimizer().steps());
            assertArrayEquals(one.params().toFloatVector(), two.params().toFloatVector());
        }
    }

    /** Splits the network's single updater block at {@code at}, as DL4J would for two updater configurations. */
    private static void split(MultiLayerNetwork net, int at) {
        MultiLayerUpdater u = (MultiLayerUpdater) net.getUpdater();
        List<UpdaterBlock> blocks = u.getUpdaterBlocks();
        assertEquals(1, blocks.size());
        UpdaterBlock whole = blocks.get(0);
        INDArray g = net.getFlattenedGradients().reshape(net.numParams());
        List<UpdaterBlock.ParamState> first = new ArrayList<>(), second = new ArrayList<>();
        for (UpdaterBlock.ParamState p : whole.getLayersAndVariablesInBlock()) {
            (p.getParamOffsetStart() < at ? first : second).add(p);
        }
        UpdaterBlock a = new UpdaterBlock(0, at, 0, 0, first);
        UpdaterBlock b = new UpdaterBlock(at, (int) net.numParams(), 0, 0, second);
        a.setGradientView(g.get(NDArrayIndex.interval(0, at)));
        b.setGradientView(g.get(NDArrayIndex.interval(at, net.numParams())));
        a.init();
        b.init();
        blocks.clear();
        blocks.add(a);
        blocks.add(b);
    }
}
