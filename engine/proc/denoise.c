/* "denoise": the trained speech denoiser (presets/denoise.safetensors,
 * tools/train) with the controls a user needs: a limit on the attenuation,
 * a dry/wet mix, a click-free bypass, and gain-reduction and voice-activity
 * meters. The dry path is delayed by the model's latency so that mix and
 * bypass blend aligned signals (no comb filtering). The voice-activity
 * meter is the model graph's "vad" output.
 *
 * The denoiser starts at the first input sample that is not digital
 * silence, as if reset there. Its state moves under silence (its features
 * are log(c^2 + eps), not 0) and its 48-frame hops are counted from its
 * start, so without this the output depended on how much silence a host
 * ran first: Ardour runs a plugin through a latency probe, the session's
 * start and an export pre-roll before the take, a batch render does not,
 * and the two differed by -21 dB (issue 14). Silence in is silence out,
 * so nothing is lost by not running it (and it costs nothing). */
#include <limits.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "net/netrun.h"
#include "core/processor_impl.h"

enum { P_LIMIT, P_MIX, P_BYPASS, P_GR, P_VAD, N_PARAMS };

static const ssm_param_info params[] = {
    [P_LIMIT] = {"limit", "Max attenuation", "dB", 0.0f, 100.0f, 100.0f, SSM_PARAM_INPUT},
    [P_MIX] = {"mix", "Mix", "%", 0.0f, 100.0f, 100.0f, SSM_PARAM_INPUT},
    [P_BYPASS] = {"bypass", "Bypass", "", 0.0f, 1.0f, 0.0f, SSM_PARAM_INPUT},
    [P_GR] = {"gr", "Gain reduction", "dB", 0.0f, 100.0f, 0.0f, SSM_PARAM_OUTPUT},
    [P_VAD] = {"vad", "Voice activity", "", 0.0f, 1.0f, 0.0f, SSM_PARAM_OUTPUT},
};

typedef struct {
    ssm_netrun run;
    long vad_out; /* the graph's "vad" output (-1: the model has none; the meter reads 0) */
    uint32_t nc, max_block, delay, dpos;
    float *dry;                  /* [nc][max_block] input copy (in and out may alias) */
    float *line;                 /* [nc][delay] dry delay line */
    float target[3], current[3]; /* floor (linear), mix (0..1), bypass (0..1) */
    float coeff;                 /* per-sample smoothing, about 10 ms */
    float meter_coeff;           /* per-block smoothing of the gr meter */
    float gr, vad;
    int idle;            /* nothing but digital silence since the reset */
    const float **in_at; /* [nc]: the block from its first sound on */
    float **out_at;
} denoise;

static void *denoise_create(const ssm_processor_desc *desc, ssm_error *err)
{
    denoise *d = calloc(1, sizeof *d);
    if (!d) {
        ssm_error_set(err, SSM_ERR_NOMEM, "out of memory creating denoise");
        return NULL;
    }
    char buf[PATH_MAX];
    const char *path =
        desc->model_path ? desc->model_path : ssm_default_denoise_model(buf, sizeof buf);
    if (ssm_netrun_init(&d->run, path, desc->n_channels, err) != SSM_OK) {
        if (!desc->model_path && err && err->status == SSM_ERR_IO) {
            char why[sizeof err->message];
            memcpy(why, err->message, sizeof why);
            ssm_error_set(err, SSM_ERR_IO,
                          "%s (the denoiser's own model; SSM_DENOISE_MODEL names another file, "
                          "SSM_PRESETS_PATH other folders; `meson devenv` sets it for a build "
                          "tree)",
                          why);
        }
        free(d);
        return NULL;
    }
    d->nc = d->run.n_channels;
    d->vad_out = ssm_netrun_meter_index(&d->run, "vad");
    d->in_at = calloc(d->nc, sizeof *d->in_at);
    d->out_at = calloc(d->nc, sizeof *d->out_at);
    d->idle = 1;
    if (!d->in_at || !d->out_at) {
        ssm_netrun_free(&d->run);
        free(d->in_at);
        free(d->out_at);
        free(d);
        ssm_error_set(err, SSM_ERR_NOMEM, "out of memory creating denoise");
        return NULL;
    }
    return d;
}

