// gauge.cu — gauge projections of DDC (docs/algorithms.md §4): rotation (full so(d) and RoPE-matched), scaling, logit shift.
//
// Math, per batch entry (one layer), head size d, model width D, r = heads/kvHeads query heads per group:
//   QK, rope = none, per group g (query heads h ∈ [g·r, (g+1)·r), K head g):
//       S = Σ_h W_Q^h W_Q^hᵀ + W_K W_Kᵀ,   N = Σ_h G_Q^h W_Q^hᵀ + G_K W_Kᵀ          (d × d)
//       S A + A S = N − Nᵀ  →  A = U [ (Uᵀ (N − Nᵀ) U)_ij / (λ_i + λ_j) ] Uᵀ,  S = U Λ Uᵀ
//       H_Q^h = G_Q^h − A W_Q^h,   H_K = G_K − A W_K
//   VO, per group g (V head g, O heads h of the group; W_O^h = columns [h·d, (h+1)·d) of W_O, D × d):
//       S = W_V W_Vᵀ + Σ_h W_O^hᵀ W_O^h,   N = G_V W_Vᵀ − Σ_h W_O^hᵀ G_O^h
//       H_V = G_V − A W_V,   H_O^h = G_O^h + W_O^h A
//   QK, RoPE (pairs (2k, 2k+1) interleaved, (k, k + d/2) half), E_k = [[0, −1], [1, 0]] on pair k:
//       a_k = [Σ_h ⟨G_Q^h, E_k W_Q^h⟩ + ⟨G_K, E_k W_K⟩] / [Σ_h ‖W_Q^h(k)‖² + ‖W_K(k)‖²]   (0 when the pair is zero)
//       ⟨G, E_k W⟩ = Σ_x (g_{1x} w_{0x} − g_{0x} w_{1x});   h_0 = g_0 + a_k w_1,  h_1 = g_1 − a_k w_0 (Q heads and K)
//   scaling: α_i = (⟨G1_i, W1_i⟩ − ⟨G2_i, W2_i⟩) / (‖W1_i‖² + ‖W2_i‖²) (0 when both are zero),
//       H1_i = G1_i − α_i W1_i (row i of k × D1), H2_i = G2_i + α_i W2_i (column i of D2 × k)
//   logit shift: h = g − (column mean over the rows)
//
// Java reference: org.ortho4j.cpu.CpuGauge; contract: Context.gaugeRotation / gaugeScaling / gaugeLogitShift,
// RotationGauge's javadoc. Launcher: org.ortho4j.cuda.CudaGauge.
//
// Kernels / versions (v1 each):
//   gauge_check_finite   per-matrix flags, one bit per argument (read-only; before anything is written)
//   gauge_rope           one block per (pair k, group, layer): one double reduction over D·2·(r+1) values, then writes
//   gauge_gram           S and N of every group: 32×32 output tiles × split over D, double accumulation, double atomics
//   gauge_solve          one block per group, d ≤ 128: S copied to float shared memory, parallel cyclic Jacobi
//                        (round-robin, d/2 disjoint rotations per round, rows then columns), rotation when
//                        |s_pq| > 2⁻²¹·sqrt(s_pp s_qq), ≤ 30 sweeps; then the Lyapunov solve in the float eigenbasis with
//                        2 steps of iterative refinement in double (R = C − (S A + A S) with the exact double S), so
//                        the result is accurate well beyond float32's eigenvectors. Pairs with
//                        λ_i + λ_j ≤ d·2⁻²³·λ_max are treated as zero (the unidentifiable directions of a singular S).
//                        Shared memory: 8·(dd + d) + 8·d·(d+1) bytes (dd = d rounded up to even) = 134,144 bytes at d = 128 (opt-in above 48 KiB).
//   gauge_apply_rows     H = G − A W on row blocks (Q, K, V heads): A (float) and a 32-column tile of W in shared memory
//   gauge_apply_cols     H_O = G_O + W_O A on column blocks (O heads)
//   gauge_scale_rows, gauge_scale_cols, gauge_scale_apply      the scaling gauge
//   gauge_col_sum, gauge_logit_apply                           the logit shift
// Every kernel that writes an output returns at once when the batch's "any" flag is set.
//
// Build (done by the Maven PTX profile; by hand):
//   nvcc -O3 -arch=sm_80 -ptx kernels/gauge.cu -o gauge.ptx ;  ptxas -arch=sm_90 -v gauge.ptx
#include "common.cuh"

