/* Every layer kind and a few whole networks in the graph engine against
 * the PyTorch model library (tests/golden/layers, made by make_goldens.py
 * from tools/train/ssmlib), in both forms:
 *   stream   the step, in blocks of 1 and of random sizes;
 *   offline  the planned schedule, and each exact schedule the case's kinds
 *            offer (pinned), in one block and in random blocks;
 * every output relative error < 1e-4 (max |c - p| / max |p|). Also: block
 * cuts do not change the streaming output, whole networks give the same
 * output in both forms on long random input cut at random boundaries,
 * nothing allocates in process, and every kind the engine knows has a
 * golden case. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../alloc_trap.h"
#include "../harness.h"
#include "net/graph.h"
#include "net/kinds.h"

#define MAX_OUT 16
#define TOL     1e-4

static char dir[1024];
static int allocs;
static char covered[2048] = ",";

typedef struct {
    size_t n_out;
    float *got[MAX_OUT];
    size_t rows[MAX_OUT], width[MAX_OUT], cap[MAX_OUT];
} capture;

static void capture_free(capture *c)
{
    for (size_t i = 0; i < c->n_out; i++)
        free(c->got[i]);
    memset(c, 0, sizeof *c);
}

/* Runs graph g over x (T frames of `inputs`) in blocks (0: random 1..max),
 * appending every output's frames. Returns 0 if an output overflowed. */
static int run(ssm_graph *g, const float *x, size_t T, uint32_t max_block, uint32_t block,
               th_rng *rng, capture *c, size_t rows_hint)
{
    const size_t inputs = ssm_graph_inputs(g);
    float *y = malloc((size_t)max_block * inputs * sizeof *y);
    int ok = y != NULL;
    c->n_out = ssm_graph_n_outputs(g);
    for (size_t i = 0; i < c->n_out; i++) {
        c->cap[i] = rows_hint + 1;
        c->got[i] = NULL;
        c->rows[i] = 0;
    }
    for (size_t done = 0; ok && done < T;) {
        uint32_t b = block ? block : 1 + (uint32_t)(th_uniform(rng) * max_block);
        if (b > max_block)
            b = max_block;
        if (b > T - done)
            b = (uint32_t)(T - done);
        at_arm();
        ssm_graph_process(g, x + done * inputs, y, b);
        at_disarm();
        for (size_t i = 0; i < c->n_out; i++) {
            size_t n = 0, w = 0;
            const float *f = ssm_graph_output_frames(g, i, &n, &w);
            if (!c->got[i]) {
                c->width[i] = w;
                c->got[i] = calloc(c->cap[i] * w + 1, sizeof(float));
            }
            if (c->rows[i] + n > c->cap[i] || !c->got[i]) {
                ok = 0;
                break;
            }
            memcpy(c->got[i] + c->rows[i] * w, f, n * w * sizeof(float));
            c->rows[i] += n;
        }
        done += b;
    }
    allocs += at_violations();
    at_reset();
    free(y);
    return ok;
}

/* A fresh graph, pinned to schedule `pin` on every node that offers it
 * (-1: the plan's own choice), activated and set to mode. */
static ssm_graph *make(const ssm_model *m, double dt_scale, uint32_t max_block, ssm_mode mode,
                       int pin, int *pinned)
{
    ssm_error err = {0};
    ssm_graph *g = ssm_graph_create(m, &err);
    if (!g) {
        fprintf(stderr, "create: %s\n", err.message);
        return NULL;
    }
    *pinned = 0;
    for (size_t i = 0; pin >= 0 && i < ssm_graph_n_nodes(g); i++)
        *pinned += ssm_graph_pin_schedule(g, i, (ssm_schedule)pin) == SSM_OK;
    if (ssm_graph_activate(g, dt_scale, max_block, &err) != SSM_OK) {
        fprintf(stderr, "activate: %s\n", err.message);
        ssm_graph_destroy(g);
        return NULL;
    }
    ssm_graph_set_mode(g, mode);
    return g;
}

typedef struct {
    const char *name;
    ssm_mode mode;
    int pin; /* schedule pinned on every node offering it, or -1 */
    uint32_t max_block, block;
} form;

