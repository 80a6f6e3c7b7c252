package org.ortho4j.io;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.ortho4j.io.Npy.Matrices;
import org.ortho4j.io.Npy.NpyException;
import org.ortho4j.testing.TestMatrices;

class NpyTest {
    @TempDir
    Path dir;

    // ------------------------------------------------------------------ hand-made files

    /** A .npy file with an arbitrary header dict and payload, as NumPy lays it out (64-byte aligned). */
    static byte[] npy(int major, String dict, byte[] payload) {
        byte[] d = dict.getBytes(major == 3 ? StandardCharsets.UTF_8 : StandardCharsets.ISO_8859_1);
        int pre = major == 1 ? 10 : 12;
        int total = (pre + d.length + 1 + 63) / 64 * 64;
        ByteBuffer b = ByteBuffer.allocate(total + payload.length).order(ByteOrder.LITTLE_ENDIAN);
        b.put(new byte[]{(byte) 0x93, 'N', 'U', 'M', 'P', 'Y', (byte) major, 0});
        if (major == 1) {
            b.putShort((short) (total - pre));
        } else {
            b.putInt(total - pre);
        }
        b.put(d);
        while (b.position() < total - 1) {
            b.put((byte) ' ');
        }
        b.put((byte) '\n');
        b.put(payload);
        return b.array();
    }

    static String dict(String descr, boolean fortran, String shape) {
        return "{'descr': '" + descr + "', 'fortran_order': " + (fortran ? "True" : "False") + ", 'shape': " + shape + ", }";
    }

    static byte[] floats(float[] v, ByteOrder order) {
        ByteBuffer b = ByteBuffer.allocate(4 * v.length).order(order);
        for (float x : v) {
            b.putFloat(x);
        }
        return b.array();
    }

    static byte[] doubles(double[] v, ByteOrder order) {
        ByteBuffer b = ByteBuffer.allocate(8 * v.length).order(order);
        for (double x : v) {
            b.putDouble(x);
        }
        return b.array();
    }

    private Path file(String name, byte[] bytes) throws IOException {
        Path p = dir.resolve(name);
        Files.write(p, bytes);
        return p;
    }

    private static float[] seq(int n) {
        Random r = TestMatrices.rng();
        return TestMatrices.gaussian(r, n);
    }

    // ------------------------------------------------------------------ round trips

    @Test
    void roundTrip2dStays2d() throws IOException {
        float[] v = seq(7 * 5);
        Path p = dir.resolve("a.npy");
        Npy.write(p, v, 7, 5);
        Matrices m = Npy.read(p);
        assertFalse(m.batched());
        assertEquals(1, m.batch());
        assertEquals(7, m.rows());
        assertEquals(5, m.cols());
        assertArrayEquals(new int[]{7, 5}, m.shape());
        assertArrayEquals(v, m.data());
        // Re-writing what was read reproduces the file byte for byte.
        Path q = dir.resolve("b.npy");
        Npy.write(q, m);
        assertArrayEquals(Files.readAllBytes(p), Files.readAllBytes(q));
    }

    @Test
    void roundTrip3dKeepsBatch() throws IOException {
        float[] v = seq(3 * 4 * 2);
        v[5] = Float.MIN_VALUE;
        v[6] = -0.0f;
        v[7] = Float.MAX_VALUE;
        Path p = dir.resolve("a.npy");
        Npy.write(p, v, 3, 4, 2);
        Matrices m = Npy.read(p);
        assertTrue(m.batched());
        assertArrayEquals(new int[]{3, 4, 2}, m.shape());
        assertEquals("3x4x2", m.shapeString());
        assertArrayEquals(v, m.data());
        assertEquals(Float.floatToRawIntBits(-0.0f), Float.floatToRawIntBits(m.data()[6]));
    }

    @Test
    void roundTripOneByOneAndBatchOne() throws IOException {
        Path p = dir.resolve("a.npy");
        Npy.write(p, new float[]{2.5f}, 1, 1, 1);
        Matrices m = Npy.read(p);
        assertTrue(m.batched());
        assertArrayEquals(new int[]{1, 1, 1}, m.shape());
        assertArrayEquals(new float[]{2.5f}, m.data());
    }

