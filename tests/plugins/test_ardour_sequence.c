/* Ardour's export and a batch render give the same samples (issue 14).
 *
 * Logged inside Ardour 7.3 (a shim plugin around ssm-denoise recording
 * every call, while ardour7-export rendered a session), Ardour does this to
 * a plugin, which a small lilv host or ssm-render does not:
 *   - options maxBlockLength 8192, nominalBlockLength 1024, minBlockLength
 *     1, sequenceSize 8192, sampleRate 48000 (float);
 *   - a latency probe: activate, one run of 1024 frames of silence,
 *     deactivate, twice, then activate for good;
 *   - runs of 1024 frames, in place (input and output the same buffer);
 *   - three runs with freeWheeling off, then freeWheeling on;
 *   - silence before the take: the session's start and the export
 *     pre-roll, about 2.4 s here, of any length (not a multiple of the
 *     denoiser's 48-frame hop).
 * The denoiser's state moves under silence (its features are log(c^2 +
 * eps), not 0) and its frames are counted from its start, so the silence
 * before the take changed its output: -21 dB of residual against
 * ssm-render of the same take. Here each plugin runs through that
 * sequence, with pre-rolls of several lengths, and must give exactly what
 * a fresh instance gives on the take alone with freeWheeling on and
 * 8192-frame runs into separate buffers, as ssm-render runs it.
 * Usage: test_ardour_sequence TAKE.wav */
#include <lilv/lilv.h>
#include <lv2/atom/atom.h>
#include <lv2/buf-size/buf-size.h>
#include <lv2/core/lv2.h>
#include <lv2/options/options.h>
#include <lv2/parameters/parameters.h>
#include <lv2/urid/urid.h>
#include <sndfile.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../harness.h"

#define B "http://ssmaudio.org/plugins/"

static char *uris[64];
static uint32_t n_uris;

static LV2_URID map(LV2_URID_Map_Handle h, const char *uri)
{
    for (uint32_t i = 0; i < n_uris; i++)
        if (!strcmp(uris[i], uri))
            return i + 1;
    uris[n_uris] = strdup(uri);
    return ++n_uris;
}

typedef struct {
    LilvWorld *world;
    const LilvPlugin *plugin;
    LilvNode *audio, *input, *control, *freewheel, *enabled, *reports_latency, *designation;
} ctx;

typedef struct {
    LilvInstance *inst;
    uint32_t n_ports, n_in, n_out, in[2], out[2];
    float *ctl;   /* one value per port */
    int fw_port;  /* lv2:freeWheeling, or -1 */
    int lat_port; /* lv2:latency output, or -1 */
} instance;

static instance *open_instance(ctx *c, int ardour)
{
    static int32_t mn = 1, mx = 8192, seq = 8192, nom_ardour = 1024, nom_render = 8192;
    static float rate = 48000.0f;
    LV2_URID_Map m = {NULL, map};
    LV2_Options_Option o[] = {{LV2_OPTIONS_INSTANCE, 0, map(NULL, LV2_BUF_SIZE__minBlockLength), 4,
                               map(NULL, LV2_ATOM__Int), &mn},
                              {LV2_OPTIONS_INSTANCE, 0, map(NULL, LV2_BUF_SIZE__maxBlockLength), 4,
                               map(NULL, LV2_ATOM__Int), &mx},
                              {LV2_OPTIONS_INSTANCE, 0, map(NULL, LV2_BUF_SIZE__sequenceSize), 4,
                               map(NULL, LV2_ATOM__Int), &seq},
                              {LV2_OPTIONS_INSTANCE, 0, map(NULL, LV2_PARAMETERS__sampleRate), 4,
                               map(NULL, LV2_ATOM__Float), &rate},
                              {LV2_OPTIONS_INSTANCE, 0, map(NULL, LV2_BUF_SIZE__nominalBlockLength),
                               4, map(NULL, LV2_ATOM__Int), ardour ? &nom_ardour : &nom_render},
                              {LV2_OPTIONS_INSTANCE, 0, 0, 0, 0, NULL}};
    LV2_Feature fm = {LV2_URID__map, &m}, fo = {LV2_OPTIONS__options, o},
                fb = {LV2_BUF_SIZE__boundedBlockLength, NULL};
    const LV2_Feature *f[] = {&fm, &fo, &fb, NULL};
    instance *in = calloc(1, sizeof *in);
    in->inst = lilv_plugin_instantiate(c->plugin, 48000.0, f);
    if (!in->inst) {
        free(in);
        return NULL;
    }
    in->n_ports = lilv_plugin_get_num_ports(c->plugin);
    in->ctl = calloc(in->n_ports, sizeof *in->ctl);
    in->fw_port = in->lat_port = -1;
    float *mins = calloc(in->n_ports, sizeof(float)), *maxs = calloc(in->n_ports, sizeof(float));
    float *defs = calloc(in->n_ports, sizeof(float));
    lilv_plugin_get_port_ranges_float(c->plugin, mins, maxs, defs);
    for (uint32_t p = 0; p < in->n_ports; p++) {
        const LilvPort *port = lilv_plugin_get_port_by_index(c->plugin, p);
        const int is_in = lilv_port_is_a(c->plugin, port, c->input);
        if (lilv_port_is_a(c->plugin, port, c->audio)) {
            if (is_in)
                in->in[in->n_in++] = p;
            else
                in->out[in->n_out++] = p;
            continue;
        }
        if (!lilv_port_is_a(c->plugin, port, c->control)) {
            lilv_instance_connect_port(in->inst, p, NULL);
            continue;
        }
        in->ctl[p] = isnan(defs[p]) ? 0.0f : defs[p];
        LilvNodes *des = lilv_port_get_value(c->plugin, port, c->designation);
        const LilvNode *d = des ? lilv_nodes_get_first(des) : NULL;
        if (d && lilv_node_equals(d, c->freewheel))
            in->fw_port = (int)p;
        if (d && lilv_node_equals(d, c->enabled))
            in->ctl[p] = 1.0f;
        if (!is_in && lilv_port_has_property(c->plugin, port, c->reports_latency))
            in->lat_port = (int)p;
        lilv_nodes_free(des);
        lilv_instance_connect_port(in->inst, p, &in->ctl[p]);
    }
    free(mins);
    free(maxs);
    free(defs);
    return in;
}

