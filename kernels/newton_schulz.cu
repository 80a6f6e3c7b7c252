// newton_schulz.cu — batched Newton–Schulz orthogonalisation (docs/algorithms.md §1).
//
// Math, per matrix G (rows × cols) of the batch, on the wide orientation X (m × n, m = min, n = max):
//     X0 = G / (s·‖G‖_F + eps)          (Xᵀ when G is tall: X[i][k] = G[k][i], by indexing, no copy)
//     for t = 1..T:  A = X Xᵀ;  B = b_t·A + c_t·A·A;  X = a_t·X + B·X
//     out = X (transposed back by indexing when G is tall)
// Each step maps every singular value through p_t(σ) = a_t σ + b_t σ³ + c_t σ⁵.
//
// Java reference: org.ortho4j.cpu.CpuNewtonSchulz (same semantics as Context.newtonSchulz's javadoc).
// Rounding, mirrored from the reference: every operand of a matrix product (X, Xᵀ in X Xᵀ; A, A in A·A; B, X in
// B·X) is rounded to the precision's format with round-to-nearest-even (bf16: 8-bit mantissa, tf32: 11-bit),
// products are accumulated in fp32, and A, B and X are stored in fp32 (no bf16 copy of X is kept: operands are
// rounded as they are loaded into shared memory / registers). The scalar terms b·A and a·X use fp32 values.
// FP32 precision: the small path uses fp32 FMAs; the large path uses 3×TF32 (x = hi + lo, hi·hi + hi·lo + lo·hi)
// on the tensor cores, about fp32 accuracy but not bitwise the CPU's fp32 products.
// Normalisation: ‖G‖_F² is summed in double (fixed order, deterministic), denom = s·sqrt(·) + eps in double,
// inv = (float)(1 / denom) (0 when denom is 0: a zero matrix with eps = 0), X0 = g · inv in fp32 — exactly
// CpuNewtonSchulz's X0. A zero matrix gives X0 = 0 and stays 0. g and out may be the same buffer (in-place
// Newton–Schulz), so neither is __restrict__ and g is not read through the non-coherent path.
//
// Kernels (extern "C", 64-bit indexing for every element offset):
//   ns_norm_partial / ns_norm_finalize  per-matrix Frobenius norm (double, two-stage, no atomics on the sum) and a
//                                       non-finite flag per matrix (atomicOr: order-independent)
//   ns_scale                            X0 = G / denom into the fp32 work buffer (transposing tall G by indexing)
//   ns_small_{fp32,tf32,bf16}           largest side ≤ 128: one thread block per matrix, X and A/B in shared memory,
//                                       all T steps on chip, coefficients from a device array, one launch per batch
//   ns_gemm_{tf32,fp32,bf16}_{nt,nn}    large path, tensor cores (mma.sync, sm_80+), 128×128×32 block tile, 8 warps
//                                       of 64×32, fp32 accumulation, epilogue C = α·P·Q + β·D, batched over
//                                       blockIdx.z; "nt": C = α·P·Qᵀ + β·D with only upper tiles computed and
//                                       mirrored (A = X Xᵀ with α=1, β=0; B = c·A Aᵀ + b·A, A symmetric so
//                                       A Aᵀ = A·A); "nn": X' = 1·B·X + a·X, optionally stored transposed (the last
//                                       step of a tall G writes out directly).
//
// Versions: v1 (this file) — no cp.async pipeline, scalar global loads, fragments read from padded shared memory
// with 32-bit loads (no ldmatrix). See kernels/NOTES.md for registers/shared memory and the (empty) measurement log.
//
// Build (the Maven profile `ptx` does this for every kernels/*.cu):
//   nvcc -ptx -arch=compute_80 -O3 -o newton_schulz.ptx kernels/newton_schulz.cu
//   nvcc -fatbin -gencode arch=compute_80,code=sm_80 -gencode arch=compute_90,code=sm_90 \
//        -gencode arch=compute_90,code=compute_90 -O3 -o newton_schulz.fatbin kernels/newton_schulz.cu
// Check: ptxas -arch=sm_90 -v newton_schulz.ptx

