/* gss: the gated state space layer (Mehta, Gupta, Cutkosky, Neyshabur 2022,
 * "Long Range Language Modeling via Gated State Spaces", Fig. 1) with DSS
 * (Gupta, Gu, Berant 2022, Proposition 1) as its SSM, run by kernels/gss.c:
 *
 *   v = GELU(v_proj(u)), w = GELU(u_proj(u)), y = DSS(w) + D w,
 *   out = o_proj(c_proj(y) v)
 *
 * The DSS part is parametrised as the dss kind's (engine/net/layer_dss.c),
 * under "dss.": Lambda = -exp(Lambda_log_neg_re) + i Lambda_im ("exp") or
 * Lambda_re + i Lambda_im ("softmax", normalised over l_max samples at the
 * trained rate), W = W_re + i W_im, dt = exp(log_dt) dt_scale. Tensors:
 * v_proj.weight [d_ff, W] /bias, u_proj.weight [d_ssm, W] /bias,
 * c_proj.weight [d_ff, d_ssm] /bias, o_proj.weight [W, d_ff] /bias,
 * dss.log_dt, dss.D [d_ssm], the rest [d_ssm, state].
 *
 * Continuous-time and rate-free: another host rate re-discretises (dt and
 * the softmax window scale with dt_scale), nothing resamples. Schedules,
 * one state (the DSS runs on one ssm_diag): the step and the chunked FFT
 * convolution. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "net/layer.h"
#include "ssm/diag.h"
#include "ssm/gss.h"

typedef struct {
    ssm_dss_params dss;
    ssm_gss_weights w;
    ssm_gss *m;
} gss;

static const char *const variants[] = {"exp", "softmax", NULL};

static void destroy(void *self)
{
    gss *l = self;
    ssm_gss_destroy(l->m);
    ssm_dss_params_free(&l->dss);
    free(l);
}

static void *create(ssm_layer_ctx *c, ssm_stream *out)
{
    const size_t E = ssm_layer_input(c, 0)->width;
    size_t F, H, M, lmax = 0;
    int variant;
    if (!ssm_param_size(c, "d_ff", 1, 65536, 4 * E, &F) ||
        !ssm_param_size(c, "d_ssm", 1, 65536, E / 4 ? E / 4 : 1, &H) ||
        !ssm_param_size(c, "state", 1, 4096, 64, &M) ||
        !ssm_param_choice(c, "variant", variants, 0, &variant))
        return NULL;
    if (variant == SSM_DSS_SOFTMAX &&
        !ssm_param_size(c, "l_max", 1, (size_t)1 << 24, SSM_PARAM_REQUIRED, &lmax))
        return NULL;
    if ((F + H) * E > ((size_t)1 << 26) || F * H > ((size_t)1 << 26) || H * M > ((size_t)1 << 24)) {
        ssm_layer_fail(c, SSM_ERR_FORMAT, "d_ff %zu, d_ssm %zu, state %zu: too large", F, H, M);
        return NULL;
    }
    const uint64_t s_v[2] = {F, E}, s_f[1] = {F}, s_u[2] = {H, E}, s_h[1] = {H}, s_c[2] = {F, H},
                   s_o[2] = {E, F}, s_e[1] = {E}, s_hm[2] = {H, M};
    const char *const re_name = variant == SSM_DSS_EXP ? "dss.Lambda_log_neg_re" : "dss.Lambda_re";
    const char *const names[] = {"v_proj.weight", "v_proj.bias", "u_proj.weight", "u_proj.bias",
                                 "c_proj.weight", "c_proj.bias", "o_proj.weight", "o_proj.bias",
                                 "dss.log_dt",    re_name,       "dss.Lambda_im", "dss.W_re",
                                 "dss.W_im",      "dss.D"};
    const uint64_t *shapes[] = {s_v, s_f, s_u,  s_h,  s_c,  s_f,  s_o,
                                s_e, s_h, s_hm, s_hm, s_hm, s_hm, s_h};
    static const uint32_t ndims[] = {2, 1, 2, 1, 2, 1, 2, 1, 1, 2, 2, 2, 2, 1};
    enum { N_T = sizeof ndims / sizeof ndims[0] };
    const ssm_tensor *t[N_T];
    for (size_t i = 0; i < N_T; i++)
        if (!(t[i] = ssm_layer_tensor(c, names[i], ndims[i], shapes[i])))
            return NULL;
    /* Every mode must decay: Re Lambda finite and < 0. */
    for (size_t i = 0; i < H * M; i++)
        if (variant == SSM_DSS_EXP ? !(t[9]->data[i] < 80.0f) : !(t[9]->data[i] < 0.0f)) {
            ssm_layer_fail(c, SSM_ERR_FORMAT, "%s[%zu][%zu] = %g: %s", re_name, i / M, i % M,
                           (double)t[9]->data[i],
                           variant == SSM_DSS_EXP
                               ? "Re Lambda = -exp(.) overflows"
                               : "a softmax mode that does not decay has no recurrence");
            return NULL;
        }
    gss *l = ssm_layer_calloc(c, 1, sizeof *l);
    if (!l)
        return NULL;
    if (ssm_dss_params_init(&l->dss, H, M) != SSM_OK) {
        ssm_layer_fail(c, SSM_ERR_NOMEM, "out of memory for %zu x %zu modes", H, M);
        destroy(l);
        return NULL;
    }
    memcpy(l->dss.log_dt, t[8]->data, H * sizeof(float));
    for (size_t i = 0; i < H * M; i++)
        l->dss.lam_re[i] = variant == SSM_DSS_EXP ? -expf(t[9]->data[i]) : t[9]->data[i];
    memcpy(l->dss.lam_im, t[10]->data, H * M * sizeof(float));
    memcpy(l->dss.w_re, t[11]->data, H * M * sizeof(float));
    memcpy(l->dss.w_im, t[12]->data, H * M * sizeof(float));
    memcpy(l->dss.d, t[13]->data, H * sizeof(float));
    l->w = (ssm_gss_weights){
        .d_model = E,
        .d_ff = F,
        .d_ssm = H,
        .v_w = t[0]->data,
        .v_b = t[1]->data,
        .u_w = t[2]->data,
        .u_b = t[3]->data,
        .c_w = t[4]->data,
        .c_b = t[5]->data,
        .o_w = t[6]->data,
        .o_b = t[7]->data,
        .dss = &l->dss,
        .variant = variant == SSM_DSS_SOFTMAX ? SSM_DSS_SOFTMAX : SSM_DSS_EXP,
        .l_max = lmax,
    };
    return l;
}

