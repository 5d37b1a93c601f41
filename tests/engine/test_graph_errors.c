/* Bad graphs are refused with an error naming the file, the node, its kind
 * and the reason (unknown kind, wrong shapes, a cycle or forward
 * reference, a missing tensor, ...); each message is asserted. Also: a
 * well-formed file of the same shape builds (so each refusal is about its
 * one defect), rates and latency come from the graph, the "model"
 * processor reports graph errors through the processor API, and
 * non-finite input never reaches a layer's state. */
#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../harness.h"
#include "net/graph.h"
#include "net/netrun.h"

typedef struct {
    const char *name;
    uint32_t ndim;
    uint64_t shape[4];
    float fill;
} tdesc;

/* A safetensors file in memory: metadata graph-v1 at 48 kHz with this graph
 * (and rediscretize, when not NULL), tensors filled with a constant. */
static unsigned char *make_file(const char *graph, const char *rediscretize, const tdesc *t,
                                size_t nt, size_t *size)
{
    json_t *h = json_object(), *meta = json_object();
    json_object_set_new(meta, "ssm.architecture", json_string("graph-v1"));
    json_object_set_new(meta, "ssm.sample_rate", json_string("48000"));
    json_object_set_new(meta, "ssm.graph", json_string(graph));
    if (rediscretize)
        json_object_set_new(meta, "ssm.rediscretize", json_string(rediscretize));
    json_object_set_new(h, "__metadata__", meta);
    size_t off = 0;
    for (size_t i = 0; i < nt; i++) {
        size_t n = 1;
        json_t *shape = json_array();
        for (uint32_t d = 0; d < t[i].ndim; d++) {
            n *= (size_t)t[i].shape[d];
            json_array_append_new(shape, json_integer((json_int_t)t[i].shape[d]));
        }
        json_t *e = json_object();
        json_object_set_new(e, "dtype", json_string("F32"));
        json_object_set_new(e, "shape", shape);
        json_object_set_new(e, "data_offsets",
                            json_pack("[II]", (json_int_t)off, (json_int_t)(off + 4 * n)));
        json_object_set_new(h, t[i].name, e);
        off += 4 * n;
    }
    char *text = json_dumps(h, JSON_COMPACT);
    json_decref(h);
    const size_t hl = strlen(text);
    *size = 8 + hl + off;
    unsigned char *buf = calloc(*size, 1);
    for (int b = 0; b < 8; b++)
        buf[b] = (unsigned char)((uint64_t)hl >> (8 * b));
    memcpy(buf + 8, text, hl);
    free(text);
    /* Tensors in the order written: jansson keeps insertion order. */
    float *data = (float *)(buf + 8 + hl);
    size_t at = 0;
    for (size_t i = 0; i < nt; i++) {
        size_t n = 1;
        for (uint32_t d = 0; d < t[i].ndim; d++)
            n *= (size_t)t[i].shape[d];
        for (size_t k = 0; k < n; k++)
            memcpy(&data[at + k], &t[i].fill, sizeof(float)); /* unaligned-safe */
        at += n;
    }
    return buf;
}

/* Builds (and, when activate, activates) the graph; returns the error
 * message ("" when it built). */
static const char *try_graph(const char *graph, const char *rd, const tdesc *t, size_t nt,
                             int activate)
{
    static ssm_error err;
    memset(&err, 0, sizeof err);
    size_t size = 0;
    unsigned char *bytes = make_file(graph, rd, t, nt, &size);
    ssm_model *m = ssm_model_load_memory(bytes, size, "bad.safetensors", &err);
    free(bytes);
    if (!m)
        return err.message;
    ssm_graph *g = ssm_graph_create(m, &err);
    if (g && activate)
        ssm_graph_activate(g, 1.0, 64, &err); /* err holds any message */
    ssm_graph_destroy(g);
    ssm_model_destroy(m);
    return err.message;
}

static void expect(const char *what, const char *msg, const char *need1, const char *need2)
{
    printf("%-28s -> %s\n", what, msg[0] ? msg : "(built)");
    CHECK(strncmp(msg, "bad.safetensors: ", 17) == 0, "%s: the error names the file: %s", what,
          msg);
    CHECK(strstr(msg, need1) != NULL, "%s: message has '%s': %s", what, need1, msg);
    CHECK(!need2 || strstr(msg, need2) != NULL, "%s: message has '%s': %s", what, need2, msg);
}

