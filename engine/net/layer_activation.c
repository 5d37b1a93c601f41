/* activation: an element-wise nonlinearity, "fn" one of
 *   gelu      x Phi(x), the exact erf form (torch.nn.GELU())
 *   silu      x sigmoid(x)
 *   sigmoid   1 / (1 + e^-x)
 *   tanh
 *   relu      max(x, 0)
 *   softplus  log(1 + e^x) (torch's threshold 20)
 *   identity
 * through the kernels' vectorising forms (kernels/activations.c). */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "net/layer.h"
#include "ssm/activations.h"

enum { GELU, SILU, SIGMOID, TANH, RELU, SOFTPLUS, IDENTITY };

static const char *const fns[] = {"gelu", "silu",     "sigmoid",  "tanh",
                                  "relu", "softplus", "identity", NULL};

typedef struct {
    int fn;
    size_t width;
} activation;

static void *create(ssm_layer_ctx *c, ssm_stream *out)
{
    int fn;
    if (!ssm_param_choice(c, "fn", fns, -1, &fn))
        return NULL;
    activation *l = ssm_layer_calloc(c, 1, sizeof *l);
    if (l)
        *l = (activation){fn, out->width};
    return l;
}

static void process(void *self, ssm_schedule s, const ssm_frames *in, float *out, size_t n_out,
                    uint64_t first_out)
{
    const activation *l = self;
    const size_t n = n_out * l->width;
    const float *x = in[0].data;
    switch (l->fn) {
    case GELU:
        ssm_gelu(out, x, n);
        break;
    case SILU:
        ssm_silu(out, x, n);
        break;
    case SIGMOID:
        ssm_sigmoid(out, x, n);
        break;
    case TANH:
        for (size_t i = 0; i < n; i++)
            out[i] = tanhf(x[i]);
        break;
    case RELU:
        for (size_t i = 0; i < n; i++)
            out[i] = x[i] > 0.0f ? x[i] : 0.0f;
        break;
    case SOFTPLUS:
        ssm_softplus(out, x, n);
        break;
    default:
        memcpy(out, x, n * sizeof(float));
        break;
    }
}

const ssm_layer_ops ssm_kind_activation = {
    .kind = "activation",
    .min_inputs = 1,
    .max_inputs = 1,
    .create = create,
    .process = process,
    .destroy = free,
};
