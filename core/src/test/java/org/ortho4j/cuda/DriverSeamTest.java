package org.ortho4j.cuda;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.ortho4j.BackendKind;
import org.ortho4j.BackendUnavailableException;
import org.ortho4j.Context;
import org.ortho4j.MatrixBatch;

/**
 * CPU-only checks of the driver seam: no class but {@link NativeCudaDriver} touches JCuda's driver API, the
 * provider selects and reports drivers (a driver class that does not load, a fake driver that is unavailable),
 * and the backend runs its device lifecycle (open, description, pool, close) through {@link CudaDriver} alone.
 */
class DriverSeamTest {
    private static final String[] SOURCES = {"src/main/java", "../jmh/src/main/java", "../tests-gpu/src/test/java"};

    @Test
    void onlyNativeCudaDriverTouchesTheJCudaDriverApi() throws IOException {
        Path base = Path.of(System.getProperty("basedir", "."));
        List<String> offending = new ArrayList<>();
        boolean nativeSeen = false;
        for (String dir : SOURCES) {
            Path root = base.resolve(dir);
            assertTrue(Files.isDirectory(root), "source directory " + root.toAbsolutePath() + " (basedir " + base + ")");
            try (Stream<Path> files = Files.walk(root)) {
                for (Path f : (Iterable<Path>) files.filter(p -> p.toString().endsWith(".java"))::iterator) {
                    String text = Files.readString(f);
                    boolean touches = text.contains("JCudaDriver") || text.contains("jcuda.driver.");
                    if (f.getFileName().toString().equals("NativeCudaDriver.java")) {
                        nativeSeen = touches;
                    } else if (touches) {
                        offending.add(base.relativize(f).toString());
                    }
                }
            }
        }
        assertTrue(nativeSeen, "NativeCudaDriver.java not found or not calling JCudaDriver: the scan looks in the wrong place");
        assertTrue(offending.isEmpty(), "JCudaDriver / jcuda.driver. outside NativeCudaDriver.java: " + offending);
    }

    @Test
    void theDefaultAndTheNativeNamesSelectTheNativeDriver() {
        for (String v : new String[]{null, "jcuda", "native", " native ", NativeCudaDriver.class.getName()}) {
            withProperty(CudaBackendProvider.DRIVER_PROPERTY, v,
                    () -> assertSame(NativeCudaDriver.INSTANCE, new CudaBackendProvider().driver(), String.valueOf(v)));
        }
    }

    @Test
    void aDriverClassThatDoesNotLoadIsReportedInOneLine() {
        String missing = "org.ortho4j.nowhere.NoSuchDriver";
        CudaBackendProvider[] p = new CudaBackendProvider[1];
        withProperty(CudaBackendProvider.DRIVER_PROPERTY, missing, () -> p[0] = new CudaBackendProvider());
        String why = p[0].unavailableReason();
        assertNotNull(why);
        assertFalse(why.contains("\n"), why);
        assertTrue(why.contains(missing) && why.contains(CudaBackendProvider.DRIVER_PROPERTY), why);
        assertEquals(why, p[0].unavailableReason(), "stable");
        BackendUnavailableException e = assertThrows(BackendUnavailableException.class, () -> Context.create(p[0]));
        assertTrue(e.getMessage().contains(why), e.getMessage());
        e = assertThrows(BackendUnavailableException.class, p[0]::create);
        assertTrue(e.getMessage().contains(why), e.getMessage());

        // a class that is not a CudaDriver
        withProperty(CudaBackendProvider.DRIVER_PROPERTY, "java.lang.String", () -> p[0] = new CudaBackendProvider());
        assertTrue(p[0].unavailableReason().contains("does not implement"), p[0].unavailableReason());
    }

    @Test
    void emulatorNamesTheEmulatedDriver() {
        CudaBackendProvider[] p = new CudaBackendProvider[1];
        withProperty(CudaBackendProvider.DRIVER_PROPERTY, "emulator", () -> p[0] = new CudaBackendProvider());
        assertTrue(p[0].driver() != null, "the emulator is on the test class path: " + p[0].unavailableReason());
        assertEquals(CudaBackendProvider.EMULATOR, p[0].driver().getClass().getName());
        assertEquals(null, p[0].unavailableReason());
    }

