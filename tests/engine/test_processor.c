/* The processor API contract, on the built-in "gain" type: errors name
 * their cause, parameters clamp, and blocks longer than max_block are split.
 * (Denormal flushing: test_denormals.c.) */
#include <math.h>
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
    return th_finish("test_processor");
}
