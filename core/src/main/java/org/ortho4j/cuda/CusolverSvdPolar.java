package org.ortho4j.cuda;

import jcuda.Pointer;
import jcuda.cudaDataType;
import jcuda.jcublas.JCublas2;
import jcuda.jcublas.cublasHandle;
import jcuda.jcublas.cublasMath;
import jcuda.jcublas.cublasOperation;
import jcuda.jcublas.cublasStatus;
import jcuda.jcusolver.JCusolverDn;
import jcuda.jcusolver.cusolverDnHandle;
import jcuda.jcusolver.cusolverDnParams;
import jcuda.jcusolver.cusolverEigMode;
import jcuda.jcusolver.cusolverStatus;
import jcuda.jcusolver.gesvdjInfo;
import jcuda.runtime.cudaStream_t;
import org.ortho4j.BackendUnavailableException;
import org.ortho4j.Context;
import org.ortho4j.MatrixBatch;
import org.ortho4j.Ortho4jException;

/**
 * Baseline: the polar factor {@code U Vᵀ} of each matrix through a cuSOLVER float32 SVD, for JMH
 * {@code GpuPolarBench} to compare ortho4j's polar and Newton–Schulz paths against; not used by the library.
 *
 * <p>Layout: the row-major {@code rows × cols} buffer read column-major is {@code Y = Gᵀ}; {@code polar(G)} stored
 * row-major is {@code polar(Y)} column-major. The SVD runs on the tall one of {@code Y} and {@code Yᵀ} ({@code T},
 * {@code mt × k}, {@code mt ≥ k}), copied into a work buffer (the solvers overwrite their input; {@code Yᵀ} by
 * {@code cublasSgeam} per matrix): {@code T = U Σ Vᵀ} (economy), {@code polar(T) = U Vᵀ}; the result is
 * {@code U Vᵀ} when {@code T = Y} (G wide) and {@code V Uᵀ} when {@code T = Yᵀ} (G tall), formed by one
 * {@code cublasSgemmStridedBatched} (fp32, no tensor-core shortcut) straight into {@code out}.
 * Singular values are not thresholded (every singular pair counts; fine for the random full-rank inputs of the
 * benchmark).
 *
 * <p>Methods:
 * <ul>
 * <li>{@link Method#GESVDJ}: {@code cusolverDnSgesvdjBatched} (one call) when both sides are ≤ 32, else
 *     {@code cusolverDnSgesvdj} per matrix (tolerance: cuSOLVER's default, machine precision; ≤ 100 sweeps).</li>
 * <li>{@link Method#GESVD}: {@code cusolverDnSgesvd} (QR-based bidiagonalisation) per matrix.</li>
 * <li>{@link Method#GESVDP}: {@code cusolverDnXgesvdp} (polar-decomposition-based SVD, 64-bit API,
 *     {@code CUDA_R_32F}) per matrix.</li>
 * </ul>
 * Convergence failures ({@code info ≠ 0}) throw {@link Ortho4jException} after the stream has finished.
 */
public final class CusolverSvdPolar implements AutoCloseable {
    /** Which cuSOLVER SVD computes the factors. */
    public enum Method {
        /** Jacobi SVD ({@code gesvdj}, batched when both sides are ≤ 32). */
        GESVDJ,
        /** QR-based SVD ({@code gesvd}). */
        GESVD,
        /** Polar-decomposition-based SVD ({@code Xgesvdp}). */
        GESVDP
    }

    private final CudaBackend backend;
    private final CudaRuntime rt;
    private final NativeCudaDriver.NativeDevice device;
    private final cusolverDnHandle solver;
    private final cublasHandle blas;
    private boolean closed;

    private CusolverSvdPolar(CudaBackend backend, cusolverDnHandle solver, cublasHandle blas) {
        this.backend = backend;
        this.rt = backend.runtime();
        this.device = CudaBaselines.nativeDevice(rt);
        this.solver = solver;
        this.blas = blas;
    }

    /**
     * Whether the cuSOLVER baseline can run on {@code ctx} (a CUDA context on the native driver).
     *
     * @param ctx the context
     * @return {@code null} when it can, else why not
     */
    public static String unavailableReason(Context ctx) {
        if (!(ctx.backend() instanceof CudaBackend)) {
            return "not a CUDA context (" + ctx.description() + ")";
        }
        String why = CudaBaselines.nativeOnly("cuSOLVER", (CudaBackend) ctx.backend());
        if (why != null) {
            return why;
        }
        why = CudaBaselines.cusolverUnavailableReason();
        if (why != null) {
            return why;
        }
        return CudaBaselines.cublasUnavailableReason();
    }