static ssm_status activate(void *self, const ssm_layer_env *env, ssm_layer_ctx *c)
{
    gss *l = self;
    ssm_gss_destroy(l->m);
    l->m = NULL;
    /* The DSS poles, checked before the kernel takes them. */
    ssm_diag_bank bank;
    ssm_status st = ssm_diag_bank_init(&bank, l->dss.channels, l->dss.modes);
    if (st == SSM_OK)
        st = ssm_dss_discretize(&l->dss, l->w.variant, l->w.l_max, env->dt_scale, &bank);
    const int stable = st == SSM_OK && ssm_diag_bank_max_pole(&bank) < 1.0;
    ssm_diag_bank_free(&bank);
    if (!stable) {
        ssm_layer_fail(c, SSM_ERR_FORMAT,
                       "the DSS part gives no stable discrete system at dt_scale %g (a pole on "
                       "or outside the unit circle, or not finite)",
                       env->dt_scale);
        return SSM_ERR_FORMAT;
    }
    size_t chunk = 1;
    while (env->offline != SSM_SCHEDULE_STEP && chunk < env->max_out && chunk < 1024)
        chunk *= 2;
    const size_t block = env->max_out < 1 ? 1 : (env->max_out > 4096 ? 4096 : env->max_out);
    l->m = ssm_gss_create(&l->w, env->dt_scale, chunk, block, &st);
    if (!l->m) {
        ssm_layer_fail(c, st, "cannot build the %s schedule", ssm_schedule_name(env->offline));
        return st;
    }
    return SSM_OK;
}

/* The recurrent step is ahead of the chunked FFT form on the CPUs measured
 * (docs/benchmarks.md, "The other selective / gated kernels": GSS 399
 * against 475 ns/sample at E = 32, DSS N = 64), so offline mode plans the
 * step; the FFT schedule is offered (and tested equal) for a measured plan. */
static ssm_schedule plan(const void *self, size_t max_frames)
{
    return SSM_SCHEDULE_STEP;
}

static void process(void *self, ssm_schedule sch, const ssm_frames *in, float *out, size_t n_out,
                    uint64_t first_out)
{
    gss *l = self;
    ssm_gss_set_mode(l->m, sch == SSM_SCHEDULE_STEP ? SSM_MODE_STREAM : SSM_MODE_OFFLINE);
    ssm_gss_process(l->m, in[0].data, out, n_out);
}

static void reset(void *self)
{
    gss *l = self;
    if (l->m)
        ssm_gss_reset(l->m);
}

const ssm_layer_ops ssm_kind_gss = {
    .kind = "gss",
    .min_inputs = 1,
    .max_inputs = 1,
    .schedules = 1u << SSM_SCHEDULE_FFT,
    .create = create,
    .activate = activate,
    .plan = plan,
    .process = process,
    .reset = reset,
    .destroy = destroy,
};
