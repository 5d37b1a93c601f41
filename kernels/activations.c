#include "ssm/activations.h"

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

void ssm_layernorm(float *out, const float *in, const float *w, const float *b, size_t n, float eps)
{
    /* Two passes in double: one-pass variance cancels badly for large means. */
    double mean = 0.0, var = 0.0;
    for (size_t i = 0; i < n; i++)
        mean += in[i];
    mean /= (double)n;
    for (size_t i = 0; i < n; i++) {
        double d = in[i] - mean;
        var += d * d;
    }
    var /= (double)n;
    float inv = (float)(1.0 / sqrt(var + eps));
    for (size_t i = 0; i < n; i++) {
        float y = (float)(in[i] - mean) * inv;
        if (w)
            y *= w[i];
        if (b)
            y += b[i];
        out[i] = y;
    }
}

void ssm_rmsnorm(float *out, const float *in, const float *w, size_t n, float eps)
{
    double ms = 0.0;
    for (size_t i = 0; i < n; i++)
        ms += (double)in[i] * in[i];
    float inv = (float)(1.0 / sqrt(ms / (double)n + eps));
    for (size_t i = 0; i < n; i++)
        out[i] = in[i] * inv * (w ? w[i] : 1.0f);
}
