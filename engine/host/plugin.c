/* One LV2 plugin instance (ssm/lv2host.h), on lilv. An instance is set up
 * completely (ports, buffers, features, default state, presets) before its
 * first run, so the run path only connects buffers, resets atom sequences,
 * calls the plugin and delivers its worker's responses. */
#include <lilv/lilv.h>
#include <lv2/atom/atom.h>
#include <lv2/buf-size/buf-size.h>
#include <lv2/core/lv2.h>
#include <lv2/log/log.h>
#include <lv2/options/options.h>
#include <lv2/state/state.h>
#include <lv2/urid/urid.h>
#include <lv2/worker/worker.h>
#include <math.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "host/internal.h"
#include "host/worker.h"

#define ATOM_CAPACITY 8192u

typedef enum { PORT_AUDIO, PORT_CONTROL, PORT_ATOM, PORT_CV, PORT_OTHER } port_kind;

typedef struct {
    port_kind kind;
    int input;
    const char *symbol; /* owned by lilv */
    float value, min, max;
    LV2_Atom *atom; /* PORT_ATOM: a buffer of ATOM_CAPACITY bytes */
} port;

struct ssm_lv2_plugin {
    ssm_lv2_world *w;
    const LilvPlugin *plugin;
    LilvInstance *inst;
    char *uri;
    port *ports;
    uint32_t n_ports;
    uint32_t *audio_in, *audio_out, n_audio_in, n_audio_out;
    int32_t latency_port;
    ssm_lv2_config cfg;
    float *silence, *scratch; /* max_block each, for audio ports with no buffer */
    float *cv;
    ssm_lv2_worker *worker;
    LV2_Worker_Schedule schedule;
    int32_t block_min, block_max, block_nominal;
    float rate_f;
    LV2_Options_Option options[5];
    LV2_Log_Log log;
    /* The first message the plugin logged as log:Error (its worker may
     * log while the host reads): claimed, written, then published. */
    int error_claimed, error_ready;
    char error[512];
    LV2_Feature f_map, f_unmap, f_options, f_bounded, f_schedule, f_default_state, f_log;
    const LV2_Feature *features[8];
};

