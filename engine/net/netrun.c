/* A model file's graph run per channel at the host's rate.
 *
 * Rate path (docs/model-format.md, "Sample rates"): at the trained rate the
 * graph runs as is; at another rate a graph whose layers are all
 * continuous-time or rate-free is re-discretised (dt_scale = trained /
 * host rate, no resampling, no added latency); a graph with a rate-bound
 * layer (taps, learned filterbanks) runs at its trained rate inside the
 * libsamplerate bridge (engine/core/resample.c), and `why` names the layer. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "net/netrun.h"

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
    ssm_graph *first = ssm_graph_create(r->model, err);
    if (!first) {
        ssm_netrun_free(r);
        return err ? err->status : SSM_ERR_FORMAT;
    }
    const size_t inputs = ssm_graph_inputs(first);
    if (inputs != 1 && inputs != r->n_channels) {
        ssm_error_set(err, SSM_ERR_UNSUPPORTED,
                      "%s: the graph takes %zu audio channels; the host gives %u (a mono graph "
                      "runs once per channel)",
                      model_path, inputs, r->n_channels);
        ssm_graph_destroy(first);
        ssm_netrun_free(r);
        return SSM_ERR_UNSUPPORTED;
    }
    r->n_graphs = inputs == 1 ? r->n_channels : 1;
    r->graphs = calloc(r->n_graphs, sizeof(ssm_graph *));
    if (!r->graphs) {
        ssm_graph_destroy(first);
        ssm_netrun_free(r);
        ssm_error_set(err, SSM_ERR_NOMEM, "out of memory loading %s", model_path);
        return SSM_ERR_NOMEM;
    }
    r->graphs[0] = first;
    for (uint32_t c = 1; c < r->n_graphs; c++) {
        r->graphs[c] = ssm_graph_create(r->model, err);
        if (!r->graphs[c]) {
            ssm_status st = err ? err->status : SSM_ERR_FORMAT;
            ssm_netrun_free(r);
            return st;
        }
    }
    return SSM_OK;
}

/* Picks the rate path, the graph's dt_scale and the rate it runs at. */
static double choose_rate(ssm_netrun *r, double host_rate)
{
    const ssm_graph *g = r->graphs[0];
    const double f0 = ssm_graph_rate(g);
    const char *path = ssm_model_path(r->model);
    const long rb = ssm_graph_rate_bound(g);
    const char *rd = ssm_model_meta(r->model, "ssm.rediscretize");
    r->dt_scale = 1.0;
    if (host_rate == f0) {
        r->path = SSM_RATE_NATIVE;
        snprintf(r->why, sizeof r->why, "%s: runs at its trained rate, %g Hz", path, f0);
        return f0;
    }
    if (rb >= 0 || (rd && strcmp(rd, "false") == 0)) {
        r->path = SSM_RATE_RESAMPLE;
        if (rb >= 0)
            snprintf(r->why, sizeof r->why,
                     "%s: layer \"%s\" (%s) is rate-bound: host %g Hz runs through the %g Hz "
                     "bridge (libsamplerate)",
                     path, ssm_graph_node_id(g, (size_t)rb), ssm_graph_node_kind(g, (size_t)rb),
                     host_rate, f0);
        else
            snprintf(r->why, sizeof r->why,
                     "%s: marked ssm.rediscretize=false: host %g Hz runs through the %g Hz bridge "
                     "(libsamplerate)",
                     path, host_rate, f0);
        return f0;
    }
    r->path = SSM_RATE_REDISCRETIZE;
    r->dt_scale = f0 / host_rate;
    snprintf(r->why, sizeof r->why,
             "%s: trained at %g Hz, re-discretised for %g Hz (no layer is rate-bound)", path, f0,
             host_rate);
    return host_rate;
}

