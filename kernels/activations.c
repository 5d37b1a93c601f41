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

SSM_HOT void ssm_gelu(float *out, const float *in, size_t n)
{
    for (size_t i = 0; i < n; i++)
        out[i] = ssm_geluf_fast(in[i]);
}

SSM_HOT void ssm_softplus(float *out, const float *in, size_t n)
{
    for (size_t i = 0; i < n; i++)
        out[i] = ssm_softplusf_fast(in[i]);
}

SSM_HOT void ssm_sigmoid(float *out, const float *in, size_t n)
{
    for (size_t i = 0; i < n; i++)
        out[i] = ssm_sigmoidf_fast(in[i]);
}

SSM_HOT void ssm_glu(float *out, const float *in, size_t n)
{
    for (size_t i = 0; i < n; i++)
        out[i] = in[i] * ssm_sigmoidf_fast(in[n + i]);
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
