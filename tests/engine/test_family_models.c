/* The model file of each SSM family (tests/golden/layers/model_*, made by
 * make_goldens.py: the family between glue, or behind a filterbank) through
 * the engine's "model" processor, the path every host takes:
 *   - at the trained rate (48 kHz) its output equals the PyTorch golden;
 *   - at 48 and 44.1 kHz (re-discretised, or behind the rate bridge for a
 *     rate-bound graph, as its metadata says) streaming in random blocks ==
 *     offline in random blocks on long random input, with the same latency;
 *   - the output is not silent, and process never allocates.
 * The cases are the "model_" lines of cases.txt, so a new family's model
 * file joins by being a make_goldens case. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../alloc_trap.h"
#include "../harness.h"
#include "run_blocks.h"
#include "ssm/model.h"
#include "ssm/ssmaudio.h"

#define TOL 1e-4

static int allocs;

static ssm_processor *make(const char *path, double rate, uint32_t max_block, ssm_mode mode)
{
    ssm_error err = {0};
    const ssm_processor_desc d = {.type = "model", .model_path = path, .n_channels = 1};
    ssm_processor *p = ssm_processor_create(&d, &err);
    if (p && ssm_processor_activate(p, rate, max_block, &err) != SSM_OK) {
        ssm_processor_destroy(p);
        p = NULL;
    }
    if (!p)
        fprintf(stderr, "%s at %g Hz: %s\n", path, rate, err.message);
    else
        ssm_processor_set_mode(p, mode);
    return p;
}

static float peak(const float *x, size_t n)
{
    float m = 0.0f;
    for (size_t i = 0; i < n; i++)
        m = fabsf(x[i]) > m ? fabsf(x[i]) : m;
    return m;
}

static void check_model(const char *dir, const char *name)
{
    char path[1400], io_path[1400];
    snprintf(path, sizeof path, "%s/%s.safetensors", dir, name);
    snprintf(io_path, sizeof io_path, "%s/%s.io.safetensors", dir, name);
    ssm_error err = {0};
    ssm_model *m = ssm_model_load(path, &err);
    ssm_model *io = m ? ssm_model_load(io_path, &err) : NULL;
    CHECK(m && io, "%s: model and golden load (%s)", name, err.message);
    if (!m || !io) {
        ssm_model_destroy(m);
        return;
    }
    const char *rd = ssm_model_meta(m, "ssm.rediscretize");
    printf("%s: ssm.rediscretize %s\n", name, rd ? rd : "(none)");

    /* The processor == PyTorch at the trained rate, offline in one block. */
    const ssm_tensor *in = ssm_model_tensor(io, "in"), *want = ssm_model_tensor(io, "out.audio");
    CHECK(in && want && in->numel == want->numel, "%s: golden in/out.audio present", name);
    if (in && want && in->numel == want->numel) {
        const size_t T = in->numel;
        float *y = calloc(T, sizeof *y);
        ssm_processor *p = make(path, 48000.0, (uint32_t)T, SSM_MODE_OFFLINE);
        CHECK(p != NULL, "%s: processor at 48 kHz", name);
        if (p && y) {
            th_rng rng = {7};
            allocs += run_blocks(p, in->data, y, T, (uint32_t)T, 0, &rng);
            char what[256];
            snprintf(what, sizeof what, "%s: \"model\" processor (offline) == PyTorch", name);
            th_close_f(what, y, want->data, T, TOL);
        }
        ssm_processor_destroy(p);
        free(y);
    }

    /* Streaming == offline through the processor, at two host rates. */
    const size_t L = th_scale(96000, 16000);
    float *x = malloc(L * sizeof *x), *ys = calloc(L, sizeof *ys), *yo = calloc(L, sizeof *yo);
    th_rng rng = {0x5eedULL ^ L};
    for (size_t i = 0; x && i < L; i++)
        x[i] = (float)(0.3 * th_normal(&rng));
    const double rates[2] = {48000.0, 44100.0};
    for (int r = 0; x && ys && yo && r < 2; r++) {
        ssm_processor *ps = make(path, rates[r], 256, SSM_MODE_STREAM);
        ssm_processor *po = make(path, rates[r], 4096, SSM_MODE_OFFLINE);
        CHECK(ps && po, "%s at %g Hz: processors activate", name, rates[r]);
        if (ps && po) {
            allocs += run_blocks(ps, x, ys, L, 256, 0, &rng);
            allocs += run_blocks(po, x, yo, L, 4096, 0, &rng);
            char what[256];
            snprintf(what, sizeof what, "%s at %g Hz: stream (blocks <= 256) == offline (<= 4096)",
                     name, rates[r]);
            th_close_f(what, ys, yo, L, TOL);
            CHECK(ssm_processor_latency(ps) == ssm_processor_latency(po),
                  "%s at %g Hz: latency %u in both forms", name, rates[r],
                  ssm_processor_latency(ps));
            CHECK(peak(yo, L) > 1e-3f, "%s at %g Hz: the output is not silent (peak %g)", name,
                  rates[r], (double)peak(yo, L));
        }
        ssm_processor_destroy(ps);
        ssm_processor_destroy(po);
    }
    free(x);
    free(ys);
    free(yo);
    ssm_model_destroy(io);
    ssm_model_destroy(m);
}

int main(void)
{
    const char *gd = getenv("SSM_GOLDEN_DIR");
    char dir[1024], path[1100];
    snprintf(dir, sizeof dir, "%s/layers", gd ? gd : "tests/golden");
    snprintf(path, sizeof path, "%s/cases.txt", dir);
    FILE *f = fopen(path, "r");
    CHECK(f != NULL, "case list %s opens", path);
    if (!f)
        return th_finish("test_family_models");
    char line[128];
    int n = 0;
    while (fgets(line, sizeof line, f)) {
        line[strcspn(line, "\r\n")] = 0;
        if (strncmp(line, "model_", 6) != 0)
            continue;
        check_model(dir, line);
        n++;
    }
    fclose(f);
    /* lru, s5, dss, s4, liquid_s4, s4nd at least (other families add theirs). */
    CHECK(n >= 6, "%d family model files", n);
    CHECK(allocs == 0 || !at_active(), "no allocation in process (%d)", allocs);
    printf("allocations in process: %d (trap %s)\n", allocs, at_active() ? "live" : "inactive");
    return th_finish("test_family_models");
}
