/* The processor API contract, on the built-in "gain" type: errors name
 * their cause, parameters clamp, blocks longer than max_block are split,
 * every channel is processed however many there are, and a processor that
 * was never activated writes silence instead of running. The "denoise"
 * type finds its own model through SSM_PRESETS_PATH, which every test setup
 * sets for a build tree.
 * (Denormal flushing: test_denormals.c.) */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../harness.h"
#include "ssm/ssmaudio.h"

int main(void)
{
    ssm_error err = {0};
    ssm_processor *bad = ssm_processor_create(&(ssm_processor_desc){.type = "no-such"}, &err);
    CHECK(bad == NULL && err.status == SSM_ERR_INVALID && strstr(err.message, "no-such"),
          "unknown type gives an error naming it (got \"%s\")", err.message);

    int found = 0;
    for (const char *const *t = ssm_processor_types(); *t; t++)
        found |= strcmp(*t, "gain") == 0;
    CHECK(found, "\"gain\" is listed among the built-in types");

    ssm_processor *p =
        ssm_processor_create(&(ssm_processor_desc){.type = "gain", .n_channels = 2}, &err);
    CHECK(p != NULL, "create gain: %s", err.message);
    if (!p)
        return th_finish("test_processor");
    CHECK(ssm_processor_activate(p, 1.0, 64, &err) == SSM_ERR_INVALID,
          "a 1 Hz sample rate is refused");
    CHECK(ssm_processor_activate(p, 48000.0, 64, &err) == SSM_OK, "activate: %s", err.message);

    int32_t gi = ssm_processor_param_index(p, "gain");
    CHECK(gi == 0, "param index of \"gain\" is 0 (got %d)", gi);
    CHECK(ssm_processor_param_index(p, "nope") == -1, "unknown symbol gives -1");
    ssm_processor_set_param(p, (uint32_t)gi, 1000.0f);
    CHECK(ssm_processor_get_param(p, (uint32_t)gi) == 24.0f, "gain clamps to its 24 dB maximum");
    ssm_processor_set_param(p, (uint32_t)gi, NAN);
    CHECK(ssm_processor_get_param(p, (uint32_t)gi) == 24.0f, "NaN from a host is ignored");

    /* 0 dB, then a block of 1000 frames through max_block 64: the split must
     * cover every frame. */
    ssm_processor_set_param(p, (uint32_t)gi, 0.0f);
    ssm_processor_reset(p);
    enum { N = 1000 };
    static float l[N], r[N], ol[N], or_[N];
    for (int i = 0; i < N; i++) {
        l[i] = sinf(0.01f * i);
        r[i] = -l[i];
    }
    const float *in[2] = {l, r};
    float *out[2] = {ol, or_};
    ssm_processor_process(p, in, out, N);
    th_close_f("0 dB gain is identity (left)", ol, l, N, 1e-6);
    th_close_f("0 dB gain is identity (right)", or_, r, N, 1e-6);

    ssm_processor_destroy(p);

    /* More channels than any fixed table: each one through 0 dB. */
    enum { WIDE = 80, M = 300 };
    ssm_processor *wide =
        ssm_processor_create(&(ssm_processor_desc){.type = "gain", .n_channels = WIDE}, &err);
    CHECK(wide != NULL, "create gain with %d channels: %s", WIDE, err.message);
    if (wide) {
        static float x[WIDE][M], y[WIDE][M];
        const float *wi[WIDE];
        float *wo[WIDE];
        for (int c = 0; c < WIDE; c++) {
            for (int i = 0; i < M; i++) {
                x[c][i] = sinf(0.01f * (float)(i + 7 * c));
                y[c][i] = NAN;
            }
            wi[c] = x[c];
            wo[c] = y[c];
        }
        CHECK(ssm_processor_activate(wide, 48000.0, 128, &err) == SSM_OK, "activate: %s",
              err.message);
        ssm_processor_set_param(wide, 0, 0.0f);
        ssm_processor_reset(wide);
        ssm_processor_process(wide, wi, wo, M);
        th_close_f("0 dB gain, channel 0 of 80", y[0], x[0], M, 1e-6);
        th_close_f("0 dB gain, channel 79 of 80", y[WIDE - 1], x[WIDE - 1], M, 1e-6);
        ssm_processor_destroy(wide);
    }

    /* Process before activate: nothing is sized, so silence, and return. */
    ssm_processor *idle =
        ssm_processor_create(&(ssm_processor_desc){.type = "gain", .n_channels = 2}, &err);
    CHECK(idle != NULL, "create gain: %s", err.message);
    if (idle) {
        ssm_processor_process(idle, in, out, N);
        double e = 0.0;
        for (int i = 0; i < N; i++)
            e += fabs((double)ol[i]) + fabs((double)or_[i]);
        CHECK(e == 0.0, "process before activate writes silence (sum |out| = %g)", e);
        ssm_processor_destroy(idle);
    }

    /* The denoiser's own model, in a build tree: SSM_PRESETS_PATH is a
     * list, searched in order; a missing model says where to point. */
    const char *presets = getenv("SSM_PRESETS_PATH");
    CHECK(presets && *presets, "the test setup sets SSM_PRESETS_PATH");
    if (presets && *presets) {
        char list[4096];
        snprintf(list, sizeof list, "/nonexistent/ssm:%s", presets);
        setenv("SSM_PRESETS_PATH", list, 1);
        ssm_processor *dn = ssm_processor_create(&(ssm_processor_desc){.type = "denoise"}, &err);
        CHECK(dn != NULL, "\"denoise\" finds its model in SSM_PRESETS_PATH=%s: %s", list,
              err.message);
        ssm_processor_destroy(dn);
    }
    setenv("SSM_DENOISE_MODEL", "/nonexistent/ssm/denoise.safetensors", 1);
    ssm_processor *dn = ssm_processor_create(&(ssm_processor_desc){.type = "denoise"}, &err);
    CHECK(dn == NULL && strstr(err.message, "/nonexistent/ssm/denoise.safetensors") &&
              strstr(err.message, "SSM_PRESETS_PATH"),
          "a missing denoiser model names the file and the variables (got \"%s\")", err.message);
    ssm_processor_destroy(dn);
    return th_finish("test_processor");
}
