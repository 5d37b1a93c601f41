#include "ssm/activations.h"

#include <float.h>
#include <math.h>

float ssm_sigmoidf(float x)
{
    /* Split on sign so exp never overflows to inf for large |x|. */
    if (x >= 0.0f)
        return 1.0f / (1.0f + expf(-x));
    float e = expf(x);
    return e / (1.0f + e);
}

float ssm_siluf(float x)
{
    return x * ssm_sigmoidf(x);
}

float ssm_geluf(float x)
{
    return 0.5f * x * (1.0f + erff(x * 0.70710678118654752f));
}

float ssm_softplusf(float x)
{
    /* torch.nn.functional.softplus uses the identity above threshold 20. */
    if (x > 20.0f)
        return x;
    return log1pf(expf(x));
}

SSM_HOT void ssm_exp(float *out, const float *in, size_t n)
{
    for (size_t i = 0; i < n; i++)
        out[i] = ssm_expf_fast(in[i]);
}

SSM_HOT void ssm_logpow(float *out, const float *in, size_t n, float eps)
{
    for (size_t i = 0; i < n; i++) {
        const float p = in[i] * in[i] + eps;
        /* The fast log reads normal floats only: anything below (a
         * denormal eps, NaN) is read as the smallest normal. */
        out[i] = ssm_logf_fast(p >= FLT_MIN ? p : FLT_MIN);
    }
}

SSM_HOT void ssm_silu(float *out, const float *in, size_t n)
{
    for (size_t i = 0; i < n; i++)
        out[i] = ssm_siluf_fast(in[i]);
}

#if defined(SSM_SIMD_DISPATCH)
#include <immintrin.h>

#include "simd_level.h"

/* ssm_expf_fast on 8 lanes for the v3 path (its range reduction and
 * polynomial, the same operations in the same order), c already clamped by
 * the caller to what its own argument needs. */
__attribute__((target("arch=x86-64-v3"))) static inline __m256 exp8(__m256 c)
{
    const __m256 one = _mm256_set1_ps(1.0f);
    const __m256 magic = _mm256_set1_ps(12582912.0f);
    const __m256 k =
        _mm256_sub_ps(_mm256_fmadd_ps(c, _mm256_set1_ps(1.44269504088896341f), magic), magic);
    __m256 r = _mm256_fnmadd_ps(k, _mm256_set1_ps(0.693359375f), c);
    r = _mm256_fmadd_ps(k, _mm256_set1_ps(2.12194440e-4f), r);
    __m256 p =
        _mm256_fmadd_ps(_mm256_set1_ps(1.9875691500e-4f), r, _mm256_set1_ps(1.3981999507e-3f));
    p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(8.3334519073e-3f));
    p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(4.1665795894e-2f));
    p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(1.6666665459e-1f));
    p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(5.0000001201e-1f));
    p = _mm256_add_ps(_mm256_fmadd_ps(_mm256_mul_ps(p, r), r, r), one);
    const __m256i e =
        _mm256_slli_epi32(_mm256_add_epi32(_mm256_cvttps_epi32(k), _mm256_set1_epi32(127)), 23);
    return _mm256_mul_ps(p, _mm256_castsi256_ps(e));
}

/* GELU on the AVX2 + FMA path, by hand: the same operations, in the same
 * order and with the same fused multiply-adds, as GCC's v3 clone of the
 * loop below makes of ssm_geluf_fast (the same results; checked against
 * it over every float), minus what the clone spent on its clamps: GCC
 * writes each "x < lo ? lo : x" as compares, mask logic and blends, where
 * one vmaxps does it, and keeps ssm_expf_fast's NaN pass-through and upper
 * clamp, which GELU's exp argument -z^2 (<= 0; a NaN input is NaN through
 * v anyway) never needs. The elementwise kernels are bound by instruction
 * count on the v3 path (AVX-512 runs them in half the instructions, at
 * twice the speed on Zen 4), so fewer instructions is the speed-up. */
