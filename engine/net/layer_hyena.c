/* hyena: the Hyena operator (Poli et al. 2023, "Hyena Hierarchy: Towards
 * Larger Convolutional Language Models"; reference HazyResearch/safari
 * src/models/sequence/hyena.py, HyenaOperator with one head and block,
 * HyenaFilter with normalized=False), run by kernels/hyena.c:
 *
 *   z = short 3-tap causal depthwise conv(in_proj(u));  x_0..x_{N-1}, v = split(z)
 *   for o, x_i in enumerate(reversed(x[1:])): v = h_o * (v x_i) + bias_o (v x_i)
 *   out = out_proj(v x_0)
 *
 * with implicit long filters h_o from a positional table through a small
 * sine MLP and an exponential decay window (the ssmlib docstring has the
 * formulas). Tensors: in_proj.weight [(order+1) W, W] /bias,
 * short_filter.weight [(order+1) W, 1, 3] /bias, out_proj.weight [W, W]
 * /bias, filter.z [l_max, emb_dim], filter.mlp.<i>.weight/bias (i = 0 ..
 * n_inner), filter.out.weight [W (order-1), filter_order], filter.freq
 * [filter_order], filter.bias, filter.deltas [W (order-1)].
 *
 * The filters are generated at activation for the host rate (positions
 * l dt_scale, round(l_max / dt_scale) taps, gain times dt_scale) and then
 * fixed: both modes run them as one zero-latency partitioned convolution
 * (a direct-form head of one partition plus FFT partitions, ssm/partconv.h),
 * which is the FFT-fast form already, so the kind offers no other schedule.
 * Inputs longer than l_max run on with the l_max-tap FIR (a sliding window).
 * Rate-bound: the 3-tap short filter is per sample. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include "net/layer.h"
#include "ssm/hyena.h"

/* Partition size: zero latency needs a direct head this long, so 32-64 is
 * the measured optimum (docs/benchmarks.md, "The other selective / gated
 * kernels": 2720 ns/sample at 64 against 3985 at 128 for 1 s filters). */
#define PARTITION 64

typedef struct {
    ssm_hyena_weights w;
    ssm_hyena *m;
} hyena;

static void destroy(void *self)
{
    hyena *l = self;
    ssm_hyena_destroy(l->m);
    free(l);
}

static void *create(ssm_layer_ctx *c, ssm_stream *out)
{
    const size_t d = ssm_layer_input(c, 0)->width;
    size_t lmax, order, fo, emb, ni;
    double shift;
    if (!ssm_param_size(c, "l_max", 1, (size_t)1 << 22, SSM_PARAM_REQUIRED, &lmax) ||
        !ssm_param_size(c, "order", 2, 16, 2, &order) ||
        !ssm_param_size(c, "filter_order", 1, 4096, 64, &fo) ||
        !ssm_param_size(c, "emb_dim", 3, 1023, 3, &emb) ||
        !ssm_param_size(c, "n_inner", 0, SSM_HYENA_MAX_INNER, 2, &ni) ||
        !ssm_param_number(c, "shift", -1e3, 1e3, 0.0, &shift))
        return NULL;
    if (!(emb & 1)) {
        ssm_layer_fail(c, SSM_ERR_FORMAT, "emb_dim %zu must be odd (t, then cosine/sine pairs)",
                       emb);
        return NULL;
    }
    const size_t C = (order + 1) * d, D = d * (order - 1);
    if (C * d > ((size_t)1 << 26) || lmax * emb > ((size_t)1 << 26)) {
        ssm_layer_fail(c, SSM_ERR_FORMAT, "width %zu x order %zu x l_max %zu is too large", d,
                       order, lmax);
        return NULL;
    }
    const uint64_t s_in[2] = {C, d}, s_c[1] = {C}, s_sh[3] = {C, 1, 3}, s_out[2] = {d, d},
                   s_d[1] = {d}, s_z[2] = {lmax, emb}, s_fo[1] = {fo}, s_fout[2] = {D, fo},
                   s_D[1] = {D};
    const ssm_tensor *t[11];
    static const char *const names[11] = {
        "in_proj.weight",    "in_proj.bias",      "short_filter.weight",
        "short_filter.bias", "out_proj.weight",   "out_proj.bias",
        "filter.z",          "filter.out.weight", "filter.freq",
        "filter.bias",       "filter.deltas"};
    const uint64_t *shapes[11] = {s_in, s_c, s_sh, s_c, s_out, s_d, s_z, s_fout, s_fo, s_D, s_D};
    static const uint32_t ndims[11] = {2, 1, 3, 1, 2, 1, 2, 2, 1, 1, 1};
    for (size_t i = 0; i < 11; i++)
        if (!(t[i] = ssm_layer_tensor(c, names[i], ndims[i], shapes[i])))
            return NULL;
    const ssm_tensor *mw[SSM_HYENA_MAX_INNER + 1], *mb[SSM_HYENA_MAX_INNER + 1];
    for (size_t i = 0; i <= ni; i++) {
        char name[64];
        const uint64_t s_w[2] = {fo, i ? fo : emb};
        snprintf(name, sizeof name, "filter.mlp.%zu.weight", i);
        if (!(mw[i] = ssm_layer_tensor(c, name, 2, s_w)))
            return NULL;
        snprintf(name, sizeof name, "filter.mlp.%zu.bias", i);
        if (!(mb[i] = ssm_layer_tensor(c, name, 1, s_fo)))
            return NULL;
    }
    hyena *l = ssm_layer_calloc(c, 1, sizeof *l);
    if (!l)
        return NULL;
    l->w = (ssm_hyena_weights){
        .d_model = d,
        .order = order,
        .emb_dim = emb,
        .filter_order = fo,
        .n_inner = ni,
        .l_max = lmax,
        .in_proj_w = t[0]->data,
        .in_proj_b = t[1]->data,
        .short_w = t[2]->data,
        .short_b = t[3]->data,
        .out_proj_w = t[4]->data,
        .out_proj_b = t[5]->data,
        .pos_z = t[6]->data,
        .mlp_out_w = t[7]->data,
        .sin_freq = t[8]->data,
        .filter_bias = t[9]->data,
        .deltas = t[10]->data,
        .shift = (float)shift,
    };
    for (size_t i = 0; i <= ni; i++) {
        l->w.mlp_w[i] = mw[i]->data;
        l->w.mlp_b[i] = mb[i]->data;
    }
    return l;
}

