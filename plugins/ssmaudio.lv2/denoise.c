/* ssm-denoise: the speech denoiser (the engine's "denoise" processor, a
 * network read from denoise.safetensors inside this bundle), in a mono
 * and a stereo-linked variant.
 *
 * The "Enabled" port carries lv2:designation lv2:enabled, so a host's own
 * bypass button drives the processor's click-free bypass cross-fade
 * instead of cutting the plugin out. Gain reduction and voice activity
 * come back on output control ports; the processor's look-ahead is
 * reported on the lv2:latency port.
 *
 * If the model cannot be loaded the plugin still instantiates (a session
 * should open even if a file went missing), logs why, and passes audio
 * through unchanged with zero latency. */
#include <stdio.h>
#include <stdlib.h>

#include "ssm_lv2.h"

#define DENOISE_URI        SSM_LV2_URI "denoise"
#define DENOISE_STEREO_URI SSM_LV2_URI "denoise-stereo"
#define MODEL_FILE         "denoise.safetensors"

/* Ports after the audio ones, in this order for both variants. */
enum { CTL_LIMIT, CTL_MIX, CTL_ENABLED, CTL_GR, CTL_VAD, CTL_LATENCY, CTL_FREEWHEEL, N_CTL };

static const char *const symbols[] = {"limit", "mix"};

typedef struct {
    ssm_lv2_host host;
    ssm_processor *proc; /* NULL: no model, pass-through */
    uint32_t n_channels;
    ssm_lv2_controls controls;
    int32_t bypass_param, gr_param, vad_param;
    float last_enabled;
    int fresh;
    const float *in[2];
    float *out[2];
    const float *enabled, *freewheel;
    float *gr, *vad, *latency;
} denoise;

static LV2_Handle instantiate_n(double rate, const char *bundle, const LV2_Feature *const *features,
                                uint32_t n_channels)
{
    denoise *self = calloc(1, sizeof *self);
    if (!self)
        return NULL;
    if (ssm_lv2_host_init(&self->host, rate, bundle, features)) {
        free(self);
        return NULL;
    }
    self->n_channels = n_channels;
    char path[4096];
    snprintf(path, sizeof path, "%s%s%s", bundle ? bundle : "",
             bundle && *bundle && bundle[strlen(bundle) - 1] != '/' ? "/" : "", MODEL_FILE);
    self->proc = ssm_lv2_processor_new(&self->host, "denoise", path, n_channels);
    if (!self->proc)
        lv2_log_warning(&self->host.logger, "ssm-denoise: passing audio through unchanged\n");
    ssm_lv2_controls_bind(&self->controls, self->proc, symbols, 2);
    self->bypass_param = self->proc ? ssm_processor_param_index(self->proc, "bypass") : -1;
    self->gr_param = self->proc ? ssm_processor_param_index(self->proc, "gr") : -1;
    self->vad_param = self->proc ? ssm_processor_param_index(self->proc, "vad") : -1;
    self->last_enabled = NAN;
    return self;
}

static LV2_Handle instantiate_mono(const LV2_Descriptor *d, double rate, const char *bundle,
                                   const LV2_Feature *const *features)
{
    return instantiate_n(rate, bundle, features, 1);
}

static LV2_Handle instantiate_stereo(const LV2_Descriptor *d, double rate, const char *bundle,
                                     const LV2_Feature *const *features)
{
    return instantiate_n(rate, bundle, features, 2);
}

static void connect_port(LV2_Handle instance, uint32_t port, void *data)
{
    denoise *self = instance;
    const uint32_t nc = self->n_channels;
    if (port < nc) {
        self->in[port] = data;
        return;
    }
    if (port < 2 * nc) {
        self->out[port - nc] = data;
        return;
    }
    switch (port - 2 * nc) {
    case CTL_LIMIT:
    case CTL_MIX:
        self->controls.port[port - 2 * nc] = data;
        break;
    case CTL_ENABLED:
        self->enabled = data;
        break;
    case CTL_GR:
        self->gr = data;
        break;
    case CTL_VAD:
        self->vad = data;
        break;
    case CTL_LATENCY:
        self->latency = data;
        break;
    case CTL_FREEWHEEL:
        self->freewheel = data;
        break;
    default:
        break;
    }
}

static void activate(LV2_Handle instance)
{
    denoise *self = instance;
    if (self->proc)
        ssm_processor_reset(self->proc);
    self->fresh = 1;
}

static void run(LV2_Handle instance, uint32_t n_samples)
{
    denoise *self = instance;
    float gr = 0.0f, vad = 0.0f, latency = 0.0f;
    if (self->proc) {
        ssm_lv2_controls_apply(&self->controls, self->proc, 0);
        ssm_lv2_follow_freewheel(self->proc, self->freewheel);
        const float enabled = self->enabled ? *self->enabled : 1.0f;
        if (enabled != self->last_enabled && self->bypass_param >= 0) {
            self->last_enabled = enabled;
            ssm_processor_set_param(self->proc, (uint32_t)self->bypass_param,
                                    enabled > 0.5f ? 0.0f : 1.0f);
        }
        ssm_lv2_settle(self->proc, &self->fresh);
        ssm_processor_process(self->proc, self->in, self->out, n_samples);
        if (self->gr_param >= 0)
            gr = ssm_processor_get_param(self->proc, (uint32_t)self->gr_param);
        if (self->vad_param >= 0)
            vad = ssm_processor_get_param(self->proc, (uint32_t)self->vad_param);
        latency = (float)ssm_processor_latency(self->proc);
    } else {
        for (uint32_t c = 0; c < self->n_channels; c++)
            ssm_lv2_copy(self->in[c], self->out[c], n_samples);
    }
    if (self->gr)
        *self->gr = gr;
    if (self->vad)
        *self->vad = vad;
    if (self->latency)
        *self->latency = latency;
}

static void cleanup(LV2_Handle instance)
{
    denoise *self = instance;
    ssm_processor_destroy(self->proc);
    free(self);
}

static const LV2_Descriptor descriptors[] = {
    {DENOISE_URI, instantiate_mono, connect_port, activate, run, NULL, cleanup, NULL},
    {DENOISE_STEREO_URI, instantiate_stereo, connect_port, activate, run, NULL, cleanup, NULL},
};

LV2_SYMBOL_EXPORT const LV2_Descriptor *lv2_descriptor(uint32_t index)
{
    return index < sizeof descriptors / sizeof descriptors[0] ? &descriptors[index] : NULL;
}
