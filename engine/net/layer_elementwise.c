/* The element-wise joins of 2..64 streams of one stride:
 *   add: the sum (a residual connection);
 *   mul: the product (a gate, e.g. a mask on filterbank coefficients).
 * An input of width 1 broadcasts over the others' width. */
#include <stdlib.h>

#include "net/layer.h"
#include "ssm/linalg.h"

typedef struct {
    int product; /* mul, else add */
    size_t width, n_in;
    size_t widths[64];
} join;

static join *create_join(ssm_layer_ctx *c, ssm_stream *out, int product)
{
    if (!ssm_layer_broadcast_width(c, &out->width))
        return NULL;
    join *l = ssm_layer_calloc(c, 1, sizeof *l);
    if (!l)
        return NULL;
    l->product = product;
    l->width = out->width;
    l->n_in = ssm_layer_n_inputs(c);
    for (size_t i = 0; i < l->n_in; i++)
        l->widths[i] = ssm_layer_input(c, i)->width;
    return l;
}

static void *create_add(ssm_layer_ctx *c, ssm_stream *out)
{
    return create_join(c, out, 0);
}

static void *create_mul(ssm_layer_ctx *c, ssm_stream *out)
{
    return create_join(c, out, 1);
}

static void process(void *self, ssm_schedule s, const ssm_frames *in, float *out, size_t n_out,
                    uint64_t first_out)
{
    const join *l = self;
    const size_t w = l->width;
    int same = l->n_in >= 2;
    for (size_t i = 0; i < l->n_in; i++)
        same &= l->widths[i] == w;
    if (same) {
        /* Inputs of one width: whole calls, vectorised. */
        void (*op)(float *, const float *, const float *, size_t) = l->product ? ssm_mul : ssm_add;
        op(out, in[0].data, in[1].data, n_out * w);
        for (size_t i = 2; i < l->n_in; i++)
            op(out, out, in[i].data, n_out * w);
        return;
    }
    for (size_t t = 0; t < n_out; t++) {
        float *y = out + t * w;
        for (size_t k = 0; k < w; k++)
            y[k] = l->product ? 1.0f : 0.0f;
        for (size_t i = 0; i < l->n_in; i++) {
            const float *x = in[i].data + t * l->widths[i];
            const size_t step = l->widths[i] == w ? 1 : 0; /* 0: broadcast x[0] */
            if (l->product)
                for (size_t k = 0; k < w; k++)
                    y[k] *= x[k * step];
            else
                for (size_t k = 0; k < w; k++)
                    y[k] += x[k * step];
        }
    }
}

const ssm_layer_ops ssm_kind_add = {
    .kind = "add",
    .min_inputs = 2,
    .max_inputs = 64,
    .create = create_add,
    .process = process,
    .destroy = free,
};

const ssm_layer_ops ssm_kind_mul = {
    .kind = "mul",
    .min_inputs = 2,
    .max_inputs = 64,
    .create = create_mul,
    .process = process,
    .destroy = free,
};
