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

#include "net/layer.h"
#include "ssm/diag.h"
#include "ssm/s4d.h"

typedef struct {
    size_t width, modes, max_frames;
    ssm_discretization disc;
    ssm_s4d_params params;
    ssm_diag_bank bank;
    ssm_diag *diag; /* the bank with its state and offline form, made at activate */
    float *s;       /* [H][max_frames] channel-major for the bank */
} s4d;

static const char *const discs[] = {"zoh", "bilinear", NULL};

static void destroy(void *self)
{
    s4d *l = self;
    ssm_diag_destroy(l->diag);
    ssm_diag_bank_free(&l->bank);
    ssm_s4d_params_free(&l->params);
    free(l->s);
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
    l->width = H;
    l->modes = M;
    l->disc = disc == 1 ? SSM_BILINEAR : SSM_ZOH;
    if (ssm_s4d_params_init(&l->params, H, M) != SSM_OK ||
        ssm_diag_bank_init(&l->bank, H, M) != SSM_OK) {
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

static ssm_status activate(void *self, const ssm_layer_env *env, ssm_layer_ctx *c)
{
    s4d *l = self;
    ssm_diag_destroy(l->diag);
    l->diag = NULL;
    free(l->s);
    l->max_frames = env->max_out;
    ssm_status st = ssm_s4d_discretize(&l->params, l->disc, env->dt_scale, &l->bank);
    if (st != SSM_OK || !(ssm_diag_bank_max_pole(&l->bank) < 1.0)) {
        ssm_layer_fail(c, SSM_ERR_FORMAT,
                       "the parameters give no stable discrete system at dt_scale %g (a pole "
                       "on or outside the unit circle, or not finite)",
                       env->dt_scale);
        return SSM_ERR_FORMAT;
    }
    l->s = ssm_layer_calloc(c, l->width * l->max_frames, sizeof *l->s);
    if (!l->s)
        return ssm_layer_status(c);
    /* A power-of-two chunk up to 1024 (longer calls run in chunks): FFTW
     * plans for sizes with large prime factors (Rader) or long buffered
     * transforms allocate inside execute, which the audio path must not.
     * With the step planned offline the chunked form is never run: keep it
     * minimal. */
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

/* The chunked forms beat the step from about 256 frames per call
 * (docs/benchmarks.md, S4D/DSS rows: the scan 1.4-2x at every N; the FFT
 * form never beats the scan); below that their per-call state terms lose.
 * So offline mode is never slower than streaming by this rule. */
static ssm_schedule plan(const void *self, size_t max_frames)
{
    return max_frames >= 256 ? SSM_SCHEDULE_SCAN : SSM_SCHEDULE_STEP;
}

static void process(void *self, ssm_schedule sch, const ssm_frames *in, float *out, size_t n_out,
                    uint64_t first_out)
{
    s4d *l = self;
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
    s4d *l = self;
    if (l->diag)
        ssm_diag_reset(l->diag);
}

const ssm_layer_ops ssm_kind_s4d = {
    .kind = "s4d",
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
