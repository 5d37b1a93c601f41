/* "reverb": a modal reverb, i.e. a long-memory diagonal SSM.
 *
 * Each output channel is a bank of 1024 slowly decaying complex modes
 * spread over the audible band (uniform on the mel scale, jittered, with a
 * different draw per channel so left and right are decorrelated), fed by a
 * sparse early-reflection tap line whose span is the "size" and whose
 * offset is the pre-delay. The decay time sets every mode's radius; damping
 * shortens the high modes. Each mode's response has unit energy times its
 * share of the band, so the tail's colour and loudness do not change with
 * the decay time.
 *
 * The modes run on the kernels' diagonal bank, one channel of it per output
 * channel, with the gains on the input (ssm/diag.h). Live, the recurrence
 * (zero latency); offline, the exact schedule the bank's plan picks for the
 * block size (ssm_diag_plan_offline); both are the same function.
 * Changing the pre-delay or the size cross-fades from the old taps to the
 * new ones over one grid period, so moving them never clicks. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "core/plan.h"
#include "core/processor_impl.h"
#include "proc/smoother.h"
#include "ssm/diag.h"

#define N_MODES  1024
#define N_TAPS   8
#define GRID     128
#define GLIDE_S  0.050
#define MAX_PRE  200.0 /* ms */
#define MAX_SIZE 62.0  /* ms of early-reflection span */
#define ER_LEVEL 0.5f
#define LN1000   6.907755278982137

enum { P_DECAY, P_SIZE, P_DAMPING, P_PREDELAY, P_MIX, N_PARAMS };

static const ssm_param_info params[] = {
    [P_DECAY] = {"decay", "Decay time", "s", 0.2f, 20.0f, 2.0f, SSM_PARAM_INPUT},
    [P_SIZE] = {"size", "Size", "%", 0.0f, 100.0f, 50.0f, SSM_PARAM_INPUT},
    [P_DAMPING] = {"damping", "Damping", "%", 0.0f, 100.0f, 50.0f, SSM_PARAM_INPUT},
    [P_PREDELAY] = {"predelay", "Pre-delay", "ms", 0.0f, 200.0f, 10.0f, SSM_PARAM_INPUT},
    [P_MIX] = {"mix", "Dry/wet", "%", 0.0f, 100.0f, 30.0f, SSM_PARAM_INPUT},
};

typedef struct {
    double freq[N_MODES];             /* Hz */
    float cw[N_MODES], sw[N_MODES];   /* e^(i w) per mode */
    float cph[N_MODES], sph[N_MODES]; /* the mode's random initial phase */
    float share[N_MODES];             /* sqrt of the mode's share of the band */
    float tap_pos[N_TAPS];            /* fraction of the size span */
    float tap_gain[N_TAPS];
    uint32_t tap[N_TAPS], tap_next[N_TAPS];
} channel;

typedef struct {
    uint32_t n_channels;
    double sr;
    channel ch[2];
    ssm_diag *bank;       /* one channel per output channel, both forms */
    ssm_diag_bank target; /* where the controls put the modes */
    smoother ctl[N_PARAMS];
    float dry, dry_target, er, er_target;
    float *ring; /* input delay line, power of two */
    uint32_t mask, wpos;
    float *mono;
    float *fir, *wet; /* [n_channels][max_block] */
    uint32_t max_block;
    uint32_t phase;
    int moving, xfade, fresh;
    ssm_mode mode;
} reverb;

static double rng_uniform(unsigned long long *s)
{
    *s ^= *s >> 12;
    *s ^= *s << 25;
    *s ^= *s >> 27;
    return (double)((*s * 2685821657736338717ULL) >> 11) * (1.0 / 9007199254740992.0);
}

static void *reverb_create(const ssm_processor_desc *desc, ssm_error *err)
{
    reverb *r = calloc(1, sizeof *r);
    if (!r) {
        ssm_error_set(err, SSM_ERR_NOMEM, "out of memory creating reverb");
        return NULL;
    }
    for (int i = 0; i < N_PARAMS; i++)
        smoother_init(&r->ctl[i], params[i].def, 1e-4f * (params[i].max - params[i].min));
    r->fresh = 1;
    return r;
}

