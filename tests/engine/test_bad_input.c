/* A broken driver's samples never poison a processor (issue 14): NaN,
 * infinities and absurd values (1e20, -3e5) in the input of every built-in
 * processor, in both forms and at two block sizes. The output must be
 * finite and equal, sample for sample, to the output for the same input
 * with those samples set to 0: the bad samples leave no trace at all, so
 * the state is finite and recovers at once. Before, one NaN made the
 * denoiser's whole output NaN (the offline form even before it) and the
 * filters' output NaN until a reset. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../harness.h"
#include "ssm/ssmaudio.h"

#define RATE 48000.0

typedef struct {
    const char *name, *type, *model;
    uint32_t channels;
} kind;

static void signal(float *x, size_t n, uint32_t ch)
{
    unsigned s = 99u + ch;
    for (size_t i = 0; i < n; i++) {
        s = s * 1664525u + 1013904223u;
        const double noise = ((double)(s >> 8) / 16777216.0 - 0.5) * 0.1;
        x[i] = (float)(0.3 * sin(2.0 * M_PI * 180.0 * (ch + 1) * (double)i / RATE) *
                           (0.5 + 0.5 * sin(2.0 * M_PI * 3.0 * (double)i / RATE)) +
                       noise);
    }
}

/* Run p over in (channels x n) in blocks of `block`, into out. */
static void run(ssm_processor *p, float **in, float **out, uint32_t channels, size_t n,
                uint32_t block)
{
    const float *ip[2];
    float *op[2];
    for (size_t at = 0; at < n; at += block) {
        const uint32_t m = (uint32_t)(n - at < block ? n - at : block);
        for (uint32_t c = 0; c < channels; c++) {
            ip[c] = in[c] + at;
            op[c] = out[c] + at;
        }
        ssm_processor_process(p, ip, op, m);
    }
}

static ssm_processor *make(const kind *k, ssm_mode mode, uint32_t block)
{
    ssm_error err = {0};
    const ssm_processor_desc d = {k->type, k->model, k->channels};
    ssm_processor *p = ssm_processor_create(&d, &err);
    CHECK(p != NULL, "%s: create: %s", k->name, err.message);
    if (p && ssm_processor_activate(p, RATE, block, &err) != SSM_OK) {
        CHECK(0, "%s: activate: %s", k->name, err.message);
        ssm_processor_destroy(p);
        return NULL;
    }
    if (p)
        ssm_processor_set_mode(p, mode);
    return p;
}

int main(void)
{
    const char *dir = getenv("SSM_PRESETS_DIR");
    char model[1024];
    snprintf(model, sizeof model, "%s/denoise.safetensors", dir ? dir : "presets");
    const kind kinds[] = {
        {"gain", "gain", NULL, 1},
        {"resonator", "resonator", NULL, 1},
        {"reverb", "reverb", NULL, 2},
        {"denoise", "denoise", model, 1},
        {"denoise (stereo, linked)", "denoise", model, 2},
        {"model (the denoiser network)", "model", model, 1},
    };
    const size_t n = th_scale(48000, 12000);
    /* Where the driver breaks, and how. */
    static const struct {
        size_t at;
        uint32_t ch;
        float v;
    } bad[] = {{1000, 0, NAN},   {3000, 0, INFINITY}, {5000, 0, -INFINITY}, {7000, 0, 1e20f},
               {9000, 0, -3e5f}, {9001, 0, NAN},      {2000, 1, NAN},       {6000, 1, 1e30f}};
    float *clean[2], *broken[2], *want[2], *got[2];
    for (uint32_t c = 0; c < 2; c++) {
        clean[c] = malloc(n * sizeof(float));
        broken[c] = malloc(n * sizeof(float));
        want[c] = malloc(n * sizeof(float));
        got[c] = malloc(n * sizeof(float));
        signal(clean[c], n, c);
    }
    for (size_t k = 0; k < sizeof kinds / sizeof kinds[0]; k++) {
        const kind *kd = &kinds[k];
        uint64_t n_bad = 0;
        for (uint32_t c = 0; c < kd->channels; c++)
            memcpy(broken[c], clean[c], n * sizeof(float));
        for (size_t b = 0; b < sizeof bad / sizeof bad[0]; b++)
            if (bad[b].ch < kd->channels && bad[b].at < n) {
                broken[bad[b].ch][bad[b].at] = bad[b].v;
                clean[bad[b].ch][bad[b].at] = 0.0f; /* the reference: those samples silent */
                n_bad++;
            }
        for (int mode = 0; mode < 2; mode++)
            for (int bs = 0; bs < 2; bs++) {
                const uint32_t block = bs ? 1000 : 256;
                const ssm_mode m = mode ? SSM_MODE_OFFLINE : SSM_MODE_STREAM;
                ssm_processor *ref = make(kd, m, block), *p = make(kd, m, block);
                if (!ref || !p) {
                    ssm_processor_destroy(ref);
                    ssm_processor_destroy(p);
                    continue;
                }
                run(ref, clean, want, kd->channels, n, block);
                run(p, broken, got, kd->channels, n, block);
                char what[160];
                for (uint32_t c = 0; c < kd->channels; c++) {
                    size_t nonfinite = 0;
                    for (size_t i = 0; i < n; i++)
                        nonfinite += !isfinite(got[c][i]);
                    snprintf(what, sizeof what, "%s, %s, block %u, ch %u", kd->name,
                             mode ? "offline" : "stream", block, c);
                    CHECK(nonfinite == 0, "%s: %zu non-finite output samples", what, nonfinite);
                    /* Exactly the output for silent samples there: no trace. */
                    const double e = th_close_f(what, got[c], want[c], n, 0.0);
                    CHECK(e == 0.0, "%s: differs from the output with those samples at 0 (%g)",
                          what, e);
                }
                CHECK(ssm_processor_rejected(p) == n_bad && ssm_processor_rejected(ref) == 0,
                      "%s: %llu samples run as silence (want %llu), reference %llu", what,
                      (unsigned long long)ssm_processor_rejected(p), (unsigned long long)n_bad,
                      (unsigned long long)ssm_processor_rejected(ref));
                ssm_processor_destroy(ref);
                ssm_processor_destroy(p);
            }
        for (uint32_t c = 0; c < 2; c++)
            signal(clean[c], n, c);
    }
    /* A loud but real signal (+40 dBFS peaks) is audio, not an error. */
    {
        const kind kd = {"gain", "gain", NULL, 1};
        ssm_processor *p = make(&kd, SSM_MODE_STREAM, 256);
        for (size_t i = 0; i < n; i++)
            broken[0][i] = 100.0f * clean[0][i];
        if (p) {
            run(p, broken, got, 1, n, 256);
            CHECK(ssm_processor_rejected(p) == 0 && got[0][n / 2] == broken[0][n / 2],
                  "+40 dBFS is passed (rejected %llu)",
                  (unsigned long long)ssm_processor_rejected(p));
        }
        ssm_processor_destroy(p);
    }
    for (uint32_t c = 0; c < 2; c++) {
        free(clean[c]);
        free(broken[c]);
        free(want[c]);
        free(got[c]);
    }
    return th_finish("test_bad_input");
}
