/* ssm-model tells the host when it cannot load a file (issue 14), as a DAW
 * sees it: a minimal lilv host of its own (URID map, log, options, a worker
 * that runs work() between two run()s, as a real host's worker thread
 * would) sets model#file with a patch:Set on the control port and reads
 * the notify port. Checked: a bad file (/dev/zero, a model with a NaN
 * weight, a missing file) is logged as log:Error naming the file and the
 * reason and answered with a patch:Set of model#status "cannot load: ...",
 * followed by the path that still runs; a good file answers "loaded ..."
 * and changes the audio; a bad file after a good one keeps the good one
 * running. Also the state path: restoring a state that names a bad file
 * reports it on the next run.
 * Usage: test_model_status GOOD.safetensors NAN.safetensors */
#include <lilv/lilv.h>
#include <lv2/atom/atom.h>
#include <lv2/atom/forge.h>
#include <lv2/atom/util.h>
#include <lv2/buf-size/buf-size.h>
#include <lv2/log/log.h>
#include <lv2/options/options.h>
#include <lv2/patch/patch.h>
#include <lv2/state/state.h>
#include <lv2/urid/urid.h>
#include <lv2/worker/worker.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../harness.h"

#define B     "http://ssmaudio.org/plugins/"
#define BLOCK 256
#define CAP   8192

static char *uris[256];
static uint32_t n_uris;

static LV2_URID map(LV2_URID_Map_Handle h, const char *uri)
{
    for (uint32_t i = 0; i < n_uris; i++)
        if (!strcmp(uris[i], uri))
            return i + 1;
    uris[n_uris] = strdup(uri);
    return ++n_uris;
}

static const char *unmap(LV2_URID_Unmap_Handle h, LV2_URID id)
{
    return id >= 1 && id <= n_uris ? uris[id - 1] : NULL;
}

static char last_error[1024];

static int log_vprintf(LV2_Log_Handle h, LV2_URID type, const char *fmt, va_list ap)
{
    char buf[1024];
    vsnprintf(buf, sizeof buf, fmt, ap);
    if (type == map(NULL, LV2_LOG__Error))
        snprintf(last_error, sizeof last_error, "%s", buf);
    return printf("   log %s: %s", unmap(NULL, type), buf);
}

static int log_printf(LV2_Log_Handle h, LV2_URID type, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int r = log_vprintf(h, type, fmt, ap);
    va_end(ap);
    return r;
}

/* The worker: requests and responses queued, handled between runs. */
typedef struct {
    uint32_t size;
    uint8_t data[2048];
} msg;
static msg requests[8], responses[8];
static int n_requests, n_responses;

static LV2_Worker_Status schedule(LV2_Worker_Schedule_Handle h, uint32_t size, const void *data)
{
    if (n_requests == 8 || size > sizeof requests[0].data)
        return LV2_WORKER_ERR_NO_SPACE;
    requests[n_requests].size = size;
    memcpy(requests[n_requests].data, data, size);
    n_requests++;
    return LV2_WORKER_SUCCESS;
}

static LV2_Worker_Status respond(LV2_Worker_Respond_Handle h, uint32_t size, const void *data)
{
    if (n_responses == 8 || size > sizeof responses[0].data)
        return LV2_WORKER_ERR_NO_SPACE;
    responses[n_responses].size = size;
    memcpy(responses[n_responses].data, data, size);
    n_responses++;
    return LV2_WORKER_SUCCESS;
}

typedef struct {
    LilvInstance *inst;
    const LV2_Worker_Interface *worker;
    union {
        LV2_Atom_Sequence seq;
        uint8_t bytes[CAP];
    } control, notify;
    float in[BLOCK], out[BLOCK], in_gain, out_gain, latency, freewheel;
    char status[512], path[512]; /* what the last notify said */
    int n_status, n_path;
} host;

static LV2_Atom_Forge forge;

/* A patch:Set of model#file on the control port. */
static void send_path(host *h, const char *path)
{
    lv2_atom_forge_set_buffer(&forge, h->control.bytes, sizeof h->control.bytes);
    LV2_Atom_Forge_Frame seq, obj;
    lv2_atom_forge_sequence_head(&forge, &seq, 0);
    lv2_atom_forge_frame_time(&forge, 0);
    lv2_atom_forge_object(&forge, &obj, 0, map(NULL, LV2_PATCH__Set));
    lv2_atom_forge_key(&forge, map(NULL, LV2_PATCH__property));
    lv2_atom_forge_urid(&forge, map(NULL, B "model#file"));
    lv2_atom_forge_key(&forge, map(NULL, LV2_PATCH__value));
    lv2_atom_forge_path(&forge, path, (uint32_t)strlen(path) + 1);
    lv2_atom_forge_pop(&forge, &obj);
    lv2_atom_forge_pop(&forge, &seq);
}