__attribute__((target("arch=x86-64-v3"))) static void gelu_v3(float *out, const float *in, size_t n)
{
    const __m256 sign = _mm256_set1_ps(-0.0f), one = _mm256_set1_ps(1.0f);
    const __m256 half = _mm256_set1_ps(0.5f);
    size_t i = 0;
    for (; i + 8 <= n; i += 8) {
        const __m256 v = _mm256_max_ps(_mm256_set1_ps(-20.0f), _mm256_loadu_ps(in + i));
        const __m256 z = _mm256_mul_ps(v, _mm256_set1_ps(0.70710678118654752f));
        const __m256 a = _mm256_andnot_ps(sign, z);
        const __m256 t = _mm256_div_ps(one, _mm256_fmadd_ps(a, _mm256_set1_ps(0.3275911f), one));
        __m256 poly =
            _mm256_fmadd_ps(_mm256_set1_ps(1.061405429f), t, _mm256_set1_ps(-1.453152027f));
        poly = _mm256_fmadd_ps(poly, t, _mm256_set1_ps(1.421413741f));
        poly = _mm256_fmadd_ps(poly, t, _mm256_set1_ps(-0.284496736f));
        poly = _mm256_fmadd_ps(poly, t, _mm256_set1_ps(0.254829592f));
        poly = _mm256_mul_ps(poly, t);
        /* ssm_expf_fast(-a a) */
        const __m256 c =
            _mm256_max_ps(_mm256_mul_ps(_mm256_xor_ps(a, sign), a), _mm256_set1_ps(-87.0f));
        const __m256 ex = exp8(c);
        const __m256 erf_a = _mm256_fnmadd_ps(poly, ex, one);
        const __m256 erf = _mm256_or_ps(_mm256_andnot_ps(sign, erf_a), _mm256_and_ps(z, sign));
        _mm256_storeu_ps(out + i, _mm256_mul_ps(_mm256_mul_ps(half, v), _mm256_add_ps(one, erf)));
    }
    for (; i < n; i++)
        out[i] = ssm_geluf_fast(in[i]);
}

/* ssm_sigmoidf_fast on 8 lanes for the v3 path, as GCC's v3 clone
 * computes it (the same results over every float, with and without
 * FTZ/DAZ), with vmaxps / vminps for ssm_expf_fast's clamps instead of
 * compares and blends; its NaN pass-through stays (sigmoid(NaN) = NaN). */
__attribute__((target("arch=x86-64-v3"))) static inline __m256 sigmoid8(__m256 x)
{
    const __m256 one = _mm256_set1_ps(1.0f);
    const __m256 nx = _mm256_xor_ps(x, _mm256_set1_ps(-0.0f));
    const __m256 c =
        _mm256_min_ps(_mm256_max_ps(nx, _mm256_set1_ps(-87.0f)), _mm256_set1_ps(88.0f));
    __m256 ex = exp8(c);
    ex = _mm256_blendv_ps(ex, nx, _mm256_cmp_ps(nx, nx, _CMP_UNORD_Q));
    return _mm256_div_ps(one, _mm256_add_ps(one, ex));
}

__attribute__((target("arch=x86-64-v3"))) static void sigmoid_v3(float *out, const float *in,
                                                                 size_t n)
{
    size_t i = 0;
    for (; i + 8 <= n; i += 8)
        _mm256_storeu_ps(out + i, sigmoid8(_mm256_loadu_ps(in + i)));
    for (; i < n; i++)
        out[i] = ssm_sigmoidf_fast(in[i]);
}

__attribute__((target("arch=x86-64-v3"))) static void glu_v3(float *out, const float *in, size_t n)
{
    size_t i = 0;
    for (; i + 8 <= n; i += 8)
        _mm256_storeu_ps(
            out + i, _mm256_mul_ps(_mm256_loadu_ps(in + i), sigmoid8(_mm256_loadu_ps(in + n + i))));
    for (; i < n; i++)
        out[i] = in[i] * ssm_sigmoidf_fast(in[n + i]);
}

#if defined(SSM_SIMD_V4)
__attribute__((target("arch=x86-64-v4"))) static void gelu_v4(float *out, const float *in, size_t n)
{
    for (size_t i = 0; i < n; i++)
        out[i] = ssm_geluf_fast(in[i]);
}
#endif

static void gelu_base(float *out, const float *in, size_t n)
{
    for (size_t i = 0; i < n; i++)
        out[i] = ssm_geluf_fast(in[i]);
}

typedef void (*act_fn)(float *, const float *, size_t);

static act_fn resolve_gelu(void)
{
    switch (ssm_simd_level_now()) {
#if defined(SSM_SIMD_V4)
    case SSM_SIMD_X86_64_V4:
        return gelu_v4;
#endif
    case SSM_SIMD_X86_64_V3:
        return gelu_v3;
    default:
        return gelu_base;
    }
}

void ssm_gelu(float *out, const float *in, size_t n) __attribute__((ifunc("resolve_gelu")));

#if defined(SSM_SIMD_V4)
__attribute__((target("arch=x86-64-v4"))) static void sigmoid_v4(float *out, const float *in,
                                                                 size_t n)
{
    for (size_t i = 0; i < n; i++)
        out[i] = ssm_sigmoidf_fast(in[i]);
}

__attribute__((target("arch=x86-64-v4"))) static void glu_v4(float *out, const float *in, size_t n)
{
    for (size_t i = 0; i < n; i++)
        out[i] = in[i] * ssm_sigmoidf_fast(in[n + i]);
}
#endif

