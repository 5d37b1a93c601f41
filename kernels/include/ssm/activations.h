/* Elementwise activations and normalisations shared by every layer.
 * All are in-place safe (out may equal in). */
#ifndef SSM_ACTIVATIONS_H
#define SSM_ACTIVATIONS_H

#include "ssm/common.h"

#include <stdint.h>
#include <string.h>

#ifdef __cplusplus
extern "C" {
#endif

/* e^x for x in [-87, 88] (clamped outside), branch-free so loops that call
 * it vectorise: Cody-Waite reduction x = k ln2 + r with the magic-number
 * rounding trick (no rintf call in the default SSE2 clone) and Cephes'
 * degree-6 polynomial on |r| <= ln2/2. Max relative error 8e-8
 * (tested against exp in double). Results below 2^-126 are never produced,
 * so no denormal leaves it. */
static inline float ssm_expf_fast(float x)
{
    x = x < -87.0f ? -87.0f : x;
    x = x > 88.0f ? 88.0f : x;
    const float magic = 12582912.0f; /* 1.5 * 2^23: adding it rounds to integer */
    float k = (x * 1.44269504088896341f + magic) - magic;
    float r = x - k * 0.693359375f;
    r = r - k * -2.12194440e-4f;
    float p = 1.9875691500e-4f;
    p = p * r + 1.3981999507e-3f;
    p = p * r + 8.3334519073e-3f;
    p = p * r + 4.1665795894e-2f;
    p = p * r + 1.6666665459e-1f;
    p = p * r + 5.0000001201e-1f;
    p = p * r * r + r + 1.0f;
    int32_t e = ((int32_t)k + 127) << 23;
    float scale;
    memcpy(&scale, &e, sizeof scale);
    return p * scale;
}

/* Natural log for normal x > 0, branch-free (Cephes logf: mantissa in
 * [sqrt(1/2), sqrt(2)), degree-8 polynomial); max relative error about
 * 2e-7. */
static inline float ssm_logf_fast(float x)
{
    int32_t i;
    memcpy(&i, &x, sizeof i);
    float e = (float)(((i >> 23) & 0xff) - 127);
    i = (i & 0x007fffff) | 0x3f800000;
    float m;
    memcpy(&m, &i, sizeof m);
    float big = m > 1.41421356f ? 1.0f : 0.0f;
    m = m * (1.0f - 0.5f * big);
    e += big;
    float f = m - 1.0f, z = f * f;
    float p = 7.0376836292e-2f;
    p = p * f - 1.1514610310e-1f;
    p = p * f + 1.1676998740e-1f;
    p = p * f - 1.2420140846e-1f;
    p = p * f + 1.4249322787e-1f;
    p = p * f - 1.6668057665e-1f;
    p = p * f + 2.0000714765e-1f;
    p = p * f - 2.4999993993e-1f;
    p = p * f + 3.3333331174e-1f;
    float y = p * f * z;
    y += e * -2.12194440e-4f;
    y += -0.5f * z;
    return f + y + e * 0.693359375f;
}

/* Vectorisable forms of the scalar functions below (same formulas, the
 * exponential and logarithm above), for per-sample loops. */
static inline float ssm_sigmoidf_fast(float x)
{
    return 1.0f / (1.0f + ssm_expf_fast(-x));
}

static inline float ssm_siluf_fast(float x)
{
    return x / (1.0f + ssm_expf_fast(-x));
}

/* softplus(x) = max(x, 0) + log1p(e^-|x|); log1p(y) = log(u) y / (u - 1)
 * with u = 1 + y keeps full relative accuracy for tiny y (Goldberg). */
static inline float ssm_softplusf_fast(float x)
{
    float ax = x < 0.0f ? -x : x;
    float y = ssm_expf_fast(-ax);
    float u = 1.0f + y;
    /* Both sides computed, then selected: a division only on one side of a
     * branch stops GCC from if-converting (and so vectorising) the loop. */
    float den = u - 1.0f;
    den = den == 0.0f ? 1.0f : den;
    float l1p = ssm_logf_fast(u) * (y / den);
    l1p = u == 1.0f ? y : l1p;
    return (x > 0.0f ? x : 0.0f) + l1p;
}

/* out[i] = e^in[i] through ssm_expf_fast. */
void ssm_exp(float *out, const float *in, size_t n);

float ssm_sigmoidf(float x);
float ssm_siluf(float x);
float ssm_geluf(float x);     /* exact erf form, as torch.nn.GELU() */
float ssm_softplusf(float x); /* log(1 + e^x), threshold 20 as torch */

void ssm_silu(float *out, const float *in, size_t n);
void ssm_gelu(float *out, const float *in, size_t n);
void ssm_softplus(float *out, const float *in, size_t n);
void ssm_sigmoid(float *out, const float *in, size_t n);
/* GLU over one vector of 2n: out[i] = in[i] * sigmoid(in[n + i]). */
void ssm_glu(float *out, const float *in, size_t n);

/* y = (x - mean) / sqrt(var + eps) * w + b over n values (w, b may be NULL). */
void ssm_layernorm(float *out, const float *in, const float *w, const float *b, size_t n,
                   float eps);
/* y = x / sqrt(mean(x^2) + eps) * w (w may be NULL). */
void ssm_rmsnorm(float *out, const float *in, const float *w, size_t n, float eps);

#ifdef __cplusplus
}
#endif
#endif
