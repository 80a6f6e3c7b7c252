package org.ortho4j;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.ServiceLoader;
import org.ortho4j.cpu.CpuBackend;
import org.ortho4j.spi.Backend;
import org.ortho4j.spi.BackendProvider;
import org.ortho4j.spi.Storage;

/**
 * The entry point: owns a backend (CPU or CUDA), the matrices living on it, and the operations of the four
 * kernel families. Every operation validates its arguments before any work (shapes, closed handles, batches
 * from another context, outputs that alias inputs) and names the operation, the argument and the shapes when it
 * refuses. A context may be shared by threads; its operations are synchronous (they return when the outputs
 * are written). Closing it releases the backend.
 *
 * <pre>{@code
 * try (Context ctx = Context.create();                       // CUDA if present, else CPU
 *      MatrixBatch g = ctx.upload(grads, 12, 768, 3072);
 *      MatrixBatch x = ctx.newtonSchulz(g, Schedule.polarExpress())) {
 *     float[] orthogonalised = x.toArray();
 * }
 * }</pre>
 */
public final class Context implements AutoCloseable {
    /** {@code -Dortho4j.cpu=java} forces the pure-Java CPU backend where a native CPU provider would be chosen. */
    public static final String CPU_PATH_PROPERTY = "ortho4j.cpu";

    private final Backend backend;
    private final String selection;
    private volatile boolean closed;

    private Context(Backend backend, String selection) {
        this.backend = backend;
        this.selection = selection;
    }

    /**
     * The best backend here: CUDA when a device and driver are present, otherwise CPU (native when a native CPU
     * provider loads, see {@link #create(BackendKind)}).
     *
     * @return a new context; {@link #selectionReason()} says why this backend
     */
    public static Context create() {
        return create(BackendKind.AUTO);
    }

    /**
     * A context on the requested backend, with {@link Threads#defaultCount()} CPU workers.
     *
     * <p>Selection: {@link BackendKind#CUDA} takes a CUDA provider or fails; {@link BackendKind#AUTO} takes CUDA when
     * it can run. Otherwise (CPU, or AUTO without CUDA) a native CPU provider found on the class path
     * ({@code META-INF/services}, kind {@link BackendKind#CPU}, e.g. the {@code ortho4j-cpu-native} module) is
     * preferred when it loads, else the pure-Java backend; {@code -Dortho4j.cpu=java} forces pure Java (as does
     * {@link #cpu(int)}). {@link #selectionReason()} says which CPU path ran and why.
     *
     * @param kind {@link BackendKind#CPU}, {@link BackendKind#CUDA}, or {@link BackendKind#AUTO} (CUDA when it can run)
     * @return a new context
     * @throws BackendUnavailableException for {@link BackendKind#CUDA} when no CUDA backend can run, with the reason
     */
    public static Context create(BackendKind kind) {
        return create(kind, Threads.defaultCount());
    }

    /**
     * {@link #create(BackendKind)} with an explicit CPU worker count: the pure-Java pool's size, and the native
     * CPU backend's (Java workers and BLAS threads, never both at once). A CUDA backend ignores it.
     *
     * @param kind    the backend kind, as {@link #create(BackendKind)}
     * @param threads the CPU worker count, at least 1
     * @return a new context
     * @throws BackendUnavailableException for {@link BackendKind#CUDA} when no CUDA backend can run, with the reason
     */
    public static Context create(BackendKind kind, int threads) {
        Objects.requireNonNull(kind, "kind");
        Threads.check(threads);
        String cudaWhy = null;
        if (kind != BackendKind.CPU) {
            List<String> reasons = new ArrayList<>();
            for (BackendProvider p : ServiceLoader.load(BackendProvider.class, Context.class.getClassLoader())) {
                if (p.kind() != BackendKind.CUDA) {
                    continue;
                }
                String why = p.unavailableReason();
                if (why == null) {
                    try {
                        return new Context(p.create(), kind == BackendKind.CUDA ? "cuda requested" : "auto: CUDA device found");
                    } catch (BackendUnavailableException e) {
                        why = e.getMessage();
                    }
                }
                reasons.add(why);
            }
            cudaWhy = reasons.isEmpty() ? "this build has no CUDA backend" : String.join("; ", reasons);
            if (kind == BackendKind.CUDA) {
                throw new BackendUnavailableException("cuda backend unavailable: " + cudaWhy);
            }
        }
        String prefix = kind == BackendKind.CPU ? "cpu requested" : "auto: no CUDA (" + cudaWhy + ")";
        return cpuContext(prefix, threads);
    }

    /** The CPU path for {@link #create(BackendKind, int)}: a native CPU provider when one loads, else pure Java. */
    private static Context cpuContext(String prefix, int threads) {
        String forced = System.getProperty(CPU_PATH_PROPERTY, "").trim();
        if (forced.equalsIgnoreCase("java")) {
            return new Context(new CpuBackend(threads), prefix + "; pure Java (-D" + CPU_PATH_PROPERTY + "=java)");
        }
        List<String> reasons = new ArrayList<>();
        for (BackendProvider p : ServiceLoader.load(BackendProvider.class, Context.class.getClassLoader())) {
            if (p.kind() != BackendKind.CPU) {
                continue;
            }
            String name = p.getClass().getSimpleName();
            String why;
            try {
                why = p.unavailableReason();
                if (why == null) {
                    return new Context(p.create(threads), prefix + "; native CPU path (" + name + " loaded)");
                }
            } catch (BackendUnavailableException | LinkageError e) {
                why = e.getMessage();
            }
            reasons.add(name + ": " + why);
        }
        String why = reasons.isEmpty() ? "no native CPU provider on the class path" : String.join("; ", reasons);
        return new Context(new CpuBackend(threads), prefix + "; pure Java (" + why + ")");
    }