    @Test
    void writtenHeaderIsNumpysLayout() throws IOException {
        Path p = dir.resolve("a.npy");
        Npy.write(p, new float[6], 2, 3);
        byte[] b = Files.readAllBytes(p);
        assertEquals(128 + 24, b.length);
        assertEquals((byte) 0x93, b[0]);
        assertEquals("NUMPY", new String(b, 1, 5, StandardCharsets.ISO_8859_1));
        assertEquals(1, b[6]);
        assertEquals(0, b[7]);
        int hlen = (b[8] & 0xff) | (b[9] & 0xff) << 8;
        assertEquals(128 - 10, hlen);
        String header = new String(b, 10, hlen, StandardCharsets.ISO_8859_1);
        assertTrue(header.startsWith("{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }"), header);
        assertTrue(header.endsWith(" \n"), header);
    }

    @Test
    void writeRefusesShapeThatDoesNotMatch() {
        assertThrows(IllegalArgumentException.class, () -> Npy.write(dir.resolve("a.npy"), new float[5], 2, 3));
    }

    // ------------------------------------------------------------------ dtypes, byte orders, versions

    @Test
    void readsBigEndianFloat32() throws IOException {
        float[] v = seq(2 * 3);
        Matrices m = Npy.read(file("be.npy", npy(1, dict(">f4", false, "(2, 3)"), floats(v, ByteOrder.BIG_ENDIAN))));
        assertArrayEquals(v, m.data());
        assertFalse(m.batched());
    }

    @Test
    void readsFloat64BothOrdersRoundedToFloat32() throws IOException {
        Random r = TestMatrices.rng();
        double[] v = new double[2 * 3 * 4];
        for (int i = 0; i < v.length; i++) {
            v[i] = r.nextGaussian() * 1e3;
        }
        float[] expected = new float[v.length];
        for (int i = 0; i < v.length; i++) {
            expected[i] = (float) v[i];
        }
        for (ByteOrder o : new ByteOrder[]{ByteOrder.LITTLE_ENDIAN, ByteOrder.BIG_ENDIAN}) {
            String descr = o == ByteOrder.LITTLE_ENDIAN ? "<f8" : ">f8";
            Matrices m = Npy.read(file(o == ByteOrder.LITTLE_ENDIAN ? "le8.npy" : "be8.npy",
                    npy(1, dict(descr, false, "(2, 3, 4)"), doubles(v, o))));
            assertTrue(m.batched());
            assertArrayEquals(new int[]{2, 3, 4}, m.shape());
            assertArrayEquals(expected, m.data(), descr);
        }
    }

    @Test
    void readsVersions2And3AndKeyOrderAndSpacing() throws IOException {
        float[] v = seq(4 * 2);
        byte[] le = floats(v, ByteOrder.LITTLE_ENDIAN);
        assertArrayEquals(v, Npy.read(file("v2.npy", npy(2, dict("<f4", false, "(4, 2)"), le))).data());
        assertArrayEquals(v, Npy.read(file("v3.npy", npy(3, dict("<f4", false, "(4, 2)"), le))).data());
        String odd = "{\"shape\":(4,2),'fortran_order':False,  'descr':'<f4'}";
        Matrices m = Npy.read(file("odd.npy", npy(1, odd, le)));
        assertArrayEquals(new int[]{4, 2}, m.shape());
        assertArrayEquals(v, m.data());
    }

    @Test
    void readsLargerThanOneChunk() throws IOException {
        // More than the 1 MiB read buffer, with a float64 payload: exercises chunking.
        int rows = 300;
        int cols = 500;
        double[] v = new double[rows * cols];
        for (int i = 0; i < v.length; i++) {
            v[i] = i * 0.5 - 7;
        }
        Matrices m = Npy.read(file("big.npy", npy(1, dict("<f8", false, "(" + rows + ", " + cols + ")"), doubles(v, ByteOrder.LITTLE_ENDIAN))));
        for (int i = 0; i < v.length; i++) {
            if (m.data()[i] != (float) v[i]) {
                throw new AssertionError("element " + i + ": " + m.data()[i] + " != " + v[i]);
            }
        }
    }

