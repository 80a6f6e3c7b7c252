package org.ortho4j.emu;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/** Typed host ↔ emulated-device copies for the interpreter's own tests. */
final class EmuBuffers {
    private EmuBuffers() {
    }

    static long ints(EmulatedDevice d, int... v) {
        ByteBuffer b = le(v.length * 4);
        b.asIntBuffer().put(v);
        return upload(d, b);
    }

    static long longs(EmulatedDevice d, long... v) {
        ByteBuffer b = le(v.length * 8);
        b.asLongBuffer().put(v);
        return upload(d, b);
    }

    static long floats(EmulatedDevice d, float... v) {
        ByteBuffer b = le(v.length * 4);
        b.asFloatBuffer().put(v);
        return upload(d, b);
    }

    static long doubles(EmulatedDevice d, double... v) {
        ByteBuffer b = le(v.length * 8);
        b.asDoubleBuffer().put(v);
        return upload(d, b);
    }

    /** {@code bytes} of device memory, every byte written with {@code fill} (so reads of it are defined). */
    static long filled(EmulatedDevice d, int bytes, int fill) {
        long p = d.allocate(bytes);
        d.memset8(p, (byte) fill, bytes);
        return p;
    }

    static int[] readInts(EmulatedDevice d, long p, int n) {
        int[] out = new int[n];
        read(d, p, n * 4).asIntBuffer().get(out);
        return out;
    }

    static long[] readLongs(EmulatedDevice d, long p, int n) {
        long[] out = new long[n];
        read(d, p, n * 8).asLongBuffer().get(out);
        return out;
    }

    static float[] readFloats(EmulatedDevice d, long p, int n) {
        float[] out = new float[n];
        read(d, p, n * 4).asFloatBuffer().get(out);
        return out;
    }

    static double[] readDoubles(EmulatedDevice d, long p, int n) {
        double[] out = new double[n];
        read(d, p, n * 8).asDoubleBuffer().get(out);
        return out;
    }

    private static ByteBuffer le(int n) {
        return ByteBuffer.allocate(n).order(ByteOrder.LITTLE_ENDIAN);
    }

    private static long upload(EmulatedDevice d, ByteBuffer b) {
        long p = d.allocate(Math.max(1, b.capacity()));
        d.write(p, b.array(), 0, b.capacity());
        return p;
    }

    private static ByteBuffer read(EmulatedDevice d, long p, int bytes) {
        byte[] b = new byte[bytes];
        d.read(p, b, 0, bytes);
        return ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN);
    }

    static int[] grid(int x) {
        return new int[]{x, 1, 1};
    }
}