/* One block: run, read notify, then the worker (work, then responses). */
static void cycle(host *h)
{
    h->notify.seq.atom.size = sizeof h->notify.bytes - sizeof(LV2_Atom);
    h->notify.seq.atom.type = map(NULL, LV2_ATOM__Chunk);
    lilv_instance_run(h->inst, BLOCK);
    LV2_ATOM_SEQUENCE_FOREACH(&h->notify.seq, ev)
    {
        const LV2_Atom_Object *o = (const LV2_Atom_Object *)&ev->body;
        if (ev->body.type != map(NULL, LV2_ATOM__Object) ||
            o->body.otype != map(NULL, LV2_PATCH__Set))
            continue;
        const LV2_Atom *prop = NULL, *val = NULL;
        lv2_atom_object_get(o, map(NULL, LV2_PATCH__property), &prop, map(NULL, LV2_PATCH__value),
                            &val, 0);
        if (!prop || !val)
            continue;
        const LV2_URID key = ((const LV2_Atom_URID *)prop)->body;
        const char *text = (const char *)LV2_ATOM_BODY_CONST(val);
        if (key == map(NULL, B "model#status")) {
            snprintf(h->status, sizeof h->status, "%.*s", (int)val->size, text);
            h->n_status++;
        } else if (key == map(NULL, B "model#file")) {
            snprintf(h->path, sizeof h->path, "%s", text);
            h->n_path++;
        }
    }
    /* The control port carries nothing on the next block. */
    lv2_atom_forge_set_buffer(&forge, h->control.bytes, sizeof h->control.bytes);
    LV2_Atom_Forge_Frame seq;
    lv2_atom_forge_sequence_head(&forge, &seq, 0);
    lv2_atom_forge_pop(&forge, &seq);
    for (int i = 0; i < n_requests; i++)
        h->worker->work(lilv_instance_get_handle(h->inst), respond, NULL, requests[i].size,
                        requests[i].data);
    n_requests = 0;
    for (int i = 0; i < n_responses; i++)
        h->worker->work_response(lilv_instance_get_handle(h->inst), responses[i].size,
                                 responses[i].data);
    n_responses = 0;
}

/* Set the path and run until the plugin has answered; returns how far
 * the last block's output is from its input (0 for the gain stage). */
static double load(host *h, const char *path)
{
    h->status[0] = h->path[0] = '\0';
    last_error[0] = '\0';
    send_path(h, path);
    double diff = 0.0;
    for (int k = 0; k < 40; k++) {
        cycle(h);
        diff = 0.0;
        for (int i = 0; i < BLOCK; i++)
            diff = fmax(diff, fabs((double)h->out[i] - h->in[i]));
    }
    return diff;
}

static void set_port_value(const char *sym, void *u, const void *value, uint32_t size,
                           uint32_t type)
{
}

