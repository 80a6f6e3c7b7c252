package org.ortho4j.djl;

import ai.djl.Model;
import ai.djl.nn.Block;
import ai.djl.training.Trainer;
import ai.djl.training.dataset.Batch;
import ai.djl.training.optimizer.Optimizer;
import java.util.Arrays;
import org.ortho4j.optim.Digits;
import org.ortho4j.optim.Muon;

/**
 * Times one DJL training step (EasyTrain.trainBatch + Trainer.step, batch 64, the digits MLP 64-h-h-10) with DJL's
 * Adam and with {@link Ortho4jOptimizer} (Muon, bf16 default), median ms/step over 200 steps after 30 warm-up steps.
 * Prints only. Arguments: hidden widths (default 64 256).
 */
public final class StepTiming {
    private StepTiming() {
    }

    static double medianMs(int hidden, boolean adam, Digits d) {
        Block block = Fixtures.mlp(hidden);
        Optimizer opt = adam ? Optimizer.adam().build() : Ortho4jOptimizer.muon(block).options(new Muon.Options()).build();
        int warm = 30;
        int steps = 200;
        double[] ms = new double[steps];
        try (Model model = Model.newInstance("mlp"); Trainer trainer = Fixtures.trainer(model, block, opt, 1)) {
            int[] sched = Fixtures.schedule(d.train.n, 64, warm + steps, 1);
            for (int s = 0; s < warm + steps; s++) {
                try (Batch b = Fixtures.batch(trainer, d.train, sched, s * 64, 64)) {
                    long t0 = System.nanoTime();
                    Fixtures.trainStep(trainer, b);
                    long t1 = System.nanoTime();
                    if (s >= warm) {
                        ms[s - warm] = (t1 - t0) / 1e6;
                    }
                }
            }
        } finally {
            if (opt instanceof Ortho4jOptimizer w) {
                w.close();
            }
        }
        Arrays.sort(ms);
        return ms[steps / 2];
    }

    /**
     * Prints the medians.
     *
     * @param args hidden widths
     */
    public static void main(String[] args) {
        int[] widths = args.length == 0 ? new int[] {64, 256} : Arrays.stream(args).mapToInt(Integer::parseInt).toArray();
        Digits d = Digits.load(1, 0.2);
        System.out.printf("ortho4j.threads=%s OMP_WAIT_POLICY=%s OMP_NUM_THREADS=%s cores=%d%n", System.getProperty("ortho4j.threads", "default"),
                System.getenv("OMP_WAIT_POLICY"), System.getenv("OMP_NUM_THREADS"), Runtime.getRuntime().availableProcessors());
        for (int h : widths) {
            double adam = medianMs(h, true, d);
            double muon = medianMs(h, false, d);
            System.out.printf("MLP 64-%d-%d-10, batch 64: DJL Adam %.3f ms/step, ortho4j Muon %.3f ms/step (median of 200)%n", h, h, adam, muon);
        }
    }
}
