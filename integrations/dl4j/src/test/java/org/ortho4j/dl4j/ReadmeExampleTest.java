package org.ortho4j.dl4j;

import static org.junit.jupiter.api.Assertions.assertTrue;

import org.deeplearning4j.nn.conf.MultiLayerConfiguration;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.lossfunctions.LossFunctions;
import org.ortho4j.optim.Digits;
import org.ortho4j.optim.Muon;

/** The README's "Use it from DL4J" snippet, compiled and run. */
class ReadmeExampleTest {

    /** The snippet, as in README.md (between the markers). */
    static double useItFromDl4j(Iterable<DataSet> batches) {
        // --- README snippet ---
        MultiLayerConfiguration conf = new NeuralNetConfiguration.Builder().seed(42)
                .list()
                .layer(new DenseLayer.Builder().nIn(64).nOut(64).activation(Activation.RELU).build())
                .layer(new OutputLayer.Builder(LossFunctions.LossFunction.MCXENT).nIn(64).nOut(10)
                        .activation(Activation.SOFTMAX).build())
                .build();
        MultiLayerNetwork net = new MultiLayerNetwork(conf);
        net.init();
        Muon.Options muon = new Muon.Options();       // lr 0.02 on hidden matrices, AdamW inside for head and biases
        muon.adamLr = 3e-3;
        try (Ortho4jDl4j ortho = Ortho4jDl4j.attach(net, Ortho4jUpdater.muon(muon))) {
            for (DataSet batch : batches) {
                net.fit(batch);                        // DL4J's loop; ortho4j steps every parameter at once
            }
        }
        // --- end ---
        return net.score();
    }

    @Test
    void theSnippetTrains() {
        Digits d = Digits.load(3, 0.2);
        java.util.List<DataSet> epochs = new java.util.ArrayList<>();
        for (int e = 0; e < 5; e++) {
            epochs.addAll(Nets.batches(d.train, 64));
        }
        double loss = useItFromDl4j(epochs);
        System.out.printf("README snippet: last minibatch loss after 5 epochs %.4f%n", loss);
        assertTrue(loss < 0.5, "loss " + loss);
    }
}