#include <cuda_bf16.h>
#include <stdint.h>

#define PREC_FP32 0
#define PREC_TF32 1
#define PREC_BF16 2

// ------------------------------------------------------------------------------------------------ rounding

// tf32(x): keep 10 explicit mantissa bits, round to nearest, ties to even (finite x; inputs are checked finite).
__device__ __forceinline__ float round_tf32(float x) {
    uint32_t u = __float_as_uint(x);
    if ((u & 0x7f800000u) == 0x7f800000u) return x;           // inf/nan unchanged
    u += 0x00000fffu + ((u >> 13) & 1u);                       // + half ulp − 1 + lsb  (RNE)
    return __uint_as_float(u & 0xffffe000u);
}

// bf16(x) as a float: keep 7 explicit mantissa bits, RNE.
__device__ __forceinline__ float round_bf16(float x) {
    return __bfloat162float(__float2bfloat16_rn(x));
}

template <int PREC>
__device__ __forceinline__ float round_op(float x) {
    if (PREC == PREC_TF32) return round_tf32(x);
    if (PREC == PREC_BF16) return round_bf16(x);
    return x;
}

// ------------------------------------------------------------------------------------------------ norm

// Grid (batch, chunks). Block (b, c) sums g[b]² over its chunk in double and writes partial[b·chunks + c];
// flags[b] |= 1 when the chunk holds a NaN or an infinity (flags zeroed by the host first).
extern "C" __global__ void __launch_bounds__(256)
ns_norm_partial(const float* __restrict__ g, long long matElems, int chunks, double* __restrict__ partial,
                int* __restrict__ flags) {
    __shared__ double red[256 / 32];
    const long long b = blockIdx.x;
    const int c = blockIdx.y;
    const long long per = (matElems + chunks - 1) / chunks;
    const long long lo = (long long)c * per;
    const long long hi = min(matElems, lo + per);
    const float* G = g + b * matElems;
    double s = 0.0;
    int bad = 0;
    for (long long e = lo + threadIdx.x; e < hi; e += blockDim.x) {
        float v = G[e];
        bad |= !isfinite(v);
        s += (double)v * (double)v;                            // ‖G‖_F² in double
    }
    for (int o = 16; o > 0; o >>= 1) s += __shfl_xor_sync(0xffffffffu, s, o);
    bad = __any_sync(0xffffffffu, bad);
    if ((threadIdx.x & 31) == 0) red[threadIdx.x >> 5] = s;
    if (bad && (threadIdx.x & 31) == 0) atomicOr(flags + b, 1);
    __syncthreads();
    if (threadIdx.x == 0) {
        double t = 0.0;
        for (int w = 0; w < (int)(blockDim.x >> 5); w++) t += red[w];   // fixed order: deterministic
        partial[b * chunks + c] = t;
    }
}

// One thread per matrix: denom[b] = s·sqrt(Σ partial) + eps, the chunks summed in a fixed order.
extern "C" __global__ void __launch_bounds__(128)
ns_norm_finalize(const double* __restrict__ partial, int chunks, int batch, double s, double eps,
                 double* __restrict__ denom) {
    const long long b = (long long)blockIdx.x * blockDim.x + threadIdx.x;
    if (b >= batch) return;
    double t = 0.0;
    for (int c = 0; c < chunks; c++) t += partial[b * chunks + c];
    denom[b] = s * sqrt(t) + eps;                              // s·‖G‖_F + eps
}

// 1 / denom as the fp32 factor X0 = g · inv uses, 0 for a zero denominator (CpuNewtonSchulz.inverseScale).
__device__ __forceinline__ float ns_inverse(double denom) {
    return denom > 0.0 ? (float)(1.0 / denom) : 0.0f;
}