    /**
     * A context on the backend of an explicitly chosen provider, for alternative drivers (e.g. a CUDA backend on an
     * emulated device) or a backend module that is not on the service path. No fallback: the provider runs or this
     * fails.
     *
     * @param provider the provider whose backend to use
     * @return a new context
     * @throws BackendUnavailableException with the provider's reason when it cannot run here
     */
    public static Context create(BackendProvider provider) {
        Objects.requireNonNull(provider, "provider");
        String why = provider.unavailableReason();
        if (why != null) {
            throw new BackendUnavailableException(provider.kind().label() + " backend unavailable: " + why);
        }
        return new Context(provider.create(), "provider " + provider.getClass().getSimpleName() + " requested");
    }

    /**
     * A context on the pure-Java CPU backend (the reference), with {@code threads} worker threads, whatever native
     * CPU provider is on the class path.
     *
     * @param threads the number of worker threads, at least 1
     * @return a new CPU context
     */
    public static Context cpu(int threads) {
        return new Context(new CpuBackend(threads), "cpu requested with " + threads + " threads; pure Java (Context.cpu)");
    }

    /**
     * The kind of backend the work runs on.
     *
     * @return {@link BackendKind#CPU} or {@link BackendKind#CUDA}, never {@link BackendKind#AUTO}
     */
    public BackendKind kind() {
        return backend.kind();
    }

    /**
     * What runs the work.
     *
     * @return a one-line description, e.g. {@code cpu: pure Java, 2 threads, Java 17}
     */
    public String description() {
        return backend.description();
    }

    /**
     * Why this backend was chosen.
     *
     * @return the reason; for {@link BackendKind#AUTO}, why CUDA was not chosen when it was not; for a CPU
     *         context, which CPU path (native provider or pure Java) and why
     */
    public String selectionReason() {
        return selection;
    }

    /**
     * Service-provider access to the backend.
     *
     * @return the backend
     * @throws IllegalStateException when the context is closed
     */
    public Backend backend() {
        if (closed) {
            throw new IllegalStateException("context is closed");
        }
        return backend;
    }

    // ------------------------------------------------------------------ memory

    /**
     * A new batch; its contents are undefined until written.
     *
     * @param batch the number of matrices, at least 1
     * @param rows  rows of each matrix, at least 1
     * @param cols  columns of each matrix, at least 1
     * @return the batch (close it to free its memory)
     */
    public MatrixBatch allocate(int batch, int rows, int cols) {
        checkShape("allocate", batch, rows, cols);
        Storage s = backend().allocate((long) batch * rows * cols);
        return new MatrixBatch(this, s, batch, rows, cols);
    }

    /**
     * A new batch holding {@code data}.
     *
     * @param data  {@code batch·rows·cols} values, row-major, matrix after matrix; not modified
     * @param batch the number of matrices, at least 1
     * @param rows  rows of each matrix, at least 1
     * @param cols  columns of each matrix, at least 1
     * @return the batch (close it to free its memory)
     */
    public MatrixBatch upload(float[] data, int batch, int rows, int cols) {
        checkShape("upload", batch, rows, cols);
        Objects.requireNonNull(data, "data");
        if (data.length != (long) batch * rows * cols) {
            throw new IllegalArgumentException("upload: " + batch + "x" + rows + "x" + cols + " needs " + (long) batch * rows * cols
                    + " values, got " + data.length);
        }
        MatrixBatch m = allocate(batch, rows, cols);
        m.copyFrom(data);
        return m;
    }

    /**
     * A parameter the caller owns: an id and a shape, no memory. Hand it to an optimizer in a {@link
     * org.ortho4j.optim.ParamGroup} like any parameter; each {@link org.ortho4j.optim.Optimizer#step(List, List)} then
     * reads and updates the caller's own values in place (a {@code float[]} range or a {@link java.nio.FloatBuffer},
     * see {@link HostSpan}), and the optimizer keeps only its state (momenta, Adam moments), keyed by this batch, so
     * nothing can drift from the caller's weights. The operations of this context refuse a borrowed batch.
     *
     * @param id    the parameter's id, as the caller's framework names it (e.g. {@code "fc1.weight"}); an optimizer's
     *              borrowed parameters must have distinct ids
     * @param batch the number of matrices, at least 1
     * @param rows  rows of each matrix (a vector is {@code 1 × n}), at least 1
     * @param cols  columns of each matrix, at least 1
     * @return the handle; closing it only unbinds it
     */
    public MatrixBatch borrowed(String id, int batch, int rows, int cols) {
        checkShape("borrowed", batch, rows, cols);
        Objects.requireNonNull(id, "borrowed: id");
        if (closed) {
            throw new IllegalStateException("borrowed: context is closed");
        }
        return new MatrixBatch(this, new BorrowedStorage(id, (long) batch * rows * cols), batch, rows, cols);
    }

