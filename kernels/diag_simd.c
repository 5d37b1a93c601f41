/* The diagonal bank's inner loops, compiled once per SIMD level from
 * kernels/diag_simd.h (see there why per level), and the choice of one. */
#include <string.h>

#include "diag_kernels.h"
#include "simd_level.h"

#define SFX(x) x##_base
#define TGT
#define NL       4
#define GROUPS_L 2
#define GLIDE_L  1
#define KB_L     1
#define LANES_MB 2
#include "diag_simd.h"
#undef SFX
#undef TGT
#undef NL
#undef GROUPS_L
#undef GLIDE_L
#undef KB_L
#undef LANES_MB

#if defined(SSM_SIMD_DISPATCH)
/* 4 groups (and 4 modes of the turned bank) of 6 vectors need 24 of AVX2's
 * 16 registers: GCC keeps the loop-invariant coefficients on the stack and
 * reads them as memory operands of the FMAs, which runs 30-50 % faster
 * than 2 in registers (whose few recurrence chains wait on the FMA
 * latency; ssm-bench diag, AMD Zen 4 forced to v3); 3, 6 or 8 are slower. */
#define SFX(x)   x##_v3
#define TGT      __attribute__((target("arch=x86-64-v3")))
#define NL       8
#define GROUPS_L 4
#define GLIDE_L  1
#define KB_L     2
#define LANES_MB 4
#include "diag_simd.h"
#undef SFX
#undef TGT
#undef NL
#undef GROUPS_L
#undef GLIDE_L
#undef KB_L
#undef LANES_MB

#if defined(SSM_SIMD_V4)
#define SFX(x)   x##_v4
#define TGT      __attribute__((target("arch=x86-64-v4")))
#define NL       16
#define GROUPS_L 4
#define GLIDE_L  2
#define KB_L     4
#define LANES_MB 4
#include "diag_simd.h"
#undef SFX
#undef TGT
#undef NL
#undef GROUPS_L
#undef GLIDE_L
#undef KB_L
#undef LANES_MB
#endif
#endif

const ssm_diag_simd *ssm_diag_simd_get(void)
{
    switch (ssm_simd_level_now()) {
#if defined(SSM_SIMD_DISPATCH) && defined(SSM_SIMD_V4)
    case SSM_SIMD_X86_64_V4:
        return &kernels_v4;
#endif
#if defined(SSM_SIMD_DISPATCH)
    case SSM_SIMD_X86_64_V3:
        return &kernels_v3;
#endif
    default:
        return &kernels_base;
    }
}
