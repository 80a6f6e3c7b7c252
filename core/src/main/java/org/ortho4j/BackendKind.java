package org.ortho4j;

import java.util.Locale;

/** Which implementation runs the operations of a {@link Context}. */
public enum BackendKind {
    /** Multi-threaded pure Java; runs everywhere. */
    CPU,
    /** Hand-written CUDA kernels loaded as PTX through the JCuda driver API. */
    CUDA,
    /** CUDA when a device and a driver are present, otherwise CPU. */
    AUTO;

    /**
     * Parses {@code cpu}, {@code cuda} or {@code auto}, in any case.
     *
     * @param name the name, surrounding blanks ignored
     * @return the kind
     * @throws IllegalArgumentException for any other name
     */
    public static BackendKind parse(String name) {
        for (BackendKind k : values()) {
            if (k.name().equalsIgnoreCase(name.trim())) {
                return k;
            }
        }
        throw new IllegalArgumentException("unknown backend '" + name + "': expected cpu, cuda or auto");
    }

    /**
     * The lower-case name, as the CLI writes it.
     *
     * @return {@code cpu}, {@code cuda} or {@code auto}
     */
    public String label() {
        return name().toLowerCase(Locale.ROOT);
    }
}