static void check_case(const char *name)
{
    char path[1400];
    ssm_error err = {0};
    snprintf(path, sizeof path, "%s/%s.safetensors", dir, name);
    ssm_model *m = ssm_model_load(path, &err);
    snprintf(path, sizeof path, "%s/%s.io.safetensors", dir, name);
    ssm_model *io = m ? ssm_model_load(path, &err) : NULL;
    CHECK(m && io, "case %s: model and io files load (%s)", name, err.message);
    if (!m || !io) {
        ssm_model_destroy(m);
        return;
    }
    const char *ds = ssm_model_meta(io, "dt_scale");
    const double dt_scale = ds ? atof(ds) : 1.0;
    const ssm_tensor *in = ssm_model_tensor(io, "in");
    int pinned = 0;
    ssm_graph *g0 = make(m, dt_scale, 64, SSM_MODE_STREAM, -1, &pinned);
    CHECK(g0 && in && in->ndim == 2 && in->shape[1] == (g0 ? ssm_graph_inputs(g0) : 0),
          "case %s: graph builds and the input matches it", name);
    if (!g0 || !in || in->ndim != 2) {
        ssm_graph_destroy(g0);
        ssm_model_destroy(io);
        ssm_model_destroy(m);
        return;
    }
    /* Which kinds this case covers, and which offline schedules it has. */
    unsigned offered = 0;
    for (size_t i = 0; i < ssm_graph_n_nodes(g0); i++) {
        char key[80];
        snprintf(key, sizeof key, ",%s,", ssm_graph_node_kind(g0, i));
        if (!strstr(covered, key) && strlen(covered) + strlen(key) < sizeof covered)
            strcat(covered, key + 1);
        for (int s = 1; s < SSM_N_SCHEDULES; s++) {
            ssm_graph *probe = ssm_graph_create(m, &err);
            if (probe && ssm_graph_pin_schedule(probe, i, (ssm_schedule)s) == SSM_OK)
                offered |= 1u << s;
            ssm_graph_destroy(probe);
        }
    }
    const size_t T = (size_t)in->shape[0];
    const size_t n_out = ssm_graph_n_outputs(g0);
    const float *ref[MAX_OUT];
    size_t ref_rows[MAX_OUT];
    for (size_t o = 0; o < n_out && o < MAX_OUT; o++) {
        char key[96];
        snprintf(key, sizeof key, "out.%s", ssm_graph_output_name(g0, o));
        const ssm_tensor *t = ssm_model_tensor(io, key);
        const char *alias = ssm_model_meta(io, key);
        ref[o] = t ? t->data : (alias && strcmp(alias, "in") == 0 ? in->data : NULL);
        ref_rows[o] = t ? (size_t)t->shape[0] : T;
        CHECK(ref[o] != NULL, "case %s: golden output %s present", name, key);
    }
    ssm_graph_destroy(g0);

    form forms[8] = {
        {"stream, block 1", SSM_MODE_STREAM, -1, 1, 1},
        {"stream, random blocks", SSM_MODE_STREAM, -1, 300, 0},
        {"offline (planned), one block", SSM_MODE_OFFLINE, -1, (uint32_t)T, (uint32_t)T},
        {"offline (planned), random blocks", SSM_MODE_OFFLINE, -1, 700, 0},
    };
    size_t n_forms = 4;
    char labels[8][48];
    for (int s = 1; s < SSM_N_SCHEDULES; s++)
        for (int random = 0; random < 2 && (offered & (1u << s)); random++) {
            snprintf(labels[n_forms], sizeof labels[0], "offline %s, %s",
                     ssm_schedule_name((ssm_schedule)s), random ? "random blocks" : "one block");
            forms[n_forms] = (form){labels[n_forms], SSM_MODE_OFFLINE, s,
                                    random ? 500 : (uint32_t)T, random ? 0 : (uint32_t)T};
            n_forms++;
        }
    th_rng rng = {0x9e3779b97f4a7c15ULL ^ T};
    capture first = {0};
    for (size_t f = 0; f < n_forms; f++) {
        ssm_graph *g = make(m, dt_scale, forms[f].max_block, forms[f].mode, forms[f].pin, &pinned);
        CHECK(g != NULL, "case %s: %s: graph activated", name, forms[f].name);
        if (!g)
            continue;
        capture c = {0};
        int ok = run(g, in->data, T, forms[f].max_block, forms[f].block, &rng, &c, T);
        CHECK(ok, "case %s: %s: output frame counts within the stream's", name, forms[f].name);
        for (size_t o = 0; ok && o < n_out; o++) {
            char what[400];
            snprintf(what, sizeof what, "%s/%s: %s", name, ssm_graph_output_name(g, o),
                     forms[f].name);
            CHECK(c.rows[o] == ref_rows[o], "%s: %zu frames, golden %zu", what, c.rows[o],
                  ref_rows[o]);
            if (c.rows[o] == ref_rows[o] && ref[o])
                th_close_f(what, c.got[o], ref[o], c.rows[o] * c.width[o], TOL);
            if (f == 1 && first.got[o] && c.rows[o] == first.rows[o]) {
                snprintf(what, sizeof what, "%s/%s: stream cuts == stream block 1", name,
                         ssm_graph_output_name(g, o));
                th_close_f(what, c.got[o], first.got[o], c.rows[o] * c.width[o], 1e-6);
            }
        }
        if (forms[f].pin > 0)
            CHECK(pinned > 0, "case %s: %s pinned on %d nodes", name, forms[f].name, pinned);
        if (f == 0)
            first = c;
        else
            capture_free(&c);
        ssm_graph_destroy(g);
    }
    /* The fixed DFT pair reconstructs perfectly (docs/model-format.md): the
     * audio is the input delayed by the graph's latency, window - 1. A check
     * of the basis itself, independent of the PyTorch side. */
    if (strcmp(name, "fb_dft") == 0 && first.got[0] && first.rows[0] == T) {
        ssm_graph *g = make(m, 1.0, 64, SSM_MODE_STREAM, -1, &pinned);
        const size_t lat = g ? ssm_graph_latency(g) : 0;
        ssm_graph_destroy(g);
        CHECK(lat == 15, "fb_dft: latency %zu == window - 1 = 15", lat);
        if (lat == 15 && T > lat)
            th_close_f("fb_dft: audio == input delayed by 15", first.got[0] + lat, in->data,
                       T - lat, 1e-5);
    }
    capture_free(&first);

    /* Whole networks (net_*, and the model file of each family, model_*):
     * streaming == every offline schedule on long random input, cut at
     * random boundaries (no golden needed: the two forms must agree with
     * each other). */
    if (strncmp(name, "net_", 4) == 0 || strncmp(name, "model_", 6) == 0) {
        const size_t inputs = (size_t)in->shape[1], L = th_scale(96000, 12000);
        float *x = malloc(L * inputs * sizeof *x);
        for (size_t i = 0; i < L * inputs; i++)
            x[i] = (float)(0.3 * th_normal(&rng));
        capture s = {0};
        ssm_graph *g = make(m, dt_scale, 256, SSM_MODE_STREAM, -1, &pinned);
        int ok = g && run(g, x, L, 256, 0, &rng, &s, L);
        CHECK(ok, "case %s: streaming over %zu random samples", name, L);
        for (int sch = 0; ok && sch < SSM_N_SCHEDULES; sch++) {
            if (sch && !(offered & (1u << sch)))
                continue;
            ssm_graph *go = make(m, dt_scale, 4096, SSM_MODE_OFFLINE, sch, &pinned);
            capture c = {0};
            int ok2 = go && run(go, x, L, 4096, 0, &rng, &c, L);
            CHECK(ok2, "case %s: offline %s over %zu samples", name,
                  ssm_schedule_name((ssm_schedule)sch), L);
            for (size_t o = 0; ok2 && o < n_out; o++) {
                char what[400];
                snprintf(what, sizeof what, "%s/%s: long input, offline %s == stream", name,
                         ssm_graph_output_name(go, o), ssm_schedule_name((ssm_schedule)sch));
                CHECK(c.rows[o] == s.rows[o], "%s: frames %zu vs %zu", what, c.rows[o], s.rows[o]);
                if (c.rows[o] == s.rows[o])
                    th_close_f(what, c.got[o], s.got[o], c.rows[o] * c.width[o], TOL);
            }
            capture_free(&c);
            ssm_graph_destroy(go);
        }
        capture_free(&s);
        ssm_graph_destroy(g);
        free(x);
    }
    ssm_model_destroy(io);
    ssm_model_destroy(m);
}

