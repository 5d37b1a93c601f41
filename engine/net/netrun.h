/* Private: a model file's graph run per host channel at the host's rate
 * (engine/net/netrun.c): natively, re-discretised, or inside the rate
 * bridge when the graph is rate-bound. The "model" and "denoise"
 * processors are thin over it. */
#ifndef SSM_NET_NETRUN_H
#define SSM_NET_NETRUN_H

#include <stdint.h>

#include "net/graph.h"
#include "ssm/model.h"
#include "ssm/resample.h"
#include "ssm/ssmaudio.h"

typedef struct {
    ssm_model *model;
    uint32_t n_channels;
    uint32_t n_graphs; /* n_channels (a mono graph per channel) or 1 (inputs == n_channels) */
    ssm_graph **graphs;
    ssm_rate_bridge *bridge; /* NULL when the graph runs at the host's rate */
    ssm_rate_path path;
    double dt_scale;
    uint32_t host_lat_extra; /* the graph's latency in host frames (bridged) */
    uint32_t max_inner;
    float *il_in, *il_out; /* [max_inner][n_channels] for a multichannel graph */
    char why[512];         /* the rate path taken, in words (names a rate-bound layer) */
} ssm_netrun;

/* Loads the model file and builds its graph for n_channels channels. */
ssm_status ssm_netrun_init(ssm_netrun *r, const char *model_path, uint32_t n_channels,
                           ssm_error *err);
ssm_status ssm_netrun_activate(ssm_netrun *r, double host_rate, uint32_t max_block, ssm_error *err);
void ssm_netrun_set_mode(ssm_netrun *r, ssm_mode mode);
/* Real-time safe; in and out may alias. */
void ssm_netrun_process(ssm_netrun *r, const float *const *in, float *const *out,
                        uint32_t n_frames);
uint32_t ssm_netrun_latency(const ssm_netrun *r); /* host frames */
/* A graph output's index by name (-1: none), and its meter value: the
 * largest over channels. */
long ssm_netrun_meter_index(const ssm_netrun *r, const char *name);
float ssm_netrun_meter(const ssm_netrun *r, long index);
void ssm_netrun_reset(ssm_netrun *r);
void ssm_netrun_free(ssm_netrun *r);

/* The bundled denoiser model: $SSM_DENOISE_MODEL (a file), else
 * denoise.safetensors in the first directory of $SSM_PRESETS_PATH (a
 * colon-separated list; `meson devenv` and the test setups point it at the
 * source tree's presets/) that has one, else the installed presets' file.
 * buf (size bytes) may hold the result. */
const char *ssm_default_denoise_model(char *buf, size_t size);

#endif
