// interp_cases.cu — small kernels that exercise the PTX interpreter (org.ortho4j.emu) instruction by
// instruction, and kernels with deliberate bugs that its checks must catch. Test input only, never shipped.
// Regenerate (CUDA 13): nvcc -ptx -arch=compute_80 -O3 -o interp_cases.ptx interp_cases.cu
#include <cuda_bf16.h>
#include <stdint.h>

// ---------------------------------------------------------------- semantics

// out[i*K + k] = op_k(a[i], b[i]) for integer ops, i < n
extern "C" __global__ void int_ops(const int* a, const int* b, int* out, int n) {
    int i = blockIdx.x * blockDim.x + threadIdx.x;
    if (i >= n) return;
    int x = a[i], y = b[i];
    unsigned ux = (unsigned)x, uy = (unsigned)y;
    int* o = out + i * 16;
    o[0] = x + y;
    o[1] = x - y;
    o[2] = x * y;
    o[3] = __mulhi(x, y);
    o[4] = (int)__umulhi(ux, uy);
    o[5] = y != 0 ? x / y : 7;
    o[6] = y != 0 ? x % y : 7;
    o[7] = uy != 0 ? (int)(ux / uy) : 7;
    o[8] = min(x, y);
    o[9] = (int)max(ux, uy);
    o[10] = x >> (y & 31);
    o[11] = (int)(ux >> (uy & 31));
    o[12] = x << (y & 31);
    o[13] = __popc(ux);
    o[14] = __clz(x);
    o[15] = (x & y) ^ (~x | y);
}

// 64-bit: out[i*6 + k]
extern "C" __global__ void long_ops(const long long* a, const long long* b, long long* out, int n) {
    int i = blockIdx.x * blockDim.x + threadIdx.x;
    if (i >= n) return;
    long long x = a[i], y = b[i];
    unsigned long long ux = x, uy = y;
    long long* o = out + i * 8;
    o[0] = x * y;
    o[1] = __mul64hi(x, y);
    o[2] = (long long)__umul64hi(ux, uy);
    o[3] = y != 0 ? x / y : 7;
    o[4] = uy != 0 ? (long long)(ux % uy) : 7;
    o[5] = (long long)(int)x * (long long)(int)y;                  // mul.wide.s32
    o[6] = (long long)((unsigned long long)(unsigned)x * (unsigned)y);  // mul.wide.u32
    o[7] = x >> (y & 63);
}

// float ops, out[i*12 + k]
extern "C" __global__ void float_ops(const float* a, const float* b, const float* c, float* out, int n) {
    int i = blockIdx.x * blockDim.x + threadIdx.x;
    if (i >= n) return;
    float x = a[i], y = b[i], z = c[i];
    float* o = out + i * 12;
    o[0] = __fadd_rn(x, y);
    o[1] = __fsub_rn(x, y);
    o[2] = __fmul_rn(x, y);
    o[3] = __fmaf_rn(x, y, z);
    o[4] = __fdiv_rn(x, y);
    o[5] = __fsqrt_rn(fabsf(x));
    o[6] = fminf(x, y);
    o[7] = fmaxf(x, y);
    o[8] = __saturatef(x);
    o[9] = (float)(int)x;                                         // cvt.rzi.s32.f32 then cvt.rn.f32.s32
    o[10] = __int_as_float(__float_as_int(x) & 0x7fffffff);
    o[11] = (x < y) ? 1.0f : ((x != x || y != y) ? 2.0f : 0.0f);
}

// double ops, out[i*8 + k]
extern "C" __global__ void double_ops(const double* a, const double* b, const double* c, double* out, int n) {
    int i = blockIdx.x * blockDim.x + threadIdx.x;
    if (i >= n) return;
    double x = a[i], y = b[i], z = c[i];
    double* o = out + i * 8;
    o[0] = __dadd_rn(x, y);
    o[1] = __dmul_rn(x, y);
    o[2] = __fma_rn(x, y, z);
    o[3] = __ddiv_rn(x, y);
    o[4] = __dsqrt_rn(fabs(x));
    o[5] = __drcp_rn(y);
    o[6] = (double)__double2float_rn(x);
    o[7] = (double)(long long)x;
}

// bf16 rounding and tf32-style bit tricks: out[i*3 + k]
extern "C" __global__ void convert_ops(const float* a, unsigned* out, int n) {
    int i = blockIdx.x * blockDim.x + threadIdx.x;
    if (i >= n) return;
    float x = a[i];
    __nv_bfloat16 h = __float2bfloat16_rn(x);
    out[i * 3] = (unsigned)__bfloat16_as_ushort(h);
    out[i * 3 + 1] = __float_as_uint(__bfloat162float(h));
    out[i * 3 + 2] = (unsigned)__float2uint_rz(fabsf(x));
}

