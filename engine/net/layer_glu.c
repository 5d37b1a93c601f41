/* glu: the gated linear unit over the last axis (Dauphin et al. 2017;
 * torch.nn.functional.glu(x, dim=-1)): a frame of 2W values a|b gives
 * a * sigmoid(b), W values. */
#include <stdlib.h>

#include "net/layer.h"
#include "ssm/activations.h"

typedef struct {
    size_t half;
} glu;

static void *create(ssm_layer_ctx *c, ssm_stream *out)
{
    if (out->width % 2) {
        ssm_layer_fail(c, SSM_ERR_FORMAT, "input width %zu is odd; a GLU halves it", out->width);
        return NULL;
    }
    glu *l = ssm_layer_calloc(c, 1, sizeof *l);
    if (l)
        l->half = out->width / 2;
    out->width /= 2;
    return l;
}

static void process(void *self, ssm_schedule s, const ssm_frames *in, float *out, size_t n_out,
                    uint64_t first_out)
{
    const size_t h = ((const glu *)self)->half;
    for (size_t t = 0; t < n_out; t++)
        ssm_glu(out + t * h, in[0].data + t * 2 * h, h);
}

const ssm_layer_ops ssm_kind_glu = {
    .kind = "glu",
    .min_inputs = 1,
    .max_inputs = 1,
    .create = create,
    .process = process,
    .destroy = free,
};
