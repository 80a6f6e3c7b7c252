package org.ortho4j.dl4j;

import java.util.Arrays;
import java.util.List;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.learning.config.Adam;
import org.ortho4j.optim.Digits;
import org.ortho4j.optim.Muon;

/**
 * The timed figure of README.md: one {@code net.fit(DataSet)} step of the digits MLP (batch 64) with DL4J's Adam and
 * with the ortho4j Muon updater, median ms/step. A program, not a test (it times things and asserts nothing):
 * {@code OMP_NUM_THREADS=1 mvn -o -q -Pintegrations -pl integrations/dl4j test-compile exec:java
 * -Dexec.mainClass=org.ortho4j.dl4j.Dl4jStepTiming -Dexec.classpathScope=test [-Dortho4j.threads=1]}.
 */
public final class Dl4jStepTiming {
    static final int WARMUP = 150;
    static final int STEPS = 400;

    private Dl4jStepTiming() {
    }

    /**
     * Prints the two medians.
     *
     * @param args none
     */
    public static void main(String[] args) {
        Digits d = Digits.load(7, 0.2);
        List<DataSet> batches = Nets.batches(d.train, 64).subList(0, 20);
        MultiLayerNetwork adam = Nets.mlp(42, new Adam(1e-3));
        MultiLayerNetwork muon = Nets.mlp(42, new Adam(1e-3));
        Muon.Options o = new Muon.Options();
        o.adamLr = 3e-3;
        try (Ortho4jDl4j s = Ortho4jDl4j.attach(muon, Ortho4jUpdater.muon(o))) {
            double[] ta = new double[STEPS], tm = new double[STEPS];
            for (int i = 0; i < WARMUP + STEPS; i++) {
                DataSet b = batches.get(i % batches.size());
                long t0 = System.nanoTime();
                adam.fit(b);
                long t1 = System.nanoTime();
                muon.fit(b);
                long t2 = System.nanoTime();
                if (i >= WARMUP) {
                    ta[i - WARMUP] = (t1 - t0) / 1e6;
                    tm[i - WARMUP] = (t2 - t1) / 1e6;
                }
            }
            System.out.printf("DL4J fit step, MLP 64-64-64-10, batch 64 (%s; ortho4j.threads=%s, OMP_NUM_THREADS=%s, %d cores):"
                            + " DL4J Adam %.3f ms/step, ortho4j Muon %.3f ms/step (median of %d)%n",
                    s.context().description(), System.getProperty("ortho4j.threads", "default"), System.getenv("OMP_NUM_THREADS"),
                    Runtime.getRuntime().availableProcessors(), median(ta), median(tm), STEPS);
        }
    }

    private static double median(double[] v) {
        double[] s = v.clone();
        Arrays.sort(s);
        return s[s.length / 2];
    }
}
