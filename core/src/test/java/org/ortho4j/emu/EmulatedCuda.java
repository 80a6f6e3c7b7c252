package org.ortho4j.emu;

import org.ortho4j.Context;
import org.ortho4j.cuda.CudaBackendProvider;

/**
 * Contexts of the CUDA backend on a fresh emulated device: the backend's own launchers, pool and PTX resources,
 * every kernel run by the interpreter with all checks on. What the test batteries under {@code org.ortho4j}
 * named {@code Emulated*Test} run on.
 */
public final class EmulatedCuda {
    private EmulatedCuda() {
    }

    /** A CUDA context on a new emulated device (modules decode once per JVM, devices are cheap). */
    public static Context context() {
        return Context.create(new CudaBackendProvider(new EmulatedCudaDriver()));
    }

    /** A CUDA context and the emulated device under it. */
    public static Opened open() {
        EmulatedCudaDriver driver = new EmulatedCudaDriver();
        Context ctx = Context.create(new CudaBackendProvider(driver));
        return new Opened(ctx, driver.lastOpened());
    }

    /** A context with its device (for the interpreter's statistics). */
    public static final class Opened {
        public final Context context;
        public final EmulatedDevice device;

        Opened(Context context, EmulatedDevice device) {
            this.context = context;
            this.device = device;
        }
    }
}
