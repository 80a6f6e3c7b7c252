package org.ortho4j.dl4j;

import java.util.ArrayList;
import java.util.List;
import org.deeplearning4j.nn.conf.MultiLayerConfiguration;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.nn.weights.WeightInit;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.IUpdater;
import org.nd4j.linalg.lossfunctions.LossFunctions;
import org.ortho4j.optim.Digits;

/** The tests' MLP (64 → 64 → 64 → 10, ReLU, softmax + MCXENT) and the digits data as DL4J data sets. */
final class Nets {
    private Nets() {
    }

    /** The MLP, initialised from {@code seed}, with {@code updater} on every layer. */
    static MultiLayerNetwork mlp(long seed, IUpdater updater) {
        return mlp(seed, updater, 64, 64);
    }

    /** An MLP 64 → h1 → h2 → 10. */
    static MultiLayerNetwork mlp(long seed, IUpdater updater, int h1, int h2) {
        MultiLayerConfiguration conf = new NeuralNetConfiguration.Builder()
                .seed(seed)
                .dataType(DataType.FLOAT)
                .weightInit(WeightInit.XAVIER)
                .updater(updater)
                .list()
                .layer(new DenseLayer.Builder().nIn(64).nOut(h1).activation(Activation.RELU).build())
                .layer(new DenseLayer.Builder().nIn(h1).nOut(h2).activation(Activation.RELU).build())
                .layer(new OutputLayer.Builder(LossFunctions.LossFunction.MCXENT).nIn(h2).nOut(10)
                        .activation(Activation.SOFTMAX).build())
                .build();
        MultiLayerNetwork net = new MultiLayerNetwork(conf);
        net.init();
        return net;
    }

    /** Samples {@code [from, to)} of a split as one data set (one-hot labels). */
    static DataSet dataSet(Digits.Split s, int from, int to) {
        int n = to - from;
        float[] x = new float[n * Digits.FEATURES];
        System.arraycopy(s.x, from * Digits.FEATURES, x, 0, x.length);
        float[] y = new float[n * Digits.CLASSES];
        for (int i = 0; i < n; i++) {
            y[i * Digits.CLASSES + s.y[from + i]] = 1f;
        }
        INDArray features = Nd4j.create(x, new long[] {n, Digits.FEATURES}, 'c');
        INDArray labels = Nd4j.create(y, new long[] {n, Digits.CLASSES}, 'c');
        return new DataSet(features, labels);
    }

    /** A split in minibatches of {@code batch} (the last one smaller). */
    static List<DataSet> batches(Digits.Split s, int batch) {
        List<DataSet> out = new ArrayList<>();
        for (int i = 0; i < s.n; i += batch) {
            out.add(dataSet(s, i, Math.min(s.n, i + batch)));
        }
        return out;
    }

    /** Classification accuracy of {@code net} on {@code ds}. */
    static double accuracy(MultiLayerNetwork net, DataSet ds) {
        INDArray out = net.output(ds.getFeatures(), false);
        INDArray pred = out.argMax(1);
        INDArray truth = ds.getLabels().argMax(1);
        long ok = 0;
        for (int i = 0; i < pred.length(); i++) {
            if (pred.getLong(i) == truth.getLong(i)) {
                ok++;
            }
        }
        return (double) ok / pred.length();
    }
}
