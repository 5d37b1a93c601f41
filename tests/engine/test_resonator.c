/* The "resonator" processor: its lowest mode rings at the pitch it is set
 * to and dies away at the decay it is set to (checked against the
 * definitions, not against our own earlier output); the offline (chunked
 * FFT) form equals the recurrence; the output does not depend on how the
 * host cuts its blocks; wild control moves never blow up. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "../harness.h"
#include "ssm/ssmaudio.h"

static ssm_processor *make(double sr, uint32_t block)
{
    ssm_error err = {0};
    ssm_processor *p = ssm_processor_create(&(ssm_processor_desc){.type = "resonator"}, &err);
    CHECK(p != NULL, "create: %s", err.message);
    if (p)
        CHECK(ssm_processor_activate(p, sr, block, &err) == SSM_OK, "activate: %s", err.message);
    return p;
}

static void set(ssm_processor *p, const char *sym, float v)
{
    int32_t i = ssm_processor_param_index(p, sym);
    CHECK(i >= 0, "parameter %s exists", sym);
    if (i >= 0)
        ssm_processor_set_param(p, (uint32_t)i, v);
}

static void run(ssm_processor *p, const float *x, float *y, size_t n, uint32_t block)
{
    for (size_t t = 0; t < n; t += block) {
        const uint32_t len = (uint32_t)(n - t < block ? n - t : block);
        const float *in[1] = {x + t};
        float *out[1] = {y + t};
        ssm_processor_process(p, in, out, len);
    }
}

/* |DFT| of y at frequency f (Hz). */
static double dft_mag(const float *y, size_t n, double f, double sr)
{
    double re = 0.0, im = 0.0;
    for (size_t t = 0; t < n; t++) {
        re += y[t] * cos(2.0 * M_PI * f * t / sr);
        im -= y[t] * sin(2.0 * M_PI * f * t / sr);
    }
    return hypot(re, im);
}

static double energy(const float *y, size_t a, size_t b)
{
    double e = 0.0;
    for (size_t t = a; t < b; t++)
        e += (double)y[t] * y[t];
    return e;
}

int main(void)
{
    const double sr = 48000.0;
    const size_t n = th_scale(48000, 12000);
    float *x = calloc(n, sizeof(float)), *y = calloc(n, sizeof(float)),
          *z = calloc(n, sizeof(float));

    /* One mode, so the response is a pure damped sinusoid: its frequency is
     * the pitch and its energy falls 60 dB per decay time. */
    ssm_processor *p = make(sr, 512);
    if (!p)
        return th_finish("test_resonator");
    set(p, "modes", 1);
    set(p, "pitch", 440);
    set(p, "decay", 0.5f);
    ssm_processor_reset(p);
    x[0] = 1.0f;
    run(p, x, y, n, 512);
    const double at = dft_mag(y, n, 440.0, sr);
    const double off = fmax(dft_mag(y, n, 420.0, sr), dft_mag(y, n, 460.0, sr));
    printf("%-48s |Y(440)| %.3g, |Y(420 or 460)| %.3g\n", "one mode at 440 Hz", at, off);
    CHECK(at > 3.0 * off, "the spectrum peaks at the pitch (%.3g vs %.3g)", at, off);
    const size_t w = (size_t)(0.05 * sr);
    const double db = 10.0 * log10(energy(y, w, 2 * w) / energy(y, 3 * w, 4 * w));
    const double want = 60.0 * (2.0 * w / sr) / 0.5;
    printf("%-48s %.2f dB over 0.1 s, want %.2f\n", "decay 0.5 s (T60)", db, want);
    CHECK(fabs(db - want) < 0.5, "decay rate %.2f dB, want %.2f", db, want);

    /* Full bank: offline form against the recurrence, and block-size
     * independence, on noise bursts. */
    th_rng r = {42};
    for (size_t t = 0; t < n; t++)
        x[t] = (t % 6000) < 1500 ? (float)(0.3 * th_normal(&r)) : 0.0f;
    ssm_processor_destroy(p);
    p = make(sr, 1024);
    set(p, "shape", 3);
    set(p, "inharm", 30);
    set(p, "decay", 4);
    ssm_processor_reset(p);
    run(p, x, y, n, 1024);
    ssm_processor_reset(p);
    ssm_processor_set_mode(p, SSM_MODE_OFFLINE);
    run(p, x, z, n, 1024);
    th_close_f("offline (chunked FFT) == recurrence", z, y, n, 1e-4);
    ssm_processor_set_mode(p, SSM_MODE_STREAM);
    ssm_processor_reset(p);
    run(p, x, z, n, 37);
    th_close_f("block 37 == block 1024", z, y, n, 1e-6);

    /* Every control jumps to a random value every 64 samples. The poles
     * glide along straight lines inside the unit disc, so the output stays
     * bounded: with input below 1 and unit-energy modes it cannot exceed
     * the sum of the steady-state gains. */
    double peak = 0.0;
    const uint32_t np = ssm_processor_n_params(p);
    for (size_t t = 0; t < n; t += 64) {
        for (uint32_t i = 0; i < np; i++) {
            const ssm_param_info *pi = ssm_processor_param_info(p, i);
            ssm_processor_set_param(p, i, pi->min + (float)th_uniform(&r) * (pi->max - pi->min));
        }
        run(p, x + t, y + t, n - t < 64 ? n - t : 64, 64);
    }
    for (size_t t = 0; t < n; t++)
        peak = isfinite(y[t]) ? fmax(peak, fabs(y[t])) : INFINITY;
    printf("%-48s peak %.3g\n", "random jumps of every control", peak);
    CHECK(isfinite(peak) && peak < 1e3, "peak %g", peak);

    /* Silence stays silent; 1e-30 and DC stay finite. */
    ssm_processor_reset(p);
    for (size_t t = 0; t < n; t++)
        x[t] = 1e-30f;
    run(p, x, y, n, 256);
    peak = 0.0;
    for (size_t t = 0; t < n; t++)
        peak = isfinite(y[t]) ? fmax(peak, fabs(y[t])) : INFINITY;
    printf("%-48s peak %.3g\n", "1e-30 input", peak);
    CHECK(peak < 1e-20, "1e-30 in gives %g out", peak);

    ssm_processor_destroy(p);
    free(x);
    free(y);
    free(z);
    return th_finish("test_resonator");
}
