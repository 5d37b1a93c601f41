/* The "reverb" processor: its tail decays at the decay time it is set to
 * (Schroeder backward integration, the ISO 3382 way of reading T60 off an
 * impulse response); left and right tails are decorrelated; the offline
 * (chunked FFT) form equals the recurrence on the same input; moving
 * pre-delay and size cross-fade instead of clicking; wild control moves
 * never blow up. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "../harness.h"
#include "ssm/ssmaudio.h"

static void set(ssm_processor *p, const char *sym, float v)
{
    int32_t i = ssm_processor_param_index(p, sym);
    CHECK(i >= 0, "parameter %s exists", sym);
    if (i >= 0)
        ssm_processor_set_param(p, (uint32_t)i, v);
}

static void run(ssm_processor *p, const float *x, float *yl, float *yr, size_t n, uint32_t block)
{
    for (size_t t = 0; t < n; t += block) {
        const uint32_t len = (uint32_t)(n - t < block ? n - t : block);
        const float *in[2] = {x + t, x + t};
        float *out[2] = {yl + t, yr + t};
        ssm_processor_process(p, in, out, len);
    }
}

/* T60 from the slope of the Schroeder curve between -5 and -25 dB. */
static double t60(const float *y, size_t n, double sr)
{
    double *edc = malloc(n * sizeof(double));
    double acc = 0.0;
    for (size_t t = n; t-- > 0;) {
        acc += (double)y[t] * y[t];
        edc[t] = acc;
    }
    size_t a = 0, b = 0;
    for (size_t t = 0; t < n; t++) {
        const double db = 10.0 * log10(edc[t] / edc[0]);
        if (!a && db < -5.0)
            a = t;
        if (!b && db < -25.0)
            b = t;
    }
    const double slope = b > a ? -20.0 / ((double)(b - a) / sr) : 0.0; /* dB/s */
    free(edc);
    return slope < 0.0 ? -60.0 / slope : INFINITY;
}

int main(void)
{
    const double sr = th_quick() ? 22050.0 : 48000.0;
    const float decay = th_quick() ? 0.4f : 1.0f;
    const size_t n = (size_t)(sr * decay * 1.2);
    float *x = calloc(n, sizeof(float)), *l = calloc(n, sizeof(float)),
          *r = calloc(n, sizeof(float)), *l2 = calloc(n, sizeof(float)),
          *r2 = calloc(n, sizeof(float));
    ssm_error err = {0};
    ssm_processor *p =
        ssm_processor_create(&(ssm_processor_desc){.type = "reverb", .n_channels = 2}, &err);
    CHECK(p != NULL, "create: %s", err.message);
    if (!p)
        return th_finish("test_reverb");
    CHECK(ssm_processor_activate(p, sr, 512, &err) == SSM_OK, "activate: %s", err.message);
    set(p, "decay", decay);
    set(p, "damping", 0);
    set(p, "mix", 100);
    set(p, "predelay", 0);
    ssm_processor_reset(p);
    x[0] = 1.0f;
    run(p, x, l, r, n, 512);
    const double tl = t60(l, n, sr), tr = t60(r, n, sr);
    printf("%-48s left %.3f s, right %.3f s, want %.3f s\n", "T60 (Schroeder, -5..-25 dB)", tl, tr,
           decay);
    CHECK(fabs(tl - decay) < 0.1 * decay && fabs(tr - decay) < 0.1 * decay,
          "T60 %.3f / %.3f s, want %.3f", tl, tr, decay);
    double lr = 0.0, ll = 0.0, rr = 0.0;
    for (size_t t = 0; t < n; t++) {
        lr += (double)l[t] * r[t];
        ll += (double)l[t] * l[t];
        rr += (double)r[t] * r[t];
    }
    const double corr = lr / sqrt(ll * rr);
    printf("%-48s %.3f\n", "left/right correlation of the tail", corr);
    CHECK(fabs(corr) < 0.3, "tails are decorrelated (correlation %.3f)", corr);
    printf("%-48s %.3f\n", "impulse response energy (mix 100 %)", ll);
    CHECK(ll > 0.2 && ll < 5.0, "tail energy near 1 (%.3f)", ll);

    /* Offline form against the recurrence on noise bursts, odd blocks. */
    th_rng g = {3};
    for (size_t t = 0; t < n; t++)
        x[t] = (t % 4000) < 800 ? (float)(0.3 * th_normal(&g)) : 0.0f;
    set(p, "damping", 50);
    set(p, "mix", 40);
    set(p, "predelay", 15);
    ssm_processor_reset(p);
    run(p, x, l, r, n, 500);
    ssm_processor_reset(p);
    ssm_processor_set_mode(p, SSM_MODE_OFFLINE);
    run(p, x, l2, r2, n, 500);
    th_close_f("offline == recurrence (left)", l2, l, n, 1e-4);
    th_close_f("offline == recurrence (right)", r2, r, n, 1e-4);
    ssm_processor_set_mode(p, SSM_MODE_STREAM);

    /* A pre-delay jump on a steady sine: the largest sample-to-sample step
     * stays near that of the sine itself (a hard tap jump would step by
     * up to twice the wet amplitude). */
    for (size_t t = 0; t < n; t++)
        x[t] = (float)(0.5 * sin(2.0 * M_PI * 200.0 * t / sr));
    ssm_processor_reset(p);
    double step = 0.0, step_before = 0.0;
    for (size_t t = 0; t < n; t += 256) {
        if (t == n / 2)
            set(p, "predelay", 150);
        run(p, x + t, l + t, r + t, n - t < 256 ? n - t : 256, 256);
    }
    for (size_t t = n / 4; t + 1 < n; t++) {
        const double d = fabs((double)l[t + 1] - l[t]);
        if (t < n / 2)
            step_before = fmax(step_before, d);
        else
            step = fmax(step, d);
    }
    printf("%-48s largest step %.4f after, %.4f before\n", "pre-delay 15 -> 150 ms", step,
           step_before);
    CHECK(step < 2.0 * step_before, "pre-delay jump clicks (%.4f vs %.4f)", step, step_before);

    /* Random jumps of every control every 128 samples. */
    double peak = 0.0;
    const uint32_t np = ssm_processor_n_params(p);
    for (size_t t = 0; t < n; t += 128) {
        for (uint32_t i = 0; i < np; i++) {
            const ssm_param_info *pi = ssm_processor_param_info(p, i);
            ssm_processor_set_param(p, i, pi->min + (float)th_uniform(&g) * (pi->max - pi->min));
        }
        run(p, x + t, l + t, r + t, n - t < 128 ? n - t : 128, 128);
    }
    for (size_t t = 0; t < n; t++)
        peak =
            isfinite(l[t]) && isfinite(r[t]) ? fmax(peak, fmax(fabs(l[t]), fabs(r[t]))) : INFINITY;
    printf("%-48s peak %.3g\n", "random jumps of every control", peak);
    CHECK(isfinite(peak) && peak < 100.0, "peak %g", peak);

    ssm_processor_destroy(p);
    free(x);
    free(l);
    free(r);
    free(l2);
    free(r2);
    return th_finish("test_reverb");
}
