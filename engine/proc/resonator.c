/* "resonator": a diagonal SSM (S4D) bank used as a modal resonator.
 *
 * Up to 64 complex modes, each a one-pole x = a x + b u with
 * a = r e^(i w): the mode's frequency is w, its T60 decay sets r, its gain
 * sets b. A handful of musical controls (body shape, pitch, inharmonicity,
 * decay, damping, brightness, modes, mix, level) are mapped onto all of
 * them; when a control moves it glides on a 64-sample grid and the poles
 * glide linearly in between (ssm_diag_glide), so nothing zips and no pole
 * ever leaves the unit disc.
 *
 * The modes run on the kernels' diagonal bank with the gains on the input
 * (ssm/diag.h): a gain that changes acts on new input, never on what is
 * already ringing. Live, the recurrence; offline, the exact schedule the
 * bank's plan picks for the block size (ssm_diag_plan_offline: with 64
 * modes, the recurrence itself); both the same function. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "core/plan.h"
#include "core/processor_impl.h"
#include "proc/smoother.h"
#include "ssm/diag.h"

#define MAX_MODES 64
#define GRID      64    /* samples between control updates */
#define GLIDE_S   0.030 /* control glide time constant */
#define LN1000    6.907755278982137

enum {
    P_SHAPE,
    P_PITCH,
    P_INHARM,
    P_DECAY,
    P_DAMPING,
    P_BRIGHT,
    P_MODES,
    P_MIX,
    P_LEVEL,
    N_PARAMS
};

enum { SHAPE_STRING, SHAPE_TUBE, SHAPE_BAR, SHAPE_MEMBRANE, N_SHAPES };

static const ssm_param_info params[] = {
    [P_SHAPE] = {"shape", "Body", "", 0.0f, 3.0f, 0.0f, SSM_PARAM_INPUT},
    [P_PITCH] = {"pitch", "Pitch", "Hz", 27.5f, 4186.0f, 220.0f, SSM_PARAM_INPUT},
    [P_INHARM] = {"inharm", "Inharmonicity", "%", 0.0f, 100.0f, 0.0f, SSM_PARAM_INPUT},
    [P_DECAY] = {"decay", "Decay", "s", 0.05f, 30.0f, 2.0f, SSM_PARAM_INPUT},
    [P_DAMPING] = {"damping", "Damping", "%", 0.0f, 100.0f, 40.0f, SSM_PARAM_INPUT},
    [P_BRIGHT] = {"brightness", "Brightness", "%", 0.0f, 100.0f, 50.0f, SSM_PARAM_INPUT},
    [P_MODES] = {"modes", "Modes", "", 1.0f, 64.0f, 64.0f, SSM_PARAM_INPUT},
    [P_MIX] = {"mix", "Dry/wet", "%", 0.0f, 100.0f, 100.0f, SSM_PARAM_INPUT},
    /* 0 dB is unit energy for an impulse (white noise keeps its level);
     * speech or a note near the modes rings 12 dB and more louder, so the
     * default leaves that room (issue 14: -1 dBFS speech gave +11 dBFS). */
    [P_LEVEL] = {"level", "Level", "dB", -36.0f, 12.0f, -15.0f, SSM_PARAM_INPUT},
};

typedef struct {
    double ratio[N_SHAPES][MAX_MODES]; /* partial / fundamental, per body */
    double sr;
    ssm_diag *bank;       /* the modes in use, both forms */
    ssm_diag_bank target; /* where the controls put them */
    int shape, shape_target;
    smoother ctl[N_PARAMS]; /* P_SHAPE unused; pitch and decay in log2 */
    float dry, dry_target;
    uint32_t phase; /* position on the control grid */
    int moving;     /* the coefficients are gliding in this grid period */
    int fresh;      /* activated or reset: jump to the controls, no glide */
    ssm_mode mode;
    float *wet; /* max_block */
} resonator;

/* Zeros of the Bessel function J_m by Newton from McMahon's asymptotic
 * guess (Abramowitz & Stegun 9.5.12); the circular membrane's partials are
 * j_{m,n} / j_{0,1}. */
static double bessel_zero(int m, int n)
{
    const double beta = (n + 0.5 * m - 0.25) * M_PI;
    const double mu = 4.0 * m * m;
    double x = beta - (mu - 1.0) / (8.0 * beta) -
               4.0 * (mu - 1.0) * (7.0 * mu - 31.0) / (3.0 * pow(8.0 * beta, 3.0));
    for (int it = 0; it < 30; it++) {
        const double f = jn(m, x);
        const double df = 0.5 * (jn(m - 1, x) - jn(m + 1, x));
        const double step = f / df;
        x -= step;
        if (fabs(step) < 1e-13 * x)
            break;
    }
    return x;
}

