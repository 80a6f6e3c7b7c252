package org.ortho4j.optim;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.function.Function;
import org.junit.jupiter.api.Test;
import org.ortho4j.Context;
import org.ortho4j.HostSpan;
import org.ortho4j.MatrixBatch;
import org.ortho4j.NonFiniteInputException;
import org.ortho4j.Precision;
import org.ortho4j.Schedule;
import org.ortho4j.testing.TestMatrices;

/**
 * Parameters the caller owns ({@link Context#borrowed}, {@link Optimizer#step(List, List)},
 * {@link Optimizer#stepUpdate}): every optimizer, stepped on the caller's memory (a flat {@code float[]} at offsets, a
 * heap and a direct {@link FloatBuffer}), takes exactly the steps it takes on parameters it owns; the caller's changes
 * between steps are what the next step starts from (nothing drifts); a bad gradient changes nothing.
 */
class BorrowedParametersTest {
    /** id, batch, rows, cols: an MLP pair (W_in 6×5, W_out 4×6, b_in 1×6), a head (3×4 + 1×3), a batched hidden 2×3×7. */
    static final Object[][] LAYOUT = {
        {"fc1.weight", 1, 6, 5}, {"fc2.weight", 1, 4, 6}, {"fc1.bias", 1, 1, 6},
        {"head.weight", 1, 3, 4}, {"head.bias", 1, 1, 3}, {"stack.weight", 2, 3, 7}};
    static final String[] OPTIMIZERS = {"muon", "muon-bf16", "scion", "root", "adamw", "ddcadam", "ddcmuon"};

    static int size(int i) {
        return (int) LAYOUT[i][1] * (int) LAYOUT[i][2] * (int) LAYOUT[i][3];
    }

    static int[] offsets(int pad) {
        int[] off = new int[LAYOUT.length + 1];
        off[0] = pad;
        for (int i = 0; i < LAYOUT.length; i++) {
            off[i + 1] = off[i] + size(i);
        }
        return off;
    }

    /** The optimizer {@code name} over the parameters {@code p} (LAYOUT order) grouped as a small network. */
    static Optimizer optimizer(String name, Context ctx, List<MatrixBatch> p) {
        List<ParamGroup> groups = List.of(ParamGroup.mlpPair("pair", p.get(0), p.get(1), p.get(2)),
                ParamGroup.output("head", p.get(3), p.get(4)), ParamGroup.hidden("stack", p.get(5)));
        switch (name) {
            case "muon": {
                Muon.Options o = new Muon.Options();
                o.precision = Precision.FP32;
                o.weightDecay = 0.01;
                return new Muon(ctx, groups, o);
            }
            case "muon-bf16":
                return new Muon(ctx, groups, null);
            case "scion":
                return new Scion(ctx, groups, null);
            case "root":
                return new Root(ctx, groups, null);
            case "adamw": {
                AdamW.Options o = new AdamW.Options();
                o.weightDecay = 0.1;
                return new AdamW(ctx, groups, o);
            }
            case "ddcadam":
                return new DdcAdam(ctx, groups, null);
            case "ddcmuon":
                return new DdcMuon(ctx, groups, null);
            default:
                throw new IllegalArgumentException(name);
        }
    }

    static List<MatrixBatch> borrowed(Context ctx) {
        List<MatrixBatch> p = new ArrayList<>();
        for (Object[] l : LAYOUT) {
            p.add(ctx.borrowed((String) l[0], (int) l[1], (int) l[2], (int) l[3]));
        }
        return p;
    }

    static List<MatrixBatch> owned(Context ctx, float[] flat, int[] off) {
        List<MatrixBatch> p = new ArrayList<>();
        for (int i = 0; i < LAYOUT.length; i++) {
            p.add(ctx.upload(Arrays.copyOfRange(flat, off[i], off[i + 1]), (int) LAYOUT[i][1], (int) LAYOUT[i][2], (int) LAYOUT[i][3]));
        }
        return p;
    }

    static float[] weights(Random r, int[] off) {
        float[] w = new float[off[LAYOUT.length] + 2];
        Arrays.fill(w, 7f);                                     // the padding must survive
        for (int i = off[0]; i < off[LAYOUT.length]; i++) {
            w[i] = (float) (0.3 * r.nextGaussian());
        }
        return w;
    }

