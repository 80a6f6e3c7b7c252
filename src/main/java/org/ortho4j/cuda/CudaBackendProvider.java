package org.ortho4j.cuda;

import jcuda.driver.CUdevice;
import jcuda.driver.CUdevice_attribute;
import jcuda.driver.CUresult;
import jcuda.driver.JCudaDriver;
import org.ortho4j.BackendKind;
import org.ortho4j.BackendUnavailableException;
import org.ortho4j.spi.Backend;
import org.ortho4j.spi.BackendProvider;

/**
 * Registers the CUDA backend with {@link java.util.ServiceLoader}. The probe (JCuda's native library,
 * {@code libcuda.so.1}, {@code cuInit}, a device of compute capability 8.0 or newer, the kernel modules on the class
 * path) runs once; {@link #unavailableReason()} never throws. The device is {@code -Dortho4j.cuda.device}
 * (default 0).
 */
public final class CudaBackendProvider implements BackendProvider {
    private static volatile String probed;
    private static volatile boolean done;

    @Override
    public BackendKind kind() {
        return BackendKind.CUDA;
    }

    static int ordinal() {
        return Integer.getInteger("ortho4j.cuda.device", 0);
    }

    @Override
    public String unavailableReason() {
        if (!done) {
            synchronized (CudaBackendProvider.class) {
                if (!done) {
                    probed = probe();
                    done = true;
                }
            }
        }
        return probed;
    }

    private static String probe() {
        try {
            if (CudaRuntime.resource(CudaNewtonSchulz.MODULE + ".fatbin") == null
                    && CudaRuntime.resource(CudaNewtonSchulz.MODULE + ".ptx") == null) {
                return "kernel modules missing from the class path (org/ortho4j/cuda/*.fatbin|ptx)";
            }
            JCudaDriver.setExceptionsEnabled(false);
            int r = JCudaDriver.cuInit(0);
            if (r != CUresult.CUDA_SUCCESS) {
                return "cuInit failed: " + CUresult.stringFor(r)
                        + (r == CUresult.CUDA_ERROR_NO_DEVICE ? " (no CUDA device visible)" : "");
            }
            int[] count = new int[1];
            r = JCudaDriver.cuDeviceGetCount(count);
            if (r != CUresult.CUDA_SUCCESS) {
                return "cuDeviceGetCount failed: " + CUresult.stringFor(r);
            }
            int ord = ordinal();
            if (count[0] == 0) {
                return "no CUDA device";
            }
            if (ord < 0 || ord >= count[0]) {
                return "-Dortho4j.cuda.device=" + ord + " but only " + count[0] + " device(s)";
            }
            CUdevice dev = new CUdevice();
            r = JCudaDriver.cuDeviceGet(dev, ord);
            if (r != CUresult.CUDA_SUCCESS) {
                return "cuDeviceGet(" + ord + ") failed: " + CUresult.stringFor(r);
            }
            int[] major = new int[1];
            int[] minor = new int[1];
            JCudaDriver.cuDeviceGetAttribute(major, CUdevice_attribute.CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MAJOR, dev);
            JCudaDriver.cuDeviceGetAttribute(minor, CUdevice_attribute.CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MINOR, dev);
            if (major[0] < 8) {
                byte[] name = new byte[256];
                JCudaDriver.cuDeviceGetName(name, name.length, dev);
                return "device " + ord + " (" + CudaRuntime.cString(name) + ") has compute capability " + major[0] + "."
                        + minor[0] + "; the kernels need 8.0 (sm_80) or newer";
            }
            return null;
        } catch (LinkageError e) {
            return "the JCuda driver library could not be loaded (no NVIDIA driver here?): " + summary(e);
        } catch (RuntimeException e) {
            return "CUDA probe failed: " + e;
        }
    }

    /** The informative line of JCuda's long UnsatisfiedLinkError text (e.g. {@code libcuda.so.1: cannot open ...}). */
    static String summary(Throwable e) {
        String msg = String.valueOf(e.getMessage());
        for (String line : msg.split("\n")) {
            int at = line.indexOf("cannot open shared object file");
            if (at >= 0) {
                int colon = line.lastIndexOf(": ", at - 3);
                return (colon >= 0 ? line.substring(colon + 2) : line).trim();
            }
        }
        String first = msg.split("\n", 2)[0];
        return e.getClass().getSimpleName() + ": " + first;
    }

    @Override
    public Backend create() {
        String why = unavailableReason();
        if (why != null) {
            throw new BackendUnavailableException("cuda backend unavailable: " + why);
        }
        try {
            return new CudaBackend(ordinal());
        } catch (RuntimeException | LinkageError e) {
            throw new BackendUnavailableException("cuda backend unavailable: " + e.getMessage(), e);
        }
    }
}
