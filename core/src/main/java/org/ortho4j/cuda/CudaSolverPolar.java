package org.ortho4j.cuda;

import static org.ortho4j.cuda.CudaFamilySupport.THREADS;
import static org.ortho4j.cuda.CudaFamilySupport.at;
import static org.ortho4j.cuda.CudaFamilySupport.blocks;
import static org.ortho4j.cuda.CudaFamilySupport.launch;

import jcuda.Pointer;
import jcuda.jcusolver.JCusolverDn;
import jcuda.jcusolver.cusolverDnHandle;
import jcuda.jcusolver.cusolverEigMode;
import jcuda.jcusolver.cusolverStatus;
import jcuda.jcusolver.gesvdjInfo;
import jcuda.runtime.cudaStream_t;
import org.ortho4j.MatrixBatch;
import org.ortho4j.Ortho4jException;

/**
 * Exact polar factor of matrices too large for {@code lmo_polar_jacobi}, through cuSOLVER's {@code cusolverDnDgesvdj}
 * (float64 one-sided Jacobi SVD; the batched variant only takes ≤ 32 per side, so one call per matrix):
 * the row-major {@code m × n} matrix {@code d} read as column-major is {@code Y = dᵀ} ({@code n × m});
 * {@code Y = U Σ Vᵀ} (economy), {@code polar(d) = polar(Y)ᵀ}, formed by {@code lmo_polar_from_svd} as
 * {@code Σ_{σ_l > max(m,n)·2⁻⁵²·σ_max} u_l v_lᵀ} in double — the same threshold as {@code CpuPolar}.
 *
 * <p>JCusolver is optional: {@link #create} returns {@code null} (and {@link #unavailableReason} says why) when its
 * native library does not load, and also on any driver but {@link NativeCudaDriver} (cuSOLVER needs the real
 * stream and device pointers). The handle is created once per launcher and bound to the context's stream; it is
 * not destroyed before the process ends (the launcher contract has no close hook).
 */
final class CudaSolverPolar {
    private static volatile String unavailable;
    private final CudaRuntime rt;
    private final NativeCudaDriver.NativeDevice device;
    private final cusolverDnHandle handle;

    private CudaSolverPolar(CudaRuntime rt, NativeCudaDriver.NativeDevice device, cusolverDnHandle handle) {
        this.rt = rt;
        this.device = device;
        this.handle = handle;
    }

    /**
     * A solver bound to {@code rt}'s stream, or {@code null} when JCusolver cannot be loaded here or {@code rt} does
     * not run on the native driver (the caller then takes its Newton–Schulz fallback).
     */
    static CudaSolverPolar create(CudaRuntime rt) {
        NativeCudaDriver.NativeDevice dev = CudaBaselines.nativeDevice(rt);
        if (dev == null || unavailable != null) {
            return null;                                  // not recorded in unavailable: a native context may follow
        }
        try {
            cusolverDnHandle h = new cusolverDnHandle();
            int st = JCusolverDn.cusolverDnCreate(h);
            if (st != cusolverStatus.CUSOLVER_STATUS_SUCCESS) {
                unavailable = "cusolverDnCreate: " + cusolverStatus.stringFor(st);
                return null;
            }
            st = JCusolverDn.cusolverDnSetStream(h, new cudaStream_t(dev.stream()));
            if (st != cusolverStatus.CUSOLVER_STATUS_SUCCESS) {
                JCusolverDn.cusolverDnDestroy(h);
                unavailable = "cusolverDnSetStream: " + cusolverStatus.stringFor(st);
                return null;
            }
            return new CudaSolverPolar(rt, dev, h);
        } catch (LinkageError | RuntimeException e) {
            unavailable = "JCusolver did not load: " + e;
            return null;
        }
    }

    /** Why {@link #create} returned {@code null}, or {@code null} if it has not. */
    static String unavailableReason() {
        return unavailable;
    }

    private static void check(int st, String what) {
        if (st != cusolverStatus.CUSOLVER_STATUS_SUCCESS) {
            throw new Ortho4jException(what + " failed: " + cusolverStatus.stringFor(st));
        }
    }

    /** {@code out = scale·polar(g)} per matrix; g was checked finite; out may be g. */
    void polar(String op, MatrixBatch g, MatrixBatch out, float scale) {
        final int m = g.rows();
        final int n = g.cols();
        final int k = Math.min(m, n);
        final long mn = g.matrixElements();
        // Y = dᵀ is n × m column-major with lda = n
        final int my = n;
        final int ny = m;
        DevicePointer a = rt.scratch(mn * Double.BYTES);
        DevicePointer s = rt.scratch((long) k * Double.BYTES);
        DevicePointer u = rt.scratch((long) my * k * Double.BYTES);
        DevicePointer v = rt.scratch((long) ny * k * Double.BYTES);
        DevicePointer info = rt.scratch((long) g.batch() * Integer.BYTES);
        DevicePointer work = null;
        gesvdjInfo params = new gesvdjInfo();
        check(JCusolverDn.cusolverDnCreateGesvdjInfo(params), "cusolverDnCreateGesvdjInfo");
        try {
            check(JCusolverDn.cusolverDnXgesvdjSetTolerance(params, 0.0), "gesvdjSetTolerance"); // 0: machine precision
            check(JCusolverDn.cusolverDnXgesvdjSetMaxSweeps(params, 100), "gesvdjSetMaxSweeps");
            Pointer ap = device.pointer(a);
            Pointer sp = device.pointer(s);
            Pointer up = device.pointer(u);
            Pointer vp = device.pointer(v);
            int[] lwork = new int[1];
            check(JCusolverDn.cusolverDnDgesvdj_bufferSize(handle, cusolverEigMode.CUSOLVER_EIG_MODE_VECTOR, 1, my, ny, ap, my,
                    sp, up, my, vp, ny, lwork, params), "cusolverDnDgesvdj_bufferSize");
            work = rt.scratch(Math.max(1L, lwork[0]) * Double.BYTES);
            Pointer wp = device.pointer(work);
            for (int b = 0; b < g.batch(); b++) {
                long off = b * mn;
                launch(rt, "lmo", "lmo_to_double", blocks(mn, 4, CudaFamilySupport.MAX_GRID_X), 1, 1, THREADS, 1, 0,
                        at(g, off), a, mn);
                check(JCusolverDn.cusolverDnDgesvdj(handle, cusolverEigMode.CUSOLVER_EIG_MODE_VECTOR, 1, my, ny, ap, my, sp, up,
                        my, vp, ny, wp, lwork[0], device.pointer(info.plus((long) b * Integer.BYTES)), params),
                        "cusolverDnDgesvdj");
                launch(rt, "lmo", "lmo_polar_from_svd", (n + 15) / 16, (m + 15) / 16, 1, 16, 16, 0,
                        u, v, s, m, n, k, scale, at(out, off));
            }
            int[] h = new int[g.batch()];
            rt.copyDtoH(h, 0, info, g.batch(), op); // sync, then a synchronous copy
            for (int b = 0; b < h.length; b++) {
                if (h[b] != 0) {
                    throw new Ortho4jException(op + ": cusolverDnDgesvdj " + (h[b] > 0 ? "did not converge in 100 sweeps"
                            : "rejected parameter " + (-h[b])) + " for matrix " + b + " (" + m + "x" + n + ")");
                }
            }
        } finally {
            JCusolverDn.cusolverDnDestroyGesvdjInfo(params);
            if (work != null) {
                rt.release(work);
            }
            rt.release(info);
            rt.release(v);
            rt.release(u);
            rt.release(s);
            rt.release(a);
        }
    }
}
