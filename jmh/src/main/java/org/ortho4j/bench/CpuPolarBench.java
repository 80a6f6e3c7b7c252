package org.ortho4j.bench;

import java.util.concurrent.TimeUnit;
import org.ejml.data.DMatrixRMaj;
import org.ejml.dense.row.CommonOps_DDRM;
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
import org.openjdk.jmh.infra.BenchmarkParams;
import org.ortho4j.BackendKind;
import org.ortho4j.Context;
import org.ortho4j.MatrixBatch;
import org.ortho4j.Precision;
import org.ortho4j.Schedule;

/**
 * The polar factor on the CPU: ortho4j's exact polar ({@code Context.polar}, float64 Jacobi / QR+SVD), its fp32
 * Newton–Schulz approximations under two schedules (Polar Express, Muon's quintic; for the accuracy-vs-time plot),
 * and EJML's float64 SVD {@code U Vᵀ} per matrix (one thread). Work: bytes of input plus output; the sidecar also
 * records each variant's relative error against the exact polar factor of matrix 0.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
public class CpuPolarBench {
    @Param({"64x64x64", "16x128x128", "1x512x512"})
    public String shape;

    private Context ctx;
    private MatrixBatch in;
    private MatrixBatch out;
    private DMatrixRMaj[] gd;

    @Setup
    public void setup(BenchmarkParams bp) {
        int[] s = BenchSupport.shape(shape);
        ctx = Context.create(BackendKind.CPU);
        float[] g = BenchSupport.gaussian(7, (long) s[0] * s[1] * s[2]);
        in = ctx.upload(g, s[0], s[1], s[2]);
        out = ctx.allocate(s[0], s[1], s[2]);
        gd = new DMatrixRMaj[s[0]];
        for (int b = 0; b < s[0]; b++) {
            gd[b] = new DMatrixRMaj(s[1], s[2]);
            for (int i = 0; i < s[1] * s[2]; i++) {
                gd[b].data[i] = g[b * s[1] * s[2] + i];
            }
        }
        String variant = BenchSupport.method(bp);
        float[] exact = BenchSupport.exactPolarFirst(g, s[1], s[2], 1024);
        float[] got;
        switch (variant) {
            case "ejmlSvdPolar": {
                DMatrixRMaj q = polar(gd[0]);
                got = new float[q.data.length];
                for (int i = 0; i < got.length; i++) {
                    got[i] = (float) q.data[i];
                }
                break;
            }
            case "oursPolar":
                oursPolar();
                got = out.matrix(0);
                break;
            case "nsPolarExpress":
                nsPolarExpress();
                got = out.matrix(0);
                break;
            case "nsMuon":
                nsMuon();
                got = out.matrix(0);
                break;
            default:
                throw new IllegalStateException("unknown variant " + variant);
        }
        BenchSupport.record(bp, "polar", s[0], s[1], s[2],
                variant.startsWith("ns") ? BenchSupport.nsFlops(s[0], s[1], s[2], 5) : Double.NaN,
                8.0 * s[0] * s[1] * s[2], BenchSupport.relErr(got, exact, exact.length));
    }

    @TearDown
    public void tearDown() {
        ctx.close();
    }

    /** ortho4j's exact polar factor. */
    @Benchmark
    public MatrixBatch oursPolar() {
        ctx.polar(in, out);
        return out;
    }

    /** Newton–Schulz, Polar Express schedule, fp32. */
    @Benchmark
    public MatrixBatch nsPolarExpress() {
        ctx.newtonSchulz(in, Schedule.polarExpress(), Precision.FP32, out);
        return out;
    }

    /** Newton–Schulz, Muon's quintic (3.4445, −4.7750, 2.0315) × 5, fp32. */
    @Benchmark
    public MatrixBatch nsMuon() {
        ctx.newtonSchulz(in, Schedule.muon(), Precision.FP32, out);
        return out;
    }

    /** EJML float64 SVD, {@code U Vᵀ}, per matrix. */
    @Benchmark
    public DMatrixRMaj ejmlSvdPolar() {
        DMatrixRMaj q = null;
        for (DMatrixRMaj gm : gd) {
            q = polar(gm);
        }
        return q;
    }

    private static DMatrixRMaj polar(DMatrixRMaj gm) {
        SingularValueDecomposition_F64<DMatrixRMaj> svd = DecompositionFactory_DDRM.svd(gm.numRows, gm.numCols, true, true, true);
        if (!svd.decompose(gm.copy())) {
            throw new IllegalStateException("SVD failed");
        }
        DMatrixRMaj q = new DMatrixRMaj(gm.numRows, gm.numCols);
        CommonOps_DDRM.multTransB(svd.getU(null, false), svd.getV(null, false), q);
        return q;
    }
}
