package org.ortho4j.emu;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.ortho4j.emu.EmuBuffers.doubles;
import static org.ortho4j.emu.EmuBuffers.filled;
import static org.ortho4j.emu.EmuBuffers.floats;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Random;
import org.ejml.data.DMatrixRMaj;
import org.ejml.dense.row.SingularOps_DDRM;
import org.ejml.dense.row.factory.DecompositionFactory_DDRM;
import org.ejml.interfaces.decomposition.SingularValueDecomposition_F64;
import org.junit.jupiter.api.Test;
import org.ortho4j.testing.PolarChecks;
import org.ortho4j.testing.TestMatrices;

/**
 * The three shipped kernels that only the cuBLAS/cuSOLVER paths launch — which cannot run on the emulated device,
 * so no battery reaches them: {@code bl_f32_to_bf16} (cuBLAS baseline's bf16 operands), {@code lmo_to_double} and
 * {@code lmo_polar_from_svd} (cuSOLVER polar). Launched here directly, with the launchers' grids and layouts
 * ({@code CublasNewtonSchulz.toBf16}, {@code CudaSolverPolar.polar}), against Java references (bf16 rounding; the
 * CPU backend's float64 polar); an EJML float64 SVD stands in for {@code cusolverDnDgesvdj}.
 */
class VendorPathKernelsTest {

    @Test
    void bf16CopyRoundsToNearestEven() {
        EmulatedDevice d = new EmulatedDevice(1 << 24);
        EmulatedDevice.Module m = d.load("baselines.ptx", KernelMutantsTest.shipped("baselines"));
        int n = 1001;                                               // odd: the last thread's half-word
        float[] x = TestMatrices.gaussian(new Random(1), n);
        float[] edge = {0f, -0f, 1.00390625f, 1.01171875f, Float.MAX_VALUE, Float.NaN, Float.POSITIVE_INFINITY, 1e-40f};
        System.arraycopy(edge, 0, x, 0, edge.length);
        long xp = floats(d, x);
        long yp = filled(d, 2 * n, 0xee);
        int grid = Math.max(1, Math.min(1 << 16, (n + 255) / 256));  // CublasNewtonSchulz.toBf16
        d.launch(m, "bl_f32_to_bf16", new int[]{grid, 1, 1}, new int[]{256, 1, 1}, 0, xp, yp, (long) n);
        byte[] b = new byte[2 * n];
        d.read(yp, b, 0, b.length);
        ByteBuffer bb = ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN);
        for (int i = 0; i < n; i++) {
            int bits = Float.floatToRawIntBits(x[i]);
            int want = Float.isNaN(x[i]) ? 0x7fff : ((bits + 0x7fff + ((bits >>> 16) & 1)) >>> 16) & 0xffff;
            assertEquals(want, bb.getShort(2 * i) & 0xffff, "bf16 of " + x[i] + " at " + i);
        }
    }

    @Test
    void polarFromSvdIsTheFloat64PolarFactor() {
        EmulatedDevice d = new EmulatedDevice(1 << 26);
        EmulatedDevice.Module mod = d.load("lmo.ptx", KernelMutantsTest.shipped("lmo"));
        int[][] cases = {{37, 53, 37}, {61, 29, 29}, {40, 40, 9}};  // rows, cols, rank (the last rank-deficient)
        for (int[] c : cases) {
            int rows = c[0];
            int cols = c[1];
            int k = Math.min(rows, cols);
            float[] g = c[2] < k ? PolarChecks.exactRank(new Random(rows), rows, cols, c[2])
                    : TestMatrices.gaussian(new Random(rows), rows * cols);
            long gp = floats(d, g);
            long a = filled(d, rows * cols * 8, 0);
            d.launch(mod, "lmo_to_double", new int[]{4, 1, 1}, new int[]{256, 1, 1}, 0, gp, a, (long) rows * cols);
            double[] y = EmuBuffers.readDoubles(d, a, rows * cols);
            for (int i = 0; i < g.length; i++) {
                assertEquals((double) g[i], y[i], 0.0, "lmo_to_double at " + i);
            }
            // gesvdj's view: the row-major rows × cols d read column-major is Y = dᵀ (cols × rows)
            DMatrixRMaj ym = new DMatrixRMaj(cols, rows);
            for (int i = 0; i < rows; i++) {
                for (int j = 0; j < cols; j++) {
                    ym.set(j, i, g[i * cols + j]);
                }
            }
            SingularValueDecomposition_F64<DMatrixRMaj> svd = DecompositionFactory_DDRM.svd(cols, rows, true, true, true);
            assertTrue(svd.decompose(ym));
            DMatrixRMaj u = svd.getU(null, false);                   // cols × k
            DMatrixRMaj v = svd.getV(null, false);                   // rows × k
            double[] s = svd.getSingularValues().clone();
            DMatrixRMaj w = svd.getW(null);
            SingularOps_DDRM.descendingOrder(u, false, w, v, false);
            for (int l = 0; l < k; l++) {
                s[l] = w.get(l, l);
            }
            double[] uc = new double[cols * k];                      // column-major, ld = cols
            double[] vc = new double[rows * k];                      // column-major, ld = rows
            for (int l = 0; l < k; l++) {
                for (int j = 0; j < cols; j++) {
                    uc[j + l * cols] = u.get(j, l);
                }
                for (int i = 0; i < rows; i++) {
                    vc[i + l * rows] = v.get(i, l);
                }
            }
            long out = filled(d, rows * cols * 4, 0xff);
            float scale = 0.75f;
            d.launch(mod, "lmo_polar_from_svd", new int[]{(cols + 15) / 16, (rows + 15) / 16, 1}, new int[]{16, 16, 1}, 0,
                    doubles(d, uc), doubles(d, vc), doubles(d, java.util.Arrays.copyOf(s, k)), rows, cols, k, scale, out);
            float[] q = EmuBuffers.readFloats(d, out, rows * cols);
            float[] ref = new float[rows * cols];                    // the CPU backend's polar: partial isometry when
            org.ortho4j.cpu.CpuBackend.hostPolar(g, ref, 1, rows, cols);   // rank-deficient (zero threshold as here)
            double num = 0;
            double den = 0;
            for (int i = 0; i < q.length; i++) {
                assertTrue(Float.isFinite(q[i]), "element " + i + " not written");
                num += Math.pow(q[i] - scale * (double) ref[i], 2);
                den += Math.pow(scale * (double) ref[i], 2);
            }
            double err = Math.sqrt(num / den);
            assertTrue(err <= 1e-6, rows + "x" + cols + " rank " + c[2] + ": " + err + " from the CPU backend's polar");
        }
    }
}
