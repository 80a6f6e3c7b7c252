// soft_threshold.cu — ROOT's outlier split, fused with the Nesterov momentum update (docs/algorithms.md §3).
//
// Math, per matrix of n = rows·cols elements:
//   momentum form:  buf ← μ·buf + grad,  M = nesterov ? grad + μ·buf : buf     (float32 fused multiply-adds,
//                   one rounding each: __fmaf_rn here, Math.fma in CpuSoftThreshold — bitwise the same)
//   plain form:     M = m
//   ε = quantile(|M|, q) + 1e-9, torch.quantile's linear interpolation:
//       pos = q·(n−1), k0 = ⌊pos⌋, k1 = ⌈pos⌉, ε = v(k0) + (v(k1) − v(k0))·(pos − k0) + 1e-9 (double, then float)
//       where v(k) is the k-th smallest |M| (0-based)
//   base = clamp(M, −ε, ε),  outlier = M − base  (= sign(M)·max(|M| − ε, 0) exactly)
//
// Java reference: org.ortho4j.cpu.CpuSoftThreshold (split / momentumSplit); contract: Context.softThreshold,
// Context.momentumSoftThreshold, spi.Backend#softThreshold. Launcher: org.ortho4j.cuda.CudaSoftThreshold.
//
// Algorithm (version 1, the only one): exact radix select on the float bits of |M| — for non-negative floats the
// unsigned order of the bit patterns is the numeric order — in 3 digits of 11, 11 and 10 bits (bits 31..21,
// 20..10, 9..0). Both order statistics k0 and k1 are refined at once (two prefixes; one histogram while they
// share a prefix). No sort, no copy of M:
//   st_init                       state ← (prefix 0, rank k0 | k1), histograms ← 0
//   st_hist pass 0  (reads input) M recomputed, non-finite flags per matrix, histogram of digit 0
//   st_select pass 0              bucket of each order statistic → prefix, rank within bucket
//   st_hist/st_select pass 1, 2   same on the next digits, only elements whose bits match the prefix count
//   (after pass 2 the prefix is the exact bit pattern of v(k0), v(k1)) → ε per matrix
//   st_write        (reads input) if no matrix of the batch was flagged: buf, base, outlier written
// Memory traffic: 4 reads of the inputs (grad and buf, or m) + one write of each output; the flag is checked in
// the first pass and nothing is written before the launcher has had the chance to see it (st_write returns at
// once when any flag is set, so the whole batch is untouched and the launcher throws with the lowest index).
//
// Build (done by the Maven PTX profile; by hand):
//   nvcc -O3 -arch=sm_80 -ptx kernels/soft_threshold.cu -o soft_threshold.ptx
//   ptxas -arch=sm_90 -v soft_threshold.ptx     (registers / spills / shared memory, see NOTES-families.md)
#include "common.cuh"

#define ST_BINS 2048          // 2^11
#define ST_THREADS 256        // st_hist / st_write / st_select block size

// per matrix state: [prefix0, prefix1, rank0, rank1]
struct StState { unsigned long long prefix[2]; unsigned long long rank[2]; };

__device__ __forceinline__ int st_shift(int pass) { return pass == 0 ? 21 : (pass == 1 ? 10 : 0); }
__device__ __forceinline__ int st_bits(int pass) { return pass == 2 ? 10 : 11; }

// M for element i: plain (buf == nullptr) or momentum; bnew receives the new buf value. buf is read with a plain
// load: st_write updates it in the same launch, so the read-only (non-coherent, __ldg) path is not allowed for it.
__device__ __forceinline__ float st_value(const float* __restrict__ x, const float* buf, float mu,
                                          int nesterov, long long i, float* bnew) {
    float g = __ldg(x + i);
    if (buf == nullptr) { *bnew = 0.0f; return g; }
    float b = __fmaf_rn(mu, buf[i], g);                       // buf ← μ·buf + grad, one rounding (CpuSoftThreshold)
    *bnew = b;
    return nesterov ? __fmaf_rn(mu, b, g) : b;                 // M = grad + μ·buf  |  M = buf
}