#define GAUGE_MAX_D 128
#define GAUGE_THREADS 256
#define GAUGE_MAX_SWEEPS 30

extern "C" __global__ void gauge_check_finite(const float* __restrict__ x, long long perMatrix, int batch, int* flags,
                                              int* any, int bit) {
    o4j_check_finite(x, perMatrix, batch, flags, any, bit);
}

// ------------------------------------------------------------------------------------------------ RoPE

// grid: x = kv·(d/2) (group·(d/2) + pair), y = layers (strided). half: 0 interleaved, 1 rotate-half.
extern "C" __global__ void __launch_bounds__(GAUGE_THREADS)
gauge_rope(const float* __restrict__ w1, const float* __restrict__ w2, const float* __restrict__ g1,
           const float* __restrict__ g2, float* __restrict__ h1, float* __restrict__ h2, int batch, int heads, int kv,
           int d, int D, int half, const int* any) {
    if (o4j_abort(any)) return;
    __shared__ double red[32];
    const int pairs = d / 2, grp = blockIdx.x / pairs, k = blockIdx.x % pairs, r = heads / kv;
    const int r0 = half ? k : 2 * k, r1 = half ? k + pairs : 2 * k + 1;
    const long long m1 = (long long)heads * d * D, m2 = (long long)kv * d * D;
    for (long long b = blockIdx.y; b < batch; b += gridDim.y) {
        double num = 0, den = 0;
        for (int s = 0; s <= r; s++) {               // s < r: Q head grp·r + s; s = r: K head grp
            const bool q = s < r;
            const long long row = (long long)(q ? (grp * r + s) : grp) * d;
            const float* W = (q ? w1 + b * m1 : w2 + b * m2) + row * D;
            const float* G = (q ? g1 + b * m1 : g2 + b * m2) + row * D;
            for (int x = threadIdx.x; x < D; x += blockDim.x) {
                double wa = W[(long long)r0 * D + x], wb = W[(long long)r1 * D + x];
                double ga = G[(long long)r0 * D + x], gb = G[(long long)r1 * D + x];
                num += gb * wa - ga * wb;            // ⟨G, E_k W⟩ = Σ (g_1 w_0 − g_0 w_1)
                den += wa * wa + wb * wb;            // ‖W(k)‖²
            }
        }
        num = o4j_block_sum(num, red);
        den = o4j_block_sum(den, red);
        const double a = den > 0 ? num / den : 0.0;
        for (int s = 0; s <= r; s++) {
            const bool q = s < r;
            const long long row = (long long)(q ? (grp * r + s) : grp) * d;
            const long long off = (q ? b * m1 : b * m2) + row * D;
            const float* W = (q ? w1 : w2) + off;
            const float* G = (q ? g1 : g2) + off;
            float* H = (q ? h1 : h2) + off;
            for (int x = threadIdx.x; x < D; x += blockDim.x) {
                double wa = W[(long long)r0 * D + x], wb = W[(long long)r1 * D + x];
                H[(long long)r0 * D + x] = (float)(G[(long long)r0 * D + x] + a * wb);   // h_0 = g_0 + a w_1
                H[(long long)r1 * D + x] = (float)(G[(long long)r1 * D + x] - a * wa);   // h_1 = g_1 − a w_0
            }
        }
    }
}

// ------------------------------------------------------------------------------------------------ S and N

// Loads a 32 (i) × 32 (t) tile P[i][t] = base[i·si + t·st] (zero outside i < d, t < tEnd) into T[i][t],
// coalesced along whichever of i, t is contiguous.
__device__ __forceinline__ void gauge_tile(float (*T)[33], const float* base, long long si, long long st, int i0,
                                           int t0, int d, int tEnd) {
    for (int l = threadIdx.x; l < 1024; l += blockDim.x) {
        int ii, tt;
        if (st == 1) { tt = l & 31; ii = l >> 5; } else { ii = l & 31; tt = l >> 5; }
        int i = i0 + ii, t = t0 + tt;
        T[ii][tt] = (i < d && t < tEnd) ? __ldg(base + i * si + t * st) : 0.0f;
    }
}

