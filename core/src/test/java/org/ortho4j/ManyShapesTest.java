package org.ortho4j;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.ortho4j.cpu.CpuBackend;
import org.ortho4j.spi.Backend;
import org.ortho4j.spi.BackendProvider;
import org.ortho4j.testing.TestMatrices;

/**
 * The list forms of {@code newtonSchulz}, {@code polar}, {@code lmo} and {@code softThreshold}: a network's batches
 * of different shapes in one call give, batch for batch, what one call per batch gives, and the backend runs once per
 * shape (so a CUDA backend launches once per shape group).
 */
class ManyShapesTest {
    /** Shapes with repeats (5×7 three times, twice as 2×5×7, 7×5, 64×64 twice, a vector-like 1×9), batch 1 among them. */
    static final int[][] SHAPES = {{2, 5, 7}, {1, 7, 5}, {3, 5, 7}, {1, 64, 64}, {1, 1, 9}, {2, 5, 7}, {2, 64, 64}};
    static final int GROUPS = 4;

    /** A CPU context whose backend counts each operation's calls. */
    static Context counting(Map<String, Integer> calls) {
        Backend cpu = new CpuBackend(2);
        Backend b = (Backend) Proxy.newProxyInstance(Backend.class.getClassLoader(), new Class<?>[] {Backend.class}, (px, m, args) -> {
            calls.merge(m.getName(), 1, Integer::sum);
            try {
                return m.invoke(cpu, args);
            } catch (InvocationTargetException e) {
                throw e.getCause();
            }
        });
        return Context.create(new BackendProvider() {
            public BackendKind kind() {
                return BackendKind.CPU;
            }

            public String unavailableReason() {
                return null;
            }

            public Backend create() {
                return b;
            }
        });
    }

    static List<MatrixBatch> inputs(Context ctx, Random r) {
        List<MatrixBatch> in = new ArrayList<>();
        for (int[] s : SHAPES) {
            in.add(ctx.upload(TestMatrices.gaussian(r, s[0] * s[1] * s[2]), s[0], s[1], s[2]));
        }
        return in;
    }

    @Test
    void newtonSchulzOfAListIsEachBatchsAndOneCallPerShape() {
        Map<String, Integer> calls = new HashMap<>();
        try (Context ctx = counting(calls)) {
            List<MatrixBatch> in = inputs(ctx, new Random(1));
            List<float[]> before = new ArrayList<>();
            in.forEach(m -> before.add(m.toArray()));
            for (Precision p : new Precision[] {Precision.FP32, Precision.BF16}) {
                calls.clear();
                List<MatrixBatch> out = ctx.newtonSchulz(in, Schedule.polarExpress(), p);
                assertEquals(GROUPS, calls.get("newtonSchulz"), "one backend call per shape");
                for (int i = 0; i < in.size(); i++) {
                    assertArrayEquals(before.get(i), in.get(i).toArray(), "input " + i + " modified");
                    try (MatrixBatch one = ctx.newtonSchulz(in.get(i), Schedule.polarExpress())) {
                        if (p == Precision.FP32) {
                            assertArrayEquals(one.toArray(), out.get(i).toArray(), "batch " + i + " (" + in.get(i).shape() + ")");
                        }
                    }
                    MatrixBatch single = ctx.allocate(in.get(i).batch(), in.get(i).rows(), in.get(i).cols());
                    ctx.newtonSchulz(in.get(i), Schedule.polarExpress(), p, single);
                    assertArrayEquals(single.toArray(), out.get(i).toArray(), p + " batch " + i);
                }
            }
            // in place: each input its own output
            List<MatrixBatch> expect = ctx.newtonSchulz(in, Schedule.muon(), Precision.FP32);
            ctx.newtonSchulz(in, Schedule.muon(), Precision.FP32, in);
            for (int i = 0; i < in.size(); i++) {
                assertArrayEquals(expect.get(i).toArray(), in.get(i).toArray(), "in place, batch " + i);
            }
        }
    }