#define LIN_W                                                                                      \
    {                                                                                              \
        "lin.weight", 2, {1, 1}, 0.5f                                                              \
    }
#define LIN_B                                                                                      \
    {                                                                                              \
        "lin.bias", 1, {1}, 0.0f                                                                   \
    }
#define LIN "{\"id\":\"lin\",\"kind\":\"linear\",\"in\":[\"x\"],\"out\":1}"

static void refusals(void)
{
    const tdesc lin[] = {LIN_W, LIN_B};
    const char *ok =
        try_graph("{\"nodes\":[" LIN "],\"outputs\":{\"audio\":\"lin\"}}", NULL, lin, 2, 1);
    printf("%-28s -> %s\n", "well-formed", ok[0] ? ok : "(built)");
    CHECK(ok[0] == 0, "the well-formed graph builds and activates (%s)", ok);

    expect("unknown kind",
           try_graph("{\"nodes\":[{\"id\":\"lin\",\"kind\":\"lstm\",\"in\":[\"x\"]}],"
                     "\"outputs\":{\"audio\":\"lin\"}}",
                     NULL, lin, 2, 0),
           "node \"lin\" (lstm): ", "unknown kind \"lstm\"");
    const tdesc wide[] = {{"lin.weight", 2, {2, 1}, 0.5f}, LIN_B};
    expect("wrong tensor shape",
           try_graph("{\"nodes\":[" LIN "],\"outputs\":{\"audio\":\"lin\"}}", NULL, wide, 2, 0),
           "node \"lin\" (linear): ", "tensor \"lin.weight\" has shape [2, 1], want [1, 1]");
    const tdesc lin3[] = {{"lin.weight", 2, {3, 2}, 0.5f}, {"lin.bias", 1, {3}, 0.0f}};
    expect("width mismatch",
           try_graph("{\"inputs\":2,\"nodes\":[{\"id\":\"lin\",\"kind\":\"linear\",\"in\":[\"x\"],"
                     "\"out\":3},{\"id\":\"sum\",\"kind\":\"add\",\"in\":[\"x\",\"lin\"]}],"
                     "\"outputs\":{\"audio\":\"x\"}}",
                     NULL, lin3, 2, 0),
           "node \"sum\" (add): ", "input 0 has width 2");
    expect("cycle",
           try_graph("{\"nodes\":[{\"id\":\"a\",\"kind\":\"add\",\"in\":[\"x\",\"b\"]},"
                     "{\"id\":\"b\",\"kind\":\"add\",\"in\":[\"x\",\"a\"]}],"
                     "\"outputs\":{\"audio\":\"b\"}}",
                     NULL, NULL, 0, 0),
           "node \"a\" (add): ", "input \"b\" is a later node (a forward reference or a cycle");
    expect("self loop",
           try_graph("{\"nodes\":[{\"id\":\"a\",\"kind\":\"add\",\"in\":[\"x\",\"a\"]}],"
                     "\"outputs\":{\"audio\":\"a\"}}",
                     NULL, NULL, 0, 0),
           "node \"a\" (add): ", "is the node itself (a cycle)");
    const tdesc no_bias[] = {LIN_W};
    expect("missing tensor",
           try_graph("{\"nodes\":[" LIN "],\"outputs\":{\"audio\":\"lin\"}}", NULL, no_bias, 1, 0),
           "node \"lin\" (linear): ", "tensor \"lin.bias\" is missing");
    expect("unknown input",
           try_graph("{\"nodes\":[{\"id\":\"lin\",\"kind\":\"linear\",\"in\":[\"nope\"],"
                     "\"out\":1}],\"outputs\":{\"audio\":\"lin\"}}",
                     NULL, lin, 2, 0),
           "node \"lin\" (linear): ", "input \"nope\" is no node");
    expect(
        "duplicate id",
        try_graph("{\"nodes\":[" LIN "," LIN "],\"outputs\":{\"audio\":\"lin\"}}", NULL, lin, 2, 0),
        "node #1", "id \"lin\" is used twice");
    expect("unknown parameter",
           try_graph("{\"nodes\":[{\"id\":\"lin\",\"kind\":\"linear\",\"in\":[\"x\"],\"out\":1,"
                     "\"dilation\":2}],\"outputs\":{\"audio\":\"lin\"}}",
                     NULL, lin, 2, 0),
           "node \"lin\" (linear): ", "unknown parameter \"dilation\"");
    expect("bad parameter",
           try_graph("{\"nodes\":[{\"id\":\"lin\",\"kind\":\"linear\",\"in\":[\"x\"],\"out\":-3}],"
                     "\"outputs\":{\"audio\":\"lin\"}}",
                     NULL, lin, 2, 0),
           "node \"lin\" (linear): ", "parameter \"out\" must be an integer in [1, 65536]");
    const tdesc enc[] = {{"enc.weight", 2, {4, 4}, 0.1f}};
    expect("audio not audio-rate",
           try_graph("{\"nodes\":[{\"id\":\"enc\",\"kind\":\"fb_encode\",\"in\":[\"x\"],\"hop\":2,"
                     "\"filters\":4}],\"outputs\":{\"audio\":\"enc\"}}",
                     "false", enc, 1, 0),
           "output \"audio\" (node \"enc\") has width 4 at stride 2", NULL);
    expect("stride mismatch",
           try_graph("{\"nodes\":[{\"id\":\"enc\",\"kind\":\"fb_encode\",\"in\":[\"x\"],\"hop\":2,"
                     "\"filters\":4},{\"id\":\"m\",\"kind\":\"mul\",\"in\":[\"x\",\"enc\"]}],"
                     "\"outputs\":{\"audio\":\"x\"}}",
                     "false", enc, 1, 0),
           "node \"m\" (mul): ", "run at different rates");
    const tdesc junk[] = {LIN_W, LIN_B, {"junk.weight", 1, {3}, 1.0f}};
    expect("unused tensor",
           try_graph("{\"nodes\":[" LIN "],\"outputs\":{\"audio\":\"lin\"}}", NULL, junk, 3, 0),
           "tensor \"junk.weight\" is read by no node", NULL);
    const tdesc conv[] = {{"c.weight", 3, {1, 1, 3}, 0.3f}, {"c.bias", 1, {1}, 0.0f}};
    expect("rediscretize disagrees",
           try_graph("{\"nodes\":[{\"id\":\"c\",\"kind\":\"conv1d\",\"in\":[\"x\"],\"out\":1,"
                     "\"kernel\":3}],\"outputs\":{\"audio\":\"c\"}}",
                     "true", conv, 2, 0),
           "node \"c\" (conv1d) is rate-bound", "ssm.rediscretize");
    expect("bad JSON", try_graph("{\"nodes\": [", NULL, NULL, 0, 0), "ssm.graph: JSON line 1",
           NULL);
    expect("no audio output",
           try_graph("{\"nodes\":[" LIN "],\"outputs\":{\"vad\":\"lin\"}}", NULL, lin, 2, 0),
           "\"outputs\" must be an object with an \"audio\" entry", NULL);
    expect("wrong input count",
           try_graph("{\"nodes\":[{\"id\":\"s\",\"kind\":\"add\",\"in\":[\"x\"]}],"
                     "\"outputs\":{\"audio\":\"s\"}}",
                     NULL, NULL, 0, 0),
           "node \"s\" (add): ", "\"in\" must be an array of 2 to 64 input ids");
    const tdesc s4d[] = {{"s.log_dt", 1, {1}, NAN},     {"s.log_A_real", 2, {1, 1}, -0.7f},
                         {"s.A_imag", 2, {1, 1}, 3.0f}, {"s.C_re", 2, {1, 1}, 0.5f},
                         {"s.C_im", 2, {1, 1}, 0.0f},   {"s.D", 1, {1}, 1.0f}};
    /* The model loader refuses it before the graph is built (issue 14),
     * naming the tensor and the element. */
    expect("non-finite tensor",
           try_graph("{\"nodes\":[{\"id\":\"s\",\"kind\":\"s4d\",\"in\":[\"x\"],\"state\":2}],"
                     "\"outputs\":{\"audio\":\"s\"}}",
                     NULL, s4d, 6, 1),
           "tensor \"s.log_dt\": ", "element 0 is NaN");
}

