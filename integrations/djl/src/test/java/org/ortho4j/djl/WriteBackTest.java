package org.ortho4j.djl;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Block;
import ai.djl.nn.Parameter;
import ai.djl.training.GradientCollector;
import ai.djl.training.ParameterStore;
import ai.djl.training.tracker.Tracker;
import ai.djl.util.Pair;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.ortho4j.Precision;
import org.ortho4j.optim.Digits;
import org.ortho4j.optim.Muon;

/**
 * The two ways a step reaches the weights: in place (PyTorch CPU: {@code toByteBuffer(true)} is the tensor's memory)
 * and, for an array whose buffer is a copy (a GPU weight, another engine), through the copy and {@code weight.set};
 * both give the same weights, and the set weights still take gradients. And the learning-rate tracker.
 */
class WriteBackTest {

    /** {@code a}, except that {@code toByteBuffer(true)} hands out a heap copy, as an engine without zero-copy would. */
    static NDArray copying(NDArray a) {
        return (NDArray) Proxy.newProxyInstance(NDArray.class.getClassLoader(), new Class<?>[] {NDArray.class}, (p, m, args) -> {
            if (m.getName().equals("toByteBuffer") && m.getParameterCount() == 1) {
                return a.toByteBuffer(false);
            }
            try {
                return m.invoke(a, args);
            } catch (InvocationTargetException e) {
                throw e.getCause();
            }
        });
    }

    static Block initialized(NDManager m) {
        Block b = Fixtures.mlp(16);
        b.initialize(m, DataType.FLOAT32, new Shape(1, Digits.FEATURES));
        Fixtures.initWeights(b, 11);
        return b;
    }

    /** One step of {@code opt} over {@code block} with the gradients {@code g} (by name), as the Trainer would call it. */
    static void step(Ortho4jOptimizer opt, Block block, Map<String, NDArray> g, boolean copyingBuffers) {
        for (Pair<String, Parameter> p : block.getParameters()) {
            NDArray w = p.getValue().getArray();
            opt.update(p.getValue().getId(), copyingBuffers ? copying(w) : w, g.get(p.getKey()));
        }
    }

    @Test
    void inPlaceAndCopiedWriteBacksAgree() {
        Muon.Options o = new Muon.Options();
        o.precision = Precision.FP32;
        try (NDManager m = NDManager.newBaseManager()) {
            Block a = initialized(m);
            Block b = initialized(m);
            Map<String, float[]> before = Fixtures.values(b);
            Map<String, NDArray> g = new java.util.HashMap<>();
            Random r = new Random(2);
            for (Pair<String, Parameter> p : a.getParameters()) {
                Shape s = p.getValue().getArray().getShape();
                float[] v = new float[(int) s.size()];
                for (int i = 0; i < v.length; i++) {
                    v[i] = (float) r.nextGaussian();
                }
                g.put(p.getKey(), m.create(v, s));
            }
            try (Ortho4jOptimizer inPlace = Ortho4jOptimizer.muon(a).options(o).build();
                    Ortho4jOptimizer copied = Ortho4jOptimizer.muon(b).options(o).build()) {
                for (int k = 0; k < 2; k++) {
                    step(inPlace, a, g, false);
                    step(copied, b, g, true);
                }
                Map<String, float[]> wa = Fixtures.values(a);
                Map<String, float[]> wb = Fixtures.values(b);
                for (String n : inPlace.parameterNames()) {
                    assertTrue(inPlace.writesInPlace(n), n);
                    assertFalse(copied.writesInPlace(n), n);
                    assertArrayEquals(wa.get(n), wb.get(n), 0f, n);
                    assertFalse(java.util.Arrays.equals(before.get(n), wb.get(n)), n + " did not move");
                }
                assertEquals(2, copied.delegate().steps());
            }
            // the weights set through weight.set still take part in autograd
            try (GradientCollector gc = Engine.getInstance().newGradientCollector()) {
                NDArray x = m.ones(new Shape(2, Digits.FEATURES));
                NDArray out = b.forward(new ParameterStore(m, false), new NDList(x), true).head();
                gc.backward(out.square().sum());
            }
            for (Map.Entry<String, float[]> e : Fixtures.grads(b).entrySet()) {
                float sum = 0;
                for (float v : e.getValue()) {
                    sum += Math.abs(v);
                }
                assertTrue(sum > 0, "no gradient for " + e.getKey() + " after weight.set");
            }
        }
    }

    @Test
    void trackerScalesTheLearningRates() {
        try (NDManager m = NDManager.newBaseManager()) {
            Block a = initialized(m);
            Map<String, float[]> before = Fixtures.values(a);
            Map<String, NDArray> g = new java.util.HashMap<>();
            for (Pair<String, Parameter> p : a.getParameters()) {
                g.put(p.getKey(), p.getValue().getArray().onesLike());
            }
            Tracker zeroThenOne = n -> n <= 1 ? 0f : 1f;
            try (Ortho4jOptimizer opt = Ortho4jOptimizer.muon(a).learningRateTracker(zeroThenOne).build()) {
                step(opt, a, g, false);
                assertEquals(0.0, opt.delegate().learningRateScale());
                Map<String, float[]> after = Fixtures.values(a);
                for (String n : opt.parameterNames()) {
                    assertArrayEquals(before.get(n), after.get(n), 0f, n + " moved at factor 0");
                }
                step(opt, a, g, false);
                assertEquals(1.0, opt.delegate().learningRateScale());
                assertFalse(java.util.Arrays.equals(before.get("01Linear_weight"), Fixtures.values(a).get("01Linear_weight")));
            }
        }
    }
}
