/* The SIMD dispatch runs FMA wherever the CPU has it. A CPU with the
 * x86-64-v3 level (AVX2 + FMA) must run a clone built with FMA; the old
 * clone list ("avx512f", "avx2,fma", "default") ran an avx2 clone built
 * without it on every AVX2+FMA CPU lacking AVX-512.
 *
 * Behavioural, on the real kernels through the real resolvers: with
 * w = x = 1 + 2^-12 and b = -1, b + w x is 2^-11 + 2^-24 when the multiply
 * and add are fused (one rounding) and 2^-11 when they are not (w x rounds
 * to 1 + 2^-11 first: a tie, to even). -ffp-contract=fast fuses a*b + c
 * in every clone built with FMA, so the product's last bit says whether
 * the clone that ran has FMA. */
#include "../harness.h"
#include "ssm/kernels.h"

static const float fused = 0x1p-11f + 0x1p-24f, unfused = 0x1p-11f;

/* What this test expects from the build and the CPU, read independently of
 * the library's own answer. */
static ssm_simd_level expected_level(void)
{
#if defined(SSM_SIMD_CLONES) && !defined(__SANITIZE_ADDRESS__) && defined(__x86_64__)
    __builtin_cpu_init();
#if defined(SSM_SIMD_V4)
    if (__builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw") &&
        __builtin_cpu_supports("avx512vl") && __builtin_cpu_supports("avx512dq") &&
        __builtin_cpu_supports("avx512cd") && __builtin_cpu_supports("x86-64-v3"))
        return SSM_SIMD_X86_64_V4;
#endif
    if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma") &&
        __builtin_cpu_supports("x86-64-v3"))
        return SSM_SIMD_X86_64_V3;
#endif
    return SSM_SIMD_BASELINE;
}

/* y = b + Wt x with every weight and input 1 + 2^-12 and b = -1, through
 * the kernel at rows x cols (cols = 1: one product per output, so the
 * result is exactly the fused or the unfused value). */
static int check_gemm(const char *what, size_t rows, size_t n, int want_fused)
{
    volatile float one_ulp = 0x1p-12f; /* not folded at compile time */
    float *Wt = malloc(rows * sizeof *Wt), *b = malloc(rows * sizeof *b);
    float *X = malloc(n * sizeof *X), *Y = malloc(n * rows * sizeof *Y);
    for (size_t r = 0; r < rows; r++) {
        Wt[r] = 1.0f + one_ulp;
        b[r] = -1.0f;
    }
    for (size_t i = 0; i < n; i++)
        X[i] = 1.0f + one_ulp;
    if (n == 1)
        ssm_gemv_t(Y, Wt, rows, X, b, rows, 1);
    else
        ssm_gemm_t(Y, rows, X, 1, Wt, rows, b, n, rows, 1);
    size_t n_fused = 0, n_unfused = 0;
    for (size_t i = 0; i < n * rows; i++) {
        n_fused += Y[i] == fused;
        n_unfused += Y[i] == unfused;
    }
    printf("%-40s %zu outputs: %zu fused, %zu unfused\n", what, n * rows, n_fused, n_unfused);
    CHECK((want_fused ? n_fused : n_unfused) == n * rows,
          "%s: %zu of %zu outputs %s; the clone that ran is %s FMA", what,
          want_fused ? n_unfused : n_fused, n * rows, want_fused ? "unfused" : "fused",
          want_fused ? "built without" : "built with");
    free(Wt), free(b), free(X), free(Y);
    return 0;
}

int main(void)
{
    const ssm_simd_level want = expected_level(), got = ssm_simd_active();
    printf("build: %s; CPU and build call for %s; the dispatch runs %s\n",
           ssm_simd_name(ssm_simd_compiled()), ssm_simd_name(want), ssm_simd_name(got));
    CHECK(got == want, "the dispatch runs %s where this CPU and build call for %s",
          ssm_simd_name(got), ssm_simd_name(want));
#if defined(__x86_64__)
    __builtin_cpu_init();
    const int cpu_fma = __builtin_cpu_supports("x86-64-v3");
#else
    const int cpu_fma = 0;
#endif
    /* Fused exactly when a clone with FMA runs: never on a baseline build,
     * always where the CPU has the v3 level and the build has clones. */
    const int want_fused = want >= SSM_SIMD_X86_64_V3;
    if (cpu_fma && ssm_simd_compiled() >= SSM_SIMD_X86_64_V3)
        CHECK(want_fused, "a CPU with AVX2+FMA is not given an FMA clone");
    check_gemm("ssm_gemv_t 1 x 1 (scalar tail)", 1, 1, want_fused);
    check_gemm("ssm_gemv_t 16 x 1 (vector block)", 16, 1, want_fused);
    check_gemm("ssm_gemv_t 200 x 1 (every block)", 200, 1, want_fused);
    check_gemm("ssm_gemm_t 5 frames x 200", 200, 5, want_fused);
    check_gemm("ssm_gemm_t 17 frames x 131", 131, 17, want_fused);
    return th_finish("test_simd");
}