    /**
     * Handles bound to {@code ctx}'s stream.
     *
     * @param ctx a CUDA context on the native driver
     * @return the baseline (close it to destroy the handles)
     * @throws BackendUnavailableException with the reason when {@link #unavailableReason(Context)} is not null
     */
    public static CusolverSvdPolar create(Context ctx) {
        String why = unavailableReason(ctx);
        if (why != null) {
            throw new BackendUnavailableException("cuSOLVER polar baseline unavailable: " + why);
        }
        CudaBackend be = (CudaBackend) ctx.backend();
        return be.locked(() -> {
            cudaStream_t s = new cudaStream_t(CudaBaselines.nativeDevice(be.runtime()).stream());
            cusolverDnHandle h = new cusolverDnHandle();
            checkSolver(JCusolverDn.cusolverDnCreate(h), "cusolverDnCreate");
            checkSolver(JCusolverDn.cusolverDnSetStream(h, s), "cusolverDnSetStream");
            cublasHandle b = new cublasHandle();
            checkBlas(JCublas2.cublasCreate(b), "cublasCreate");
            checkBlas(JCublas2.cublasSetStream(b, s), "cublasSetStream");
            checkBlas(JCublas2.cublasSetMathMode(b, cublasMath.CUBLAS_DEFAULT_MATH), "cublasSetMathMode");
            return new CusolverSvdPolar(be, h, b);
        });
    }

    private static void checkSolver(int st, String call) {
        if (st != cusolverStatus.CUSOLVER_STATUS_SUCCESS) {
            throw new Ortho4jException("cusolver: " + call + " failed: " + cusolverStatus.stringFor(st));
        }
    }

    private static void checkBlas(int st, String call) {
        if (st != cublasStatus.CUBLAS_STATUS_SUCCESS) {
            throw new Ortho4jException("cublas: " + call + " failed: " + cublasStatus.stringFor(st));
        }
    }

    /**
     * {@code out = polar(g)} per matrix by {@code method}. Returns when done.
     *
     * @param method which cuSOLVER SVD
     * @param g      input, a batch of the same context, not modified (unless it is {@code out})
     * @param out    output, same shape as {@code g}; may be {@code g}
     */
    public void run(Method method, MatrixBatch g, MatrixBatch out) {
        if (g.batch() != out.batch() || g.rows() != out.rows() || g.cols() != out.cols()) {
            throw new IllegalArgumentException("cusolver polar: out " + out.shape() + " must have g's shape " + g.shape());
        }
        backend.lockedRun(() -> {
            if (closed) {
                throw new IllegalStateException("cusolver polar baseline is closed");
            }
            polar(method, g, out);
        });
    }

