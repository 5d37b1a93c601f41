/* The selective and gated kinds (mamba, mamba2, hyena, h3, gss) refuse bad
 * parameters and tensors with an error naming the file, the node, its kind
 * and the reason. Each defect is one edit of a good golden file
 * (tests/golden/layers/<case>.safetensors): a parameter of node "y" set or
 * removed, or element 0 of a tensor overwritten; the unedited file builds
 * and activates, so each refusal is about its one defect. */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../harness.h"
#include "net/graph.h"

static char dir[1024];

typedef struct {
    const char *what;
    const char *file;   /* tests/golden/layers/<file>.safetensors */
    const char *param;  /* key of node "y" to set, or NULL */
    const char *value;  /* its JSON value; NULL: remove the key */
    const char *tensor; /* a tensor whose element 0 is overwritten, or NULL */
    float poke;
    double dt_scale; /* activation (0: 1) */
    const char *want;
} defect;

static const defect defects[] = {
    {"mamba: A_log overflows", "mamba", NULL, NULL, "y.A_log", 100.0f, 0,
     "A_log[0] = 100: A = -exp(A_log) overflows"},
    {"mamba: state vs tensors", "mamba", "state", "5", NULL, 0, 0,
     "tensor \"y.x_proj.weight\" has shape [10, 6], want [12, 6]"},
    {"mamba: bias without tensors", "mamba", "bias", "true", NULL, 0, 0,
     "tensor \"y.in_proj.bias\" is missing"},
    {"mamba: unknown parameter", "mamba", "expand", "2", NULL, 0, 0,
     "unknown parameter \"expand\""},
    {"mamba2: head_dim", "mamba2", "head_dim", "3", NULL, 0, 0, "head_dim 3 must divide d_inner 8"},
    {"mamba2: groups", "mamba2", "groups", "3", NULL, 0, 0, "groups 3 the heads"},
    {"mamba2: A_log overflows", "mamba2", NULL, NULL, "y.A_log", 90.0f, 0,
     "A = -exp(A_log) overflows"},
    {"hyena: emb_dim even", "hyena", "emb_dim", "4", NULL, 0, 0, "emb_dim 4 must be odd"},
    {"hyena: no l_max", "hyena", "l_max", NULL, NULL, 0, 0, "parameter \"l_max\" is missing"},
    {"hyena: n_inner vs tensors", "hyena", "n_inner", "3", NULL, 0, 0,
     "tensor \"y.filter.mlp.3.weight\" is missing"},
    {"hyena: too many taps", "hyena", NULL, NULL, NULL, 0, 1e-6, "filter taps at dt_scale"},
    {"h3: odd state", "h3", "state", "7", NULL, 0, 0, "state 7 is odd"},
    {"h3: shift_state vs tensors", "h3", "shift_state", "5", NULL, 0, 0,
     "tensor \"y.ssm_k_kernel.B\" has shape [3, 4], want [3, 5]"},
    {"h3: a pole on the unit circle", "h3", NULL, NULL, "y.kernel.log_A_real", -1000.0f, 0,
     "no stable discrete system"},
    {"gss: softmax without l_max", "gss", "variant", "\"softmax\"", NULL, 0, 0,
     "parameter \"l_max\" is missing"},
    {"gss: l_max with exp", "gss", "l_max", "100", NULL, 0, 0, "unknown parameter \"l_max\""},
    {"gss: unknown variant", "gss", "variant", "\"cosine\"", NULL, 0, 0, "parameter \"variant\""},
    {"gss: Lambda overflows", "gss", NULL, NULL, "y.dss.Lambda_log_neg_re", 85.0f, 0,
     "dss.Lambda_log_neg_re[0][0] = 85: Re Lambda = -exp(.) overflows"},
    {"gss: softmax mode that grows", "gss_softmax", NULL, NULL, "y.dss.Lambda_re", 0.25f, 0,
     "dss.Lambda_re[0][0] = 0.25: a softmax mode that does not decay"},
    {"gss: a mode that does not decay", "gss", NULL, NULL, "y.dss.Lambda_log_neg_re", -1000.0f, 0,
     "no stable discrete system"},
};

/* The file with the defect applied (a new header, the same data section,
 * one element poked), or NULL. */