ssm_status ssm_netrun_activate(ssm_netrun *r, double host_rate, uint32_t max_block, ssm_error *err)
{
    const double inner = choose_rate(r, host_rate);
    ssm_rate_bridge_destroy(r->bridge);
    r->bridge = NULL;
    free(r->il_in);
    free(r->il_out);
    r->il_in = r->il_out = NULL;
    r->host_lat_extra = 0;
    uint32_t inner_block = max_block;
    if (inner != host_rate) {
        r->bridge = ssm_rate_bridge_create(host_rate, inner, r->n_channels, max_block, err);
        if (!r->bridge)
            return err ? err->status : SSM_ERR_NOMEM;
        inner_block = ssm_rate_bridge_max_inner_block(r->bridge);
        r->host_lat_extra = (uint32_t)(ssm_graph_latency(r->graphs[0]) * host_rate / inner + 0.5);
    }
    r->max_inner = inner_block;
    if (r->n_graphs == 1 && r->n_channels > 1) {
        r->il_in = calloc((size_t)inner_block * r->n_channels, sizeof(float));
        r->il_out = calloc((size_t)inner_block * r->n_channels, sizeof(float));
        if (!r->il_in || !r->il_out) {
            ssm_error_set(err, SSM_ERR_NOMEM, "out of memory activating %s",
                          ssm_model_path(r->model));
            return SSM_ERR_NOMEM;
        }
    }
    for (uint32_t c = 0; c < r->n_graphs; c++) {
        ssm_status st = ssm_graph_activate(r->graphs[c], r->dt_scale, inner_block, err);
        if (st != SSM_OK)
            return st;
    }
    return SSM_OK;
}

void ssm_netrun_set_mode(ssm_netrun *r, ssm_mode mode)
{
    for (uint32_t c = 0; c < r->n_graphs; c++)
        ssm_graph_set_mode(r->graphs[c], mode);
}

static void run_inner(void *user, const float *const *in, float *const *out, uint32_t n)
{
    ssm_netrun *r = user;
    if (!r->il_in) {
        for (uint32_t c = 0; c < r->n_graphs; c++)
            ssm_graph_process(r->graphs[c], in[c], out[c], n);
        return;
    }
    const uint32_t nc = r->n_channels;
    for (uint32_t done = 0; done < n;) {
        const uint32_t b = n - done < r->max_inner ? n - done : r->max_inner;
        for (uint32_t i = 0; i < b; i++)
            for (uint32_t c = 0; c < nc; c++)
                r->il_in[(size_t)i * nc + c] = in[c][done + i];
        ssm_graph_process(r->graphs[0], r->il_in, r->il_out, b);
        for (uint32_t i = 0; i < b; i++)
            for (uint32_t c = 0; c < nc; c++)
                out[c][done + i] = r->il_out[(size_t)i * nc + c];
        done += b;
    }
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
    if (!r->bridge)
        return ssm_graph_latency(r->graphs[0]);
    /* The graph's delay, counted in host frames, on top of the bridge's. */
    return ssm_rate_bridge_latency(r->bridge) + r->host_lat_extra;
}

long ssm_netrun_meter_index(const ssm_netrun *r, const char *name)
{
    return ssm_graph_output_index(r->graphs[0], name);
}

float ssm_netrun_meter(const ssm_netrun *r, long index)
{
    if (index < 0)
        return 0.0f;
    float v = ssm_graph_meter(r->graphs[0], (size_t)index);
    for (uint32_t c = 1; c < r->n_graphs; c++) {
        float x = ssm_graph_meter(r->graphs[c], (size_t)index);
        v = x > v ? x : v;
    }
    return v;
}

void ssm_netrun_reset(ssm_netrun *r)
{
    if (r->bridge)
        ssm_rate_bridge_reset(r->bridge);
    for (uint32_t c = 0; c < r->n_graphs; c++)
        ssm_graph_reset(r->graphs[c]);
}

void ssm_netrun_free(ssm_netrun *r)
{
    ssm_rate_bridge_destroy(r->bridge);
    if (r->graphs)
        for (uint32_t c = 0; c < r->n_graphs; c++)
            ssm_graph_destroy(r->graphs[c]);
    free(r->graphs);
    free(r->il_in);
    free(r->il_out);
    ssm_model_destroy(r->model);
    memset(r, 0, sizeof *r);
}