    static float[] flatOf(List<MatrixBatch> p, float[] like, int[] off) {
        float[] f = like.clone();
        for (int i = 0; i < p.size(); i++) {
            float[] a = p.get(i).toArray();
            System.arraycopy(a, 0, f, off[i], a.length);
        }
        return f;
    }

    /** Spans over a flat array, through a float[], a heap FloatBuffer or a direct FloatBuffer. */
    interface Memory {
        List<HostSpan> spans(int[] off);

        float[] values();

        void set(float[] v);
    }

    static Memory array(float[] a) {
        return new Memory() {
            public List<HostSpan> spans(int[] off) {
                List<HostSpan> s = new ArrayList<>();
                for (int i = 0; i < LAYOUT.length; i++) {
                    s.add(HostSpan.of(a, off[i], off[i + 1] - off[i]));
                }
                return s;
            }

            public float[] values() {
                return a.clone();
            }

            public void set(float[] v) {
                System.arraycopy(v, 0, a, 0, v.length);
            }
        };
    }

    static Memory buffer(float[] init, boolean direct) {
        FloatBuffer b = direct ? ByteBuffer.allocateDirect(init.length * 4).order(ByteOrder.nativeOrder()).asFloatBuffer()
                : FloatBuffer.allocate(init.length);
        b.put(0, init);
        return new Memory() {
            public List<HostSpan> spans(int[] off) {
                List<HostSpan> s = new ArrayList<>();
                for (int i = 0; i < LAYOUT.length; i++) {
                    s.add(HostSpan.of(b.slice(off[i], off[i + 1] - off[i])));
                }
                return s;
            }

            public float[] values() {
                float[] v = new float[init.length];
                b.get(0, v);
                return v;
            }

            public void set(float[] v) {
                b.put(0, v);
            }
        };
    }

    static List<float[]> grads(Random r) {
        List<float[]> g = new ArrayList<>();
        for (int i = 0; i < LAYOUT.length; i++) {
            g.add(TestMatrices.gaussian(r, size(i)));
        }
        return g;
    }

    static List<HostSpan> spans(List<float[]> g) {
        List<HostSpan> s = new ArrayList<>();
        for (float[] a : g) {
            s.add(HostSpan.of(a));
        }
        return s;
    }

    static List<MatrixBatch> upload(Context ctx, List<float[]> g) {
        List<MatrixBatch> m = new ArrayList<>();
        for (int i = 0; i < g.size(); i++) {
            m.add(ctx.upload(g.get(i), (int) LAYOUT[i][1], (int) LAYOUT[i][2], (int) LAYOUT[i][3]));
        }
        return m;
    }

    /**
     * Runs 3 steps of every optimizer on owned parameters and on borrowed ones held in {@code memory}, the caller
     * scaling its weights by 0.9 between steps (its own decay, a reload): each step must equal the owned run's with
     * the same scaling applied to the owned parameters, to the bit.
     */
    void sameAsOwned(Function<float[], Memory> memory) {
        for (String name : OPTIMIZERS) {
            Random r = new Random(name.hashCode());
            int[] off = offsets(3);
            float[] w0 = weights(r, off);
            try (Context ctx = Context.cpu(2)) {
                List<MatrixBatch> own = owned(ctx, w0, off);
                Memory mem = memory.apply(w0.clone());
                try (Optimizer a = optimizer(name, ctx, own); Optimizer b = optimizer(name, ctx, borrowed(ctx))) {
                    for (int s = 0; s < 3; s++) {
                        List<float[]> g = grads(r);
                        List<MatrixBatch> gm = upload(ctx, g);
                        a.step(gm);
                        gm.forEach(MatrixBatch::close);
                        b.step(mem.spans(off), spans(g));
                        float[] expect = flatOf(own, w0, off);
                        assertArrayEquals(expect, mem.values(), name + ": step " + (s + 1) + " differs from the owned run");
                        assertFalse(Arrays.equals(w0, mem.values()), name + ": nothing moved");
                        // the caller changes its weights between steps; the next step must start from its values
                        float[] scaled = mem.values();
                        for (int i = off[0]; i < off[LAYOUT.length]; i++) {
                            scaled[i] *= 0.9f;
                        }
                        mem.set(scaled);
                        for (int i = 0; i < own.size(); i++) {
                            own.get(i).copyFrom(Arrays.copyOfRange(scaled, off[i], off[i + 1]));
                        }
                    }
                    assertEquals(3, b.steps());
                }
            }
        }
    }