// S, N (double, [(layer·kv + group)·d·d], zeroed beforehand) for every group.
// grid: x = tiles² (tiles = ⌈d/32⌉), y = chunks of the width D (chunk columns each), z = layer·kv + group (strided).
// vo: 0 QK, 1 VO. D is the reduction length of every segment (w1.cols; for VO also w2.rows).
extern "C" __global__ void __launch_bounds__(GAUGE_THREADS)
gauge_gram(const float* __restrict__ w1, const float* __restrict__ g1, const float* __restrict__ w2,
           const float* __restrict__ g2, int vo, int batch, int heads, int kv, int d, int D, int chunk,
           double* S, double* N) {
    __shared__ float Xi[32][33], Xj[32][33], Gt[32][33];
    const int tiles = (d + 31) / 32, i0 = (blockIdx.x / tiles) * 32, j0 = (blockIdx.x % tiles) * 32;
    const int r = heads / kv, tx = threadIdx.x & 31, ty = threadIdx.x >> 5;   // 8 × 32 threads, 4 rows each
    const int t0 = blockIdx.y * chunk, t1 = min(D, t0 + chunk);
    const long long m1 = (long long)(vo ? kv : heads) * d * D;                // elements of w1 per layer
    const long long m2 = vo ? (long long)D * heads * d : (long long)kv * d * D;
    const long long ldo = (long long)heads * d;                               // row stride of W_O
    for (long long z = blockIdx.z; z < (long long)batch * kv; z += gridDim.z) {
        const long long b = z / kv;
        const int grp = (int)(z % kv);
        double s[4] = {0, 0, 0, 0}, n[4] = {0, 0, 0, 0};
        for (int seg = 0; seg <= r; seg++) {
            // segment: X (d rows indexed i, reduction index t), G alike; nMode 0: N += G_i·X_j, 1: N −= X_i·G_j
            const float *X, *G;
            long long si, st;
            int nMode;
            if (!vo) {
                const bool q = seg < r;
                const long long off = (q ? b * m1 : b * m2) + (long long)(q ? grp * r + seg : grp) * d * D;
                X = (q ? w1 : w2) + off; G = (q ? g1 : g2) + off; si = D; st = 1; nMode = 0;
            } else if (seg == 0) {
                const long long off = b * m1 + (long long)grp * d * D;
                X = w1 + off; G = g1 + off; si = D; st = 1; nMode = 0;
            } else {
                const long long off = b * m2 + (long long)(grp * r + seg - 1) * d;
                X = w2 + off; G = g2 + off; si = 1; st = ldo; nMode = 1;
            }
            for (int t = t0; t < t1; t += 32) {
                gauge_tile(Xi, X, si, st, i0, t, d, t1);
                gauge_tile(Xj, X, si, st, j0, t, d, t1);
                gauge_tile(Gt, G, si, st, nMode ? j0 : i0, t, d, t1);
                __syncthreads();
#pragma unroll 8
                for (int u = 0; u < 32; u++) {
                    const double xj = Xj[tx][u];
                    const double gj = Gt[tx][u];
#pragma unroll
                    for (int q = 0; q < 4; q++) {
                        const int ii = ty + 8 * q;
                        const double xi = Xi[ii][u];
                        s[q] += xi * xj;                                      // S_ij += X_i·X_j
                        n[q] += nMode ? -xi * gj : (double)Gt[ii][u] * xj;    // N_ij += G_i·X_j  |  −= X_i·G_j
                    }
                }
                __syncthreads();
            }
        }
        const long long base = z * d * d;
        const int j = j0 + tx;
#pragma unroll
        for (int q = 0; q < 4; q++) {
            const int i = i0 + ty + 8 * q;
            if (i < d && j < d) {
                atomicAdd(S + base + (long long)i * d + j, s[q]);
                atomicAdd(N + base + (long long)i * d + j, n[q]);
            }
        }
    }
}