    /**
     * A batch over device memory the caller owns (a framework tensor's device pointer), on a CUDA context: no copy,
     * and closing the batch leaves the memory to the caller. Use it as an operation's input or output, or as an
     * optimizer parameter or gradient: the optimizer then reads and updates the caller's device memory. Every
     * operation of a CUDA context returns with its work finished; before handing over memory that the caller's stream
     * is still writing, make this context wait for it ({@link #waitForEvent}). <b>Untested on a GPU</b>: the emulated
     * device runs it in the tests; no real device has yet.
     *
     * @param address the device address ({@code CUdeviceptr}) of the first float32, 4-byte aligned, in this
     *                context's CUDA context (the device's primary context)
     * @param batch   the number of matrices, at least 1
     * @param rows    rows of each matrix, at least 1
     * @param cols    columns of each matrix, at least 1
     * @return the batch, row-major and contiguous from {@code address}
     * @throws UnsupportedOperationException on a context without device memory (CPU: use {@link #borrowed})
     */
    public MatrixBatch wrapDevice(long address, int batch, int rows, int cols) {
        checkShape("wrapDevice", batch, rows, cols);
        Storage s = backend().wrapDevice(address, (long) batch * rows * cols);
        return new MatrixBatch(this, s, batch, rows, cols);
    }

    /**
     * Makes this context's later work wait for an event the caller recorded on its own stream ({@code CUevent}
     * handle; {@code cuStreamWaitEvent}), so that memory the caller's stream writes is complete before this context
     * reads it. CUDA contexts only; <b>untested on a GPU</b>.
     *
     * @param event the caller's {@code CUevent} handle, recorded on its stream
     */
    public void waitForEvent(long event) {
        backend().waitEvent(event);
    }

    /**
     * Records an event of the caller's ({@code CUevent} handle) on this context's stream, after the work queued so
     * far, so the caller's stream can wait for it ({@code cuStreamWaitEvent} on its side). CUDA contexts only;
     * <b>untested on a GPU</b>.
     *
     * @param event the caller's {@code CUevent} handle
     */
    public void recordEvent(long event) {
        backend().recordEvent(event);
    }

    /**
     * A new batch with the same shape and contents as {@code src}.
     *
     * @param src a batch of this context
     * @return the copy
     */
    public MatrixBatch copy(MatrixBatch src) {
        own("copy", "src", src);
        MatrixBatch m = allocate(src.batch(), src.rows(), src.cols());
        backend.copy(src.storage(), 0, m.storage(), 0, src.elements());
        return m;
    }

    // ------------------------------------------------------------------ Newton–Schulz

    /**
     * {@code out = NS(g)} in float32; see {@link #newtonSchulz(MatrixBatch, Schedule, Precision, MatrixBatch)}.
     *
     * @param g        input, not modified (unless it is {@code out})
     * @param schedule the coefficient schedule, resolved for the matrices' shape
     * @param out      output, same shape as {@code g}; may be {@code g}
     */
    public void newtonSchulz(MatrixBatch g, Schedule schedule, MatrixBatch out) {
        newtonSchulz(g, schedule, Precision.FP32, out);
    }

    /**
     * Newton–Schulz orthogonalisation of each matrix (docs/algorithms.md §1.1): {@code X0 = G/(s‖G‖_F + eps)}, then per
     * step {@code A = X Xᵀ, B = b·A + c·A·A, X = a·X + B·X} on the wide orientation. Approximates
     * {@code polar(G) = U Vᵀ}; how closely depends on the schedule (Muon's does not converge).
     *
     * @param g         input, not modified (unless it is {@code out})
     * @param schedule  the coefficient schedule, resolved for the matrices' shape
     * @param precision the rounding of the matrix products' operands (docs/algorithms.md §1.5)
     * @param out       output, same shape as {@code g}; may be {@code g}
     * @throws NonFiniteInputException when {@code g} holds NaN or infinity; nothing is written
     */
    public void newtonSchulz(MatrixBatch g, Schedule schedule, Precision precision, MatrixBatch out) {
        String op = "newtonSchulz";
        own(op, "g", g);
        own(op, "out", out);
        Objects.requireNonNull(schedule, "newtonSchulz: schedule");
        Objects.requireNonNull(precision, "newtonSchulz: precision");
        sameShape(op, "out", out, "g", g);
        backend.newtonSchulz(g, schedule.resolve(g.rows(), g.cols()), precision, out);
    }

    /**
     * Allocating form of {@link #newtonSchulz(MatrixBatch, Schedule, MatrixBatch)}.
     *
     * @param g        input, not modified
     * @param schedule the coefficient schedule, resolved for the matrices' shape
     * @return a new batch holding {@code NS(g)}
     */
    public MatrixBatch newtonSchulz(MatrixBatch g, Schedule schedule) {
        return produce("newtonSchulz", "g", g, out -> newtonSchulz(g, schedule, out));
    }

    // ------------------------------------------------------------------ polar and LMOs

