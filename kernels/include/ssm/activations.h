/* Elementwise activations and normalisations shared by every layer.
 * All are in-place safe (out may equal in). */
#ifndef SSM_ACTIVATIONS_H
#define SSM_ACTIVATIONS_H

#include "ssm/common.h"

#ifdef __cplusplus
extern "C" {
#endif

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
