// lmo.cu — exact polar factor and SCION's linear minimisation oracles (docs/algorithms.md §2).
//
// Math, per m × n matrix d (rows = outputs):
//   polar(d) = U Vᵀ for the thin SVD d = U Σ Vᵀ; singular values σ_i ≤ tol·σ_max count as zero (their terms are
//   dropped), so a zero matrix maps to zero and a rank-deficient one to the partial isometry on its range.
//   SPECTRAL  lmo = s·polar(d), s = Lmo.spectralScale(layer, m, n) = sqrt(m/n) (input layer: max(1, sqrt(m/n)))
//   COLNORM   column j: d_j / (‖d_j‖₂/sqrt(m)·k + 1e-8), k = n (hidden, output), 1 (input)
//   ROWNORM   row i:    d_i / (‖d_i‖₂·k + 1e-8),        k = sqrt(n) (hidden, output), 1 (input)
//   SIGN      sign(d)/n; input layer sign(d)              (sign(±0) = +0, as CpuLmo.sign)
//   BIAS      d / (RMS(d) + 1e-8), RMS over the whole matrix
// Norms are accumulated in double; the factor 1/(…) is formed in double and applied as out = (float)(d·f).
//
// Java reference: org.ortho4j.cpu.CpuPolar (float64 cyclic Hestenes Jacobi, Q = Σ (a_i/σ_i) v_iᵀ, threshold
// max(m,n)·2⁻⁵²·σ_max) and org.ortho4j.cpu.CpuLmo; contract: Context.polar, Context.lmo, Lmo's javadoc.
// Launcher: org.ortho4j.cuda.CudaLmo (+ CudaSolverPolar for the cuSOLVER path).
//
// Kernels / versions:
//   lmo_check_finite      per-matrix non-finite flags (read-only pass before anything is written)
//   lmo_polar_jacobi      v1: one block per matrix, min(m,n) ≤ 128 and max(m,n) ≤ 128. One-sided (Hestenes)
//                         Jacobi on the tall orientation X (p × k, p = max, k = min; X = dᵀ for wide d) held in
//                         shared memory as float32 columns, V (k × k) likewise; round-robin ordering (k/2 disjoint
//                         column pairs per round, one warp per pair), dot products and the rotation in float64,
//                         columns rounded to float32 after each rotation. A pair is rotated when
//                         |γ| > 2⁻²¹·sqrt(αβ) (≈ 4 float32 ulps of orthogonality: what float32 columns can hold);
//                         stop after a sweep without rotation or 30 sweeps. Then σ_i = ‖x_i‖ and
//                         Q = s·Σ_{σ_i > max(m,n)·2⁻²³·σ_max} (x_i/σ_i) v_iᵀ accumulated in double (the fp32
//                         analogue of CpuPolar's 2⁻⁵² threshold: σ below it is float32 rounding noise).
//                         Shared memory: 4·(p·k + k·k) bytes ≤ 128 KiB (needs the opt-in above 48 KiB).
//   lmo_to_double         float → double copy (input of cusolverDnDgesvdj for the > 128 path)
//   lmo_polar_from_svd    out = s·Σ_{σ_l > max(m,n)·2⁻⁵²·σ_max} u_l v_lᵀ from gesvdj's column-major U, V, S of
//                         Y = dᵀ (the row-major d read as column-major); 16×16 double tiles
//   lmo_col_sumsq, lmo_row_sumsq, lmo_mat_sumsq   Σ d² per column / row / matrix in double (also flag non-finite)
//   lmo_factors           f = 1/(sqrt(s·c0)·c1 + 1e-8) in place
//   lmo_apply_factor      out = (float)(d·f) with f per column / row / matrix
//   lmo_sign              out = sign(d)·factor
//   lmo_scale             x ← s·x (SPECTRAL after Newton–Schulz)
// Every kernel that writes an output returns at once when the batch's "any" flag is set.
//
// Build (done by the Maven PTX profile; by hand):
//   nvcc -O3 -arch=sm_80 -ptx kernels/lmo.cu -o lmo.ptx ;  ptxas -arch=sm_90 -v lmo.ptx
#include "common.cuh"

#define LMO_JACOBI_THREADS 256
#define LMO_MAX_SIDE 128
#define LMO_MAX_SWEEPS 30

extern "C" __global__ void lmo_check_finite(const float* __restrict__ x, long long perMatrix, int batch, int* flags, int* any) {
    o4j_check_finite(x, perMatrix, batch, flags, any, 1);
}

