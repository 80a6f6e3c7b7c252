package org.ortho4j.djl;

import ai.djl.Device;
import ai.djl.Model;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Activation;
import ai.djl.nn.Block;
import ai.djl.nn.Parameter;
import ai.djl.nn.SequentialBlock;
import ai.djl.nn.core.Linear;
import ai.djl.training.DefaultTrainingConfig;
import ai.djl.training.EasyTrain;
import ai.djl.training.Trainer;
import ai.djl.training.dataset.Batch;
import ai.djl.training.loss.Loss;
import ai.djl.translate.Batchifier;
import ai.djl.util.Pair;
import java.nio.ByteOrder;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Random;
import org.ortho4j.optim.Digits;

/** The tests' model (a ReLU MLP on the digits), its deterministic initialisation, batches and losses. */
final class Fixtures {
    private Fixtures() {
    }

    /** 64 → hidden → hidden → 10 with ReLU; parameters 01Linear_*, 03Linear_*, 05Linear_*. */
    static Block mlp(int hidden) {
        SequentialBlock b = new SequentialBlock();
        b.add(Linear.builder().setUnits(hidden).build());
        b.add(Activation::relu);
        b.add(Linear.builder().setUnits(hidden).build());
        b.add(Activation::relu);
        b.add(Linear.builder().setUnits(Digits.CLASSES).build());
        return b;
    }

    /** A model and trainer on the CPU around {@code block}, initialized for 64 features, weights from {@code seed}. */
    static Trainer trainer(Model model, Block block, ai.djl.training.optimizer.Optimizer opt, long seed) {
        model.setBlock(block);
        Trainer t = model.newTrainer(new DefaultTrainingConfig(Loss.softmaxCrossEntropyLoss())
                .optOptimizer(opt).optDevices(new Device[] {Device.cpu()}));
        t.initialize(new Shape(1, Digits.FEATURES));
        initWeights(block, seed);
        return t;
    }

    /** He-normal weights and small normal biases from {@code seed}, the same for every block of the same shape. */
    static void initWeights(Block block, long seed) {
        Random r = new Random(seed);
        for (Pair<String, Parameter> p : block.getParameters()) {
            NDArray a = p.getValue().getArray();
            Shape s = a.getShape();
            float[] v = new float[(int) s.size()];
            double sd = s.dimension() == 2 ? Math.sqrt(2.0 / s.get(1)) : 0.01;
            for (int i = 0; i < v.length; i++) {
                v[i] = (float) (r.nextGaussian() * sd);
            }
            write(a, v);
        }
    }

    /** Writes {@code v} into {@code a}'s own memory (PyTorch CPU: the direct buffer is the tensor's) and checks it. */
    static void write(NDArray a, float[] v) {
        a.toByteBuffer(true).order(ByteOrder.nativeOrder()).asFloatBuffer().put(v);
        try (NDArray copy = a.duplicate()) {
            if (!Arrays.equals(copy.toFloatArray(), v)) {
                throw new IllegalStateException("could not write the parameter's memory");
            }
        }
    }

    /** The parameters' values by name. */
    static Map<String, float[]> values(Block block) {
        Map<String, float[]> out = new LinkedHashMap<>();
        for (Pair<String, Parameter> p : block.getParameters()) {
            out.put(p.getKey(), p.getValue().getArray().toFloatArray());
        }
        return out;
    }

    /** The engine's gradients by name. */
    static Map<String, float[]> grads(Block block) {
        Map<String, float[]> out = new LinkedHashMap<>();
        for (Pair<String, Parameter> p : block.getParameters()) {
            try (NDArray g = p.getValue().getArray().getGradient()) {
                out.put(p.getKey(), g.toFloatArray());
            }
        }
        return out;
    }

    /** Rows {@code idx[from .. from + size)} of {@code s} as a batch on {@code trainer}'s engine. */
    static Batch batch(Trainer trainer, Digits.Split s, int[] idx, int from, int size) {
        NDManager m = trainer.getManager().newSubManager();
        float[] x = new float[size * Digits.FEATURES];
        float[] y = new float[size];
        for (int i = 0; i < size; i++) {
            int k = idx[from + i];
            System.arraycopy(s.x, k * Digits.FEATURES, x, i * Digits.FEATURES, Digits.FEATURES);
            y[i] = s.y[k];
        }
        return new Batch(m, new NDList(m.create(x, new Shape(size, Digits.FEATURES))), new NDList(m.create(y, new Shape(size))),
                size, Batchifier.STACK, Batchifier.STACK, 0, 0);
    }

    /** One training step of {@code trainer} on {@code batch} (DJL's loop: forward, loss, backward, then step). */
    static void trainStep(Trainer trainer, Batch batch) {
        EasyTrain.trainBatch(trainer, batch);
        trainer.step();
    }

    /** The mean softmax cross-entropy of the whole split. */
    static double loss(Trainer trainer, Digits.Split s) {
        int[] all = new int[s.n];
        Arrays.setAll(all, i -> i);
        try (Batch b = batch(trainer, s, all, 0, s.n)) {
            NDList pred = trainer.evaluate(b.getData());
            return trainer.getLoss().evaluate(b.getLabels(), pred).getFloat();
        }
    }

    /** A shuffled index per epoch: {@code steps} batches of {@code size}, epoch after epoch, from {@code seed}. */
    static int[] schedule(int n, int size, int steps, long seed) {
        Random r = new Random(seed);
        int perEpoch = n / size;
        int[] out = new int[steps * size];
        int[] perm = new int[n];
        for (int step = 0; step < steps; step++) {
            if (step % perEpoch == 0) {
                Arrays.setAll(perm, i -> i);
                for (int i = n - 1; i > 0; i--) {
                    int j = r.nextInt(i + 1);
                    int t = perm[i];
                    perm[i] = perm[j];
                    perm[j] = t;
                }
            }
            System.arraycopy(perm, (step % perEpoch) * size, out, step * size, size);
        }
        return out;
    }
}