    /**
     * The exact polar factor {@code U Vᵀ} of each matrix from its SVD, computed in float64 (docs/algorithms.md §2.1).
     * Singular values at or below {@code max(m,n)·2⁻⁵²·σ_max} count as zero and contribute nothing, so a zero matrix
     * maps to zero and a rank-deficient one to the partial isometry on its range, the limit Newton–Schulz approaches.
     *
     * @param g   input, not modified (unless it is {@code out})
     * @param out output, same shape as {@code g}; may be {@code g}
     */
    public void polar(MatrixBatch g, MatrixBatch out) {
        own("polar", "g", g);
        own("polar", "out", out);
        sameShape("polar", "out", out, "g", g);
        backend.polar(g, out);
    }

    /**
     * Allocating form of {@link #polar(MatrixBatch, MatrixBatch)}.
     *
     * @param g input, not modified
     * @return a new batch holding {@code polar(g)}
     */
    public MatrixBatch polar(MatrixBatch g) {
        return produce("polar", "g", g, out -> polar(g, out));
    }

    /**
     * {@code out = lmo(d)} per matrix (docs/algorithms.md §2.2). See {@link Lmo}.
     *
     * @param lmo the oracle: norm, layer position, scale
     * @param d   input, not modified (unless it is {@code out})
     * @param out output, same shape as {@code d}; may be {@code d}
     */
    public void lmo(Lmo lmo, MatrixBatch d, MatrixBatch out) {
        Objects.requireNonNull(lmo, "lmo: lmo");
        own("lmo", "d", d);
        own("lmo", "out", out);
        sameShape("lmo", "out", out, "d", d);
        backend.lmo(lmo, d, out);
    }

    /**
     * Allocating form of {@link #lmo(Lmo, MatrixBatch, MatrixBatch)}.
     *
     * @param lmo the oracle
     * @param d   input, not modified
     * @return a new batch holding {@code lmo(d)}
     */
    public MatrixBatch lmo(Lmo lmo, MatrixBatch d) {
        return produce("lmo", "d", d, out -> lmo(lmo, d, out));
    }

    // ------------------------------------------------------------------ many shapes in one call

    /**
     * {@link #newtonSchulz(MatrixBatch, Schedule, Precision, MatrixBatch)} of every batch of a list whose batches may
     * have different shapes (a whole network's hidden matrices): batches of one shape are run as one batch (on CUDA,
     * one launch per shape), the schedule resolved per shape.
     *
     * @param gs        the inputs, not modified (unless one is its own output)
     * @param schedule  the coefficient schedule
     * @param precision the rounding of the products' operands
     * @param outs      one output per input, the input's shape, distinct from each other and from the other inputs;
     *                  {@code outs.get(i)} may be {@code gs.get(i)}
     * @throws NonFiniteInputException when an input holds NaN or infinity (its argument is {@code g[i]}); the outputs
     *                                 of shapes run before it are written, the others are not
     */
    public void newtonSchulz(List<MatrixBatch> gs, Schedule schedule, Precision precision, List<MatrixBatch> outs) {
        Objects.requireNonNull(schedule, "newtonSchulz: schedule");
        Objects.requireNonNull(precision, "newtonSchulz: precision");
        grouped("newtonSchulz", "g", gs, outs, (g, out) -> backend.newtonSchulz(g, schedule.resolve(g.rows(), g.cols()), precision, out));
    }

    /**
     * Allocating form of {@link #newtonSchulz(List, Schedule, Precision, List)}.
     *
     * @param gs        the inputs, not modified
     * @param schedule  the coefficient schedule
     * @param precision the rounding of the products' operands
     * @return one new batch per input, in input order
     */
    public List<MatrixBatch> newtonSchulz(List<MatrixBatch> gs, Schedule schedule, Precision precision) {
        return produceAll("newtonSchulz", gs, outs -> newtonSchulz(gs, schedule, precision, outs));
    }

    /**
     * {@link #polar(MatrixBatch, MatrixBatch)} of every batch of a list of batches of any shapes, batches of one shape
     * run together.
     *
     * @param gs   the inputs, not modified (unless one is its own output)
     * @param outs one output per input, as in {@link #newtonSchulz(List, Schedule, Precision, List)}
     */
    public void polar(List<MatrixBatch> gs, List<MatrixBatch> outs) {
        grouped("polar", "g", gs, outs, backend::polar);
    }

    /**
     * Allocating form of {@link #polar(List, List)}.
     *
     * @param gs the inputs, not modified
     * @return one new batch per input, in input order
     */
    public List<MatrixBatch> polar(List<MatrixBatch> gs) {
        return produceAll("polar", gs, outs -> polar(gs, outs));
    }

    /**
     * {@link #lmo(Lmo, MatrixBatch, MatrixBatch)} of every batch of a list of batches of any shapes, batches of one
     * shape run together.
     *
     * @param lmo  the oracle (its scale is resolved per shape, as for a single batch)
     * @param ds   the inputs, not modified (unless one is its own output)
     * @param outs one output per input, as in {@link #newtonSchulz(List, Schedule, Precision, List)}
     */
    public void lmo(Lmo lmo, List<MatrixBatch> ds, List<MatrixBatch> outs) {
        Objects.requireNonNull(lmo, "lmo: lmo");
        grouped("lmo", "d", ds, outs, (d, out) -> backend.lmo(lmo, d, out));
    }

