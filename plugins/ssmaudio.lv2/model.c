/* ssm-model: runs any ssmaudio model file the user picks.
 *
 * The file is a patch:Parameter (rdfs:range atom:Path), set with a
 * patch:Set message on the control port as eg-sampler does (hosts without
 * a worker can still load one by restoring a state). Loading reads
 * a file and allocates, so it happens on the host's worker thread: work()
 * creates and activates a fresh "model" processor; work_response(), which
 * the host calls between two runs on the audio thread, swaps it in with a
 * pointer assignment (no gap, no lock) and hands the old one back to the
 * worker to be destroyed. The path is saved and restored through the
 * state extension (mapped to an abstract path, so a saved session can
 * move with its files). Until a model is loaded the plugin is a gain stage
 * (the engine's "gain" processor at in_gain + out_gain), so the controls
 * and presets act the same with or without a model.
 *
 * A file that cannot be loaded leaves the running model (or the gain
 * stage) in place and says why, twice: as a log:Error (the host's log
 * window; ssm-render fails the file on it) and as the readable parameter
 * model#status, a patch:Set on the notify port ("loaded FILE" or "cannot
 * load: REASON"), with the path that actually runs sent back after it. */
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>

#include <lv2/atom/atom.h>
#include <lv2/atom/forge.h>
#include <lv2/atom/util.h>
#include <lv2/patch/patch.h>
#include <lv2/state/state.h>
#include <lv2/worker/worker.h>

#include "ssm_lv2.h"

#define MODEL_URI        SSM_LV2_URI "model"
#define MODEL_FILE_URI   SSM_LV2_URI "model#file"
#define MODEL_FREE_URI   SSM_LV2_URI "model#freeProcessor"
#define MODEL_STATUS_URI SSM_LV2_URI "model#status"
#define STATUS_BYTES     240

typedef enum {
    PORT_CONTROL = 0,
    PORT_NOTIFY = 1,
    PORT_IN = 2,
    PORT_OUT = 3,
    PORT_IN_GAIN = 4, /* then out_gain */
    PORT_LATENCY = 6,
    PORT_FREEWHEEL = 7,
} port_index;

static const char *const symbols[] = {"in_gain", "out_gain"};
#define N_CONTROLS 2u

typedef struct {
    LV2_URID atom_path, atom_urid, atom_object, atom_sequence, atom_string;
    LV2_URID patch_set, patch_get, patch_property, patch_value;
    LV2_URID model_file, free_processor, model_status;
} uris;

/* A loaded model on its way from the worker to run(), or an old one on its
 * way back. Passed by value through the host's worker ring. */
typedef struct {
    LV2_Atom atom;       /* type: free_processor for the way back */
    ssm_processor *proc; /* NULL: the load failed, status says why */
    char *path;
    int32_t param[N_CONTROLS];
    char status[STATUS_BYTES];
} model_msg;

typedef struct {
    ssm_lv2_host host;
    LV2_Worker_Schedule *schedule;
    uris u;
    LV2_Atom_Forge forge;
    ssm_processor *proc; /* the model, or the gain stage while path is NULL */
    char *path;          /* the loaded file, owned */
    float gain_db;       /* the gain stage's setting */
    ssm_lv2_controls controls;
    int controls_stale; /* a new processor: send every control value */
    int notify_path;    /* tell the host (and a GUI) the path changed */
    int notify_status;  /* tell it how the last load went */
    char status[STATUS_BYTES];
    int fresh; /* activated: start at the control values, no glide */
    const LV2_Atom_Sequence *control;
    LV2_Atom_Sequence *notify;
    const float *in;
    float *out;
    float *latency;
    const float *freewheel;
} model;

static void map_uris(LV2_URID_Map *map, uris *u)
{
    u->atom_path = map->map(map->handle, LV2_ATOM__Path);
    u->atom_urid = map->map(map->handle, LV2_ATOM__URID);
    u->atom_object = map->map(map->handle, LV2_ATOM__Object);
    u->atom_sequence = map->map(map->handle, LV2_ATOM__Sequence);
    u->atom_string = map->map(map->handle, LV2_ATOM__String);
    u->patch_set = map->map(map->handle, LV2_PATCH__Set);
    u->patch_get = map->map(map->handle, LV2_PATCH__Get);
    u->patch_property = map->map(map->handle, LV2_PATCH__property);
    u->patch_value = map->map(map->handle, LV2_PATCH__value);
    u->model_file = map->map(map->handle, MODEL_FILE_URI);
    u->free_processor = map->map(map->handle, MODEL_FREE_URI);
    u->model_status = map->map(map->handle, MODEL_STATUS_URI);
}

/* Not real-time: create and activate a processor for path. On failure
 * (logged as an error) msg->status says why and msg->proc is NULL. */
