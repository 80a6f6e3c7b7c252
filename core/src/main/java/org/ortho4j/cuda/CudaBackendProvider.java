package org.ortho4j.cuda;

import java.util.Objects;
import org.ortho4j.BackendKind;
import org.ortho4j.BackendUnavailableException;
import org.ortho4j.spi.Backend;
import org.ortho4j.spi.BackendProvider;

/**
 * Registers the CUDA backend with {@link java.util.ServiceLoader}. The device is {@code -Dortho4j.cuda.device}
 * (default 0) of a {@link CudaDriver} chosen by {@code -Dortho4j.cuda.driver}: absent, {@code jcuda} or
 * {@code native} for the real driver ({@link NativeCudaDriver}, whose probe of JCuda's native library,
 * {@code libcuda.so.1}, {@code cuInit} and the device's compute capability (8.0 or newer) runs once per JVM);
 * {@code emulator} for the tests' PTX interpreter ({@code org.ortho4j.emu.EmulatedCudaDriver}); any other value is
 * the fully qualified name of a {@link CudaDriver} class with a public no-arg constructor.
 * {@link #unavailableReason()} (the driver's reason, the kernel modules on the class path, the device ordinal)
 * never throws.
 */
public final class CudaBackendProvider implements BackendProvider {
    /** System property naming the driver. */
    static final String DRIVER_PROPERTY = "ortho4j.cuda.driver";
    /** The class {@code -Dortho4j.cuda.driver=emulator} names. */
    static final String EMULATOR = "org.ortho4j.emu.EmulatedCudaDriver";

    private final CudaDriver driver;
    /** Why the driver named by the property could not be loaded ({@code driver} is then null). */
    private final String loadFailure;

    /** The provider {@link java.util.ServiceLoader} creates: the driver of {@code -Dortho4j.cuda.driver}. */
    public CudaBackendProvider() {
        String name = System.getProperty(DRIVER_PROPERTY, "").trim();
        CudaDriver d = null;
        String failure = null;
        if (name.isEmpty() || name.equals("jcuda") || name.equals("native") || name.equals(NativeCudaDriver.class.getName())) {
            d = NativeCudaDriver.INSTANCE;
        } else {
            String cls = name.equals("emulator") ? EMULATOR : name;
            try {
                Class<?> c = Class.forName(cls, true, CudaBackendProvider.class.getClassLoader());
                if (!CudaDriver.class.isAssignableFrom(c)) {
                    failure = "-D" + DRIVER_PROPERTY + "=" + name + ": " + cls + " does not implement "
                            + CudaDriver.class.getName();
                } else {
                    d = (CudaDriver) c.getConstructor().newInstance();
                }
            } catch (ClassNotFoundException e) {
                failure = "-D" + DRIVER_PROPERTY + "=" + name + ": class " + cls + " is not on the class path";
            } catch (ReflectiveOperationException | RuntimeException | LinkageError e) {
                Throwable cause = e.getCause() != null ? e.getCause() : e;
                failure = "-D" + DRIVER_PROPERTY + "=" + name + ": cannot create " + cls + ": " + oneLine(cause);
            }
        }
        this.driver = d;
        this.loadFailure = failure;
    }

    /**
     * A provider on {@code driver}, e.g. an emulated device for {@link org.ortho4j.Context#create(BackendProvider)}.
     *
     * @param driver the driver
     */
    public CudaBackendProvider(CudaDriver driver) {
        this.driver = Objects.requireNonNull(driver, "driver");
        this.loadFailure = null;
    }

    @Override
    public BackendKind kind() {
        return BackendKind.CUDA;
    }

    static int ordinal() {
        return Integer.getInteger("ortho4j.cuda.device", 0);
    }

    /** The selected driver; {@code null} when the class named by {@code -Dortho4j.cuda.driver} did not load. */
    CudaDriver driver() {
        return driver;
    }

    @Override
    public String unavailableReason() {
        if (loadFailure != null) {
            return loadFailure;
        }
        try {
            if (!CudaRuntime.hasResource(CudaNewtonSchulz.MODULE + ".fatbin")
                    && !CudaRuntime.hasResource(CudaNewtonSchulz.MODULE + ".ptx")) {
                return "kernel modules missing from the class path (org/ortho4j/cuda/*.fatbin|ptx)";
            }
            String why = driver.unavailableReason();
            if (why != null) {
                return why;
            }
            int count = driver.deviceCount();
            int ord = ordinal();
            if (count == 0) {
                return "no CUDA device";
            }
            if (ord < 0 || ord >= count) {
                return "-Dortho4j.cuda.device=" + ord + " but only " + count + " device(s)";
            }
            return driver.deviceUnavailableReason(ord);
        } catch (LinkageError | RuntimeException e) {
            return "CUDA probe failed: " + oneLine(e);     // drivers should not throw here; one line all the same
        }
    }

    private static String oneLine(Throwable e) {
        return String.valueOf(e).split("\n", 2)[0];
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
            return new CudaBackend(driver, ordinal());
        } catch (RuntimeException | LinkageError e) {
            throw new BackendUnavailableException("cuda backend unavailable: " + e.getMessage(), e);
        }
    }
}
