// common.cuh — small device helpers shared by soft_threshold.cu, lmo.cu and gauge.cu (header only, no kernels).
//
// Conventions of every kernel family here:
//  * matrices are row-major float32 batches, matrix b at offset b·rows·cols (64-bit offsets everywhere);
//  * a per-matrix int flag array records non-finite inputs (one bit per argument), and one int "any" word is set
//    when any flag is; every kernel that writes an output first reads "any" and returns without writing, so the
//    launcher can raise NonFiniteInputException with the batch index while every output still holds its old value;
//  * reductions accumulate in double (float products are exact in double).
#pragma once
#include <cstdint>

#define O4J_FULL_MASK 0xffffffffu

// bits of |x| with the sign cleared; for non-negative floats the unsigned order equals the float order
__device__ __forceinline__ uint32_t o4j_abs_bits(float x) { return __float_as_uint(x) & 0x7fffffffu; }

// true for NaN and ±inf (exponent all ones)
__device__ __forceinline__ bool o4j_nonfinite(float x) { return o4j_abs_bits(x) >= 0x7f800000u; }

__device__ __forceinline__ double o4j_warp_sum(double v) {
    for (int o = 16; o > 0; o >>= 1) v += __shfl_xor_sync(O4J_FULL_MASK, v, o);
    return v;
}

__device__ __forceinline__ float o4j_warp_sum(float v) {
    for (int o = 16; o > 0; o >>= 1) v += __shfl_xor_sync(O4J_FULL_MASK, v, o);
    return v;
}

// Sum of v over the block; every thread gets the result. scratch: 32 doubles of shared memory.
// Needs blockDim.x a multiple of 32 and all threads of the block to call it.
__device__ __forceinline__ double o4j_block_sum(double v, double* scratch) {
    const int lane = threadIdx.x & 31, warp = threadIdx.x >> 5, warps = blockDim.x >> 5;
    v = o4j_warp_sum(v);
    __syncthreads();                       // scratch may still be read by a previous call
    if (lane == 0) scratch[warp] = v;
    __syncthreads();
    v = lane < warps ? scratch[lane] : 0.0;
    return o4j_warp_sum(v);
}

// Records a non-finite value of argument bit `bit` in matrix b: flags[b] |= bit, *any = 1.
__device__ __forceinline__ void o4j_flag(int* flags, int* any, long long b, int bit) {
    atomicOr(flags + b, bit);
    atomicExch(any, 1);
}

// The "nothing is written" guard: true when an earlier pass found a non-finite input anywhere in the batch.
__device__ __forceinline__ bool o4j_abort(const int* any) { return *(volatile const int*)any != 0; }

// Scans `count` floats of matrix b (one block-row of a grid-stride loop) and flags it if any is non-finite.
// Grid: x = blocks per matrix, y = matrices (strided); used by every family's *_check_finite kernel.
__device__ __forceinline__ void o4j_check_finite(const float* __restrict__ x, long long perMatrix, int batch,
                                                 int* flags, int* any, int bit) {
    for (long long b = blockIdx.y; b < batch; b += gridDim.y) {
        const float* p = x + b * perMatrix;
        bool bad = false;
        for (long long i = (long long)blockIdx.x * blockDim.x + threadIdx.x; i < perMatrix;
             i += (long long)gridDim.x * blockDim.x) {
            bad |= o4j_nonfinite(__ldg(p + i));
        }
        if (__syncthreads_or(bad) && threadIdx.x == 0) o4j_flag(flags, any, b, bit);
    }
}