    // ------------------------------------------------------------------ errors

    private void assertRefused(Path p, String... fragments) {
        NpyException e = assertThrows(NpyException.class, () -> Npy.read(p));
        String msg = e.getMessage();
        assertTrue(msg.startsWith(p.toString() + ":"), msg);
        assertFalse(msg.contains("\n"), msg);
        for (String f : fragments) {
            assertTrue(msg.contains(f), "'" + msg + "' lacks '" + f + "'");
        }
    }

    private byte[] ok(String descr, String shape, int values) {
        return npy(1, dict(descr, false, shape), new byte[values * (descr.endsWith("8") ? 8 : 4)]);
    }

    @Test
    void refusesMissingFileAndDirectory() {
        assertRefused(dir.resolve("missing.npy"), "no such file");
        assertRefused(dir, "directory");
    }

    @Test
    void refusesFilesThatAreNotNpy() throws IOException {
        assertRefused(file("text.npy", "hello, world\n".getBytes(StandardCharsets.US_ASCII)), "not an .npy file");
        assertRefused(file("empty.npy", new byte[0]), "not an .npy file");
        assertRefused(file("short.npy", new byte[]{(byte) 0x93, 'N', 'U'}), "not an .npy file");
    }

    @Test
    void refusesUnknownVersion() throws IOException {
        byte[] b = ok("<f4", "(2, 2)", 4);
        b[6] = 4;
        assertRefused(file("v4.npy", b), "version 4.0");
    }

    @Test
    void refusesTruncatedHeader() throws IOException {
        byte[] b = ok("<f4", "(2, 2)", 4);
        assertRefused(file("cut.npy", Arrays.copyOf(b, 40)), "truncated");
    }

    @Test
    void refusesMalformedHeader() throws IOException {
        assertRefused(file("m1.npy", npy(1, "not a dict", new byte[0])), "malformed");
        assertRefused(file("m2.npy", npy(1, "{'descr': '<f4', 'fortran_order': False}", new byte[16])), "lacks");
        assertRefused(file("m3.npy", npy(1, "{'descr': '<f4', 'fortran_order': Maybe, 'shape': (2, 2)}", new byte[16])), "malformed");
        assertRefused(file("m4.npy", npy(1, "{'descr': '<f4', 'fortran_order': False, 'shape': (2, x)}", new byte[16])), "malformed");
        assertRefused(file("m5.npy", npy(1, "{'descr': '<f4', 'fortran_order': False, 'shape': (2, 2), 'extra': 1}", new byte[16])),
                "unexpected key");
    }

    @Test
    void refusesFortranOrder() throws IOException {
        assertRefused(file("f.npy", npy(1, dict("<f4", true, "(2, 3)"), new byte[24])), "Fortran");
    }

    @Test
    void refusesOtherDtypes() throws IOException {
        for (String d : new String[]{"<i4", "<f2", "|u1", "<c8", "<i8", "|b1", "=f4", "<U3", "<f16"}) {
            assertRefused(file("dt.npy", npy(1, dict(d, false, "(2, 2)"), new byte[64])), "dtype '" + d + "'");
        }
    }

    @Test
    void refusesWrongDimensionality() throws IOException {
        assertRefused(file("d1.npy", ok("<f4", "(6,)", 6)), "1-D", "(6,)");
        assertRefused(file("d0.npy", ok("<f4", "()", 1)), "0-D");
        assertRefused(file("d4.npy", ok("<f4", "(1, 2, 2, 2)", 8)), "4-D", "(1, 2, 2, 2)");
        assertRefused(file("e.npy", ok("<f4", "(0, 3)", 0)), "empty");
    }

