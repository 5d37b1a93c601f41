/* The one network builder and runtime: architecture "graph-v1"
 * (docs/model-format.md, "graph-v1").
 *
 * create: parse ssm.graph (jansson), check every node against the ones
 * before it (ids, kinds, inputs, widths, strides), let each kind read its
 * params and tensors (engine/net/layer_<kind>.c), refuse unknown params
 * and tensors no node uses, and work out the output streams, the latency
 * and whether any layer is rate-bound.
 *
 * activate: size every stream for the most frames one call can hold
 * (max_block / stride + 1), sharing buffers between streams whose lives do
 * not overlap; plan each node's offline schedule (pinned, else its kind's
 * cost rule); activate the layers.
 *
 * process: the node list in order, each on the frames that complete inside
 * the block (a fixed function of the sample clock, so block cuts never
 * change the output); nothing allocates.
 */
#include <jansson.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "net/graph.h"
#include "net/kinds.h"
#include "net/node.h"

#define MAX_NODES     4096
#define MAX_OUTPUTS   16
#define MAX_CHANNELS  64
#define MAX_ID        SSM_NODE_MAX_ID
#define MAX_STRIDE    (1u << 20)
#define MAX_LATENCY   (1u << 24) /* samples: about 6 minutes at 48 kHz */
#define MAX_RUN_BYTES ((size_t)256 << 20)

typedef struct {
    const ssm_layer_ops *ops;
    void *self;
    char id[MAX_ID + 1];
    char prefix[2 * MAX_ID + 1];
    size_t n_in;
    size_t *in;       /* stream indices: 0 is x, i + 1 is node i */
    ssm_stream *in_s; /* copies of the input streams, for activate's context */
    size_t *max_in;
    ssm_schedule offline;
    int pinned, live;
    size_t slot;
} node;

typedef struct {
    char name[MAX_ID + 1];
    size_t stream;
    float meter;
} output;

struct ssm_graph {
    const ssm_model *model;
    size_t inputs;
    double rate;
    size_t n_nodes;
    node *nodes;
    ssm_stream *streams; /* [n_nodes + 1] */
    size_t n_outputs;
    output outputs[MAX_OUTPUTS];
    long rate_bound;
    /* run state, made at activate */
    ssm_mode mode;
    uint32_t max_block;
    uint64_t clock;
    size_t n_slots;
    float **slots;
    ssm_frames *frames; /* [n_nodes + 1] this call's frames per stream */
    ssm_frames *ins;    /* scratch: one node's inputs */
    float *xclean;      /* [max_block][inputs] for input with non-finite samples */
    int activated;
};

/* ---- parsing ---- */

