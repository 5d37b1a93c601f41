/* The LV2 host's world (ssm/lv2host.h): the lilv world with every
 * installed bundle, the nodes the host asks lilv about, and the URID map
 * every plugin instance shares. */
#include <lilv/lilv.h>
#include <lv2/atom/atom.h>
#include <lv2/buf-size/buf-size.h>
#include <lv2/core/lv2.h>
#include <lv2/log/log.h>
#include <lv2/parameters/parameters.h>
#include <lv2/presets/presets.h>
#include <lv2/state/state.h>
#include <lv2/urid/urid.h>
#include <lv2/worker/worker.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "host/internal.h"

/* --- URID map ------------------------------------------------------------ */

static LV2_URID map_uri(LV2_URID_Map_Handle handle, const char *uri)
{
    ssm_lv2_world *w = handle;
    pthread_mutex_lock(&w->urid_lock);
    LV2_URID id = 0;
    for (uint32_t i = 0; i < w->n_uris; i++)
        if (strcmp(w->uris[i], uri) == 0) {
            id = i + 1;
            break;
        }
    if (!id) {
        if (w->n_uris == w->cap_uris) {
            uint32_t ncap = w->cap_uris ? w->cap_uris * 2 : 64;
            char **n = realloc(w->uris, ncap * sizeof *n);
            if (!n)
                goto out;
            w->uris = n;
            w->cap_uris = ncap;
        }
        char *copy = strdup(uri);
        if (!copy)
            goto out;
        w->uris[w->n_uris++] = copy;
        id = w->n_uris;
    }
out:
    pthread_mutex_unlock(&w->urid_lock);
    return id;
}

static const char *unmap_uri(LV2_URID_Unmap_Handle handle, LV2_URID urid)
{
    ssm_lv2_world *w = handle;
    pthread_mutex_lock(&w->urid_lock);
    const char *s = urid >= 1 && urid <= w->n_uris ? w->uris[urid - 1] : NULL;
    pthread_mutex_unlock(&w->urid_lock);
    return s;
}

/* --- world --------------------------------------------------------------- */

/* lilv 0.24 crashes on a relative directory in LV2_PATH (it cannot make a
 * file URI of it), so make every entry absolute before it reads the path. */
static void absolutise_lv2_path(void)
{
    const char *path = getenv("LV2_PATH");
    if (!path || !*path)
        return;
    size_t cap = strlen(path) * 2 + 4096, at = 0;
    char *out = malloc(cap), *copy = strdup(path);
    if (!out || !copy) {
        free(out);
        free(copy);
        return;
    }
    out[0] = '\0';
    char *save = NULL;
    for (char *tok = strtok_r(copy, ":", &save); tok; tok = strtok_r(NULL, ":", &save)) {
        char *abs = tok[0] == '/' || tok[0] == '~' ? NULL : realpath(tok, NULL);
        const char *use = abs ? abs : tok;
        if (tok[0] == '/' || tok[0] == '~' || abs)
            at += (size_t)snprintf(out + at, cap - at, "%s%s", at ? ":" : "", use);
        free(abs);
        if (at >= cap)
            break;
    }
    if (at < cap)
        setenv("LV2_PATH", out, 1);
    free(out);
    free(copy);
}

ssm_lv2_world *ssm_lv2_world_create(ssm_error *err)
{
    ssm_lv2_world *w = calloc(1, sizeof *w);
    if (!w) {
        ssm_error_set(err, SSM_ERR_NOMEM, "LV2 host: out of memory");
        return NULL;
    }
    pthread_mutex_init(&w->lock, NULL);
    pthread_mutex_init(&w->urid_lock, NULL);
    absolutise_lv2_path();
    w->world = lilv_world_new();
    if (!w->world) {
        free(w);
        ssm_error_set(err, SSM_ERR_NOMEM, "LV2 host: lilv_world_new failed");
        return NULL;
    }
    lilv_world_load_all(w->world);
    w->plugins = lilv_world_get_all_plugins(w->world);
    w->map = (LV2_URID_Map){w, map_uri};
    w->unmap = (LV2_URID_Unmap){w, unmap_uri};
    LilvWorld *lw = w->world;
    w->audio = lilv_new_uri(lw, LV2_CORE__AudioPort);
    w->control = lilv_new_uri(lw, LV2_CORE__ControlPort);
    w->atom = lilv_new_uri(lw, LV2_ATOM__AtomPort);
    w->cv = lilv_new_uri(lw, LV2_CORE__CVPort);
    w->input = lilv_new_uri(lw, LV2_CORE__InputPort);
    w->output = lilv_new_uri(lw, LV2_CORE__OutputPort);
    w->freewheel = lilv_new_uri(lw, LV2_CORE__freeWheeling);
    w->enabled = lilv_new_uri(lw, LV2_CORE__enabled);
    w->preset = lilv_new_uri(lw, LV2_PRESETS__Preset);
    w->label = lilv_new_uri(lw, LILV_NS_RDFS "label");
    w->default_state = lilv_new_uri(lw, LV2_STATE__loadDefaultState);
    w->worker_schedule = lilv_new_uri(lw, LV2_WORKER__schedule);
    w->optional = lilv_new_uri(lw, LV2_CORE__connectionOptional);
    w->atom_sequence = map_uri(w, LV2_ATOM__Sequence);
    w->atom_chunk = map_uri(w, LV2_ATOM__Chunk);
    w->atom_float = map_uri(w, LV2_ATOM__Float);
    w->atom_double = map_uri(w, LV2_ATOM__Double);
    w->atom_int = map_uri(w, LV2_ATOM__Int);
    w->atom_long = map_uri(w, LV2_ATOM__Long);
    w->atom_bool = map_uri(w, LV2_ATOM__Bool);
    w->bs_min = map_uri(w, LV2_BUF_SIZE__minBlockLength);
    w->bs_max = map_uri(w, LV2_BUF_SIZE__maxBlockLength);
    w->bs_nominal = map_uri(w, LV2_BUF_SIZE__nominalBlockLength);
    w->param_sample_rate = map_uri(w, LV2_PARAMETERS__sampleRate);
    w->log_error = map_uri(w, LV2_LOG__Error);
    return w;
}

void ssm_lv2_world_destroy(ssm_lv2_world *w)
{
    if (!w)
        return;
    LilvNode *nodes[] = {w->audio,         w->control,         w->atom,    w->cv,     w->input,
                         w->output,        w->freewheel,       w->enabled, w->preset, w->label,
                         w->default_state, w->worker_schedule, w->optional};
    for (size_t i = 0; i < sizeof nodes / sizeof nodes[0]; i++)
        lilv_node_free(nodes[i]);
    lilv_world_free(w->world);
    for (uint32_t i = 0; i < w->n_uris; i++)
        free(w->uris[i]);
    free(w->uris);
    pthread_mutex_destroy(&w->lock);
    pthread_mutex_destroy(&w->urid_lock);
    free(w);
}

const LilvPlugin *ssm_lv2_world_find(ssm_lv2_world *w, const char *uri)
{
    LilvNode *n = lilv_new_uri(w->world, uri);
    const LilvPlugin *p = n ? lilv_plugins_get_by_uri(w->plugins, n) : NULL;
    lilv_node_free(n);
    return p;
}

int ssm_lv2_world_has_plugin(ssm_lv2_world *w, const char *uri)
{
    pthread_mutex_lock(&w->lock);
    int has = ssm_lv2_world_find(w, uri) != NULL;
    pthread_mutex_unlock(&w->lock);
    return has;
}
