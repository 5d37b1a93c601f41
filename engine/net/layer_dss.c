/* dss: the diagonal state space layer of DSS (Gupta, Gu, Berant 2022,
 * "Diagonal State Spaces are as Effective as Structured State Spaces",
 * Proposition 1; reference ag1988/dss src/models/sequence/ss/standalone/
 * dss.py DSSKernel), M complex modes per channel, y = Re(...) with no
 * factor 2 (W absorbs it):
 *
 *   Lambda = -exp(Lambda_log_neg_re) + i Lambda_im (exp; the reference's
 *   "exp" version) or Lambda_re + i Lambda_im (softmax), dt = exp(log_dt) dt_scale,
 *   exp:     K[l] = Re(sum_n W_n (exp(Lambda_n dt) - 1) / Lambda_n exp(Lambda_n dt l))
 *   softmax: K[l] = Re(sum_n W_n / (Lambda_n S_n) exp(Lambda_n dt l)),
 *            S_n = sum_{j < l_max} exp(Lambda_n dt j)
 *   y = K * u + D u
 *
 * Softmax normalises over a length: the reference uses the training
 * sequence's; a streaming layer fixes it, l_max frames at the trained rate
 * (round(l_max / dt_scale) at another), so K is the same for every l. A
 * growing mode (Lambda_re >= 0, which the reference allows in softmax by
 * normalising backwards) has no recurrence: refused.
 *
 * Tensors: log_dt [H], Lambda_log_neg_re (exp) or Lambda_re (softmax),
 * Lambda_im, W_re, W_im [H, M], D [H]. Continuous-time: re-discretised.
 * Schedules, all in one ssm_diag (kernels/diag.c) on one state: the step,
 * the chunked scan, the chunked FFT convolution. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "net/diag_layer.h"
#include "ssm/dss.h"

typedef struct {
    ssm_diag_layer m; /* first: the shared plan, process and reset take self */
    size_t l_max;
    ssm_dss_variant variant;
    ssm_dss_params params;
} dss;

static const char *const variants[] = {"exp", "softmax", NULL};

static void destroy(void *self)
{
    dss *l = self;
    ssm_diag_layer_free(&l->m);
    ssm_dss_params_free(&l->params);
    free(l);
}

static void *create(ssm_layer_ctx *c, ssm_stream *out)
{
    size_t M, l_max = 0;
    int variant;
    if (!ssm_param_size(c, "state", 1, 4096, SSM_PARAM_REQUIRED, &M) ||
        !ssm_param_choice(c, "variant", variants, 0, &variant))
        return NULL;
    if (variant == SSM_DSS_SOFTMAX &&
        !ssm_param_size(c, "l_max", 1, (size_t)1 << 30, SSM_PARAM_REQUIRED, &l_max))
        return NULL;
    const size_t H = out->width;
    const uint64_t h1[1] = {H}, hm[2] = {H, M};
    const ssm_tensor *ldt = ssm_layer_tensor(c, "log_dt", 1, h1);
    const ssm_tensor *lre =
        ldt ? ssm_layer_tensor(c, variant == SSM_DSS_EXP ? "Lambda_log_neg_re" : "Lambda_re", 2, hm)
            : NULL;
    const ssm_tensor *lim = lre ? ssm_layer_tensor(c, "Lambda_im", 2, hm) : NULL;
    const ssm_tensor *wre = lim ? ssm_layer_tensor(c, "W_re", 2, hm) : NULL;
    const ssm_tensor *wim = wre ? ssm_layer_tensor(c, "W_im", 2, hm) : NULL;
    const ssm_tensor *d = wim ? ssm_layer_tensor(c, "D", 1, h1) : NULL;
    if (!d)
        return NULL;
    if (variant == SSM_DSS_SOFTMAX)
        for (size_t i = 0; i < H * M; i++)
            if (!(lre->data[i] < 0.0f)) {
                ssm_layer_fail(c, SSM_ERR_FORMAT,
                               "Lambda_re[%zu][%zu] = %g: a softmax mode that does not decay is a "
                               "filter of one fixed length only and has no recurrence",
                               i / M, i % M, (double)lre->data[i]);
                return NULL;
            }
    dss *l = ssm_layer_calloc(c, 1, sizeof *l);
    if (!l)
        return NULL;
    l->l_max = l_max;
    l->variant = variant == SSM_DSS_SOFTMAX ? SSM_DSS_SOFTMAX : SSM_DSS_EXP;
    if (!ssm_diag_layer_init(&l->m, H, M, c)) {
        destroy(l);
        return NULL;
    }
    if (ssm_dss_params_init(&l->params, H, M) != SSM_OK) {
        ssm_layer_fail(c, SSM_ERR_NOMEM, "out of memory for %zu x %zu modes", H, M);
        destroy(l);
        return NULL;
    }
    memcpy(l->params.log_dt, ldt->data, H * sizeof(float));
    for (size_t i = 0; i < H * M; i++)
        l->params.lam_re[i] = l->variant == SSM_DSS_EXP ? -expf(lre->data[i]) : lre->data[i];
    memcpy(l->params.lam_im, lim->data, H * M * sizeof(float));
    memcpy(l->params.w_re, wre->data, H * M * sizeof(float));
    memcpy(l->params.w_im, wim->data, H * M * sizeof(float));
    memcpy(l->params.d, d->data, H * sizeof(float));
    return l;
}

static ssm_status discretize(const void *self, double dt_scale, ssm_diag_bank *bank)
{
    const dss *l = self;
    return ssm_dss_discretize(&l->params, l->variant, l->l_max, dt_scale, bank);
}

static ssm_status activate(void *self, const ssm_layer_env *env, ssm_layer_ctx *c)
{
    dss *l = self;
    return ssm_diag_layer_activate(&l->m, discretize, "Lambda = 0", env, c);
}

const ssm_layer_ops ssm_kind_dss = {
    .kind = "dss",
    .min_inputs = 1,
    .max_inputs = 1,
    .schedules = (1u << SSM_SCHEDULE_SCAN) | (1u << SSM_SCHEDULE_FFT),
    .create = create,
    .activate = activate,
    .plan = ssm_diag_layer_plan,
    .process = ssm_diag_layer_process,
    .reset = ssm_diag_layer_reset,
    .destroy = destroy,
};
