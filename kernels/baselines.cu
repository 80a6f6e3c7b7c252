// baselines.cu — helpers of the vendor-library baselines (org.ortho4j.cuda.CublasNewtonSchulz), not of ortho4j's
// own kernels: the bf16 operand copies that cublasGemmStridedBatchedEx reads.
//
//   bl_f32_to_bf16   y[i] = bf16(x[i]), round to nearest even (the ρ of docs/algorithms.md §1.5 for BF16), grid-stride
//                    over 64-bit indices, one element per thread per pass.
//
// Build: kernels/build.sh (every kernels/*.cu → src/main/resources/org/ortho4j/cuda/<name>.{ptx,fatbin}).

#include <cuda_bf16.h>
#include <stdint.h>

extern "C" __global__ void __launch_bounds__(256)
bl_f32_to_bf16(const float* __restrict__ x, __nv_bfloat16* __restrict__ y, long long n) {
    const long long stride = (long long)gridDim.x * blockDim.x;
    for (long long i = (long long)blockIdx.x * blockDim.x + threadIdx.x; i < n; i += stride) {
        y[i] = __float2bfloat16_rn(x[i]);                      // ρ_bf16(x), RNE
    }
}