// One block per matrix (grid-stride over the batch). Dynamic shared memory: 4·(p·k + k·k) bytes + 64.
// g and out may be the same batch: each block reads its whole matrix before writing it.
extern "C" __global__ void __launch_bounds__(LMO_JACOBI_THREADS)
lmo_polar_jacobi(const float* g, float* out, int rows, int cols, int batch, float scale, const int* any) {
    if (o4j_abort(any)) return;
    extern __shared__ float smem[];
    const bool tall = rows >= cols;
    const int p = tall ? rows : cols;           // rows of the working matrix X
    const int k = tall ? cols : rows;           // columns of X (≤ p)
    float* X = smem;                            // X[c·p + r], column c contiguous
    float* V = smem + (long long)p * k;         // V[c·k + r], column c = v_c
    __shared__ int rotations;
    __shared__ double sigmaMax;
    const int lane = threadIdx.x & 31, warp = threadIdx.x >> 5, warps = blockDim.x >> 5;
    const long long mn = (long long)rows * cols;
    const int kk = k + (k & 1);                 // round-robin over an even count; column k is a dummy
    const double tol = 4.76837158203125e-07;    // 2⁻²¹

    for (long long b = blockIdx.x; b < batch; b += gridDim.x) {
        const float* gb = g + b * mn;
        for (long long e = threadIdx.x; e < mn; e += blockDim.x) {
            int i = (int)(e / cols), j = (int)(e % cols);
            int r = tall ? i : j, c = tall ? j : i;
            X[(long long)c * p + r] = gb[e];
        }
        for (int e = threadIdx.x; e < k * k; e += blockDim.x) V[e] = (e / k == e % k) ? 1.0f : 0.0f;
        __syncthreads();

        for (int sweep = 0; sweep < LMO_MAX_SWEEPS; sweep++) {
            if (threadIdx.x == 0) rotations = 0;
            __syncthreads();
            for (int round = 0; round < kk - 1; round++) {
                for (int pr = warp; pr < kk / 2; pr += warps) {
                    // circle method: pair 0 is (round, kk−1), pair i is ((round+i) mod (kk−1), (round−i) mod (kk−1))
                    int ci = pr == 0 ? round : (round + pr) % (kk - 1);
                    int cj = pr == 0 ? kk - 1 : (round - pr + kk - 1) % (kk - 1);
                    if (ci > cj) { int t0 = ci; ci = cj; cj = t0; }   // (min, max) as CpuPolar.roundRobinPair
                    if (cj >= k) continue;                            // the dummy column
                    float* xi = X + (long long)ci * p;
                    float* xj = X + (long long)cj * p;
                    double alpha = 0, beta = 0, gamma = 0;
                    for (int r = lane; r < p; r += 32) {
                        double a = xi[r], c2 = xj[r];
                        alpha += a * a; beta += c2 * c2; gamma += a * c2;   // α = ‖x_i‖², β = ‖x_j‖², γ = x_i·x_j
                    }
                    alpha = o4j_warp_sum(alpha); beta = o4j_warp_sum(beta); gamma = o4j_warp_sum(gamma);
                    if (gamma == 0.0 || !(fabs(gamma) > tol * sqrt(alpha * beta))) continue;
                    // ζ = (β − α)/(2γ), t = sign(ζ)/(|ζ| + sqrt(1 + ζ²)), c = 1/sqrt(1 + t²), s = c·t
                    double zeta = (beta - alpha) / (2.0 * gamma);
                    double t = (zeta >= 0 ? 1.0 : -1.0) / (fabs(zeta) + sqrt(1.0 + zeta * zeta));
                    double cs = 1.0 / sqrt(1.0 + t * t), sn = cs * t;
                    for (int r = lane; r < p; r += 32) {                  // [x_i x_j] ← [x_i x_j]·[[c, s], [−s, c]]
                        double a = xi[r], c2 = xj[r];
                        xi[r] = (float)(cs * a - sn * c2);
                        xj[r] = (float)(sn * a + cs * c2);
                    }
                    float* vi = V + (long long)ci * k;
                    float* vj = V + (long long)cj * k;
                    for (int r = lane; r < k; r += 32) {                  // same rotation on V's columns
                        double a = vi[r], c2 = vj[r];
                        vi[r] = (float)(cs * a - sn * c2);
                        vj[r] = (float)(sn * a + cs * c2);
                    }
                    if (lane == 0) atomicAdd(&rotations, 1);
                }
                __syncthreads();
            }
            int done = rotations == 0;
            __syncthreads();                                          // everyone read `rotations` before reset
            if (done) break;
        }

        // σ_i = ‖x_i‖, σ_max; columns scaled by 1/σ_i or zeroed below the threshold
        if (threadIdx.x == 0) sigmaMax = 0.0;
        __syncthreads();
        for (int c = warp; c < k; c += warps) {
            double s = 0;
            for (int r = lane; r < p; r += 32) { double a = X[(long long)c * p + r]; s += a * a; }
            s = sqrt(o4j_warp_sum(s));
            if (lane == 0) atomicMax((unsigned long long*)&sigmaMax, __double_as_longlong(s));  // s ≥ 0: bit order = value order
        }
        __syncthreads();
        const double cut = (double)p * 1.1920928955078125e-07 * sigmaMax;   // max(m,n)·2⁻²³·σ_max
        for (int c = warp; c < k; c += warps) {
            double s = 0;
            for (int r = lane; r < p; r += 32) { double a = X[(long long)c * p + r]; s += a * a; }
            s = sqrt(o4j_warp_sum(s));
            double w = s > cut ? 1.0 / s : 0.0;
            for (int r = lane; r < p; r += 32) X[(long long)c * p + r] = (float)(X[(long long)c * p + r] * w);  // u_c = x_c/σ_c
        }
        __syncthreads();
        // out = s·Q, Q_work[r][c] = Σ_i u_i[r]·v_i[c]; out(i, j) = Q_work[i][j] (tall) or Q_work[j][i] (wide)
        float* ob = out + b * mn;
        for (long long e = threadIdx.x; e < mn; e += blockDim.x) {
            int i = (int)(e / cols), j = (int)(e % cols);
            int r = tall ? i : j, c = tall ? j : i;
            double q = 0;
            for (int l = 0; l < k; l++) q += (double)X[(long long)l * p + r] * (double)V[(long long)l * k + c];
            ob[e] = (float)(scale * q);
        }
        __syncthreads();
    }
}

