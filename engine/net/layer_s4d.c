/* s4d: the diagonal state space layer of S4D (Gu et al. 2022, "On the
 * Parameterization and Initialization of Diagonal State Space Models";
 * reference state-spaces/s4 models/s4/s4d.py), one SISO system per channel:
 *
 *   A = -exp(log_A_real) + i A_imag, dt = exp(log_dt) dt_scale, B = 1,
 *   ZOH (or bilinear) discretisation, y = 2 Re(sum_n C_n Bbar_n x_n) + D u
 *
 * Tensors (M = state / 2 complex modes, conjugate-symmetric): log_dt [H],
 * log_A_real, A_imag, C_re, C_im [H][M], D [H]. Continuous-time: the layer
 * re-discretises for the host rate (dt_scale = trained / host rate), so it
 * is not rate-bound.
 *
 * Schedules, all in one ssm_diag (kernels/diag.c) on one state so a mode
 * switch at a block boundary is seamless: the recurrence (step), the exact
 * chunked scan, the exact chunked FFT convolution. */
#include <stdlib.h>
#include <string.h>

#include "net/diag_layer.h"
#include "ssm/s4d.h"

typedef struct {
    ssm_diag_layer m; /* first: the shared plan, process and reset take self */
    ssm_discretization disc;
    ssm_s4d_params params;
} s4d;

static const char *const discs[] = {"zoh", "bilinear", NULL};

static void destroy(void *self)
{
    s4d *l = self;
    ssm_diag_layer_free(&l->m);
    ssm_s4d_params_free(&l->params);
    free(l);
}

static void *create(ssm_layer_ctx *c, ssm_stream *out)
{
    size_t n;
    int disc;
    if (!ssm_param_size(c, "state", 2, 4096, SSM_PARAM_REQUIRED, &n) ||
        !ssm_param_choice(c, "discretization", discs, 0, &disc))
        return NULL;
    if (n % 2) {
        ssm_layer_fail(c, SSM_ERR_FORMAT, "state %zu is odd; S4D keeps N/2 complex conjugate pairs",
                       n);
        return NULL;
    }
    const size_t H = out->width, M = n / 2;
    const uint64_t h1[1] = {H}, hm[2] = {H, M};
    const ssm_tensor *ldt = ssm_layer_tensor(c, "log_dt", 1, h1);
    const ssm_tensor *lar = ldt ? ssm_layer_tensor(c, "log_A_real", 2, hm) : NULL;
    const ssm_tensor *ai = lar ? ssm_layer_tensor(c, "A_imag", 2, hm) : NULL;
    const ssm_tensor *cre = ai ? ssm_layer_tensor(c, "C_re", 2, hm) : NULL;
    const ssm_tensor *cim = cre ? ssm_layer_tensor(c, "C_im", 2, hm) : NULL;
    const ssm_tensor *d = cim ? ssm_layer_tensor(c, "D", 1, h1) : NULL;
    if (!d)
        return NULL;
    s4d *l = ssm_layer_calloc(c, 1, sizeof *l);
    if (!l)
        return NULL;
    l->disc = disc == 1 ? SSM_BILINEAR : SSM_ZOH;
    if (!ssm_diag_layer_init(&l->m, H, M, c)) {
        destroy(l);
        return NULL;
    }
    if (ssm_s4d_params_init(&l->params, H, M) != SSM_OK) {
        ssm_layer_fail(c, SSM_ERR_NOMEM, "out of memory for %zu x %zu modes", H, M);
        destroy(l);
        return NULL;
    }
    memcpy(l->params.log_dt, ldt->data, H * sizeof(float));
    memcpy(l->params.log_a_real, lar->data, H * M * sizeof(float));
    memcpy(l->params.a_imag, ai->data, H * M * sizeof(float));
    memcpy(l->params.c_re, cre->data, H * M * sizeof(float));
    memcpy(l->params.c_im, cim->data, H * M * sizeof(float));
    memcpy(l->params.d, d->data, H * sizeof(float));
    return l;
}

static ssm_status discretize(const void *self, double dt_scale, ssm_diag_bank *bank)
{
    const s4d *l = self;
    return ssm_s4d_discretize(&l->params, l->disc, dt_scale, bank);
}

static ssm_status activate(void *self, const ssm_layer_env *env, ssm_layer_ctx *c)
{
    s4d *l = self;
    return ssm_diag_layer_activate(&l->m, discretize, NULL, env, c);
}

const ssm_layer_ops ssm_kind_s4d = {
    .kind = "s4d",
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