// ------------------------------------------------------------------------------------------------ eigen + Lyapunov

// T2 = T1·U   (d × d, T in global double, U[i·ld + j] float shared)
__device__ void gauge_mul_TU(double* out, const double* t, const float* U, int ld, int d) {
    for (int e = threadIdx.x; e < d * d; e += blockDim.x) {
        int i = e / d, j = e % d;
        double acc = 0;
        for (int l = 0; l < d; l++) acc += t[i * d + l] * (double)U[l * ld + j];
        out[e] = acc;
    }
}
// out = Uᵀ·T
__device__ void gauge_mul_UtT(double* out, const double* t, const float* U, int ld, int d) {
    for (int e = threadIdx.x; e < d * d; e += blockDim.x) {
        int i = e / d, j = e % d;
        double acc = 0;
        for (int l = 0; l < d; l++) acc += (double)U[l * ld + i] * t[l * d + j];
        out[e] = acc;
    }
}
// out = T·Uᵀ
__device__ void gauge_mul_TUt(double* out, const double* t, const float* U, int ld, int d) {
    for (int e = threadIdx.x; e < d * d; e += blockDim.x) {
        int i = e / d, j = e % d;
        double acc = 0;
        for (int l = 0; l < d; l++) acc += t[i * d + l] * (double)U[j * ld + l];
        out[e] = acc;
    }
}
// out = U·T
__device__ void gauge_mul_UT(double* out, const double* t, const float* U, int ld, int d) {
    for (int e = threadIdx.x; e < d * d; e += blockDim.x) {
        int i = e / d, j = e % d;
        double acc = 0;
        for (int l = 0; l < d; l++) acc += (double)U[i * ld + l] * t[l * d + j];
        out[e] = acc;
    }
}

