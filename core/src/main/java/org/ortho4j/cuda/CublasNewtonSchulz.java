package org.ortho4j.cuda;

import jcuda.Pointer;
import jcuda.cudaDataType;
import jcuda.jcublas.JCublas2;
import jcuda.jcublas.cublasComputeType;
import jcuda.jcublas.cublasGemmAlgo;
import jcuda.jcublas.cublasHandle;
import jcuda.jcublas.cublasMath;
import jcuda.jcublas.cublasOperation;
import jcuda.jcublas.cublasStatus;
import jcuda.runtime.cudaStream_t;
import org.ortho4j.BackendUnavailableException;
import org.ortho4j.Context;
import org.ortho4j.MatrixBatch;
import org.ortho4j.NonFiniteInputException;
import org.ortho4j.Ortho4jException;
import org.ortho4j.Precision;
import org.ortho4j.Schedule;

/**
 * Baseline: the Newton–Schulz iteration of {@link Context#newtonSchulz} (docs/algorithms.md §1.1 and §1.5, the arithmetic of
 * {@code CpuNewtonSchulz}) on cuBLAS's {@code cublasGemmStridedBatchedEx}, batched over the same-shape matrices of a
 * batch, on the context's stream. It exists to be measured against ortho4j's own kernels (JMH
 * {@code GpuNewtonSchulzBench}); it is not used by the library.
 *
 * <p>Per matrix, with {@code m = min(rows, cols)}, {@code n = max(rows, cols)}:
 * <pre>
 *   X0 = G / (s·‖G‖_F + eps)                  (ortho4j's ns_norm_partial / ns_norm_finalize / ns_scale kernels)
 *   per step t:  A = X Xᵀ;  B = b_t·A + c_t·A·A;  X = a_t·X + B·X
 * </pre>
 * The row-major {@code rows × cols} buffer read as column-major is {@code Y = Gᵀ} ({@code cols × rows}); the
 * polynomial commutes with transposition, so the iteration runs on Y without any transpose: for wide G
 * ({@code Y} tall) {@code A = YᵀY}, {@code Y ← a·Y + Y·B}; for tall G ({@code Y} wide) {@code A = Y Yᵀ},
 * {@code Y ← a·Y + B·Y} (B symmetric). X lives in {@code out} from the scaling on.
 *
 * <p>Precision of the products (accumulation always fp32, {@code CUBLAS_COMPUTE_32F*}):
 * <ul>
 * <li>BF16: bf16 copies {@code ρ(X)}, {@code ρ(A)}, {@code ρ(B)} made by {@code bl_f32_to_bf16}
 *     ({@code kernels/baselines.cu}, round to nearest even) are the GEMM operands ({@code CUDA_R_16BF}); A, B and X
 *     stay fp32 and the scalar terms {@code b·A}, {@code a·X} use them (GEMM β on the fp32 C, updated in place).</li>
 * <li>TF32: fp32 operands with {@code CUBLAS_COMPUTE_32F_FAST_TF32} (cuBLAS's own operand rounding).</li>
 * <li>FP32: fp32 operands, {@code CUBLAS_COMPUTE_32F}, {@code CUBLAS_DEFAULT_MATH} (no tensor-core shortcut).</li>
 * </ul>
 * For TF32/FP32 the C of an in-place update cannot alias an operand, so each step copies A → B and X → a work
 * buffer first (device-to-device, {@code 4·(m² + mn)} bytes per matrix and step); BF16 needs no copy.
 *
 * <p>Non-finite input throws {@link NonFiniteInputException} before anything is written (one flag read-back, as
 * ortho4j's path). Use: {@link #create(Context)} on a CUDA context, {@link #run}, {@link #close()}. Not
 * thread-safe beyond the context's lock; an instance belongs to its context.
 */
