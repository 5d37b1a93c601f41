/* Private to kernels/: the SIMD level the dispatch runs at, as an inline
 * test that an ifunc resolver may call (it runs while the library is being
 * relocated, before any call through the PLT is safe). ssm/simd.h exports
 * it. */
#ifndef SSM_SIMD_LEVEL_H
#define SSM_SIMD_LEVEL_H

#include "ssm/simd.h"

/* Whether this CPU has the level. GCC's target_clones resolver for
 * "arch=x86-64-vN" tests exactly these bits of libgcc's CPU model
 * (__cpu_features2); Clang's builtin knows features, not levels, so it
 * reads the levels' defining features (the rest of each level comes with
 * them on every CPU). */
static inline int ssm_simd_cpu_has(ssm_simd_level level)
{
#if defined(__x86_64__) && defined(__GNUC__)
    __builtin_cpu_init();
#if defined(__clang__)
    const int v3 = __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma") &&
                   __builtin_cpu_supports("bmi2");
    const int v4 = v3 && __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw") &&
                   __builtin_cpu_supports("avx512vl") && __builtin_cpu_supports("avx512dq") &&
                   __builtin_cpu_supports("avx512cd");
#else
    const int v3 = __builtin_cpu_supports("x86-64-v3");
    const int v4 = __builtin_cpu_supports("x86-64-v4");
#endif
    return level == SSM_SIMD_X86_64_V4 ? v4 : level == SSM_SIMD_X86_64_V3 ? v3 : 1;
#else
    return level == SSM_SIMD_BASELINE;
#endif
}

/* The highest level this build has clones for. */
static inline ssm_simd_level ssm_simd_top(void)
{
#if defined(SSM_SIMD_DISPATCH) && defined(SSM_SIMD_V4)
    return SSM_SIMD_X86_64_V4;
#elif defined(SSM_SIMD_DISPATCH)
    return SSM_SIMD_X86_64_V3;
#else
    return SSM_SIMD_BASELINE;
#endif
}

/* The highest compiled level this CPU has: the clone the dispatch runs. */
static inline ssm_simd_level ssm_simd_level_now(void)
{
    const ssm_simd_level top = ssm_simd_top();
    if (top >= SSM_SIMD_X86_64_V4 && ssm_simd_cpu_has(SSM_SIMD_X86_64_V4))
        return SSM_SIMD_X86_64_V4;
    if (top >= SSM_SIMD_X86_64_V3 && ssm_simd_cpu_has(SSM_SIMD_X86_64_V3))
        return SSM_SIMD_X86_64_V3;
    return SSM_SIMD_BASELINE;
}

#endif
