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

#include "net/layer.h"
#include "ssm/diag.h"
#include "ssm/dss.h"

typedef struct {
    size_t width, modes, max_frames, l_max;
    ssm_dss_variant variant;
    ssm_dss_params params;
    ssm_diag_bank bank;
    ssm_diag *diag;
    float *s; /* [H][max_frames] channel-major for the bank */
} dss;

static const char *const variants[] = {"exp", "softmax", NULL};

static void destroy(void *self)
{
    dss *l = self;
    ssm_diag_destroy(l->diag);
    ssm_diag_bank_free(&l->bank);
    ssm_dss_params_free(&l->params);
    free(l->s);
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
    l->width = H;
    l->modes = M;
    l->l_max = l_max;
    l->variant = variant == SSM_DSS_SOFTMAX ? SSM_DSS_SOFTMAX : SSM_DSS_EXP;
    if (ssm_dss_params_init(&l->params, H, M) != SSM_OK ||
        ssm_diag_bank_init(&l->bank, H, M) != SSM_OK) {
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

static ssm_status activate(void *self, const ssm_layer_env *env, ssm_layer_ctx *c)
{
    dss *l = self;
    ssm_diag_destroy(l->diag);
    l->diag = NULL;
    free(l->s);
    l->max_frames = env->max_out;
    ssm_status st = ssm_dss_discretize(&l->params, l->variant, l->l_max, env->dt_scale, &l->bank);
    if (st != SSM_OK || !(ssm_diag_bank_max_pole(&l->bank) < 1.0)) {
        ssm_layer_fail(c, SSM_ERR_FORMAT,
                       "the parameters give no stable discrete system at dt_scale %g (a pole "
                       "on or outside the unit circle, Lambda = 0, or not finite)",
                       env->dt_scale);
        return SSM_ERR_FORMAT;
    }
    l->s = ssm_layer_calloc(c, l->width * l->max_frames, sizeof *l->s);
    if (!l->s)
        return ssm_layer_status(c);
    /* A power-of-two chunk up to 1024, as s4d (FFTW plans of other sizes may
     * allocate inside execute); minimal when the step is planned. */
    size_t chunk = 1;
    while (env->offline != SSM_SCHEDULE_STEP && chunk < l->max_frames && chunk < 1024)
        chunk *= 2;
    const ssm_diag_config cfg = {
        .chunk = chunk,
        .method = env->offline == SSM_SCHEDULE_FFT ? SSM_DIAG_FFT : SSM_DIAG_SCAN,
        .rigor = SSM_PLAN_ESTIMATE,
    };
    l->diag = ssm_diag_create(&l->bank, &cfg, &st);
    if (!l->diag) {
        ssm_layer_fail(c, st, "cannot build the %s schedule", ssm_schedule_name(env->offline));
        return st;
    }
    return SSM_OK;
}

/* The same diagonal bank as s4d: the scan from 256 frames per call
 * (docs/benchmarks.md, S4D/DSS rows), else the step. */
static ssm_schedule plan(const void *self, size_t max_frames)
{
    return max_frames >= 256 ? SSM_SCHEDULE_SCAN : SSM_SCHEDULE_STEP;
}

static void process(void *self, ssm_schedule sch, const ssm_frames *in, float *out, size_t n_out,
                    uint64_t first_out)
{
    dss *l = self;
    const size_t H = l->width, ld = l->max_frames;
    const float *u = in[0].data;
    for (size_t t = 0; t < n_out; t++)
        for (size_t h = 0; h < H; h++)
            l->s[h * ld + t] = u[t * H + h];
    ssm_diag_set_mode(l->diag, sch == SSM_SCHEDULE_STEP ? SSM_MODE_STREAM : SSM_MODE_OFFLINE);
    ssm_diag_process(l->diag, l->s, ld, l->s, ld, n_out);
    for (size_t t = 0; t < n_out; t++)
        for (size_t h = 0; h < H; h++)
            out[t * H + h] = l->s[h * ld + t];
}

static void reset(void *self)
{
    dss *l = self;
    if (l->diag)
        ssm_diag_reset(l->diag);
}

const ssm_layer_ops ssm_kind_dss = {
    .kind = "dss",
    .min_inputs = 1,
    .max_inputs = 1,
    .schedules = (1u << SSM_SCHEDULE_SCAN) | (1u << SSM_SCHEDULE_FFT),
    .create = create,
    .activate = activate,
    .plan = plan,
    .process = process,
    .reset = reset,
    .destroy = destroy,
};
