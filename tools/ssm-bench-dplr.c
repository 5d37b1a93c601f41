/* ssm-bench-dplr: cost of the structured SSM kernels (S4-DPLR, Liquid-S4,
 * S4ND) per sample, recurrent step and chunked FFT form, with FLOP rate
 * and the fraction of the core's FMA peak. A benchmark, not a test.
 *
 *   ssm-bench-dplr [seconds_of_audio=1] [peak_gflops]
 *
 * peak_gflops defaults to 64 flop/cycle (two 512-bit FMA pipes) times the
 * clock /proc/cpuinfo reports; pass the real figure for another CPU. */
#include <complex.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "ssm/kernels.h"

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

static unsigned long long rng_state = 0x2545f4914f6cdd1dULL;

static double urand(void)
{
    rng_state ^= rng_state >> 12;
    rng_state ^= rng_state << 25;
    rng_state ^= rng_state >> 27;
    return (double)((rng_state * 2685821657736338717ULL) >> 11) / 9007199254740992.0;
}

static double cpu_ghz(void)
{
    FILE *f = fopen("/proc/cpuinfo", "r");
    char line[256];
    double mhz = 0.0;
    while (f && fgets(line, sizeof line, f))
        if (sscanf(line, "cpu MHz : %lf", &mhz) == 1)
            break;
    if (f)
        fclose(f);
    return mhz > 0.0 ? mhz / 1000.0 : 2.0;
}

typedef struct {
    double complex lam[256], p[256], b[256], c[256];
    ssm_s4_params prm;
} model;

static void make_model(model *m, size_t n)
{
    ssm_s4_init_legs(n, log(0.01), 48000.0, m->lam, m->p, m->b, &m->prm);
    for (size_t i = 0; i < n / 2; i++)
        m->c[i] = (urand() - 0.5) + I * (urand() - 0.5);
    m->prm.c = m->c;
    m->prm.d = 0.5;
}

/* Best of five runs over the whole buffer, in ns per sample. */
typedef void (*run_fn)(void *obj, const float *in, float *out, size_t n);

static double time_it(run_fn fn, void *obj, const float *in, float *out, size_t len, size_t block)
{
    double best = 1e30;
    for (int rep = 0; rep < 5; rep++) {
        double t0 = now_s();
        for (size_t pos = 0; pos < len; pos += block)
            fn(obj, in + pos, out + pos, block < len - pos ? block : len - pos);
        double dt = now_s() - t0;
        best = dt < best ? dt : best;
    }
    return 1e9 * best / (double)len;
}

static void s4_step(void *o, const float *in, float *out, size_t n)
{
    ssm_s4_step(o, in, out, n);
}

static void s4_chunk(void *o, const float *in, float *out, size_t n)
{
    ssm_s4_process_chunked(o, in, out, n);
}

static void liq_step(void *o, const float *in, float *out, size_t n)
{
    ssm_liquid_step(o, in, out, n);
}

static void liq_chunk(void *o, const float *in, float *out, size_t n)
{
    ssm_liquid_process_chunked(o, in, out, n);
}

int main(int argc, char **argv)
{
    double secs = argc > 1 ? atof(argv[1]) : 1.0;
    double peak = argc > 2 ? atof(argv[2]) : 64.0 * cpu_ghz();
    size_t len = (size_t)(secs * 48000.0);
    float *in = malloc(len * sizeof *in), *out = malloc(len * sizeof *out);
    for (size_t i = 0; i < len; i++)
        in[i] = (float)(urand() - 0.5);
    printf("# ssm-bench-dplr: %zu samples, FMA peak assumed %.1f GFLOP/s\n", len, peak);
    printf("| family | N | form | block | ns/sample | GFLOP/s | %% FMA peak |\n");
    printf("|---|---|---|---|---|---|---|\n");
    const size_t Ns[] = {16, 64, 256};
    const size_t Ts[] = {64, 256, 1024, 4096};
    for (size_t a = 0; a < 3; a++) {
        size_t N = Ns[a];
        model m;
        make_model(&m, N);
        ssm_s4 *s = ssm_s4_create(&m.prm, NULL);
        ssm_s4_activate(s, 48000.0, 64);
        double ns = time_it(s4_step, s, in, out, len, 64);
        double fl = 2.0 * (double)N * (double)N + 4.0 * (double)N;
        printf("| S4-DPLR | %zu | step | 64 | %.1f | %.2f | %.1f |\n", N, ns, fl / ns,
               100.0 * fl / ns / peak);
        for (size_t k = 0; k < 4; k++) {
            size_t T = Ts[k];
            double t0 = now_s();
            ssm_s4_activate(s, 48000.0, T);
            double act = now_s() - t0;
            ns = time_it(s4_chunk, s, in, out, len, T);
            printf("| S4-DPLR | %zu | chunked FFT | %zu | %.1f | | | (activate %.3f s)\n", N, T, ns,
                   act);
        }
        ssm_s4_destroy(s);
    }
    {
        model m;
        make_model(&m, 64);
        for (int kind = 0; kind < 2; kind++) {
            ssm_liquid *l = ssm_liquid_create(&m.prm, kind, 2, NULL);
            ssm_liquid_activate(l, 48000.0, 1024);
            double ns = time_it(liq_step, l, in, out, len, 64);
            printf("| Liquid-S4 %s p=2 | 64 | step | 64 | %.1f | | |\n", kind ? "KB" : "PB", ns);
            ns = time_it(liq_chunk, l, in, out, len, 1024);
            printf("| Liquid-S4 %s p=2 | 64 | chunked FFT | 1024 | %.1f | | |\n",
                   kind ? "KB" : "PB", ns);
            ssm_liquid_destroy(l);
        }
    }
    {
        /* a 10 s STFT at hop 256 / 48 kHz (1875 frames) x 513 bins */
        size_t T = 1875, F = 513;
        model m;
        make_model(&m, 16);
        double *kd = malloc(T * sizeof *kd);
        float *kt = malloc(T * sizeof *kt), *kf = malloc(F * sizeof *kf);
        ssm_s4_kernel(&m.prm, 48000.0 / 256.0, T, kd);
        for (size_t i = 0; i < T; i++)
            kt[i] = (float)kd[i];
        for (size_t i = 0; i < F; i++)
            kf[i] = expf(-0.2f * (float)i);
        float *plane = malloc(T * F * sizeof *plane);
        for (size_t i = 0; i < T * F; i++)
            plane[i] = (float)urand();
        ssm_s4nd *s = ssm_s4nd_create(T, F, kt, T, kf, F, SSM_S4ND_FREQ_SYMMETRIC, NULL);
        double best = 1e30;
        for (int rep = 0; rep < 3; rep++) {
            double t0 = now_s();
            ssm_s4nd_apply(s, plane, plane);
            best = fmin(best, now_s() - t0);
        }
        printf("| S4ND 2-D | 16 | 1875x513 plane | - | %.1f ns/cell | | | (%.1f ms per 10 s "
               "of audio)\n",
               1e9 * best / (double)(T * F), 1e3 * best);
        ssm_s4nd_destroy(s);
        free(kd), free(kt), free(kf), free(plane);
    }
    free(in), free(out);
    return 0;
}
