/* decimate: R consecutive frames become one frame of R times the width
 * (frames jR .. jR + R - 1 side by side, oldest first), at R times the
 * stride: the pooling of SaShiMi's DownPool (Goel et al. 2022) before its
 * linear layer. Output frame j completes with input frame jR + R - 1, so
 * nothing is delayed; the partial group carries across calls. Rate-bound
 * (the positions inside a frame are sample positions). */
#include <stdlib.h>
#include <string.h>

#include "net/layer.h"

typedef struct {
    size_t factor, width; /* width: of the input */
    float *part;          /* [factor][width] the group being gathered */
} decimate;

static void destroy(void *self)
{
    decimate *l = self;
    free(l->part);
    free(l);
}

static void *create(ssm_layer_ctx *c, ssm_stream *out)
{
    size_t r;
    if (!ssm_param_size(c, "factor", 1, 4096, SSM_PARAM_REQUIRED, &r))
        return NULL;
    if ((uint64_t)out->stride * r > (1u << 20) || out->width * r > 65536) {
        ssm_layer_fail(c, SSM_ERR_FORMAT, "factor %zu makes the stride or width too large", r);
        return NULL;
    }
    decimate *l = ssm_layer_calloc(c, 1, sizeof *l);
    if (!l)
        return NULL;
    *l = (decimate){.factor = r, .width = out->width};
    l->part = ssm_layer_calloc(c, r * out->width, sizeof *l->part);
    if (!l->part) {
        destroy(l);
        return NULL;
    }
    out->width *= r;
    out->stride *= (uint32_t)r;
    return l;
}

static void process(void *self, ssm_schedule s, const ssm_frames *in, float *out, size_t n_out,
                    uint64_t first_out)
{
    decimate *l = self;
    const size_t w = l->width, r = l->factor;
    size_t done = 0;
    for (size_t i = 0; i < in[0].n; i++) {
        const size_t slot = (size_t)((in[0].first + i) % r);
        memcpy(l->part + slot * w, in[0].data + i * w, w * sizeof(float));
        if (slot == r - 1)
            memcpy(out + done++ * w * r, l->part, w * r * sizeof(float));
    }
}

static void reset(void *self)
{
    decimate *l = self;
    memset(l->part, 0, l->factor * l->width * sizeof(float));
}

const ssm_layer_ops ssm_kind_decimate = {
    .kind = "decimate",
    .min_inputs = 1,
    .max_inputs = 1,
    .rate_bound = 1,
    .create = create,
    .process = process,
    .reset = reset,
    .destroy = destroy,
};