static void close_instance(instance *in)
{
    if (!in)
        return;
    lilv_instance_free(in->inst);
    free(in->ctl);
    free(in);
}

/* One run of n frames of buf (planar, nc x stride), in place or into out. */
static void run(instance *in, float *buf, float *out, size_t stride, uint32_t nc, uint32_t n)
{
    for (uint32_t c = 0; c < in->n_in; c++)
        lilv_instance_connect_port(in->inst, in->in[c], buf + (size_t)(c % nc) * stride);
    for (uint32_t c = 0; c < in->n_out; c++)
        lilv_instance_connect_port(in->inst, in->out[c], (out ? out : buf) + (size_t)c * stride);
    lilv_instance_run(in->inst, n);
}

/* Ardour's sequence over pre-roll zeros then the take; returns the output
 * from the take's first frame on (latency compensated), nc x len. */
static float *ardour(ctx *c, const float *take, uint32_t nc, size_t len, size_t preroll)
{
    instance *in = open_instance(c, 1);
    if (!in)
        return NULL;
    const size_t total = preroll + len + 16384;
    float *x = calloc((size_t)nc * total, sizeof *x); /* channel-major, the whole stream */
    for (uint32_t ch = 0; ch < nc; ch++)
        memcpy(x + (size_t)ch * total + preroll, take + (size_t)ch * len, len * sizeof(float));
    float blk[2 * 1024];
    /* The latency probe, twice. */
    for (int k = 0; k < 2; k++) {
        memset(blk, 0, sizeof blk);
        lilv_instance_activate(in->inst);
        run(in, blk, NULL, 1024, nc, 1024);
        lilv_instance_deactivate(in->inst);
    }
    lilv_instance_activate(in->inst);
    uint32_t latency = 0;
    for (size_t at = 0, r = 0; at < total; at += 1024, r++) {
        const uint32_t n = (uint32_t)(total - at < 1024 ? total - at : 1024);
        if (in->fw_port >= 0)
            in->ctl[in->fw_port] = r < 3 ? 0.0f : 1.0f;
        for (uint32_t ch = 0; ch < nc; ch++)
            memcpy(blk + (size_t)ch * 1024, x + (size_t)ch * total + at, n * sizeof(float));
        run(in, blk, NULL, 1024, nc, n);
        for (uint32_t ch = 0; ch < nc && ch < in->n_out; ch++)
            memcpy(x + (size_t)ch * total + at, blk + (size_t)ch * 1024, n * sizeof(float));
        if (in->lat_port >= 0)
            latency = (uint32_t)in->ctl[in->lat_port];
    }
    lilv_instance_deactivate(in->inst);
    float *y = malloc((size_t)nc * len * sizeof *y);
    for (uint32_t ch = 0; ch < nc; ch++)
        memcpy(y + (size_t)ch * len, x + (size_t)ch * total + preroll + latency,
               len * sizeof(float));
    free(x);
    close_instance(in);
    return y;
}