    @Test
    void floatArrayAtOffsetsStepsAsOwned() {
        sameAsOwned(BorrowedParametersTest::array);
    }

    @Test
    void heapFloatBufferStepsAsOwned() {
        sameAsOwned(a -> buffer(a, false));
    }

    @Test
    void directFloatBufferStepsAsOwned() {
        sameAsOwned(a -> buffer(a, true));
    }

    @Test
    void stepUpdateWritesTheUpdateAndLeavesTheWeights() {
        for (String name : OPTIMIZERS) {
            Random r = new Random(name.hashCode() + 1);
            int[] off = offsets(0);
            float[] w0 = weights(r, off);
            try (Context ctx = Context.cpu(1)) {
                List<MatrixBatch> own = owned(ctx, w0, off);
                float[] w = w0.clone();
                try (Optimizer a = optimizer(name, ctx, own); Optimizer b = optimizer(name, ctx, borrowed(ctx))) {
                    for (int s = 0; s < 3; s++) {
                        List<float[]> g = grads(r);
                        List<MatrixBatch> gm = upload(ctx, g);
                        a.step(gm);
                        gm.forEach(MatrixBatch::close);
                        float[] before = w.clone();
                        List<HostSpan> gs = spans(g);
                        b.stepUpdate(array(w).spans(off), gs, gs);           // DL4J: the update into the gradient view
                        assertArrayEquals(before, w, name + ": stepUpdate wrote the weights");
                        for (int i = 0; i < LAYOUT.length; i++) {
                            float[] u = g.get(i);
                            for (int j = 0; j < u.length; j++) {
                                w[off[i] + j] -= u[j];                           // the framework's params -= update
                            }
                        }
                        float[] expect = flatOf(own, w0, off);
                        for (int i = 0; i < w.length; i++) {
                            assertEquals(expect[i], w[i], 2e-7 * Math.max(1, Math.abs(expect[i])) + Math.ulp(before[i]),
                                    name + ": step " + (s + 1) + " element " + i);
                        }
                        // the framework's values are the ones the next step starts from
                        for (int i = 0; i < own.size(); i++) {
                            own.get(i).copyFrom(Arrays.copyOfRange(w, off[i], off[i + 1]));
                        }
                    }
                }
            }
        }
    }

    @Test
    void aNonFiniteGradientChangesNothing() {
        Random r = new Random(5);
        int[] off = offsets(1);
        float[] w0 = weights(r, off);
        try (Context ctx = Context.cpu(1)) {
            List<MatrixBatch> own = owned(ctx, w0, off);
            float[] w = w0.clone();
            try (Optimizer a = optimizer("muon", ctx, own); Optimizer b = optimizer("muon", ctx, borrowed(ctx))) {
                List<float[]> bad = grads(r);
                bad.get(5)[size(5) - 1] = Float.NaN;                    // second matrix of stack.weight
                NonFiniteInputException e = assertThrows(NonFiniteInputException.class,
                        () -> b.step(array(w).spans(off), spans(bad)));
                assertEquals("grad stack.weight", e.argument());
                assertEquals(1, e.batchIndex());
                assertArrayEquals(w0, w);
                assertEquals(0, b.steps());
                // and the state did not move: the next good step is the owned optimizer's first
                List<float[]> g = grads(r);
                List<MatrixBatch> gm = upload(ctx, g);
                a.step(gm);
                b.step(array(w).spans(off), spans(g));
                assertArrayEquals(flatOf(own, w0, off), w);
            }
        }
    }

