/* linear: y = W x + b per frame (PyTorch nn.Linear layout, W [out][in]).
 * Frames are batched into one product: the step and the offline form are
 * the same computation. The weights are kept packed for the product
 * (ssm_gemm_pack), which streams them from cache in order. */
#include <stdlib.h>

#include "net/layer.h"
#include "ssm/linalg.h"

typedef struct {
    size_t in, out;
    float *wp; /* W packed for ssm_gemm_p */
    const float *b;
} linear;

static void destroy(void *self)
{
    linear *l = self;
    free(l->wp);
    free(l);
}

static void *create(ssm_layer_ctx *c, ssm_stream *out)
{
    size_t n_out;
    int bias;
    if (!ssm_param_size(c, "out", 1, 65536, SSM_PARAM_REQUIRED, &n_out) ||
        !ssm_param_bool(c, "bias", 1, &bias))
        return NULL;
    const size_t n_in = ssm_layer_input(c, 0)->width;
    const uint64_t ws[2] = {n_out, n_in}, bs[1] = {n_out};
    const ssm_tensor *w = ssm_layer_tensor(c, "weight", 2, ws);
    const ssm_tensor *b = w && bias ? ssm_layer_tensor(c, "bias", 1, bs) : NULL;
    if (!w || (bias && !b))
        return NULL;
    linear *l = ssm_layer_calloc(c, 1, sizeof *l);
    if (!l)
        return NULL;
    l->in = n_in;
    l->out = n_out;
    l->b = b ? b->data : NULL;
    l->wp = ssm_layer_calloc(c, n_in * n_out, sizeof *l->wp);
    if (!l->wp) {
        destroy(l);
        return NULL;
    }
    ssm_gemm_pack_nt(l->wp, w->data, n_in, n_out, n_in);
    out->width = n_out;
    return l;
}

static void process(void *self, ssm_schedule s, const ssm_frames *in, float *out, size_t n_out,
                    uint64_t first_out)
{
    const linear *l = self;
    ssm_gemm_p(out, l->out, in[0].data, l->in, l->wp, l->b, n_out, l->out, l->in);
}

const ssm_layer_ops ssm_kind_linear = {
    .kind = "linear",
    .min_inputs = 1,
    .max_inputs = 1,
    .create = create,
    .process = process,
    .destroy = destroy,
};