static int log_printf(LV2_Log_Handle handle, LV2_URID type, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static int log_vprintf(LV2_Log_Handle handle, LV2_URID type, const char *fmt, va_list ap)
{
    ssm_lv2_plugin *p = handle;
    int expected = 0;
    if (type == p->w->log_error &&
        __atomic_compare_exchange_n(&p->error_claimed, &expected, 1, 0, __ATOMIC_ACQ_REL,
                                    __ATOMIC_RELAXED)) {
        va_list copy;
        va_copy(copy, ap);
        vsnprintf(p->error, sizeof p->error, fmt, copy);
        va_end(copy);
        size_t n = strlen(p->error);
        while (n > 0 && (p->error[n - 1] == '\n' || p->error[n - 1] == ' '))
            p->error[--n] = '\0';
        __atomic_store_n(&p->error_ready, 1, __ATOMIC_RELEASE);
    }
    fprintf(stderr, "[%s] ", p->uri);
    return vfprintf(stderr, fmt, ap);
}

const char *ssm_lv2_plugin_error(const ssm_lv2_plugin *p)
{
    return __atomic_load_n(&p->error_ready, __ATOMIC_ACQUIRE) ? p->error : NULL;
}

static int log_printf(LV2_Log_Handle handle, LV2_URID type, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int r = log_vprintf(handle, type, fmt, ap);
    va_end(ap);
    return r;
}

static port *find_port(const ssm_lv2_plugin *p, const char *symbol)
{
    for (uint32_t i = 0; i < p->n_ports; i++)
        if (p->ports[i].symbol && strcmp(p->ports[i].symbol, symbol) == 0)
            return &p->ports[i];
    return NULL;
}

int ssm_lv2_plugin_has_input_control(const ssm_lv2_plugin *p, const char *symbol)
{
    const port *pt = find_port(p, symbol);
    return pt && pt->kind == PORT_CONTROL && pt->input;
}

static void set_port_value(const char *symbol, void *user_data, const void *value, uint32_t size,
                           uint32_t type)
{
    ssm_lv2_plugin *p = user_data;
    port *pt = find_port(p, symbol);
    if (!pt || pt->kind != PORT_CONTROL || !pt->input)
        return;
    const ssm_lv2_world *w = p->w;
    float v;
    if (type == w->atom_float && size == sizeof(float))
        memcpy(&v, value, sizeof v);
    else if (type == w->atom_double && size == sizeof(double))
        v = (float)*(const double *)value;
    else if ((type == w->atom_int || type == w->atom_bool) && size == sizeof(int32_t))
        v = (float)*(const int32_t *)value;
    else if (type == w->atom_long && size == sizeof(int64_t))
        v = (float)*(const int64_t *)value;
    else
        return;
    pt->value = v;
}

static const void *get_port_value(const char *symbol, void *user_data, uint32_t *size,
                                  uint32_t *type)
{
    ssm_lv2_plugin *p = user_data;
    port *pt = find_port(p, symbol);
    if (pt && pt->kind == PORT_CONTROL && pt->input) {
        *size = sizeof(float);
        *type = p->w->atom_float;
        return &pt->value;
    }
    *size = *type = 0;
    return NULL;
}

static int feature_supported(const ssm_lv2_plugin *p, const char *uri)
{
    for (const LV2_Feature *const *f = p->features; *f; f++)
        if (strcmp((*f)->URI, uri) == 0)
            return 1;
    /* Declared in data only; nothing to pass. */
    return strcmp(uri, LV2_CORE__isLive) == 0 || strcmp(uri, LV2_CORE__hardRTCapable) == 0 ||
           strcmp(uri, LV2_CORE__inPlaceBroken) == 0;
}

static void connect_ports(ssm_lv2_plugin *p)
{
    for (uint32_t i = 0; i < p->n_ports; i++) {
        port *pt = &p->ports[i];
        switch (pt->kind) {
        case PORT_CONTROL:
            lilv_instance_connect_port(p->inst, i, &pt->value);
            break;
        case PORT_ATOM:
            lilv_instance_connect_port(p->inst, i, pt->atom);
            break;
        case PORT_CV:
            lilv_instance_connect_port(p->inst, i, p->cv);
            break;
        case PORT_AUDIO:
            lilv_instance_connect_port(p->inst, i, pt->input ? p->silence : p->scratch);
            break;
        case PORT_OTHER:
            lilv_instance_connect_port(p->inst, i, NULL);
            break;
        }
    }
}

/* Under the world lock. */
static ssm_status restore_state(ssm_lv2_plugin *p, LilvState *state)
{
    lilv_state_restore(state, p->inst, set_port_value, p, 0, p->features);
    if (p->worker)
        ssm_lv2_worker_drain(p->worker);
    return SSM_OK;
}

ssm_lv2_plugin *ssm_lv2_plugin_create(ssm_lv2_world *w, const char *uri, const ssm_lv2_config *cfg,
                                      ssm_error *err)
{
    if (!cfg || !(cfg->sample_rate > 0.0) || cfg->max_block == 0) {
        ssm_error_set(err, SSM_ERR_INVALID,
                      "LV2 host: %s: needs a sample rate > 0 and a maximum block >= 1", uri);
        return NULL;
    }
    ssm_lv2_plugin *p = calloc(1, sizeof *p);
    if (!p) {
        ssm_error_set(err, SSM_ERR_NOMEM, "LV2 host: out of memory");
        return NULL;
    }
    pthread_mutex_lock(&w->lock);
    p->w = w;
    p->cfg = *cfg;
    if (!p->cfg.nominal_block || p->cfg.nominal_block > p->cfg.max_block)
        p->cfg.nominal_block = p->cfg.max_block;
    p->latency_port = -1;
    p->uri = strdup(uri);
    p->plugin = ssm_lv2_world_find(w, uri);
    if (!p->plugin) {
        ssm_error_set(err, SSM_ERR_INVALID,
                      "LV2 plugin <%s>: not installed (searched the LV2 path; set LV2_PATH, "
                      "list them with lv2ls)",
                      uri);
        goto fail;
    }
    uint32_t np = lilv_plugin_get_num_ports(p->plugin);
    uint32_t mb = p->cfg.max_block;
    p->ports = calloc(np ? np : 1, sizeof *p->ports);
    p->audio_in = calloc(np ? np : 1, sizeof *p->audio_in);
    p->audio_out = calloc(np ? np : 1, sizeof *p->audio_out);
    float *mins = calloc(np ? np : 1, sizeof *mins);
    float *maxs = calloc(np ? np : 1, sizeof *maxs);
    float *defs = calloc(np ? np : 1, sizeof *defs);
    p->silence = calloc(mb, sizeof(float));
    p->scratch = calloc(mb, sizeof(float));
    p->cv = calloc(mb, sizeof(float));
    p->worker = ssm_lv2_worker_create(!cfg->freewheel);
    if (!p->ports || !p->audio_in || !p->audio_out || !mins || !maxs || !defs || !p->silence ||
        !p->scratch || !p->cv || !p->worker) {
        free(mins);
        free(maxs);
        free(defs);
        ssm_error_set(err, SSM_ERR_NOMEM, "LV2 plugin <%s>: out of memory", uri);
        goto fail;
    }
    p->n_ports = np;
    lilv_plugin_get_port_ranges_float(p->plugin, mins, maxs, defs);
    const LilvPort *fw = lilv_plugin_get_port_by_designation(p->plugin, w->input, w->freewheel);
    const LilvPort *en = lilv_plugin_get_port_by_designation(p->plugin, w->input, w->enabled);
    if (lilv_plugin_has_latency(p->plugin))
        p->latency_port = (int32_t)lilv_plugin_get_latency_port_index(p->plugin);
    for (uint32_t i = 0; i < np; i++) {
        const LilvPort *lp = lilv_plugin_get_port_by_index(p->plugin, i);
        port *pt = &p->ports[i];
        pt->symbol = lilv_node_as_string(lilv_port_get_symbol(p->plugin, lp));
        pt->input = lilv_port_is_a(p->plugin, lp, w->input);
        if (lilv_port_is_a(p->plugin, lp, w->audio)) {
            pt->kind = PORT_AUDIO;
            if (pt->input)
                p->audio_in[p->n_audio_in++] = i;
            else
                p->audio_out[p->n_audio_out++] = i;
        } else if (lilv_port_is_a(p->plugin, lp, w->control)) {
            pt->kind = PORT_CONTROL;
            pt->min = isnan(mins[i]) ? -INFINITY : mins[i];
            pt->max = isnan(maxs[i]) ? INFINITY : maxs[i];
            pt->value = !isnan(defs[i]) ? defs[i] : !isnan(mins[i]) ? mins[i] : 0.0f;
            if (lp == fw)
                pt->value = cfg->freewheel ? 1.0f : 0.0f;
            if (lp == en)
                pt->value = 1.0f;
        } else if (lilv_port_is_a(p->plugin, lp, w->atom)) {
            pt->kind = PORT_ATOM;
            pt->atom = calloc(1, ATOM_CAPACITY);
            if (!pt->atom) {
                ssm_error_set(err, SSM_ERR_NOMEM, "LV2 plugin <%s>: out of memory", uri);
                goto fail_ranges;
            }
        } else if (lilv_port_is_a(p->plugin, lp, w->cv)) {
            pt->kind = PORT_CV;
        } else {
            pt->kind = PORT_OTHER;
            if (!lilv_port_has_property(p->plugin, lp, w->optional)) {
                ssm_error_set(err, SSM_ERR_UNSUPPORTED,
                              "LV2 plugin <%s>: port \"%s\" has a type this host does not "
                              "support",
                              uri, pt->symbol);
                goto fail_ranges;
            }
        }
    }
    free(mins);
    free(maxs);
    free(defs);
    mins = maxs = defs = NULL;

    /* Features: what hosts are expected to provide (see the LV2 book). */
    p->block_min = 1;
    p->block_max = (int32_t)p->cfg.max_block;
    p->block_nominal = (int32_t)p->cfg.nominal_block;
    p->rate_f = (float)p->cfg.sample_rate;
    p->options[0] = (LV2_Options_Option){LV2_OPTIONS_INSTANCE, 0,           w->bs_min,
                                         sizeof(int32_t),      w->atom_int, &p->block_min};
    p->options[1] = (LV2_Options_Option){LV2_OPTIONS_INSTANCE, 0,           w->bs_max,
                                         sizeof(int32_t),      w->atom_int, &p->block_max};
    p->options[2] = (LV2_Options_Option){LV2_OPTIONS_INSTANCE, 0,           w->bs_nominal,
                                         sizeof(int32_t),      w->atom_int, &p->block_nominal};
    p->options[3] = (LV2_Options_Option){
        LV2_OPTIONS_INSTANCE, 0, w->param_sample_rate, sizeof(float), w->atom_float, &p->rate_f};
    p->options[4] = (LV2_Options_Option){LV2_OPTIONS_INSTANCE, 0, 0, 0, 0, NULL};
    p->schedule = (LV2_Worker_Schedule){p->worker, ssm_lv2_worker_schedule};
    p->log = (LV2_Log_Log){p, log_printf, log_vprintf};
    p->f_map = (LV2_Feature){LV2_URID__map, &w->map};
    p->f_unmap = (LV2_Feature){LV2_URID__unmap, &w->unmap};
    p->f_options = (LV2_Feature){LV2_OPTIONS__options, p->options};
    p->f_bounded = (LV2_Feature){LV2_BUF_SIZE__boundedBlockLength, NULL};
    p->f_schedule = (LV2_Feature){LV2_WORKER__schedule, &p->schedule};
    p->f_default_state = (LV2_Feature){LV2_STATE__loadDefaultState, NULL};
    p->f_log = (LV2_Feature){LV2_LOG__log, &p->log};
    const LV2_Feature *fs[] = {&p->f_map,      &p->f_unmap,         &p->f_options, &p->f_bounded,
                               &p->f_schedule, &p->f_default_state, &p->f_log,     NULL};
    memcpy(p->features, fs, sizeof fs);

    LilvNodes *req = lilv_plugin_get_required_features(p->plugin);
    LILV_FOREACH(nodes, i, req)
    {
        const char *f = lilv_node_as_uri(lilv_nodes_get(req, i));
        if (!feature_supported(p, f)) {
            ssm_error_set(err, SSM_ERR_UNSUPPORTED,
                          "LV2 plugin <%s>: requires feature <%s>, which this host does not "
                          "provide",
                          uri, f);
            lilv_nodes_free(req);
            goto fail;
        }
    }
    lilv_nodes_free(req);

    p->inst = lilv_plugin_instantiate(p->plugin, p->cfg.sample_rate, p->features);
    if (!p->inst) {
        ssm_error_set(err, SSM_ERR_INVALID, "LV2 plugin <%s>: instantiate failed at %g Hz", uri,
                      p->cfg.sample_rate);
        goto fail;
    }
    const LV2_Worker_Interface *wi =
        lilv_instance_get_extension_data(p->inst, LV2_WORKER__interface);
    if (ssm_lv2_worker_bind(p->worker, p->inst, wi) != 0) {
        ssm_error_set(err, SSM_ERR_NOMEM, "LV2 plugin <%s>: cannot start the worker thread", uri);
        goto fail;
    }
    connect_ports(p);
    if (lilv_plugin_has_feature(p->plugin, w->default_state)) {
        LilvState *st =
            lilv_state_new_from_world(w->world, &w->map, lilv_plugin_get_uri(p->plugin));
        if (st) {
            restore_state(p, st);
            lilv_state_free(st);
        }
    }
    lilv_instance_activate(p->inst);
    pthread_mutex_unlock(&w->lock);
    return p;

fail_ranges:
    free(mins);
    free(maxs);
    free(defs);
fail:
    pthread_mutex_unlock(&w->lock);
    ssm_lv2_plugin_destroy(p);
    return NULL;
}

void ssm_lv2_plugin_destroy(ssm_lv2_plugin *p)
{
    if (!p)
        return;
    if (p->worker)
        ssm_lv2_worker_drain(p->worker);
    if (p->inst) {
        lilv_instance_deactivate(p->inst);
        /* Stop the worker before the instance it calls into goes away. */
        ssm_lv2_worker_destroy(p->worker);
        p->worker = NULL;
        pthread_mutex_lock(&p->w->lock);
        lilv_instance_free(p->inst);
        pthread_mutex_unlock(&p->w->lock);
    }
    ssm_lv2_worker_destroy(p->worker);
    for (uint32_t i = 0; i < p->n_ports; i++)
        free(p->ports[i].atom);
    free(p->ports);
    free(p->audio_in);
    free(p->audio_out);
    free(p->silence);
    free(p->scratch);
    free(p->cv);
    free(p->uri);
    free(p);
}

const char *ssm_lv2_plugin_uri(const ssm_lv2_plugin *p)
{
    return p->uri;
}

uint32_t ssm_lv2_plugin_n_audio_in(const ssm_lv2_plugin *p)
{
    return p->n_audio_in;
}

uint32_t ssm_lv2_plugin_n_audio_out(const ssm_lv2_plugin *p)
{
    return p->n_audio_out;
}

int ssm_lv2_plugin_has_latency_port(const ssm_lv2_plugin *p)
{
    return p->latency_port >= 0;
}

uint32_t ssm_lv2_plugin_latency(const ssm_lv2_plugin *p)
{
    if (p->latency_port < 0)
        return 0;
    float v = p->ports[p->latency_port].value;
    return v > 0.0f && v < 1e9f ? (uint32_t)lrintf(v) : 0;
}

static void list_symbols(const ssm_lv2_plugin *p, char *buf, size_t n)
{
    size_t at = 0;
    buf[0] = '\0';
    for (uint32_t i = 0; i < p->n_ports && at < n; i++)
        if (p->ports[i].kind == PORT_CONTROL && p->ports[i].input)
            at += (size_t)snprintf(buf + at, n - at, "%s%s", at ? ", " : "", p->ports[i].symbol);
}

ssm_status ssm_lv2_plugin_set_control(ssm_lv2_plugin *p, const char *symbol, float value,
                                      ssm_error *err)
{
    port *pt = find_port(p, symbol);
    if (!pt || pt->kind != PORT_CONTROL || !pt->input) {
        char syms[256];
        list_symbols(p, syms, sizeof syms);
        ssm_error_set(err, SSM_ERR_INVALID,
                      "LV2 plugin <%s>: no input control port \"%s\" (it has: %s)", p->uri, symbol,
                      syms[0] ? syms : "none");
        return SSM_ERR_INVALID;
    }
    if (isnan(value)) {
        ssm_error_set(err, SSM_ERR_INVALID, "LV2 plugin <%s>: control \"%s\": NaN", p->uri, symbol);
        return SSM_ERR_INVALID;
    }
    pt->value = value < pt->min ? pt->min : value > pt->max ? pt->max : value;
    return SSM_OK;
}

float ssm_lv2_plugin_get_control(const ssm_lv2_plugin *p, const char *symbol)
{
    const port *pt = find_port(p, symbol);
    return pt && pt->kind == PORT_CONTROL ? pt->value : NAN;
}

ssm_status ssm_lv2_plugin_apply_preset(ssm_lv2_plugin *p, const char *preset, ssm_error *err)
{
    ssm_lv2_world *w = p->w;
    pthread_mutex_lock(&w->lock);
    LilvNodes *presets = lilv_plugin_get_related(p->plugin, w->preset);
    const LilvNode *found = NULL;
    char names[384];
    size_t at = 0;
    names[0] = '\0';
    LILV_FOREACH(nodes, i, presets)
    {
        const LilvNode *pr = lilv_nodes_get(presets, i);
        lilv_world_load_resource(w->world, pr);
        LilvNodes *labels = lilv_world_find_nodes(w->world, pr, w->label, NULL);
        const char *label = labels ? lilv_node_as_string(lilv_nodes_get_first(labels)) : NULL;
        if (strcmp(lilv_node_as_uri(pr), preset) == 0 || (label && strcmp(label, preset) == 0))
            found = pr;
        if (label && at < sizeof names)
            at +=
                (size_t)snprintf(names + at, sizeof names - at, "%s\"%s\"", at ? ", " : "", label);
        lilv_nodes_free(labels);
        if (found)
            break;
    }
    ssm_status s = SSM_OK;
    if (!found) {
        ssm_error_set(err, SSM_ERR_INVALID,
                      "LV2 plugin <%s>: no preset \"%s\" (by URI or label; it has: %s)", p->uri,
                      preset, names[0] ? names : "none");
        s = SSM_ERR_INVALID;
    } else {
        LilvState *st = lilv_state_new_from_world(w->world, &w->map, found);
        if (!st) {
            ssm_error_set(err, SSM_ERR_FORMAT, "LV2 plugin <%s>: preset <%s> cannot be loaded",
                          p->uri, lilv_node_as_uri(found));
            s = SSM_ERR_FORMAT;
        } else {
            restore_state(p, st);
            lilv_state_free(st);
        }
    }
    lilv_nodes_free(presets);
    pthread_mutex_unlock(&w->lock);
    return s;
}

char *ssm_lv2_plugin_save_state(ssm_lv2_plugin *p, ssm_error *err)
{
    ssm_lv2_world *w = p->w;
    pthread_mutex_lock(&w->lock);
    LilvState *st = lilv_state_new_from_instance(
        p->plugin, p->inst, &w->map, NULL, NULL, NULL, NULL, get_port_value, p,
        LV2_STATE_IS_POD | LV2_STATE_IS_PORTABLE, p->features);
    char *ttl = NULL;
    if (st) {
        ttl = lilv_state_to_string(w->world, &w->map, &w->unmap, st, "urn:ssmaudio:state", NULL);
        lilv_state_free(st);
    }
    pthread_mutex_unlock(&w->lock);
    if (!ttl)
        ssm_error_set(err, SSM_ERR_IO, "LV2 plugin <%s>: state could not be saved", p->uri);
    return ttl;
}

ssm_status ssm_lv2_plugin_restore_state(ssm_lv2_plugin *p, const char *turtle, ssm_error *err)
{
    ssm_lv2_world *w = p->w;
    pthread_mutex_lock(&w->lock);
    LilvState *st = lilv_state_new_from_string(w->world, &w->map, turtle);
    if (!st) {
        pthread_mutex_unlock(&w->lock);
        ssm_error_set(err, SSM_ERR_FORMAT, "LV2 plugin <%s>: state is not valid Turtle state",
                      p->uri);
        return SSM_ERR_FORMAT;
    }
    restore_state(p, st);
    lilv_state_free(st);
    pthread_mutex_unlock(&w->lock);
    return SSM_OK;
}

void ssm_lv2_plugin_run(ssm_lv2_plugin *p, const float *const *in, float *const *out,
                        uint32_t n_frames)
{
    uint32_t done = 0;
    while (done < n_frames) {
        uint32_t n = n_frames - done;
        if (n > p->cfg.max_block)
            n = p->cfg.max_block;
        /* A NULL buffer list means silence in, output discarded. */
        for (uint32_t i = 0; i < p->n_audio_in; i++)
            lilv_instance_connect_port(p->inst, p->audio_in[i],
                                       in ? (void *)(in[i] + done) : (void *)p->silence);
        for (uint32_t i = 0; i < p->n_audio_out; i++)
            lilv_instance_connect_port(p->inst, p->audio_out[i], out ? out[i] + done : p->scratch);
        /* Atom inputs get an empty sequence, outputs their full capacity
         * (the plugin writes its sequence into it), every cycle. */
        for (uint32_t i = 0; i < p->n_ports; i++) {
            LV2_Atom *a = p->ports[i].atom;
            if (!a)
                continue;
            if (p->ports[i].input) {
                a->size = sizeof(LV2_Atom_Sequence_Body);
                a->type = p->w->atom_sequence;
                ((LV2_Atom_Sequence *)a)->body.unit = 0;
                ((LV2_Atom_Sequence *)a)->body.pad = 0;
            } else {
                a->size = ATOM_CAPACITY - sizeof(LV2_Atom);
                a->type = p->w->atom_chunk;
            }
        }
        lilv_instance_run(p->inst, n);
        ssm_lv2_worker_deliver(p->worker);
        done += n;
    }
}

void ssm_lv2_plugin_reset(ssm_lv2_plugin *p)
{
    lilv_instance_deactivate(p->inst);
    lilv_instance_activate(p->inst);
}