static void reverb_free_buffers(reverb *r)
{
    ssm_diag_destroy(r->bank);
    r->bank = NULL;
    ssm_diag_bank_free(&r->target);
    free(r->ring);
    free(r->mono);
    free(r->fir);
    free(r->wet);
    r->ring = r->mono = r->fir = r->wet = NULL;
}

static void reverb_destroy(void *self)
{
    reverb_free_buffers(self);
    free(self);
}

/* The fixed layout of one channel: mode frequencies, phases, band shares
 * and early-reflection pattern, drawn from a seed per channel. */
static void layout(channel *ch, double sr, unsigned long long seed)
{
    const double flo = 40.0, fhi = fmin(20000.0, 0.45 * sr);
    const double mlo = 2595.0 * log10(1.0 + flo / 700.0);
    const double mhi = 2595.0 * log10(1.0 + fhi / 700.0);
    const double dm = (mhi - mlo) / N_MODES;
    double total = 0.0;
    for (int k = 0; k < N_MODES; k++) {
        const double m = mlo + dm * (k + 0.5 + 0.9 * (rng_uniform(&seed) - 0.5));
        const double f = 700.0 * (pow(10.0, m / 2595.0) - 1.0);
        const double df = dm * (f + 700.0) * M_LN10 / 2595.0;
        const double w = 2.0 * M_PI * f / sr;
        const double ph = 2.0 * M_PI * rng_uniform(&seed);
        ch->freq[k] = f;
        ch->cw[k] = (float)cos(w);
        ch->sw[k] = (float)sin(w);
        ch->cph[k] = (float)cos(ph);
        ch->sph[k] = (float)sin(ph);
        ch->share[k] = (float)df;
        total += df;
    }
    /* A mode's response x_k has energy |b|^2 / (1 - r^2); its real part
     * half of that. Shares sum to 2 so the tail has unit energy. */
    for (int k = 0; k < N_MODES; k++)
        ch->share[k] = (float)sqrt(2.0 * ch->share[k] / total);

    double e = 0.0;
    for (int j = 0; j < N_TAPS; j++) {
        ch->tap_pos[j] = (float)(0.08 + 0.92 * (j + rng_uniform(&seed)) / N_TAPS);
        ch->tap_gain[j] = (float)((rng_uniform(&seed) < 0.5 ? -1.0 : 1.0) * pow(0.85, j));
        e += (double)ch->tap_gain[j] * ch->tap_gain[j];
    }
    for (int j = 0; j < N_TAPS; j++)
        ch->tap_gain[j] = (float)(ch->tap_gain[j] / sqrt(e));
}

static ssm_status reverb_activate(void *self, double sr, uint32_t max_block, uint32_t n_channels,
                                  ssm_error *err)
{
    reverb *r = self;
    if (n_channels != 1 && n_channels != 2) {
        ssm_error_set(err, SSM_ERR_INVALID, "reverb takes 1 or 2 channels (got %u)", n_channels);
        return SSM_ERR_INVALID;
    }
    reverb_free_buffers(r);
    r->n_channels = n_channels;
    r->sr = sr;
    const double max_delay = (MAX_PRE + MAX_SIZE) * 1e-3 * sr + 2.0;
    uint32_t ring = 1;
    while (ring < max_delay + max_block)
        ring <<= 1;
    r->ring = calloc(ring, sizeof(float));
    r->mask = ring - 1;
    r->wpos = 0;
    r->max_block = max_block;
    r->mono = calloc(max_block, sizeof(float));
    r->fir = calloc((size_t)n_channels * max_block, sizeof(float));
    r->wet = calloc((size_t)n_channels * max_block, sizeof(float));
    int ok = r->ring && r->mono && r->fir && r->wet &&
             ssm_diag_bank_init(&r->target, n_channels, N_MODES) == SSM_OK;
    if (ok) {
        r->target.weighting = SSM_DIAG_WEIGHT_INPUT;
        r->bank = ssm_diag_create(&r->target,
                                  &(ssm_diag_config){.method = SSM_DIAG_PLANNED,
                                                     .rigor = ssm_engine_plan_rigor(),
                                                     .block = max_block},
                                  NULL);
        ok = r->bank != NULL;
    }
    for (uint32_t c = 0; c < n_channels && ok; c++)
        layout(&r->ch[c], sr, 0x9E3779B97F4A7C15ULL * (c + 1));
    if (!ok) {
        reverb_free_buffers(r);
        ssm_error_set(err, SSM_ERR_NOMEM, "out of memory activating reverb");
        return SSM_ERR_NOMEM;
    }
    ssm_diag_set_mode(r->bank, r->mode);
    r->fresh = 1;
    r->phase = 0;
    return SSM_OK;
}

