/* The SIMD level of the hot kernels' clones (ssm/simd.h). */
#include "ssm/simd.h"

ssm_simd_level ssm_simd_compiled(void)
{
#if defined(SSM_SIMD_DISPATCH) && defined(SSM_SIMD_V4)
    return SSM_SIMD_X86_64_V4;
#elif defined(SSM_SIMD_DISPATCH)
    return SSM_SIMD_X86_64_V3;
#else
    return SSM_SIMD_BASELINE;
#endif
}

int ssm_simd_cpu_supports(ssm_simd_level level)
{
#if defined(__x86_64__) && defined(__GNUC__)
    __builtin_cpu_init();
#if defined(__clang__)
    /* Clang's builtin knows features, not levels: the levels' defining
     * features (the rest of each level comes with them on every CPU). */
    const int v3 = __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma") &&
                   __builtin_cpu_supports("bmi2");
    const int v4 = v3 && __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw") &&
                   __builtin_cpu_supports("avx512vl") && __builtin_cpu_supports("avx512dq") &&
                   __builtin_cpu_supports("avx512cd");
#else
    /* GCC's target_clones resolver for "arch=x86-64-vN" tests exactly
     * these bits of libgcc's CPU model (__cpu_features2). */
    const int v3 = __builtin_cpu_supports("x86-64-v3");
    const int v4 = __builtin_cpu_supports("x86-64-v4");
#endif
    return level == SSM_SIMD_X86_64_V4 ? v4 : level == SSM_SIMD_X86_64_V3 ? v3 : 1;
#else
    return level == SSM_SIMD_BASELINE;
#endif
}

ssm_simd_level ssm_simd_active(void)
{
    const ssm_simd_level top = ssm_simd_compiled();
    if (top >= SSM_SIMD_X86_64_V4 && ssm_simd_cpu_supports(SSM_SIMD_X86_64_V4))
        return SSM_SIMD_X86_64_V4;
    if (top >= SSM_SIMD_X86_64_V3 && ssm_simd_cpu_supports(SSM_SIMD_X86_64_V3))
        return SSM_SIMD_X86_64_V3;
    return SSM_SIMD_BASELINE;
}

const char *ssm_simd_name(ssm_simd_level level)
{
    switch (level) {
    case SSM_SIMD_X86_64_V4:
        return "x86-64-v4 (AVX-512)";
    case SSM_SIMD_X86_64_V3:
        return "x86-64-v3 (AVX2+FMA)";
    case SSM_SIMD_BASELINE:
        break;
    }
    return "x86-64 baseline (SSE2)";
}
