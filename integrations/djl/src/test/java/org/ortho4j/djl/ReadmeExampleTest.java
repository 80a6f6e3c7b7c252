package org.ortho4j.djl;

import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Model;
import ai.djl.engine.Engine;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Activation;
import ai.djl.nn.SequentialBlock;
import ai.djl.nn.core.Linear;
import ai.djl.training.DefaultTrainingConfig;
import ai.djl.training.EasyTrain;
import ai.djl.training.Trainer;
import ai.djl.training.dataset.ArrayDataset;
import ai.djl.training.loss.Loss;
import org.junit.jupiter.api.Test;
import org.ortho4j.optim.Digits;
import org.ortho4j.optim.Muon;

/** The README's "Use it from DJL" snippet, compiled and run (one epoch on the digits), so that it stays true. */
class ReadmeExampleTest {

    @Test
    void snippetTrains() throws Exception {
        Digits digits = Digits.load(1, 0.2);
        try (NDManager data = NDManager.newBaseManager()) {
            float[] labels = new float[digits.train.n];
            for (int i = 0; i < labels.length; i++) {
                labels[i] = digits.train.y[i];
            }
            ArrayDataset trainSet = new ArrayDataset.Builder()
                    .setData(data.create(digits.train.x, new Shape(digits.train.n, Digits.FEATURES)))
                    .optLabels(data.create(labels, new Shape(digits.train.n)))
                    .setSampling(64, true).build();

            // --- README: Use it from DJL ---
            SequentialBlock block = new SequentialBlock()
                    .add(Linear.builder().setUnits(128).build()).add(Activation::relu)
                    .add(Linear.builder().setUnits(10).build());          // last Linear = output head
            Muon.Options muon = new Muon.Options();                        // Muon lr 0.02 on hidden matrices
            muon.adamLr = 3e-3;                                            // head and biases: Muon's inner AdamW
            try (Ortho4jOptimizer opt = Ortho4jOptimizer.muon(block).options(muon).build();
                    Model model = Model.newInstance("mlp")) {
                model.setBlock(block);
                DefaultTrainingConfig config = new DefaultTrainingConfig(Loss.softmaxCrossEntropyLoss())
                        .optOptimizer(opt).optDevices(Engine.getInstance().getDevices(1));   // one device
                try (Trainer trainer = model.newTrainer(config)) {
                    trainer.initialize(new Shape(64, 64));
                    EasyTrain.fit(trainer, 1, trainSet, null);
                }
                // --- end of snippet ---
                assertTrue(opt.delegate().steps() > 0);
            }
        }
    }
}