extern "C" __global__ void lmo_to_double(const float* __restrict__ x, double* __restrict__ y, long long count) {
    for (long long i = (long long)blockIdx.x * blockDim.x + threadIdx.x; i < count; i += (long long)gridDim.x * blockDim.x)
        y[i] = (double)x[i];
}

// One matrix: out (rows × cols, row-major) = scale·Σ_l [σ_l > max(rows,cols)·2⁻⁵²·σ_0] u_l v_lᵀ where gesvdj
// factored Y = dᵀ (cols × rows column-major) as U diag(S) Vᵀ, U cols × k (ld = cols), V rows × k (ld = rows),
// S descending. out(i, j) = polar(Y)(j, i) = Σ_l U[j + l·cols]·V[i + l·rows]. Block 16×16, grid (⌈cols/16⌉, ⌈rows/16⌉).
extern "C" __global__ void __launch_bounds__(256)
lmo_polar_from_svd(const double* __restrict__ U, const double* __restrict__ V, const double* __restrict__ S, int rows,
                   int cols, int k, float scale, float* __restrict__ out) {
    __shared__ double Us[16][17], Vs[16][17];
    const int tx = threadIdx.x, ty = threadIdx.y;
    const int j = blockIdx.x * 16 + tx, i = blockIdx.y * 16 + ty;
    const double cut = (double)max(rows, cols) * 2.220446049250313e-16 * S[0];
    double acc = 0;
    for (int l0 = 0; l0 < k; l0 += 16) {
        int l = l0 + ty;   // U tile: row l, column blockIdx.x·16 + tx (coalesced over j)
        int jj = blockIdx.x * 16 + tx;
        Us[ty][tx] = (l < k && jj < cols && S[l] > cut) ? U[jj + (long long)l * cols] : 0.0;
        int ii = blockIdx.y * 16 + tx;
        Vs[ty][tx] = (l < k && ii < rows) ? V[ii + (long long)l * rows] : 0.0;
        __syncthreads();
#pragma unroll
        for (int t = 0; t < 16; t++) acc += Us[t][tx] * Vs[t][ty];
        __syncthreads();
    }
    if (i < rows && j < cols) out[(long long)i * cols + j] = (float)(scale * acc);
}