// One block per group z = layer·kv + group (strided). S, N: double d×d per group (from gauge_gram). A: output,
// float d×d per group. work: 2·d·d doubles per group (scratch). Dynamic shared memory: 8·(dd + d) + 8·d·(d+1) bytes,
// dd = d rounded up to even.
extern "C" __global__ void __launch_bounds__(GAUGE_THREADS)
gauge_solve(const double* __restrict__ S, const double* __restrict__ N, float* __restrict__ Aout, double* work,
            long long groups, int d, const int* any) {
    if (o4j_abort(any)) return;
    extern __shared__ double dsm[];
    const int ld = d + 1;
    const int dd = d + (d & 1);       // round-robin over an even count; index d is a dummy
    double* cs = dsm;                 // dd/2 cosines
    double* sn = dsm + dd / 2;        // dd/2 sines
    double* lam = dsm + dd;           // d eigenvalues
    float* Sw = (float*)(dsm + dd + d); // Sw[i·ld + j]
    float* U = Sw + d * ld;             // U[i·ld + j], column j = eigenvector j
    __shared__ int rotations;
    __shared__ double lamMax;
    const double tol = 4.76837158203125e-07;   // 2⁻²¹
    for (long long z = blockIdx.x; z < groups; z += gridDim.x) {
        const double* Sg = S + z * d * d;
        const double* Ng = N + z * d * d;
        double* T1 = work + z * 2 * d * d;
        double* T2 = T1 + d * d;
        float* Ag = Aout + z * d * d;
        for (int e = threadIdx.x; e < d * d; e += blockDim.x) {
            int i = e / d, j = e % d;
            Sw[i * ld + j] = (float)Sg[e];
            U[i * ld + j] = i == j ? 1.0f : 0.0f;
        }
        __syncthreads();
        // ---- parallel cyclic Jacobi: S ← Jᵀ S J, U ← U J, J = Π_pairs [[c, s], [−s, c]] on (p, q)
        for (int sweep = 0; sweep < GAUGE_MAX_SWEEPS; sweep++) {
            if (threadIdx.x == 0) rotations = 0;
            __syncthreads();
            for (int round = 0; round < dd - 1; round++) {
                for (int pr = threadIdx.x; pr < dd / 2; pr += blockDim.x) {
                    int p = pr == 0 ? round : (round + pr) % (dd - 1);
                    int q = pr == 0 ? dd - 1 : (round - pr + dd - 1) % (dd - 1);
                    double c = 1, s = 0;
                    if (p < d && q < d) {
                        double app = Sw[p * ld + p], aqq = Sw[q * ld + q], apq = Sw[p * ld + q];
                        if (apq != 0.0 && fabs(apq) > tol * sqrt(fabs(app * aqq))) {
                            double tau = (aqq - app) / (2.0 * apq);   // τ = (s_qq − s_pp)/(2 s_pq)
                            double t = (tau >= 0 ? 1.0 : -1.0) / (fabs(tau) + sqrt(1.0 + tau * tau));
                            c = 1.0 / sqrt(1.0 + t * t); s = c * t;
                            atomicAdd(&rotations, 1);
                        }
                    }
                    cs[pr] = c; sn[pr] = s;
                }
                __syncthreads();
                // rows: row p ← c·row p − s·row q, row q ← s·row p + c·row q
                for (int e = threadIdx.x; e < (dd / 2) * d; e += blockDim.x) {
                    int pr = e / d, j = e % d;
                    int p = pr == 0 ? round : (round + pr) % (dd - 1);
                    int q = pr == 0 ? dd - 1 : (round - pr + dd - 1) % (dd - 1);
                    if (p >= d || q >= d || sn[pr] == 0.0) continue;
                    double a = Sw[p * ld + j], bq = Sw[q * ld + j];
                    Sw[p * ld + j] = (float)(cs[pr] * a - sn[pr] * bq);
                    Sw[q * ld + j] = (float)(sn[pr] * a + cs[pr] * bq);
                }
                __syncthreads();
                // columns of S and U: col p ← c·col p − s·col q, col q ← s·col p + c·col q
                for (int e = threadIdx.x; e < (dd / 2) * d * 2; e += blockDim.x) {
                    int which = e / ((dd / 2) * d), rem = e % ((dd / 2) * d);
                    int pr = rem / d, i = rem % d;
                    int p = pr == 0 ? round : (round + pr) % (dd - 1);
                    int q = pr == 0 ? dd - 1 : (round - pr + dd - 1) % (dd - 1);
                    if (p >= d || q >= d || sn[pr] == 0.0) continue;
                    float* M = which ? U : Sw;
                    double a = M[i * ld + p], bq = M[i * ld + q];
                    M[i * ld + p] = (float)(cs[pr] * a - sn[pr] * bq);
                    M[i * ld + q] = (float)(sn[pr] * a + cs[pr] * bq);
                }
                __syncthreads();
            }
            int done = rotations == 0;
            __syncthreads();
            if (done) break;
        }
        if (threadIdx.x == 0) lamMax = 0;
        __syncthreads();
        for (int i = threadIdx.x; i < d; i += blockDim.x) {
            lam[i] = Sw[i * ld + i];
            // max(λ_i, +0): a −0.0 (bits 0x8000…) would win the unsigned compare, so clamp with a comparison
            atomicMax((unsigned long long*)&lamMax, __double_as_longlong(lam[i] > 0.0 ? lam[i] : 0.0));
        }
        __syncthreads();
        const double cut = (double)d * 1.1920928955078125e-07 * lamMax;   // λ_i + λ_j ≤ d·2⁻²³·λ_max → 0
        // ---- A = L⁻¹(C), C = N − Nᵀ, refined: A ← A + L⁻¹(C − (S A + A S)), L⁻¹(R) = U[(UᵀRU)_ij/(λ_i+λ_j)]Uᵀ
        for (int it = 0; it < 3; it++) {
            for (int e = threadIdx.x; e < d * d; e += blockDim.x) {
                int i = e / d, j = e % d;
                double rr = Ng[i * d + j] - Ng[j * d + i];                  // C = N − Nᵀ
                if (it > 0) {
                    double sa = 0;
                    for (int l = 0; l < d; l++)                            // (S A + A S)_ij, A in Ag (float, skew)
                        sa += Sg[i * d + l] * (double)Ag[l * d + j] + (double)Ag[i * d + l] * Sg[l * d + j];
                    rr -= sa;
                }
                T1[e] = rr;
            }
            __syncthreads();
            gauge_mul_TU(T2, T1, U, ld, d);  __syncthreads();   // R U
            gauge_mul_UtT(T1, T2, U, ld, d); __syncthreads();   // Uᵀ R U
            for (int e = threadIdx.x; e < d * d; e += blockDim.x) {
                double den = lam[e / d] + lam[e % d];
                T1[e] = den > cut ? T1[e] / den : 0.0;                      // ./ (λ_i + λ_j)
            }
            __syncthreads();
            gauge_mul_TUt(T2, T1, U, ld, d); __syncthreads();   // Z Uᵀ
            gauge_mul_UT(T1, T2, U, ld, d);  __syncthreads();   // U Z Uᵀ = ΔA
            for (int e = threadIdx.x; e < d * d; e += blockDim.x) {
                int i = e / d, j = e % d;
                double da = 0.5 * (T1[i * d + j] - T1[j * d + i]);        // skew part (A is skew)
                T2[e] = (it == 0 ? 0.0 : (double)Ag[e]) + da;
            }
            __syncthreads();
            for (int e = threadIdx.x; e < d * d; e += blockDim.x) Ag[e] = (float)T2[e];
            __syncthreads();
        }
    }
}