    @Test
    void refusesTruncatedAndOverlongData() throws IOException {
        assertRefused(file("t.npy", npy(1, dict("<f4", false, "(2, 3)"), new byte[23])), "truncated data", "needs 24 bytes", "has 23");
        assertRefused(file("t8.npy", npy(1, dict(">f8", false, "(2, 2, 3)"), new byte[95])), "truncated data");
        assertRefused(file("x.npy", npy(1, dict("<f4", false, "(2, 3)"), new byte[28])), "4 unexpected bytes");
    }

    // Found by fuzzing (NpyFuzzProperties): the element count was a long product of the int dimensions, so
    // 2^21 · 2^21 · 2^22 = 2^64 wrapped to 0 and a file with no data read as "matrices" of that shape holding
    // nothing (the Matrices constructor's own check wrapped the same way).
    @Test
    void refusesShapeWhoseElementCountOverflowsALong() throws IOException {
        assertRefused(file("wrap.npy", npy(1, dict("<f4", false, "(2097152, 2097152, 4194304)"), new byte[0])),
                "truncated data", "needs 73786976294838206464 bytes", "has 0");
        assertRefused(file("wrap8.npy", npy(1, dict("<f8", false, "(65536, 2097152, 536870912)"), new byte[16])),
                "truncated data", "has 16");
        assertThrows(IllegalArgumentException.class, () -> new Matrices(new float[0], 1 << 21, 1 << 21, 1 << 22, true));
        assertThrows(IllegalArgumentException.class, () -> new Matrices(new float[4], 1 << 30, 1 << 30, 1 << 6, true)); // 2^66 + 0
    }

    // Found by fuzzing: a key or dtype holding a line break was quoted as it was, so the message was not one line.
    @Test
    void messagesStayOneLineWhateverTheHeaderHolds() throws IOException {
        assertRefused(file("k.npy", npy(1, "{'descr': '<f4', 'fortran\norder': False, 'shape': (2, 2)}", new byte[16])),
                "unexpected key 'fortran order'");
        assertRefused(file("d.npy", npy(1, dict("<f4\r\u0085", false, "(2, 2)"), new byte[16])), "dtype '<f4 \\u0085'");
    }

    @Test
    void bytesInMemoryReadAsTheSameFile() throws IOException {
        float[] v = seq(3 * 4 * 2);
        byte[] b = npy(2, dict(">f4", false, "(3, 4, 2)"), floats(v, ByteOrder.BIG_ENDIAN));
        Matrices m = Npy.read(b, "mem.npy");
        assertArrayEquals(new int[]{3, 4, 2}, m.shape());
        assertArrayEquals(v, m.data());
        assertArrayEquals(Npy.read(file("same.npy", b)).data(), m.data());
        NpyException e = assertThrows(NpyException.class, () -> Npy.read(Arrays.copyOf(b, b.length - 1), "mem.npy"));
        assertTrue(e.getMessage().startsWith("mem.npy: truncated data"), e.getMessage());
    }

    @Test
    void writeToMissingDirectoryNamesTheFile() {
        Path p = dir.resolve("no/such/dir/a.npy");
        NpyException e = assertThrows(NpyException.class, () -> Npy.write(p, new float[4], 2, 2));
        assertTrue(e.getMessage().startsWith(p + ": cannot write"), e.getMessage());
    }

    @Test
    void writesVersion2WhenHeaderIsLong() throws IOException {
        // 22000 unit dimensions make a header dict over 65535 bytes: only version 2.0 can hold it.
        int[] shape = new int[22000];
        Arrays.fill(shape, 1);
        Path p = dir.resolve("long.npy");
        Npy.write(p, new float[]{3f}, shape);
        byte[] b = Files.readAllBytes(p);
        assertEquals(2, b[6]);
        long hlen = ByteBuffer.wrap(b, 8, 4).order(ByteOrder.LITTLE_ENDIAN).getInt();
        assertEquals(0, (12 + hlen) % 64);
        assertEquals(12 + hlen + 4, b.length);
        assertRefused(p, "22000-D");
    }
}
