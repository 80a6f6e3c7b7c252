package org.ortho4j.io;

/** Lets the CLI tests (another package) simulate a full disk under {@link AtomicOutputs}. */
public final class AtomicOutputsTestAccess {
    private AtomicOutputsTestAccess() {
    }

    /** Every temporary written from now on holds at most {@code bytes} bytes, then fails as a full disk; −1: off. */
    public static void simulateDiskCapacity(long bytes) {
        AtomicOutputs.simulateDiskCapacity(bytes);
    }
}
