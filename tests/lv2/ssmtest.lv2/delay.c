/* A test plugin for the LV2 host: an integer delay with a gain, which
 * reports its delay on an lv2:latency port, echoes the lv2:freeWheeling port
 * and the buf-size:maxBlockLength option on output controls, so a test can
 * check the host wired each of them. */
#include <lv2/atom/atom.h>
#include <lv2/buf-size/buf-size.h>
#include <lv2/core/lv2.h>
#include <lv2/options/options.h>
#include <lv2/urid/urid.h>
#include <stdlib.h>
#include <string.h>

#define PLUGIN_URI "urn:ssmaudio:test:delay"
#define MAX_DEL    8192u

enum { P_IN, P_OUT, P_DELAY, P_GAIN, P_LATENCY, P_FREEWHEEL, P_FW_SEEN, P_MAX_BLOCK };

typedef struct {
    const float *in;
    float *out;
    const float *delay, *gain, *freewheel;
    float *latency, *fw_seen, *max_block_out;
    float *ring;
    uint32_t at;
    int32_t max_block;
} delay_t;

static LV2_Handle instantiate(const LV2_Descriptor *d, double rate, const char *bundle,
                              const LV2_Feature *const *features)
{
    delay_t *s = calloc(1, sizeof *s);
    if (!s)
        return NULL;
    s->ring = calloc(MAX_DEL, sizeof(float));
    LV2_URID_Map *map = NULL;
    const LV2_Options_Option *opts = NULL;
    for (int i = 0; features && features[i]; i++) {
        if (!strcmp(features[i]->URI, LV2_URID__map))
            map = features[i]->data;
        if (!strcmp(features[i]->URI, LV2_OPTIONS__options))
            opts = features[i]->data;
    }
    if (!s->ring || !map) {
        free(s->ring);
        free(s);
        return NULL;
    }
    LV2_URID max_key = map->map(map->handle, LV2_BUF_SIZE__maxBlockLength);
    LV2_URID int_type = map->map(map->handle, LV2_ATOM__Int);
    for (; opts && opts->key; opts++)
        if (opts->key == max_key && opts->type == int_type)
            s->max_block = *(const int32_t *)opts->value;
    return s;
}

static void connect_port(LV2_Handle h, uint32_t port, void *data)
{
    delay_t *s = h;
    switch (port) {
    case P_IN:
        s->in = data;
        break;
    case P_OUT:
        s->out = data;
        break;
    case P_DELAY:
        s->delay = data;
        break;
    case P_GAIN:
        s->gain = data;
        break;
    case P_LATENCY:
        s->latency = data;
        break;
    case P_FREEWHEEL:
        s->freewheel = data;
        break;
    case P_FW_SEEN:
        s->fw_seen = data;
        break;
    case P_MAX_BLOCK:
        s->max_block_out = data;
        break;
    default:
        break;
    }
}

static void activate(LV2_Handle h)
{
    delay_t *s = h;
    memset(s->ring, 0, MAX_DEL * sizeof(float));
    s->at = 0;
}

static void run(LV2_Handle h, uint32_t n)
{
    delay_t *s = h;
    uint32_t d = (uint32_t)*s->delay;
    if (d >= MAX_DEL)
        d = MAX_DEL - 1;
    float g = *s->gain;
    for (uint32_t i = 0; i < n; i++) {
        s->ring[s->at] = s->in[i];
        s->out[i] = g * s->ring[(s->at + MAX_DEL - d) % MAX_DEL];
        s->at = (s->at + 1) % MAX_DEL;
    }
    *s->latency = (float)d;
    *s->fw_seen = *s->freewheel;
    *s->max_block_out = (float)s->max_block;
}

static void cleanup(LV2_Handle h)
{
    delay_t *s = h;
    free(s->ring);
    free(s);
}

static const LV2_Descriptor descriptor = {PLUGIN_URI, instantiate, connect_port, activate,
                                          run,        NULL,        cleanup,      NULL};

LV2_SYMBOL_EXPORT const LV2_Descriptor *lv2_descriptor(uint32_t index)
{
    return index == 0 ? &descriptor : NULL;
}
