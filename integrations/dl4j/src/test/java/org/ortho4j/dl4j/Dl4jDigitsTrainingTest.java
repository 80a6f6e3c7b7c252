package org.ortho4j.dl4j;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.learning.config.Adam;
import org.ortho4j.optim.Digits;
import org.ortho4j.optim.Muon;

/**
 * The MLP 64 → 64 → 64 → 10 on the digits, trained by DL4J's own {@code net.fit(DataSet)} loop, side by side: DL4J's
 * Adam and ortho4j's Muon (through {@link Ortho4jDl4j}), same seed, same batches.
 */
class Dl4jDigitsTrainingTest {
    static final int EPOCHS = 8;
    static final int BATCH = 64;
    /**
     * Muon's final training loss must fall below this: measured 0.0078 (DL4J's Adam at its default 1e-3: 0.206) after
     * 8 epochs; 0.05 leaves a margin of 6x and is still 4x below Adam's.
     */
    static final double MUON_LOSS_BELOW = 0.05;

    @Test
    void muonTrainsTheDigitsMlpInsideNetFit() {
        Digits d = Digits.load(7, 0.2);
        List<DataSet> batches = Nets.batches(d.train, BATCH);
        DataSet train = Nets.dataSet(d.train, 0, d.train.n);
        DataSet val = Nets.dataSet(d.validation, 0, d.validation.n);

        MultiLayerNetwork adam = Nets.mlp(42, new Adam(1e-3));
        MultiLayerNetwork muon = Nets.mlp(42, new Adam(1e-3));
        Muon.Options o = new Muon.Options();
        o.lr = 0.02;
        o.adamLr = 3e-3;
        double initial = muon.score(train);
        try (Ortho4jDl4j session = Ortho4jDl4j.attach(muon, Ortho4jUpdater.muon(o))) {
            for (int epoch = 0; epoch < EPOCHS; epoch++) {
                for (DataSet b : batches) {
                    adam.fit(b);
                    muon.fit(b);
                }
                System.out.printf("epoch %d: train loss DL4J Adam %.4f, ortho4j Muon %.4f%n", epoch + 1, adam.score(train), muon.score(train));
            }
            double la = adam.score(train), lm = muon.score(train);
            System.out.printf("final (%d epochs, %d steps): train loss DL4J Adam(1e-3) %.4f, ortho4j Muon %.4f (initial %.4f);"
                            + " validation accuracy Adam %.3f, Muon %.3f%n", EPOCHS, session.optimizer().steps(), la, lm, initial,
                    Nets.accuracy(adam, val), Nets.accuracy(muon, val));
            assertTrue(session.optimizer().steps() == (long) EPOCHS * batches.size());
            assertTrue(lm < MUON_LOSS_BELOW, "ortho4j Muon's final training loss " + lm + " is not below " + MUON_LOSS_BELOW);
        }
    }
}