// warp collectives: per lane, 6 outputs
extern "C" __global__ void warp_ops(const int* a, int* out) {
    int lane = threadIdx.x & 31;
    int v = a[threadIdx.x];
    int* o = out + threadIdx.x * 6;
    int s = v;
    for (int d = 16; d > 0; d >>= 1) s += __shfl_xor_sync(0xffffffffu, s, d);
    o[0] = s;                                                     // warp sum, every lane
    int p = v;
    for (int d = 1; d < 32; d <<= 1) {
        int t = __shfl_up_sync(0xffffffffu, p, d);
        if (lane >= d) p += t;
    }
    o[1] = p;                                                     // inclusive prefix sum
    o[2] = __shfl_down_sync(0xffffffffu, v, 3);
    o[3] = __shfl_sync(0xffffffffu, v, (lane * 7) & 31);
    o[4] = __any_sync(0xffffffffu, v > 90) + 2 * __all_sync(0xffffffffu, v >= 0);
    o[5] = (int)__ballot_sync(0xffffffffu, v & 1);
}

// block barrier reductions and shared-memory atomics; blockDim.x threads, one block
extern "C" __global__ void block_ops(const int* a, int* out) {
    __shared__ unsigned counter;
    __shared__ int red[32];
    int v = a[threadIdx.x];
    if (threadIdx.x == 0) counter = 0;
    __syncthreads();
    atomicAdd(&counter, (unsigned)(v & 3));
    int any = __syncthreads_or(v == 42);
    int all = __syncthreads_and(v >= 0);
    int cnt = __syncthreads_count(v & 1);
    if ((threadIdx.x & 31) == 0) red[threadIdx.x >> 5] = v;
    __syncthreads();
    if (threadIdx.x == 0) {
        int s = 0;
        for (int w = 0; w < (int)(blockDim.x >> 5); w++) s += red[w];
        out[0] = s;
        out[1] = (int)counter;
        out[2] = any;
        out[3] = all;
        out[4] = cnt;
    }
}

// global atomics across blocks: sum[0] += a[i] (f64), cnt += 1, bits |= 1 << (i & 31), mx = max
extern "C" __global__ void global_atomics(const double* a, double* sum, unsigned* cnt, int* bits, unsigned long long* mx, int n) {
    int i = blockIdx.x * blockDim.x + threadIdx.x;
    if (i >= n) return;
    atomicAdd(sum, a[i]);
    atomicAdd(cnt, 1u);
    atomicOr(bits, 1 << (i & 31));
    atomicMax(mx, (unsigned long long)(a[i] * 1000.0));
}

// divergent paths that reconverge: lanes take different loop counts, then a full-warp shuffle
extern "C" __global__ void diverge(const int* a, int* out) {
    int v = a[threadIdx.x];
    int s = 0;
    for (int k = 0; k < (v & 7); k++) {
        if (k & 1) s += k * v; else s -= v;
    }
    s += __shfl_xor_sync(0xffffffffu, s, 1);
    out[threadIdx.x] = s;
}

// one tf32 m16n8k8 and one bf16 m16n8k16 per warp: fragments given per lane (ISA layout), d written per lane
extern "C" __global__ void mma_tf32(const unsigned* a, const unsigned* b, const float* c, float* d) {
    int l = threadIdx.x;
    float acc[4] = {c[l * 4], c[l * 4 + 1], c[l * 4 + 2], c[l * 4 + 3]};
    asm volatile("mma.sync.aligned.m16n8k8.row.col.f32.tf32.tf32.f32 {%0,%1,%2,%3}, {%4,%5,%6,%7}, {%8,%9}, {%0,%1,%2,%3};\n"
                 : "+f"(acc[0]), "+f"(acc[1]), "+f"(acc[2]), "+f"(acc[3])
                 : "r"(a[l * 4]), "r"(a[l * 4 + 1]), "r"(a[l * 4 + 2]), "r"(a[l * 4 + 3]), "r"(b[l * 2]), "r"(b[l * 2 + 1]));
    for (int e = 0; e < 4; e++) d[l * 4 + e] = acc[e];
}

extern "C" __global__ void mma_bf16(const unsigned* a, const unsigned* b, const float* c, float* d) {
    int l = threadIdx.x;
    float acc[4] = {c[l * 4], c[l * 4 + 1], c[l * 4 + 2], c[l * 4 + 3]};
    asm volatile("mma.sync.aligned.m16n8k16.row.col.f32.bf16.bf16.f32 {%0,%1,%2,%3}, {%4,%5,%6,%7}, {%8,%9}, {%0,%1,%2,%3};\n"
                 : "+f"(acc[0]), "+f"(acc[1]), "+f"(acc[2]), "+f"(acc[3])
                 : "r"(a[l * 4]), "r"(a[l * 4 + 1]), "r"(a[l * 4 + 2]), "r"(a[l * 4 + 3]), "r"(b[l * 2]), "r"(b[l * 2 + 1]));
    for (int e = 0; e < 4; e++) d[l * 4 + e] = acc[e];
}

