package org.ortho4j.emu;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.ortho4j.emu.EmuBuffers.doubles;
import static org.ortho4j.emu.EmuBuffers.filled;
import static org.ortho4j.emu.EmuBuffers.floats;
import static org.ortho4j.emu.EmuBuffers.grid;
import static org.ortho4j.emu.EmuBuffers.ints;
import static org.ortho4j.emu.EmuBuffers.longs;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.Random;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The interpreter's instruction semantics against Java, on the kernels of {@code interp_cases.cu} (compiled by nvcc
 * to {@code interp_cases.ptx}, a test resource): integer, 64-bit, float, double, conversion, warp-collective,
 * barrier-reduction, atomic, divergence and mma kernels on random and edge-case inputs, bit for bit where the
 * PTX is exactly rounded.
 */
class PtxInterpreterTest {
    static EmulatedDevice dev;
    static EmulatedDevice.Module mod;

    static String resource(String name) {
        try (InputStream in = PtxInterpreterTest.class.getResourceAsStream(name)) {
            if (in == null) {
                throw new IllegalStateException(name + " is not on the test class path");
            }
            return new String(in.readAllBytes(), StandardCharsets.US_ASCII);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    @BeforeAll
    static void load() {
        dev = new EmulatedDevice(1L << 28);
        mod = dev.load("interp_cases.ptx", resource("interp_cases.ptx"));
        assertEquals(java.util.List.of(), mod.unsupported());
    }

    private static final int[] EDGE_INTS = {0, 1, -1, 2, -2, 7, -7, 31, 32, 33, 63, Integer.MAX_VALUE, Integer.MIN_VALUE,
            Integer.MIN_VALUE + 1, 0x55555555, 0xaaaaaaaa, 65536, -65536, 123456789, -987654321};

    @Test
    void integerArithmetic() {
        Random r = new Random(1);
        int n = 300;
        int[] a = new int[n];
        int[] b = new int[n];
        for (int i = 0; i < n; i++) {
            a[i] = i < EDGE_INTS.length * EDGE_INTS.length ? EDGE_INTS[i % EDGE_INTS.length] : r.nextInt();
            b[i] = i < EDGE_INTS.length * EDGE_INTS.length ? EDGE_INTS[i / EDGE_INTS.length] : r.nextInt(r.nextBoolean() ? 64 : Integer.MAX_VALUE) - 20;
        }
        long out = filled(dev, n * 16 * 4, 0);
        dev.launch(mod, "int_ops", grid((n + 127) / 128), grid(128), 0, ints(dev, a), ints(dev, b), out, n);
        int[] o = EmuBuffers.readInts(dev, out, n * 16);
        for (int i = 0; i < n; i++) {
            int x = a[i];
            int y = b[i];
            int[] e = {x + y, x - y, x * y, (int) (((long) x * y) >> 32),
                    (int) (((x & 0xffffffffL) * (y & 0xffffffffL)) >>> 32),
                    y != 0 ? x / y : 7, y != 0 ? x % y : 7, y != 0 ? Integer.divideUnsigned(x, y) : 7,
                    Math.min(x, y), Integer.compareUnsigned(x, y) >= 0 ? x : y, x >> (y & 31), x >>> (y & 31),
                    x << (y & 31), Integer.bitCount(x), Integer.numberOfLeadingZeros(x), (x & y) ^ (~x | y)};
            for (int k = 0; k < 16; k++) {
                assertEquals(e[k], o[i * 16 + k], "int op " + k + " of " + x + ", " + y);
            }
        }
    }

    @Test
    void sixtyFourBitArithmetic() {
        Random r = new Random(2);
        int n = 200;
        long[] a = new long[n];
        long[] b = new long[n];
        for (int i = 0; i < n; i++) {
            a[i] = i % 7 == 0 ? Long.MIN_VALUE + i : i % 5 == 0 ? -1 - i : r.nextLong();
            b[i] = i % 3 == 0 ? r.nextInt(64) : i % 11 == 0 ? 0 : r.nextLong();
        }
        long out = filled(dev, n * 8 * 8, 0);
        dev.launch(mod, "long_ops", grid(2), grid(128), 0, longs(dev, a), longs(dev, b), out, n);
        long[] o = EmuBuffers.readLongs(dev, out, n * 8);
        for (int i = 0; i < n; i++) {
            long x = a[i];
            long y = b[i];
            long[] e = {x * y, Math.multiplyHigh(x, y), Math.multiplyHigh(x, y) + ((x >> 63) & y) + ((y >> 63) & x),
                    y != 0 ? x / y : 7, y != 0 ? Long.remainderUnsigned(x, y) : 7, (long) (int) x * (int) y,
                    (x & 0xffffffffL) * (y & 0xffffffffL), x >> (y & 63)};
            for (int k = 0; k < 8; k++) {
                assertEquals(e[k], o[i * 8 + k], "long op " + k + " of " + x + ", " + y);
            }
        }
    }

    private static final float[] EDGE_FLOATS = {0f, -0f, 1f, -1f, 0.5f, 3f, Float.MIN_VALUE, -Float.MIN_VALUE, Float.MIN_NORMAL,
            Float.MAX_VALUE, -Float.MAX_VALUE, Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY, Float.NaN, 1e-30f, 2.5f, -2.5f,
            16777217f, 1.0000001f, 0.99999994f};

    @Test
    void floatArithmeticIsExactlyRounded() {
        Random r = new Random(3);
        int n = EDGE_FLOATS.length * EDGE_FLOATS.length + 100;
        float[] a = new float[n];
        float[] b = new float[n];
        float[] c = new float[n];
        for (int i = 0; i < n; i++) {
            boolean edge = i < EDGE_FLOATS.length * EDGE_FLOATS.length;
            a[i] = edge ? EDGE_FLOATS[i % EDGE_FLOATS.length] : (float) (r.nextGaussian() * Math.pow(10, r.nextInt(20) - 10));
            b[i] = edge ? EDGE_FLOATS[i / EDGE_FLOATS.length] : (float) r.nextGaussian();
            c[i] = (float) r.nextGaussian();
        }
        long out = filled(dev, n * 12 * 4, 0);
        dev.launch(mod, "float_ops", grid((n + 255) / 256), grid(256), 0, floats(dev, a), floats(dev, b), floats(dev, c), out, n);
        float[] o = EmuBuffers.readFloats(dev, out, n * 12);
        for (int i = 0; i < n; i++) {
            float x = a[i];
            float y = b[i];
            float z = c[i];
            float sat = Float.isNaN(x) ? 0f : Math.max(0f, Math.min(1f, x));
            float[] e = {x + y, x - y, x * y, Math.fma(x, y, z), x / y, (float) Math.sqrt(Math.abs(x)), fmin(x, y), fmax(x, y),
                    sat, (float) (int) x, Math.abs(x), x < y ? 1f : (Float.isNaN(x) || Float.isNaN(y)) ? 2f : 0f};
            for (int k = 0; k < 12; k++) {
                float g = o[i * 12 + k];
                if (Float.isNaN(e[k])) {
                    assertTrue(Float.isNaN(g), "float op " + k + " of " + x + ", " + y + ": " + g);
                } else {
                    assertEquals(Float.floatToIntBits(e[k]) == Float.floatToIntBits(0f) ? 0 : Float.floatToIntBits(e[k]),
                            Float.floatToIntBits(g) == Float.floatToIntBits(0f) ? 0 : Float.floatToIntBits(g),
                            "float op " + k + " of " + x + ", " + y + ", " + z + ": expected " + e[k] + " got " + g);
                    assertEquals(Float.floatToIntBits(e[k]), Float.floatToIntBits(g),
                            "float op " + k + " (sign of zero) of " + x + ", " + y + ": expected " + e[k] + " got " + g);
                }
            }
        }
    }

    private static float fmin(float x, float y) {
        return Float.isNaN(x) ? y : Float.isNaN(y) ? x : Math.min(x, y);
    }

    private static float fmax(float x, float y) {
        return Float.isNaN(x) ? y : Float.isNaN(y) ? x : Math.max(x, y);
    }

    @Test
    void doubleArithmeticIsExactlyRounded() {
        Random r = new Random(4);
        int n = 257;
        double[] a = new double[n];
        double[] b = new double[n];
        double[] c = new double[n];
        for (int i = 0; i < n; i++) {
            a[i] = i == 0 ? 1e300 : i == 1 ? -0.0 : i == 2 ? Double.MIN_VALUE : r.nextGaussian() * Math.pow(10, r.nextInt(40) - 20);
            b[i] = i == 3 ? 0.0 : r.nextGaussian();
            c[i] = r.nextGaussian();
        }
        long out = filled(dev, n * 8 * 8, 0);
        dev.launch(mod, "double_ops", grid(3), grid(128), 0, doubles(dev, a), doubles(dev, b), doubles(dev, c), out, n);
        double[] o = EmuBuffers.readDoubles(dev, out, n * 8);
        for (int i = 0; i < n; i++) {
            double x = a[i];
            double y = b[i];
            double[] e = {x + y, x * y, Math.fma(x, y, c[i]), x / y, Math.sqrt(Math.abs(x)), 1.0 / y, (double) (float) x,
                    (double) (long) x};
            for (int k = 0; k < 8; k++) {
                assertEquals(Double.doubleToLongBits(e[k]), Double.doubleToLongBits(o[i * 8 + k]),
                        "double op " + k + " of " + x + ", " + y + ": expected " + e[k] + " got " + o[i * 8 + k]);
            }
        }
    }

    @Test
    void bf16RoundsToNearestEven() {
        float[] a = {1f, 1.00390625f, 1.005859375f, 1.0078125f, 1.01171875f, -3.3f, Float.MAX_VALUE, 3.3895314e38f, Float.NaN,
                Float.MIN_VALUE, 65535.5f, 1e-40f, -0f, 4294967296f, 7.9f};
        int n = a.length;
        long out = filled(dev, n * 3 * 4, 0);
        dev.launch(mod, "convert_ops", grid(1), grid(32), 0, floats(dev, a), out, n);
        int[] o = EmuBuffers.readInts(dev, out, n * 3);
        for (int i = 0; i < n; i++) {
            int bits = Float.floatToRawIntBits(a[i]);
            int want = Float.isNaN(a[i]) ? 0x7fff : ((bits + 0x7fff + ((bits >>> 16) & 1)) >>> 16) & 0xffff;
            // independent check: the nearest of the two bf16 neighbours, ties to the even one
            if (!Float.isNaN(a[i]) && !Float.isInfinite(a[i])) {
                int lo = bits >>> 16;
                float down = Float.intBitsToFloat(lo << 16);
                float up = Float.intBitsToFloat((lo + 1) << 16);
                double dd = Math.abs((double) a[i] - down);
                double upValue = Float.isInfinite(up) ? Math.copySign(0x1p128, up) : up;   // IEEE: overflow rounds as if to 2^128
                double du = Math.abs(upValue - a[i]);
                int nearest = dd < du ? lo : du < dd ? lo + 1 : ((lo & 1) == 0 ? lo : lo + 1);
                assertEquals(nearest & 0xffff, want, "reference disagrees with itself at " + a[i]);
            }
            assertEquals(want, o[i * 3], "bf16 of " + a[i]);
            assertEquals(want << 16, o[i * 3 + 1], "bf16 → f32 of " + a[i]);
            double abs = Math.abs((double) a[i]);
            long u = Double.isNaN(abs) ? 0 : abs >= 4294967295.0 ? 0xffffffffL : (long) abs;
            assertEquals((int) u, o[i * 3 + 2], "float → u32 (rz, saturating) of " + a[i]);
        }
    }

    @Test
    void warpShufflesVotesAndReconvergence() {
        Random r = new Random(5);
        int[] a = new int[64];
        for (int i = 0; i < a.length; i++) {
            a[i] = r.nextInt(100);
        }
        long out = filled(dev, 64 * 6 * 4, 0);
        dev.launch(mod, "warp_ops", grid(1), grid(64), 0, ints(dev, a), out);
        int[] o = EmuBuffers.readInts(dev, out, 64 * 6);
        for (int w = 0; w < 2; w++) {
            int sum = 0;
            boolean any = false;
            boolean all = true;
            int ballot = 0;
            for (int l = 0; l < 32; l++) {
                int v = a[w * 32 + l];
                sum += v;
                any |= v > 90;
                all &= v >= 0;
                ballot |= (v & 1) << l;
            }
            int prefix = 0;
            for (int l = 0; l < 32; l++) {
                int t = w * 32 + l;
                prefix += a[t];
                assertEquals(sum, o[t * 6], "xor-shuffle sum, lane " + l);
                assertEquals(prefix, o[t * 6 + 1], "up-shuffle scan, lane " + l);
                assertEquals(l + 3 < 32 ? a[t + 3] : a[t], o[t * 6 + 2], "down-shuffle, lane " + l);
                assertEquals(a[w * 32 + ((l * 7) & 31)], o[t * 6 + 3], "idx-shuffle, lane " + l);
                assertEquals((any ? 1 : 0) + 2 * (all ? 1 : 0), o[t * 6 + 4], "vote any/all, lane " + l);
                assertEquals(ballot, o[t * 6 + 5], "ballot, lane " + l);
            }
        }
        // divergent loop trip counts reconverge before the full-warp shuffle
        long d = filled(dev, 32 * 4, 0);
        dev.launch(mod, "diverge", grid(1), grid(32), 0, ints(dev, a), d);
        int[] s = EmuBuffers.readInts(dev, d, 32);
        int[] mine = new int[32];
        for (int l = 0; l < 32; l++) {
            int v = a[l];
            int t = 0;
            for (int k = 0; k < (v & 7); k++) {
                t += (k & 1) != 0 ? k * v : -v;
            }
            mine[l] = t;
        }
        for (int l = 0; l < 32; l++) {
            assertEquals(mine[l] + mine[l ^ 1], s[l], "lane " + l);
        }
    }

    @Test
    void barrierReductionsAndAtomics() {
        Random r = new Random(6);
        int threads = 192;
        int[] a = new int[threads];
        for (int i = 0; i < threads; i++) {
            a[i] = r.nextInt(1000);
        }
        a[77] = 42;
        long out = filled(dev, 5 * 4, 0);
        dev.launch(mod, "block_ops", grid(1), grid(threads), 0, ints(dev, a), out);
        int[] o = EmuBuffers.readInts(dev, out, 5);
        int warpFirst = 0;
        int counter = 0;
        int odd = 0;
        for (int i = 0; i < threads; i++) {
            if (i % 32 == 0) {
                warpFirst += a[i];
            }
            counter += a[i] & 3;
            odd += a[i] & 1;
        }
        assertArrayEquals(new int[]{warpFirst, counter, 1, 1, odd}, o);

        int n = 1000;
        double[] v = new double[n];
        double sum = 0;
        long max = 0;
        for (int i = 0; i < n; i++) {
            v[i] = r.nextInt(1 << 20) / 1024.0;                          // exact sums: order does not matter
            sum += v[i];
            max = Math.max(max, (long) (v[i] * 1000.0));
        }
        long s = doubles(dev, 0.0);
        long c = ints(dev, 0);
        long bits = ints(dev, 0);
        long mx = longs(dev, 0L);
        dev.launch(mod, "global_atomics", grid(8), grid(128), 0, doubles(dev, v), s, c, bits, mx, n);
        assertEquals(sum, EmuBuffers.readDoubles(dev, s, 1)[0]);
        assertEquals(n, EmuBuffers.readInts(dev, c, 1)[0]);
        assertEquals(-1, EmuBuffers.readInts(dev, bits, 1)[0]);
        assertEquals(max, EmuBuffers.readLongs(dev, mx, 1)[0]);
    }

    @Test
    void mmaMatchesAProductOfTheIsaFragments() {
        Random r = new Random(7);
        for (MmaFragments.Shape shape : MmaFragments.Shape.values()) {
            boolean bf = shape == MmaFragments.Shape.M16N8K16_BF16;
            int k = bf ? 16 : 8;
            float[] am = new float[16 * k];
            float[] bm = new float[k * 8];
            float[] cm = new float[16 * 8];
            for (int i = 0; i < am.length; i++) {
                am[i] = representable(r, bf);
            }
            for (int i = 0; i < bm.length; i++) {
                bm[i] = representable(r, bf);
            }
            for (int i = 0; i < cm.length; i++) {
                cm[i] = (float) r.nextGaussian();
            }
            int[] af = new int[128];
            int[] bfr = new int[64];
            float[] cf = new float[128];
            int[] ta = MmaFragments.table(shape, MmaFragments.Operand.A);
            int[] tb = MmaFragments.table(shape, MmaFragments.Operand.B);
            int[] tc = MmaFragments.table(shape, MmaFragments.Operand.C);
            int per = bf ? 2 : 1;
            for (int lane = 0; lane < 32; lane++) {
                for (int reg = 0; reg < 4; reg++) {
                    af[lane * 4 + reg] = pack(am, ta, (lane * 4 + reg) * per, bf);
                    cf[lane * 4 + reg] = cm[tc[lane * 4 + reg]];
                }
                for (int reg = 0; reg < 2; reg++) {
                    bfr[lane * 2 + reg] = pack(bm, tb, (lane * 2 + reg) * per, bf);
                }
            }
            long d = filled(dev, 128 * 4, 0);
            dev.launch(mod, bf ? "mma_bf16" : "mma_tf32", grid(1), grid(32), 0, ints(dev, af), ints(dev, bfr), floats(dev, cf), d);
            float[] got = EmuBuffers.readFloats(dev, d, 128);
            for (int lane = 0; lane < 32; lane++) {
                for (int reg = 0; reg < 4; reg++) {
                    int e = tc[lane * 4 + reg];
                    int i = e / 8;
                    int j = e % 8;
                    double s = cm[e];
                    for (int q = 0; q < k; q++) {
                        s += (double) am[i * k + q] * bm[q * 8 + j];
                    }
                    assertEquals((float) s, got[lane * 4 + reg], 0f, shape + " D[" + i + "][" + j + "]");
                }
            }
        }
    }

    private static float representable(Random r, boolean bf16) {
        int bits = Float.floatToRawIntBits((float) r.nextGaussian());
        return Float.intBitsToFloat(bits & (bf16 ? 0xffff0000 : 0xffffe000));
    }

    private static int pack(float[] m, int[] table, int at, boolean bf16) {
        if (!bf16) {
            return Float.floatToRawIntBits(m[table[at]]);
        }
        int lo = Float.floatToRawIntBits(m[table[at]]) >>> 16;
        int hi = Float.floatToRawIntBits(m[table[at + 1]]) >>> 16;
        return lo | (hi << 16);
    }
}