static unsigned char *apply(const unsigned char *src, size_t n, const defect *d, size_t *out_n)
{
    uint64_t hl = 0;
    for (int b = 0; b < 8; b++)
        hl |= (uint64_t)src[b] << (8 * b);
    json_error_t je;
    json_t *h = json_loadb((const char *)src + 8, (size_t)hl, 0, &je);
    json_t *meta = json_object_get(h, "__metadata__");
    json_t *graph = json_loads(json_string_value(json_object_get(meta, "ssm.graph")), 0, &je);
    json_t *nodes = json_object_get(graph, "nodes"), *y = NULL;
    for (size_t i = 0; i < json_array_size(nodes); i++)
        if (strcmp(json_string_value(json_object_get(json_array_get(nodes, i), "id")), "y") == 0)
            y = json_array_get(nodes, i);
    if (!h || !graph || !y) {
        json_decref(graph);
        json_decref(h);
        return NULL;
    }
    if (d->param && d->value)
        json_object_set_new(y, d->param, json_loads(d->value, JSON_DECODE_ANY, &je));
    else if (d->param)
        json_object_del(y, d->param);
    char *gtext = json_dumps(graph, JSON_COMPACT);
    json_object_set_new(meta, "ssm.graph", json_string(gtext));
    free(gtext);
    size_t poke_at = (size_t)-1;
    if (d->tensor)
        poke_at = (size_t)json_integer_value(
            json_array_get(json_object_get(json_object_get(h, d->tensor), "data_offsets"), 0));
    char *text = json_dumps(h, JSON_COMPACT);
    const size_t nhl = strlen(text), data = n - 8 - (size_t)hl;
    unsigned char *b = malloc(8 + nhl + data);
    for (int k = 0; k < 8; k++)
        b[k] = (unsigned char)((uint64_t)nhl >> (8 * k));
    memcpy(b + 8, text, nhl);
    memcpy(b + 8 + nhl, src + 8 + hl, data);
    if (poke_at != (size_t)-1 && poke_at + 4 <= data)
        memcpy(b + 8 + nhl + poke_at, &d->poke, 4);
    *out_n = 8 + nhl + data;
    free(text);
    json_decref(graph);
    json_decref(h);
    return b;
}

/* Builds and activates; the error message ("" when it ran). */
static const char *try_bytes(const unsigned char *b, size_t n, double dt_scale)
{
    static ssm_error err;
    memset(&err, 0, sizeof err);
    ssm_model *m = ssm_model_load_memory(b, n, "bad.safetensors", &err);
    if (!m)
        return err.message;
    ssm_graph *g = ssm_graph_create(m, &err);
    if (g)
        ssm_graph_activate(g, dt_scale > 0 ? dt_scale : 1.0, 64, &err);
    ssm_graph_destroy(g);
    ssm_model_destroy(m);
    return err.message;
}

int main(void)
{
    const char *gd = getenv("SSM_GOLDEN_DIR");
    snprintf(dir, sizeof dir, "%s/layers", gd ? gd : "tests/golden");
    const char *checked = "";
    for (size_t i = 0; i < sizeof defects / sizeof defects[0]; i++) {
        const defect *d = &defects[i];
        char path[1200];
        snprintf(path, sizeof path, "%s/%s.safetensors", dir, d->file);
        size_t n = 0, bn = 0;
        unsigned char *src = th_read_file(path, &n);
        CHECK(src != NULL && n > 8, "%s: %s reads", d->what, path);
        if (!src || n <= 8) {
            free(src);
            continue;
        }
        if (strcmp(checked, d->file) != 0) { /* the good file runs as is */
            const char *msg = try_bytes(src, n, 1.0);
            printf("%-28s -> %s\n", d->file, msg[0] ? msg : "(built and activated)");
            CHECK(msg[0] == 0, "%s: the unedited file builds: %s", d->file, msg);
            checked = d->file;
        }
        unsigned char *b = apply(src, n, d, &bn);
        CHECK(b != NULL, "%s: the edit applies", d->what);
        const char *msg = b ? try_bytes(b, bn, d->dt_scale) : "";
        printf("%-28s -> %s\n", d->what, msg);
        char node[64];
        snprintf(node, sizeof node, "node \"y\" (%.*s): ", (int)strcspn(d->file, "_"), d->file);
        CHECK(strncmp(msg, "bad.safetensors: ", 17) == 0, "%s: names the file: %s", d->what, msg);
        CHECK(strstr(msg, node) != NULL, "%s: names the node and kind (%s): %s", d->what, node,
              msg);
        CHECK(strstr(msg, d->want) != NULL, "%s: says '%s': %s", d->what, d->want, msg);
        free(b);
        free(src);
    }
    return th_finish("test_family_errors");
}
