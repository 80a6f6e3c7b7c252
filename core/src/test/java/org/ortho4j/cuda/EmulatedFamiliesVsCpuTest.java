package org.ortho4j.cuda;

import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.params.provider.Arguments;
import org.ortho4j.Context;
import org.ortho4j.Lmo;
import org.ortho4j.emu.EmulatedCuda;

/**
 * {@link CudaFamiliesBattery} on the emulated device (every kernel run by the PTX interpreter), at the sizes it
 * can afford: the real device's lists with 1 × 1, 7 × 13, 64 × 64, 65 × 129, 128 × 128 and 129 × 300 tall and wide
 * added, every LMO (norm × layer), both RoPE conventions at head sizes 64 and 128; batch 512 shrunk to 8,
 * 1024 × 1536 and 97 × 128 dropped, the full so(d) gauge at d = 128 run once with one matrix per batch (the
 * interpreter needs about 13 s per 128 × 128 Jacobi eigen-solve), 128 × 128 polar on one matrix.
 */
class EmulatedFamiliesVsCpuTest extends CudaFamiliesBattery {
    @Override
    protected Context openDevice() {
        return EmulatedCuda.context();
    }

    @Override
    protected Stream<Arguments> softThresholdCases() {
        return csv("1,1,1,0.9", "1,1,1,0", "3,7,5,0.9", "1,7,13,0.9", "2,97,131,0.9", "8,8,8,0.9", "5,64,1,0.85", "4,13,17,0",
                "4,13,17,1", "7,31,37,0.5", "1,64,64,0.9", "2,65,129,0.9", "1,128,128,0.9", "1,129,300,0.9", "1,300,129,0.9");
    }

    @Override
    protected Stream<Arguments> momentumCases() {
        return csv("1,1,1,true", "3,7,5,false", "2,97,131,true", "64,16,16,false", "1,255,257,true", "1,128,128,false",
                "1,300,129,true");
    }

    @Override
    protected Stream<Arguments> polarCases() {
        return csv("1,1,1", "3,7,5", "3,5,7", "1,7,13", "1,64,64", "1,128,128", "3,128,31", "8,16,16", "1,64,512", "1,65,129",
                "1,200,150", "1,129,300", "1,300,129", "1,300,301");
    }

    @Override
    protected Stream<Arguments> lmoCases() {
        List<Arguments> cases = new ArrayList<>();
        for (Lmo.Norm norm : Lmo.Norm.values()) {
            for (Lmo.Layer layer : Lmo.Layer.values()) {
                cases.add(Arguments.of(norm, layer));
            }
        }
        return cases.stream();
    }

    @Override
    protected int[][] lmoShapes() {
        return new int[][]{{1, 1, 1}, {3, 7, 5}, {1, 7, 13}, {2, 5, 130}, {4, 129, 3}, {1, 1, 257}, {1, 64, 64},
                {1, 129, 300}, {1, 300, 129}};
    }

    @Override
    protected Stream<Arguments> rotationCases() {
        return csv("QK,4,4,NONE,16,40", "QK,4,2,NONE,64,96", "QK,2,1,NONE,128,130", "QK,3,3,INTERLEAVED,64,37",
                "QK,2,2,INTERLEAVED,128,40", "QK,4,2,HALF,128,64", "QK,4,2,HALF,64,40", "VO,4,4,NONE,16,40", "VO,4,2,NONE,64,96",
                "QK,1,1,NONE,5,9");
    }

    @Override
    protected int rotationBatch() {
        return 1;
    }

    @Override
    protected Stream<Arguments> scalingCases() {
        return csv("1,1,1,1", "2,7,5,3", "3,64,33,130", "1,300,128,17");
    }
}