    /** cuBLAS and cuSOLVER cannot be emulated: on the emulated device the baselines say so and do not start. */
    @Test
    void vendorBaselinesAreUnavailableOnTheEmulatedDevice() {
        try (org.ortho4j.Context c = org.ortho4j.emu.EmulatedCuda.context()) {
            String blas = CublasNewtonSchulz.unavailableReason(c);
            String solver = CusolverSvdPolar.unavailableReason(c);
            assertTrue(blas != null && blas.contains("native CUDA driver") && blas.contains("emulator"), blas);
            assertTrue(solver != null && solver.contains("native CUDA driver"), solver);
            assertThrows(org.ortho4j.BackendUnavailableException.class, () -> CublasNewtonSchulz.create(c));
        }
    }

    @Test
    void anUnavailableDriverIsReportedAndNeverOpened() {
        FakeDriver fake = new FakeDriver("fake: no device in this test", 0);
        CudaBackendProvider p = new CudaBackendProvider(fake);
        assertEquals("fake: no device in this test", p.unavailableReason());
        BackendUnavailableException e = assertThrows(BackendUnavailableException.class, () -> Context.create(p));
        assertEquals("cuda backend unavailable: fake: no device in this test", e.getMessage());
        assertThrows(BackendUnavailableException.class, p::create);
        assertTrue(fake.calls.stream().noneMatch(c -> c.startsWith("open")), fake.calls.toString());
    }

    @Test
    void theProviderChecksTheDeviceCountAndOrdinal() {
        assertEquals("no CUDA device", new CudaBackendProvider(new FakeDriver(null, 0)).unavailableReason());
        withProperty("ortho4j.cuda.device", "3", () -> assertEquals("-Dortho4j.cuda.device=3 but only 2 device(s)",
                new CudaBackendProvider(new FakeDriver(null, 2)).unavailableReason()));
        FakeDriver old = new FakeDriver(null, 1);
        old.deviceReason = "device 0 is too old";
        assertEquals("device 0 is too old", new CudaBackendProvider(old).unavailableReason());
    }

    @Test
    void aFailingOpenBecomesBackendUnavailable() {
        FakeDriver fake = new FakeDriver(null, 1);
        fake.openFailure = new CudaDriverException("cuDevicePrimaryCtxRetain", 999, "CUDA_ERROR_UNKNOWN");
        BackendUnavailableException e = assertThrows(BackendUnavailableException.class,
                () -> Context.create(new CudaBackendProvider(fake)));
        assertEquals("cuda backend unavailable: cuda: cuDevicePrimaryCtxRetain failed: CUDA_ERROR_UNKNOWN", e.getMessage());
    }

    @Test
    void aContextRunsItsDeviceLifecycleThroughTheDriver() {
        for (boolean exact : new boolean[]{false, true}) {
            FakeDriver fake = new FakeDriver(null, 1);
            fake.exact = exact;
            try (Context ctx = Context.create(new CudaBackendProvider(fake))) {
                assertEquals(BackendKind.CUDA, ctx.kind());
                assertEquals("cuda: Fake GPU (sm_90), driver 12.4", ctx.description());
                assertEquals("provider CudaBackendProvider requested", ctx.selectionReason());
                assertSame(fake, ((CudaBackend) ctx.backend()).driver());
                assertEquals("cuBLAS needs the native CUDA driver; this context runs on fake",
                        CublasNewtonSchulz.unavailableReason(ctx));
                assertEquals("cuSOLVER needs the native CUDA driver; this context runs on fake",
                        CusolverSvdPolar.unavailableReason(ctx));
                CudaRuntime rt = ((CudaBackend) ctx.backend()).runtime();
                assertNull(CudaSolverPolar.create(rt), "no cuSOLVER on a non-native device: Newton–Schulz fallback");
                try (MatrixBatch m = ctx.allocate(1, 10, 100)) {     // 4000 bytes: size class 4096 unless exact
                    assertEquals(1000, m.elements());
                    assertEquals(List.of("open 0", "allocate " + (exact ? 4000 : CudaRuntime.sizeClass(4000))),
                            fake.calls.subList(0, 2));
                }
                try (MatrixBatch m = ctx.allocate(1, 10, 100)) {
                    assertEquals(1000, m.elements());
                    assertEquals(2, fake.calls.size(), "the pool reuses the block: " + fake.calls);
                }
            }
            assertEquals(List.of("synchronize", "free", "close"), fake.calls.subList(2, fake.calls.size()));
        }
    }

