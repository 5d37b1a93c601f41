/* The processor API: a thin dispatcher over the built-in types' vtables,
 * which owns parameter clamping, denormal flushing and the input guard
 * (non-finite and absurd samples run as silence) for every type. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "core/processor_impl.h"

static const ssm_processor_vtable *const registry[] = {
    &ssm_proc_gain, &ssm_proc_resonator, &ssm_proc_reverb, &ssm_proc_model, &ssm_proc_denoise,
};
#define N_TYPES (sizeof registry / sizeof registry[0])

static const char *type_names[N_TYPES + 1];

struct ssm_processor {
    const ssm_processor_vtable *vt;
    void *self;
    uint32_t n_channels;
    uint32_t max_block;
    int activated;
    ssm_mode mode;
    float *values; /* last value per parameter, for get_param fallback */
    /* Per-channel pointers process() moves along a split block; sized at
     * create for every channel. */
    const float **in_at;
    float **out_at;
    float *clean;      /* [n_channels][max_block]: a guarded copy of bad input */
    uint64_t rejected; /* input samples run as silence; written by process() */
};

const char *const *ssm_processor_types(void)
{
    for (size_t i = 0; i < N_TYPES; i++)
        type_names[i] = registry[i]->type;
    type_names[N_TYPES] = NULL;
    return type_names;
}

ssm_processor *ssm_processor_create(const ssm_processor_desc *desc, ssm_error *err)
{
    if (!desc || !desc->type) {
        ssm_error_set(err, SSM_ERR_INVALID, "processor description has no type");
        return NULL;
    }
    const ssm_processor_vtable *vt = NULL;
    for (size_t i = 0; i < N_TYPES; i++)
        if (strcmp(registry[i]->type, desc->type) == 0)
            vt = registry[i];
    if (!vt) {
        ssm_error_set(err, SSM_ERR_INVALID, "unknown processor type \"%s\"", desc->type);
        return NULL;
    }
    ssm_processor *p = calloc(1, sizeof *p);
    if (!p)
        goto nomem;
    p->vt = vt;
    p->n_channels = desc->n_channels ? desc->n_channels : 1;
    p->values = calloc(vt->n_params ? vt->n_params : 1, sizeof *p->values);
    p->in_at = calloc(p->n_channels, sizeof *p->in_at);
    p->out_at = calloc(p->n_channels, sizeof *p->out_at);
    if (!p->values || !p->in_at || !p->out_at)
        goto nomem;
    p->self = vt->create(desc, err);
    if (!p->self) {
        ssm_processor_destroy(p);
        return NULL;
    }
    for (uint32_t i = 0; i < vt->n_params; i++)
        ssm_processor_set_param(p, i, vt->params[i].def);
    return p;
nomem:
    ssm_processor_destroy(p);
    ssm_error_set(err, SSM_ERR_NOMEM, "out of memory creating processor \"%s\"", desc->type);
    return NULL;
}

ssm_status ssm_processor_activate(ssm_processor *p, double sample_rate, uint32_t max_block,
                                  ssm_error *err)
{
    if (!(sample_rate >= 8000.0 && sample_rate <= 768000.0)) {
        ssm_error_set(err, SSM_ERR_INVALID, "sample rate %g Hz is outside 8000..768000",
                      sample_rate);
        return SSM_ERR_INVALID;
    }
    if (max_block == 0) {
        ssm_error_set(err, SSM_ERR_INVALID, "maximum block length must be at least 1");
        return SSM_ERR_INVALID;
    }
    /* A failed activate leaves the type's buffers unknown: silence until
     * one succeeds. */
    p->activated = 0;
    ssm_status s = p->vt->activate(p->self, sample_rate, max_block, p->n_channels, err);
    if (s != SSM_OK)
        return s;
    float *clean = calloc((size_t)p->n_channels * max_block, sizeof *clean);
    if (!clean) {
        ssm_error_set(err, SSM_ERR_NOMEM, "out of memory activating processor \"%s\"", p->vt->type);
        return SSM_ERR_NOMEM;
    }
    free(p->clean);
    p->clean = clean;
    p->max_block = max_block;
    p->activated = 1;
    p->vt->set_mode(p->self, p->mode);
    for (uint32_t i = 0; i < p->vt->n_params; i++)
        if (p->vt->params[i].dir == SSM_PARAM_INPUT)
            p->vt->set_param(p->self, i, p->values[i]);
    return SSM_OK;
}