static int load(model *self, const char *path, model_msg *msg)
{
    memset(msg, 0, sizeof *msg);
    ssm_error err = {0};
    msg->proc = ssm_lv2_processor_new_err(&self->host, "model", path, 1, &err);
    if (!msg->proc) {
        snprintf(msg->status, sizeof msg->status, "cannot load: %.220s", err.message);
        return 1;
    }
    msg->path = strdup(path);
    if (!msg->path) {
        ssm_processor_destroy(msg->proc);
        msg->proc = NULL;
        snprintf(msg->status, sizeof msg->status, "cannot load %.200s: out of memory", path);
        lv2_log_error(&self->host.logger, "ssm-model: %s\n", msg->status);
        return 1;
    }
    snprintf(msg->status, sizeof msg->status, "loaded %.225s", path);
    for (uint32_t i = 0; i < N_CONTROLS; i++)
        msg->param[i] = ssm_processor_param_index(msg->proc, symbols[i]);
    lv2_log_note(&self->host.logger, "ssm-model: loaded %s\n", path);
    return 0;
}

/* Audio thread (or restore): make msg's processor current; returns the old
 * one in msg for the caller to free off the audio thread. */
static void install(model *self, model_msg *msg)
{
    ssm_processor *old_proc = self->proc;
    char *old_path = self->path;
    self->proc = msg->proc;
    self->path = msg->path;
    for (uint32_t i = 0; i < N_CONTROLS; i++)
        self->controls.param[i] = msg->param[i];
    self->controls_stale = 1;
    self->notify_path = 1;
    memcpy(self->status, msg->status, sizeof self->status);
    self->notify_status = 1;
    msg->proc = old_proc;
    msg->path = old_path;
}

static const char *set_message_path(const model *self, const LV2_Atom_Object *obj)
{
    const LV2_Atom *property = NULL, *value = NULL;
    lv2_atom_object_get(obj, self->u.patch_property, &property, self->u.patch_value, &value, 0);
    if (!property || property->type != self->u.atom_urid ||
        ((const LV2_Atom_URID *)property)->body != self->u.model_file)
        return NULL;
    if (!value || value->type != self->u.atom_path || value->size == 0)
        return NULL;
    const char *path = (const char *)LV2_ATOM_BODY_CONST(value);
    return path[value->size - 1] == '\0' ? path : NULL;
}

static LV2_Worker_Status work(LV2_Handle instance, LV2_Worker_Respond_Function respond,
                              LV2_Worker_Respond_Handle handle, uint32_t size, const void *data)
{
    model *self = instance;
    const LV2_Atom *atom = data;
    if (atom->type == self->u.free_processor) {
        /* Copied out: a host's worker ring may hand it over at any
         * 4-byte boundary, and the message holds pointers. */
        model_msg msg;
        if (size != sizeof msg)
            return LV2_WORKER_ERR_UNKNOWN;
        memcpy(&msg, data, sizeof msg);
        ssm_processor_destroy(msg.proc);
        free(msg.path);
        return LV2_WORKER_SUCCESS;
    }
    if (atom->type != self->u.atom_object)
        return LV2_WORKER_ERR_UNKNOWN;
    const char *path = set_message_path(self, (const LV2_Atom_Object *)atom);
    if (!path)
        return LV2_WORKER_ERR_UNKNOWN;
    /* A failed load is answered too: run() tells the host why. */
    model_msg msg;
    load(self, path, &msg);
    return respond(handle, sizeof msg, &msg);
}

static LV2_Worker_Status work_response(LV2_Handle instance, uint32_t size, const void *data)
{
    model *self = instance;
    if (size != sizeof(model_msg))
        return LV2_WORKER_ERR_UNKNOWN;
    model_msg msg;
    memcpy(&msg, data, sizeof msg);
    if (!msg.proc) {
        memcpy(self->status, msg.status, sizeof self->status);
        self->notify_status = 1;
        self->notify_path = 1; /* the path that still runs, for a GUI that showed the new one */
        return LV2_WORKER_SUCCESS;
    }
    install(self, &msg);
    msg.atom.size = sizeof msg - sizeof msg.atom;
    msg.atom.type = self->u.free_processor;
    self->schedule->schedule_work(self->schedule->handle, sizeof msg, &msg);
    return LV2_WORKER_SUCCESS;
}

static LV2_Handle instantiate(const LV2_Descriptor *descriptor, double rate, const char *bundle,
                              const LV2_Feature *const *features)
{
    model *self = calloc(1, sizeof *self);
    if (!self)
        return NULL;
    self->schedule = ssm_lv2_feature(features, LV2_WORKER__schedule);
    if (ssm_lv2_host_init(&self->host, rate, bundle, features)) {
        free(self);
        return NULL;
    }
    /* Simple hosts (lv2apply, lv2file) give neither a URID map nor a
     * worker: the plugin then runs as its gain stage, as it does before a
     * model is chosen. */
    if (self->host.map) {
        map_uris(self->host.map, &self->u);
        lv2_atom_forge_init(&self->forge, self->host.map);
    }
    ssm_lv2_controls_bind(&self->controls, NULL, symbols, N_CONTROLS);
    self->proc = ssm_lv2_processor_new(&self->host, "gain", NULL, 1);
    if (!self->proc) {
        free(self);
        return NULL;
    }
    self->gain_db = NAN;
    return self;
}

