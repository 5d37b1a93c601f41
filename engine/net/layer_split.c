/* split: the values offset .. offset + width - 1 of each frame (one branch
 * of a stream; a node per branch). */
#include <stdlib.h>
#include <string.h>

#include "net/layer.h"

typedef struct {
    size_t in_width, offset, width;
} split;

static void *create(ssm_layer_ctx *c, ssm_stream *out)
{
    size_t off, w;
    if (!ssm_param_size(c, "offset", 0, 65535, SSM_PARAM_REQUIRED, &off) ||
        !ssm_param_size(c, "width", 1, 65536, SSM_PARAM_REQUIRED, &w))
        return NULL;
    if (off + w > out->width) {
        ssm_layer_fail(c, SSM_ERR_FORMAT, "values %zu .. %zu are past the input width %zu", off,
                       off + w - 1, out->width);
        return NULL;
    }
    split *l = ssm_layer_calloc(c, 1, sizeof *l);
    if (l)
        *l = (split){out->width, off, w};
    out->width = w;
    return l;
}

static void process(void *self, ssm_schedule s, const ssm_frames *in, float *out, size_t n_out,
                    uint64_t first_out)
{
    const split *l = self;
    for (size_t t = 0; t < n_out; t++)
        memcpy(out + t * l->width, in[0].data + t * l->in_width + l->offset,
               l->width * sizeof(float));
}

const ssm_layer_ops ssm_kind_split = {
    .kind = "split",
    .min_inputs = 1,
    .max_inputs = 1,
    .create = create,
    .process = process,
    .destroy = free,
};
