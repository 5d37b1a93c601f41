/* A third party's program against the installed library: only installed
 * headers, linked through pkg-config. It touches each part (processor API,
 * model files, rate handling, kernels, live backends) and exits non-zero
 * if any answers wrong. */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "ssm/audio_live.h"
#include "ssm/kernels.h"
#include "ssm/model.h"
#include "ssm/ssmaudio.h"

static int failed;

static void check(int ok, const char *what)
{
    printf("%s: %s\n", ok ? "ok" : "FAIL", what);
    failed |= !ok;
}

int main(void)
{
    ssm_error err = {0};
    ssm_processor *p =
        ssm_processor_create(&(ssm_processor_desc){.type = "gain", .n_channels = 1}, &err);
    check(p != NULL, "create a gain processor");
    if (!p)
        return 1;
    check(ssm_processor_activate(p, 48000.0, 64, &err) == SSM_OK, "activate it");
    ssm_processor_set_param(p, 0, 0.0f);
    ssm_processor_reset(p);
    float x[100], y[100];
    for (int i = 0; i < 100; i++)
        x[i] = sinf(0.1f * (float)i);
    const float *in[1] = {x};
    float *out[1] = {y};
    ssm_processor_process(p, in, out, 100);
    float e = 0.0f;
    for (int i = 0; i < 100; i++)
        e = fmaxf(e, fabsf(y[i] - x[i]));
    check(e < 1e-6f, "0 dB gain passes the signal through");
    ssm_processor_destroy(p);

    const char junk[] = "not a model";
    ssm_model *m = ssm_model_load_memory(junk, sizeof junk, "junk", &err);
    check(m == NULL && strstr(err.message, "junk") != NULL, "a broken model is refused by name");
    check(strcmp(ssm_status_string(SSM_ERR_FORMAT), ssm_status_string(SSM_OK)) != 0,
          "kernel status strings");
    check(ssm_live_backend_get("portaudio") != NULL, "the PortAudio backend is there");
    return failed;
}
