/* conv1d: causal 1-D convolution over frames, dense or grouped (groups ==
 * in channels: depthwise), with dilation; PyTorch nn.Conv1d layout
 * (weight [out][in/groups][kernel], bias [out]) on an input padded on the
 * left by (kernel - 1) dilation frames of zeros:
 *
 *   y[t][o] = b[o] + sum_{c, k} w[o][c][k] x[t - (kernel-1-k) dilation][g(o) in/groups + c]
 *
 * The history of the last (kernel - 1) dilation frames carries across
 * calls, so block cuts do not matter. Taps are rate-bound. */
#include <stdlib.h>
#include <string.h>

#include "net/layer.h"

typedef struct {
    size_t in, out, kernel, dilation, groups, ipg, opg, hist;
    float *wg; /* [kernel][in/groups][out]: vectorises over outputs */
    const float *b;
    float *buf; /* [hist + max_in][in]: history, then this call's frames */
} conv1d;

static void destroy(void *self)
{
    conv1d *l = self;
    free(l->wg);
    free(l->buf);
    free(l);
}

static void *create(ssm_layer_ctx *c, ssm_stream *out)
{
    const size_t in = ssm_layer_input(c, 0)->width;
    size_t o, k, d, g;
    int bias;
    if (!ssm_param_size(c, "out", 1, 65536, SSM_PARAM_REQUIRED, &o) ||
        !ssm_param_size(c, "kernel", 1, 4096, SSM_PARAM_REQUIRED, &k) ||
        !ssm_param_size(c, "dilation", 1, 65536, 1, &d) ||
        !ssm_param_size(c, "groups", 1, 65536, 1, &g) || !ssm_param_bool(c, "bias", 1, &bias))
        return NULL;
    if (in % g || o % g) {
        ssm_layer_fail(c, SSM_ERR_FORMAT,
                       "groups %zu must divide the input width %zu and \"out\" %zu", g, in, o);
        return NULL;
    }
    if ((k - 1) * d > (1u << 20) || ((k - 1) * d + 1) * in > ((size_t)1 << 26)) {
        ssm_layer_fail(c, SSM_ERR_FORMAT,
                       "a history of (kernel-1) x dilation = %zu frames of width %zu is too long",
                       (k - 1) * d, in);
        return NULL;
    }
    const uint64_t ws[3] = {o, in / g, k}, bs[1] = {o};
    const ssm_tensor *w = ssm_layer_tensor(c, "weight", 3, ws);
    const ssm_tensor *b = w && bias ? ssm_layer_tensor(c, "bias", 1, bs) : NULL;
    if (!w || (bias && !b))
        return NULL;
    conv1d *l = ssm_layer_calloc(c, 1, sizeof *l);
    if (!l)
        return NULL;
    *l = (conv1d){.in = in,
                  .out = o,
                  .kernel = k,
                  .dilation = d,
                  .groups = g,
                  .ipg = in / g,
                  .opg = o / g,
                  .hist = (k - 1) * d,
                  .b = b ? b->data : NULL};
    l->wg = ssm_layer_calloc(c, k * l->ipg * o, sizeof *l->wg);
    if (!l->wg) {
        destroy(l);
        return NULL;
    }
    for (size_t oo = 0; oo < o; oo++)
        for (size_t cc = 0; cc < l->ipg; cc++)
            for (size_t kk = 0; kk < k; kk++)
                l->wg[(kk * l->ipg + cc) * o + oo] = w->data[(oo * l->ipg + cc) * k + kk];
    out->width = o;
    return l;
}

static ssm_status activate(void *self, const ssm_layer_env *env, ssm_layer_ctx *c)
{
    conv1d *l = self;
    free(l->buf);
    l->buf = ssm_layer_calloc(c, (l->hist + env->max_in[0]) * l->in, sizeof *l->buf);
    return l->buf ? SSM_OK : ssm_layer_status(c);
}

static void process(void *self, ssm_schedule s, const ssm_frames *in, float *out, size_t n_out,
                    uint64_t first_out)
{
    conv1d *l = self;
    const size_t I = l->in, O = l->out;
    memcpy(l->buf + l->hist * I, in[0].data, n_out * I * sizeof(float));
    for (size_t t = 0; t < n_out; t++) {
        float *y = out + t * O;
        for (size_t o = 0; o < O; o++)
            y[o] = l->b ? l->b[o] : 0.0f;
        for (size_t k = 0; k < l->kernel; k++) {
            const float *x = l->buf + (t + k * l->dilation) * I;
            for (size_t c = 0; c < l->ipg; c++) {
                const float *w = l->wg + (k * l->ipg + c) * O;
                if (l->groups == 1) {
                    const float xv = x[c];
                    for (size_t o = 0; o < O; o++)
                        y[o] += w[o] * xv;
                } else {
                    for (size_t o = 0; o < O; o++)
                        y[o] += w[o] * x[(o / l->opg) * l->ipg + c];
                }
            }
        }
    }
    memmove(l->buf, l->buf + n_out * I, l->hist * I * sizeof(float));
}

static void reset(void *self)
{
    conv1d *l = self;
    if (l->buf)
        memset(l->buf, 0, l->hist * l->in * sizeof(float));
}

const ssm_layer_ops ssm_kind_conv1d = {
    .kind = "conv1d",
    .min_inputs = 1,
    .max_inputs = 1,
    .rate_bound = 1,
    .create = create,
    .activate = activate,
    .process = process,
    .reset = reset,
    .destroy = destroy,
};