    /**
     * Allocating form of {@link #lmo(Lmo, List, List)}.
     *
     * @param lmo the oracle
     * @param ds  the inputs, not modified
     * @return one new batch per input, in input order
     */
    public List<MatrixBatch> lmo(Lmo lmo, List<MatrixBatch> ds) {
        return produceAll("lmo", ds, outs -> lmo(lmo, ds, outs));
    }

    /**
     * {@link #softThreshold(MatrixBatch, double, MatrixBatch, MatrixBatch)} of every batch of a list of batches of any
     * shapes, batches of one shape run together.
     *
     * @param ms       the inputs, not modified
     * @param quantile the quantile q, in {@code [0, 1]}
     * @param bases    one output per input, its shape
     * @param outliers one output per input, its shape
     * @return the ε of each matrix, one array per input
     */
    public List<float[]> softThreshold(List<MatrixBatch> ms, double quantile, List<MatrixBatch> bases, List<MatrixBatch> outliers) {
        String op = "softThreshold";
        checkQuantile(op, quantile);
        checkLists(op, "m", ms, "base", bases);
        checkLists(op, "m", ms, "outlier", outliers);
        List<MatrixBatch> all = new ArrayList<>(ms);
        for (int i = 0; i < ms.size(); i++) {
            own(op, "m[" + i + "]", ms.get(i));
            own(op, "base[" + i + "]", bases.get(i));
            own(op, "outlier[" + i + "]", outliers.get(i));
            sameShape(op, "base[" + i + "]", bases.get(i), "m[" + i + "]", ms.get(i));
            sameShape(op, "outlier[" + i + "]", outliers.get(i), "m[" + i + "]", ms.get(i));
        }
        List<MatrixBatch> outputs = new ArrayList<>(bases);
        outputs.addAll(outliers);
        for (int i = 0; i < outputs.size(); i++) {
            for (int j = 0; j < i; j++) {
                distinct(op, "output " + i, outputs.get(i), "output " + j, outputs.get(j));
            }
            for (MatrixBatch in : all) {
                distinct(op, "output " + i, outputs.get(i), "an input", in);
            }
        }
        float[][] eps = new float[ms.size()][];
        for (List<Integer> idx : byShape(ms)) {
            MatrixBatch first = ms.get(idx.get(0));
            if (idx.size() == 1) {
                int i = idx.get(0);
                eps[i] = backend.softThreshold(ms.get(i), quantile, bases.get(i), outliers.get(i));
                continue;
            }
            int total = totalBatch(op, ms, idx);
            try (MatrixBatch m = allocate(total, first.rows(), first.cols());
                 MatrixBatch base = allocate(total, first.rows(), first.cols());
                 MatrixBatch outlier = allocate(total, first.rows(), first.cols())) {
                gather(ms, idx, m);
                float[] e = backend.softThreshold(m, quantile, base, outlier);
                scatter(base, idx, bases);
                scatter(outlier, idx, outliers);
                int at = 0;
                for (int i : idx) {
                    eps[i] = java.util.Arrays.copyOfRange(e, at, at + ms.get(i).batch());
                    at += ms.get(i).batch();
                }
            }
        }
        return List.of(eps);
    }

    private interface PairOp {
        void run(MatrixBatch in, MatrixBatch out);
    }

    private interface ListOp {
        void run(List<MatrixBatch> outs);
    }

    /** Checks a list operation's arguments, then runs {@code body} once per shape group (in order of first appearance). */
    private void grouped(String op, String inName, List<MatrixBatch> ins, List<MatrixBatch> outs, PairOp body) {
        checkLists(op, inName, ins, "out", outs);
        for (int i = 0; i < ins.size(); i++) {
            own(op, inName + "[" + i + "]", ins.get(i));
            own(op, "out[" + i + "]", outs.get(i));
            sameShape(op, "out[" + i + "]", outs.get(i), inName + "[" + i + "]", ins.get(i));
            for (int j = 0; j < ins.size(); j++) {
                if (j != i && outs.get(i) == ins.get(j)) {
                    throw new IllegalArgumentException(op + ": out[" + i + "] is " + inName + "[" + j + "]; an output may only be its own input");
                }
                if (j < i && outs.get(i) == outs.get(j)) {
                    throw new IllegalArgumentException(op + ": out[" + i + "] and out[" + j + "] must be different batches");
                }
            }
        }
        for (List<Integer> idx : byShape(ins)) {
            if (idx.size() == 1) {
                int i = idx.get(0);
                runNamed(op, inName, i, () -> body.run(ins.get(i), outs.get(i)));
                continue;
            }
            MatrixBatch first = ins.get(idx.get(0));
            try (MatrixBatch all = allocate(totalBatch(op, ins, idx), first.rows(), first.cols())) {
                gather(ins, idx, all);
                try {
                    body.run(all, all);
                } catch (NonFiniteInputException e) {
                    int bad = e.batchIndex();
                    for (int i : idx) {
                        if (bad < ins.get(i).batch()) {
                            throw new NonFiniteInputException(op, inName + "[" + i + "]", bad);
                        }
                        bad -= ins.get(i).batch();
                    }
                    throw e;
                }
                scatter(all, idx, outs);
            }
        }
    }

