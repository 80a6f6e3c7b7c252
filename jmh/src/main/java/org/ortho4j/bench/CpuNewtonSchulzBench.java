package org.ortho4j.bench;

import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.ejml.data.DMatrixRMaj;
import org.ejml.data.FMatrixRMaj;
import org.ejml.dense.row.CommonOps_DDRM;
import org.ejml.dense.row.CommonOps_FDRM;
import org.ejml.dense.row.NormOps_FDRM;
import org.ejml.dense.row.factory.DecompositionFactory_DDRM;
import org.ejml.interfaces.decomposition.SingularValueDecomposition_F64;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.ortho4j.BackendKind;
import org.ortho4j.Context;
import org.ortho4j.MatrixBatch;
import org.ortho4j.Precision;
import org.ortho4j.Schedule;

/**
 * Newton–Schulz on the CPU: ortho4j's kernel (Polar Express, 5 steps, fp32, all threads) against the same 5-step
 * iteration on EJML's float32 products (one thread, as EJML's CommonOps), and against EJML's float64 SVD polar
 * factor {@code U Vᵀ} (the exact answer NS approximates). Shapes are {@code BATCHxROWSxCOLS}; the EJML variants
 * loop over the batch. Seeded Gaussian inputs. Run with {@code jmh/run.sh}.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
public class CpuNewtonSchulzBench {
    @Param({"1x256x256", "1x512x512", "1x1024x1024", "1x768x3072", "256x64x64"})
    public String shape;

    private int batch;
    private int rows;
    private int cols;
    private float[] g;
    private Context ctx;
    private MatrixBatch in;
    private MatrixBatch out;
    private Schedule.Coefficients co;
    // EJML float iteration state (wide orientation, m ≤ n)
    private FMatrixRMaj[] gf;
    private FMatrixRMaj x;
    private FMatrixRMaj xn;
    private FMatrixRMaj a;
    private FMatrixRMaj aa;
    private FMatrixRMaj bm;
    private DMatrixRMaj[] gd;

    @Setup
    public void setup() {
        String[] p = shape.split("x");
        batch = Integer.parseInt(p[0]);
        rows = Integer.parseInt(p[1]);
        cols = Integer.parseInt(p[2]);
        Random r = new Random(42);
        g = new float[batch * rows * cols];
        for (int i = 0; i < g.length; i++) {
            g[i] = (float) r.nextGaussian();
        }
        ctx = Context.create(BackendKind.CPU);
        in = ctx.upload(g, batch, rows, cols);
        out = ctx.allocate(batch, rows, cols);
        co = Schedule.polarExpress().resolve(rows, cols);
        int m = Math.min(rows, cols);
        int n = Math.max(rows, cols);
        gf = new FMatrixRMaj[batch];
        gd = new DMatrixRMaj[batch];
        for (int b = 0; b < batch; b++) {
            gf[b] = new FMatrixRMaj(rows, cols);
            gd[b] = new DMatrixRMaj(rows, cols);
            for (int i = 0; i < rows * cols; i++) {
                gf[b].data[i] = g[b * rows * cols + i];
                gd[b].data[i] = g[b * rows * cols + i];
            }
        }
        x = new FMatrixRMaj(m, n);
        xn = new FMatrixRMaj(m, n);
        a = new FMatrixRMaj(m, m);
        aa = new FMatrixRMaj(m, m);
        bm = new FMatrixRMaj(m, m);
    }

    @TearDown
    public void tearDown() {
        ctx.close();
    }

    /** ortho4j CPU: Polar Express, 5 steps, fp32. */
    @Benchmark
    public MatrixBatch ortho4jNewtonSchulz() {
        ctx.newtonSchulz(in, Schedule.polarExpress(), Precision.FP32, out);
        return out;
    }

    /** The same iteration on EJML float32: A = X Xᵀ, B = bA + cA², X = aX + BX, per matrix. */
    @Benchmark
    public FMatrixRMaj ejmlFloatNewtonSchulz() {
        FMatrixRMaj last = null;
        for (FMatrixRMaj gm : gf) {
            if (gm.numRows > gm.numCols) {
                CommonOps_FDRM.transpose(gm, x);
            } else {
                x.setTo(gm);
            }
            CommonOps_FDRM.scale((float) (1.0 / (co.scale() * NormOps_FDRM.normF(x) + co.eps())), x);
            for (int t = 0; t < co.steps(); t++) {
                CommonOps_FDRM.multTransB(x, x, a);                              // A = X Xᵀ
                CommonOps_FDRM.mult(a, a, aa);                                   // A·A
                CommonOps_FDRM.add((float) co.b(t), a, (float) co.c(t), aa, bm); // B = bA + cA²
                CommonOps_FDRM.mult(bm, x, xn);                                  // B·X
                CommonOps_FDRM.add((float) co.a(t), x, 1f, xn, xn);              // X = aX + BX
                FMatrixRMaj tmp = x;
                x = xn;
                xn = tmp;
            }
            last = x;
        }
        return last;
    }

    /** The exact polar factor U Vᵀ from EJML's float64 SVD, per matrix. */
    @Benchmark
    public DMatrixRMaj ejmlSvdPolar() {
        DMatrixRMaj q = null;
        for (DMatrixRMaj gm : gd) {
            SingularValueDecomposition_F64<DMatrixRMaj> svd = DecompositionFactory_DDRM.svd(gm.numRows, gm.numCols, true, true, true);
            if (!svd.decompose(gm.copy())) {
                throw new IllegalStateException("SVD failed");
            }
            q = new DMatrixRMaj(gm.numRows, gm.numCols);
            CommonOps_DDRM.multTransB(svd.getU(null, false), svd.getV(null, false), q);
        }
        return q;
    }
}