static void connect_port(LV2_Handle instance, uint32_t port, void *data)
{
    model *self = instance;
    switch (port) {
    case PORT_CONTROL:
        self->control = data;
        break;
    case PORT_NOTIFY:
        self->notify = data;
        break;
    case PORT_IN:
        self->in = data;
        break;
    case PORT_OUT:
        self->out = data;
        break;
    case PORT_IN_GAIN:
    case PORT_IN_GAIN + 1:
        self->controls.port[port - PORT_IN_GAIN] = data;
        break;
    case PORT_LATENCY:
        self->latency = data;
        break;
    case PORT_FREEWHEEL:
        self->freewheel = data;
        break;
    default:
        break;
    }
}

static void activate(LV2_Handle instance)
{
    model *self = instance;
    ssm_processor_reset(self->proc);
    self->fresh = 1;
}

static void write_status(model *self)
{
    LV2_Atom_Forge_Frame frame;
    lv2_atom_forge_frame_time(&self->forge, 0);
    lv2_atom_forge_object(&self->forge, &frame, 0, self->u.patch_set);
    lv2_atom_forge_key(&self->forge, self->u.patch_property);
    lv2_atom_forge_urid(&self->forge, self->u.model_status);
    lv2_atom_forge_key(&self->forge, self->u.patch_value);
    lv2_atom_forge_string(&self->forge, self->status, (uint32_t)strlen(self->status));
    lv2_atom_forge_pop(&self->forge, &frame);
}

static void write_path(model *self)
{
    LV2_Atom_Forge_Frame frame;
    lv2_atom_forge_frame_time(&self->forge, 0);
    lv2_atom_forge_object(&self->forge, &frame, 0, self->u.patch_set);
    lv2_atom_forge_key(&self->forge, self->u.patch_property);
    lv2_atom_forge_urid(&self->forge, self->u.model_file);
    lv2_atom_forge_key(&self->forge, self->u.patch_value);
    lv2_atom_forge_path(&self->forge, self->path, (uint32_t)strlen(self->path) + 1);
    lv2_atom_forge_pop(&self->forge, &frame);
}

/* Walk the control port's events. Each event is copied to an aligned
 * buffer before it is read: some hosts hand over sequences at addresses
 * that are only 4-byte aligned, and reading an LV2_Atom_Event in place
 * there is undefined behaviour (UBSan stops jalv on it). Messages larger
 * than the buffer cannot be a patch:Set of a path we accept. */
static void read_control(model *self)
{
    union {
        LV2_Atom atom;
        uint64_t align;
        uint8_t bytes[4096 + sizeof(LV2_Atom)];
    } ev;
    LV2_Atom_Sequence seq;
    memcpy(&seq, self->control, sizeof seq);
    const uint8_t *p = (const uint8_t *)self->control + sizeof seq;
    const uint8_t *end = (const uint8_t *)self->control + sizeof(LV2_Atom) + seq.atom.size;
    while (p + sizeof(LV2_Atom_Event) <= end) {
        LV2_Atom_Event head;
        memcpy(&head, p, sizeof head);
        const uint32_t total = (uint32_t)sizeof(LV2_Atom) + head.body.size;
        const uint8_t *body = p + offsetof(LV2_Atom_Event, body);
        if (body + total > end)
            break;
        if (total <= sizeof ev.bytes && head.body.type == self->u.atom_object) {
            memcpy(ev.bytes, body, total);
            const LV2_Atom_Object *obj = (const LV2_Atom_Object *)&ev.atom;
            if (obj->body.otype == self->u.patch_set && set_message_path(self, obj) &&
                self->schedule)
                self->schedule->schedule_work(self->schedule->handle, total, &ev.atom);
            else if (obj->body.otype == self->u.patch_get) {
                self->notify_path = self->path != NULL;
                self->notify_status = self->status[0] != '\0';
            }
        }
        p = body + ((total + 7u) & ~7u);
    }
}