extern "C" __global__ void st_init(StState* state, unsigned* hist, int batch, long long k0, long long k1) {
    for (long long b = blockIdx.x; b < batch; b += gridDim.x) {
        if (threadIdx.x == 0) {
            state[b].prefix[0] = 0; state[b].prefix[1] = 0;
            state[b].rank[0] = (unsigned long long)k0; state[b].rank[1] = (unsigned long long)k1;
        }
        for (int j = threadIdx.x; j < 2 * ST_BINS; j += blockDim.x) hist[b * 2 * ST_BINS + j] = 0u;
    }
}

// Histogram of digit `pass` of |M| over the elements whose higher digits equal each target's prefix.
// grid: x = blocks per matrix, y = matrices (strided). x = m or grad; buf = nullptr for the plain form.
extern "C" __global__ void __launch_bounds__(ST_THREADS)
st_hist(const float* __restrict__ x, const float* __restrict__ buf, float mu, int nesterov, long long n, int batch,
        int pass, const StState* __restrict__ state, unsigned* hist, int* flags, int* any) {
    __shared__ unsigned h[2 * ST_BINS];
    const int shift = st_shift(pass), bits = st_bits(pass), hi = shift + bits;
    const unsigned dmask = (1u << bits) - 1u;
    for (long long b = blockIdx.y; b < batch; b += gridDim.y) {
        for (int j = threadIdx.x; j < 2 * ST_BINS; j += blockDim.x) h[j] = 0u;
        __syncthreads();
        const unsigned long long p0 = state[b].prefix[0], p1 = state[b].prefix[1];
        const bool same = p0 == p1;
        const float* xb = x + b * n;
        const float* bb = buf == nullptr ? nullptr : buf + b * n;
        int bad = 0;
        for (long long i = (long long)blockIdx.x * blockDim.x + threadIdx.x; i < n; i += (long long)gridDim.x * blockDim.x) {
            float bn;
            float m = st_value(xb, bb, mu, nesterov, i, &bn);
            if (pass == 0) {
                if (bb != nullptr) {
                    bad |= o4j_nonfinite(__ldg(xb + i)) ? 1 : 0;          // grad
                    bad |= o4j_nonfinite(__ldg(bb + i)) ? 2 : 0;          // buf
                    bad |= o4j_nonfinite(m) ? 4 : 0;                      // M overflowed
                } else {
                    bad |= o4j_nonfinite(m) ? 1 : 0;
                }
            }
            const unsigned long long v = o4j_abs_bits(m);
            const unsigned digit = (unsigned)(v >> shift) & dmask;
            const unsigned long long top = hi >= 32 ? 0ull : (v >> hi);
            if (top == p0) atomicAdd(&h[digit], 1u);
            if (!same && top == p1) atomicAdd(&h[ST_BINS + digit], 1u);
        }
        if (pass == 0) {
            // OR of the warp's bits, one atomic per warp that saw something
            for (int o = 16; o > 0; o >>= 1) bad |= __shfl_xor_sync(O4J_FULL_MASK, bad, o);
            if (bad && (threadIdx.x & 31) == 0) o4j_flag(flags, any, b, bad);
        }
        __syncthreads();
        unsigned* gh = hist + b * 2 * ST_BINS;
        for (int j = threadIdx.x; j < 2 * ST_BINS; j += blockDim.x) {
            unsigned c = h[j];
            if (c) atomicAdd(gh + j, c);
        }
        __syncthreads();
    }
}