// ------------------------------------------------------------------------------------------------ apply

// H = G − A W on the d-row blocks of two row-layout matrices (width D): blocks [0, nb1) of matrix 1 (group
// blk / div1), blocks [nb1, nb1 + nb2) of matrix 2 (group blk − nb1). grid: x = ⌈D/32⌉, y = nb1 + nb2, z = layers.
// Dynamic shared memory: 4·d·d + 4·d·33 bytes.
extern "C" __global__ void __launch_bounds__(GAUGE_THREADS)
gauge_apply_rows(const float* __restrict__ A, const float* __restrict__ w1, const float* __restrict__ g1,
                 float* __restrict__ h1, int nb1, int div1, const float* __restrict__ w2, const float* __restrict__ g2,
                 float* __restrict__ h2, int nb2, int batch, int kv, int d, int D, const int* any) {
    if (o4j_abort(any)) return;
    extern __shared__ float fsm[];
    float* As = fsm;                 // As[i·d + j]
    float* Wt = fsm + d * d;         // Wt[j·33 + x]
    const int blk = blockIdx.y, x0 = blockIdx.x * 32;
    const bool first = blk < nb1;
    const int grp = first ? blk / div1 : blk - nb1;
    const long long rowsM = (long long)(first ? nb1 : nb2) * d;    // rows of this matrix
    for (long long b = blockIdx.z; b < batch; b += gridDim.z) {
        const long long off = b * rowsM * D + (long long)(first ? blk : blk - nb1) * d * D;
        const float* W = (first ? w1 : w2) + off;
        const float* G = (first ? g1 : g2) + off;
        float* H = (first ? h1 : h2) + off;
        const float* Ag = A + (b * kv + grp) * d * d;
        for (int e = threadIdx.x; e < d * d; e += blockDim.x) As[e] = Ag[e];
        for (int e = threadIdx.x; e < d * 32; e += blockDim.x) {
            int j = e >> 5, x = e & 31;
            Wt[j * 33 + x] = x0 + x < D ? W[(long long)j * D + x0 + x] : 0.0f;
        }
        __syncthreads();
        const int x = threadIdx.x & 31;
        if (x0 + x < D)
            for (int i = threadIdx.x >> 5; i < d; i += blockDim.x >> 5) {
                float acc = 0;
                for (int j = 0; j < d; j++) acc = fmaf(As[i * d + j], Wt[j * 33 + x], acc);
                H[(long long)i * D + x0 + x] = G[(long long)i * D + x0 + x] - acc;    // H = G − A W
            }
        __syncthreads();
    }
}