static int valid_name(const char *s, size_t max)
{
    size_t n = 0;
    for (; s[n]; n++) {
        char ch = s[n];
        if (!((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') ||
              ch == '_' || ch == '.'))
            return 0;
    }
    return n >= 1 && n <= max;
}

static int graph_fail(const ssm_model *m, ssm_error *err, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static int graph_fail(const ssm_model *m, ssm_error *err, const char *fmt, ...)
{
    char why[400];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(why, sizeof why, fmt, ap);
    va_end(ap);
    ssm_error_set(err, SSM_ERR_FORMAT, "%s: ssm.graph: %s", ssm_model_path(m), why);
    return 0;
}

static long find_id(const ssm_graph *g, size_t upto, const char *id)
{
    if (strcmp(id, "x") == 0)
        return 0;
    for (size_t i = 0; i < upto; i++)
        if (strcmp(g->nodes[i].id, id) == 0)
            return (long)i + 1;
    return -1;
}

/* Whether a later node (after upto) has this id: a forward reference. */
static int later_id(json_t *nodes, size_t upto, const char *id)
{
    for (size_t i = upto; i < json_array_size(nodes); i++) {
        json_t *v = json_object_get(json_array_get(nodes, i), "id");
        if (json_is_string(v) && strcmp(json_string_value(v), id) == 0)
            return 1;
    }
    return 0;
}

/* Streams that merge element-wise must agree in stride; the kinds check
 * widths (some broadcast). */
static int check_node_inputs(ssm_graph *g, ssm_layer_ctx *c, node *nd, json_t *jin, json_t *nodes,
                             size_t index)
{
    const ssm_layer_ops *ops = nd->ops;
    size_t n = json_array_size(jin);
    if (!json_is_array(jin) || n < ops->min_inputs || n > ops->max_inputs) {
        if (ops->min_inputs == ops->max_inputs)
            return ssm_layer_fail(c, SSM_ERR_FORMAT, "\"in\" must be an array of %u input id%s",
                                  ops->min_inputs, ops->min_inputs == 1 ? "" : "s");
        return ssm_layer_fail(c, SSM_ERR_FORMAT, "\"in\" must be an array of %u to %u input ids",
                              ops->min_inputs, ops->max_inputs);
    }
    nd->n_in = n;
    nd->in = calloc(n, sizeof *nd->in);
    nd->in_s = calloc(n, sizeof *nd->in_s);
    nd->max_in = calloc(n, sizeof *nd->max_in);
    if (!nd->in || !nd->in_s || !nd->max_in)
        return ssm_layer_fail(c, SSM_ERR_NOMEM, "out of memory");
    for (size_t i = 0; i < n; i++) {
        json_t *v = json_array_get(jin, i);
        const char *s = json_is_string(v) ? json_string_value(v) : NULL;
        if (!s)
            return ssm_layer_fail(c, SSM_ERR_FORMAT, "input %zu is not a string", i);
        long at = find_id(g, index, s);
        if (at < 0)
            return ssm_layer_fail(
                c, SSM_ERR_FORMAT, "input \"%.64s\" %s", s,
                strcmp(s, nd->id) == 0 ? "is the node itself (a cycle)"
                : later_id(nodes, index, s)
                    ? "is a later node (a forward reference or a cycle: nodes must be listed so "
                      "that each reads only earlier ones)"
                    : "is no node (nor the graph input \"x\")");
        nd->in[i] = (size_t)at;
        nd->in_s[i] = g->streams[at];
        if (nd->in_s[i].stride != nd->in_s[0].stride)
            return ssm_layer_fail(c, SSM_ERR_FORMAT,
                                  "inputs \"%s\" (stride %u) and \"%s\" (stride %u) run at "
                                  "different rates",
                                  json_string_value(json_array_get(jin, 0)), nd->in_s[0].stride, s,
                                  nd->in_s[i].stride);
    }
    return 1;
}

static int build_node(ssm_graph *g, json_t *nodes, size_t index, unsigned char *used,
                      ssm_error *err)
{
    const ssm_model *m = g->model;
    json_t *jn = json_array_get(nodes, index);
    node *nd = &g->nodes[index];
    if (!json_is_object(jn))
        return graph_fail(m, err, "node #%zu is not an object", index);
    json_t *jid = json_object_get(jn, "id"), *jkind = json_object_get(jn, "kind");
    const char *id = json_is_string(jid) ? json_string_value(jid) : NULL;
    if (!id || !valid_name(id, MAX_ID))
        return graph_fail(m, err,
                          "node #%zu: \"id\" must be a string of 1 to %d characters from "
                          "[A-Za-z0-9_.]",
                          index, MAX_ID);
    if (strcmp(id, "x") == 0)
        return graph_fail(m, err, "node #%zu: id \"x\" is the graph input", index);
    if (find_id(g, index, id) >= 0)
        return graph_fail(m, err, "node #%zu: id \"%s\" is used twice", index, id);
    snprintf(nd->id, sizeof nd->id, "%s", id);
    const char *kind = json_is_string(jkind) ? json_string_value(jkind) : NULL;
    ssm_layer_ctx c = {.model = m, .id = nd->id, .kind = "?", .used = used, .err = err};
    if (!kind)
        return ssm_layer_fail(&c, SSM_ERR_FORMAT, "\"kind\" is missing or not a string");
    nd->ops = ssm_kind_find(kind);
    if (!nd->ops) {
        c.kind = kind;
        char list[600];
        ssm_kind_list(list, sizeof list);
        return ssm_layer_fail(&c, SSM_ERR_UNSUPPORTED, "unknown kind \"%.64s\" (known: %s)", kind,
                              list);
    }
    c.kind = nd->ops->kind;
    json_t *jt = json_object_get(jn, "tensors");
    if (jt && (!json_is_string(jt) || !valid_name(json_string_value(jt), 2 * MAX_ID)))
        return ssm_layer_fail(&c, SSM_ERR_FORMAT,
                              "\"tensors\" must be a prefix of 1 to %d characters from "
                              "[A-Za-z0-9_.]",
                              2 * MAX_ID);
    snprintf(nd->prefix, sizeof nd->prefix, "%s", jt ? json_string_value(jt) : nd->id);
    c.prefix = nd->prefix;
    if (!check_node_inputs(g, &c, nd, json_object_get(jn, "in"), nodes, index))
        return 0;
    ssm_stream out = nd->in_s[0];
    for (size_t i = 1; i < nd->n_in; i++)
        out.latency = nd->in_s[i].latency > out.latency ? nd->in_s[i].latency : out.latency;
    c.node = jn;
    c.in = nd->in_s;
    c.n_in = nd->n_in;
    nd->self = nd->ops->create(&c, &out);
    if (!nd->self) {
        if (c.status == SSM_OK) /* a kind that forgot to say why still fails clearly */
            ssm_layer_fail(&c, SSM_ERR_FORMAT, "could not be built");
        return 0;
    }
    const char *key;
    json_t *value;
    json_object_foreach(jn, key, value)
    {
        int known = !strcmp(key, "id") || !strcmp(key, "kind") || !strcmp(key, "in") ||
                    !strcmp(key, "tensors");
        for (size_t k = 0; !known && k < c.n_known; k++)
            known = strcmp(key, c.known[k]) == 0;
        if (!known)
            return ssm_layer_fail(&c, SSM_ERR_FORMAT, "unknown parameter \"%.64s\"", key);
    }
    if (out.latency > MAX_LATENCY)
        return ssm_layer_fail(&c, SSM_ERR_FORMAT, "a latency of %llu samples is too long",
                              (unsigned long long)out.latency);
    if (out.width < 1 || out.width > (1u << 16) || out.stride < 1 || out.stride > MAX_STRIDE)
        return ssm_layer_fail(&c, SSM_ERR_FORMAT,
                              "output of width %zu at stride %u is out of range (width 1..65536, "
                              "stride 1..%u)",
                              out.width, out.stride, MAX_STRIDE);
    g->streams[index + 1] = out;
    if (nd->ops->rate_bound && g->rate_bound < 0)
        g->rate_bound = (long)index;
    return 1;
}

static int parse_outputs(ssm_graph *g, json_t *jo, ssm_error *err)
{
    const ssm_model *m = g->model;
    if (!json_is_object(jo) || !json_object_get(jo, "audio"))
        return graph_fail(m, err, "\"outputs\" must be an object with an \"audio\" entry");
    if (json_object_size(jo) > MAX_OUTPUTS)
        return graph_fail(m, err, "more than %d outputs", MAX_OUTPUTS);
    g->n_outputs = 1;
    const char *key;
    json_t *v;
    json_object_foreach(jo, key, v)
    {
        const char *s = json_is_string(v) ? json_string_value(v) : NULL;
        if (!valid_name(key, MAX_ID))
            return graph_fail(m, err,
                              "output name \"%.64s\" is not 1 to %d characters from "
                              "[A-Za-z0-9_.]",
                              key, MAX_ID);
        long at = s ? find_id(g, g->n_nodes, s) : -1;
        if (at < 0)
            return graph_fail(m, err, "output \"%s\": \"%.64s\" is no node", key, s ? s : "?");
        output *o = strcmp(key, "audio") == 0 ? &g->outputs[0] : &g->outputs[g->n_outputs++];
        snprintf(o->name, sizeof o->name, "%s", key);
        o->stream = (size_t)at;
    }
    const ssm_stream *a = &g->streams[g->outputs[0].stream];
    if (a->stride != 1 || a->width != g->inputs)
        return graph_fail(m, err,
                          "output \"audio\" (node \"%s\") has width %zu at stride %u; it must be "
                          "the audio rate (stride 1) with one value per input channel (%zu)",
                          g->outputs[0].stream ? g->nodes[g->outputs[0].stream - 1].id : "x",
                          a->width, a->stride, g->inputs);
    return 1;
}

static int check_tensors_used(const ssm_graph *g, const unsigned char *used, ssm_error *err)
{
    for (size_t i = 0; i < ssm_model_n_tensors(g->model); i++)
        if (!used[i])
            return graph_fail(g->model, err,
                              "tensor \"%.128s\" is read by no node (a \"tensors\" prefix or a "
                              "kind's tensor name is wrong)",
                              ssm_model_tensor_at(g->model, i)->name);
    return 1;
}

/* Marks the nodes some output depends on; the others never run. */
static void mark_live(ssm_graph *g)
{
    for (size_t o = 0; o < g->n_outputs; o++)
        if (g->outputs[o].stream)
            g->nodes[g->outputs[o].stream - 1].live = 1;
    for (size_t i = g->n_nodes; i-- > 0;)
        if (g->nodes[i].live)
            for (size_t k = 0; k < g->nodes[i].n_in; k++)
                if (g->nodes[i].in[k])
                    g->nodes[g->nodes[i].in[k] - 1].live = 1;
}

static int parse_graph(ssm_graph *g, json_t *root, ssm_error *err)
{
    const ssm_model *m = g->model;
    if (!json_is_object(root))
        return graph_fail(m, err, "not a JSON object");
    const char *key;
    json_t *v;
    json_object_foreach(root, key, v)
    {
        if (strcmp(key, "inputs") != 0 && strcmp(key, "nodes") != 0 && strcmp(key, "outputs") != 0)
            return graph_fail(m, err, "unknown key \"%.64s\" (known: inputs, nodes, outputs)", key);
    }
    json_t *ji = json_object_get(root, "inputs");
    json_int_t inputs = ji ? (json_is_integer(ji) ? json_integer_value(ji) : -1) : 1;
    if (inputs < 1 || inputs > MAX_CHANNELS)
        return graph_fail(m, err, "\"inputs\" must be an integer in [1, %d]", MAX_CHANNELS);
    g->inputs = (size_t)inputs;
    json_t *nodes = json_object_get(root, "nodes");
    if (!json_is_array(nodes) || json_array_size(nodes) > MAX_NODES)
        return graph_fail(m, err, "\"nodes\" must be an array of at most %d nodes", MAX_NODES);
    g->n_nodes = json_array_size(nodes);
    g->nodes = calloc(g->n_nodes + 1, sizeof *g->nodes);
    g->streams = calloc(g->n_nodes + 1, sizeof *g->streams);
    unsigned char *used = calloc(ssm_model_n_tensors(m) + 1, 1);
    if (!g->nodes || !g->streams || !used) {
        free(used);
        ssm_error_set(err, SSM_ERR_NOMEM, "%s: out of memory for the graph", ssm_model_path(m));
        return 0;
    }
    g->streams[0] = (ssm_stream){.width = g->inputs, .stride = 1, .latency = 0};
    int ok = 1;
    for (size_t i = 0; ok && i < g->n_nodes; i++)
        ok = build_node(g, nodes, i, used, err);
    ok = ok && parse_outputs(g, json_object_get(root, "outputs"), err) &&
         check_tensors_used(g, used, err);
    free(used);
    if (ok)
        mark_live(g);
    return ok;
}

static int meta_rate(const ssm_model *m, double *rate, ssm_error *err)
{
    const char *s = ssm_model_meta(m, "ssm.sample_rate");
    char *end = NULL;
    long v = s ? strtol(s, &end, 10) : 0;
    if (!s || end == s || *end || v < 1000 || v > 768000) {
        ssm_error_set(err, SSM_ERR_FORMAT,
                      "%s: metadata ssm.sample_rate must be the trained rate in Hz (an integer "
                      "in [1000, 768000])",
                      ssm_model_path(m));
        return 0;
    }
    *rate = (double)v;
    return 1;
}

ssm_graph *ssm_graph_create(const ssm_model *m, ssm_error *err)
{
    const char *arch = ssm_model_meta(m, "ssm.architecture");
    if (!arch || strcmp(arch, "graph-v1") != 0) {
        ssm_error_set(err, SSM_ERR_UNSUPPORTED,
                      "%s: metadata ssm.architecture is \"%s\"; this engine builds \"graph-v1\"%s",
                      ssm_model_path(m), arch ? arch : "(missing)",
                      arch && strcmp(arch, "fbmask-s4d-v1") == 0
                          ? " (convert it: tools/train/convert_fbmask.py)"
                          : "");
        return NULL;
    }
    const char *text = ssm_model_meta(m, "ssm.graph");
    if (!text) {
        ssm_error_set(err, SSM_ERR_FORMAT, "%s: metadata ssm.graph is missing", ssm_model_path(m));
        return NULL;
    }
    ssm_graph *g = calloc(1, sizeof *g);
    if (!g) {
        ssm_error_set(err, SSM_ERR_NOMEM, "out of memory creating a graph");
        return NULL;
    }
    g->model = m;
    g->rate_bound = -1;
    if (!meta_rate(m, &g->rate, err)) {
        ssm_graph_destroy(g);
        return NULL;
    }
    json_error_t jerr;
    json_t *root = json_loads(text, JSON_REJECT_DUPLICATES, &jerr);
    if (!root) {
        ssm_error_set(err, SSM_ERR_FORMAT, "%s: ssm.graph: JSON line %d column %d: %s",
                      ssm_model_path(m), jerr.line, jerr.column, jerr.text);
        ssm_graph_destroy(g);
        return NULL;
    }
    int ok = parse_graph(g, root, err);
    json_decref(root);
    const char *rd = ssm_model_meta(m, "ssm.rediscretize");
    if (ok && g->rate_bound >= 0 && rd && strcmp(rd, "false") != 0) {
        const node *nd = &g->nodes[g->rate_bound];
        ssm_error_set(err, SSM_ERR_FORMAT,
                      "%s: metadata ssm.rediscretize is \"%s\" but node \"%s\" (%s) is rate-bound "
                      "(the key must agree with the graph: \"false\")",
                      ssm_model_path(m), rd, nd->id, nd->ops->kind);
        ok = 0;
    }
    if (!ok) {
        ssm_graph_destroy(g);
        return NULL;
    }
    g->mode = SSM_MODE_STREAM;
    return g;
}

/* ---- run state ---- */

static void free_run(ssm_graph *g)
{
    for (size_t s = 0; s < g->n_slots; s++)
        free(g->slots[s]);
    free(g->slots);
    free(g->frames);
    free(g->ins);
    free(g->xclean);
    g->slots = NULL;
    g->frames = g->ins = NULL;
    g->xclean = NULL;
    g->n_slots = 0;
    g->activated = 0;
}

void ssm_graph_destroy(ssm_graph *g)
{
    if (!g)
        return;
    free_run(g);
    for (size_t i = 0; i < g->n_nodes; i++) {
        node *nd = &g->nodes[i];
        if (nd->self)
            nd->ops->destroy(nd->self);
        free(nd->in);
        free(nd->in_s);
        free(nd->max_in);
    }
    free(g->nodes);
    free(g->streams);
    free(g);
}

static size_t max_frames(const ssm_stream *s, uint32_t max_block)
{
    return s->stride == 1 ? max_block : max_block / s->stride + 1;
}

/* Gives each live node's stream a buffer slot; a slot is free again once
 * the last node reading it has run. Output streams keep theirs (callers
 * read them after the call). Returns the slot sizes in floats. */
static int assign_slots(ssm_graph *g, size_t **sizes_out)
{
    const size_t n = g->n_nodes;
    size_t *last = calloc(n + 1, sizeof *last), *size = calloc(n + 1, sizeof *size);
    size_t *free_list = calloc(n + 1, sizeof *free_list);
    if (!last || !size || !free_list) {
        free(last);
        free(size);
        free(free_list);
        return 0;
    }
    for (size_t i = 0; i < n; i++)
        for (size_t k = 0; k < g->nodes[i].n_in; k++)
            last[g->nodes[i].in[k]] = i;
    for (size_t o = 0; o < g->n_outputs; o++)
        last[g->outputs[o].stream] = (size_t)-1;
    size_t n_free = 0, n_slots = 0;
    for (size_t i = 0; i < n; i++) {
        node *nd = &g->nodes[i];
        if (!nd->live)
            continue;
        size_t need = max_frames(&g->streams[i + 1], g->max_block) * g->streams[i + 1].width;
        size_t best = n_free;
        for (size_t f = 0; f < n_free; f++)
            if (best == n_free || size[free_list[f]] > size[free_list[best]])
                best = f;
        if (best < n_free) {
            nd->slot = free_list[best];
            free_list[best] = free_list[--n_free];
        } else {
            nd->slot = n_slots++;
        }
        size[nd->slot] = need > size[nd->slot] ? need : size[nd->slot];
        for (size_t k = 0; k < nd->n_in; k++) {
            size_t s = nd->in[k];
            int dup = 0;
            for (size_t j = 0; j < k; j++)
                dup |= nd->in[j] == s;
            if (s && last[s] == i && !dup)
                free_list[n_free++] = g->nodes[s - 1].slot;
        }
    }
    g->n_slots = n_slots;
    free(last);
    free(free_list);
    *sizes_out = size;
    return 1;
}

static int plan_node(ssm_graph *g, size_t i, double dt_scale, ssm_error *err)
{
    node *nd = &g->nodes[i];
    size_t mo = max_frames(&g->streams[i + 1], g->max_block);
    if (!nd->pinned)
        nd->offline = nd->ops->plan ? nd->ops->plan(nd->self, mo) : SSM_SCHEDULE_STEP;
    if (nd->offline != SSM_SCHEDULE_STEP && !(nd->ops->schedules & (1u << nd->offline))) {
        ssm_error_set(err, SSM_ERR_INVALID, "%s: node \"%s\" (%s): offers no %s schedule",
                      ssm_model_path(g->model), nd->id, nd->ops->kind,
                      ssm_schedule_name(nd->offline));
        return 0;
    }
    for (size_t k = 0; k < nd->n_in; k++)
        nd->max_in[k] = max_frames(&g->streams[nd->in[k]], g->max_block);
    if (!nd->ops->activate)
        return 1;
    ssm_layer_env env = {
        .dt_scale = dt_scale, .max_out = mo, .max_in = nd->max_in, .offline = nd->offline};
    ssm_layer_ctx c = {.model = g->model,
                       .id = nd->id,
                       .kind = nd->ops->kind,
                       .prefix = nd->prefix,
                       .in = nd->in_s,
                       .n_in = nd->n_in,
                       .err = err};
    return nd->ops->activate(nd->self, &env, &c) == SSM_OK;
}

ssm_status ssm_graph_activate(ssm_graph *g, double dt_scale, uint32_t max_block, ssm_error *err)
{
    free_run(g);
    if (max_block < 1 || !(dt_scale > 0.0 && dt_scale < 1e6)) {
        ssm_error_set(err, SSM_ERR_INVALID, "%s: graph activated with max_block %u, dt_scale %g",
                      ssm_model_path(g->model), max_block, dt_scale);
        return SSM_ERR_INVALID;
    }
    g->max_block = max_block;
    size_t *sizes = NULL;
    if (!assign_slots(g, &sizes)) {
        ssm_error_set(err, SSM_ERR_NOMEM, "out of memory planning a graph");
        return SSM_ERR_NOMEM;
    }
    size_t total = (size_t)max_block * g->inputs;
    for (size_t s = 0; s < g->n_slots; s++)
        total += sizes[s];
    if (total > MAX_RUN_BYTES / sizeof(float)) {
        free(sizes);
        ssm_error_set(err, SSM_ERR_INVALID,
                      "%s: the graph's streams need %zu MiB at max_block %u (limit %zu MiB)",
                      ssm_model_path(g->model), total * sizeof(float) >> 20, max_block,
                      MAX_RUN_BYTES >> 20);
        return SSM_ERR_INVALID;
    }
    size_t max_in = 1;
    for (size_t i = 0; i < g->n_nodes; i++)
        max_in = g->nodes[i].n_in > max_in ? g->nodes[i].n_in : max_in;
    g->slots = calloc(g->n_slots + 1, sizeof *g->slots);
    g->frames = calloc(g->n_nodes + 1, sizeof *g->frames);
    g->ins = calloc(max_in, sizeof *g->ins);
    g->xclean = calloc((size_t)max_block * g->inputs, sizeof *g->xclean);
    int ok = g->slots && g->frames && g->ins && g->xclean;
    for (size_t s = 0; ok && s < g->n_slots; s++)
        ok = (g->slots[s] = calloc(sizes[s] ? sizes[s] : 1, sizeof(float))) != NULL;
    free(sizes);
    if (!ok) {
        free_run(g);
        ssm_error_set(err, SSM_ERR_NOMEM, "%s: out of memory activating the graph",
                      ssm_model_path(g->model));
        return SSM_ERR_NOMEM;
    }
    for (size_t i = 0; i < g->n_nodes; i++)
        if (g->nodes[i].live && !plan_node(g, i, dt_scale, err)) {
            free_run(g);
            return err && err->status != SSM_OK ? err->status : SSM_ERR_FORMAT;
        }
    g->activated = 1;
    ssm_graph_reset(g);
    return SSM_OK;
}

void ssm_graph_set_mode(ssm_graph *g, ssm_mode mode)
{
    g->mode = mode;
}

/* Non-finite input never reaches a layer's state: such samples run as 0. */
static const float *clean_input(ssm_graph *g, const float *in, size_t count)
{
    int bad = 0;
    for (size_t i = 0; i < count; i++)
        bad |= !isfinite(in[i]);
    if (!bad)
        return in;
    for (size_t i = 0; i < count; i++)
        g->xclean[i] = isfinite(in[i]) ? in[i] : 0.0f;
    return g->xclean;
}

static void run_block(ssm_graph *g, const float *in, float *out, uint32_t n)
{
    const uint64_t n0 = g->clock, n1 = n0 + n;
    g->frames[0] = (ssm_frames){clean_input(g, in, (size_t)n * g->inputs), n, n0};
    for (size_t i = 0; i < g->n_nodes; i++) {
        node *nd = &g->nodes[i];
        if (!nd->live)
            continue;
        const uint64_t k = g->streams[i + 1].stride;
        const uint64_t first = n0 / k;
        const size_t cnt = (size_t)(n1 / k - first);
        for (size_t j = 0; j < nd->n_in; j++)
            g->ins[j] = g->frames[nd->in[j]];
        float *buf = g->slots[nd->slot];
        nd->ops->process(nd->self, g->mode == SSM_MODE_OFFLINE ? nd->offline : SSM_SCHEDULE_STEP,
                         g->ins, buf, cnt, first);
        g->frames[i + 1] = (ssm_frames){buf, cnt, first};
    }
    const ssm_frames *a = &g->frames[g->outputs[0].stream];
    memmove(out, a->data, (size_t)n * g->inputs * sizeof(float));
    for (size_t o = 1; o < g->n_outputs; o++) {
        const ssm_frames *f = &g->frames[g->outputs[o].stream];
        if (f->n)
            g->outputs[o].meter = f->data[(f->n - 1) * g->streams[g->outputs[o].stream].width];
    }
    g->clock = n1;
}

void ssm_graph_process(ssm_graph *g, const float *in, float *out, uint32_t n)
{
    if (!g->activated) {
        memset(out, 0, (size_t)n * g->inputs * sizeof(float));
        return;
    }
    /* A longer block than activated for runs in pieces: the output is the
     * same for any cut. */
    while (n > 0) {
        uint32_t b = n < g->max_block ? n : g->max_block;
        run_block(g, in, out, b);
        in += (size_t)b * g->inputs;
        out += (size_t)b * g->inputs;
        n -= b;
    }
}

void ssm_graph_reset(ssm_graph *g)
{
    for (size_t i = 0; i < g->n_nodes; i++)
        if (g->nodes[i].live && g->nodes[i].ops->reset)
            g->nodes[i].ops->reset(g->nodes[i].self);
    for (size_t o = 0; o < g->n_outputs; o++)
        g->outputs[o].meter = 0.0f;
    if (g->frames)
        memset(g->frames, 0, (g->n_nodes + 1) * sizeof *g->frames);
    g->clock = 0;
}

/* ---- queries ---- */

size_t ssm_graph_inputs(const ssm_graph *g)
{
    return g->inputs;
}

double ssm_graph_rate(const ssm_graph *g)
{
    return g->rate;
}

long ssm_graph_rate_bound(const ssm_graph *g)
{
    return g->rate_bound;
}

uint32_t ssm_graph_latency(const ssm_graph *g)
{
    return (uint32_t)g->streams[g->outputs[0].stream].latency;
}

size_t ssm_graph_n_nodes(const ssm_graph *g)
{
    return g->n_nodes;
}

const char *ssm_graph_node_id(const ssm_graph *g, size_t i)
{
    return i < g->n_nodes ? g->nodes[i].id : NULL;
}

const char *ssm_graph_node_kind(const ssm_graph *g, size_t i)
{
    return i < g->n_nodes ? g->nodes[i].ops->kind : NULL;
}

const ssm_stream *ssm_graph_node_stream(const ssm_graph *g, size_t i)
{
    return i < g->n_nodes ? &g->streams[i + 1] : NULL;
}

long ssm_graph_find(const ssm_graph *g, const char *id)
{
    long at = find_id(g, g->n_nodes, id);
    return at > 0 ? at - 1 : -1;
}

ssm_status ssm_graph_pin_schedule(ssm_graph *g, size_t i, ssm_schedule s)
{
    if (i >= g->n_nodes || (unsigned)s >= SSM_N_SCHEDULES ||
        (s != SSM_SCHEDULE_STEP && !(g->nodes[i].ops->schedules & (1u << s))))
        return SSM_ERR_INVALID;
    g->nodes[i].offline = s;
    g->nodes[i].pinned = 1;
    return SSM_OK;
}

ssm_schedule ssm_graph_schedule(const ssm_graph *g, size_t i)
{
    return i < g->n_nodes ? g->nodes[i].offline : SSM_SCHEDULE_STEP;
}

size_t ssm_graph_n_outputs(const ssm_graph *g)
{
    return g->n_outputs;
}

const char *ssm_graph_output_name(const ssm_graph *g, size_t i)
{
    return i < g->n_outputs ? g->outputs[i].name : NULL;
}

long ssm_graph_output_index(const ssm_graph *g, const char *name)
{
    for (size_t o = 0; o < g->n_outputs; o++)
        if (strcmp(g->outputs[o].name, name) == 0)
            return (long)o;
    return -1;
}

const float *ssm_graph_output_frames(const ssm_graph *g, size_t i, size_t *n, size_t *width)
{
    if (i >= g->n_outputs || !g->frames) {
        *n = 0;
        return NULL;
    }
    const ssm_frames *f = &g->frames[g->outputs[i].stream];
    *n = f->n;
    if (width)
        *width = g->streams[g->outputs[i].stream].width;
    return f->data;
}

float ssm_graph_meter(const ssm_graph *g, size_t i)
{
    return i < g->n_outputs ? g->outputs[i].meter : 0.0f;
}