static int cmp_double(const void *a, const void *b)
{
    const double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static void fill_ratios(resonator *r)
{
    for (int k = 0; k < MAX_MODES; k++) {
        r->ratio[SHAPE_STRING][k] = k + 1;
        r->ratio[SHAPE_TUBE][k] = 2 * k + 1; /* closed-open pipe: odd partials */
    }
    /* Free-free bar: beta_n L = 4.7300, 7.8532, 10.9956, then (2n+1) pi / 2;
     * frequency goes as beta^2. */
    static const double beta0[3] = {4.730040745, 7.853204624, 10.995607838};
    for (int k = 0; k < MAX_MODES; k++) {
        const double beta = k < 3 ? beta0[k] : (2 * k + 3) * M_PI / 2.0;
        r->ratio[SHAPE_BAR][k] = (beta * beta) / (beta0[0] * beta0[0]);
    }
    /* Membrane: the 64 lowest j_{m,n} over m < 24, n <= 12. */
    enum { MM = 24, NN = 12 };
    double z[MM * NN];
    int nz = 0;
    for (int m = 0; m < MM; m++)
        for (int n = 1; n <= NN; n++)
            z[nz++] = bessel_zero(m, n);
    qsort(z, (size_t)nz, sizeof z[0], cmp_double);
    for (int k = 0; k < MAX_MODES; k++)
        r->ratio[SHAPE_MEMBRANE][k] = z[k] / z[0];
}

static void *resonator_create(const ssm_processor_desc *desc, ssm_error *err)
{
    resonator *r = calloc(1, sizeof *r);
    if (!r) {
        ssm_error_set(err, SSM_ERR_NOMEM, "out of memory creating resonator");
        return NULL;
    }
    fill_ratios(r);
    for (int i = 0; i < N_PARAMS; i++) {
        float v = params[i].def;
        if (i == P_PITCH || i == P_DECAY)
            v = log2f(v);
        smoother_init(&r->ctl[i], v, 1e-4f * (params[i].max - params[i].min));
    }
    r->ctl[P_PITCH].eps = 1e-4f; /* octaves */
    r->ctl[P_DECAY].eps = 1e-4f;
    r->fresh = 1;
    return r;
}

static void resonator_destroy(void *self)
{
    resonator *r = self;
    ssm_diag_destroy(r->bank);
    ssm_diag_bank_free(&r->target);
    free(r->wet);
    free(r);
}

/* Controls (as they are now) -> the target coefficients. */
static void derive(resonator *r)
{
    const double sr = r->sr;
    const double f0 = exp2((double)r->ctl[P_PITCH].value);
    const double t60 = exp2((double)r->ctl[P_DECAY].value);
    const double inh = r->ctl[P_INHARM].value * 0.01;
    const double B = 0.02 * inh * inh; /* string stiffness coefficient */
    const double damp = r->ctl[P_DAMPING].value * 0.01;
    const double tilt = 2.0 * (1.0 - r->ctl[P_BRIGHT].value * 0.01); /* 0..12 dB/oct */
    const double count = r->ctl[P_MODES].value;
    const double mix = r->ctl[P_MIX].value * 0.01;
    const double level = pow(10.0, r->ctl[P_LEVEL].value / 20.0);
    /* Partials above this are left out (fade over its last 10 %): they
     * would alias, and at 22.05 kHz that is a real concern. */
    const double flim = fmin(20000.0, 0.45 * sr);
    const double *ratio = r->ratio[r->shape];

    double mag[MAX_MODES], energy = 0.0;
    for (int k = 0; k < MAX_MODES; k++) {
        const double rk = ratio[k] * sqrt(1.0 + B * ratio[k] * ratio[k]) / sqrt(1.0 + B);
        const double f = f0 * rk;
        double g = pow(rk, -tilt);
        g *= fmin(1.0, fmax(0.0, count - k));
        g *= fmin(1.0, fmax(0.0, (flim - f) / (0.1 * flim)));
        const double tk = fmax(0.002, t60 * pow(rk, -1.5 * damp));
        const double rad = exp(-LN1000 / (tk * sr));
        const double w = 2.0 * M_PI * fmin(f, flim) / sr;
        r->target.lam_re[k] = (float)(rad * cos(w));
        r->target.lam_im[k] = (float)(rad * sin(w));
        /* sqrt(1 - r^2) gives every mode an impulse response of unit
         * energy whatever its decay, so decay does not change loudness. */
        mag[k] = g * sqrt(1.0 - rad * rad);
        energy += 0.5 * g * g;
    }
    const double norm = energy > 0.0 ? mix * level / sqrt(energy) : 0.0;
    for (int k = 0; k < MAX_MODES; k++) {
        /* b = -i |b|: each mode starts as a sine, so a struck resonator
         * does not click at its onset. */
        r->target.w_re[k] = 0.0f;
        r->target.w_im[k] = (float)(-mag[k] * norm);
    }
    r->dry_target = (float)(1.0 - mix);
}

static ssm_status resonator_activate(void *self, double sr, uint32_t max_block, uint32_t n_channels,
                                     ssm_error *err)
{
    resonator *r = self;
    if (n_channels != 1) {
        ssm_error_set(err, SSM_ERR_INVALID, "resonator is mono (got %u channels)", n_channels);
        return SSM_ERR_INVALID;
    }
    ssm_diag_destroy(r->bank);
    r->bank = NULL;
    ssm_diag_bank_free(&r->target);
    free(r->wet);
    r->wet = NULL;
    if (ssm_diag_bank_init(&r->target, 1, MAX_MODES) == SSM_OK) {
        r->target.weighting = SSM_DIAG_WEIGHT_INPUT;
        r->bank = ssm_diag_create(&r->target,
                                  &(ssm_diag_config){.method = SSM_DIAG_PLANNED,
                                                     .rigor = ssm_engine_plan_rigor(),
                                                     .block = max_block},
                                  NULL);
    }
    if (!r->bank || !(r->wet = calloc(max_block, sizeof(float)))) {
        ssm_error_set(err, SSM_ERR_NOMEM, "out of memory activating resonator");
        return SSM_ERR_NOMEM;
    }
    ssm_diag_set_mode(r->bank, r->mode);
    r->sr = sr;
    r->fresh = 1;
    r->phase = 0;
    return SSM_OK;
}

static void resonator_set_mode(void *self, ssm_mode mode)
{
    resonator *r = self;
    r->mode = mode;
    if (r->bank)
        ssm_diag_set_mode(r->bank, mode);
}

static void resonator_set_param(void *self, uint32_t index, float value)
{
    resonator *r = self;
    if (index == P_SHAPE) {
        r->shape_target = (int)lrintf(value);
        return;
    }
    if (index == P_PITCH || index == P_DECAY)
        value = log2f(value);
    r->ctl[index].target = value;
}

static float resonator_get_param(const void *self, uint32_t index)
{
    const resonator *r = self;
    if (index == P_SHAPE)
        return (float)r->shape_target;
    const float v = r->ctl[index].target;
    return index == P_PITCH || index == P_DECAY ? exp2f(v) : v;
}

static void resonator_reset(void *self)
{
    resonator *r = self;
    if (r->bank)
        ssm_diag_reset(r->bank);
    r->fresh = 1;
    r->phase = 0;
}

/* At a grid point: step every control, and if any moved, re-derive targets
 * the coefficients will glide to over the next grid period. */
static void grid_step(resonator *r)
{
    if (r->fresh) {
        for (int i = 0; i < N_PARAMS; i++)
            smoother_snap(&r->ctl[i]);
        r->shape = r->shape_target;
        derive(r);
        ssm_diag_set_bank(r->bank, &r->target);
        r->dry = r->dry_target;
        r->fresh = 0;
        r->moving = 0;
        return;
    }
    const float c = (float)(1.0 - exp(-GRID / (GLIDE_S * r->sr)));
    int moved = r->shape != r->shape_target;
    r->shape = r->shape_target;
    for (int i = 1; i < N_PARAMS; i++)
        moved |= smoother_step(&r->ctl[i], c);
    if (moved)
        derive(r);
    r->moving = moved;
}

static void resonator_process(void *self, const float *const *in, float *const *out, uint32_t n)
{
    resonator *r = self;
    const float *x = in[0];
    float *y = out[0];
    for (uint32_t pos = 0; pos < n;) {
        if (r->phase == 0)
            grid_step(r);
        uint32_t len = n - pos;
        if (r->moving) {
            const uint32_t left = GRID - r->phase;
            if (len > left)
                len = left;
            ssm_diag_glide(r->bank, &r->target, x + pos, 0, r->wet, 0, len, left);
            const float d0 = r->dry, dd = (r->dry_target - r->dry) / (float)left;
            for (uint32_t t = 0; t < len; t++)
                y[pos + t] = (d0 + dd * (float)(t + 1)) * x[pos + t] + r->wet[t];
            r->dry = len == left ? r->dry_target : d0 + dd * (float)len;
        } else {
            /* Up to the next grid point only if a control is waiting there;
             * otherwise the rest of the block in one go. */
            const uint32_t left = GRID - r->phase;
            int waiting = r->shape != r->shape_target;
            for (int i = 1; i < N_PARAMS && !waiting; i++)
                waiting = r->ctl[i].value != r->ctl[i].target;
            if (waiting && len > left)
                len = left;
            ssm_diag_process(r->bank, x + pos, 0, r->wet, 0, len);
            for (uint32_t t = 0; t < len; t++)
                y[pos + t] = r->dry * x[pos + t] + r->wet[t];
        }
        r->phase = (uint32_t)((r->phase + len) % GRID);
        pos += len;
    }
}

const ssm_processor_vtable ssm_proc_resonator = {
    .type = "resonator",
    .params = params,
    .n_params = N_PARAMS,
    .create = resonator_create,
    .activate = resonator_activate,
    .destroy = resonator_destroy,
    .set_mode = resonator_set_mode,
    .set_param = resonator_set_param,
    .get_param = resonator_get_param,
    .process = resonator_process,
    .reset = resonator_reset,
};
