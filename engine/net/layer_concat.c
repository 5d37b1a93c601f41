/* concat: 2..64 streams of one stride side by side in each frame (the
 * join of parallel branches), in the order of "in". */
#include <stdlib.h>
#include <string.h>

#include "net/layer.h"

typedef struct {
    size_t width, n_in;
    size_t widths[64];
} concat;

static void *create(ssm_layer_ctx *c, ssm_stream *out)
{
    concat *l = ssm_layer_calloc(c, 1, sizeof *l);
    if (!l)
        return NULL;
    l->n_in = ssm_layer_n_inputs(c);
    for (size_t i = 0; i < l->n_in; i++) {
        l->widths[i] = ssm_layer_input(c, i)->width;
        l->width += l->widths[i];
    }
    out->width = l->width;
    return l;
}

static void process(void *self, ssm_schedule s, const ssm_frames *in, float *out, size_t n_out,
                    uint64_t first_out)
{
    const concat *l = self;
    for (size_t t = 0; t < n_out; t++) {
        float *y = out + t * l->width;
        for (size_t i = 0; i < l->n_in; i++) {
            memcpy(y, in[i].data + t * l->widths[i], l->widths[i] * sizeof(float));
            y += l->widths[i];
        }
    }
}

const ssm_layer_ops ssm_kind_concat = {
    .kind = "concat",
    .min_inputs = 2,
    .max_inputs = 64,
    .create = create,
    .process = process,
    .destroy = free,
};
