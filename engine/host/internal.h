/* Private: what the LV2 host's files share. world.c owns the lilv world
 * and the URID map, plugin.c one plugin instance, chain.c plugins in
 * series; only these files include LV2 headers. */
#ifndef SSM_HOST_INTERNAL_H
#define SSM_HOST_INTERNAL_H

#include <lilv/lilv.h>
#include <lv2/urid/urid.h>
#include <pthread.h>

#include "ssm/lv2host.h"

struct ssm_lv2_world {
    LilvWorld *world;
    const LilvPlugins *plugins;
    /* lilv is not thread-safe: every use of the world goes through this. */
    pthread_mutex_t lock;
    pthread_mutex_t urid_lock;
    char **uris;
    uint32_t n_uris, cap_uris;
    LV2_URID_Map map;
    LV2_URID_Unmap unmap;
    LilvNode *audio, *control, *atom, *cv, *input, *output, *freewheel, *enabled, *preset, *label,
        *default_state, *worker_schedule, *optional;
    LV2_URID atom_sequence, atom_chunk, atom_float, atom_double, atom_int, atom_long, atom_bool,
        bs_min, bs_max, bs_nominal, param_sample_rate, log_error;
};

/* The installed plugin with this URI, or NULL. The caller holds w->lock. */
const LilvPlugin *ssm_lv2_world_find(ssm_lv2_world *w, const char *uri);

/* Whether p has an input control port with this symbol. */
int ssm_lv2_plugin_has_input_control(const ssm_lv2_plugin *p, const char *symbol);

#endif