static ssm_status denoise_activate(void *self, double sr, uint32_t max_block, uint32_t n_channels,
                                   ssm_error *err)
{
    denoise *d = self;
    ssm_status st = ssm_netrun_activate(&d->run, sr, max_block, err);
    if (st != SSM_OK)
        return st;
    free(d->dry);
    free(d->line);
    d->max_block = max_block;
    d->delay = ssm_netrun_latency(&d->run);
    d->dry = calloc((size_t)d->nc * max_block, sizeof *d->dry);
    d->line = calloc((size_t)d->nc * (d->delay ? d->delay : 1), sizeof *d->line);
    if (!d->dry || !d->line) {
        ssm_error_set(err, SSM_ERR_NOMEM, "out of memory activating denoise");
        return SSM_ERR_NOMEM;
    }
    d->dpos = 0;
    d->coeff = (float)(1.0 - exp(-1.0 / (0.010 * sr)));
    d->meter_coeff = (float)(1.0 - exp(-(double)max_block / (0.100 * sr)));
    for (int i = 0; i < 3; i++)
        d->current[i] = d->target[i];
    d->idle = 1;
    return SSM_OK;
}

static void denoise_destroy(void *self)
{
    denoise *d = self;
    ssm_netrun_free(&d->run);
    free(d->dry);
    free(d->line);
    free(d->in_at);
    free(d->out_at);
    free(d);
}

static void denoise_set_mode(void *self, ssm_mode mode)
{
    ssm_netrun_set_mode(&((denoise *)self)->run, mode);
}

static void denoise_set_param(void *self, uint32_t index, float value)
{
    denoise *d = self;
    if (index == P_LIMIT) /* 100 dB reads as "no limit": a floor of -100 dB */
        d->target[0] = powf(10.0f, -value / 20.0f);
    else if (index == P_MIX)
        d->target[1] = value / 100.0f;
    else if (index == P_BYPASS)
        d->target[2] = value >= 0.5f ? 1.0f : 0.0f;
}

static float denoise_get_param(const void *self, uint32_t index)
{
    const denoise *d = self;
    switch (index) {
    case P_LIMIT:
        return -20.0f * log10f(d->target[0]);
    case P_MIX:
        return d->target[1] * 100.0f;
    case P_BYPASS:
        return d->target[2];
    case P_GR:
        return d->gr;
    default:
        return d->vad;
    }
}

/* The block with fixed controls (every smoother at its target): the same
 * arithmetic as the per-sample loop below with the controls constant, in
 * passes that vectorise (the delay in place, then the mix, then the
 * energies over 4 partial sums). */
static void mix_fixed(denoise *d, float *const *out, uint32_t n, double *e_in, double *e_out)
{
    const float c0 = d->current[0], c1 = d->current[1], c2 = d->current[2];
    uint32_t pos = d->dpos;
    for (uint32_t c = 0; c < d->nc; c++) {
        float *x = d->dry + (size_t)c * d->max_block;
        float *line = d->line + (size_t)c * d->delay;
        float *y = out[c];
        pos = d->dpos;
        if (d->delay)
            for (uint32_t i = 0; i < n; i++) {
                const float xi = x[i];
                x[i] = line[pos];
                line[pos] = xi;
                pos = pos + 1 == d->delay ? 0 : pos + 1;
            }
        for (uint32_t i = 0; i < n; i++) {
            const float dry = x[i];
            float wet = c0 * dry + (1.0f - c0) * y[i];
            wet = c1 * wet + (1.0f - c1) * dry;
            y[i] = c2 * dry + (1.0f - c2) * wet;
        }
        double pi[4] = {0}, po[4] = {0};
        uint32_t i = 0;
        for (; i + 4 <= n; i += 4)
            for (int k = 0; k < 4; k++) {
                pi[k] += (double)x[i + k] * x[i + k];
                po[k] += (double)y[i + k] * y[i + k];
            }
        for (; i < n; i++) {
            pi[0] += (double)x[i] * x[i];
            po[0] += (double)y[i] * y[i];
        }
        *e_in += (pi[0] + pi[1]) + (pi[2] + pi[3]);
        *e_out += (po[0] + po[1]) + (po[2] + po[3]);
    }
    d->dpos = pos;
}

/* Until the first sound: silence out, nothing run, the controls at their
 * targets (no glide is heard over silence). Returns the frame the block's
 * sound starts at, n when it has none. */
