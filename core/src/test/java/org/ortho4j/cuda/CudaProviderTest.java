package org.ortho4j.cuda;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ServiceLoader;
import org.junit.jupiter.api.Test;
import org.ortho4j.BackendKind;
import org.ortho4j.BackendUnavailableException;
import org.ortho4j.Context;
import org.ortho4j.spi.BackendProvider;

/** The CUDA provider on any machine: registered, never throws when probing, CPU fallback with the reason. */
class CudaProviderTest {

    @Test
    void providerIsRegistered() {
        boolean found = false;
        for (BackendProvider p : ServiceLoader.load(BackendProvider.class)) {
            found |= p instanceof CudaBackendProvider && p.kind() == BackendKind.CUDA;
        }
        assertTrue(found, "META-INF/services must register CudaBackendProvider");
    }

    @Test
    void unavailableReasonNeverThrowsAndIsStable() {
        CudaBackendProvider p = new CudaBackendProvider();
        String a = p.unavailableReason();
        String b = p.unavailableReason();
        assertEquals(a, b);
        if (a != null) {
            assertFalse(a.isBlank());
            BackendUnavailableException e = assertThrows(BackendUnavailableException.class, p::create);
            assertTrue(e.getMessage().contains(a), e.getMessage());
        }
    }

    @Test
    void autoFallsBackToCpuWithTheReason() {
        String why = new CudaBackendProvider().unavailableReason();
        try (Context ctx = Context.create()) {
            if (why != null) {
                assertEquals(BackendKind.CPU, ctx.kind());
                assertTrue(ctx.selectionReason().contains(why), ctx.selectionReason());
            } else {
                assertEquals(BackendKind.CUDA, ctx.kind());
                assertTrue(ctx.description().startsWith("cuda: "), ctx.description());
            }
        }
    }

    @Test
    void explicitCudaFailsWithTheReasonWhenUnavailable() {
        String why = new CudaBackendProvider().unavailableReason();
        if (why != null) {
            BackendUnavailableException e = assertThrows(BackendUnavailableException.class, () -> Context.create(BackendKind.CUDA));
            assertTrue(e.getMessage().contains(why), e.getMessage());
        } else {
            try (Context ctx = Context.create(BackendKind.CUDA)) {
                assertEquals(BackendKind.CUDA, ctx.kind());
            }
        }
    }

    @Test
    void kernelModulesAreOnTheClassPath() {
        for (String m : new String[]{"newton_schulz"}) {
            byte[] ptx = CudaRuntime.resource(m + ".ptx");
            assertNotNull(ptx, m + ".ptx");
            assertNotNull(CudaRuntime.resource(m + ".fatbin"), m + ".fatbin");
            assertEquals("sm_80", CudaRuntime.ptxTarget(ptx));
            assertFalse(CudaRuntime.ptxVersion(ptx).equals("?"));
        }
    }

    @Test
    void sizeClassesBoundWasteAndAreMonotone() {
        long prev = 0;
        for (long bytes = 1; bytes < (1L << 34); bytes = bytes * 3 / 2 + 7) {
            long c = CudaRuntime.sizeClass(bytes);
            assertTrue(c >= bytes, bytes + " -> " + c);
            assertTrue(c >= prev, "monotone at " + bytes);
            assertTrue(bytes <= 256 || c <= bytes * 1.25 + 1, bytes + " -> " + c + " wastes more than 25%");
            assertEquals(c, CudaRuntime.sizeClass(c), "a class is its own class");
            prev = c;
        }
        assertEquals(256, CudaRuntime.sizeClass(1));
        assertEquals(1280, CudaRuntime.sizeClass(1025));
    }

    @Test
    void smallPathSharedMemoryFitsSm80() {
        assertTrue(CudaNewtonSchulz.smallSharedBytes(128, 128) <= 163 * 1024);
        assertEquals(4 * (3 * 5 + 3 * 3), CudaNewtonSchulz.smallSharedBytes(5, 3));
    }
}
