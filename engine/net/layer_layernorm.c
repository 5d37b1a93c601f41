/* layernorm: y = (x - mean) / sqrt(var + eps) * weight + bias per frame
 * (Ba et al. 2016; PyTorch nn.LayerNorm over the last axis, biased var). */
#include <stdlib.h>

#include "net/layer.h"
#include "ssm/activations.h"

typedef struct {
    size_t width;
    float eps;
    const float *w, *b; /* NULL: no affine part */
} layernorm;

static void *create(ssm_layer_ctx *c, ssm_stream *out)
{
    double eps;
    int affine;
    if (!ssm_param_number(c, "eps", 1e-20, 1.0, 1e-5, &eps) ||
        !ssm_param_bool(c, "affine", 1, &affine))
        return NULL;
    const uint64_t shape[1] = {out->width};
    const ssm_tensor *w = affine ? ssm_layer_tensor(c, "weight", 1, shape) : NULL;
    const ssm_tensor *b = w ? ssm_layer_tensor(c, "bias", 1, shape) : NULL;
    if (affine && !b)
        return NULL;
    layernorm *l = ssm_layer_calloc(c, 1, sizeof *l);
    if (l)
        *l = (layernorm){out->width, (float)eps, w ? w->data : NULL, b ? b->data : NULL};
    return l;
}

static void process(void *self, ssm_schedule s, const ssm_frames *in, float *out, size_t n_out,
                    uint64_t first_out)
{
    const layernorm *l = self;
    for (size_t t = 0; t < n_out; t++)
        ssm_layernorm(out + t * l->width, in[0].data + t * l->width, l->w, l->b, l->width, l->eps);
}

const ssm_layer_ops ssm_kind_layernorm = {
    .kind = "layernorm",
    .min_inputs = 1,
    .max_inputs = 1,
    .create = create,
    .process = process,
    .destroy = free,
};
