package org.ortho4j.cpunative;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ForkJoinPool;
import java.util.concurrent.RecursiveAction;
import java.util.concurrent.atomic.AtomicInteger;
import org.ortho4j.Precision;
import org.ortho4j.Schedule;
import org.ortho4j.spi.CpuKernels;

/**
 * {@link CpuKernels} on OpenBLAS and LAPACK: Newton–Schulz with {@code ssyrk}/{@code ssymm}
 * ({@link NativeNewtonSchulz}), the exact polar factor with {@code dgesdd} ({@link NativePolar}).
 *
 * <p>Threads: a batch of at least as many matrices as threads (or of small matrices) is split over the backend's
 * Java workers with OpenBLAS single-threaded; fewer, large matrices run one at a time with OpenBLAS on the
 * backend's thread count. Either way {@code threads} cores are busy, never twice that. Workspaces (native memory)
 * are kept between calls, one per concurrent worker, and freed by {@link #close()}.
 */
final class OpenBlasKernels implements CpuKernels {
    /** Below this many multiply-adds per Gram product ({@code m²·n}) one matrix does not use several BLAS threads. */
    static final long BLAS_THREADS_MIN_WORK = 1L << 21;

    private final int threads;
    private final String description;
    private final ConcurrentLinkedQueue<NativeNewtonSchulz> nsSpaces = new ConcurrentLinkedQueue<>();
    private final ConcurrentLinkedQueue<NativePolar> polarSpaces = new ConcurrentLinkedQueue<>();
    private volatile boolean closed;

    OpenBlasKernels(int threads) {
        this.threads = threads;
        this.description = OpenBlas.describe() + " via JavaCPP";
    }

    @Override
    public String description() {
        return description;
    }

    @Override
    public void newtonSchulz(ForkJoinPool pool, float[] g, float[] out, int batch, int rows, int cols,
                             float[] inverseScale, Schedule.Coefficients co, Precision precision) {
        int m = Math.min(rows, cols);
        int n = Math.max(rows, cols);
        int size = rows * cols;
        boolean oneAtATime = threads > 1 && batch < threads && (long) m * m * n >= BLAS_THREADS_MIN_WORK;
        run(pool, batch, oneAtATime, nsSpaces, NativeNewtonSchulz::new,
                (w, b) -> w.matrix(g, out, b * size, rows, cols, inverseScale[b], co, precision));
    }

    @Override
    public void polar(ForkJoinPool pool, float[] g, float[] out, int batch, int rows, int cols) {
        int size = rows * cols;
        run(pool, batch, threads > 1 && batch < threads, polarSpaces, NativePolar::new,
                (w, b) -> w.matrix(g, out, b * size, rows, cols));
    }

    private interface PerMatrix<W> {
        void run(W workspace, int b);
    }

    /** Runs {@code body} for every matrix, holding the BLAS lock, with the thread split of the class comment. */
    private <W> void run(ForkJoinPool pool, int batch, boolean oneAtATime, ConcurrentLinkedQueue<W> spaces,
                         java.util.function.Supplier<W> make, PerMatrix<W> body) {
        if (closed) {
            throw new IllegalStateException("native cpu kernels are closed");
        }
        OpenBlas.LOCK.lock();
        try {
            int tasks = oneAtATime ? 1 : Math.min(threads, batch);
            OpenBlas.threads(tasks == 1 && oneAtATime ? threads : 1);
            if (tasks <= 1) {
                W w = take(spaces, make);
                try {
                    for (int b = 0; b < batch; b++) {
                        body.run(w, b);
                    }
                } finally {
                    spaces.add(w);
                }
                return;
            }
            AtomicInteger next = new AtomicInteger();
            List<RecursiveAction> list = new ArrayList<>(tasks);
            for (int t = 0; t < tasks; t++) {
                list.add(new RecursiveAction() {
                    private static final long serialVersionUID = 1L;

                    @Override
                    protected void compute() {
                        W w = take(spaces, make);
                        try {
                            for (int b; (b = next.getAndIncrement()) < batch; ) {
                                body.run(w, b);
                            }
                        } finally {
                            spaces.add(w);
                        }
                    }
                });
            }
            pool.invoke(new RecursiveAction() {
                private static final long serialVersionUID = 1L;

                @Override
                protected void compute() {
                    invokeAll(list);
                }
            });
        } finally {
            OpenBlas.LOCK.unlock();
        }
    }

    private static <W> W take(ConcurrentLinkedQueue<W> spaces, java.util.function.Supplier<W> make) {
        W w = spaces.poll();
        return w != null ? w : make.get();
    }

    @Override
    public void close() {
        closed = true;
        OpenBlas.LOCK.lock();
        try {
            for (NativeNewtonSchulz w; (w = nsSpaces.poll()) != null; ) {
                w.close();
            }
            for (NativePolar w; (w = polarSpaces.poll()) != null; ) {
                w.close();
            }
        } finally {
            OpenBlas.LOCK.unlock();
        }
    }
}