static void sigmoid_base(float *out, const float *in, size_t n)
{
    for (size_t i = 0; i < n; i++)
        out[i] = ssm_sigmoidf_fast(in[i]);
}

static void glu_base(float *out, const float *in, size_t n)
{
    for (size_t i = 0; i < n; i++)
        out[i] = in[i] * ssm_sigmoidf_fast(in[n + i]);
}

static act_fn resolve_sigmoid(void)
{
    switch (ssm_simd_level_now()) {
#if defined(SSM_SIMD_V4)
    case SSM_SIMD_X86_64_V4:
        return sigmoid_v4;
#endif
    case SSM_SIMD_X86_64_V3:
        return sigmoid_v3;
    default:
        return sigmoid_base;
    }
}

static act_fn resolve_glu(void)
{
    switch (ssm_simd_level_now()) {
#if defined(SSM_SIMD_V4)
    case SSM_SIMD_X86_64_V4:
        return glu_v4;
#endif
    case SSM_SIMD_X86_64_V3:
        return glu_v3;
    default:
        return glu_base;
    }
}

void ssm_sigmoid(float *out, const float *in, size_t n) __attribute__((ifunc("resolve_sigmoid")));
void ssm_glu(float *out, const float *in, size_t n) __attribute__((ifunc("resolve_glu")));
#else
void ssm_gelu(float *out, const float *in, size_t n)
{
    for (size_t i = 0; i < n; i++)
        out[i] = ssm_geluf_fast(in[i]);
}

void ssm_sigmoid(float *out, const float *in, size_t n)
{
    for (size_t i = 0; i < n; i++)
        out[i] = ssm_sigmoidf_fast(in[i]);
}

void ssm_glu(float *out, const float *in, size_t n)
{
    for (size_t i = 0; i < n; i++)
        out[i] = in[i] * ssm_sigmoidf_fast(in[n + i]);
}
#endif

SSM_HOT void ssm_softplus(float *out, const float *in, size_t n)
{
    for (size_t i = 0; i < n; i++)
        out[i] = ssm_softplusf_fast(in[i]);
}

SSM_HOT void ssm_glu_add(float *restrict acc, const float *restrict in, size_t n)
{
    for (size_t i = 0; i < n; i++)
        acc[i] += in[i] * ssm_sigmoidf_fast(in[n + i]);
}

/* Sums in double over 8 interleaved partial sums (then added pairwise):
 * the partial sums vectorise, where one running double sum is a chain of
 * dependent adds the length of the row. */
static inline __attribute__((always_inline)) double sum_sq(const float *x, size_t n, double mean)
{
    double p[8] = {0};
    size_t i = 0;
    for (; i + 8 <= n; i += 8)
        for (size_t j = 0; j < 8; j++) {
            const double d = (double)x[i + j] - mean;
            p[j] += d * d;
        }
    for (; i < n; i++) {
        const double d = (double)x[i] - mean;
        p[0] += d * d;
    }
    return ((p[0] + p[4]) + (p[2] + p[6])) + ((p[1] + p[5]) + (p[3] + p[7]));
}

static inline __attribute__((always_inline)) double sum(const float *x, size_t n)
{
    double p[8] = {0};
    size_t i = 0;
    for (; i + 8 <= n; i += 8)
        for (size_t j = 0; j < 8; j++)
            p[j] += (double)x[i + j];
    for (; i < n; i++)
        p[0] += (double)x[i];
    return ((p[0] + p[4]) + (p[2] + p[6])) + ((p[1] + p[5]) + (p[3] + p[7]));
}

SSM_HOT void ssm_layernorm(float *out, const float *in, const float *w, const float *b, size_t n,
                           float eps)
{
    /* Two passes in double: one-pass variance cancels badly for large means. */
    const double mean = sum(in, n) / (double)n;
    const double var = sum_sq(in, n, mean) / (double)n;
    const float inv = (float)(1.0 / sqrt(var + eps));
    for (size_t i = 0; i < n; i++) {
        float y = (float)(in[i] - mean) * inv;
        if (w)
            y *= w[i];
        if (b)
            y += b[i];
        out[i] = y;
    }
}

SSM_HOT void ssm_rmsnorm(float *out, const float *in, const float *w, size_t n, float eps)
{
    const float inv = (float)(1.0 / sqrt(sum_sq(in, n, 0.0) / (double)n + eps));
    if (w)
        for (size_t i = 0; i < n; i++)
            out[i] = in[i] * inv * w[i];
    else
        for (size_t i = 0; i < n; i++)
            out[i] = in[i] * inv;
}
