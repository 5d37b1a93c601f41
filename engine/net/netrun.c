/* A model file's network run per channel at the host's rate: natively when
 * the rates match, else inside the rate bridge (engine/core/resample.c). The
 * fbmask-s4d networks carry a learned 48 kHz filterbank whose taps are
 * rate-bound, so their files say ssm.rediscretize = "false" and other host
 * rates are resampled. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "net/network.h"

/* The installed presets (engine/meson.build); an uninstalled build finds
 * the source tree's through SSM_PRESETS_PATH. */
#ifndef SSM_PRESETS_DIR
#define SSM_PRESETS_DIR "/usr/local/share/ssmaudio/presets"
#endif
#define DENOISE_FILE "denoise.safetensors"

const char *ssm_default_denoise_model(char *buf, size_t size)
{
    if (!buf || size == 0)
        return NULL;
    const char *env = getenv("SSM_DENOISE_MODEL");
    if (env && *env)
        return env;
    for (const char *d = getenv("SSM_PRESETS_PATH"); d && *d;) {
        size_t len = strcspn(d, ":");
        if (len) {
            snprintf(buf, size, "%.*s/%s", (int)len, d, DENOISE_FILE);
            if (access(buf, R_OK) == 0)
                return buf;
        }
        d += len + (d[len] == ':');
    }
    snprintf(buf, size, "%s/%s", SSM_PRESETS_DIR, DENOISE_FILE);
    return buf;
}

ssm_status ssm_netrun_init(ssm_netrun *r, const char *model_path, uint32_t n_channels,
                           ssm_error *err)
{
    memset(r, 0, sizeof *r);
    r->n_channels = n_channels ? n_channels : 1;
    r->model = ssm_model_load(model_path, err);
    if (!r->model)
        return err ? err->status : SSM_ERR_IO;
    r->nets = calloc(r->n_channels, sizeof(ssm_network *));
    if (!r->nets) {
        ssm_netrun_free(r);
        ssm_error_set(err, SSM_ERR_NOMEM, "out of memory loading %s", model_path);
        return SSM_ERR_NOMEM;
    }
    for (uint32_t c = 0; c < r->n_channels; c++) {
        r->nets[c] = ssm_network_create(r->model, err);
        if (!r->nets[c]) {
            ssm_status st = err ? err->status : SSM_ERR_FORMAT;
            ssm_netrun_free(r);
            return st;
        }
    }
    return SSM_OK;
}

ssm_status ssm_netrun_activate(ssm_netrun *r, double host_rate, uint32_t max_block, ssm_error *err)
{
    double inner = host_rate;
    r->path = ssm_rate_choose(r->model, host_rate, &inner, r->why, sizeof r->why);
    if (r->path == SSM_RATE_INVALID) {
        ssm_error_set(err, SSM_ERR_FORMAT, "%s", r->why);
        return SSM_ERR_FORMAT;
    }
    ssm_rate_bridge_destroy(r->bridge);
    r->bridge = NULL;
    uint32_t inner_block = max_block;
    if (inner != host_rate) {
        r->bridge = ssm_rate_bridge_create(host_rate, inner, r->n_channels, max_block, err);
        if (!r->bridge)
            return err ? err->status : SSM_ERR_NOMEM;
        inner_block = ssm_rate_bridge_max_inner_block(r->bridge);
        r->host_lat_extra = (uint32_t)(ssm_network_latency(r->nets[0]) * host_rate / inner + 0.5);
    }
    for (uint32_t c = 0; c < r->n_channels; c++) {
        ssm_status st = ssm_network_activate(r->nets[c], inner_block, err);
        if (st != SSM_OK)
            return st;
    }
    return SSM_OK;
}

void ssm_netrun_set_mode(ssm_netrun *r, ssm_mode mode)
{
    for (uint32_t c = 0; c < r->n_channels; c++)
        ssm_network_set_mode(r->nets[c], mode);
}

static void run_inner(void *user, const float *const *in, float *const *out, uint32_t n)
{
    ssm_netrun *r = user;
    for (uint32_t c = 0; c < r->n_channels; c++)
        ssm_network_process(r->nets[c], in[c], out[c], n);
}

void ssm_netrun_process(ssm_netrun *r, const float *const *in, float *const *out, uint32_t n_frames)
{
    if (r->bridge)
        ssm_rate_bridge_process(r->bridge, in, out, n_frames, run_inner, r);
    else
        run_inner(r, in, out, n_frames);
}

uint32_t ssm_netrun_latency(const ssm_netrun *r)
{
    uint32_t lat = ssm_network_latency(r->nets[0]);
    if (!r->bridge)
        return lat;
    /* The network's delay, counted in host frames, on top of the bridge's. */
    return ssm_rate_bridge_latency(r->bridge) + r->host_lat_extra;
}

float ssm_netrun_vad(const ssm_netrun *r)
{
    float v = 0.0f;
    for (uint32_t c = 0; c < r->n_channels; c++) {
        float x = ssm_network_vad(r->nets[c]);
        v = x > v ? x : v;
    }
    return v;
}

void ssm_netrun_reset(ssm_netrun *r)
{
    if (r->bridge)
        ssm_rate_bridge_reset(r->bridge);
    for (uint32_t c = 0; c < r->n_channels; c++)
        ssm_network_reset(r->nets[c]);
}

void ssm_netrun_free(ssm_netrun *r)
{
    ssm_rate_bridge_destroy(r->bridge);
    if (r->nets)
        for (uint32_t c = 0; c < r->n_channels; c++)
            ssm_network_destroy(r->nets[c]);
    free(r->nets);
    ssm_model_destroy(r->model);
    memset(r, 0, sizeof *r);
}