// Picks, for each target, the bucket holding its rank; clears the histograms for the next pass. On the last
// pass the prefixes are the bit patterns of v(k0), v(k1) and ε is written. grid: x = matrices (strided).
extern "C" __global__ void __launch_bounds__(ST_THREADS)
st_select(int batch, int pass, unsigned* hist, StState* state, double frac, float* eps) {
    constexpr int PER = ST_BINS / ST_THREADS;   // 8 bins per thread
    __shared__ unsigned long long warpTot[ST_THREADS / 32];
    __shared__ unsigned long long found[2][2];  // [target][bucket, below]
    const int bits = st_bits(pass), nb = 1 << bits;
    const int lane = threadIdx.x & 31, warp = threadIdx.x >> 5;
    for (long long b = blockIdx.x; b < batch; b += gridDim.x) {
        unsigned* gh = hist + b * 2 * ST_BINS;
        const bool same = state[b].prefix[0] == state[b].prefix[1];
        if (threadIdx.x < 4) found[threadIdx.x >> 1][threadIdx.x & 1] = 0;   // published by the syncs below
        for (int t = 0; t < 2; t++) {
            const unsigned* ht = gh + ((t == 1 && !same) ? ST_BINS : 0);
            const unsigned long long rank = state[b].rank[t];
            unsigned c[PER];
            unsigned long long local = 0;
#pragma unroll
            for (int k = 0; k < PER; k++) {
                int j = threadIdx.x * PER + k;
                c[k] = j < nb ? ht[j] : 0u;
                local += c[k];
            }
            // exclusive scan of `local` over the block
            unsigned long long incl = local;
            for (int o = 1; o < 32; o <<= 1) {
                unsigned long long y = __shfl_up_sync(O4J_FULL_MASK, incl, o);
                if (lane >= o) incl += y;
            }
            if (lane == 31) warpTot[warp] = incl;
            __syncthreads();
            unsigned long long before = incl - local;
            for (int w = 0; w < warp; w++) before += warpTot[w];
            // the thread whose range holds the rank finds the bucket
            if (rank >= before && rank < before + local) {
                unsigned long long run = before;
#pragma unroll
                for (int k = 0; k < PER; k++) {
                    if (rank >= run && rank < run + c[k]) { found[t][0] = threadIdx.x * PER + k; found[t][1] = run; }
                    run += c[k];
                }
            }
            __syncthreads();
        }
        for (int j = threadIdx.x; j < 2 * ST_BINS; j += blockDim.x) gh[j] = 0u;
        if (threadIdx.x == 0) {
            for (int t = 0; t < 2; t++) {
                state[b].prefix[t] = (state[b].prefix[t] << bits) | found[t][0];
                state[b].rank[t] -= found[t][1];
            }
            if (pass == 2) {
                double v0 = (double)__uint_as_float((unsigned)state[b].prefix[0]);
                double v1 = (double)__uint_as_float((unsigned)state[b].prefix[1]);
                // torch.quantile's lerp + 1e-9 with CpuSoftThreshold's roundings: v = v0 + frac·(v1 − v0), one
                // rounding per operation (explicit _rn: nvcc would otherwise contract this into one FMA)
                double v = __dadd_rn(v0, __dmul_rn(frac, __dsub_rn(v1, v0)));
                eps[b] = (float)__dadd_rn(v, 1e-9);
            }
        }
        __syncthreads();
    }
}

// base = clamp(M, −ε, ε), outlier = M − base, buf ← new buf (momentum form); nothing at all when any flag is set.
// grid: x = blocks per matrix, y = matrices (strided).
extern "C" __global__ void __launch_bounds__(ST_THREADS)
st_write(const float* __restrict__ x, float* buf, float mu, int nesterov, long long n, int batch,
         const float* __restrict__ eps, float* __restrict__ base, float* __restrict__ outlier, const int* any) {
    if (o4j_abort(any)) return;
    for (long long b = blockIdx.y; b < batch; b += gridDim.y) {
        const float e = eps[b];
        const long long off = b * n;
        for (long long i = (long long)blockIdx.x * blockDim.x + threadIdx.x; i < n; i += (long long)gridDim.x * blockDim.x) {
            float bn;
            float m = st_value(x + off, buf == nullptr ? nullptr : buf + off, mu, nesterov, i, &bn);
            if (buf != nullptr) buf[off + i] = bn;
            float c = fminf(fmaxf(m, -e), e);     // base = clamp(M, −ε, ε)
            base[off + i] = c;
            outlier[off + i] = __fsub_rn(m, c);   // outlier = M − base
        }
    }
}