// X0 = G / denom per matrix. transpose = 0: X has G's layout; transpose = 1: X = Gᵀ (cols × rows), used for tall G
// so that X is wide. Grid-stride over the whole batch, 64-bit. x may be g (the cuBLAS baseline scales in place).
extern "C" __global__ void __launch_bounds__(256)
ns_scale(const float* g, float* x, const double* __restrict__ denom, int batch, int rows, int cols, int transpose) {
    const bool tall = transpose != 0;
    const long long per = (long long)rows * cols;
    const long long total = per * batch;
    const int n = tall ? rows : cols;                          // X is m × n
    for (long long e = (long long)blockIdx.x * blockDim.x + threadIdx.x; e < total;
         e += (long long)gridDim.x * blockDim.x) {
        const long long b = e / per;
        const long long r = e - b * per;
        const long long i = r / n, k = r - i * n;              // X[i][k]
        const long long src = tall ? k * cols + i : i * cols + k;
        x[e] = __fmul_rn(g[b * per + src], ns_inverse(denom[b]));   // X0 = G / (s‖G‖_F + eps)
    }
}

// ------------------------------------------------------------------------------------------------ small path

// Largest side ≤ 128: one block of 256 threads per matrix. Shared memory: X (m × ldx) and A (m × lda), ld odd so
// a warp reading consecutive rows of one column hits distinct banks. Each thread owns up to SMALL_MAXT strided
// 4×4 micro-tiles (rows ti + r·RS, cols tj + c·CS), keeps their results in registers across a __syncthreads and
// then overwrites the buffer it read (B over A, X' over X), which is why only m·n + m·m floats are needed.
#define SMALL_THREADS 256
#define SMALL_MAXT 4

// p-th entry of the upper triangle of an RS × RS grid (ti ≤ tj); consecutive p → consecutive ti.
__device__ __forceinline__ void tri_index(int p, int& ti, int& tj) {
    int r = (int)((sqrtf(8.0f * p + 1.0f) - 1.0f) * 0.5f);
    while (r * (r + 1) / 2 > p) r--;
    while ((r + 1) * (r + 2) / 2 <= p) r++;
    ti = p - r * (r + 1) / 2;
    tj = r;
}

