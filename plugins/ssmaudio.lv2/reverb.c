/* ssm-reverb: the engine's "reverb" processor (a modal reverb of 2 x 1024
 * slowly decaying complex modes) as a stereo LV2 plugin.
 *
 * Live it runs the modes' recurrence, zero latency; when the host
 * freewheels (exporting a session) it switches the processor to the exact
 * chunked FFT form, which gives the same samples. */
#include <stdlib.h>

#include "ssm_lv2.h"

#define REVERB_URI SSM_LV2_URI "reverb"

typedef enum {
    PORT_IN_L = 0,
    PORT_IN_R = 1,
    PORT_OUT_L = 2,
    PORT_OUT_R = 3,
    PORT_DECAY = 4, /* first control; the controls follow in `symbols` order */
    PORT_FREEWHEEL = 9,
} port_index;

static const char *const symbols[] = {"decay", "size", "damping", "predelay", "mix"};
#define N_CONTROLS (sizeof symbols / sizeof symbols[0])

typedef struct {
    ssm_lv2_host host;
    ssm_processor *proc;
    ssm_lv2_controls controls;
    const float *in[2];
    float *out[2];
    const float *freewheel;
    int fresh;
} reverb;

static LV2_Handle instantiate(const LV2_Descriptor *descriptor, double rate, const char *bundle,
                              const LV2_Feature *const *features)
{
    reverb *self = calloc(1, sizeof *self);
    if (!self)
        return NULL;
    if (ssm_lv2_host_init(&self->host, rate, bundle, features) ||
        !(self->proc = ssm_lv2_processor_new(&self->host, "reverb", NULL, 2))) {
        free(self);
        return NULL;
    }
    ssm_lv2_controls_bind(&self->controls, self->proc, symbols, N_CONTROLS);
    return self;
}

static void connect_port(LV2_Handle instance, uint32_t port, void *data)
{
    reverb *self = instance;
    switch (port) {
    case PORT_IN_L:
    case PORT_IN_R:
        self->in[port - PORT_IN_L] = data;
        break;
    case PORT_OUT_L:
    case PORT_OUT_R:
        self->out[port - PORT_OUT_L] = data;
        break;
    case PORT_FREEWHEEL:
        self->freewheel = data;
        break;
    default:
        if (port >= PORT_DECAY && port < PORT_DECAY + N_CONTROLS)
            self->controls.port[port - PORT_DECAY] = data;
        break;
    }
}

static void activate(LV2_Handle instance)
{
    reverb *self = instance;
    ssm_processor_reset(self->proc);
    self->fresh = 1;
}

static void run(LV2_Handle instance, uint32_t n_samples)
{
    reverb *self = instance;
    ssm_lv2_controls_apply(&self->controls, self->proc, 0);
    ssm_lv2_settle(self->proc, &self->fresh);
    ssm_lv2_follow_freewheel(self->proc, self->freewheel);
    ssm_processor_process(self->proc, self->in, self->out, n_samples);
}

static void cleanup(LV2_Handle instance)
{
    reverb *self = instance;
    ssm_processor_destroy(self->proc);
    free(self);
}

static const LV2_Descriptor descriptor = {
    REVERB_URI, instantiate, connect_port, activate, run, NULL, cleanup, NULL,
};

LV2_SYMBOL_EXPORT const LV2_Descriptor *lv2_descriptor(uint32_t index)
{
    return index == 0 ? &descriptor : NULL;
}