// H_O^h = G_O^h + W_O^h A for O heads h (columns [h·d, (h+1)·d) of the Drows × heads·d matrix), group h / r.
// grid: x = ⌈Drows/32⌉, y = heads, z = layers. Dynamic shared memory: 4·d·d + 4·32·(d+1) bytes.
extern "C" __global__ void __launch_bounds__(GAUGE_THREADS)
gauge_apply_cols(const float* __restrict__ A, const float* __restrict__ w, const float* __restrict__ g,
                 float* __restrict__ h, int batch, int heads, int kv, int d, int Drows, const int* any) {
    if (o4j_abort(any)) return;
    extern __shared__ float fsm[];
    float* As = fsm;                 // As[i·d + j]
    float* Wt = fsm + d * d;         // Wt[y·(d+1) + i]
    const int hd = blockIdx.y, grp = hd / (heads / kv), y0 = blockIdx.x * 32;
    const long long ld = (long long)heads * d;
    for (long long b = blockIdx.z; b < batch; b += gridDim.z) {
        const long long off = b * Drows * ld + (long long)hd * d;
        const float* Ag = A + (b * kv + grp) * d * d;
        for (int e = threadIdx.x; e < d * d; e += blockDim.x) As[e] = Ag[e];
        for (int e = threadIdx.x; e < 32 * d; e += blockDim.x) {
            int yy = e / d, i = e % d;
            Wt[yy * (d + 1) + i] = y0 + yy < Drows ? w[off + (long long)(y0 + yy) * ld + i] : 0.0f;
        }
        __syncthreads();
        for (int e = threadIdx.x; e < 32 * d; e += blockDim.x) {
            int yy = e / d, j = e % d;
            if (y0 + yy >= Drows) continue;
            float acc = 0;
            for (int i = 0; i < d; i++) acc = fmaf(Wt[yy * (d + 1) + i], As[i * d + j], acc);
            long long idx = off + (long long)(y0 + yy) * ld + j;
            h[idx] = g[idx] + acc;                                                   // H_O = G_O + W_O A
        }
        __syncthreads();
    }
}

// ------------------------------------------------------------------------------------------------ scaling

// sums[R·4 + 0] = ⟨G1_i, W1_i⟩, [R·4 + 1] = ‖W1_i‖², R = layer·k + i; one warp per row.
extern "C" __global__ void gauge_scale_rows(const float* __restrict__ w1, const float* __restrict__ g1, long long totalRows,
                                            int D1, double* __restrict__ sums) {
    const int lane = threadIdx.x & 31;
    const long long warpsTotal = (long long)gridDim.x * (blockDim.x >> 5);
    for (long long R = (long long)blockIdx.x * (blockDim.x >> 5) + (threadIdx.x >> 5); R < totalRows; R += warpsTotal) {
        const float* w = w1 + R * D1;
        const float* g = g1 + R * D1;
        double dot = 0, nrm = 0;
        for (int x = lane; x < D1; x += 32) { double a = w[x]; dot += (double)g[x] * a; nrm += a * a; }
        dot = o4j_warp_sum(dot); nrm = o4j_warp_sum(nrm);
        if (lane == 0) { sums[R * 4] = dot; sums[R * 4 + 1] = nrm; }
    }
}

// sums[(layer·k + i)·4 + 2] += ⟨G2_i, W2_i⟩, [+3] += ‖W2_i‖² over column i of the D2 × k matrices (zeroed beforehand).
// grid: x = ⌈k/32⌉·rowChunks, y = layers (strided); block (32, 8).
extern "C" __global__ void gauge_scale_cols(const float* __restrict__ w2, const float* __restrict__ g2, int D2, int k,
                                            int batch, int rowChunks, double* sums) {
    __shared__ double pd[8][33], pn[8][33];
    const int colTiles = (k + 31) / 32, tile = blockIdx.x % colTiles, chunk = blockIdx.x / colTiles;
    const int c = tile * 32 + threadIdx.x, per = (D2 + rowChunks - 1) / rowChunks;
    const int r0 = chunk * per, r1 = min(D2, r0 + per);
    for (long long b = blockIdx.y; b < batch; b += gridDim.y) {
        const long long off = b * (long long)D2 * k;
        double dot = 0, nrm = 0;
        if (c < k)
            for (int r = r0 + threadIdx.y; r < r1; r += 8) {
                double a = w2[off + (long long)r * k + c];
                dot += (double)g2[off + (long long)r * k + c] * a; nrm += a * a;
            }
        pd[threadIdx.y][threadIdx.x] = dot; pn[threadIdx.y][threadIdx.x] = nrm;
        __syncthreads();
        if (threadIdx.y == 0 && c < k) {
            double td = 0, tn = 0;
            for (int y = 0; y < 8; y++) { td += pd[y][threadIdx.x]; tn += pn[y][threadIdx.x]; }
            atomicAdd(sums + (b * k + c) * 4 + 2, td);
            atomicAdd(sums + (b * k + c) * 4 + 3, tn);
        }
        __syncthreads();
    }
}

