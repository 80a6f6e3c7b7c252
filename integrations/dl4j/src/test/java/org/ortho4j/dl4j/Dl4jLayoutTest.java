package org.ortho4j.dl4j;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.deeplearning4j.nn.conf.MultiLayerConfiguration;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.layers.ActivationLayer;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.lossfunctions.LossFunctions;
import org.ortho4j.optim.Digits;
import org.ortho4j.optim.ParamGroup;
import org.ortho4j.optim.Scion;

/** Layouts beyond the plain MLP: a layer-norm gain, a layer without bias, a layer without parameters. */
class Dl4jLayoutTest {

    @Test
    void layerNormGainNoBiasAndAParameterlessLayer() {
        MultiLayerConfiguration conf = new NeuralNetConfiguration.Builder().seed(3).list()
                .layer(new DenseLayer.Builder().nIn(64).nOut(24).hasLayerNorm(true).hasBias(false).activation(Activation.IDENTITY).build())
                .layer(new ActivationLayer.Builder().activation(Activation.RELU).build())
                .layer(new OutputLayer.Builder(LossFunctions.LossFunction.MCXENT).nIn(24).nOut(10).activation(Activation.SOFTMAX).build())
                .build();
        MultiLayerNetwork net = new MultiLayerNetwork(conf);
        net.init();
        float[] before = net.params().toFloatVector();
        Scion.Options o = new Scion.Options();
        o.lr = 0.02;
        Digits d = Digits.load(2, 0.2);
        org.nd4j.linalg.dataset.DataSet fixed = Nets.dataSet(d.train, 0, 320);
        double initial = net.score(fixed);
        try (Ortho4jDl4j s = Ortho4jDl4j.attach(net, Ortho4jUpdater.scion(o))) {
            assertEquals(List.of("0_W 24x64 at 0", "0_g 1x24 at 1536", "2_W 10x24 at 1560", "2_b 1x10 at 1800"),
                    s.parameters().all().stream().map(p -> p.id() + " " + p.handle().rows() + "x" + p.handle().cols() + " at " + p.offset()).toList());
            assertEquals(List.of("hidden", "output", "biases"), s.optimizer().groups().stream().map(ParamGroup::name).toList());
            for (int i = 0; i < 10; i++) {
                net.fit(Nets.dataSet(d.train, 32 * i, 32 * i + 32));
            }
            assertEquals(10, s.optimizer().steps());
            float[] after = net.params().toFloatVector();
            for (Ortho4jDl4j.Param p : s.parameters().all()) {       // every parameter moved
                double move = 0;
                for (int j = 0; j < p.handle().elements(); j++) {
                    move = Math.max(move, Math.abs(after[(int) p.offset() + j] - before[(int) p.offset() + j]));
                }
                assertTrue(move > 1e-4, p + " moved by " + move);
            }
            double end = net.score(fixed);
            System.out.printf("layer norm, no bias, SCION lr 0.02: loss on the 320 samples seen %.4f -> %.4f after 10 steps%n", initial, end);
            assertTrue(end < 0.9 * initial, "loss " + initial + " -> " + end);
        }
    }
}
