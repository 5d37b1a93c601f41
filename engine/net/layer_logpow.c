/* logpow: y = log(x^2 + eps) element-wise: log power features of
 * filterbank coefficients (eps > 0 keeps silence finite), through the
 * kernels' vectorised log (ssm_logpow, 2e-7 of the result's scale). */
#include <stdlib.h>

#include "net/layer.h"
#include "ssm/activations.h"

typedef struct {
    size_t width;
    float eps;
} logpow;

static void *create(ssm_layer_ctx *c, ssm_stream *out)
{
    double eps;
    if (!ssm_param_number(c, "eps", 1e-30, 1.0, 1e-8, &eps))
        return NULL;
    logpow *l = ssm_layer_calloc(c, 1, sizeof *l);
    if (l)
        *l = (logpow){out->width, (float)eps};
    return l;
}

static void process(void *self, ssm_schedule s, const ssm_frames *in, float *out, size_t n_out,
                    uint64_t first_out)
{
    const logpow *l = self;
    ssm_logpow(out, in[0].data, n_out * l->width, l->eps);
}

const ssm_layer_ops ssm_kind_logpow = {
    .kind = "logpow",
    .min_inputs = 1,
    .max_inputs = 1,
    .create = create,
    .process = process,
    .destroy = free,
};