static uint32_t wait_for_sound(denoise *d, const float *const *in, float *const *out, uint32_t n)
{
    uint32_t start = n;
    for (uint32_t c = 0; c < d->nc; c++)
        for (uint32_t i = 0; i < start; i++)
            if (in[c][i] != 0.0f) {
                start = i;
                break;
            }
    for (uint32_t c = 0; c < d->nc; c++)
        memset(out[c], 0, start * sizeof(float));
    memcpy(d->current, d->target, sizeof d->current);
    d->idle = start == n;
    return start;
}

static void denoise_process(void *self, const float *const *in, float *const *out, uint32_t n)
{
    denoise *d = self;
    if (d->idle) {
        const uint32_t start = wait_for_sound(d, in, out, n);
        if (start == n)
            return;
        for (uint32_t c = 0; c < d->nc; c++) {
            d->in_at[c] = in[c] + start;
            d->out_at[c] = out[c] + start;
        }
        in = d->in_at;
        out = d->out_at;
        n -= start;
    }
    for (uint32_t c = 0; c < d->nc; c++)
        memcpy(d->dry + (size_t)c * d->max_block, in[c], n * sizeof(float));
    ssm_netrun_process(&d->run, in, out, n);
    double e_in = 1e-12, e_out = 1e-12;
    /* A control within 1e-6 of its target has arrived (the one-pole
     * smoother would otherwise creep towards it in ever smaller steps). */
    int fixed = 1;
    for (int k = 0; k < 3; k++) {
        if (fabsf(d->target[k] - d->current[k]) <= 1e-6f * fmaxf(1.0f, fabsf(d->target[k])))
            d->current[k] = d->target[k];
        fixed &= d->current[k] == d->target[k];
    }
    if (fixed) {
        mix_fixed(d, out, n, &e_in, &e_out);
    } else {
        float cur[3] = {0};
        uint32_t pos = d->dpos;
        for (uint32_t c = 0; c < d->nc; c++) {
            const float *x = d->dry + (size_t)c * d->max_block;
            float *line = d->line + (size_t)c * d->delay;
            float *y = out[c];
            memcpy(cur, d->current, sizeof cur);
            pos = d->dpos;
            for (uint32_t i = 0; i < n; i++) {
                for (int k = 0; k < 3; k++)
                    cur[k] += d->coeff * (d->target[k] - cur[k]);
                float dry = x[i];
                if (d->delay) {
                    dry = line[pos];
                    line[pos] = x[i];
                    pos = pos + 1 == d->delay ? 0 : pos + 1;
                }
                float wet = cur[0] * dry + (1.0f - cur[0]) * y[i];
                wet = cur[1] * wet + (1.0f - cur[1]) * dry;
                y[i] = cur[2] * dry + (1.0f - cur[2]) * wet;
                e_in += (double)dry * dry;
                e_out += (double)y[i] * y[i];
            }
        }
        d->dpos = pos;
        memcpy(d->current, cur, sizeof cur);
    }
    float gr = (float)(10.0 * log10(e_in / e_out));
    gr = gr < 0.0f ? 0.0f : gr > 100.0f ? 100.0f : gr;
    d->gr += d->meter_coeff * (gr - d->gr);
    d->vad = ssm_netrun_meter(&d->run, d->vad_out);
}

static uint32_t denoise_latency(const void *self)
{
    return ssm_netrun_latency(&((const denoise *)self)->run);
}

static void denoise_reset(void *self)
{
    denoise *d = self;
    ssm_netrun_reset(&d->run);
    memset(d->line, 0, (size_t)d->nc * (d->delay ? d->delay : 1) * sizeof *d->line);
    d->dpos = 0;
    memcpy(d->current, d->target, sizeof d->current);
    d->gr = d->vad = 0.0f;
    d->idle = 1;
}

const ssm_processor_vtable ssm_proc_denoise = {
    .type = "denoise",
    .params = params,
    .n_params = N_PARAMS,
    .create = denoise_create,
    .activate = denoise_activate,
    .destroy = denoise_destroy,
    .set_mode = denoise_set_mode,
    .set_param = denoise_set_param,
    .get_param = denoise_get_param,
    .process = denoise_process,
    .latency = denoise_latency,
    .reset = denoise_reset,
};