static void derive(reverb *r)
{
    const double sr = r->sr;
    const double t60 = r->ctl[P_DECAY].value;
    const double damp = r->ctl[P_DAMPING].value * 0.01;
    const double mix = r->ctl[P_MIX].value * 0.01;
    const double pre = r->ctl[P_PREDELAY].value * 1e-3 * sr;
    const double span = (2.0 + (MAX_SIZE - 2.0) * r->ctl[P_SIZE].value * 0.01) * 1e-3 * sr;
    for (uint32_t c = 0; c < r->n_channels; c++) {
        channel *ch = &r->ch[c];
        const size_t o = c * r->target.stride;
        for (int k = 0; k < N_MODES; k++) {
            /* Air and walls absorb highs: T60 falls with f^2 above ~8 kHz
             * at full damping. */
            const double q = ch->freq[k] / 8000.0;
            const double tk = t60 / (1.0 + 4.0 * damp * q * q);
            const float rad = (float)exp(-LN1000 / (tk * sr));
            const float m = ch->share[k] * sqrtf(1.0f - rad * rad) * (float)mix;
            r->target.lam_re[o + k] = rad * ch->cw[k];
            r->target.lam_im[o + k] = rad * ch->sw[k];
            r->target.w_re[o + k] = m * ch->cph[k];
            r->target.w_im[o + k] = m * ch->sph[k];
        }
        for (int j = 0; j < N_TAPS; j++)
            ch->tap_next[j] = (uint32_t)lrint(pre + span * ch->tap_pos[j]);
    }
    r->dry_target = (float)(1.0 - mix);
    r->er_target = (float)mix * ER_LEVEL;
}

static void reverb_set_mode(void *self, ssm_mode mode)
{
    reverb *r = self;
    r->mode = mode;
    if (r->bank)
        ssm_diag_set_mode(r->bank, mode);
}

static void reverb_set_param(void *self, uint32_t index, float value)
{
    ((reverb *)self)->ctl[index].target = value;
}

static float reverb_get_param(const void *self, uint32_t index)
{
    return ((const reverb *)self)->ctl[index].target;
}

static void reverb_reset(void *self)
{
    reverb *r = self;
    if (!r->bank)
        return;
    ssm_diag_reset(r->bank);
    memset(r->ring, 0, (r->mask + 1) * sizeof(float));
    r->fresh = 1;
    r->phase = 0;
}

static int taps_differ(const reverb *r)
{
    for (uint32_t c = 0; c < r->n_channels; c++)
        for (int j = 0; j < N_TAPS; j++)
            if (r->ch[c].tap[j] != r->ch[c].tap_next[j])
                return 1;
    return 0;
}

static void grid_step(reverb *r)
{
    if (r->fresh) {
        for (int i = 0; i < N_PARAMS; i++)
            smoother_snap(&r->ctl[i]);
        derive(r);
        ssm_diag_set_bank(r->bank, &r->target);
        for (uint32_t c = 0; c < r->n_channels; c++)
            memcpy(r->ch[c].tap, r->ch[c].tap_next, sizeof r->ch[c].tap);
        r->dry = r->dry_target;
        r->er = r->er_target;
        r->fresh = r->moving = r->xfade = 0;
        return;
    }
    /* The previous period's cross-fade has finished: its taps are current. */
    if (r->xfade)
        for (uint32_t c = 0; c < r->n_channels; c++)
            memcpy(r->ch[c].tap, r->ch[c].tap_next, sizeof r->ch[c].tap);
    const float k = (float)(1.0 - exp(-GRID / (GLIDE_S * r->sr)));
    int moved = 0;
    for (int i = 0; i < N_PARAMS; i++)
        moved |= smoother_step(&r->ctl[i], k);
    if (moved)
        derive(r);
    r->moving = moved;
    r->xfade = moved && taps_differ(r);
}

