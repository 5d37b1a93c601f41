/* What every ssmaudio plugin does the same way: learn the host's sample
 * rate and block lengths from the options feature, map its control ports
 * onto an engine processor's parameters, follow lv2:freeWheeling by
 * switching the processor to its offline form.
 *
 * Header-only (static functions) so each plugin module stays one
 * self-contained .so whose only exported symbol is lv2_descriptor. */
#ifndef SSM_LV2_H
#define SSM_LV2_H

#include <math.h>
#include <stdint.h>
#include <string.h>

#include <lv2/buf-size/buf-size.h>
#include <lv2/core/lv2.h>
#include <lv2/log/log.h>
#include <lv2/log/logger.h>
#include <lv2/options/options.h>
#include <lv2/parameters/parameters.h>
#include <lv2/urid/urid.h>

#include "ssm/ssmaudio.h"

#define SSM_LV2_URI "http://ssmaudio.org/plugins/"

/* Without the options feature a host gives no bound on run()'s length;
 * the processor then splits longer runs into pieces of this size. */
#define SSM_LV2_DEFAULT_BLOCK 4096u
#define SSM_LV2_MAX_CONTROLS  16

typedef struct {
    LV2_URID_Map *map; /* may be NULL: the plugins that need it check */
    LV2_Log_Logger logger;
    double rate;
    uint32_t max_block;
    uint32_t nominal_block;
    const char *bundle;
} ssm_lv2_host;

static inline uint32_t ssm_lv2_option_int(const LV2_Options_Option *o, LV2_URID int_type)
{
    if (o->type == int_type && o->size == sizeof(int32_t)) {
        const int32_t v = *(const int32_t *)o->value;
        return v > 0 ? (uint32_t)v : 0;
    }
    return 0;
}

/* A feature's data, or NULL. Unlike lv2_features_data() it tolerates
 * entries with a NULL URI, which at least one real host (lv2file) passes. */
static inline void *ssm_lv2_feature(const LV2_Feature *const *features, const char *uri)
{
    for (const LV2_Feature *const *f = features; f && *f; f++)
        if ((*f)->URI && !strcmp((*f)->URI, uri))
            return (*f)->data;
    return NULL;
}

/* Read the features every plugin uses. Returns 0 on success. */
static inline int ssm_lv2_host_init(ssm_lv2_host *h, double rate, const char *bundle,
                                    const LV2_Feature *const *features)
{
    memset(h, 0, sizeof *h);
    const LV2_Options_Option *options = ssm_lv2_feature(features, LV2_OPTIONS__options);
    LV2_Log_Log *log = ssm_lv2_feature(features, LV2_LOG__log);
    h->map = ssm_lv2_feature(features, LV2_URID__map);
    lv2_log_logger_init(&h->logger, h->map, log);
    h->rate = rate;
    h->bundle = bundle;
    h->max_block = SSM_LV2_DEFAULT_BLOCK;
    if (options && h->map) {
        const LV2_URID max_len = h->map->map(h->map->handle, LV2_BUF_SIZE__maxBlockLength);
        const LV2_URID nom_len = h->map->map(h->map->handle, LV2_BUF_SIZE__nominalBlockLength);
        const LV2_URID srate = h->map->map(h->map->handle, LV2_PARAMETERS__sampleRate);
        const LV2_URID atom_int = h->map->map(h->map->handle, "http://lv2plug.in/ns/ext/atom#Int");
        const LV2_URID atom_float =
            h->map->map(h->map->handle, "http://lv2plug.in/ns/ext/atom#Float");
        for (const LV2_Options_Option *o = options; o->key; o++) {
            if (o->key == max_len && ssm_lv2_option_int(o, atom_int))
                h->max_block = ssm_lv2_option_int(o, atom_int);
            else if (o->key == nom_len)
                h->nominal_block = ssm_lv2_option_int(o, atom_int);
            else if (o->key == srate && o->type == atom_float && o->size == sizeof(float) &&
                     *(const float *)o->value > 0.0f)
                h->rate = *(const float *)o->value;
        }
    }
    /* Plan for the larger of the two: a host's nominal length may exceed
     * a maxBlockLength that it only sets as a hint. */
    if (h->nominal_block > h->max_block)
        h->max_block = h->nominal_block;
    if (!(h->rate >= 8000.0 && h->rate <= 768000.0)) {
        lv2_log_error(&h->logger, "ssmaudio: sample rate %g Hz is not supported\n", h->rate);
        return 1;
    }
    return 0;
}

