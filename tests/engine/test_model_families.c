/* One small model file per SSM family (tests/golden/layers/net_<family>,
 * made by make_goldens.py and held to PyTorch by test_layers) through the
 * engine's "model" processor, the path every host takes: per file, at the
 * trained rate (48 kHz) and at 44.1 kHz (the rate bridge for a rate-bound
 * graph, re-discretisation for a rate-free one), stereo (a mono graph runs
 * once per channel):
 *   - streaming in random blocks == offline in large blocks (rel < 1e-4),
 *     and both report the same latency;
 *   - the output is finite, not silent and not the input;
 *   - nothing allocates in process.
 * Usage: test_model_families MODEL... */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../alloc_trap.h"
#include "../harness.h"
#include "ssm/ssmaudio.h"

#define CH 2

static int allocs;

/* Runs a fresh "model" processor over x (n frames, CH planar channels) in
 * mode, blocks of 1..max_block (random) or exactly max_block (fixed). */
static int render(const char *model, double rate, ssm_mode mode, uint32_t max_block, int fixed,
                  const float *const *x, float *const *y, size_t n, uint32_t *latency, th_rng *rng)
{
    ssm_error err = {0};
    ssm_processor *p = ssm_processor_create(
        &(ssm_processor_desc){.type = "model", .model_path = model, .n_channels = CH}, &err);
    if (!p || ssm_processor_activate(p, rate, max_block, &err) != SSM_OK) {
        fprintf(stderr, "%s at %g Hz: %s\n", model, rate, err.message);
        ssm_processor_destroy(p);
        return 0;
    }
    ssm_processor_set_mode(p, mode);
    *latency = ssm_processor_latency(p);
    for (size_t done = 0; done < n;) {
        uint32_t b = fixed ? max_block : 1 + (uint32_t)(th_uniform(rng) * max_block);
        b = b > max_block ? max_block : b;
        b = b > n - done ? (uint32_t)(n - done) : b;
        const float *in[CH];
        float *out[CH];
        for (int c = 0; c < CH; c++) {
            in[c] = x[c] + done;
            out[c] = y[c] + done;
        }
        at_arm();
        ssm_processor_process(p, in, out, b);
        at_disarm();
        done += b;
    }
    allocs += at_violations();
    at_reset();
    ssm_processor_destroy(p);
    return 1;
}

static void check_model(const char *model, double rate, th_rng *rng)
{
    const size_t n = th_scale(48000, 9000);
    float *buf = calloc(5 * CH * n, sizeof *buf);
    if (!buf) {
        CHECK(0, "out of memory");
        return;
    }
    float *x[CH], *ys[CH], *yo[CH];
    for (int c = 0; c < CH; c++) {
        x[c] = buf + c * n;
        ys[c] = buf + (CH + c) * n;
        yo[c] = buf + (2 * CH + c) * n;
        for (size_t i = 0; i < n; i++) /* a tone plus noise, different per channel */
            x[c][i] = (float)(0.4 * sin(0.013 * (c + 1) * (double)i) + 0.1 * th_normal(rng));
    }
    uint32_t lat_s = 0, lat_o = 0;
    int ok =
        render(model, rate, SSM_MODE_STREAM, 256, 0, (const float *const *)x, ys, n, &lat_s, rng) &&
        render(model, rate, SSM_MODE_OFFLINE, 4096, 1, (const float *const *)x, yo, n, &lat_o, rng);
    CHECK(ok, "%s at %g Hz: the model processor runs in both forms", model, rate);
    if (ok) {
        const char *base = strrchr(model, '/') ? strrchr(model, '/') + 1 : model;
        CHECK(lat_s == lat_o, "%s at %g Hz: latency %u streaming, %u offline", base, rate, lat_s,
              lat_o);
        for (int c = 0; c < CH; c++) {
            char what[256];
            snprintf(what, sizeof what, "%s %g Hz ch%d: stream == offline", base, rate, c);
            th_close_f(what, ys[c], yo[c], n, 1e-4);
            double e = 0.0, d = 0.0;
            int finite = 1;
            for (size_t i = 0; i < n; i++) {
                finite &= isfinite(yo[c][i]);
                e += (double)yo[c][i] * yo[c][i];
                d += ((double)yo[c][i] - x[c][i]) * ((double)yo[c][i] - x[c][i]);
            }
            CHECK(finite && e > 1e-6 * (double)n && d > 1e-6 * (double)n,
                  "%s: the output is finite (%d), not silent (energy %g), not the input "
                  "(difference %g)",
                  what, finite, e, d);
        }
    }
    free(buf);
}

int main(int argc, char **argv)
{
    CHECK(argc > 1, "model files given (%d)", argc - 1);
    ssm_denormals_disable();
    th_rng rng = {0x5eed5eedULL};
    for (int i = 1; i < argc; i++) {
        check_model(argv[i], 48000.0, &rng);
        check_model(argv[i], 44100.0, &rng);
    }
    CHECK(allocs == 0 || !at_active(), "no allocation in process (%d)", allocs);
    printf("allocations in process: %d (trap %s)\n", allocs, at_active() ? "live" : "inactive");
    return th_finish("test_model_families");
}
