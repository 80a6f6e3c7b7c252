package org.ortho4j.dl4j;

import java.util.Collections;
import java.util.Map;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.learning.GradientUpdater;

/**
 * The {@link GradientUpdater} of one DL4J updater block under an {@link Ortho4jUpdater}: DL4J calls {@link
 * #applyUpdater} once per block with the block's flat gradient view, and the network's {@link Ortho4jDl4j} session
 * steps the ortho4j optimizer over every parameter once all of its blocks have arrived (one block, the whole
 * network, when every layer has the same configuration), writing {@code u = W − W'} into the gradient views for
 * DL4J to subtract.
 */
public final class Ortho4jGradientUpdater implements GradientUpdater<Ortho4jUpdater> {
    private final Ortho4jUpdater config;

    Ortho4jGradientUpdater(Ortho4jUpdater config) {
        this.config = config;
    }

    @Override
    public Ortho4jUpdater getConfig() {
        return config;
    }

    /** No state in DL4J's arrays: the optimizer's state lives in ortho4j. */
    @Override
    public void setState(Map<String, INDArray> stateMap, boolean initialize) {
    }

    /** Empty: the optimizer's state lives in ortho4j. */
    @Override
    public Map<String, INDArray> getState() {
        return Collections.emptyMap();
    }

    /** No state view ({@link Ortho4jUpdater#stateSize} is 0). */
    @Override
    public void setStateViewArray(INDArray viewArray, long[] gradientShape, char gradientOrder, boolean initialize) {
    }

    /**
     * Hands the block's gradient to the network's session, which replaces it by the update when the step runs.
     *
     * @param gradient  the block's flat gradient view (see {@link Ortho4jDl4j} for what it holds)
     * @param iteration DL4J's iteration count
     * @param epoch     DL4J's epoch count
     * @throws IllegalStateException when the configuration is not bound to a network ({@link Ortho4jDl4j#attach})
     */
    @Override
    public void applyUpdater(INDArray gradient, int iteration, int epoch) {
        Ortho4jDl4j s = config.session();
        if (s == null) {
            throw new IllegalStateException("ortho4j-dl4j: the network's Ortho4jUpdater (" + config.optimizer() + ") is not attached;"
                    + " call Ortho4jDl4j.attach(net) after net.init() (also after restoring or cloning a network)");
        }
        s.arrive(this, gradient, iteration, epoch);
    }
}