// ---------------------------------------------------------------- deliberate bugs (each must fail its launch)

// shared race: thread t writes s[t], then reads s[t+1] without a barrier
extern "C" __global__ void bug_shared_race(int* out) {
    __shared__ int s[257];
    s[threadIdx.x] = threadIdx.x;
    if (threadIdx.x == 0) s[256] = 0;
    out[threadIdx.x] = s[threadIdx.x + 1];
}

// uninitialised shared read: s[threadIdx.x + 1] for the last thread was never written
extern "C" __global__ void bug_shared_uninit(int* out) {
    __shared__ int s[257];
    s[threadIdx.x] = threadIdx.x;
    __syncthreads();
    out[threadIdx.x] = s[threadIdx.x + 1];
}

// out of bounds: n + 1 elements written into an n-element buffer
extern "C" __global__ void bug_global_oob(int* out, int n) {
    int i = blockIdx.x * blockDim.x + threadIdx.x;
    if (i <= n) out[i] = i;
}

// two threads write the same word
extern "C" __global__ void bug_global_double_write(int* out) {
    out[threadIdx.x / 2] = threadIdx.x;
}

// ld.global.nc of a buffer the same launch writes (restrict lie: in == out)
extern "C" __global__ void bug_nc_alias(const float* __restrict__ in, float* __restrict__ out, int n) {
    int i = blockIdx.x * blockDim.x + threadIdx.x;
    if (i < n) out[(i + 1) % n] = __ldg(in + i) * 2.0f;
}

// barrier after some threads returned
extern "C" __global__ void bug_barrier_after_exit(int* out, int n) {
    __shared__ int s[256];
    if ((int)threadIdx.x >= n) return;
    s[threadIdx.x] = threadIdx.x;
    __syncthreads();
    out[threadIdx.x] = s[(threadIdx.x + 1) % n];
}

// shuffle with a lane that has exited
extern "C" __global__ void bug_shfl_exited(int* out) {
    int v = threadIdx.x;
    if (threadIdx.x == 5) return;
    out[threadIdx.x] = __shfl_xor_sync(0xffffffffu, v, 1);
}

// a reduction whose partial sums race: every warp's lane 0 adds into one shared word without atomics
extern "C" __global__ void bug_racy_reduction(const int* a, int* out) {
    __shared__ int total;
    if (threadIdx.x == 0) total = 0;
    __syncthreads();
    int v = a[threadIdx.x];
    for (int d = 16; d > 0; d >>= 1) v += __shfl_xor_sync(0xffffffffu, v, d);
    if ((threadIdx.x & 31) == 0) total += v;
    __syncthreads();
    if (threadIdx.x == 0) out[0] = total;
}

// reads past its dynamic shared memory (the launcher passes too little)
extern "C" __global__ void dyn_shared_sum(const float* a, float* out, int n) {
    extern __shared__ float buf[];
    for (int i = threadIdx.x; i < n; i += blockDim.x) buf[i] = a[i];
    __syncthreads();
    if (threadIdx.x == 0) {
        float s = 0.f;
        for (int i = 0; i < n; i++) s += buf[i];
        out[0] = s;
    }
}

// an endless loop (for the step limit)
extern "C" __global__ void bug_endless(volatile int* flag) {
    while (*flag == 0) {
    }
}

// integer division by zero
extern "C" __global__ void bug_div_zero(const int* a, int* out) {
    out[threadIdx.x] = 100 / a[threadIdx.x];
}

// an unrounded fp32 value fed to a tf32 mma
extern "C" __global__ void bug_tf32_unrounded(const float* x, float* d) {
    int l = threadIdx.x;
    float acc[4] = {0.f, 0.f, 0.f, 0.f};
    unsigned av = __float_as_uint(x[l]);
    asm volatile("mma.sync.aligned.m16n8k8.row.col.f32.tf32.tf32.f32 {%0,%1,%2,%3}, {%4,%4,%4,%4}, {%4,%4}, {%0,%1,%2,%3};\n"
                 : "+f"(acc[0]), "+f"(acc[1]), "+f"(acc[2]), "+f"(acc[3]) : "r"(av));
    for (int e = 0; e < 4; e++) d[l * 4 + e] = acc[e];
}