public final class CublasNewtonSchulz implements AutoCloseable {
    private static final String BASELINES = "baselines";
    private final CudaBackend backend;
    private final CudaRuntime rt;
    private final NativeCudaDriver.NativeDevice device;
    private final cublasHandle handle;
    private boolean closed;

    private CublasNewtonSchulz(CudaBackend backend, cublasHandle handle) {
        this.backend = backend;
        this.rt = backend.runtime();
        this.device = CudaBaselines.nativeDevice(rt);
        this.handle = handle;
    }

    /**
     * Whether a cuBLAS baseline can run on {@code ctx} (a CUDA context on the native driver).
     *
     * @param ctx the context
     * @return {@code null} when it can, else why not
     */
    public static String unavailableReason(Context ctx) {
        if (!(ctx.backend() instanceof CudaBackend)) {
            return "not a CUDA context (" + ctx.description() + ")";
        }
        String why = CudaBaselines.nativeOnly("cuBLAS", (CudaBackend) ctx.backend());
        if (why != null) {
            return why;
        }
        return CudaBaselines.cublasUnavailableReason();
    }

    /**
     * A cuBLAS handle bound to {@code ctx}'s stream.
     *
     * @param ctx a CUDA context on the native driver
     * @return the baseline (close it to destroy the handle)
     * @throws BackendUnavailableException with the reason when {@link #unavailableReason(Context)} is not null
     */
    public static CublasNewtonSchulz create(Context ctx) {
        String why = unavailableReason(ctx);
        if (why != null) {
            throw new BackendUnavailableException("cuBLAS Newton–Schulz baseline unavailable: " + why);
        }
        CudaBackend be = (CudaBackend) ctx.backend();
        return be.locked(() -> {
            cublasHandle h = new cublasHandle();
            check(JCublas2.cublasCreate(h), "cublasCreate");
            check(JCublas2.cublasSetStream(h, new cudaStream_t(CudaBaselines.nativeDevice(be.runtime()).stream())),
                    "cublasSetStream");
            return new CublasNewtonSchulz(be, h);
        });
    }

    private static void check(int status, String call) {
        if (status != cublasStatus.CUBLAS_STATUS_SUCCESS) {
            throw new Ortho4jException("cublas: " + call + " failed: " + cublasStatus.stringFor(status));
        }
    }

    /**
     * {@code out = NS(g)} with the coefficients {@code co} and the operand precision {@code precision}. Returns when
     * the stream has finished.
     *
     * @param g         input, a batch of the same context, not modified (unless it is {@code out})
     * @param co        the coefficients, resolved for the shape
     * @param precision the rounding of the products' operands
     * @param out       output, same shape as {@code g}; may be {@code g}
     */
    public void run(MatrixBatch g, Schedule.Coefficients co, Precision precision, MatrixBatch out) {
        if (g.batch() != out.batch() || g.rows() != out.rows() || g.cols() != out.cols()) {
            throw new IllegalArgumentException("cublas NS: out " + out.shape() + " must have g's shape " + g.shape());
        }
        backend.lockedRun(() -> {
            if (closed) {
                throw new IllegalStateException("cublas NS baseline is closed");
            }
            iterate(g, co, precision, out);
        });
    }

    private void iterate(MatrixBatch g, Schedule.Coefficients co, Precision precision, MatrixBatch out) {
        final int batch = g.batch();
        final int p = g.cols();                 // Y = Gᵀ column-major: p × q
        final int q = g.rows();
        final boolean yTall = p >= q;           // G wide
        final int m = Math.min(p, q);
        final long mn = (long) p * q;
        final long mm = (long) m * m;
        final DevicePointer y = CudaRuntime.ptr(out);
        DevicePointer denom = rt.scratch((long) batch * Double.BYTES);
        try {
            CudaNewtonSchulz.normalise(rt, CudaRuntime.ptr(g), batch, mn, co.scale(), co.eps(), denom); // our norm kernels
            // X0 = G / denom into out (same layout; elementwise, so out may be g)
            CudaFamilySupport.launch(rt, CudaNewtonSchulz.MODULE, "ns_scale",
                    (int) Math.min(65535L * 16, (batch * mn + 255) / 256), 1, 1, 256, 1, 0,
                    CudaRuntime.ptr(g), y, denom, batch, q, p, 0);
            if (co.steps() > 0) {
                if (precision == Precision.BF16) {
                    stepsBf16(y, batch, p, q, m, mn, mm, yTall, co);
                } else {
                    stepsFloat(y, batch, p, q, m, mn, mm, yTall, co, precision);
                }
            }
            rt.synchronize("cublas newtonSchulz " + g.shape() + " " + precision);
        } finally {
            rt.release(denom);
        }
    }