static void run(LV2_Handle instance, uint32_t n_samples)
{
    model *self = instance;
    LV2_Atom_Forge_Frame seq;
    if (!self->host.map) {
        self->control = NULL;
        self->notify = NULL;
    }
    if (self->notify) {
        lv2_atom_forge_set_buffer(&self->forge, (uint8_t *)self->notify, self->notify->atom.size);
        lv2_atom_forge_sequence_head(&self->forge, &seq, 0);
    }
    if (self->control)
        read_control(self);
    if (self->notify) {
        if (self->notify_status && self->status[0])
            write_status(self);
        if (self->notify_path && self->path)
            write_path(self);
        self->notify_path = 0;
        self->notify_status = 0;
        lv2_atom_forge_pop(&self->forge, &seq);
    }

    if (self->path) {
        ssm_lv2_controls_apply(&self->controls, self->proc, self->controls_stale);
        self->controls_stale = 0;
    } else {
        const float *gi = self->controls.port[0], *go = self->controls.port[1];
        const float g = (gi ? *gi : 0.0f) + (go ? *go : 0.0f);
        if (g != self->gain_db) {
            self->gain_db = g;
            ssm_processor_set_param(self->proc, 0, g);
        }
    }
    ssm_lv2_settle(self->proc, &self->fresh);
    ssm_lv2_follow_freewheel(self->proc, self->freewheel);
    const float *in[1] = {self->in};
    float *out[1] = {self->out};
    ssm_processor_process(self->proc, in, out, n_samples);
    if (self->latency)
        *self->latency = (float)ssm_processor_latency(self->proc);
}

static void cleanup(LV2_Handle instance)
{
    model *self = instance;
    ssm_processor_destroy(self->proc);
    free(self->path);
    free(self);
}

static LV2_State_Status save(LV2_Handle instance, LV2_State_Store_Function store,
                             LV2_State_Handle handle, uint32_t flags,
                             const LV2_Feature *const *features)
{
    model *self = instance;
    if (!self->path || !self->host.map)
        return LV2_STATE_SUCCESS;
    LV2_State_Map_Path *map_path = ssm_lv2_feature(features, LV2_STATE__mapPath);
    LV2_State_Free_Path *free_path = ssm_lv2_feature(features, LV2_STATE__freePath);
    char *apath = map_path ? map_path->abstract_path(map_path->handle, self->path) : NULL;
    const char *p = apath ? apath : self->path;
    const LV2_State_Status st = store(handle, self->u.model_file, p, strlen(p) + 1,
                                      self->u.atom_path, LV2_STATE_IS_POD | LV2_STATE_IS_PORTABLE);
    if (apath) {
        if (free_path)
            free_path->free_path(free_path->handle, apath);
        else
            free(apath);
    }
    return st;
}

/* restore() is never called concurrently with run() (it is in the
 * instantiation threading class), so the model is loaded and installed
 * right here. */
static LV2_State_Status restore(LV2_Handle instance, LV2_State_Retrieve_Function retrieve,
                                LV2_State_Handle handle, uint32_t flags,
                                const LV2_Feature *const *features)
{
    model *self = instance;
    if (!self->host.map)
        return LV2_STATE_ERR_NO_FEATURE;
    size_t size = 0;
    uint32_t type = 0, vflags = 0;
    const char *value = retrieve(handle, self->u.model_file, &size, &type, &vflags);
    if (!value)
        return LV2_STATE_SUCCESS;
    if (type != self->u.atom_path || size == 0 || value[size - 1] != '\0')
        return LV2_STATE_ERR_BAD_TYPE;
    LV2_State_Map_Path *map_path = ssm_lv2_feature(features, LV2_STATE__mapPath);
    LV2_State_Free_Path *free_path = ssm_lv2_feature(features, LV2_STATE__freePath);
    char *abs = map_path ? map_path->absolute_path(map_path->handle, value) : NULL;
    model_msg msg;
    const int failed = load(self, abs ? abs : value, &msg);
    if (abs) {
        if (free_path)
            free_path->free_path(free_path->handle, abs);
        else
            free(abs);
    }
    if (failed) {
        /* Told on the next run (and logged already); the session keeps
         * its path, so a file that comes back loads next time. */
        memcpy(self->status, msg.status, sizeof self->status);
        self->notify_status = 1;
        return LV2_STATE_ERR_UNKNOWN;
    }
    install(self, &msg);
    ssm_processor_destroy(msg.proc);
    free(msg.path);
    return LV2_STATE_SUCCESS;
}

static const void *extension_data(const char *uri)
{
    static const LV2_Worker_Interface worker = {work, work_response, NULL};
    static const LV2_State_Interface state = {save, restore};
    if (!strcmp(uri, LV2_WORKER__interface))
        return &worker;
    if (!strcmp(uri, LV2_STATE__interface))
        return &state;
    return NULL;
}

static const LV2_Descriptor descriptor = {
    MODEL_URI, instantiate, connect_port, activate, run, NULL, cleanup, extension_data,
};

LV2_SYMBOL_EXPORT const LV2_Descriptor *lv2_descriptor(uint32_t index)
{
    return index == 0 ? &descriptor : NULL;
}
