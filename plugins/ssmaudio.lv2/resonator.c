/* ssm-resonator: a modal resonator bank (the engine's "resonator"
 * processor, a diagonal SSM of 64 complex modes) as an LV2 plugin.
 *
 * The plugin is a thin wrapper: it binds its control ports to the
 * processor's parameters by symbol and runs it. All smoothing, pole
 * derivation and stability live in engine/proc/resonator.c. */
#include <stdlib.h>

#include "ssm_lv2.h"

#define RESONATOR_URI SSM_LV2_URI "resonator"

typedef enum {
    PORT_IN = 0,
    PORT_OUT = 1,
    PORT_SHAPE = 2, /* first control; the controls follow in `symbols` order */
    PORT_FREEWHEEL = 11,
} port_index;

static const char *const symbols[] = {"shape",      "pitch", "inharm", "decay", "damping",
                                      "brightness", "modes", "mix",    "level"};
#define N_CONTROLS (sizeof symbols / sizeof symbols[0])

typedef struct {
    ssm_lv2_host host;
    ssm_processor *proc;
    ssm_lv2_controls controls;
    const float *in;
    float *out;
    const float *freewheel;
    int fresh;
} resonator;

static LV2_Handle instantiate(const LV2_Descriptor *descriptor, double rate, const char *bundle,
                              const LV2_Feature *const *features)
{
    resonator *self = calloc(1, sizeof *self);
    if (!self)
        return NULL;
    if (ssm_lv2_host_init(&self->host, rate, bundle, features) ||
        !(self->proc = ssm_lv2_processor_new(&self->host, "resonator", NULL, 1))) {
        free(self);
        return NULL;
    }
    ssm_lv2_controls_bind(&self->controls, self->proc, symbols, N_CONTROLS);
    return self;
}

static void connect_port(LV2_Handle instance, uint32_t port, void *data)
{
    resonator *self = instance;
    if (port == PORT_IN)
        self->in = data;
    else if (port == PORT_OUT)
        self->out = data;
    else if (port == PORT_FREEWHEEL)
        self->freewheel = data;
    else if (port >= PORT_SHAPE && port < PORT_SHAPE + N_CONTROLS)
        self->controls.port[port - PORT_SHAPE] = data;
}

/* activate() follows instantiate() or a deactivate(): start from silence. */
static void activate(LV2_Handle instance)
{
    resonator *self = instance;
    ssm_processor_reset(self->proc);
    self->fresh = 1;
}

static void run(LV2_Handle instance, uint32_t n_samples)
{
    resonator *self = instance;
    ssm_lv2_controls_apply(&self->controls, self->proc, 0);
    ssm_lv2_settle(self->proc, &self->fresh);
    ssm_lv2_follow_freewheel(self->proc, self->freewheel);
    const float *in[1] = {self->in};
    float *out[1] = {self->out};
    ssm_processor_process(self->proc, in, out, n_samples);
}

static void cleanup(LV2_Handle instance)
{
    resonator *self = instance;
    ssm_processor_destroy(self->proc);
    free(self);
}

static const LV2_Descriptor descriptor = {
    RESONATOR_URI, instantiate, connect_port, activate, run, NULL, cleanup, NULL,
};

LV2_SYMBOL_EXPORT const LV2_Descriptor *lv2_descriptor(uint32_t index)
{
    return index == 0 ? &descriptor : NULL;
}