int main(void)
{
    const char *gd = getenv("SSM_GOLDEN_DIR");
    snprintf(dir, sizeof dir, "%s/layers", gd ? gd : "tests/golden");
    char path[1100];
    snprintf(path, sizeof path, "%s/cases.txt", dir);
    FILE *f = fopen(path, "r");
    CHECK(f != NULL, "case list %s opens", path);
    if (!f)
        return th_finish("test_layers");
    ssm_denormals_disable();
    char line[128];
    int n_cases = 0;
    while (fgets(line, sizeof line, f)) {
        line[strcspn(line, "\r\n")] = 0;
        if (!line[0])
            continue;
        check_case(line);
        n_cases++;
    }
    fclose(f);
    CHECK(n_cases >= 20, "%d golden cases", n_cases);

    /* Every kind the engine knows has a golden case. */
    char kinds[1024];
    ssm_kind_list(kinds, sizeof kinds);
    int missing = 0;
    for (char *k = strtok(kinds, ", "); k; k = strtok(NULL, ", ")) {
        char key[80];
        snprintf(key, sizeof key, ",%s,", k);
        if (!strstr(covered, key)) {
            fprintf(stderr, "kind %s has no golden case\n", k);
            missing++;
        }
    }
    CHECK(missing == 0, "every layer kind has a golden case (%d missing)", missing);
    CHECK(allocs == 0 || !at_active(), "no allocation in process (%d)", allocs);
    printf("allocations in process: %d (trap %s)\n", allocs, at_active() ? "live" : "inactive");
    return th_finish("test_layers");
}