/* The processor API (what ssm-model, ssm-render and ssm-live see) says the
 * same through a file on disk. */
static void through_processor(void)
{
    const tdesc lin[] = {LIN_W, LIN_B};
    size_t size = 0;
    unsigned char *bytes =
        make_file("{\"nodes\":[{\"id\":\"lin\",\"kind\":\"lstm\",\"in\":[\"x\"]}],"
                  "\"outputs\":{\"audio\":\"lin\"}}",
                  NULL, lin, 2, &size);
    char path[] = "/tmp/ssm-bad-graph-XXXXXX";
    int fd = mkstemp(path);
    int wrote = fd >= 0 && write(fd, bytes, size) == (ssize_t)size;
    if (fd >= 0)
        close(fd);
    free(bytes);
    CHECK(wrote, "temporary model file written");
    ssm_error err = {0};
    ssm_processor_desc d = {"model", path, 1};
    ssm_processor *p = ssm_processor_create(&d, &err);
    printf("%-28s -> %s\n", "processor \"model\"", err.message);
    CHECK(!p && strstr(err.message, path) && strstr(err.message, "node \"lin\" (lstm)") &&
              strstr(err.message, "unknown kind"),
          "the model processor refuses the file naming it, the node and the reason: %s",
          err.message);
    ssm_processor_destroy(p);
    unlink(path);
}

