/* affine: y = x * scale + bias element-wise, per channel from tensors
 * (weight [width], bias [width]; "tensors" given) or one scalar pair
 * ("scale", "bias" params: a gain, an offset). */
#include <stdlib.h>

#include "net/layer.h"

typedef struct {
    size_t width;
    const float *w, *b; /* per channel, or NULL */
    float scale, bias;
} affine;

static void *create(ssm_layer_ctx *c, ssm_stream *out)
{
    double scale, bias;
    int per_channel;
    if (!ssm_param_bool(c, "per_channel", 0, &per_channel))
        return NULL;
    const ssm_tensor *w = NULL, *b = NULL;
    if (per_channel) {
        const uint64_t shape[1] = {out->width};
        w = ssm_layer_tensor(c, "weight", 1, shape);
        b = w ? ssm_layer_tensor(c, "bias", 1, shape) : NULL;
        if (!b)
            return NULL;
        scale = 1.0;
        bias = 0.0;
    } else if (!ssm_param_number(c, "scale", -1e30, 1e30, 1.0, &scale) ||
               !ssm_param_number(c, "bias", -1e30, 1e30, 0.0, &bias)) {
        return NULL;
    }
    affine *l = ssm_layer_calloc(c, 1, sizeof *l);
    if (l)
        *l =
            (affine){out->width, w ? w->data : NULL, b ? b->data : NULL, (float)scale, (float)bias};
    return l;
}

static void process(void *self, ssm_schedule s, const ssm_frames *in, float *out, size_t n_out,
                    uint64_t first_out)
{
    const affine *l = self;
    const size_t w = l->width;
    const float *x = in[0].data;
    if (l->w) {
        for (size_t t = 0; t < n_out; t++)
            for (size_t k = 0; k < w; k++)
                out[t * w + k] = x[t * w + k] * l->w[k] + l->b[k];
    } else {
        for (size_t i = 0; i < n_out * w; i++)
            out[i] = x[i] * l->scale + l->bias;
    }
}

const ssm_layer_ops ssm_kind_affine = {
    .kind = "affine",
    .min_inputs = 1,
    .max_inputs = 1,
    .create = create,
    .process = process,
    .destroy = free,
};