    private void polar(Method method, MatrixBatch g, MatrixBatch out) {
        final int batch = g.batch();
        final int p = g.cols();              // Y = Gᵀ column-major, p × q
        final int q = g.rows();
        final boolean direct = p >= q;       // T = Y (tall) or Yᵀ
        final int mt = Math.max(p, q);
        final int k = Math.min(p, q);
        final long tk = (long) mt * k;
        final long kk = (long) k * k;
        DevicePointer t = rt.scratch(batch * tk * Float.BYTES);
        DevicePointer s = rt.scratch((long) batch * k * Float.BYTES);
        DevicePointer u = rt.scratch(batch * tk * Float.BYTES);
        DevicePointer v = rt.scratch(batch * kk * Float.BYTES);
        DevicePointer info = rt.scratch((long) batch * Integer.BYTES);
        try {
            DevicePointer gp = CudaRuntime.ptr(g);
            if (direct) {
                rt.copyDtoD(t, gp, batch * tk * Float.BYTES, "cuMemcpyDtoDAsync(T)");
            } else {
                Pointer one = Pointer.to(new float[]{1f});
                Pointer zero = Pointer.to(new float[]{0f});
                for (int b = 0; b < batch; b++) {      // T_b = Y_bᵀ (mt × k, ld mt); Y_b is k × mt, ld k
                    Pointer tb = off(t, b * tk);
                    checkBlas(JCublas2.cublasSgeam(blas, cublasOperation.CUBLAS_OP_T, cublasOperation.CUBLAS_OP_N, mt, k,
                            one, off(gp, b * tk), k, zero, tb, mt, tb, mt), "cublasSgeam");
                }
            }
            boolean vIsTransposed;                      // gesvd gives Vᵀ, the others V (both k × k, ld k)
            switch (method) {
                case GESVDJ:
                    gesvdj(t, s, u, v, info, batch, mt, k, tk, kk);
                    vIsTransposed = false;
                    break;
                case GESVD:
                    gesvd(t, s, u, v, info, batch, mt, k, tk, kk);
                    vIsTransposed = true;
                    break;
                case GESVDP:
                    gesvdp(t, s, u, v, info, batch, mt, k, tk, kk);
                    vIsTransposed = false;
                    break;
                default:
                    throw new IllegalArgumentException("unknown method " + method);
            }
            Pointer one = Pointer.to(new float[]{1f});
            Pointer zero = Pointer.to(new float[]{0f});
            Pointer o = device.pointer(CudaRuntime.ptr(out));
            if (direct) {   // out = U·Vᵀ (mt × k)
                checkBlas(JCublas2.cublasSgemmStridedBatched(blas, cublasOperation.CUBLAS_OP_N,
                        vIsTransposed ? cublasOperation.CUBLAS_OP_N : cublasOperation.CUBLAS_OP_T, mt, k, k, one,
                        device.pointer(u), mt, tk, device.pointer(v), k, kk, zero, o, mt, tk, batch),
                        "cublasSgemmStridedBatched(U Vᵀ)");
            } else {        // out = V·Uᵀ (k × mt)
                checkBlas(JCublas2.cublasSgemmStridedBatched(blas,
                        vIsTransposed ? cublasOperation.CUBLAS_OP_T : cublasOperation.CUBLAS_OP_N, cublasOperation.CUBLAS_OP_T,
                        k, mt, k, one, device.pointer(v), k, kk, device.pointer(u), mt, tk, zero, o, k, tk, batch),
                        "cublasSgemmStridedBatched(V Uᵀ)");
            }
            int[] h = new int[batch];
            rt.copyDtoH(h, 0, info, batch, "cusolver polar " + method + " " + g.shape(), "cuMemcpyDtoH(info)"); // sync, copy
            for (int b = 0; b < batch; b++) {
                if (h[b] != 0) {
                    throw new Ortho4jException("cusolver polar " + method + ": info " + h[b] + " for matrix " + b + " ("
                            + g.rows() + "x" + g.cols() + ")");
                }
            }
        } finally {
            rt.release(info);
            rt.release(v);
            rt.release(u);
            rt.release(s);
            rt.release(t);
        }
    }

    private void gesvdj(DevicePointer t, DevicePointer s, DevicePointer u, DevicePointer v, DevicePointer info, int batch, int mt,
                        int k, long tk, long kk) {
        final int jobz = cusolverEigMode.CUSOLVER_EIG_MODE_VECTOR;
        gesvdjInfo params = new gesvdjInfo();
        checkSolver(JCusolverDn.cusolverDnCreateGesvdjInfo(params), "cusolverDnCreateGesvdjInfo");
        DevicePointer work = null;
        try {
            int[] lwork = new int[1];
            if (mt <= 32) {
                checkSolver(JCusolverDn.cusolverDnSgesvdjBatched_bufferSize(solver, jobz, mt, k, off(t, 0), mt, off(s, 0),
                        off(u, 0), mt, off(v, 0), k, lwork, params, batch), "cusolverDnSgesvdjBatched_bufferSize");
                work = rt.scratch(Math.max(1L, lwork[0]) * Float.BYTES);
                checkSolver(JCusolverDn.cusolverDnSgesvdjBatched(solver, jobz, mt, k, off(t, 0), mt, off(s, 0), off(u, 0), mt,
                        off(v, 0), k, off(work, 0), lwork[0], device.pointer(info), params, batch), "cusolverDnSgesvdjBatched");
                return;
            }
            checkSolver(JCusolverDn.cusolverDnSgesvdj_bufferSize(solver, jobz, 1, mt, k, off(t, 0), mt, off(s, 0), off(u, 0), mt,
                    off(v, 0), k, lwork, params), "cusolverDnSgesvdj_bufferSize");
            work = rt.scratch(Math.max(1L, lwork[0]) * Float.BYTES);
            for (int b = 0; b < batch; b++) {
                checkSolver(JCusolverDn.cusolverDnSgesvdj(solver, jobz, 1, mt, k, off(t, b * tk), mt, off(s, (long) b * k),
                        off(u, b * tk), mt, off(v, b * kk), k, off(work, 0), lwork[0], infoAt(info, b), params),
                        "cusolverDnSgesvdj");
            }
        } finally {
            rt.synchronize("cusolver gesvdj");   // params and work are in use until the stream is done
            JCusolverDn.cusolverDnDestroyGesvdjInfo(params);
            if (work != null) {
                rt.release(work);
            }
        }
    }