/* Rate paths from the graph: a rate-bound graph runs through the bridge
 * and says which layer; a rate-free one is re-discretised. */
static void rates(void)
{
    const tdesc conv[] = {{"c.weight", 3, {1, 1, 3}, 0.3f}, {"c.bias", 1, {1}, 0.0f}};
    const tdesc s4d[] = {{"s.log_dt", 1, {1}, -3.0f},   {"s.log_A_real", 2, {1, 1}, -0.7f},
                         {"s.A_imag", 2, {1, 1}, 3.0f}, {"s.C_re", 2, {1, 1}, 0.5f},
                         {"s.C_im", 2, {1, 1}, 0.0f},   {"s.D", 1, {1}, 1.0f}};
    const char *graphs[2] = {"{\"nodes\":[{\"id\":\"c\",\"kind\":\"conv1d\",\"in\":[\"x\"],"
                             "\"out\":1,\"kernel\":3}],\"outputs\":{\"audio\":\"c\"}}",
                             "{\"nodes\":[{\"id\":\"s\",\"kind\":\"s4d\",\"in\":[\"x\"],"
                             "\"state\":2}],\"outputs\":{\"audio\":\"s\"}}"};
    const ssm_rate_path want[2] = {SSM_RATE_RESAMPLE, SSM_RATE_REDISCRETIZE};
    for (int k = 0; k < 2; k++) {
        size_t size = 0;
        unsigned char *bytes =
            make_file(graphs[k], k ? NULL : "false", k ? s4d : conv, k ? 6 : 2, &size);
        char path[] = "/tmp/ssm-graph-rate-XXXXXX";
        int fd = mkstemp(path);
        int wrote = fd >= 0 && write(fd, bytes, size) == (ssize_t)size;
        if (fd >= 0)
            close(fd);
        free(bytes);
        ssm_netrun r;
        ssm_error err = {0};
        int ok = wrote && ssm_netrun_init(&r, path, 1, &err) == SSM_OK &&
                 ssm_netrun_activate(&r, 44100.0, 256, &err) == SSM_OK;
        CHECK(ok, "graph %d at 44.1 kHz: %s", k, err.message);
        if (ok) {
            printf("rate path at 44.1 kHz: %s (dt_scale %g)\n", r.why, r.dt_scale);
            CHECK(r.path == want[k], "graph %d takes rate path %d (got %d)", k, want[k], r.path);
            if (k == 0)
                CHECK(strstr(r.why, "layer \"c\" (conv1d) is rate-bound: host 44100 Hz runs "
                                    "through the 48000 Hz bridge"),
                      "the bridge is explained naming the layer: %s", r.why);
            else
                CHECK(fabs(r.dt_scale - 48000.0 / 44100.0) < 1e-12 && r.bridge == NULL,
                      "the s4d graph re-discretises (dt_scale %g) without a bridge", r.dt_scale);
            ssm_netrun_free(&r);
        }
        unlink(path);
    }
}

/* NaN and Inf samples run as zeros: the state after them equals the state
 * a clean run of zeros leaves. */