// α_i = (s0 − s2)/(s1 + s3) (0 when s1 + s3 = 0); H1 = G1 − α W1 (rows), H2 = G2 + α W2 (columns).
// Elements [0, count1) are h1's, [count1, count1 + count2) h2's.
extern "C" __global__ void gauge_scale_apply(const float* __restrict__ w1, const float* __restrict__ g1, float* __restrict__ h1,
                                             const float* __restrict__ w2, const float* __restrict__ g2, float* __restrict__ h2,
                                             int k, int D1, int D2, long long count1, long long count2,
                                             const double* __restrict__ sums, const int* any) {
    if (o4j_abort(any)) return;
    for (long long e = (long long)blockIdx.x * blockDim.x + threadIdx.x; e < count1 + count2; e += (long long)gridDim.x * blockDim.x) {
        long long unit;
        bool first = e < count1;
        long long f = first ? e : e - count1;
        if (first) unit = f / D1;                                            // (layer·k + i)
        else { long long b = f / ((long long)D2 * k); unit = b * k + f % k; }
        const double* s = sums + unit * 4;
        double den = s[1] + s[3];
        double alpha = den > 0 ? (s[0] - s[2]) / den : 0.0;
        if (first) h1[f] = (float)(g1[f] - alpha * w1[f]);
        else h2[f] = (float)(g2[f] + alpha * w2[f]);
    }
}

// ------------------------------------------------------------------------------------------------ logit shift

// Column sums of g (zeroed beforehand), flags non-finite. grid: x = ⌈cols/32⌉·rowChunks, y = layers; block (32, 8).
extern "C" __global__ void gauge_col_sum(const float* __restrict__ g, double* sums, int rows, int cols, int batch,
                                         int rowChunks, int* flags, int* any) {
    __shared__ double part[8][33];
    const int colTiles = (cols + 31) / 32, tile = blockIdx.x % colTiles, chunk = blockIdx.x / colTiles;
    const int c = tile * 32 + threadIdx.x, per = (rows + rowChunks - 1) / rowChunks;
    const int r0 = chunk * per, r1 = min(rows, r0 + per);
    for (long long b = blockIdx.y; b < batch; b += gridDim.y) {
        const float* gb = g + b * rows * (long long)cols;
        double s = 0;
        bool bad = false;
        if (c < cols)
            for (int r = r0 + threadIdx.y; r < r1; r += 8) {
                float v = gb[(long long)r * cols + c];
                bad |= o4j_nonfinite(v);
                s += v;
            }
        part[threadIdx.y][threadIdx.x] = s;
        if (bad) o4j_flag(flags, any, b, 1);
        __syncthreads();
        if (threadIdx.y == 0 && c < cols) {
            double t = 0;
            for (int y = 0; y < 8; y++) t += part[y][threadIdx.x];
            atomicAdd(sums + b * cols + c, t);
        }
        __syncthreads();
    }
}

// h = g − colsum/rows
extern "C" __global__ void gauge_logit_apply(const float* __restrict__ g, float* __restrict__ h, const double* __restrict__ sums,
                                             int rows, int cols, long long count, const int* any) {
    if (o4j_abort(any)) return;
    const long long mn = (long long)rows * cols;
    for (long long e = (long long)blockIdx.x * blockDim.x + threadIdx.x; e < count; e += (long long)gridDim.x * blockDim.x) {
        long long b = e / mn;
        int c = (int)(e % cols);
        h[e] = (float)((double)g[e] - sums[b * cols + c] / rows);
    }
}