/* As ssm-render runs it: fresh, freeWheeling on, 8192-frame runs. */
static float *render(ctx *c, const float *take, uint32_t nc, size_t len)
{
    instance *in = open_instance(c, 0);
    if (!in)
        return NULL;
    const size_t total = len + 16384;
    float *x = calloc((size_t)nc * total, sizeof *x), *y = calloc((size_t)nc * total, sizeof *y);
    for (uint32_t ch = 0; ch < nc; ch++)
        memcpy(x + (size_t)ch * total, take + (size_t)ch * len, len * sizeof(float));
    lilv_instance_activate(in->inst);
    if (in->fw_port >= 0)
        in->ctl[in->fw_port] = 1.0f;
    static float ib[2 * 8192], ob[2 * 8192];
    uint32_t latency = 0;
    for (size_t at = 0; at < total; at += 8192) {
        const uint32_t n = (uint32_t)(total - at < 8192 ? total - at : 8192);
        for (uint32_t ch = 0; ch < nc; ch++)
            memcpy(ib + (size_t)ch * 8192, x + (size_t)ch * total + at, n * sizeof(float));
        run(in, ib, ob, 8192, nc, n);
        for (uint32_t ch = 0; ch < nc && ch < in->n_out; ch++)
            memcpy(y + (size_t)ch * total + at, ob + (size_t)ch * 8192, n * sizeof(float));
        if (in->lat_port >= 0)
            latency = (uint32_t)in->ctl[in->lat_port];
    }
    lilv_instance_deactivate(in->inst);
    float *z = malloc((size_t)nc * len * sizeof *z);
    for (uint32_t ch = 0; ch < nc; ch++)
        memcpy(z + (size_t)ch * len, y + (size_t)ch * total + latency, len * sizeof(float));
    free(x);
    free(y);
    close_instance(in);
    return z;
}

int main(int argc, char **argv)
{
    if (argc != 2) {
        fprintf(stderr, "usage: test_ardour_sequence TAKE.wav\n");
        return 2;
    }
    SF_INFO si = {0};
    SNDFILE *f = sf_open(argv[1], SFM_READ, &si);
    CHECK(f != NULL, "read %s", argv[1]);
    if (!f)
        return th_finish("test_ardour_sequence");
    /* A recorded take starts with the silence before the singer does. */
    const size_t lead = 13840, n_file = (size_t)si.frames,
                 len = th_scale(lead + n_file, lead + 48000);
    float *mono = calloc(lead + n_file, sizeof *mono);
    float *il = malloc(n_file * (size_t)si.channels * sizeof *il);
    sf_readf_float(f, il, (sf_count_t)n_file);
    sf_close(f);
    for (size_t i = 0; i < n_file; i++)
        mono[lead + i] = il[i * (size_t)si.channels];
    free(il);
    float *take = malloc(2 * len * sizeof *take); /* stereo: the other side 6 dB down */
    for (size_t i = 0; i < len; i++) {
        take[i] = mono[i];
        take[len + i] = 0.5f * mono[i];
    }
    free(mono);

    ctx c = {.world = lilv_world_new()};
    lilv_world_load_all(c.world);
    c.audio = lilv_new_uri(c.world, LV2_CORE__AudioPort);
    c.input = lilv_new_uri(c.world, LV2_CORE__InputPort);
    c.control = lilv_new_uri(c.world, LV2_CORE__ControlPort);
    c.freewheel = lilv_new_uri(c.world, LV2_CORE__freeWheeling);
    c.enabled = lilv_new_uri(c.world, LV2_CORE__enabled);
    c.reports_latency = lilv_new_uri(c.world, LV2_CORE__reportsLatency);
    c.designation = lilv_new_uri(c.world, LV2_CORE__designation);
    static const struct {
        const char *name;
        uint32_t nc;
    } plugs[] = {{"denoise", 1}, {"denoise-stereo", 2}, {"resonator", 1}, {"reverb", 2}};
    /* The pre-roll seen in Ardour, none, and two lengths off the hop. */
    const size_t prerolls[] = {115889, 0, 1001, 48007};
    for (size_t k = 0; k < sizeof plugs / sizeof plugs[0]; k++) {
        char uri[128];
        snprintf(uri, sizeof uri, B "%s", plugs[k].name);
        LilvNode *u = lilv_new_uri(c.world, uri);
        c.plugin = lilv_plugins_get_by_uri(lilv_world_get_all_plugins(c.world), u);
        lilv_node_free(u);
        CHECK(c.plugin != NULL, "%s is on LV2_PATH", uri);
        if (!c.plugin)
            continue;
        const uint32_t nc = plugs[k].nc;
        float *want = render(&c, take, nc, len);
        for (size_t p = 0; want && p < sizeof prerolls / sizeof prerolls[0]; p++) {
            float *got = ardour(&c, take, nc, len, prerolls[p]);
            for (uint32_t ch = 0; got && ch < nc; ch++) {
                char what[128];
                snprintf(what, sizeof what, "%s ch %u, Ardour's sequence, pre-roll %zu",
                         plugs[k].name, ch, prerolls[p]);
                /* The offline forms' chunks fall elsewhere in the signal:
                 * float rounding apart, the same samples. */
                th_close_f(what, got + (size_t)ch * len, want + (size_t)ch * len, len, 1e-5);
            }
            free(got);
        }
        free(want);
    }
    free(take);
    for (uint32_t i = 0; i < n_uris; i++)
        free(uris[i]);
    LilvNode *nodes[] = {c.audio,   c.input,           c.control,    c.freewheel,
                         c.enabled, c.reports_latency, c.designation};
    for (size_t i = 0; i < sizeof nodes / sizeof nodes[0]; i++)
        lilv_node_free(nodes[i]);
    lilv_world_free(c.world);
    return th_finish("test_ardour_sequence");
}
