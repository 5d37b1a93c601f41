/* Private to kernels/: the diagonal bank's inner loops for the SIMD level
 * this process runs at (kernels/diag_simd.c compiles kernels/diag_simd.h
 * once per level). ssm_diag (diag.c) and its chunked form (diag_conv.c)
 * call them through this table, chosen once per object. */
#ifndef SSM_DIAG_KERNELS_H
#define SSM_DIAG_KERNELS_H

#include "ssm/diag.h"

#define SSM_PRIVATE __attribute__((visibility("hidden")))

/* The bank turned so that a vector holds one mode of `lanes` adjacent
 * channels (kernels/diag.c keeps it): for frames whose channels are
 * contiguous ([n][channels]) each frame row is a vector per channel group,
 * so the recurrence runs with no broadcast, no gather and no sum across
 * lanes. Arrays [groups][modes][lanes], groups = channels / lanes. */
typedef struct {
    size_t groups, modes, lanes;
    ssm_diag_weighting weighting;
    float *lr, *li, *wr, *wi; /* coefficients */
    float *xr, *xi;           /* state */
    float *d;                 /* [groups * lanes] */
} ssm_diag_lanes;

typedef struct {
    size_t lanes; /* floats in the level's vector register */
    /* The recurrence with fixed coefficients over every channel: channel h
     * reads in[h * in_ld + t * is], writes out[h * out_ld + t * os] (out
     * may equal in, with the same strides), state xr, xi [channels][stride]. */
    void (*bank)(const ssm_diag_bank *b, float *xr, float *xi, const float *in, size_t in_ld,
                 size_t is, float *out, size_t out_ld, size_t os, size_t n);
    /* The same while the coefficients glide from b toward tg (ssm_diag_glide). */
    void (*glide)(const ssm_diag_bank *b, const ssm_diag_bank *tg, float *xr, float *xi,
                  const float *in, size_t in_ld, float *out, size_t out_ld, size_t n, float step);
    /* The chunked form's products (kernels/diag_conv.c says what they do). */
    void (*gemm_out)(const float *restrict etr, const float *restrict eti, const float *restrict vr,
                     const float *restrict vi, size_t S, float *restrict y, size_t kb, size_t r);
    void (*gemm_in)(const float *restrict fr, const float *restrict fi, const float *restrict u,
                    size_t S, float *restrict qr, float *restrict qi, size_t kb);
    void (*intra_conv)(const float *restrict k, const float *restrict u, size_t r,
                       float *restrict y);
    /* The recurrence on the turned bank: frame t's channels at in + t * is,
     * out + t * os (out may equal in). */
    void (*lanes_step)(ssm_diag_lanes *L, const float *in, size_t is, float *out, size_t os,
                       size_t n);
} ssm_diag_simd;

/* The table for the level the dispatch runs at (ssm/simd.h). */
SSM_PRIVATE const ssm_diag_simd *ssm_diag_simd_get(void);

#endif
