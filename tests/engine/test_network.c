/* The trained denoiser network (presets/denoise.safetensors) in the
 * engine against the PyTorch model's output (tests/golden/dnmodel, made by
 * tools/train/export.py; checked by tests/golden/dnmodel_golden.py in
 * numpy), in both forms and for several block sizes; streaming == offline;
 * silence in -> silence out; no allocation in process; the "denoise"
 * processor's latency, bypass and meters. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../alloc_trap.h"
#include "../harness.h"
#include "run_blocks.h"
#include "ssm/ssmaudio.h"

static char model_path[1024];

static ssm_processor *make(const char *type, double sr, uint32_t max_block, ssm_mode mode)
{
    ssm_error err = {0};
    ssm_processor_desc d = {type, model_path, 1};
    ssm_processor *p = ssm_processor_create(&d, &err);
    if (!p) {
        fprintf(stderr, "create %s: %s\n", type, err.message);
        return NULL;
    }
    ssm_processor_set_mode(p, mode);
    if (ssm_processor_activate(p, sr, max_block, &err) != SSM_OK) {
        fprintf(stderr, "activate %s: %s\n", type, err.message);
        ssm_processor_destroy(p);
        return NULL;
    }
    return p;
}

int main(void)
{
    const char *gd = getenv("SSM_GOLDEN_DIR");
    char path[1200];
    snprintf(model_path, sizeof model_path, "%s/../../presets/denoise.safetensors",
             gd ? gd : "tests/golden");
    size_t n = 0, nref = 0;
    snprintf(path, sizeof path, "%s/dnmodel/golden_in.f32", gd ? gd : "tests/golden");
    float *x = th_read_f32(path, &n);
    snprintf(path, sizeof path, "%s/dnmodel/golden_out.f32", gd ? gd : "tests/golden");
    float *ref = th_read_f32(path, &nref);
    CHECK(x && ref && n == nref && n > 0, "golden files read (%zu, %zu samples)", n, nref);
    if (!x || !ref || n != nref)
        return th_finish("test_network");
    float *y = calloc(n, sizeof *y), *y2 = calloc(n, sizeof *y2);
    th_rng rng = {12345};
    int allocs = 0;

    /* The "model" processor at unity gain is the bare network. */
    const struct {
        ssm_mode mode;
        uint32_t max_block, block;
        const char *what;
    } cases[] = {
        {SSM_MODE_STREAM, 1, 1, "stream, block 1 vs PyTorch"},
        {SSM_MODE_STREAM, 512, 0, "stream, random blocks vs PyTorch"},
        {SSM_MODE_OFFLINE, 4096, 4096, "offline, block 4096 vs PyTorch"},
        {SSM_MODE_OFFLINE, 1000, 0, "offline, random blocks vs PyTorch"},
    };
    for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++) {
        ssm_processor *p = make("model", 48000.0, cases[c].max_block, cases[c].mode);
        CHECK(p != NULL, "model processor created (%s)", cases[c].what);
        if (!p)
            continue;
        CHECK(ssm_processor_latency(p) == 95, "latency %u == 95 samples at 48 kHz",
              ssm_processor_latency(p));
        allocs += run_blocks(p, x, y, n, cases[c].max_block, cases[c].block, &rng);
        th_close_f(cases[c].what, y, ref, n, 1e-4);
        if (c == 0)
            memcpy(y2, y, n * sizeof *y);
        else if (cases[c].mode == SSM_MODE_OFFLINE)
            th_close_f("offline == streaming", y, y2, n, 1e-5);
        ssm_processor_destroy(p);
    }
    CHECK(allocs == 0 || !at_active(), "no allocation in process (%d)", allocs);

    /* Silence in, silence out: exactly zero (no bias in the filterbank). */
    {
        ssm_processor *p = make("denoise", 48000.0, 256, SSM_MODE_STREAM);
        CHECK(p != NULL, "denoise processor created");
        if (p) {
            size_t m = 48000;
            float *z = calloc(m, sizeof *z), *o = calloc(m, sizeof *o);
            allocs += run_blocks(p, z, o, m, 256, 0, &rng);
            float mx = 0.0f;
            for (size_t i = 0; i < m; i++)
                mx = fmaxf(mx, fabsf(o[i]));
            printf("silence in: max |out| = %g over %zu samples\n", mx, m);
            CHECK(mx == 0.0f, "silence in gives silence out (max %g)", mx);
            /* Bypass: the dry signal delayed by the reported latency. */
            ssm_processor_reset(p);
            ssm_processor_set_param(p, (uint32_t)ssm_processor_param_index(p, "bypass"), 1.0f);
            ssm_processor_reset(p);
            allocs += run_blocks(p, x, o, n, 256, 0, &rng);
            uint32_t lat = ssm_processor_latency(p);
            double e = 0.0;
            for (size_t i = lat; i < n; i++)
                e = fmax(e, fabs((double)o[i] - (double)x[i - lat]));
            printf("bypass: max |out[t] - in[t-%u]| = %g\n", lat, e);
            CHECK(e < 1e-6, "bypass passes the input delayed by the latency (err %g)", e);
            float v = ssm_processor_get_param(p, (uint32_t)ssm_processor_param_index(p, "vad"));
            float gr = ssm_processor_get_param(p, (uint32_t)ssm_processor_param_index(p, "gr"));
            CHECK(v >= 0.0f && v <= 1.0f && gr >= 0.0f && gr <= 100.0f,
                  "meters in range: vad %g, gr %g", v, gr);
            free(z);
            free(o);
            ssm_processor_destroy(p);
        }
    }

    /* 44.1 kHz: the file says it cannot be re-discretised: resampled. */
    {
        ssm_processor *p = make("denoise", 44100.0, 512, SSM_MODE_STREAM);
        CHECK(p != NULL, "denoise at 44.1 kHz");
        if (p) {
            uint32_t lat = ssm_processor_latency(p);
            printf("44.1 kHz: latency %u frames (resampled)\n", lat);
            CHECK(lat > 87 && lat < 4096, "44.1 kHz latency %u includes the rate bridge", lat);
            ssm_processor_destroy(p);
        }
    }

    /* A file of another architecture is refused with a message. */
    {
        ssm_error err = {0};
        snprintf(path, sizeof path, "%s/../../tests/golden/dnmodel/golden_in.f32",
                 gd ? gd : "tests/golden");
        ssm_processor_desc d = {"model", path, 1};
        ssm_processor *p = ssm_processor_create(&d, &err);
        printf("bad file: %s\n", err.message);
        CHECK(!p && err.message[0], "a non-model file is refused with a message");
        ssm_processor_destroy(p);
    }
    free(x);
    free(ref);
    free(y);
    free(y2);
    return th_finish("test_network");
}
