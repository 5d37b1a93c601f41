/* Which SIMD level the hot kernels run at: the clone the load-time
 * dispatch (SSM_HOT, ssm/common.h) picks on this CPU among the ones the
 * build compiled (meson options simd_dispatch, simd_max). Benchmarks name
 * it next to their numbers, and kernels whose register blocking depends on
 * the vector width (ssm_gemm_t) choose their blocking by it. */
#ifndef SSM_SIMD_H
#define SSM_SIMD_H

#include "ssm/common.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef enum {
    SSM_SIMD_BASELINE = 0,  /* the default clone: x86-64 (SSE2), or a build without clones */
    SSM_SIMD_X86_64_V3 = 1, /* AVX2 + FMA (+ BMI1/2, F16C, LZCNT, MOVBE) */
    SSM_SIMD_X86_64_V4 = 2, /* v3 + AVX-512 F/BW/CD/DQ/VL */
} ssm_simd_level;

/* The level the dispatch runs at in this process: the highest compiled
 * clone this CPU supports, by the same test the dispatch makes (GCC's
 * resolver reads the x86-64 level bits of libgcc's CPU model). tests/
 * kernels/test_simd.c checks the kernels' arithmetic agrees. */
ssm_simd_level ssm_simd_active(void);
/* Whether this CPU has the level (whatever the build compiled). */
int ssm_simd_cpu_supports(ssm_simd_level level);
/* The highest level this build has clones for. */
ssm_simd_level ssm_simd_compiled(void);
/* "x86-64-v4 (AVX-512)", "x86-64-v3 (AVX2+FMA)", "x86-64 baseline (SSE2)". */
const char *ssm_simd_name(ssm_simd_level level);

#ifdef __cplusplus
}
#endif
#endif