    private void stepsBf16(DevicePointer y, int batch, int p, int q, int m, long mn, long mm, boolean yTall,
                           Schedule.Coefficients co) {
        DevicePointer a = rt.scratch(batch * mm * Float.BYTES);
        DevicePointer yr = null;
        DevicePointer ar = null;
        try {
            yr = rt.scratch(batch * mn * 2);
            ar = rt.scratch(batch * mm * 2);
            check(JCublas2.cublasSetMathMode(handle, cublasMath.CUBLAS_DEFAULT_MATH), "cublasSetMathMode");
            final int bf = cudaDataType.CUDA_R_16BF;
            final int f32 = cudaDataType.CUDA_R_32F;
            final int ct = cublasComputeType.CUBLAS_COMPUTE_32F;
            for (int t = 0; t < co.steps(); t++) {
                toBf16(y, yr, batch * mn);                                                  // Xr = ρ(X)
                gram(yr, bf, a, f32, batch, p, q, m, mn, mm, yTall, ct);                     // A = Xr Xrᵀ
                toBf16(a, ar, batch * mm);                                                  // Ar = ρ(A)
                gemm(false, false, m, m, m, (float) co.c(t), ar, bf, m, mm, ar, bf, m, mm,
                        (float) co.b(t), a, f32, m, mm, batch, ct);                         // B = c·Ar·Ar + b·A (in A)
                toBf16(a, ar, batch * mm);                                                  // Br = ρ(B)
                update(yr, bf, ar, bf, y, f32, batch, p, q, m, mn, mm, yTall, (float) co.a(t), ct); // X = a·X + Br·Xr
            }
        } finally {
            rt.release(a);
            if (yr != null) {
                rt.release(yr);
            }
            if (ar != null) {
                rt.release(ar);
            }
        }
    }

    private void stepsFloat(DevicePointer y, int batch, int p, int q, int m, long mn, long mm, boolean yTall,
                            Schedule.Coefficients co, Precision precision) {
        final boolean tf32 = precision == Precision.TF32;
        check(JCublas2.cublasSetMathMode(handle, tf32 ? cublasMath.CUBLAS_TF32_TENSOR_OP_MATH : cublasMath.CUBLAS_DEFAULT_MATH),
                "cublasSetMathMode");
        final int ct = tf32 ? cublasComputeType.CUBLAS_COMPUTE_32F_FAST_TF32 : cublasComputeType.CUBLAS_COMPUTE_32F;
        final int f32 = cudaDataType.CUDA_R_32F;
        DevicePointer a = rt.scratch(batch * mm * Float.BYTES);
        DevicePointer b = null;
        DevicePointer y0 = null;
        try {
            b = rt.scratch(batch * mm * Float.BYTES);
            y0 = rt.scratch(batch * mn * Float.BYTES);
            for (int t = 0; t < co.steps(); t++) {
                gram(y, f32, a, f32, batch, p, q, m, mn, mm, yTall, ct);                    // A = X Xᵀ
                copy(a, b, batch * mm);                                                     // B ← A
                gemm(false, false, m, m, m, (float) co.c(t), a, f32, m, mm, a, f32, m, mm,
                        (float) co.b(t), b, f32, m, mm, batch, ct);                         // B = c·A·A + b·A
                copy(y, y0, batch * mn);                                                    // X0 ← X
                update(y0, f32, b, f32, y, f32, batch, p, q, m, mn, mm, yTall, (float) co.a(t), ct); // X = a·X + B·X
            }
        } finally {
            rt.release(a);
            if (b != null) {
                rt.release(b);
            }
            if (y0 != null) {
                rt.release(y0);
            }
        }
    }