    /** Runs one batch of a list, naming it {@code name[i]} in a non-finite report. */
    private static void runNamed(String op, String name, int i, Runnable r) {
        try {
            r.run();
        } catch (NonFiniteInputException e) {
            throw new NonFiniteInputException(op, name + "[" + i + "]", e.batchIndex());
        }
    }

    private List<MatrixBatch> produceAll(String op, List<MatrixBatch> ins, ListOp body) {
        Objects.requireNonNull(ins, op + ": the list of inputs is null");
        List<MatrixBatch> outs = new ArrayList<>(ins.size());
        try {
            for (int i = 0; i < ins.size(); i++) {
                MatrixBatch in = ins.get(i);
                own(op, "input " + i, in);
                outs.add(allocate(in.batch(), in.rows(), in.cols()));
            }
            body.run(outs);
            return List.copyOf(outs);
        } catch (RuntimeException | Error e) {
            for (MatrixBatch o : outs) {
                o.close();
            }
            throw e;
        }
    }

    private static void checkLists(String op, String an, List<MatrixBatch> a, String bn, List<MatrixBatch> b) {
        Objects.requireNonNull(a, op + ": the list '" + an + "' is null");
        Objects.requireNonNull(b, op + ": the list '" + bn + "' is null");
        if (a.size() != b.size()) {
            throw new IllegalArgumentException(op + ": " + a.size() + " '" + an + "' batches but " + b.size() + " '" + bn + "' batches");
        }
    }

    /** Indices of {@code ms} grouped by matrix shape, groups in order of first appearance. */
    private static List<List<Integer>> byShape(List<MatrixBatch> ms) {
        java.util.Map<Long, List<Integer>> groups = new java.util.LinkedHashMap<>();
        for (int i = 0; i < ms.size(); i++) {
            long key = ((long) ms.get(i).rows() << 32) | ms.get(i).cols();
            groups.computeIfAbsent(key, k -> new ArrayList<>()).add(i);
        }
        return new ArrayList<>(groups.values());
    }

    private static int totalBatch(String op, List<MatrixBatch> ms, List<Integer> idx) {
        long total = 0;
        for (int i : idx) {
            total += ms.get(i).batch();
        }
        if (total > Integer.MAX_VALUE) {
            throw new IllegalArgumentException(op + ": " + total + " matrices of one shape, more than one batch holds");
        }
        return (int) total;
    }

    private void gather(List<MatrixBatch> ms, List<Integer> idx, MatrixBatch all) {
        long at = 0;
        for (int i : idx) {
            MatrixBatch m = ms.get(i);
            backend.copy(m.storage(), 0, all.storage(), at, m.elements());
            at += m.elements();
        }
    }

    private void scatter(MatrixBatch all, List<Integer> idx, List<MatrixBatch> outs) {
        long at = 0;
        for (int i : idx) {
            MatrixBatch m = outs.get(i);
            backend.copy(all.storage(), at, m.storage(), 0, m.elements());
            at += m.elements();
        }
    }

    // ------------------------------------------------------------------ soft-threshold

    /**
     * ROOT's outlier split of each matrix (docs/algorithms.md §3): {@code ε = quantile(|m|, q) + 1e-9} with
     * {@code torch.quantile}'s linear interpolation, {@code outlier = sign(m)·max(|m| − ε, 0)},
     * {@code base = clamp(m, −ε, ε)}, so {@code base + outlier = m}.
     *
     * @param m        input, not modified
     * @param quantile the quantile q, in {@code [0, 1]}
     * @param base     output, same shape as {@code m}, distinct from the others
     * @param outlier  output, same shape as {@code m}, distinct from the others
     * @return the ε of each matrix
     */
    public float[] softThreshold(MatrixBatch m, double quantile, MatrixBatch base, MatrixBatch outlier) {
        String op = "softThreshold";
        own(op, "m", m);
        own(op, "base", base);
        own(op, "outlier", outlier);
        checkQuantile(op, quantile);
        sameShape(op, "base", base, "m", m);
        sameShape(op, "outlier", outlier, "m", m);
        distinct(op, "base", base, "m", m);
        distinct(op, "outlier", outlier, "m", m);
        distinct(op, "outlier", outlier, "base", base);
        return backend.softThreshold(m, quantile, base, outlier);
    }

