/* interpolate: one frame of width R W becomes R frames of width W at
 * 1/R the stride (the reshape of SaShiMi's UpPool after its linear layer,
 * Goel et al. 2022). For causality the R frames come one input frame late,
 * as SaShiMi shifts them: output frame (j+1) R + i is part i of input frame
 * j, and output frames 0 .. R-1 are zeros. That adds one input frame (its
 * stride) to the latency. Rate-bound. */
#include <stdlib.h>
#include <string.h>

#include "net/layer.h"

typedef struct {
    size_t factor, width; /* width: of the output */
    float *held;          /* [factor][width] the last input frame of the previous call */
} interpolate;

static void destroy(void *self)
{
    interpolate *l = self;
    free(l->held);
    free(l);
}

static void *create(ssm_layer_ctx *c, ssm_stream *out)
{
    size_t r;
    if (!ssm_param_size(c, "factor", 1, 4096, SSM_PARAM_REQUIRED, &r))
        return NULL;
    if (out->width % r || out->stride % r) {
        ssm_layer_fail(c, SSM_ERR_FORMAT,
                       "factor %zu must divide the input width %zu and stride %u", r, out->width,
                       out->stride);
        return NULL;
    }
    interpolate *l = ssm_layer_calloc(c, 1, sizeof *l);
    if (!l)
        return NULL;
    *l = (interpolate){.factor = r, .width = out->width / r};
    l->held = ssm_layer_calloc(c, out->width, sizeof *l->held);
    if (!l->held) {
        destroy(l);
        return NULL;
    }
    out->latency += out->stride;
    out->width /= r;
    out->stride /= (uint32_t)r;
    return l;
}

static void process(void *self, ssm_schedule s, const ssm_frames *in, float *out, size_t n_out,
                    uint64_t first_out)
{
    interpolate *l = self;
    const size_t w = l->width, r = l->factor;
    for (size_t i = 0; i < n_out; i++) {
        const uint64_t m = first_out + i;
        float *y = out + i * w;
        if (m < r) {
            memset(y, 0, w * sizeof(float));
            continue;
        }
        /* Source: input frame m / r - 1, part m % r; it completed before
         * output frame m, in this call or (held) in the previous one. */
        const uint64_t j = m / r - 1;
        const float *src =
            j >= in[0].first ? in[0].data + (size_t)(j - in[0].first) * w * r : l->held;
        memcpy(y, src + (size_t)(m % r) * w, w * sizeof(float));
    }
    if (in[0].n)
        memcpy(l->held, in[0].data + (in[0].n - 1) * w * r, w * r * sizeof(float));
}

static void reset(void *self)
{
    interpolate *l = self;
    memset(l->held, 0, l->factor * l->width * sizeof(float));
}

const ssm_layer_ops ssm_kind_interpolate = {
    .kind = "interpolate",
    .min_inputs = 1,
    .max_inputs = 1,
    .rate_bound = 1,
    .create = create,
    .process = process,
    .reset = reset,
    .destroy = destroy,
};
