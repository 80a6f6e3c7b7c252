package org.ortho4j.cuda;

import java.util.stream.Stream;
import org.junit.jupiter.params.provider.Arguments;
import org.ortho4j.BackendKind;
import org.ortho4j.Context;

/**
 * {@link CudaFamiliesBattery} on a real CUDA device at full sizes (batches of 512, 1024 × 1536, 300 × 301). Needs a
 * CUDA device; the same battery runs on the emulated device at smaller sizes in {@link EmulatedFamiliesVsCpuTest}.
 */
class CudaFamiliesVsCpuTest extends CudaFamiliesBattery {
    @Override
    protected Context openDevice() {
        return Context.create(BackendKind.CUDA);
    }

    @Override
    protected Stream<Arguments> softThresholdCases() {
        return csv("1,1,1,0.9", "1,1,1,0", "3,7,5,0.9", "2,97,131,0.9", "512,8,8,0.9", "5,64,1,0.85", "4,13,17,0", "4,13,17,1",
                "1,1024,1536,0.9", "7,31,37,0.5");
    }

    @Override
    protected Stream<Arguments> momentumCases() {
        return csv("1,1,1,true", "3,7,5,false", "2,97,131,true", "64,16,16,false", "1,255,257,true");
    }

    @Override
    protected Stream<Arguments> polarCases() {
        return csv("1,1,1", "3,7,5", "3,5,7", "2,64,64", "2,128,128", "3,128,31", "2,97,128", "512,16,16", "1,64,512",
                "1,200,150", "1,300,301");
    }

    @Override
    protected Stream<Arguments> lmoCases() {
        return csv("SPECTRAL,HIDDEN", "SPECTRAL,INPUT", "COLNORM,HIDDEN", "COLNORM,INPUT", "ROWNORM,OUTPUT", "ROWNORM,INPUT",
                "SIGN,HIDDEN", "SIGN,INPUT", "BIAS,HIDDEN");
    }

    @Override
    protected int[][] lmoShapes() {
        return new int[][]{{1, 1, 1}, {3, 7, 5}, {2, 5, 130}, {4, 129, 3}, {1, 1, 257}};
    }

    @Override
    protected Stream<Arguments> rotationCases() {
        return csv("QK,4,4,NONE,16,40", "QK,4,2,NONE,64,96", "QK,2,1,NONE,128,130", "QK,3,3,INTERLEAVED,64,37",
                "QK,4,2,HALF,128,64", "VO,4,4,NONE,16,40", "VO,4,2,NONE,64,96", "VO,2,2,NONE,128,129", "QK,1,1,NONE,5,9");
    }

    @Override
    protected int rotationBatch() {
        return 2;
    }

    @Override
    protected Stream<Arguments> scalingCases() {
        return csv("1,1,1,1", "2,7,5,3", "3,64,33,130", "1,300,128,17");
    }
}