void ssm_processor_set_mode(ssm_processor *p, ssm_mode mode)
{
    p->mode = mode;
    p->vt->set_mode(p->self, mode);
}

ssm_mode ssm_processor_mode(const ssm_processor *p)
{
    return p->mode;
}

/* The block as the processor may see it: x itself when every sample is
 * audio (one branch-free pass, the usual case), else a copy in which
 * NaN, infinities and samples beyond SSM_INPUT_LIMIT are 0. */
static const float *guard(ssm_processor *p, uint32_t c, const float *x, uint32_t n)
{
    int bad = 0;
    for (uint32_t i = 0; i < n; i++)
        bad |= !(fabsf(x[i]) <= SSM_INPUT_LIMIT); /* NaN fails the test */
    if (!bad)
        return x;
    float *y = p->clean + (size_t)c * p->max_block;
    uint64_t count = 0;
    for (uint32_t i = 0; i < n; i++) {
        const int ok = fabsf(x[i]) <= SSM_INPUT_LIMIT;
        y[i] = ok ? x[i] : 0.0f;
        count += !ok;
    }
    __atomic_store_n(&p->rejected, __atomic_load_n(&p->rejected, __ATOMIC_RELAXED) + count,
                     __ATOMIC_RELAXED);
    return y;
}

uint64_t ssm_processor_rejected(const ssm_processor *p)
{
    return __atomic_load_n(&p->rejected, __ATOMIC_RELAXED);
}

void ssm_processor_process(ssm_processor *p, const float *const *in, float *const *out,
                           uint32_t n_frames)
{
    if (!p->activated) {
        /* Nothing is sized yet: silence, as a bypassed processor. */
        for (uint32_t c = 0; c < p->n_channels; c++)
            memset(out[c], 0, n_frames * sizeof(float));
        return;
    }
    uint32_t saved = ssm_denormals_disable();
    /* Hosts may hand us more than they promised; split instead of overrunning
     * buffers sized at activation. */
    uint32_t done = 0;
    while (done < n_frames) {
        uint32_t n = n_frames - done;
        if (n > p->max_block)
            n = p->max_block;
        for (uint32_t c = 0; c < p->n_channels; c++) {
            p->in_at[c] = guard(p, c, in[c] + done, n);
            p->out_at[c] = out[c] + done;
        }
        p->vt->process(p->self, p->in_at, p->out_at, n);
        done += n;
    }
    ssm_denormals_restore(saved);
}

uint32_t ssm_processor_latency(const ssm_processor *p)
{
    return p->vt->latency ? p->vt->latency(p->self) : 0;
}

void ssm_processor_reset(ssm_processor *p)
{
    p->vt->reset(p->self);
}

void ssm_processor_destroy(ssm_processor *p)
{
    if (!p)
        return;
    if (p->self)
        p->vt->destroy(p->self);
    free(p->values);
    free(p->in_at);
    free(p->out_at);
    free(p->clean);
    free(p);
}

uint32_t ssm_processor_n_channels(const ssm_processor *p)
{
    return p->n_channels;
}

uint32_t ssm_processor_n_params(const ssm_processor *p)
{
    return p->vt->n_params;
}

const ssm_param_info *ssm_processor_param_info(const ssm_processor *p, uint32_t index)
{
    return index < p->vt->n_params ? &p->vt->params[index] : NULL;
}

int32_t ssm_processor_param_index(const ssm_processor *p, const char *symbol)
{
    for (uint32_t i = 0; i < p->vt->n_params; i++)
        if (strcmp(p->vt->params[i].symbol, symbol) == 0)
            return (int32_t)i;
    return -1;
}

void ssm_processor_set_param(ssm_processor *p, uint32_t index, float value)
{
    if (index >= p->vt->n_params)
        return;
    const ssm_param_info *info = &p->vt->params[index];
    if (!(value == value)) /* NaN from a host: keep the old value */
        return;
    if (value < info->min)
        value = info->min;
    if (value > info->max)
        value = info->max;
    p->values[index] = value;
    if (info->dir == SSM_PARAM_INPUT)
        p->vt->set_param(p->self, index, value);
}

float ssm_processor_get_param(const ssm_processor *p, uint32_t index)
{
    if (index >= p->vt->n_params)
        return 0.0f;
    if (p->vt->get_param)
        return p->vt->get_param(p->self, index);
    return p->values[index];
}
