package org.ortho4j.bench;

import org.ortho4j.BackendKind;
import org.ortho4j.Context;
import org.ortho4j.Threads;

/**
 * The CPU path of the peer benchmarks ({@link CpuPeerBench}, {@link CpuPolarPeerBench}, {@link CpuOptimizerStepBench}):
 * {@code native} is {@code Context.create(CPU)} and must land on the native provider ({@code ortho4j-cpu-native} on
 * the class path, as {@code bench/cpu_peer.sh} puts it), {@code java} the pure-Java reference ({@code Context.cpu}).
 * Both use {@link Threads#defaultCount()} threads ({@code -Dortho4j.threads}).
 */
final class CpuPeerSupport {
    private CpuPeerSupport() {
    }

    static Context context(String path) {
        int threads = Threads.defaultCount();
        switch (path) {
            case "java":
                return Context.cpu(threads);
            case "native": {
                Context ctx = Context.create(BackendKind.CPU, threads);
                if (!ctx.description().contains("OpenBLAS")) {
                    String why = ctx.selectionReason();
                    ctx.close();
                    throw new IllegalStateException("path=native needs ortho4j-cpu-native on the class path: " + why);
                }
                return ctx;
            }
            default:
                throw new IllegalArgumentException("path must be native or java, got " + path);
        }
    }
}
