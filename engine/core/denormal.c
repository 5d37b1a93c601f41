#include "ssm/ssmaudio.h"

#if defined(__x86_64__) || defined(__i386__)
#include <xmmintrin.h>

/* MXCSR bit 15 is flush-to-zero, bit 6 denormals-are-zero (SSE3+, present on
 * every x86-64 that runs SSE2 code paths we emit). */
#define SSM_MXCSR_FTZ_DAZ 0x8040u

uint32_t ssm_denormals_disable(void)
{
    uint32_t saved = _mm_getcsr();
    _mm_setcsr(saved | SSM_MXCSR_FTZ_DAZ);
    return saved;
}

void ssm_denormals_restore(uint32_t saved)
{
    _mm_setcsr(saved);
}

#elif defined(__aarch64__)

uint32_t ssm_denormals_disable(void)
{
    uint64_t fpcr;
    __asm__ volatile("mrs %0, fpcr" : "=r"(fpcr));
    __asm__ volatile("msr fpcr, %0" ::"r"(fpcr | (1u << 24))); /* FZ */
    return (uint32_t)fpcr;
}

void ssm_denormals_restore(uint32_t saved)
{
    uint64_t fpcr = saved;
    __asm__ volatile("msr fpcr, %0" ::"r"(fpcr));
}

#else
#error "ssmaudio needs a way to flush denormals on this CPU"
#endif