    @Test
    void borrowedParametersAreRefusedWhereTheyHaveNoMemory() {
        try (Context ctx = Context.cpu(1)) {
            MatrixBatch p = ctx.borrowed("fc1.weight", 1, 4, 3);
            assertTrue(p.isBorrowed());
            assertEquals("fc1.weight", p.id());
            IllegalStateException unbound = assertThrows(IllegalStateException.class, p::toArray);
            assertTrue(unbound.getMessage().contains("'fc1.weight'"), unbound.getMessage());
            IllegalArgumentException op = assertThrows(IllegalArgumentException.class,
                    () -> ctx.newtonSchulz(p, Schedule.muon(), Precision.FP32, p));
            assertTrue(op.getMessage().contains("borrowed parameter 'fc1.weight'"), op.getMessage());
            try (MatrixBatch owned = ctx.allocate(1, 4, 3)) {
                assertFalse(owned.isBorrowed());
                assertEquals(null, owned.id());
                assertThrows(IllegalStateException.class, () -> owned.bind(HostSpan.of(new float[12])));
                assertThrows(IllegalArgumentException.class, () -> p.bind(HostSpan.of(new float[11])));
                // mixed: an optimizer whose parameters are not all borrowed cannot step on spans
                try (Muon m = new Muon(ctx, List.of(ParamGroup.hidden("h", p, owned)), null)) {
                    assertEquals(Arrays.asList("fc1.weight", null), m.parameterIds());
                    assertThrows(IllegalStateException.class, () -> m.step(List.of(HostSpan.of(new float[12]), HostSpan.of(new float[12])),
                            List.of(HostSpan.of(new float[12]), HostSpan.of(new float[12]))));
                }
            }
            MatrixBatch twin = ctx.borrowed("fc1.weight", 1, 2, 2);
            IllegalArgumentException dup = assertThrows(IllegalArgumentException.class,
                    () -> new AdamW(ctx, List.of(ParamGroup.hidden("h", p, twin)), null));
            assertTrue(dup.getMessage().contains("'fc1.weight'"), dup.getMessage());
            try (AdamW opt = new AdamW(ctx, List.of(ParamGroup.hidden("h", p)), null)) {
                IllegalArgumentException len = assertThrows(IllegalArgumentException.class,
                        () -> opt.step(List.of(HostSpan.of(new float[11])), List.of(HostSpan.of(new float[12]))));
                assertTrue(len.getMessage().contains("'fc1.weight'") && len.getMessage().contains("12"), len.getMessage());
                FloatBuffer ro = FloatBuffer.allocate(12).asReadOnlyBuffer();
                assertThrows(IllegalArgumentException.class, () -> opt.step(List.of(HostSpan.of(ro)), List.of(HostSpan.of(new float[12]))));
                float[] u = new float[12];
                opt.stepUpdate(List.of(HostSpan.of(ro)), List.of(HostSpan.of(new float[12])), List.of(HostSpan.of(u)));
                assertEquals(1, opt.steps());
                // outside a step the parameter is unbound again
                assertThrows(IllegalStateException.class, p::toArray);
                // stepping as if it owned the memory fails clearly
                try (MatrixBatch g = ctx.allocate(1, 4, 3)) {
                    g.fill(1f);
                    assertThrows(IllegalStateException.class, () -> opt.step(List.of(g)));
                }
            }
        }
    }

    @Test
    void spansReadAndWriteOnlyTheirRange() {
        float[] a = {1, 2, 3, 4, 5};
        HostSpan s = HostSpan.of(a, 1, 3);
        assertArrayEquals(new float[] {2, 3, 4}, s.toArray());
        s.write(1, new float[] {9, 8}, 0, 2);
        assertArrayEquals(new float[] {1, 2, 9, 8, 5}, a);
        assertThrows(IndexOutOfBoundsException.class, () -> s.write(2, new float[] {1, 1}, 0, 2));
        assertThrows(IndexOutOfBoundsException.class, () -> HostSpan.of(a, 3, 3));
        FloatBuffer b = FloatBuffer.wrap(new float[] {1, 2, 3, 4});
        b.position(1).limit(3);
        HostSpan bs = HostSpan.of(b);
        assertEquals(2, bs.length());
        bs.write(0, new float[] {7, 6}, 0, 2);
        assertArrayEquals(new float[] {1, 7, 6, 4}, b.array());
        assertEquals(1, b.position());                                 // the caller's view is untouched
        assertEquals(3, b.limit());
    }
}
