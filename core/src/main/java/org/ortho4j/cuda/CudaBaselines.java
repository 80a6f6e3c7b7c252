package org.ortho4j.cuda;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;

/**
 * Availability probes for the optional vendor-library baselines (cuBLAS, cuSOLVER), each reported as available
 * ({@code null}) or not with the reason; never throws.
 *
 * <p>JCusolver 11.7.0 with jcuda 12.6.0 on the class path looks its native library up as
 * {@code JCusolver-12.6.0-linux-x86_64}, but its natives jar holds {@code libJCusolver-11.7.0-linux-x86_64.so}:
 * {@link #cusolverUnavailableReason()} first extracts that file to a temp directory under the expected name and
 * {@code System.load}s it, so no user action is needed (on a CUDA-13-only machine {@code libcusolver.so.11} must
 * still come from the forwarders of {@code shared/tools/jcuda-cuda13}). UNVERIFIED without a GPU: JCuda's
 * {@code LibUtils} may still insist on finding the library by name; the bundle's {@code run.sh} also puts the
 * forwarders' directory, which holds a copy under the 12.6.0 name, on {@code java.library.path}.
 *
 * <p>The vendor libraries run on the real driver only: the probes ask {@link NativeCudaDriver}, whatever
 * {@code -Dortho4j.cuda.driver} selects, and a context on any other driver (the emulator) reports the baselines
 * unavailable ({@link #nativeOnly}).
 */
public final class CudaBaselines {
    private static volatile String cublas;
    private static volatile String cusolver;

    private CudaBaselines() {
    }

    /**
     * Whether JCublas2 loads and a cuBLAS handle can be created.
     *
     * @return {@code null} when they do, else why not
     */
    public static synchronized String cublasUnavailableReason() {
        if (cublas == null) {
            cublas = probeCublas();
        }
        return cublas.isEmpty() ? null : cublas;
    }

    /**
     * Whether JCusolver loads and a cusolverDn handle can be created.
     *
     * @return {@code null} when they do, else why not
     */
    public static synchronized String cusolverUnavailableReason() {
        if (cusolver == null) {
            cusolver = probeCusolver();
        }
        return cusolver.isEmpty() ? null : cusolver;
    }

    /**
     * {@code null} when {@code backend} runs on {@link NativeCudaDriver}, else why {@code library} (cuBLAS,
     * cuSOLVER) cannot run on it: the vendor libraries take the real driver's stream and device pointers.
     */
    static String nativeOnly(String library, CudaBackend backend) {
        CudaDriver d = backend.driver();
        return d instanceof NativeCudaDriver ? null
                : library + " needs the native CUDA driver; this context runs on " + d.name();
    }

    /** The native device of {@code rt}, or {@code null} when it runs on another driver. */
    static NativeCudaDriver.NativeDevice nativeDevice(CudaRuntime rt) {
        return rt.device() instanceof NativeCudaDriver.NativeDevice ? (NativeCudaDriver.NativeDevice) rt.device() : null;
    }

    private static String probeCublas() {
        String dev = new CudaBackendProvider(NativeCudaDriver.INSTANCE).unavailableReason();
        if (dev != null) {
            return "no CUDA device: " + dev;
        }
        try {
            jcuda.jcublas.cublasHandle h = new jcuda.jcublas.cublasHandle();
            int r = jcuda.jcublas.JCublas2.cublasCreate(h);
            if (r != 0) {
                return "cublasCreate failed: " + jcuda.jcublas.cublasStatus.stringFor(r);
            }
            jcuda.jcublas.JCublas2.cublasDestroy(h);
            return "";
        } catch (LinkageError | RuntimeException e) {
            return "JCublas2 unavailable (libcublas.so.12 missing? see shared/tools/jcuda-cuda13): "
                    + CudaBackendProvider.summary(e);
        }
    }

    private static String probeCusolver() {
        String dev = new CudaBackendProvider(NativeCudaDriver.INSTANCE).unavailableReason();
        if (dev != null) {
            return "no CUDA device: " + dev;
        }
        try {
            String why = loadCusolverNative();
            if (why != null) {
                return why;
            }
            jcuda.jcusolver.cusolverDnHandle h = new jcuda.jcusolver.cusolverDnHandle();
            int r = jcuda.jcusolver.JCusolverDn.cusolverDnCreate(h);
            if (r != 0) {
                return "cusolverDnCreate failed: " + jcuda.jcusolver.cusolverStatus.stringFor(r);
            }
            jcuda.jcusolver.JCusolverDn.cusolverDnDestroy(h);
            return "";
        } catch (LinkageError | RuntimeException e) {
            return "JCusolver unavailable (libcusolver.so.11 missing? see shared/tools/jcuda-cuda13): "
                    + CudaBackendProvider.summary(e);
        }
    }

    /**
     * Loads {@code lib/libJCusolver-11.7.0-linux-x86_64.so} from the natives jar, copied to a temp directory as
     * {@code libJCusolver-12.6.0-linux-x86_64.so}, unless that name already loads from {@code java.library.path}.
     */
    static String loadCusolverNative() {
        try {
            System.loadLibrary("JCusolver-12.6.0-linux-x86_64");
            return null;
        } catch (UnsatisfiedLinkError notOnPath) {
            // extract below
        }
        try (InputStream in = CudaBaselines.class.getResourceAsStream("/lib/libJCusolver-11.7.0-linux-x86_64.so")) {
            if (in == null) {
                return "jcusolver-natives 11.7.0 (linux-x86_64) is not on the class path";
            }
            Path dir = Files.createTempDirectory("ortho4j-jcusolver");
            Path so = dir.resolve("libJCusolver-12.6.0-linux-x86_64.so");
            Files.copy(in, so, StandardCopyOption.REPLACE_EXISTING);
            so.toFile().deleteOnExit();
            dir.toFile().deleteOnExit();
            System.load(so.toString());
            return null;
        } catch (IOException e) {
            return "cannot extract the JCusolver native: " + e;
        } catch (UnsatisfiedLinkError e) {
            return "the JCusolver native does not load: " + CudaBackendProvider.summary(e);
        }
    }
}
