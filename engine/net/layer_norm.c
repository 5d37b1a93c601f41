/* The per-frame norms, over the channel axis:
 *   rmsnorm:   y = x / sqrt(mean(x^2) + eps) * weight (Zhang & Sennrich
 *              2019; as the reference S4/Mamba blocks use it);
 *   layernorm: y = (x - mean) / sqrt(var + eps) * weight + bias (Ba et al.
 *              2016; PyTorch nn.LayerNorm over the last axis, biased var).
 * Params: eps, affine (default on: the tensors weight, and bias for
 * layernorm). */
#include <stdlib.h>

#include "net/layer.h"
#include "ssm/activations.h"

typedef struct {
    size_t width;
    float eps;
    const float *w, *b; /* NULL: no affine part (b: always for rmsnorm) */
} norm;

static norm *create_norm(ssm_layer_ctx *c, ssm_stream *out, int with_bias)
{
    double eps;
    int affine;
    if (!ssm_param_number(c, "eps", 1e-20, 1.0, 1e-5, &eps) ||
        !ssm_param_bool(c, "affine", 1, &affine))
        return NULL;
    const uint64_t shape[1] = {out->width};
    const ssm_tensor *w = affine ? ssm_layer_tensor(c, "weight", 1, shape) : NULL;
    const ssm_tensor *b = w && with_bias ? ssm_layer_tensor(c, "bias", 1, shape) : NULL;
    if (affine && (!w || (with_bias && !b)))
        return NULL;
    norm *l = ssm_layer_calloc(c, 1, sizeof *l);
    if (l)
        *l = (norm){out->width, (float)eps, w ? w->data : NULL, b ? b->data : NULL};
    return l;
}

static void *create_rms(ssm_layer_ctx *c, ssm_stream *out)
{
    return create_norm(c, out, 0);
}

static void *create_layer(ssm_layer_ctx *c, ssm_stream *out)
{
    return create_norm(c, out, 1);
}

static void process_rms(void *self, ssm_schedule s, const ssm_frames *in, float *out,
                        size_t n_out, uint64_t first_out)
{
    const norm *l = self;
    for (size_t t = 0; t < n_out; t++)
        ssm_rmsnorm(out + t * l->width, in[0].data + t * l->width, l->w, l->width, l->eps);
}

static void process_layer(void *self, ssm_schedule s, const ssm_frames *in, float *out,
                          size_t n_out, uint64_t first_out)
{
    const norm *l = self;
    for (size_t t = 0; t < n_out; t++)
        ssm_layernorm(out + t * l->width, in[0].data + t * l->width, l->w, l->b, l->width, l->eps);
}

const ssm_layer_ops ssm_kind_rmsnorm = {
    .kind = "rmsnorm",
    .min_inputs = 1,
    .max_inputs = 1,
    .create = create_rms,
    .process = process_rms,
    .destroy = free,
};

const ssm_layer_ops ssm_kind_layernorm = {
    .kind = "layernorm",
    .min_inputs = 1,
    .max_inputs = 1,
    .create = create_layer,
    .process = process_layer,
    .destroy = free,
};