template <int PREC>
__device__ __forceinline__ void ns_small_body(const float* g, float* out, const double* __restrict__ denom,
                                              const float* __restrict__ coef, int steps, int rows, int cols) {
    extern __shared__ float smem[];
    const long long bidx = blockIdx.x;
    const int tid = threadIdx.x;
    const bool tall = rows > cols;
    const int m = tall ? cols : rows, n = tall ? rows : cols;
    const int ldx = n | 1, lda = m | 1;
    float* X = smem;                                           // m × n, row stride ldx
    float* A = smem + m * ldx;                                 // m × m, row stride lda (A, then B)
    const float* G = g + bidx * rows * cols;
    float* O = out + bidx * rows * cols;
    const float inv = ns_inverse(denom[bidx]);

    for (int e = tid; e < m * n; e += SMALL_THREADS) {         // X0 = G / (s‖G‖_F + eps)
        const int i = e / n, k = e - i * n;
        const float v = tall ? G[(long long)k * cols + i] : G[(long long)i * cols + k];
        X[i * ldx + k] = __fmul_rn(v, inv);
    }
    __syncthreads();

    const int RS = (m + 3) >> 2, CS = (n + 3) >> 2;
    const int nUp = RS * (RS + 1) / 2, nFull = RS * CS;
    float acc[SMALL_MAXT][16];

    for (int t = 0; t < steps; t++) {
        const float ca = coef[3 * t], cb = coef[3 * t + 1], cc = coef[3 * t + 2];

        // ---- A = X Xᵀ (upper micro-tiles, mirrored)
#pragma unroll
        for (int q = 0; q < SMALL_MAXT; q++) {
            const int p = tid + q * SMALL_THREADS;
            if (p < nUp) {
                int ti, tj;
                tri_index(p, ti, tj);
#pragma unroll
                for (int e = 0; e < 16; e++) acc[q][e] = 0.f;
                for (int k = 0; k < n; k++) {
                    float u[4], v[4];
#pragma unroll
                    for (int r = 0; r < 4; r++) {
                        const int i = ti + r * RS, j = tj + r * RS;
                        u[r] = i < m ? round_op<PREC>(X[i * ldx + k]) : 0.f;
                        v[r] = j < m ? round_op<PREC>(X[j * ldx + k]) : 0.f;
                    }
#pragma unroll
                    for (int r = 0; r < 4; r++)
#pragma unroll
                        for (int c = 0; c < 4; c++) acc[q][r * 4 + c] = fmaf(u[r], v[c], acc[q][r * 4 + c]);
                }
#pragma unroll
                for (int r = 0; r < 4; r++)
#pragma unroll
                    for (int c = 0; c < 4; c++) {
                        const int i = ti + r * RS, j = tj + c * RS;
                        if (i < m && j < m) {   // all 16: an upper micro-tile (ti ≤ tj) also owns some i > j
                            A[i * lda + j] = acc[q][r * 4 + c];
                            A[j * lda + i] = acc[q][r * 4 + c];
                        }
                    }
            }
        }
        __syncthreads();

        // ---- B = b·A + c·A·A (upper micro-tiles in registers, then written over A)
#pragma unroll
        for (int q = 0; q < SMALL_MAXT; q++) {
            const int p = tid + q * SMALL_THREADS;
            if (p < nUp) {
                int ti, tj;
                tri_index(p, ti, tj);
#pragma unroll
                for (int e = 0; e < 16; e++) acc[q][e] = 0.f;
                for (int k = 0; k < m; k++) {
                    float u[4], v[4];
#pragma unroll
                    for (int r = 0; r < 4; r++) {
                        const int i = ti + r * RS, j = tj + r * RS;
                        u[r] = i < m ? round_op<PREC>(A[i * lda + k]) : 0.f;
                        v[r] = j < m ? round_op<PREC>(A[k * lda + j]) : 0.f;
                    }
#pragma unroll
                    for (int r = 0; r < 4; r++)
#pragma unroll
                        for (int c = 0; c < 4; c++) acc[q][r * 4 + c] = fmaf(u[r], v[c], acc[q][r * 4 + c]);
                }
#pragma unroll
                for (int r = 0; r < 4; r++)
#pragma unroll
                    for (int c = 0; c < 4; c++) {
                        const int i = ti + r * RS, j = tj + c * RS;
                        if (i < m && j < m) acc[q][r * 4 + c] = cb * A[i * lda + j] + cc * acc[q][r * 4 + c];
                    }
            }
        }
        __syncthreads();
#pragma unroll
        for (int q = 0; q < SMALL_MAXT; q++) {
            const int p = tid + q * SMALL_THREADS;
            if (p < nUp) {
                int ti, tj;
                tri_index(p, ti, tj);
#pragma unroll
                for (int r = 0; r < 4; r++)
#pragma unroll
                    for (int c = 0; c < 4; c++) {
                        const int i = ti + r * RS, j = tj + c * RS;
                        if (i < m && j < m) {   // all 16 (see A above)
                            A[i * lda + j] = acc[q][r * 4 + c];   // B (symmetric)
                            A[j * lda + i] = acc[q][r * 4 + c];
                        }
                    }
            }
        }
        __syncthreads();

        // ---- X = a·X + B·X (all micro-tiles in registers, then written over X)
#pragma unroll
        for (int q = 0; q < SMALL_MAXT; q++) {
            const int p = tid + q * SMALL_THREADS;
            if (p < nFull) {
                const int ti = p / CS, tj = p - (p / CS) * CS;
#pragma unroll
                for (int e = 0; e < 16; e++) acc[q][e] = 0.f;
                for (int k = 0; k < m; k++) {
                    float u[4], v[4];
#pragma unroll
                    for (int r = 0; r < 4; r++) {
                        const int i = ti + r * RS, j = tj + r * CS;
                        u[r] = i < m ? round_op<PREC>(A[i * lda + k]) : 0.f;
                        v[r] = j < n ? round_op<PREC>(X[k * ldx + j]) : 0.f;
                    }
#pragma unroll
                    for (int r = 0; r < 4; r++)
#pragma unroll
                        for (int c = 0; c < 4; c++) acc[q][r * 4 + c] = fmaf(u[r], v[c], acc[q][r * 4 + c]);
                }
#pragma unroll
                for (int r = 0; r < 4; r++)
#pragma unroll
                    for (int c = 0; c < 4; c++) {
                        const int i = ti + r * RS, j = tj + c * CS;
                        if (i < m && j < n) acc[q][r * 4 + c] = ca * X[i * ldx + j] + acc[q][r * 4 + c];
                    }
            }
        }
        __syncthreads();
#pragma unroll
        for (int q = 0; q < SMALL_MAXT; q++) {
            const int p = tid + q * SMALL_THREADS;
            if (p < nFull) {
                const int ti = p / CS, tj = p - (p / CS) * CS;
#pragma unroll
                for (int r = 0; r < 4; r++)
#pragma unroll
                    for (int c = 0; c < 4; c++) {
                        const int i = ti + r * RS, j = tj + c * CS;
                        if (i < m && j < n) X[i * ldx + j] = acc[q][r * 4 + c];
                    }
            }
        }
        __syncthreads();
    }

    for (int e = tid; e < m * n; e += SMALL_THREADS) {         // out = X (Xᵀ for tall G)
        const int i = e / n, k = e - i * n;
        if (tall) O[(long long)k * cols + i] = X[i * ldx + k];
        else O[(long long)i * cols + k] = X[i * ldx + k];
    }
}