static void non_finite(void)
{
    const tdesc s4d[] = {{"s.log_dt", 1, {1}, -3.0f},   {"s.log_A_real", 2, {1, 1}, -0.7f},
                         {"s.A_imag", 2, {1, 1}, 3.0f}, {"s.C_re", 2, {1, 1}, 0.5f},
                         {"s.C_im", 2, {1, 1}, 0.0f},   {"s.D", 1, {1}, 1.0f}};
    size_t size = 0;
    unsigned char *bytes = make_file("{\"nodes\":[{\"id\":\"s\",\"kind\":\"s4d\",\"in\":[\"x\"],"
                                     "\"state\":2}],\"outputs\":{\"audio\":\"s\"}}",
                                     NULL, s4d, 6, &size);
    ssm_error err = {0};
    ssm_model *m = ssm_model_load_memory(bytes, size, "nan.safetensors", &err);
    free(bytes);
    ssm_graph *a = m ? ssm_graph_create(m, &err) : NULL, *b = m ? ssm_graph_create(m, &err) : NULL;
    int ok = a && b && ssm_graph_activate(a, 1.0, 64, &err) == SSM_OK &&
             ssm_graph_activate(b, 1.0, 64, &err) == SSM_OK;
    CHECK(ok, "s4d graphs for the non-finite test (%s)", err.message);
    if (ok) {
        float x[64], z[64], ya[64], yb[64];
        for (int i = 0; i < 64; i++) {
            x[i] = (float)sin(0.3 * i);
            z[i] = x[i];
        }
        x[5] = NAN;
        x[9] = INFINITY;
        x[20] = -INFINITY;
        z[5] = z[9] = z[20] = 0.0f;
        ssm_graph_process(a, x, ya, 64);
        ssm_graph_process(b, z, yb, 64);
        for (int i = 0; i < 64; i++)
            x[i] = z[i] = (float)cos(0.1 * i);
        ssm_graph_process(a, x, ya, 64);
        ssm_graph_process(b, z, yb, 64);
        double e = 0.0;
        int finite = 1;
        for (int i = 0; i < 64; i++) {
            finite &= isfinite(ya[i]);
            e = fmax(e, fabs((double)ya[i] - yb[i]));
        }
        CHECK(finite && e == 0.0,
              "after NaN/Inf input the output is finite and equals a run on "
              "zeros (max diff %g)",
              e);
    }
    ssm_graph_destroy(a);
    ssm_graph_destroy(b);
    ssm_model_destroy(m);
}

/* The LTI families' own refusals: parameters no recurrence can run, a
 * plane that does not fit, and the rate-bound ones (lru, liquid_s4) under
 * ssm.rediscretize "true". */
#define DSS_T(re_name, re)                                                                         \
    {"d.log_dt", 1, {1}, -3.0f}, {re_name, 2, {1, 1}, re}, {"d.Lambda_im", 2, {1, 1}, 1.0f},       \
        {"d.W_re", 2, {1, 1}, 1.0f}, {"d.W_im", 2, {1, 1}, 0.0f},                                  \
    {                                                                                              \
        "d.D", 1, {1}, 0.0f                                                                        \
    }
#define DSS_NODE(extra)                                                                            \
    "{\"nodes\":[{\"id\":\"d\",\"kind\":\"dss\",\"in\":[\"x\"],\"state\":1" extra "}],"            \
    "\"outputs\":{\"audio\":\"d\"}}"
#define S4_T(lar)                                                                                  \
    {"s.log_dt", 1, {1}, -3.0f}, {"s.log_A_real", 2, {1, 1}, lar}, {"s.A_imag", 2, {1, 1}, 1.0f},  \
        {"s.P_re", 3, {1, 1, 1}, 0.5f}, {"s.P_im", 3, {1, 1, 1}, 0.0f},                            \
        {"s.B_re", 2, {1, 1}, 1.0f}, {"s.B_im", 2, {1, 1}, 0.0f}, {"s.C_re", 2, {1, 1}, 1.0f},     \
        {"s.C_im", 2, {1, 1}, 0.0f},                                                               \
    {                                                                                              \
        "s.D", 1, {1}, 0.0f                                                                        \
    }

