/* mul: the element-wise product of 2..64 streams of one stride (a gate,
 * e.g. a mask on filterbank coefficients). An input of width 1 broadcasts
 * over the others' width. */
#include <stdlib.h>

#include "net/layer.h"
#include "ssm/linalg.h"

typedef struct {
    size_t width, n_in;
    size_t widths[64];
} mul;

static void *create(ssm_layer_ctx *c, ssm_stream *out)
{
    if (!ssm_layer_broadcast_width(c, &out->width))
        return NULL;
    mul *l = ssm_layer_calloc(c, 1, sizeof *l);
    if (!l)
        return NULL;
    l->width = out->width;
    l->n_in = ssm_layer_n_inputs(c);
    for (size_t i = 0; i < l->n_in; i++)
        l->widths[i] = ssm_layer_input(c, i)->width;
    return l;
}

static void process(void *self, ssm_schedule s, const ssm_frames *in, float *out, size_t n_out,
                    uint64_t first_out)
{
    const mul *l = self;
    const size_t w = l->width;
    int same = l->n_in >= 2;
    for (size_t i = 0; i < l->n_in; i++)
        same &= l->widths[i] == w;
    if (same) {
        /* Inputs of one width (a residual): whole calls, vectorised. */
        ssm_mul(out, in[0].data, in[1].data, n_out * w);
        for (size_t i = 2; i < l->n_in; i++)
            ssm_mul(out, out, in[i].data, n_out * w);
        return;
    }
    for (size_t t = 0; t < n_out; t++) {
        float *y = out + t * w;
        for (size_t k = 0; k < w; k++)
            y[k] = 1.0f;
        for (size_t i = 0; i < l->n_in; i++) {
            const float *x = in[i].data + t * l->widths[i];
            if (l->widths[i] == w)
                for (size_t k = 0; k < w; k++)
                    y[k] *= x[k];
            else
                for (size_t k = 0; k < w; k++)
                    y[k] *= x[0];
        }
    }
}

const ssm_layer_ops ssm_kind_mul = {
    .kind = "mul",
    .min_inputs = 2,
    .max_inputs = 64,
    .create = create,
    .process = process,
    .destroy = free,
};
