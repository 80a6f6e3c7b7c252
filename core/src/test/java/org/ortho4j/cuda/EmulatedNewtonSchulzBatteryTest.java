package org.ortho4j.cuda;

import java.util.SplittableRandom;
import org.ortho4j.Context;
import org.ortho4j.Precision;
import org.ortho4j.Schedule;
import org.ortho4j.emu.EmulatedCuda;

/**
 * {@link CudaNewtonSchulzBattery} on the emulated device (every kernel run by the PTX interpreter), at the sizes
 * and counts it can afford: awkward shapes of both paths up to 128 × 128 (the small path's 132 KiB of shared memory)
 * and 129 × 300 tall and wide (the large path's partial and mirrored tiles), batches up to 8, random shapes from
 * bounded ranges; shapes above 128 × 128 elements with Polar Express only (the interpreter needs 1–3 s per call
 * there); 200 calls for memory stability, 8 threads × 2 calls on a small shape.
 */
class EmulatedNewtonSchulzBatteryTest extends CudaNewtonSchulzBattery {
    @Override
    protected Context openDevice() {
        return EmulatedCuda.context();
    }

    @Override
    protected int[][] awkwardShapes(SplittableRandom r) {
        return new int[][]{{1, 1, 1}, {3, 7, 5}, {1, 7, 13}, {1, 13, 131}, {2, 131, 13}, {8, 16, 16}, {1, 64, 64},
                {1, 65, 129}, {1, 128, 128}, {1, 127, 129}, {1, 129, 300}, {1, 300, 129},
                {1 + r.nextInt(8), 1 + r.nextInt(64), 1 + r.nextInt(64)}, {1, 129 + r.nextInt(16), 129 + r.nextInt(16)}};
    }

    @Override
    protected Schedule[] schedules(int batch, int rows, int cols, Precision p) {
        return rows * cols > 128 * 128 ? new Schedule[]{Schedule.polarExpress()} : super.schedules(batch, rows, cols, p);
    }

    @Override
    protected int[][] repeatabilityShapes() {
        return new int[][]{{3, 7, 13}, {1, 40, 72}, {1, 13, 131}};
    }

    @Override
    protected int[] memoryShape() {
        return new int[]{2, 8, 12};
    }

    @Override
    protected int memoryCalls() {
        return 200;
    }

    @Override
    protected int[] threadShape() {
        return new int[]{2, 24, 40};
    }

    @Override
    protected int threadIterations() {
        return 2;
    }
}