#define NS_SMALL(NAME, PREC)                                                                                    \
    extern "C" __global__ void __launch_bounds__(SMALL_THREADS)                                                 \
    NAME(const float* g, float* out, const double* __restrict__ denom, const float* __restrict__ coef,         \
         int steps, int rows, int cols) {                                                                       \
        ns_small_body<PREC>(g, out, denom, coef, steps, rows, cols);                                            \
    }
NS_SMALL(ns_small_fp32, PREC_FP32)
NS_SMALL(ns_small_tf32, PREC_TF32)
NS_SMALL(ns_small_bf16, PREC_BF16)

// ------------------------------------------------------------------------------------------------ large path

#define BM 128
#define BN 128
#define BK 32
#define GEMM_THREADS 256
#define LDS_F (BK + 4)     // fp32 tile row stride (words): bank = 4·row + col, conflict-free fragment loads
#define LDS_H (BK + 8)     // bf16 tile row stride (halves): 20 words, conflict-free fragment loads

__device__ __forceinline__ void mma_bf16(float (&c)[4], const uint32_t (&a)[4], const uint32_t (&b)[2]) {
    asm volatile("mma.sync.aligned.m16n8k16.row.col.f32.bf16.bf16.f32 {%0,%1,%2,%3}, {%4,%5,%6,%7}, {%8,%9}, "
                 "{%0,%1,%2,%3};\n"
                 : "+f"(c[0]), "+f"(c[1]), "+f"(c[2]), "+f"(c[3])
                 : "r"(a[0]), "r"(a[1]), "r"(a[2]), "r"(a[3]), "r"(b[0]), "r"(b[1]));
}

