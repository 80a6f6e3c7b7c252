package org.ortho4j;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** The CPU path of {@link Context#create(BackendKind, int)} without a native provider, and {@link Threads}. */
class CpuSelectionTest {

    @Test
    void withoutANativeProviderCpuIsPureJavaAndSaysWhy() {
        try (Context ctx = Context.create(BackendKind.CPU, 3)) {
            assertEquals("cpu requested; pure Java (no native CPU provider on the class path)", ctx.selectionReason());
            assertTrue(ctx.description().startsWith("cpu: pure Java, 3 threads"), ctx.description());
        }
        try (Context ctx = Context.create(BackendKind.AUTO, 1)) {
            assertTrue(ctx.selectionReason().startsWith("auto: no CUDA ("), ctx.selectionReason());
            assertTrue(ctx.selectionReason().endsWith("; pure Java (no native CPU provider on the class path)"),
                    ctx.selectionReason());
        }
    }

    @Test
    void threadsSetting() {
        String old = System.getProperty(Threads.PROPERTY);
        try {
            System.setProperty(Threads.PROPERTY, "3");
            assertEquals(3, Threads.defaultCount());
            try (Context ctx = Context.create(BackendKind.CPU)) {
                assertTrue(ctx.description().contains(", 3 threads"), ctx.description());
            }
            System.setProperty(Threads.PROPERTY, "0");
            assertThrows(IllegalArgumentException.class, Threads::defaultCount);
            System.setProperty(Threads.PROPERTY, "two");
            assertThrows(IllegalArgumentException.class, Threads::defaultCount);
            System.clearProperty(Threads.PROPERTY);
            assertEquals(Runtime.getRuntime().availableProcessors(), Threads.defaultCount());
            assertThrows(IllegalArgumentException.class, () -> Context.create(BackendKind.CPU, 0));
        } finally {
            if (old == null) {
                System.clearProperty(Threads.PROPERTY);
            } else {
                System.setProperty(Threads.PROPERTY, old);
            }
        }
    }
}
