/* Activations and norms against their defining formulas in double: the
 * array forms norm-wise, the fast scalar forms pointwise over the whole
 * float range they accept, with the error bound each header states; and
 * NaN and infinite input give the values the header defines (no undefined
 * behaviour: the sanitizer build runs this too). */
#include <float.h>
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

    /* log power over the range features see: |x| from 1e-6 to 1e3. */
    for (int i = 0; i < N; i++)
        x[i] = (i % 2 ? -1.0f : 1.0f) * powf(10.0f, -6.0f + 9.0f * (float)i / (N - 1));
    ssm_logpow(got, x, N, 1e-8f);
    double pmax = 0.0;
    for (int i = 0; i < N; i++) {
        const double w = log((double)x[i] * x[i] + 1e-8);
        const double e = fabs(got[i] - w) / fmax(1.0, fabs(w));
        pmax = e > pmax ? e : pmax;
    }
    printf("logpow vs log(x^2 + eps): max err %.3g of max(1, |log|) (bound 3e-7)\n", pmax);
    CHECK(pmax < 3e-7, "logpow error %g", pmax);
    const float odd[3] = {NAN, 0.0f, INFINITY};
    ssm_logpow(got, odd, 3, 1e-45f); /* a denormal eps */
    CHECK(isfinite(got[0]) && isfinite(got[1]) && isfinite(got[2]) && got[1] < -87.0f,
          "logpow of NaN, 0 (denormal eps), inf: %g %g %g", (double)got[0], (double)got[1],
          (double)got[2]);
    for (int i = 0; i < N; i++)
        x[i] = -30.0f + 60.0f * (float)i / (N - 1);

    ssm_sigmoid(got, x, N);
    for (int i = 0; i < N; i++)
        want[i] = (float)(1.0 / (1.0 + exp(-(double)x[i])));
    th_close_f("sigmoid", got, want, N, 1e-6);
    CHECK(ssm_sigmoidf(-1000.0f) == 0.0f && ssm_sigmoidf(1000.0f) == 1.0f,
          "sigmoid saturates without NaN");

    /* Pointwise bounds of the fast forms on a fine grid over their range:
     * relative error where the function stays away from zero, absolute
     * where it crosses it (erf, GELU). */
    double emax = 0.0, lmax = 0.0, smax = 0.0, simax = 0.0, spmax = 0.0, erfmax = 0.0, gmax = 0.0;
    for (int i = 0; i <= 200000; i++) {
        float xe = -87.0f + 175.0f * (float)i / 200000.0f;
        double re = fabs(ssm_expf_fast(xe) / exp((double)xe) - 1.0);
        emax = re > emax ? re : emax;
        float xl = ldexpf(1.0f + (float)(i % 1000) / 1000.0f, i / 2000 - 50);
        double rl = fabs(ssm_logf_fast(xl) - log((double)xl)) / fmax(fabs(log((double)xl)), 1e-3);
        lmax = rl > lmax ? rl : lmax;
        /* sigmoid, SiLU, softplus on [-80, 80]; erf, GELU on [-20, 20]. */
        const float xf = (float)(-80.0 + 160.0 * (double)i / 200000.0);
        const double sg = 1.0 / (1.0 + exp(-(double)xf));
        smax = fmax(smax, fabs(ssm_sigmoidf_fast(xf) / sg - 1.0));
        if (xf != 0.0f)
            simax = fmax(simax, fabs(ssm_siluf_fast(xf) / ((double)xf * sg) - 1.0));
        spmax = fmax(spmax, fabs(ssm_softplusf_fast(xf) / log1p(exp((double)xf)) - 1.0));
        const float xg = xf * 0.25f;
        erfmax = fmax(erfmax, fabs(ssm_erff_fast(xg) - erf((double)xg)));
        const double g = 0.5 * xg * (1.0 + erf(xg / sqrt(2.0)));
        gmax = fmax(gmax, fabs(ssm_geluf_fast(xg) - g) / fmax(1.0, fabs((double)xg)));
    }
    printf("ssm_expf_fast on [-87, 88]: max rel err %.3g (bound 1.2e-7)\n", emax);
    printf("ssm_logf_fast on [2^-50, 2^51]: max rel err %.3g (bound 2e-7)\n", lmax);
    printf("sigmoid / silu / softplus fast on [-80, 80]: max rel err %.3g / %.3g / %.3g "
           "(bound 3e-7)\n",
           smax, simax, spmax);
    printf("erf fast on [-20, 20]: max abs err %.3g (bound 5e-7); gelu: max abs err / "
           "max(1, |x|) %.3g (bound 2.5e-7)\n",
           erfmax, gmax);
    CHECK(emax < 1.2e-7, "expf_fast rel err %g", emax);
    CHECK(lmax < 2e-7, "logf_fast rel err %g", lmax);
    CHECK(smax < 3e-7 && simax < 3e-7 && spmax < 3e-7, "sigmoid %g silu %g softplus %g", smax,
          simax, spmax);
    CHECK(erfmax < 5e-7, "erf_fast abs err %g", erfmax);
    CHECK(gmax < 2.5e-7, "gelu_fast err %g", gmax);
    CHECK(ssm_expf_fast(-1000.0f) > 0.0f && isfinite(ssm_expf_fast(1000.0f)),
          "expf_fast clamps instead of giving 0/denormal or inf");
    float sp_small = ssm_softplusf_fast(-30.0f);
    CHECK(fabs(sp_small / exp(-30.0) - 1.0) < 1e-6, "softplus(-30) %g keeps relative accuracy",
          sp_small);

    /* Non-finite input: NaN propagates, infinities give the stated limits. */
    const float nan = NAN, inf = INFINITY;
    CHECK(isnan(ssm_expf_fast(nan)) && isnan(ssm_sigmoidf_fast(nan)) &&
              isnan(ssm_siluf_fast(nan)) && isnan(ssm_softplusf_fast(nan)) &&
              isnan(ssm_erff_fast(nan)) && isnan(ssm_geluf_fast(nan)),
          "NaN in gives NaN out");
    CHECK(ssm_expf_fast(-inf) == ssm_expf_fast(-87.0f) &&
              ssm_expf_fast(inf) == ssm_expf_fast(88.0f),
          "exp(+-inf) is the clamped value");
    CHECK(ssm_expf_fast(-inf) >= FLT_MIN, "exp(-inf) %g is a normal float",
          (double)ssm_expf_fast(-inf));
    CHECK(ssm_sigmoidf_fast(inf) == 1.0f && ssm_sigmoidf_fast(-inf) >= 0.0f &&
              ssm_sigmoidf_fast(-inf) < 1e-37f,
          "sigmoid(+inf) = 1, sigmoid(-inf) ~ 0");
    CHECK(ssm_siluf_fast(inf) == inf && ssm_siluf_fast(-inf) == -inf, "silu(+-inf) = +-inf");
    CHECK(ssm_softplusf_fast(inf) == inf && ssm_softplusf_fast(-inf) == ssm_expf_fast(-87.0f),
          "softplus(+inf) = inf, softplus(-inf) = e^-87");
    CHECK(ssm_erff_fast(inf) == 1.0f && ssm_erff_fast(-inf) == -1.0f, "erf(+-inf) = +-1");
    CHECK(ssm_geluf_fast(inf) == inf && isfinite(ssm_geluf_fast(-inf)) &&
              fabsf(ssm_geluf_fast(-inf)) < 1e-30f,
          "gelu(+inf) = inf, gelu(-inf) ~ 0 (finite)");

    /* The array forms are the fast ones, elementwise. */
    float one[1], v1[1] = {0.731f};
    ssm_gelu(one, v1, 1);
    CHECK(one[0] == ssm_geluf_fast(v1[0]), "ssm_gelu uses ssm_geluf_fast");

    float glu_in[2 * 8], glu_out[8], glu_want[8];
    for (int i = 0; i < 16; i++)
        glu_in[i] = (float)i * 0.37f - 2.0f;
    ssm_glu(glu_out, glu_in, 8);
    for (int i = 0; i < 8; i++)
        glu_want[i] = (float)(glu_in[i] / (1.0 + exp(-(double)glu_in[8 + i])));
    th_close_f("glu a*sigmoid(b)", glu_out, glu_want, 8, 1e-6);
    for (int i = 0; i < 8; i++) {
        glu_out[i] = (float)i;
        glu_want[i] += (float)i;
    }
    ssm_glu_add(glu_out, glu_in, 8);
    th_close_f("glu_add acc + a*sigmoid(b)", glu_out, glu_want, 8, 1e-6);

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