    /**
     * ROOT's fused step (docs/algorithms.md §3.3): {@code buf ← μ·buf + grad}, {@code M = grad + μ·buf} (Nesterov)
     * or {@code M = buf}, then {@link #softThreshold} of {@code M}.
     *
     * @param grad     the gradient, not modified
     * @param buf      the momentum buffer, same shape, updated in place
     * @param momentum μ, in {@code [0, 1)}
     * @param nesterov whether {@code M = grad + μ·buf} (else {@code M = buf})
     * @param quantile the quantile q, in {@code [0, 1]}
     * @param base     output, same shape as {@code grad}, distinct from the others
     * @param outlier  output, same shape as {@code grad}, distinct from the others
     * @return the ε of each matrix
     */
    public float[] momentumSoftThreshold(MatrixBatch grad, MatrixBatch buf, double momentum, boolean nesterov,
                                         double quantile, MatrixBatch base, MatrixBatch outlier) {
        String op = "momentumSoftThreshold";
        own(op, "grad", grad);
        own(op, "buf", buf);
        own(op, "base", base);
        own(op, "outlier", outlier);
        checkQuantile(op, quantile);
        if (!(momentum >= 0 && momentum < 1)) {
            throw new IllegalArgumentException(op + ": momentum must be in [0, 1), got " + momentum);
        }
        sameShape(op, "buf", buf, "grad", grad);
        sameShape(op, "base", base, "grad", grad);
        sameShape(op, "outlier", outlier, "grad", grad);
        distinct(op, "buf", buf, "grad", grad);
        distinct(op, "base", base, "grad", grad);
        distinct(op, "base", base, "buf", buf);
        distinct(op, "outlier", outlier, "grad", grad);
        distinct(op, "outlier", outlier, "buf", buf);
        distinct(op, "outlier", outlier, "base", base);
        return backend.momentumSoftThreshold(grad, buf, momentum, nesterov, quantile, base, outlier);
    }

    // ------------------------------------------------------------------ gauges

    /**
     * Removes from the update {@code (g1, g2)} its component along the rotation orbit of {@code (w1, w2)}, per
     * head (or per query group), writing {@code (h1, h2)} (docs/algorithms.md §4.1). Shapes and conventions:
     * {@link RotationGauge}.
     *
     * @param gauge the pair (Q/K or V/O), heads, key/value heads and RoPE convention
     * @param w1    {@code W_Q} or {@code W_V}, not modified
     * @param w2    {@code W_K} or {@code W_O}, not modified
     * @param g1    the update of {@code w1}, not modified
     * @param g2    the update of {@code w2}, not modified
     * @param h1    output, the shape of {@code w1}, distinct from every other argument
     * @param h2    output, the shape of {@code w2}, distinct from every other argument
     */
    public void gaugeRotation(RotationGauge gauge, MatrixBatch w1, MatrixBatch w2, MatrixBatch g1, MatrixBatch g2,
                              MatrixBatch h1, MatrixBatch h2) {
        String op = "gaugeRotation";
        Objects.requireNonNull(gauge, op + ": gauge");
        own(op, "w1", w1);
        own(op, "w2", w2);
        own(op, "g1", g1);
        own(op, "g2", g2);
        own(op, "h1", h1);
        own(op, "h2", h2);
        sameBatch(op, w1, w2);
        int heads = gauge.heads();
        int kv = gauge.kvHeads();
        if (gauge.pair() == RotationGauge.Pair.QK) {
            if (w1.rows() % heads != 0) {
                throw new IllegalArgumentException(op + ": w1 (W_Q) " + w1.shape() + " has " + w1.rows() + " rows, not a multiple of heads=" + heads);
            }
            int d = w1.rows() / heads;
            if (w2.rows() != kv * d || w2.cols() != w1.cols()) {
                throw new IllegalArgumentException(op + ": w2 (W_K) must be " + w1.batch() + "x" + (kv * d) + "x" + w1.cols()
                        + " for W_Q " + w1.shape() + " with heads=" + heads + ", kvHeads=" + kv + "; got " + w2.shape());
            }
            if (gauge.rope() != RotationGauge.Rope.NONE && d % 2 != 0) {
                throw new IllegalArgumentException(op + ": RoPE needs an even head size, got d=" + d);
            }
        } else {
            if (w1.rows() % kv != 0) {
                throw new IllegalArgumentException(op + ": w1 (W_V) " + w1.shape() + " has " + w1.rows() + " rows, not a multiple of kvHeads=" + kv);
            }
            int d = w1.rows() / kv;
            if (w2.rows() != w1.cols() || w2.cols() != heads * d) {
                throw new IllegalArgumentException(op + ": w2 (W_O) must be " + w1.batch() + "x" + w1.cols() + "x" + (heads * d)
                        + " for W_V " + w1.shape() + " with heads=" + heads + ", kvHeads=" + kv + "; got " + w2.shape());
            }
        }
        sameShape(op, "g1", g1, "w1", w1);
        sameShape(op, "g2", g2, "w2", w2);
        sameShape(op, "h1", h1, "w1", w1);
        sameShape(op, "h2", h2, "w2", w2);
        distinctFrom(op, "h1", h1, w1, w2, g1, g2, h2);
        distinctFrom(op, "h2", h2, w1, w2, g1, g2, h1);
        backend.gaugeRotation(gauge, w1, w2, g1, g2, h1, h2);
    }

