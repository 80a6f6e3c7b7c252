package org.ortho4j.dl4j;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.deeplearning4j.nn.conf.MultiLayerConfiguration;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.layers.BatchNormalization;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.learning.config.Adam;
import org.nd4j.linalg.learning.config.Sgd;
import org.nd4j.linalg.lossfunctions.LossFunctions;
import org.nd4j.linalg.schedule.ExponentialSchedule;
import org.nd4j.linalg.schedule.ScheduleType;
import org.ortho4j.Schedule;
import org.ortho4j.optim.Digits;
import org.ortho4j.optim.Muon;
import org.ortho4j.optim.ParamGroup;

/** Configurations the module refuses, each with a one-line reason, and the configuration's JSON round trip. */
class Dl4jUnsupportedTest {

    private static MultiLayerNetwork net(NeuralNetConfiguration.Builder b, boolean batchNorm, DataType type) {
        NeuralNetConfiguration.ListBuilder lb = b.seed(1).dataType(type).list()
                .layer(new DenseLayer.Builder().nIn(64).nOut(16).activation(Activation.RELU).build());
        if (batchNorm) {
            lb.layer(new BatchNormalization.Builder().nOut(16).build());
        }
        MultiLayerConfiguration conf = lb.layer(new OutputLayer.Builder(LossFunctions.LossFunction.MCXENT).nIn(16).nOut(10)
                .activation(Activation.SOFTMAX).build()).build();
        MultiLayerNetwork n = new MultiLayerNetwork(conf);
        n.init();
        return n;
    }

    private static String refused(MultiLayerNetwork n) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Ortho4jDl4j.attach(n, Ortho4jUpdater.muon(null)));
        System.out.println("refused: " + e.getMessage());
        assertFalse(e.getMessage().contains("\n"), "one line");
        return e.getMessage();
    }

    @Test
    void dl4jL2IsRefused() {
        String m = refused(net(new NeuralNetConfiguration.Builder().updater(new Sgd(0.1)).l2(1e-4), false, DataType.FLOAT));
        assertTrue(m.contains("regularization") && m.contains("layer 0"), m);
    }

    @Test
    void dl4jWeightDecayOnBiasesIsRefused() {
        String m = refused(net(new NeuralNetConfiguration.Builder().updater(new Sgd(0.1)).weightDecayBias(1e-4), false, DataType.FLOAT));
        assertTrue(m.contains("biases"), m);
    }

    @Test
    void aLayerTypeWithParametersOtherThanDenseAndOutputIsRefused() {
        String m = refused(net(new NeuralNetConfiguration.Builder().updater(new Sgd(0.1)), true, DataType.FLOAT));
        assertTrue(m.contains("BatchNormalization") && m.contains("not supported"), m);
    }

    @Test
    void doubleParametersAreRefused() {
        String m = refused(net(new NeuralNetConfiguration.Builder().updater(new Sgd(0.1)), false, DataType.DOUBLE));
        assertTrue(m.contains("float32"), m);
    }

    @Test
    void aParameterLeftOutOfTheGroupsIsRefused() {
        MultiLayerNetwork n = net(new NeuralNetConfiguration.Builder().updater(new Sgd(0.1)), false, DataType.FLOAT);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Ortho4jDl4j.attach(n, Ortho4jUpdater.muon(null),
                ps -> List.of(ParamGroup.hidden("hidden", ps.get("0_W"))), null));
        assertTrue(e.getMessage().contains("0_b is in no group"), e.getMessage());
    }

    @Test
    void anUnattachedUpdaterSaysSoAtTheFirstStep() {
        MultiLayerNetwork n = net(new NeuralNetConfiguration.Builder().updater(Ortho4jUpdater.muon(null)), false, DataType.FLOAT);
        Digits d = Digits.load(1, 0.2);
        DataSet ds = Nets.dataSet(d.train, 0, 16);
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> n.fit(ds));
        assertTrue(e.getMessage().contains("not attached"), e.getMessage());
    }

    @Test
    void attachingAnotherUpdaterOnOneLayerFromTheConfigurationIsRefused() {
        NeuralNetConfiguration.Builder b = new NeuralNetConfiguration.Builder().updater(Ortho4jUpdater.muon(null)).biasUpdater(new Adam());
        String m = assertThrows(IllegalArgumentException.class, () -> Ortho4jDl4j.attach(net(b, false, DataType.FLOAT))).getMessage();
        assertTrue(m.contains("0_b has updater Adam"), m);
    }

    @Test
    void theConfigurationRoundTripsThroughJsonAndAttachesFromIt() {
        Muon.Options o = new Muon.Options();
        o.lr = 0.01;
        o.schedule = Schedule.polarExpress();
        o.scale = Muon.Scale.MOONLIGHT;
        Ortho4jUpdater u = Ortho4jUpdater.muon(o).learningRateScale(new ExponentialSchedule(ScheduleType.ITERATION, 1.0, 0.99));
        MultiLayerNetwork n = net(new NeuralNetConfiguration.Builder().updater(u), false, DataType.FLOAT);
        String json = n.getLayerWiseConfigurations().toJson();
        assertTrue(json.contains("org.ortho4j.dl4j.Ortho4jUpdater"), json);
        MultiLayerConfiguration back = MultiLayerConfiguration.fromJson(json);
        MultiLayerNetwork n2 = new MultiLayerNetwork(back);
        n2.init();
        Ortho4jUpdater u2 = (Ortho4jUpdater) ((DenseLayer) back.getConf(0).getLayer()).getIUpdater();
        assertEquals(u, u2);
        assertEquals("0.01", u2.options().get("lr"));
        assertEquals("MOONLIGHT", u2.options().get("scale"));
        try (Ortho4jDl4j s = Ortho4jDl4j.attach(n2)) {
            Digits d = Digits.load(1, 0.2);
            n2.fit(Nets.dataSet(d.train, 0, 32));
            n2.fit(Nets.dataSet(d.train, 32, 64));
            assertEquals(2, s.optimizer().steps());
            assertEquals(0.99, s.optimizer().learningRateScale(), 1e-12);     // the schedule at iteration 1
            assertEquals("muon", s.optimizer().name());
        }
    }
}