    /** Runs {@code body} with the system property {@code key} set to {@code value} (null: cleared), then restores it. */
    private static void withProperty(String key, String value, Runnable body) {
        String old = System.getProperty(key);
        try {
            if (value == null) {
                System.clearProperty(key);
            } else {
                System.setProperty(key, value);
            }
            body.run();
        } finally {
            if (old == null) {
                System.clearProperty(key);
            } else {
                System.setProperty(key, old);
            }
        }
    }

    /**
     * A recording stub: a fixed availability, one device ({@code Fake GPU}, sm_90, driver 12.4) whose memory calls
     * hand out addresses and are recorded; kernels and copies are not supported.
     */
    static final class FakeDriver implements CudaDriver {
        final List<String> calls = new ArrayList<>();
        private final String reason;
        private final int count;
        String deviceReason;
        CudaDriverException openFailure;
        boolean exact;

        FakeDriver(String reason, int count) {
            this.reason = reason;
            this.count = count;
        }

        @Override
        public String name() {
            return "fake";
        }

        @Override
        public String unavailableReason() {
            return reason;
        }

        @Override
        public int deviceCount() {
            return count;
        }

        @Override
        public String deviceUnavailableReason(int ordinal) {
            return deviceReason;
        }

        @Override
        public Device open(int ordinal) {
            calls.add("open " + ordinal);
            if (openFailure != null) {
                throw openFailure;
            }
            return new FakeDevice();
        }

        private final class FakeDevice implements Device {
            private long next = 0x10000;

            @Override
            public String name() {
                return "Fake GPU";
            }

            @Override
            public int attribute(Attribute attribute) {
                switch (attribute) {
                    case COMPUTE_CAPABILITY_MAJOR:
                        return 9;
                    case COMPUTE_CAPABILITY_MINOR:
                        return 0;
                    default:
                        throw new UnsupportedOperationException(attribute.name());
                }
            }

            @Override
            public int driverVersion() {
                return 12040;
            }

            @Override
            public void makeCurrent() {
            }

            @Override
            public Module loadModule(byte[] image) {
                throw new UnsupportedOperationException("loadModule");
            }

            @Override
            public DevicePointer allocate(long bytes) {
                calls.add("allocate " + bytes);
                DevicePointer p = new DevicePointer(next);
                next += bytes + 256;
                return p;
            }

            @Override
            public void free(DevicePointer p) {
                calls.add("free");
            }

            @Override
            public boolean exactAllocations() {
                return exact;
            }

            @Override
            public long[] memoryInfo() {
                return new long[]{1L << 30, 1L << 31};
            }

            @Override
            public void memsetD8(DevicePointer dst, byte value, long bytes) {
                throw new UnsupportedOperationException("memsetD8");
            }

            @Override
            public void memsetD32(DevicePointer dst, int value, long n) {
                throw new UnsupportedOperationException("memsetD32");
            }

            @Override
            public void copyDtoD(DevicePointer dst, DevicePointer src, long bytes) {
                throw new UnsupportedOperationException("copyDtoD");
            }

            @Override
            public void copyHtoD(DevicePointer dst, Object src, int offset, int n) {
                throw new UnsupportedOperationException("copyHtoD");
            }

            @Override
            public void copyDtoH(Object dst, int offset, DevicePointer src, int n) {
                throw new UnsupportedOperationException("copyDtoH");
            }

            @Override
            public void launch(Function f, int gridX, int gridY, int gridZ, int blockX, int blockY, int blockZ,
                               int sharedBytes, Object... args) {
                throw new UnsupportedOperationException("launch");
            }

            @Override
            public void synchronize() {
                calls.add("synchronize");
            }

            @Override
            public void close() {
                calls.add("close");
            }
        }
    }
}