/* Create and activate a processor; on failure, logs the engine's message
 * as an error (hosts show it, ssm-render fails the file on it) and leaves
 * it in err when err is not NULL. */
static inline ssm_processor *ssm_lv2_processor_new_err(ssm_lv2_host *h, const char *type,
                                                       const char *model_path, uint32_t n_channels,
                                                       ssm_error *err)
{
    ssm_error local = {0};
    if (!err)
        err = &local;
    const ssm_processor_desc desc = {
        .type = type, .model_path = model_path, .n_channels = n_channels};
    ssm_processor *p = ssm_processor_create(&desc, err);
    if (p && ssm_processor_activate(p, h->rate, h->max_block, err) != SSM_OK) {
        ssm_processor_destroy(p);
        p = NULL;
    }
    if (!p)
        lv2_log_error(&h->logger, "ssmaudio %s: %s\n", type, err->message);
    return p;
}

static inline ssm_processor *ssm_lv2_processor_new(ssm_lv2_host *h, const char *type,
                                                   const char *model_path, uint32_t n_channels)
{
    return ssm_lv2_processor_new_err(h, type, model_path, n_channels, NULL);
}

/* Control input ports bound to processor parameters by symbol. */
typedef struct {
    uint32_t n;
    const float *port[SSM_LV2_MAX_CONTROLS];
    int32_t param[SSM_LV2_MAX_CONTROLS];
    float last[SSM_LV2_MAX_CONTROLS];
} ssm_lv2_controls;

static inline void ssm_lv2_controls_bind(ssm_lv2_controls *c, const ssm_processor *p,
                                         const char *const *symbols, uint32_t n)
{
    memset(c, 0, sizeof *c);
    c->n = n < SSM_LV2_MAX_CONTROLS ? n : SSM_LV2_MAX_CONTROLS;
    for (uint32_t i = 0; i < c->n; i++) {
        c->param[i] = p ? ssm_processor_param_index(p, symbols[i]) : -1;
        c->last[i] = NAN; /* the first run sends every value */
    }
}

/* Real-time safe: pass changed values on. Force sends them all (after a
 * processor swap). */
static inline void ssm_lv2_controls_apply(ssm_lv2_controls *c, ssm_processor *p, int force)
{
    if (!p)
        return;
    for (uint32_t i = 0; i < c->n; i++) {
        if (!c->port[i] || c->param[i] < 0)
            continue;
        const float v = *c->port[i];
        if (force || v != c->last[i]) {
            c->last[i] = v;
            ssm_processor_set_param(p, (uint32_t)c->param[i], v);
        }
    }
}

/* lv2:freeWheeling: the host renders faster than real time, so the
 * processor may use its offline form (same output, bigger chunks). */
static inline void ssm_lv2_follow_freewheel(ssm_processor *p, const float *port)
{
    if (!p || !port)
        return;
    const ssm_mode want = *port > 0.5f ? SSM_MODE_OFFLINE : SSM_MODE_STREAM;
    if (ssm_processor_mode(p) != want)
        ssm_processor_set_mode(p, want);
}

/* The first run after activate(): the controls have just been passed on,
 * and a processor glides to new values; reset it so it starts exactly at
 * them, and a restored session sounds the same from its first sample. */
static inline void ssm_lv2_settle(ssm_processor *p, int *fresh)
{
    if (*fresh && p)
        ssm_processor_reset(p);
    *fresh = 0;
}

/* Real-time safe pass-through for when a processor could not be made. */
static inline void ssm_lv2_copy(const float *in, float *out, uint32_t n)
{
    if (in != out)
        memmove(out, in, n * sizeof(float));
}

#endif
