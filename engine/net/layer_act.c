/* Vectorising activations for the networks' hot loops.
 *
 * libm's erff/expf are scalar calls (about 60 and 40 instructions each) and
 * were a quarter of the denoiser's time. These branch-free forms let the
 * compiler vectorise over a whole frame (AVX2/AVX-512 clones):
 *   exp: Cephes expf (range reduction by ln 2 in two parts, degree-6
 *        polynomial, exponent by integer add), relative error ~2e-7;
 *   erf: Abramowitz & Stegun 7.1.26, absolute error below 1.5e-7;
 * both far inside the engine's 1e-4 agreement with the PyTorch model
 * (tests/engine/test_network.c measures it). */
#include <stdint.h>
#include <string.h>

#include "net/network.h"

static inline float exp_fast(float x)
{
    x = x < -87.0f ? -87.0f : x > 88.0f ? 88.0f : x;
    const float n = __builtin_floorf(x * 1.44269504088896341f + 0.5f);
    float r = x - n * 0.693359375f;
    r = r - n * -2.12194440e-4f;
    float p = 1.9875691500e-4f;
    p = p * r + 1.3981999507e-3f;
    p = p * r + 8.3334519073e-3f;
    p = p * r + 4.1665795894e-2f;
    p = p * r + 1.6666665459e-1f;
    p = p * r + 5.0000001201e-1f;
    p = p * r * r + r + 1.0f;
    const int32_t bits = ((int32_t)n + 127) << 23;
    float scale;
    memcpy(&scale, &bits, sizeof scale);
    return p * scale;
}

/* The clones are file-local behind plain functions: GCC exports a
 * target_clones function (an ifunc) whatever its visibility, and these
 * are no public API. */
static SSM_HOT void act_sigmoid(float *x, size_t n)
{
    for (size_t i = 0; i < n; i++)
        x[i] = 1.0f / (1.0f + exp_fast(-x[i]));
}

static SSM_HOT void act_gelu(float *x, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        const float v = x[i];
        const float z = v * 0.70710678118654752f;
        const float a = z < 0.0f ? -z : z;
        const float t = 1.0f / (1.0f + 0.3275911f * a);
        const float poly =
            ((((1.061405429f * t - 1.453152027f) * t + 1.421413741f) * t - 0.284496736f) * t +
             0.254829592f) *
            t;
        const float e = 1.0f - poly * exp_fast(-a * a);
        const float erf = z < 0.0f ? -e : e;
        x[i] = 0.5f * v * (1.0f + erf);
    }
}

static SSM_HOT void act_glu_add(float *restrict u, float *restrict g, size_t h)
{
    act_sigmoid(g + h, h);
    for (size_t i = 0; i < h; i++)
        u[i] += g[i] * g[h + i];
}

void ssm_act_sigmoid(float *x, size_t n)
{
    act_sigmoid(x, n);
}

void ssm_act_gelu(float *x, size_t n)
{
    act_gelu(x, n);
}

void ssm_act_glu_add(float *restrict u, float *restrict g, size_t h)
{
    act_glu_add(u, g, h);
}