// Σ d² per column. grid: x = ⌈cols/32⌉·rowChunks, y = matrices (strided); block (32, 8); sums zeroed beforehand.
extern "C" __global__ void lmo_col_sumsq(const float* __restrict__ d, double* sums, int rows, int cols, int batch,
                                         int rowChunks, int* flags, int* any) {
    __shared__ double part[8][33];
    const int colTiles = (cols + 31) / 32;
    const int tile = blockIdx.x % colTiles, chunk = blockIdx.x / colTiles;
    const int c = tile * 32 + threadIdx.x;
    const int per = (rows + rowChunks - 1) / rowChunks;
    const int r0 = chunk * per, r1 = min(rows, r0 + per);
    for (long long b = blockIdx.y; b < batch; b += gridDim.y) {
        const float* db = d + b * rows * (long long)cols;
        double s = 0;
        bool bad = false;
        if (c < cols)
            for (int r = r0 + threadIdx.y; r < r1; r += 8) {
                float v = __ldg(db + (long long)r * cols + c);
                bad |= o4j_nonfinite(v);
                s += (double)v * v;
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

// Σ d² per row, one warp per row of the whole batch (row index R = b·rows + i).
extern "C" __global__ void lmo_row_sumsq(const float* __restrict__ d, double* __restrict__ sums, long long totalRows, int rows,
                                         int cols, int* flags, int* any) {
    const int lane = threadIdx.x & 31;
    const long long warpsTotal = (long long)gridDim.x * (blockDim.x >> 5);
    for (long long R = (long long)blockIdx.x * (blockDim.x >> 5) + (threadIdx.x >> 5); R < totalRows; R += warpsTotal) {
        const float* p = d + R * cols;
        double s = 0;
        bool bad = false;
        for (int j = lane; j < cols; j += 32) { float v = __ldg(p + j); bad |= o4j_nonfinite(v); s += (double)v * v; }
        s = o4j_warp_sum(s);
        if (__any_sync(O4J_FULL_MASK, bad) && lane == 0) o4j_flag(flags, any, R / rows, 1);
        if (lane == 0) sums[R] = s;
    }
}

// Σ d² per matrix. grid: x = chunks, y = matrices (strided); sums zeroed beforehand.
extern "C" __global__ void lmo_mat_sumsq(const float* __restrict__ d, double* sums, long long perMatrix, int batch, int* flags, int* any) {
    __shared__ double red[32];
    for (long long b = blockIdx.y; b < batch; b += gridDim.y) {
        const float* p = d + b * perMatrix;
        double s = 0;
        bool bad = false;
        for (long long i = (long long)blockIdx.x * blockDim.x + threadIdx.x; i < perMatrix; i += (long long)gridDim.x * blockDim.x) {
            float v = __ldg(p + i); bad |= o4j_nonfinite(v); s += (double)v * v;
        }
        if (__syncthreads_or(bad) && threadIdx.x == 0) o4j_flag(flags, any, b, 1);
        s = o4j_block_sum(s, red);
        if (threadIdx.x == 0) atomicAdd(sums + b, s);
    }
}

// f = 1/(sqrt(s·c0)·c1 + 1e-8), in place:
//   COLNORM c0 = 1, c1 = k/sqrt(m);  ROWNORM c0 = 1, c1 = k;  BIAS c0 = 1/(m·n), c1 = 1
extern "C" __global__ void lmo_factors(double* s, long long count, double c0, double c1) {
    for (long long i = (long long)blockIdx.x * blockDim.x + threadIdx.x; i < count; i += (long long)gridDim.x * blockDim.x)
        s[i] = 1.0 / (sqrt(s[i] * c0) * c1 + 1e-8);
}

// out = (float)(d·f); mode 0: f per column (b·cols + j), 1: per row (b·rows + i), 2: per matrix (b). out may be d.
extern "C" __global__ void lmo_apply_factor(const float* d, float* out, const double* __restrict__ f, int rows, int cols,
                                            long long count, int mode, const int* any) {
    if (o4j_abort(any)) return;
    const long long mn = (long long)rows * cols;
    for (long long e = (long long)blockIdx.x * blockDim.x + threadIdx.x; e < count; e += (long long)gridDim.x * blockDim.x) {
        long long b = e / mn, w = e % mn;
        long long idx = mode == 0 ? b * cols + w % cols : (mode == 1 ? b * rows + w / cols : b);
        out[e] = (float)((double)d[e] * f[idx]);
    }
}

// out = sign(d)·factor, sign(±0) = +0 (CpuLmo.sign: x > 0 ? v : x < 0 ? −v : 0f). out may be d.
extern "C" __global__ void lmo_sign(const float* d, float* out, long long count, float factor, const int* any) {
    if (o4j_abort(any)) return;
    for (long long e = (long long)blockIdx.x * blockDim.x + threadIdx.x; e < count; e += (long long)gridDim.x * blockDim.x) {
        float v = d[e];
        out[e] = v > 0.0f ? factor : (v < 0.0f ? -factor : 0.0f);
    }
}

// x ← s·x
extern "C" __global__ void lmo_scale(float* x, long long count, float s) {
    for (long long e = (long long)blockIdx.x * blockDim.x + threadIdx.x; e < count; e += (long long)gridDim.x * blockDim.x)
        x[e] = x[e] * s;
}
