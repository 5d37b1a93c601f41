/* Activations and norms against their defining formulas in double. */
#include <math.h>

#include "../harness.h"
#include "ssm/kernels.h"

#define N 2001

int main(void)
{
    static float x[N], got[N], want[N];
    for (int i = 0; i < N; i++)
        x[i] = -30.0f + 60.0f * (float)i / (N - 1);

    ssm_silu(got, x, N);
    for (int i = 0; i < N; i++)
        want[i] = (float)(x[i] / (1.0 + exp(-(double)x[i])));
    th_close_f("silu vs x/(1+e^-x)", got, want, N, 1e-6);

    ssm_gelu(got, x, N);
    for (int i = 0; i < N; i++)
        want[i] = (float)(0.5 * x[i] * (1.0 + erf(x[i] / sqrt(2.0))));
    th_close_f("gelu vs x/2 (1+erf(x/sqrt2))", got, want, N, 1e-6);

    ssm_softplus(got, x, N);
    for (int i = 0; i < N; i++)
        want[i] = (float)log1p(exp((double)x[i]));
    th_close_f("softplus vs log(1+e^x)", got, want, N, 1e-6);

    ssm_sigmoid(got, x, N);
    for (int i = 0; i < N; i++)
        want[i] = (float)(1.0 / (1.0 + exp(-(double)x[i])));
    th_close_f("sigmoid", got, want, N, 1e-6);
    CHECK(ssm_sigmoidf(-1000.0f) == 0.0f && ssm_sigmoidf(1000.0f) == 1.0f,
          "sigmoid saturates without NaN");

    /* The vectorisable exp/log: pointwise relative error (not norm-wise),
     * across the whole range the kernels feed them. */
    double emax = 0.0, lmax = 0.0;
    for (int i = 0; i <= 100000; i++) {
        float xe = -87.0f + 175.0f * (float)i / 100000.0f;
        double re = fabs(ssm_expf_fast(xe) / exp((double)xe) - 1.0);
        emax = re > emax ? re : emax;
        float xl = ldexpf(1.0f + (float)(i % 1000) / 1000.0f, i / 1000 - 50);
        double rl = fabs(ssm_logf_fast(xl) - log((double)xl)) / fmax(fabs(log((double)xl)), 1e-3);
        lmax = rl > lmax ? rl : lmax;
    }
    printf("ssm_expf_fast on [-87, 88]: max rel err %.3g; ssm_logf_fast: %.3g\n", emax, lmax);
    CHECK(emax < 5e-7, "expf_fast rel err %g", emax);
    CHECK(lmax < 5e-7, "logf_fast rel err %g", lmax);
    CHECK(ssm_expf_fast(-1000.0f) > 0.0f && isfinite(ssm_expf_fast(1000.0f)),
          "expf_fast clamps instead of giving 0/denormal or inf");
    float sp_small = ssm_softplusf_fast(-30.0f);
    CHECK(fabs(sp_small / exp(-30.0) - 1.0) < 1e-6, "softplus(-30) %g keeps relative accuracy",
          sp_small);

    float glu_in[2 * 8], glu_out[8], glu_want[8];
    for (int i = 0; i < 16; i++)
        glu_in[i] = (float)i * 0.37f - 2.0f;
    ssm_glu(glu_out, glu_in, 8);
    for (int i = 0; i < 8; i++)
        glu_want[i] = (float)(glu_in[i] / (1.0 + exp(-(double)glu_in[8 + i])));
    th_close_f("glu a*sigmoid(b)", glu_out, glu_want, 8, 1e-6);

    /* LayerNorm of a shifted ramp: mean 0 and unit variance afterwards. */
    float v[64], y[64];
    for (int i = 0; i < 64; i++)
        v[i] = 1000.0f + (float)i;
    ssm_layernorm(y, v, NULL, NULL, 64, 1e-5f);
    double m = 0, s = 0;
    for (int i = 0; i < 64; i++)
        m += y[i];
    for (int i = 0; i < 64; i++)
        s += (y[i] - m / 64) * (y[i] - m / 64);
    CHECK(fabs(m / 64) < 1e-5 && fabs(s / 64 - 1.0) < 1e-3, "layernorm mean %g var %g", m / 64,
          s / 64);

    ssm_rmsnorm(y, v, NULL, 64, 0.0f);
    double ms = 0;
    for (int i = 0; i < 64; i++)
        ms += (double)y[i] * y[i];
    CHECK(fabs(ms / 64 - 1.0) < 1e-5, "rmsnorm mean square %g", ms / 64);

    return th_finish("test_activations");
}