    private void gesvd(DevicePointer t, DevicePointer s, DevicePointer u, DevicePointer vt, DevicePointer info, int batch, int mt,
                       int k, long tk, long kk) {
        int[] lwork = new int[1];
        checkSolver(JCusolverDn.cusolverDnSgesvd_bufferSize(solver, mt, k, lwork), "cusolverDnSgesvd_bufferSize");
        DevicePointer work = rt.scratch(Math.max(1L, lwork[0]) * Float.BYTES);
        try {
            for (int b = 0; b < batch; b++) {
                checkSolver(JCusolverDn.cusolverDnSgesvd(solver, 'S', 'S', mt, k, off(t, b * tk), mt, off(s, (long) b * k),
                        off(u, b * tk), mt, off(vt, b * kk), k, off(work, 0), lwork[0], device.pointer(DevicePointer.NULL),
                        infoAt(info, b)), "cusolverDnSgesvd");
            }
        } finally {
            rt.synchronize("cusolver gesvd");
            rt.release(work);
        }
    }

    private void gesvdp(DevicePointer t, DevicePointer s, DevicePointer u, DevicePointer v, DevicePointer info, int batch, int mt,
                        int k, long tk, long kk) {
        final int f32 = cudaDataType.CUDA_R_32F;
        final int jobz = cusolverEigMode.CUSOLVER_EIG_MODE_VECTOR;
        cusolverDnParams params = new cusolverDnParams();
        checkSolver(JCusolverDn.cusolverDnCreateParams(params), "cusolverDnCreateParams");
        DevicePointer work = null;
        Pointer host = null;
        try {
            long[] dBytes = new long[1];
            long[] hBytes = new long[1];
            checkSolver(JCusolverDn.cusolverDnXgesvdp_bufferSize(solver, params, jobz, 1, mt, k, f32, off(t, 0), mt, f32,
                    off(s, 0), f32, off(u, 0), mt, f32, off(v, 0), k, f32, dBytes, hBytes), "cusolverDnXgesvdp_bufferSize");
            work = rt.scratch(Math.max(1L, dBytes[0]));
            try {
                host = device.allocateHost(Math.max(1L, hBytes[0]));
            } catch (CudaDriverException e) {
                throw rt.failed("cuMemAllocHost(gesvdp host workspace)", e);
            }
            double[] errSigma = new double[1];
            for (int b = 0; b < batch; b++) {
                checkSolver(JCusolverDn.cusolverDnXgesvdp(solver, params, jobz, 1, mt, k, f32, off(t, b * tk), mt, f32,
                        off(s, (long) b * k), f32, off(u, b * tk), mt, f32, off(v, b * kk), k, f32, off(work, 0), dBytes[0],
                        host, hBytes[0], infoAt(info, b), Pointer.to(errSigma)), "cusolverDnXgesvdp");
            }
        } finally {
            rt.synchronize("cusolver gesvdp");
            JCusolverDn.cusolverDnDestroyParams(params);
            if (work != null) {
                rt.release(work);
            }
            if (host != null) {
                try {
                    device.freeHost(host);
                } catch (CudaDriverException ignored) {
                    // as cuMemFreeHost's status always was: nothing to do about it in a finally
                }
            }
        }
    }

    /** The cuSOLVER/cuBLAS handle of {@code floats} floats past {@code p}. */
    private Pointer off(DevicePointer p, long floats) {
        return device.pointer(p.plus(floats * Float.BYTES));
    }

    /** The handle of matrix {@code b}'s {@code info} word. */
    private Pointer infoAt(DevicePointer info, int b) {
        return device.pointer(info.plus((long) b * Integer.BYTES));
    }

    /** Destroys the handles (idempotent). */
    @Override
    public void close() {
        backend.lockedRun(() -> {
            if (!closed) {
                closed = true;
                JCublas2.cublasDestroy(blas);
                JCusolverDn.cusolverDnDestroy(solver);
            }
        });
    }
}
