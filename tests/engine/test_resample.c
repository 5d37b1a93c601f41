/* Sample-rate paths: ssm_rate_choose() reads a model's metadata and picks
 * native / re-discretise / resample; the rate bridge (44.1 kHz host, 48 kHz
 * inner processing) returns the inner result delayed by exactly its reported
 * latency, in blocks of varying size, without allocating. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "../alloc_trap.h"
#include "../harness.h"
#include "ssm/resample.h"

static ssm_model *meta_model(const char *json)
{
    size_t n = strlen(json);
    unsigned char *buf = malloc(8 + n);
    for (int i = 0; i < 8; i++)
        buf[i] = (unsigned char)(((uint64_t)n >> (8 * i)) & 0xff);
    memcpy(buf + 8, json, n);
    ssm_error err = {0};
    ssm_model *m = ssm_model_load_memory(buf, 8 + n, "meta.safetensors", &err);
    CHECK(m != NULL, "metadata-only model loads: %s", err.message);
    free(buf);
    return m;
}

static void half(void *user, const float *const *in, float *const *out, uint32_t n)
{
    int *calls = user;
    (*calls)++;
    for (uint32_t i = 0; i < n; i++)
        out[0][i] = 0.5f * in[0][i];
}

int main(void)
{
    char why[512];
    double inner = 0;
    ssm_model *fixed = meta_model(
        "{\"__metadata__\":{\"ssm.sample_rate\":\"48000\",\"ssm.rediscretize\":\"false\"}}");
    ssm_model *ct = meta_model("{\"__metadata__\":{\"ssm.sample_rate\":\"48000\"}}");
    if (fixed && ct) {
        CHECK(ssm_rate_choose(fixed, 48000, &inner, why, sizeof why) == SSM_RATE_NATIVE &&
                  inner == 48000,
              "fixed-rate model at its own rate: native (%s)", why);
        CHECK(ssm_rate_choose(fixed, 44100, &inner, why, sizeof why) == SSM_RATE_RESAMPLE &&
                  inner == 48000 && strstr(why, "resampling 44100 -> 48000 -> 44100"),
              "fixed-rate model at 44.1 kHz: resample (%s)", why);
        printf("%s\n", why);
        CHECK(ssm_rate_choose(ct, 96000, &inner, why, sizeof why) == SSM_RATE_REDISCRETIZE &&
                  inner == 96000 && strstr(why, "re-discretised"),
              "continuous-time model at 96 kHz: re-discretise (%s)", why);
        printf("%s\n", why);
    }
    ssm_model_destroy(fixed);
    ssm_model_destroy(ct);

    ssm_error err = {0};
    ssm_rate_bridge *b = ssm_rate_bridge_create(44100, 48000, 1, 256, &err);
    CHECK(b != NULL, "bridge 44.1 <-> 48 kHz: %s", err.message);
    if (!b)
        return th_finish("test_resample");
    uint32_t lat = ssm_rate_bridge_latency(b);
    printf("rate bridge 44100 -> 48000 -> 44100 Hz, block <= 256: latency %u frames, inner "
           "block <= %u\n",
           lat, ssm_rate_bridge_max_inner_block(b));
    CHECK(lat > 0 && lat < 2048, "latency is measured and modest (%u)", lat);
    size_t n = th_scale(44100, 22050);
    float *x = malloc(n * sizeof *x), *y = malloc(n * sizeof *y);
    for (size_t i = 0; i < n; i++)
        x[i] = 0.5f * sinf(2.0f * 3.14159265f * 440.0f * (float)i / 44100.0f) +
               0.2f * sinf(2.0f * 3.14159265f * 3000.0f * (float)i / 44100.0f);
    int calls = 0;
    at_reset();
    at_arm();
    for (size_t at = 0, k = 0; at < n; k++) {
        uint32_t blk = (uint32_t)(k % 4 == 3 ? 1 + (k * 53) % 256 : 256);
        if (blk > n - at)
            blk = (uint32_t)(n - at);
        const float *in[1] = {x + at};
        float *out[1] = {y + at};
        ssm_rate_bridge_process(b, in, out, blk, half, &calls);
        at += blk;
    }
    at_disarm();
    CHECK(at_violations() == 0, "bridge process allocated %d times", at_violations());
    CHECK(calls > 0, "the inner processing ran (%d calls)", calls);
    /* Compare past the converters' start-up transient. */
    size_t skip = lat + 2000, m = n - skip;
    float *want = malloc(m * sizeof *want);
    for (size_t i = 0; i < m; i++)
        want[i] = 0.5f * x[skip + i - lat];
    th_close_f("bridge(0.5 * x) vs 0.5 * x delayed by its latency", y + skip, want, m, 2e-3);
    free(want);
    free(x);
    free(y);
    ssm_rate_bridge_destroy(b);
    return th_finish("test_resample");
}
