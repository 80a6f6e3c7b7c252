package org.ortho4j.cuda;

import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Supplier;
import org.ortho4j.BackendKind;
import org.ortho4j.Lmo;
import org.ortho4j.MatrixBatch;
import org.ortho4j.Precision;
import org.ortho4j.RotationGauge;
import org.ortho4j.Schedule;
import org.ortho4j.spi.Backend;
import org.ortho4j.spi.Storage;

/**
 * The CUDA backend: one device, its primary context, one stream ({@link CudaRuntime}), pooled device memory, and
 * one launcher per kernel family. Every operation takes the backend's lock, makes the context current on the
 * calling thread, queues its work on the stream and waits for it, so a context shared by threads runs their
 * calls one after another and each call returns with its outputs written. The device comes from a
 * {@link CudaDriver}: the real one ({@link NativeCudaDriver}) or another chosen by {@link CudaBackendProvider}.
 */
public final class CudaBackend implements Backend {
    private final CudaRuntime rt;
    private final ReentrantLock lock = new ReentrantLock();
    private final CudaNewtonSchulz ns;
    private final CudaLmo lmo;
    private final CudaSoftThreshold st;
    private final CudaGauge gauge;
    private boolean closed;

    /** Opens device {@code ordinal} of {@code driver}. */
    CudaBackend(CudaDriver driver, int ordinal) {
        this.rt = new CudaRuntime(driver, ordinal);
        this.ns = new CudaNewtonSchulz(rt);
        this.lmo = new CudaLmo(rt, this);
        this.st = new CudaSoftThreshold(rt);
        this.gauge = new CudaGauge(rt);
    }

    CudaRuntime runtime() {
        return rt;
    }

    /**
     * The driver this backend's device belongs to.
     *
     * @return {@link NativeCudaDriver#INSTANCE} unless another was chosen
     */
    public CudaDriver driver() {
        return rt.driver();
    }

    /** Runs {@code body} holding the lock with the context current. */
    <T> T locked(Supplier<T> body) {
        lock.lock();
        try {
            if (closed) {
                throw new IllegalStateException("cuda backend is closed");
            }
            rt.makeCurrent();
            return body.get();
        } finally {
            lock.unlock();
        }
    }

    void lockedRun(Runnable body) {
        locked(() -> {
            body.run();
            return null;
        });
    }

    @Override
    public BackendKind kind() {
        return BackendKind.CUDA;
    }

    @Override
    public String description() {
        return "cuda: " + rt.deviceDescription();
    }

    /**
     * Device memory in use (tests watch both numbers).
     *
     * @return {@code {bytes held by live matrices and scratch, bytes cached in the pool}}
     */
    public long[] memoryInUse() {
        return locked(() -> new long[]{rt.liveBytes(), rt.pooledBytes()});
    }

    @Override
    public Storage allocate(long elements) {
        return locked(() -> new CudaStorage(this, rt.scratch(elements * Float.BYTES), elements));
    }

    /**
     * The caller's device memory as storage, not freed on close. Untested on a GPU: the emulated device covers it
     * (the address must be one of the device's allocations), no real device has run it yet.
     */
    @Override
    public Storage wrapDevice(long address, long elements) {
        if (address == 0 || address % Float.BYTES != 0) {
            throw new IllegalArgumentException("wrapDevice: address 0x" + Long.toHexString(address) + " is null or not float-aligned");
        }
        return new CudaStorage(this, new DevicePointer(address), elements, false); // no device call: nothing to lock
    }

    /** The stream waits for the caller's event ({@code cuStreamWaitEvent}). Untested on a GPU. */
    @Override
    public void waitEvent(long event) {
        lockedRun(() -> rt.waitEvent(event));
    }

    /** The caller's event is recorded on the stream after the work so far ({@code cuEventRecord}). Untested on a GPU. */
    @Override
    public void recordEvent(long event) {
        lockedRun(() -> rt.recordEvent(event));
    }

    void free(DevicePointer p) {
        lock.lock();
        try {
            if (!closed) {
                rt.makeCurrent();
                rt.release(p);
            }
        } finally {
            lock.unlock();
        }
    }

    private static DevicePointer at(Storage s, long offset) {
        return ((CudaStorage) s).pointer().plus(offset * Float.BYTES);
    }

    @Override
    public void write(Storage dst, long dstOffset, float[] src, int srcOffset, int length) {
        lockedRun(() -> {
            rt.synchronize("write"); // earlier work on the stream may still use dst
            rt.copyHtoD(at(dst, dstOffset), src, srcOffset, length,
                    "cuMemcpyHtoD(" + length + " floats)"); // + sync: the stream is non-blocking
        });
    }

    @Override
    public void read(Storage src, long srcOffset, float[] dst, int dstOffset, int length) {
        lockedRun(() -> rt.copyDtoH(dst, dstOffset, at(src, srcOffset), length, "read",
                "cuMemcpyDtoH(" + length + " floats)")); // stream synchronisation ("read"), then the copy
    }

    @Override
    public void copy(Storage src, long srcOffset, Storage dst, long dstOffset, long length) {
        lockedRun(() -> {
            rt.copyDtoD(at(dst, dstOffset), at(src, srcOffset), length * Float.BYTES, "cuMemcpyDtoDAsync(" + length + " floats)");
            rt.synchronize("copy");
        });
    }

    @Override
    public void synchronize() {
        lockedRun(() -> rt.synchronize("synchronize"));
    }

    @Override
    public void newtonSchulz(MatrixBatch g, Schedule.Coefficients coefficients, Precision precision, MatrixBatch out) {
        lockedRun(() -> ns.run(g, coefficients, precision, out));
    }

    @Override
    public void polar(MatrixBatch g, MatrixBatch out) {
        lockedRun(() -> lmo.polar(g, out));
    }

    @Override
    public void lmo(Lmo l, MatrixBatch d, MatrixBatch out) {
        lockedRun(() -> lmo.lmo(l, d, out));
    }

    @Override
    public float[] softThreshold(MatrixBatch m, double quantile, MatrixBatch base, MatrixBatch outlier) {
        return locked(() -> st.split(m, quantile, base, outlier));
    }

    @Override
    public float[] momentumSoftThreshold(MatrixBatch grad, MatrixBatch buf, double momentum, boolean nesterov,
                                         double quantile, MatrixBatch base, MatrixBatch outlier) {
        return locked(() -> st.momentumSplit(grad, buf, momentum, nesterov, quantile, base, outlier));
    }

    @Override
    public void gaugeRotation(RotationGauge g, MatrixBatch w1, MatrixBatch w2, MatrixBatch g1, MatrixBatch g2,
                              MatrixBatch h1, MatrixBatch h2) {
        lockedRun(() -> gauge.rotation(g, w1, w2, g1, g2, h1, h2));
    }

    @Override
    public void gaugeScaling(MatrixBatch w1, MatrixBatch w2, MatrixBatch g1, MatrixBatch g2, MatrixBatch h1, MatrixBatch h2) {
        lockedRun(() -> gauge.scaling(w1, w2, g1, g2, h1, h2));
    }

    @Override
    public void gaugeLogitShift(MatrixBatch g, MatrixBatch h) {
        lockedRun(() -> gauge.logitShift(g, h));
    }

    @Override
    public void close() {
        lock.lock();
        try {
            if (!closed) {
                closed = true;
                rt.close();
            }
        } finally {
            lock.unlock();
        }
    }
}