static ssm_status activate(void *self, const ssm_layer_env *env, ssm_layer_ctx *c)
{
    hyena *l = self;
    ssm_hyena_destroy(l->m);
    l->m = NULL;
    const double taps = floor((double)l->w.l_max / env->dt_scale + 0.5);
    if (taps * (double)(l->w.d_model * (l->w.order - 1)) > (double)((size_t)1 << 27)) {
        ssm_layer_fail(c, SSM_ERR_FORMAT,
                       "%.0f filter taps at dt_scale %g for %zu channels: too long", taps,
                       env->dt_scale, l->w.d_model * (l->w.order - 1));
        return SSM_ERR_FORMAT;
    }
    /* Generating the filters costs their MLP at every tap: refuse what would
     * take minutes (one second at 48 kHz, 256 wide, four inner layers, is
     * about 1.3e10). */
    const double fo = (double)l->w.filter_order;
    const double work = taps * fo *
                        ((double)l->w.emb_dim + (double)l->w.n_inner * fo +
                         (double)(l->w.d_model * (l->w.order - 1)));
    if (work > 7e10) {
        ssm_layer_fail(c, SSM_ERR_FORMAT,
                       "generating %.0f filter taps through a %zu-wide MLP would take %.2g "
                       "multiply-adds: too large",
                       taps, l->w.filter_order, work);
        return SSM_ERR_FORMAT;
    }
    const size_t block = env->max_out < 1 ? 1 : (env->max_out > 4096 ? 4096 : env->max_out);
    ssm_status st;
    l->m = ssm_hyena_create(&l->w, env->dt_scale, PARTITION, block, &st);
    if (!l->m) {
        ssm_layer_fail(c, st, "cannot build the filters (%.0f taps at dt_scale %g)", taps,
                       env->dt_scale);
        return st;
    }
    return SSM_OK;
}

static void process(void *self, ssm_schedule sch, const ssm_frames *in, float *out, size_t n_out,
                    uint64_t first_out)
{
    ssm_hyena_process(((hyena *)self)->m, in[0].data, out, n_out);
}

static void reset(void *self)
{
    hyena *l = self;
    if (l->m)
        ssm_hyena_reset(l->m);
}

const ssm_layer_ops ssm_kind_hyena = {
    .kind = "hyena",
    .min_inputs = 1,
    .max_inputs = 1,
    .rate_bound = 1,
    .create = create,
    .activate = activate,
    .process = process,
    .reset = reset,
    .destroy = destroy,
};