__device__ __forceinline__ void mma_tf32(float (&c)[4], const uint32_t (&a)[4], const uint32_t (&b)[2]) {
    asm volatile("mma.sync.aligned.m16n8k8.row.col.f32.tf32.tf32.f32 {%0,%1,%2,%3}, {%4,%5,%6,%7}, {%8,%9}, "
                 "{%0,%1,%2,%3};\n"
                 : "+f"(c[0]), "+f"(c[1]), "+f"(c[2]), "+f"(c[3])
                 : "r"(a[0]), "r"(a[1]), "r"(a[2]), "r"(a[3]), "r"(b[0]), "r"(b[1]));
}

// Shared-memory tiles, both k-contiguous: sP[i][k] = P[i0+i][k0+k], sQ[j][k] = Q'(k0+k, j0+j), where
// Q'(k, j) = Q[j][k] ("nt") or Q[k][j] ("nn"). BF16 tiles hold bf16 (RNE), TF32 tiles hold tf32-rounded floats,
// FP32 tiles hold raw floats split at fragment load.
template <int PREC> struct Tile;
template <> struct Tile<PREC_BF16> { __nv_bfloat16 p[BM][LDS_H]; __nv_bfloat16 q[BN][LDS_H]; };
template <> struct Tile<PREC_TF32> { float p[BM][LDS_F]; float q[BN][LDS_F]; };
template <> struct Tile<PREC_FP32> { float p[BM][LDS_F]; float q[BN][LDS_F]; };

template <int PREC>
__device__ __forceinline__ void tile_store(Tile<PREC>& s, bool isQ, int r, int k, float v) {
    if constexpr (PREC == PREC_BF16) {
        (isQ ? s.q : s.p)[r][k] = __float2bfloat16_rn(v);      // bf16(v), RNE
    } else if constexpr (PREC == PREC_TF32) {
        (isQ ? s.q : s.p)[r][k] = round_tf32(v);                // tf32(v), RNE
    } else {
        (isQ ? s.q : s.p)[r][k] = v;
    }
}

