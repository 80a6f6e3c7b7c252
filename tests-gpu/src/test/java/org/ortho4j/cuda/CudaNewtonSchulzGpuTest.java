package org.ortho4j.cuda;

import java.util.SplittableRandom;
import org.ortho4j.BackendKind;
import org.ortho4j.Context;

/**
 * {@link CudaNewtonSchulzBattery} on a real CUDA device at full sizes (batches up to 512, 768 × 3072, random shapes
 * up to 528 × 528, 10,000 calls for memory stability, 8 threads × 20 calls). Needs a CUDA device; the same battery
 * runs on the emulated device at smaller sizes in {@link EmulatedNewtonSchulzBatteryTest}.
 */
class CudaNewtonSchulzGpuTest extends CudaNewtonSchulzBattery {
    @Override
    protected Context openDevice() {
        return Context.create(BackendKind.CUDA);
    }

    @Override
    protected int[][] awkwardShapes(SplittableRandom r) {
        return new int[][]{{1, 1, 1}, {3, 7, 5}, {1, 13, 131}, {2, 131, 13}, {512, 64, 64}, {64, 128, 128}, {5, 127, 129},
                {1, 129, 257}, {2, 300, 97}, {1, 768, 3072}, {3, 257, 256},
                {1 + r.nextInt(512), 1 + r.nextInt(128), 1 + r.nextInt(128)},
                {1 + r.nextInt(4), 129 + r.nextInt(400), 129 + r.nextInt(400)}};
    }

    @Override
    protected int[][] repeatabilityShapes() {
        return new int[][]{{7, 64, 96}, {2, 200, 513}};
    }

    @Override
    protected int[] memoryShape() {
        return new int[]{4, 32, 48};
    }

    @Override
    protected int memoryCalls() {
        return 10_000;
    }

    @Override
    protected int[] threadShape() {
        return new int[]{3, 96, 160};
    }

    @Override
    protected int threadIterations() {
        return 20;
    }
}