static void lti_refusals(void)
{
    const tdesc dss_ok[] = {DSS_T("d.Lambda_re", -0.5f)};
    const char *ok =
        try_graph(DSS_NODE(",\"variant\":\"softmax\",\"l_max\":64"), NULL, dss_ok, 6, 1);
    CHECK(ok[0] == 0, "a well-formed softmax dss builds and activates (%s)", ok);
    const tdesc dss_grow[] = {DSS_T("d.Lambda_re", 0.25f)};
    expect("dss: softmax mode grows",
           try_graph(DSS_NODE(",\"variant\":\"softmax\",\"l_max\":64"), NULL, dss_grow, 6, 1),
           "node \"d\" (dss): ", "Lambda_re[0][0] = 0.25: a softmax mode that does not decay");
    expect("dss: softmax without l_max",
           try_graph(DSS_NODE(",\"variant\":\"softmax\""), NULL, dss_ok, 6, 0),
           "node \"d\" (dss): ", "parameter \"l_max\" is missing");
    const tdesc dss_exp[] = {DSS_T("d.Lambda_log_neg_re", -0.7f)};
    expect("dss: exp with l_max", try_graph(DSS_NODE(",\"l_max\":64"), NULL, dss_exp, 6, 0),
           "node \"d\" (dss): ", "unknown parameter \"l_max\"");
    const tdesc s5[] = {{"v.Lambda_re", 1, {1}, 0.0f}, {"v.Lambda_im", 1, {1}, 1.0f},
                        {"v.log_dt", 1, {1}, -3.0f},   {"v.B_re", 2, {1, 1}, 1.0f},
                        {"v.B_im", 2, {1, 1}, 0.0f},   {"v.C_re", 2, {1, 1}, 1.0f},
                        {"v.C_im", 2, {1, 1}, 0.0f},   {"v.D", 1, {1}, 0.0f}};
    expect("s5: pole on the axis",
           try_graph("{\"nodes\":[{\"id\":\"v\",\"kind\":\"s5\",\"in\":[\"x\"],\"state\":1}],"
                     "\"outputs\":{\"audio\":\"v\"}}",
                     NULL, s5, 8, 0),
           "node \"v\" (s5): ", "Lambda_re[0] = 0: every continuous pole needs a negative real");
    const tdesc s4_ok[] = {S4_T(-0.7f)};
    expect("s4: odd state",
           try_graph("{\"nodes\":[{\"id\":\"s\",\"kind\":\"s4\",\"in\":[\"x\"],\"state\":3}],"
                     "\"outputs\":{\"audio\":\"s\"}}",
                     NULL, s4_ok, 10, 0),
           "node \"s\" (s4): ", "state 3 is odd");
    const tdesc s4_flat[] = {S4_T(-1000.0f)};
    expect("s4: no decay",
           try_graph("{\"nodes\":[{\"id\":\"s\",\"kind\":\"s4\",\"in\":[\"x\"],\"state\":2}],"
                     "\"outputs\":{\"audio\":\"s\"}}",
                     NULL, s4_flat, 10, 0),
           "node \"s\" (s4): ", "log_A_real[0][0] = -1000 gives Re(Lambda) = -0: no decay");
    expect(
        "liquid_s4: rediscretize true",
        try_graph("{\"nodes\":[{\"id\":\"s\",\"kind\":\"liquid_s4\",\"in\":[\"x\"],\"state\":2}],"
                  "\"outputs\":{\"audio\":\"s\"}}",
                  "true", s4_ok, 10, 0),
        "node \"s\" (liquid_s4) is rate-bound", "ssm.rediscretize");
    const tdesc lru[] = {{"r.nu_log", 1, {1}, -3.0f},    {"r.theta_log", 1, {1}, -1.0f},
                         {"r.gamma_log", 1, {1}, -1.0f}, {"r.B_re", 2, {1, 1}, 1.0f},
                         {"r.B_im", 2, {1, 1}, 0.0f},    {"r.C_re", 2, {1, 1}, 1.0f},
                         {"r.C_im", 2, {1, 1}, 0.0f},    {"r.D", 1, {1}, 0.0f}};
    expect("lru: rediscretize true",
           try_graph("{\"nodes\":[{\"id\":\"r\",\"kind\":\"lru\",\"in\":[\"x\"],\"state\":1}],"
                     "\"outputs\":{\"audio\":\"r\"}}",
                     "true", lru, 8, 0),
           "node \"r\" (lru) is rate-bound", "ssm.rediscretize");
    expect("s4nd: plane does not fit",
           try_graph("{\"inputs\":3,\"nodes\":[{\"id\":\"p\",\"kind\":\"s4nd\",\"in\":[\"x\"],"
                     "\"state\":2,\"freq_state\":2,\"channels\":2}],\"outputs\":{\"audio\":\"x\"}}",
                     NULL, NULL, 0, 0),
           "node \"p\" (s4nd): ", "input width 3 is not channels (2) x bins");
}

int main(void)
{
    refusals();
    lti_refusals();
    through_processor();
    rates();
    non_finite();
    return th_finish("test_graph_errors");
}
