/* The SIMD level of the hot kernels' clones (ssm/simd.h). */
#include "ssm/simd.h"

#include "simd_level.h"

int ssm_simd_cpu_supports(ssm_simd_level level)
{
    return ssm_simd_cpu_has(level);
}

ssm_simd_level ssm_simd_compiled(void)
{
    return ssm_simd_top();
}

ssm_simd_level ssm_simd_active(void)
{
    return ssm_simd_level_now();
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