int main(int argc, char **argv)
{
    if (argc != 3) {
        fprintf(stderr, "usage: test_model_status GOOD.safetensors NAN.safetensors\n");
        return 2;
    }
    LilvWorld *world = lilv_world_new();
    lilv_world_load_all(world);
    LilvNode *uri = lilv_new_uri(world, B "model");
    const LilvPlugin *plugin = lilv_plugins_get_by_uri(lilv_world_get_all_plugins(world), uri);
    CHECK(plugin != NULL, "ssm-model is on LV2_PATH");
    if (!plugin)
        return th_finish("test_model_status");

    LV2_URID_Map m = {NULL, map};
    LV2_URID_Unmap um = {NULL, unmap};
    LV2_Log_Log lg = {NULL, log_printf, log_vprintf};
    LV2_Worker_Schedule ws = {NULL, schedule};
    const int32_t block = BLOCK;
    LV2_Options_Option opts[] = {{LV2_OPTIONS_INSTANCE, 0, map(NULL, LV2_BUF_SIZE__maxBlockLength),
                                  sizeof block, map(NULL, LV2_ATOM__Int), &block},
                                 {LV2_OPTIONS_INSTANCE, 0, 0, 0, 0, NULL}};
    LV2_Feature f_map = {LV2_URID__map, &m}, f_unmap = {LV2_URID__unmap, &um},
                f_log = {LV2_LOG__log, &lg}, f_ws = {LV2_WORKER__schedule, &ws},
                f_opts = {LV2_OPTIONS__options, opts};
    const LV2_Feature *features[] = {&f_map, &f_unmap, &f_log, &f_ws, &f_opts, NULL};
    lv2_atom_forge_init(&forge, &m);

    host *h = calloc(1, sizeof *h);
    h->inst = lilv_plugin_instantiate(plugin, 48000, features);
    CHECK(h->inst != NULL, "instantiate ssm-model");
    if (!h->inst)
        return th_finish("test_model_status");
    h->worker = lilv_instance_get_extension_data(h->inst, LV2_WORKER__interface);
    for (int i = 0; i < BLOCK; i++)
        h->in[i] = 0.3f * sinf(2.0f * 3.14159265f * 440.0f * (float)i / 48000.0f);
    static const char *const syms[] = {"control", "notify",   "in",      "out",
                                       "in_gain", "out_gain", "latency", "freewheel"};
    void *bufs[] = {&h->control, &h->notify,   h->in,       h->out,
                    &h->in_gain, &h->out_gain, &h->latency, &h->freewheel};
    for (size_t i = 0; i < sizeof syms / sizeof syms[0]; i++) {
        LilvNode *sym = lilv_new_string(world, syms[i]);
        const LilvPort *port = lilv_plugin_get_port_by_symbol(plugin, sym);
        if (port)
            lilv_instance_connect_port(h->inst, lilv_port_get_index(plugin, port), bufs[i]);
        lilv_node_free(sym);
    }
    lilv_instance_activate(h->inst);

    /* Before any model: the gain stage (unity), so the output is the input. */
    cycle(h);

    static const struct {
        const char *what, *path, *why;
    } bad[] = {{"/dev/zero", "/dev/zero", "is a character device"},
               {"a missing file", "/nonexistent/model.safetensors", "No such file"},
               {"a model with a NaN weight", NULL, "is NaN"}};
    for (int pass = 0; pass < 2; pass++) {
        for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
            const char *path = bad[i].path ? bad[i].path : argv[2];
            const double diff = load(h, path);
            printf("%s%s: status \"%s\", then path \"%s\"; |out - in| %.3g\n",
                   pass ? "after a good model, " : "", bad[i].what, h->status, h->path, diff);
            CHECK(strncmp(h->status, "cannot load: ", 13) == 0 && strstr(h->status, path) &&
                      strstr(h->status, bad[i].why),
                  "%s: notify says \"cannot load: ...%s...\" (got \"%s\")", bad[i].what, bad[i].why,
                  h->status);
            CHECK(strstr(last_error, path) && strstr(last_error, bad[i].why),
                  "%s: logged as log:Error naming it (got \"%s\")", bad[i].what, last_error);
            if (pass == 0) {
                CHECK(diff < 1e-6, "%s: still the gain stage (|out - in| %.3g)", bad[i].what, diff);
            } else {
                CHECK(strcmp(h->path, argv[1]) == 0,
                      "%s: the path sent back is the model that still runs (got \"%s\")",
                      bad[i].what, h->path);
                CHECK(diff > 0.01, "%s: the model still runs (|out - in| %.3g)", bad[i].what, diff);
            }
        }
        if (pass == 0) {
            const double diff = load(h, argv[1]);
            printf("a good model: status \"%s\", path \"%s\"; |out - in| %.3g\n", h->status,
                   h->path, diff);
            CHECK(strncmp(h->status, "loaded ", 7) == 0 && strstr(h->status, argv[1]),
                  "a good model: notify says \"loaded ...\" (got \"%s\")", h->status);
            CHECK(strcmp(h->path, argv[1]) == 0, "a good model: its path is sent back");
            CHECK(diff > 0.01, "a good model changes the audio (|out - in| %.3g)", diff);
        }
    }

    /* A session restored with a file that is no longer good. */
    char ttl[2048];
    snprintf(ttl, sizeof ttl,
             "@prefix lv2: <http://lv2plug.in/ns/lv2core#> .\n"
             "@prefix pset: <http://lv2plug.in/ns/ext/presets#> .\n"
             "@prefix state: <http://lv2plug.in/ns/ext/state#> .\n"
             "<urn:test:s> a pset:Preset ; lv2:appliesTo <" B "model> ;\n"
             "  state:state [ <" B "model#file> \"%s\"^^<" LV2_ATOM__Path "> ] .\n",
             argv[2]);
    LilvState *st = lilv_state_new_from_string(world, &m, ttl);
    CHECK(st != NULL, "a state naming the NaN model parses");
    if (st) {
        h->status[0] = '\0';
        last_error[0] = '\0';
        lilv_state_restore(st, h->inst, set_port_value, NULL, 0, features);
        cycle(h);
        printf("restored state with a NaN model: status \"%s\"\n", h->status);
        CHECK(strncmp(h->status, "cannot load: ", 13) == 0 && strstr(h->status, "is NaN"),
              "restore of a bad file: the next run's notify says why (got \"%s\")", h->status);
        CHECK(strstr(last_error, argv[2]) != NULL, "restore of a bad file: logged as log:Error");
        lilv_state_free(st);
    }

    lilv_instance_deactivate(h->inst);
    lilv_instance_free(h->inst);
    free(h);
    lilv_node_free(uri);
    lilv_world_free(world);
    for (uint32_t i = 0; i < n_uris; i++)
        free(uris[i]);
    return th_finish("test_model_status");
}