    @Test
    void polarAndLmoOfAListAreEachBatchs() {
        Map<String, Integer> calls = new HashMap<>();
        try (Context ctx = counting(calls)) {
            List<MatrixBatch> in = inputs(ctx, new Random(2));
            calls.clear();
            List<MatrixBatch> polar = ctx.polar(in);
            assertEquals(GROUPS, calls.get("polar"));
            for (Lmo lmo : new Lmo[] {Lmo.of(Lmo.Norm.SPECTRAL, Lmo.Layer.HIDDEN), Lmo.spectral(Lmo.Layer.OUTPUT, Schedule.polarExpress()),
                    Lmo.of(Lmo.Norm.SIGN, Lmo.Layer.INPUT), Lmo.of(Lmo.Norm.COLNORM, Lmo.Layer.HIDDEN)}) {
                calls.clear();
                List<MatrixBatch> l = ctx.lmo(lmo, in);
                assertEquals(GROUPS, calls.get("lmo"), lmo.toString());
                for (int i = 0; i < in.size(); i++) {
                    try (MatrixBatch one = ctx.lmo(lmo, in.get(i))) {
                        assertArrayEquals(one.toArray(), l.get(i).toArray(), lmo + " batch " + i);
                    }
                }
            }
            for (int i = 0; i < in.size(); i++) {
                try (MatrixBatch one = ctx.polar(in.get(i))) {
                    assertArrayEquals(one.toArray(), polar.get(i).toArray(), "polar batch " + i);
                }
            }
        }
    }

    @Test
    void softThresholdOfAListIsEachBatchs() {
        Map<String, Integer> calls = new HashMap<>();
        try (Context ctx = counting(calls)) {
            List<MatrixBatch> in = inputs(ctx, new Random(3));
            List<MatrixBatch> base = new ArrayList<>();
            List<MatrixBatch> out = new ArrayList<>();
            for (MatrixBatch m : in) {
                base.add(ctx.allocate(m.batch(), m.rows(), m.cols()));
                out.add(ctx.allocate(m.batch(), m.rows(), m.cols()));
                base.get(base.size() - 1).fill(Float.NaN);
                out.get(out.size() - 1).fill(Float.NaN);
            }
            calls.clear();
            List<float[]> eps = ctx.softThreshold(in, 0.9, base, out);
            assertEquals(GROUPS, calls.get("softThreshold"));
            for (int i = 0; i < in.size(); i++) {
                MatrixBatch m = in.get(i);
                try (MatrixBatch b = ctx.allocate(m.batch(), m.rows(), m.cols()); MatrixBatch o = ctx.allocate(m.batch(), m.rows(), m.cols())) {
                    float[] e = ctx.softThreshold(m, 0.9, b, o);
                    assertArrayEquals(e, eps.get(i), "eps of batch " + i);
                    assertArrayEquals(b.toArray(), base.get(i).toArray(), "base of batch " + i);
                    assertArrayEquals(o.toArray(), out.get(i).toArray(), "outlier of batch " + i);
                }
            }
        }
    }

    @Test
    void badListsAreRefusedBeforeAnythingRuns() {
        Map<String, Integer> calls = new HashMap<>();
        try (Context ctx = counting(calls)) {
            List<MatrixBatch> in = inputs(ctx, new Random(4));
            List<MatrixBatch> outs = new ArrayList<>();
            for (MatrixBatch m : in) {
                MatrixBatch o = ctx.allocate(m.batch(), m.rows(), m.cols());
                o.fill(Float.NaN);
                outs.add(o);
            }
            calls.clear();
            List<MatrixBatch> aliased = new ArrayList<>(outs);
            aliased.set(0, in.get(5));                      // out[0] would overwrite another input of its shape
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> ctx.newtonSchulz(in, Schedule.muon(), Precision.FP32, aliased));
            assertTrue(e.getMessage().contains("out[0] is g[5]"), e.getMessage());
            List<MatrixBatch> wrong = new ArrayList<>(outs);
            wrong.set(3, outs.get(1));
            assertThrows(IllegalArgumentException.class, () -> ctx.polar(in, wrong));
            assertThrows(IllegalArgumentException.class, () -> ctx.polar(in, outs.subList(0, 3)));
            assertEquals(null, calls.get("polar"));
            assertEquals(null, calls.get("newtonSchulz"));
            // a non-finite input is reported as the list's own argument
            float[] bad = in.get(5).toArray();
            bad[bad.length - 1] = Float.POSITIVE_INFINITY;
            in.get(5).copyFrom(bad);
            NonFiniteInputException nf = assertThrows(NonFiniteInputException.class,
                    () -> ctx.newtonSchulz(in, Schedule.muon(), Precision.FP32, outs));
            assertEquals("g[5]", nf.argument());
            assertEquals(1, nf.batchIndex());
            bad = in.get(6).toArray();
            bad[bad.length - 1] = Float.NaN;
            in.get(6).copyFrom(bad);
            in.get(5).copyFrom(inputs(ctx, new Random(9)).get(5).toArray());
            nf = assertThrows(NonFiniteInputException.class, () -> ctx.polar(in, outs));
            assertEquals("g[6]", nf.argument());
            assertEquals(1, nf.batchIndex());
        }
    }
}