// C[i][j] = α·Σ_k P[i][k]·Q'(k, j) + β·D[i][j] for one 128 × 128 tile of matrix blockIdx.z.
//   M × N output, K reduction; P row-major (ldp), Q row-major (ldq), D and C row-major (ldc, may be the same
//   stride); strides between matrices sP_, sQ_, sD_, sC_ (elements). SYMM: M == N, P·Q'ᵀ symmetric: blockIdx.x
//   enumerates upper tiles only, every C[i][j] with i ≤ j is stored at (i, j) and (j, i). transC: store C[j][i].
template <int PREC, bool NT, bool SYMM>
__device__ __forceinline__ void ns_gemm_body(const float* __restrict__ P, const float* __restrict__ Q,
                                             const float* D, float* C, int M, int N, int K, int ldp, int ldq,
                                             int ldc, long long strideP, long long strideQ, long long strideD,
                                             long long strideC, float alpha, float beta, int transC) {
    __shared__ __align__(16) Tile<PREC> s;
    const int tid = threadIdx.x, lane = tid & 31, warp = tid >> 5;
    const int grp = lane >> 2, tig = lane & 3;                 // mma fragment coordinates
    const int wm = warp >> 2, wn = warp & 3;                   // warp tile: rows wm·64, cols wn·32
    int bi, bj;
    if (SYMM) {
        tri_index(blockIdx.x, bi, bj);                          // bi ≤ bj
    } else {
        const int tilesN = (N + BN - 1) / BN;
        bi = blockIdx.x / tilesN;
        bj = blockIdx.x - bi * tilesN;
    }
    const int i0 = bi * BM, j0 = bj * BN;
    const long long z = blockIdx.z;
    P += z * strideP;
    Q += z * strideQ;
    C += z * strideC;
    if (D != nullptr) D += z * strideD;

    float acc[4][4][4];
#pragma unroll
    for (int a = 0; a < 4; a++)
#pragma unroll
        for (int b = 0; b < 4; b++)
#pragma unroll
            for (int e = 0; e < 4; e++) acc[a][b][e] = 0.f;

    for (int k0 = 0; k0 < K; k0 += BK) {
        // P tile: 128 rows × 32 k, k fastest (coalesced).
#pragma unroll 4
        for (int e = tid; e < BM * BK; e += GEMM_THREADS) {
            const int r = e / BK, k = e % BK;
            const int gi = i0 + r, gk = k0 + k;
            const float v = (gi < M && gk < K) ? P[(long long)gi * ldp + gk] : 0.f;
            tile_store<PREC>(s, false, r, k, v);
        }
        if (NT) {                                              // Q'(k, j) = Q[j][k], k fastest
#pragma unroll 4
            for (int e = tid; e < BN * BK; e += GEMM_THREADS) {
                const int r = e / BK, k = e % BK;
                const int gj = j0 + r, gk = k0 + k;
                const float v = (gj < N && gk < K) ? Q[(long long)gj * ldq + gk] : 0.f;
                tile_store<PREC>(s, true, r, k, v);
            }
        } else {                                               // Q'(k, j) = Q[k][j], j fastest (transposing store)
#pragma unroll 4
            for (int e = tid; e < BN * BK; e += GEMM_THREADS) {
                const int k = e / BN, r = e % BN;
                const int gj = j0 + r, gk = k0 + k;
                const float v = (gj < N && gk < K) ? Q[(long long)gk * ldq + gj] : 0.f;
                tile_store<PREC>(s, true, r, k, v);
            }
        }
        __syncthreads();

        if constexpr (PREC == PREC_BF16) {
#pragma unroll
            for (int kk = 0; kk < BK; kk += 16) {
                uint32_t af[4][4], bf[4][2];
#pragma unroll
                for (int mi = 0; mi < 4; mi++) {               // A fragment (16 × 16, row-major)
                    const int r = wm * 64 + mi * 16 + grp;
                    af[mi][0] = *reinterpret_cast<const uint32_t*>(&s.p[r][kk + 2 * tig]);
                    af[mi][1] = *reinterpret_cast<const uint32_t*>(&s.p[r + 8][kk + 2 * tig]);
                    af[mi][2] = *reinterpret_cast<const uint32_t*>(&s.p[r][kk + 2 * tig + 8]);
                    af[mi][3] = *reinterpret_cast<const uint32_t*>(&s.p[r + 8][kk + 2 * tig + 8]);
                }
#pragma unroll
                for (int ni = 0; ni < 4; ni++) {               // B fragment (16 × 8, column-major)
                    const int c = wn * 32 + ni * 8 + grp;
                    bf[ni][0] = *reinterpret_cast<const uint32_t*>(&s.q[c][kk + 2 * tig]);
                    bf[ni][1] = *reinterpret_cast<const uint32_t*>(&s.q[c][kk + 2 * tig + 8]);
                }
#pragma unroll
                for (int mi = 0; mi < 4; mi++)
#pragma unroll
                    for (int ni = 0; ni < 4; ni++) mma_bf16(acc[mi][ni], af[mi], bf[ni]);
            }
        } else {
#pragma unroll
            for (int kk = 0; kk < BK; kk += 8) {
                uint32_t af[4][4], bf[4][2];
                uint32_t al[4][4], bl[4][2];                   // FP32 only: the lo parts of the 3×TF32 split
#pragma unroll
                for (int mi = 0; mi < 4; mi++) {               // A fragment (16 × 8, row-major)
                    const int r = wm * 64 + mi * 16 + grp;
                    const float v[4] = {s.p[r][kk + tig], s.p[r + 8][kk + tig], s.p[r][kk + tig + 4],
                                        s.p[r + 8][kk + tig + 4]};
#pragma unroll
                    for (int e = 0; e < 4; e++) {
                        if (PREC == PREC_FP32) {
                            const float h = round_tf32(v[e]);  // x = hi + lo
                            af[mi][e] = __float_as_uint(h);
                            al[mi][e] = __float_as_uint(round_tf32(v[e] - h));
                        } else {
                            af[mi][e] = __float_as_uint(v[e]);  // already tf32
                        }
                    }
                }
#pragma unroll
                for (int ni = 0; ni < 4; ni++) {               // B fragment (8 × 8, column-major)
                    const int c = wn * 32 + ni * 8 + grp;
                    const float v[2] = {s.q[c][kk + tig], s.q[c][kk + tig + 4]};
#pragma unroll
                    for (int e = 0; e < 2; e++) {
                        if (PREC == PREC_FP32) {
                            const float h = round_tf32(v[e]);
                            bf[ni][e] = __float_as_uint(h);
                            bl[ni][e] = __float_as_uint(round_tf32(v[e] - h));
                        } else {
                            bf[ni][e] = __float_as_uint(v[e]);
                        }
                    }
                }
#pragma unroll
                for (int mi = 0; mi < 4; mi++)
#pragma unroll
                    for (int ni = 0; ni < 4; ni++) {
                        if (PREC == PREC_FP32) {
                            mma_tf32(acc[mi][ni], al[mi], bf[ni]);   // lo·hi
                            mma_tf32(acc[mi][ni], af[mi], bl[ni]);   // hi·lo
                        }
                        mma_tf32(acc[mi][ni], af[mi], bf[ni]);       // hi·hi
                    }
            }
        }
        __syncthreads();
    }

    // Epilogue: C = α·acc + β·D (D read in fp32), mirrored for SYMM, transposed store for transC.
#pragma unroll
    for (int mi = 0; mi < 4; mi++)
#pragma unroll
        for (int ni = 0; ni < 4; ni++)
#pragma unroll
            for (int e = 0; e < 4; e++) {
                const int i = i0 + wm * 64 + mi * 16 + grp + ((e & 2) ? 8 : 0);
                const int j = j0 + wn * 32 + ni * 8 + 2 * tig + (e & 1);
                if (i >= M || j >= N) continue;
                if (SYMM && i > j) continue;                   // the (j, i) owner stores it
                float v = alpha * acc[mi][ni][e];
                if (D != nullptr) v += beta * D[(long long)i * ldc + j];
                if (SYMM) {
                    C[(long long)i * ldc + j] = v;
                    C[(long long)j * ldc + i] = v;
                } else if (transC) {
                    C[(long long)j * M + i] = v;               // out = Xᵀ (tall G): out is N × M
                } else {
                    C[(long long)i * ldc + j] = v;
                }
            }
}

#define NS_GEMM(NAME, PREC, NT, SYMM)                                                                           \
    extern "C" __global__ void __launch_bounds__(GEMM_THREADS)                                                  \
    NAME(const float* __restrict__ P, const float* __restrict__ Q, const float* D, float* C, int M, int N,     \
         int K, int ldp, int ldq, int ldc, long long strideP, long long strideQ, long long strideD,             \
         long long strideC, float alpha, float beta, int transC) {                                              \
        ns_gemm_body<PREC, NT, SYMM>(P, Q, D, C, M, N, K, ldp, ldq, ldc, strideP, strideQ, strideD, strideC,   \
                                     alpha, beta, transC);                                                       \
    }
NS_GEMM(ns_gemm_bf16_nt, PREC_BF16, true, true)
NS_GEMM(ns_gemm_tf32_nt, PREC_TF32, true, true)
NS_GEMM(ns_gemm_fp32_nt, PREC_FP32, true, true)
NS_GEMM(ns_gemm_bf16_nn, PREC_BF16, false, false)
NS_GEMM(ns_gemm_tf32_nn, PREC_TF32, false, false)
NS_GEMM(ns_gemm_fp32_nn, PREC_FP32, false, false)
