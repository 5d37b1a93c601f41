/* Elementwise activations and normalisations shared by every layer.
 * All are in-place safe (out may equal in). */
#ifndef SSM_ACTIVATIONS_H
#define SSM_ACTIVATIONS_H

#include "ssm/common.h"

#include <math.h>
#include <stdint.h>
#include <string.h>

#ifdef __cplusplus
extern "C" {
#endif

/* The fast forms below are branch-free, so loops that call them vectorise
 * (no libm call), and each has a tested error bound over all of float
 * (tests/kernels/test_activations.c). Non-finite input is defined: NaN
 * gives NaN; infinities give the limits stated per function. */

/* e^x with x clamped to [-87, 88] (so -inf gives e^-87 and +inf e^88:
 * never 0, a denormal or inf): Cody-Waite reduction x = k ln2 + r with the
 * magic-number rounding trick (no rintf call in the default SSE2 clone) and
 * Cephes' degree-6 polynomial on |r| <= ln2/2. Max relative error 1.2e-7
 * against exp in double. The clamp also keeps NaN away from the integer
 * conversion (a NaN converted to int, or a negative int shifted, would be
 * undefined behaviour); NaN is passed through at the end. */
static inline float ssm_expf_fast(float x)
{
    float c = x > -87.0f ? x : -87.0f; /* NaN fails the test: -87 */
    c = c < 88.0f ? c : 88.0f;
    const float magic = 12582912.0f; /* 1.5 * 2^23: adding it rounds to integer */
    float k = (c * 1.44269504088896341f + magic) - magic;
    float r = c - k * 0.693359375f;
    r = r - k * -2.12194440e-4f;
    float p = 1.9875691500e-4f;
    p = p * r + 1.3981999507e-3f;
    p = p * r + 8.3334519073e-3f;
    p = p * r + 4.1665795894e-2f;
    p = p * r + 1.6666665459e-1f;
    p = p * r + 5.0000001201e-1f;
    p = p * r * r + r + 1.0f;
    /* k is in [-126, 127], so the biased exponent is in [1, 254]. */
    const uint32_t e = (uint32_t)((int32_t)k + 127) << 23;
    float scale;
    memcpy(&scale, &e, sizeof scale);
    const float y = p * scale;
    return x == x ? y : x;
}

/* Natural log for normal x > 0 (Cephes logf: mantissa in [sqrt(1/2),
 * sqrt(2)), degree-8 polynomial); max relative error about 2e-7. Other
 * input (0, negative, denormal, inf, NaN) gives a finite value without
 * meaning: the callers here only pass values in [1, 2]. */
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
 * exponential and logarithm above), for per-sample loops. Relative error
 * below 3e-7. sigmoid(-inf) is 1/(1 + e^88), about 6e-39 (below float's
 * normal range: flushed where denormals are), sigmoid(+inf) = 1;
 * silu(+inf) = +inf, silu(-inf) = -inf (x times that 6e-39). */
static inline float ssm_sigmoidf_fast(float x)
{
    return 1.0f / (1.0f + ssm_expf_fast(-x));
}

static inline float ssm_siluf_fast(float x)
{
    return x / (1.0f + ssm_expf_fast(-x));
}

/* erf by Abramowitz & Stegun 7.1.26 (absolute error 1.5e-7 in exact
 * arithmetic; evaluated in float with the fast exponential, below 5e-7),
 * erf(+-inf) = +-1. */
static inline float ssm_erff_fast(float x)
{
    /* fabsf and copysignf, not a test on the sign: with the test GCC
     * evaluated both sides of it, two vector divisions per element. */
    const float a = fabsf(x);
    const float t = 1.0f / (1.0f + 0.3275911f * a);
    const float poly =
        ((((1.061405429f * t - 1.453152027f) * t + 1.421413741f) * t - 0.284496736f) * t +
         0.254829592f) *
        t;
    const float e = 1.0f - poly * ssm_expf_fast(-a * a);
    return copysignf(e, x);
}

/* GELU, the exact erf form (torch.nn.GELU()) through ssm_erff_fast: absolute
 * error below 2.5e-7 max(1, |x|). Input below -20 is read as -20 (GELU is
 * below 1e-80 there), which keeps gelu(-inf) finite (about -1e-38) instead of
 * inf times 0; gelu(+inf) = +inf. */
static inline float ssm_geluf_fast(float x)
{
    const float v = x < -20.0f ? -20.0f : x;
    return 0.5f * v * (1.0f + ssm_erff_fast(v * 0.70710678118654752f));
}

/* softplus(x) = max(x, 0) + log1p(e^-|x|); log1p(y) = log(u) y / (u - 1)
 * with u = 1 + y keeps full relative accuracy for tiny y (Goldberg).
 * Relative error below 3e-7; softplus(-inf) = e^-87, softplus(+inf) = +inf. */
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
/* out[i] = log(in[i]^2 + eps) through ssm_logf_fast: log-power features,
 * error about 2e-7 of max(1, |result|). An argument below float's smallest
 * normal (a denormal eps, NaN input) is read as that normal; +inf gives a
 * finite value (about 88.7). */
void ssm_logpow(float *out, const float *in, size_t n, float eps);

/* Scalar references through libm, for set-up code and tests. */
float ssm_sigmoidf(float x);
float ssm_siluf(float x);
float ssm_geluf(float x);     /* exact erf form, as torch.nn.GELU() */
float ssm_softplusf(float x); /* log(1 + e^x), threshold 20 as torch */

/* Array forms through the fast functions above. */
void ssm_silu(float *out, const float *in, size_t n);
void ssm_gelu(float *out, const float *in, size_t n);
void ssm_softplus(float *out, const float *in, size_t n);
void ssm_sigmoid(float *out, const float *in, size_t n);
/* GLU over one vector of 2n: out[i] = in[i] * sigmoid(in[n + i]). */
void ssm_glu(float *out, const float *in, size_t n);
/* The same GLU added into a residual: acc[i] += in[i] * sigmoid(in[n + i]).
 * acc must not overlap in. */
void ssm_glu_add(float *restrict acc, const float *restrict in, size_t n);

/* y = (x - mean) / sqrt(var + eps) * w + b over n values (w, b may be NULL). */
void ssm_layernorm(float *out, const float *in, const float *w, const float *b, size_t n,
                   float eps);
/* y = x / sqrt(mean(x^2) + eps) * w (w may be NULL). */
void ssm_rmsnorm(float *out, const float *in, const float *w, size_t n, float eps);

#ifdef __cplusplus
}
#endif
#endif
