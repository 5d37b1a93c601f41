/* Denormal input never reaches the output as a denormal (FTZ/DAZ are set
 * inside process), and the caller's FPU mode is restored afterwards.
 * Suite "fpu": valgrind's CPU ignores MXCSR, so the valgrind pass skips it. */
#include <float.h>
#include <math.h>

#include "../harness.h"
#include "ssm/ssmaudio.h"

int main(void)
{
    ssm_error err = {0};
    ssm_processor *p = ssm_processor_create(&(ssm_processor_desc){.type = "gain"}, &err);
    CHECK(p && ssm_processor_activate(p, 48000.0, 256, &err) == SSM_OK, "gain: %s", err.message);
    if (!p)
        return th_finish("test_denormals");
    enum { N = 4096 };
    static float x[N], y[N];
    for (int i = 0; i < N; i++)
        x[i] = (i & 1 ? -1e-40f : 3e-39f);
    const float *in[1] = {x};
    float *out[1] = {y};
    ssm_processor_process(p, in, out, N);
    int denormals = 0;
    for (int i = 0; i < N; i++)
        denormals += fpclassify(y[i]) == FP_SUBNORMAL;
    CHECK(denormals == 0, "%d of %d output samples are denormal", denormals, N);

    volatile float tiny = FLT_MIN;
    volatile float half = tiny / 2.0f;
    CHECK(half != 0.0f, "caller's denormal mode restored after process");
    ssm_processor_destroy(p);
    return th_finish("test_denormals");
}