    /** {@code A = X Xᵀ}: {@code YᵀY} for tall Y ({@code p × m}), {@code Y Yᵀ} for wide Y ({@code m × q}). */
    private void gram(DevicePointer yOp, int yType, DevicePointer a, int aType, int batch, int p, int q, int m, long mn,
                      long mm, boolean yTall, int ct) {
        if (yTall) {
            gemm(true, false, m, m, p, 1f, yOp, yType, p, mn, yOp, yType, p, mn, 0f, a, aType, m, mm, batch, ct);
        } else {
            gemm(false, true, m, m, q, 1f, yOp, yType, m, mn, yOp, yType, m, mn, 0f, a, aType, m, mm, batch, ct);
        }
    }

    /** {@code Y ← a·Y + Y·B} (tall Y) or {@code Y ← a·Y + B·Y} (wide Y); operands {@code yOp}, {@code bOp}. */
    private void update(DevicePointer yOp, int yType, DevicePointer bOp, int bType, DevicePointer y, int cType, int batch,
                        int p, int q, int m, long mn, long mm, boolean yTall, float alphaA, int ct) {
        if (yTall) {
            gemm(false, false, p, m, m, 1f, yOp, yType, p, mn, bOp, bType, m, mm, alphaA, y, cType, p, mn, batch, ct);
        } else {
            gemm(false, false, m, q, m, 1f, bOp, bType, m, mm, yOp, yType, m, mn, alphaA, y, cType, m, mn, batch, ct);
        }
    }

    /** Column-major {@code C = α·op(P)·op(Q) + β·C}, strided over the batch. */
    private void gemm(boolean transP, boolean transQ, int rows, int cols, int k, float alpha, DevicePointer pm, int pType,
                      int ldp, long sp, DevicePointer qm, int qType, int ldq, long sq, float beta, DevicePointer c, int cType,
                      int ldc, long sc, int batch, int computeType) {
        check(JCublas2.cublasGemmStridedBatchedEx(handle,
                transP ? cublasOperation.CUBLAS_OP_T : cublasOperation.CUBLAS_OP_N,
                transQ ? cublasOperation.CUBLAS_OP_T : cublasOperation.CUBLAS_OP_N,
                rows, cols, k, Pointer.to(new float[]{alpha}), device.pointer(pm), pType, ldp, sp, device.pointer(qm), qType, ldq,
                sq, Pointer.to(new float[]{beta}), device.pointer(c), cType, ldc, sc, batch, computeType,
                cublasGemmAlgo.CUBLAS_GEMM_DEFAULT),
                "cublasGemmStridedBatchedEx(" + rows + "x" + cols + "x" + k + ", batch " + batch + ")");
    }

    private void toBf16(DevicePointer src, DevicePointer dst, long n) {
        int grid = (int) Math.max(1, Math.min(1 << 16, (n + 255) / 256));
        CudaFamilySupport.launch(rt, BASELINES, "bl_f32_to_bf16", grid, 1, 1, 256, 1, 0, src, dst, n);
    }

    private void copy(DevicePointer src, DevicePointer dst, long floats) {
        rt.copyDtoD(dst, src, floats * Float.BYTES, "cuMemcpyDtoDAsync");
    }

    /** Destroys the cuBLAS handle (idempotent). */
    @Override
    public void close() {
        backend.lockedRun(() -> {
            if (!closed) {
                closed = true;
                JCublas2.cublasDestroy(handle);
            }
        });
    }
}