static int waiting(const reverb *r)
{
    for (int i = 0; i < N_PARAMS; i++)
        if (r->ctl[i].value != r->ctl[i].target)
            return 1;
    return 0;
}

/* The early-reflection taps for samples [pos, pos + len) of this block into
 * fir, cross-faded from the current taps to the next ones when they move. */
static void read_taps(const reverb *r, const channel *ch, float *fir, uint32_t pos, uint32_t len,
                      int xfade)
{
    const uint32_t base = r->wpos + pos;
    const float *ring = r->ring;
    const uint32_t mask = r->mask;
    if (!xfade) {
        for (uint32_t t = 0; t < len; t++) {
            float a = 0.0f;
            for (int j = 0; j < N_TAPS; j++)
                a += ch->tap_gain[j] * ring[(base + t - ch->tap[j]) & mask];
            fir[t] = a;
        }
        return;
    }
    const float w0 = (float)r->phase / GRID, dw = 1.0f / GRID;
    for (uint32_t t = 0; t < len; t++) {
        float a = 0.0f, b = 0.0f;
        for (int j = 0; j < N_TAPS; j++) {
            a += ch->tap_gain[j] * ring[(base + t - ch->tap[j]) & mask];
            b += ch->tap_gain[j] * ring[(base + t - ch->tap_next[j]) & mask];
        }
        const float w = w0 + dw * (float)(t + 1);
        fir[t] = a + w * (b - a);
    }
}

static void reverb_process(void *self, const float *const *in, float *const *out, uint32_t n)
{
    reverb *r = self;
    const uint32_t nc = r->n_channels;
    /* Stereo in feeds both tails through its mid signal; the taps and the
     * modes of each side differ, which is what makes the tail wide. */
    for (uint32_t t = 0; t < n; t++)
        r->mono[t] = nc == 2 ? 0.5f * (in[0][t] + in[1][t]) : in[0][t];
    for (uint32_t t = 0; t < n; t++)
        r->ring[(r->wpos + t) & r->mask] = r->mono[t];

    for (uint32_t pos = 0; pos < n;) {
        if (r->phase == 0)
            grid_step(r);
        const uint32_t left = GRID - r->phase;
        uint32_t len = n - pos;
        if ((r->moving || r->xfade || waiting(r)) && len > left)
            len = left;
        const float step = 1.0f / (float)left;
        const float dd = r->moving ? (r->dry_target - r->dry) * step : 0.0f;
        const float de = r->moving ? (r->er_target - r->er) * step : 0.0f;
        const size_t ld = r->max_block;
        for (uint32_t c = 0; c < nc; c++)
            read_taps(r, &r->ch[c], r->fir + c * ld, pos, len, r->xfade);
        if (r->moving)
            ssm_diag_glide(r->bank, &r->target, r->fir, ld, r->wet, ld, len, left);
        else
            ssm_diag_process(r->bank, r->fir, ld, r->wet, ld, len);
        for (uint32_t c = 0; c < nc; c++) {
            const float *x = in[c] + pos, *fir = r->fir + c * ld, *wet = r->wet + c * ld;
            float *y = out[c] + pos;
            for (uint32_t t = 0; t < len; t++) {
                const float g = (float)(t + 1);
                y[t] = (r->dry + dd * g) * x[t] + wet[t] + (r->er + de * g) * fir[t];
            }
        }
        if (r->moving) {
            r->dry = len == left ? r->dry_target : r->dry + dd * (float)len;
            r->er = len == left ? r->er_target : r->er + de * (float)len;
        }
        r->phase = (uint32_t)((r->phase + len) % GRID);
        pos += len;
    }
    r->wpos = (r->wpos + n) & r->mask;
}

const ssm_processor_vtable ssm_proc_reverb = {
    .type = "reverb",
    .params = params,
    .n_params = N_PARAMS,
    .create = reverb_create,
    .activate = reverb_activate,
    .destroy = reverb_destroy,
    .set_mode = reverb_set_mode,
    .set_param = reverb_set_param,
    .get_param = reverb_get_param,
    .process = reverb_process,
    .reset = reverb_reset,
};