    /**
     * Scaling gauge of {@code k} units (docs/algorithms.md §4.2): row i of {@code w1} ({@code k × D1}) pairs with
     * column i of {@code w2} ({@code D2 × k}). Removes {@code α_i·(W1_i, −W2_i)} with
     * {@code α_i = (⟨G1_i,W1_i⟩ − ⟨G2_i,W2_i⟩)/(‖W1_i‖² + ‖W2_i‖²)} (zero when both are zero).
     *
     * @param w1 {@code k × D1}, not modified
     * @param w2 {@code D2 × k}, not modified
     * @param g1 the update of {@code w1}, not modified
     * @param g2 the update of {@code w2}, not modified
     * @param h1 output, the shape of {@code w1}, distinct from every other argument
     * @param h2 output, the shape of {@code w2}, distinct from every other argument
     */
    public void gaugeScaling(MatrixBatch w1, MatrixBatch w2, MatrixBatch g1, MatrixBatch g2, MatrixBatch h1, MatrixBatch h2) {
        String op = "gaugeScaling";
        own(op, "w1", w1);
        own(op, "w2", w2);
        own(op, "g1", g1);
        own(op, "g2", g2);
        own(op, "h1", h1);
        own(op, "h2", h2);
        sameBatch(op, w1, w2);
        if (w2.cols() != w1.rows()) {
            throw new IllegalArgumentException(op + ": w1 " + w1.shape() + " has " + w1.rows() + " units (rows) but w2 " + w2.shape()
                    + " has " + w2.cols() + " columns");
        }
        sameShape(op, "g1", g1, "w1", w1);
        sameShape(op, "g2", g2, "w2", w2);
        sameShape(op, "h1", h1, "w1", w1);
        sameShape(op, "h2", h2, "w2", w2);
        distinctFrom(op, "h1", h1, w1, w2, g1, g2, h2);
        distinctFrom(op, "h2", h2, w1, w2, g1, g2, h1);
        backend.gaugeScaling(w1, w2, g1, g2, h1, h2);
    }

    /**
     * Logit-shift gauge (docs/algorithms.md §4.3): {@code h} = {@code g} with each column's mean over the rows (the
     * vocabulary) removed.
     *
     * @param g the update of the head, {@code vocab × width}, not modified
     * @param h output, same shape as {@code g}
     */
    public void gaugeLogitShift(MatrixBatch g, MatrixBatch h) {
        own("gaugeLogitShift", "g", g);
        own("gaugeLogitShift", "h", h);
        sameShape("gaugeLogitShift", "h", h, "g", g);
        backend.gaugeLogitShift(g, h);
    }

    // ------------------------------------------------------------------ life cycle

    /** Blocks until all queued work has finished. */
    public void synchronize() {
        backend().synchronize();
    }

    @Override
    public void close() {
        if (!closed) {
            closed = true;
            backend.close();
        }
    }

    @Override
    public String toString() {
        return "Context[" + backend.description() + "]";
    }

    // ------------------------------------------------------------------ validation

    private interface Op {
        void run(MatrixBatch out);
    }

    /** The allocating form of operation {@code op}: its input {@code name} is checked under the operation's name. */
    private MatrixBatch produce(String op, String name, MatrixBatch like, Op body) {
        own(op, name, like);
        MatrixBatch out = allocate(like.batch(), like.rows(), like.cols());
        try {
            body.run(out);
            return out;
        } catch (RuntimeException | Error e) {
            out.close();
            throw e;
        }
    }

    private static void checkShape(String op, int batch, int rows, int cols) {
        if (batch < 1 || rows < 1 || cols < 1) {
            throw new IllegalArgumentException(op + ": batch, rows and cols must all be ≥ 1 (empty batches are refused), got "
                    + batch + "x" + rows + "x" + cols);
        }
    }

    private void own(String op, String name, MatrixBatch m) {
        if (closed) {
            throw new IllegalStateException(op + ": context is closed");
        }
        Objects.requireNonNull(m, op + ": argument '" + name + "' is null");
        if (m.context() != this) {
            throw new IllegalArgumentException(op + ": argument '" + name + "' (" + m.shape() + ") belongs to another context");
        }
        if (m.isClosed()) {
            throw new IllegalStateException(op + ": argument '" + name + "' (" + m.shape() + ") is closed");
        }
        if (m.isBorrowed()) {
            throw new IllegalArgumentException(op + ": argument '" + name + "' is the borrowed parameter '" + m.id() + "' ("
                    + m.shape() + "), which lives in the caller's memory; operations take batches from allocate or upload");
        }
    }

    private static void sameShape(String op, String an, MatrixBatch a, String bn, MatrixBatch b) {
        if (a.batch() != b.batch() || a.rows() != b.rows() || a.cols() != b.cols()) {
            throw new IllegalArgumentException(op + ": '" + an + "' must have the shape of '" + bn + "' (" + b.shape() + "), got " + a.shape());
        }
    }

    private static void sameBatch(String op, MatrixBatch w1, MatrixBatch w2) {
        if (w1.batch() != w2.batch()) {
            throw new IllegalArgumentException(op + ": w1 " + w1.shape() + " and w2 " + w2.shape() + " must have the same batch size");
        }
    }

    private static void distinct(String op, String an, MatrixBatch a, String bn, MatrixBatch b) {
        if (a == b) {
            throw new IllegalArgumentException(op + ": '" + an + "' and '" + bn + "' must be different batches");
        }
    }

    private static void distinctFrom(String op, String name, MatrixBatch out, MatrixBatch... others) {
        for (MatrixBatch o : others) {
            if (o == out) {
                throw new IllegalArgumentException(op + ": output '" + name + "' must not be one of the other arguments");
            }
        }
    }

    private static void checkQuantile(String op, double q) {
        if (!(q >= 0 && q <= 1)) {
            throw new IllegalArgumentException(op + ": quantile must be in [0, 1], got " + q);
        }
    }
}
