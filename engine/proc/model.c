/* "model": any graph model file (engine/net/graph.c) as a processor, with
 * input and output trims. A mono graph runs once per channel; another host
 * rate re-discretises the graph, or runs it through the rate bridge when a
 * layer is rate-bound (engine/net/netrun.c). */
#include <math.h>
#include <stdlib.h>

#include "net/netrun.h"
#include "core/processor_impl.h"

enum { P_IN_GAIN, P_OUT_GAIN };

static const ssm_param_info params[] = {
    [P_IN_GAIN] = {"in_gain", "Input gain", "dB", -24.0f, 24.0f, 0.0f, SSM_PARAM_INPUT},
    [P_OUT_GAIN] = {"out_gain", "Output gain", "dB", -24.0f, 24.0f, 0.0f, SSM_PARAM_INPUT},
};

typedef struct {
    ssm_netrun run;
    float target[2], current[2]; /* linear gains */
    float coeff;                 /* one-pole smoothing per sample, about 10 ms */
} model_proc;

static void *model_create(const ssm_processor_desc *desc, ssm_error *err)
{
    if (!desc->model_path) {
        ssm_error_set(err, SSM_ERR_INVALID, "processor \"model\" needs a model file (model_path)");
        return NULL;
    }
    model_proc *m = calloc(1, sizeof *m);
    if (!m) {
        ssm_error_set(err, SSM_ERR_NOMEM, "out of memory creating model processor");
        return NULL;
    }
    if (ssm_netrun_init(&m->run, desc->model_path, desc->n_channels, err) != SSM_OK) {
        free(m);
        return NULL;
    }
    m->target[0] = m->target[1] = m->current[0] = m->current[1] = 1.0f;
    return m;
}

static ssm_status model_activate(void *self, double sr, uint32_t max_block, uint32_t n_channels,
                                 ssm_error *err)
{
    model_proc *m = self;
    m->coeff = (float)(1.0 - exp(-1.0 / (0.010 * sr)));
    return ssm_netrun_activate(&m->run, sr, max_block, err);
}

static void model_destroy(void *self)
{
    model_proc *m = self;
    ssm_netrun_free(&m->run);
    free(m);
}

static void model_set_mode(void *self, ssm_mode mode)
{
    ssm_netrun_set_mode(&((model_proc *)self)->run, mode);
}

static void model_set_param(void *self, uint32_t index, float value)
{
    ((model_proc *)self)->target[index] = powf(10.0f, value / 20.0f);
}

/* Each channel replays the same gain ramp from the block's start value. */
static float ramp(float *x, uint32_t n, float cur, float target, float coeff)
{
    for (uint32_t i = 0; i < n; i++) {
        cur += coeff * (target - cur);
        x[i] *= cur;
    }
    return cur;
}

static void model_process(void *self, const float *const *in, float *const *out, uint32_t n)
{
    model_proc *m = self;
    const uint32_t nc = m->run.n_channels;
    float end = m->current[0];
    for (uint32_t c = 0; c < nc; c++) {
        if (out[c] != in[c])
            for (uint32_t i = 0; i < n; i++)
                out[c][i] = in[c][i];
        end = ramp(out[c], n, m->current[0], m->target[0], m->coeff);
    }
    m->current[0] = end;
    ssm_netrun_process(&m->run, (const float *const *)out, out, n);
    end = m->current[1];
    for (uint32_t c = 0; c < nc; c++)
        end = ramp(out[c], n, m->current[1], m->target[1], m->coeff);
    m->current[1] = end;
}

static uint32_t model_latency(const void *self)
{
    return ssm_netrun_latency(&((const model_proc *)self)->run);
}

static void model_reset(void *self)
{
    model_proc *m = self;
    ssm_netrun_reset(&m->run);
    m->current[0] = m->target[0];
    m->current[1] = m->target[1];
}

const ssm_processor_vtable ssm_proc_model = {
    .type = "model",
    .params = params,
    .n_params = sizeof params / sizeof params[0],
    .create = model_create,
    .activate = model_activate,
    .destroy = model_destroy,
    .set_mode = model_set_mode,
    .set_param = model_set_param,
    .process = model_process,
    .latency = model_latency,
    .reset = model_reset,
};
