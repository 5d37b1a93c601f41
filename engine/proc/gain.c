/* "gain": a smoothed gain stage. The simplest complete processor: the
 * reference for the API's contract, and the trivial load that the engine
 * and LV2-host overhead benchmarks measure around. */
#include <math.h>
#include <stdlib.h>

#include "core/processor_impl.h"

enum { P_GAIN_DB };

static const ssm_param_info params[] = {
    [P_GAIN_DB] = {"gain", "Gain", "dB", -60.0f, 24.0f, 0.0f, SSM_PARAM_INPUT},
};

typedef struct {
    uint32_t n_channels;
    float target; /* linear */
    float current;
    float coeff; /* one-pole smoothing per sample, about 10 ms */
} gain;

static void *gain_create(const ssm_processor_desc *desc, ssm_error *err)
{
    gain *g = calloc(1, sizeof *g);
    if (!g) {
        ssm_error_set(err, SSM_ERR_NOMEM, "out of memory creating gain");
        return NULL;
    }
    g->current = g->target = 1.0f;
    return g;
}

static ssm_status gain_activate(void *self, double sr, uint32_t max_block, uint32_t n_channels,
                                ssm_error *err)
{
    gain *g = self;
    g->n_channels = n_channels;
    g->coeff = (float)(1.0 - exp(-1.0 / (0.010 * sr)));
    g->current = g->target;
    return SSM_OK;
}

static void gain_destroy(void *self)
{
    free(self);
}

static void gain_set_mode(void *self, ssm_mode mode) {}

static void gain_set_param(void *self, uint32_t index, float value)
{
    ((gain *)self)->target = powf(10.0f, value / 20.0f);
}

static void gain_reset(void *self)
{
    gain *g = self;
    g->current = g->target;
}

static void gain_process(void *self, const float *const *in, float *const *out, uint32_t n)
{
    gain *g = self;
    /* Every channel replays the same ramp from the block's start value. */
    float cur = g->current;
    for (uint32_t c = 0; c < g->n_channels; c++) {
        cur = g->current;
        for (uint32_t i = 0; i < n; i++) {
            cur += g->coeff * (g->target - cur);
            out[c][i] = in[c][i] * cur;
        }
    }
    g->current = cur;
}

const ssm_processor_vtable ssm_proc_gain = {
    .type = "gain",
    .params = params,
    .n_params = sizeof params / sizeof params[0],
    .create = gain_create,
    .activate = gain_activate,
    .destroy = gain_destroy,
    .set_mode = gain_set_mode,
    .set_param = gain_set_param,
    .process = gain_process,
    .reset = gain_reset,
};
