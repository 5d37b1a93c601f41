/* The FMA peak of one core, measured: independent multiply-add chains
 * (enough to cover the FMA latency on every pipe) at each SIMD level the
 * CPU has, so every "% of peak" in ssm-bench is against a throughput this
 * core actually sustains (a VM hides the clock and whether 512-bit FMAs run
 * on full-width units or are split in two, as on AMD Zen 4). */
#include <stdio.h>

#include "bench.h"
#include "ssm/simd.h"

typedef float v4 __attribute__((vector_size(16)));
typedef float v8 __attribute__((vector_size(32)));
typedef float v16 __attribute__((vector_size(64)));

/* CHAINS independent chains a = a m + c: one FMA each (a multiply and an
 * add on the baseline), so flops = iters x CHAINS x lanes x 2. The chains'
 * sum is returned so nothing is dropped. */
#define FMA_LOOP(name, attr, vec, CHAINS)                                                          \
    attr __attribute__((noinline)) static float name(long iters, float seed)                       \
    {                                                                                              \
        vec a[CHAINS];                                                                             \
        const vec m = (vec){0} + (1.0f - 1e-7f * seed), c = (vec){0} + 1e-7f * seed;               \
        for (int k = 0; k < (CHAINS); k++)                                                         \
            a[k] = (vec){0} + seed * (float)(k + 1);                                               \
        for (long i = 0; i < iters; i++) {                                                         \
            _Pragma("GCC unroll 32") for (int k = 0; k < (CHAINS); k++) a[k] = a[k] * m + c;       \
        }                                                                                          \
        vec s = (vec){0};                                                                          \
        for (int k = 0; k < (CHAINS); k++)                                                         \
            s += a[k];                                                                             \
        float r = 0.0f;                                                                            \
        for (unsigned j = 0; j < sizeof(vec) / sizeof(float); j++)                                 \
            r += s[j];                                                                             \
        return r;                                                                                  \
    }

FMA_LOOP(loop_base, , v4, 8)
#if defined(__x86_64__)
FMA_LOOP(loop_v3, __attribute__((target("arch=x86-64-v3"))), v8, 12)
FMA_LOOP(loop_v4, __attribute__((target("arch=x86-64-v4"))), v16, 24)
#endif

typedef float (*loop_fn)(long, float);

/* GFLOP/s of one loop: best of 5 runs of about 40 ms. */
static double measure(loop_fn f, double flops_per_iter)
{
    const long iters = 4000000;
    volatile float sink = 0.0f;
    double best = 1e30;
    for (int rep = 0; rep < 5; rep++) {
        const double t0 = bench_now(BENCH_THREAD_CPU);
        sink += f(iters, 1.0f);
        const double dt = bench_now(BENCH_THREAD_CPU) - t0;
        best = dt < best ? dt : best;
    }
    (void)sink;
    return flops_per_iter * (double)iters / best * 1e-9;
}

double bench_measure_peak(ssm_simd_level level)
{
#if defined(__x86_64__)
    if (level >= SSM_SIMD_X86_64_V4 && ssm_simd_cpu_supports(SSM_SIMD_X86_64_V4))
        return measure(loop_v4, 24 * 16 * 2);
    if (level >= SSM_SIMD_X86_64_V3 && ssm_simd_cpu_supports(SSM_SIMD_X86_64_V3))
        return measure(loop_v3, 12 * 8 * 2);
#endif
    return measure(loop_base, 8 * 4 * 2);
}

void bench_peak_table(const bench_opts *o, double mhz)
{
    printf("== FMA peak of one core, measured (independent multiply-add chains) ==\n");
    printf("| SIMD level | GFLOP/s | flops per cycle at %.0f MHz |\n|---|---|---|\n", mhz);
    for (int l = SSM_SIMD_BASELINE; l <= SSM_SIMD_X86_64_V4; l++) {
        if (!ssm_simd_cpu_supports((ssm_simd_level)l))
            continue;
        const double g = bench_measure_peak((ssm_simd_level)l);
        printf("| %s | %.1f | %.1f |\n", ssm_simd_name((ssm_simd_level)l), g,
               mhz > 0.0 ? g / (mhz * 1e-3) : 0.0);
    }
    printf("\n");
    (void)o;
}
