/* ssm-bench sections diag, mimo, partconv, dplr: the LTI kernels. Per family
 * and state size N (complex modes per channel), ns per sample per channel
 * of the recurrent step and of the chunked forms at blocks 64..8192, the
 * GFLOP/s reached and the share of the FMA peak (ssm-bench.c), peak memory;
 * the 10 s partitioned convolution at 64-sample latency as % of one core at
 * 48 kHz next to zita-convolver on the same filter and block.
 *
 * Flop counts (per sample per channel, M modes): step 11 M (complex
 * multiply 6, input add 1, Re(w x) 3, accumulate 1); chunked FFT 8 M for
 * the state terms + 10 log2(2T) for two real FFTs of 2T per T samples + 6
 * for the spectrum product; chunked scan (no FFT) 8 M + 2 SUB (the
 * in-sub-chunk convolution, SUB = 32); MIMO (H channels, P states) per
 * sample: 8 P H + 6 P.
 */
#include <complex.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench.h"
#include "ssm/kernels.h"

#ifdef SSM_BENCH_ZITA
typedef struct zshim zshim;
zshim *zshim_create(const float *filter, unsigned length, unsigned block, unsigned maxpart);
void zshim_process(zshim *z, const float *in, float *out);
void zshim_destroy(zshim *z);
#endif

/* ---- diagonal bank (S4D, DSS) ---- */
static void bench_diag_frames(const bench_opts *o);

void bench_diag(const bench_opts *o)
{
    const size_t H = 4, blocks[] = {64, 256, 1024, 4096, 8192};
    const size_t Ns[] = {16, 64, 256};
    printf("== S4D / DSS diagonal bank (H = %zu channels, planar) ==\n", H);
    printf("%-6s %-5s %-8s %10s %9s %8s\n", "N", "form", "block", "ns/s/ch", "GFLOP/s", "% peak");
    for (size_t k = 0; k < 3; k++) {
        const size_t M = Ns[k];
        const size_t n = o->quick ? 16384 : (M >= 256 ? 65536 : 262144);
        ssm_s4d_params p;
        ssm_diag_bank b;
        ssm_s4d_params_init(&p, H, M);
        ssm_s4d_params_draw(&p, SSM_S4D_LIN, 1e-3, 1e-1, 1);
        ssm_diag_bank_init(&b, H, M);
        ssm_s4d_discretize(&p, SSM_ZOH, 1.0, &b);
        ssm_diag *s = ssm_diag_create(&b, NULL, NULL);
        float *u = malloc(H * n * sizeof(float)), *y = malloc(H * n * sizeof(float));
        bench_noise(u, H * n, 3);
        double best = 1e30;
        for (int rep = 0; rep < 5; rep++) {
            double t0 = bench_now(BENCH_THREAD_CPU);
            for (size_t t = 0; t < n; t += 64)
                ssm_diag_process(s, u + t, n, y + t, n, 64);
            best = fmin(best, bench_now(BENCH_THREAD_CPU) - t0);
        }
        double ns = best * 1e9 / (double)(n * H);
        double gf = 11.0 * (double)M / ns;
        double step_ns = ns;
        printf("%-6zu %-5s %-8d %10.2f %9.2f %7.1f%%\n", M, "step", 64, ns, gf,
               100.0 * gf / bench_peak());
        for (int method = 0; method < 2; method++)
            for (size_t bi = 0; bi < sizeof blocks / sizeof blocks[0]; bi++) {
                const size_t T = blocks[bi];
                ssm_status st;
                ssm_diag *c =
                    ssm_diag_create(&b,
                                    &(ssm_diag_config){T, method ? SSM_DIAG_SCAN : SSM_DIAG_FFT,
                                                       SSM_PLAN_MEASURE, 0},
                                    &st);
                if (!c) {
                    printf("chunked T=%zu: %s\n", T, ssm_status_string(st));
                    continue;
                }
                ssm_diag_set_mode(c, SSM_MODE_OFFLINE);
                best = 1e30;
                for (int rep = 0; rep < 5; rep++) {
                    double t0 = bench_now(BENCH_THREAD_CPU);
                    for (size_t t = 0; t + T <= n; t += T)
                        ssm_diag_process(c, u + t, n, y + t, n, T);
                    best = fmin(best, bench_now(BENCH_THREAD_CPU) - t0);
                }
                size_t done = n / T * T;
                ns = best * 1e9 / (double)(done * H);
                double fl = method ? 8.0 * (double)M + 2.0 * SSM_DIAG_SUB
                                   : 8.0 * (double)M + 10.0 * log2(2.0 * (double)T) + 6.0;
                gf = fl / ns;
                printf("%-6zu %-5s %-8zu %10.2f %9.2f %7.1f%%  %s step\n", M,
                       method ? "scan" : "fft", T, ns, gf, 100.0 * gf / bench_peak(),
                       ns < step_ns ? "beats" : "slower than");
                ssm_diag_destroy(c);
            }
        free(u);
        free(y);
        ssm_diag_destroy(s);
        ssm_diag_bank_free(&b);
        ssm_s4d_params_free(&p);
    }
    bench_diag_frames(o);
    printf("peak RSS so far: %ld MB\n\n", bench_maxrss_mb());
}

/* The step at a frame-rate network's shape (a denoiser's S4D layer: H = 128
 * channels of S4D N = 32, i.e. 16 complex modes) and the few frames a
 * streaming call brings: ns per frame (all channels). */
static void bench_diag_frames(const bench_opts *o)
{
    const size_t H = 128, blocks[] = {1, 2, 3, 8, 64, 171};
    const size_t Ms[] = {16, 32, 64};
    printf("== the step at a network's shape (H = %zu channels; N complex modes) ==\n", H);
    printf("| N | frames per call | ns per frame | GFLOP/s | %% peak |\n|---|---|---|---|---|\n");
    for (size_t k = 0; k < sizeof Ms / sizeof Ms[0]; k++) {
        const size_t M = Ms[k], n = o->quick ? 1026 : 20520; /* a multiple of every block */
        ssm_s4d_params p;
        ssm_diag_bank b;
        ssm_s4d_params_init(&p, H, M);
        ssm_s4d_params_draw(&p, SSM_S4D_LIN, 1e-3, 1e-1, 1);
        ssm_diag_bank_init(&b, H, M);
        ssm_s4d_discretize(&p, SSM_ZOH, 1.0, &b);
        ssm_diag *s = ssm_diag_create(&b, NULL, NULL);
        float *u = malloc(H * n * sizeof(float)), *y = malloc(H * n * sizeof(float));
        bench_noise(u, H * n, 3);
        for (size_t bi = 0; bi < sizeof blocks / sizeof blocks[0]; bi++) {
            const size_t T = blocks[bi];
            double t[5];
            for (int rep = 0; rep < 5; rep++) {
                const double t0 = bench_now(BENCH_THREAD_CPU);
                for (size_t i = 0; i + T <= n; i += T)
                    ssm_diag_process(s, u + i, n, y + i, n, T);
                t[rep] = bench_now(BENCH_THREAD_CPU) - t0;
            }
            bench_median5(t);
            const size_t frames = n / T * T; /* whole chunks only */
            const double ns = t[2] * 1e9 / (double)frames;
            const double gf = 11.0 * (double)(M * H) / ns;
            printf("| %zu | %zu | %.1f | %.1f | %.0f |\n", M, T, ns, gf, 100.0 * gf / bench_peak());
        }
        free(u);
        free(y);
        ssm_diag_destroy(s);
        ssm_diag_bank_free(&b);
        ssm_s4d_params_free(&p);
    }
    printf("\n");
}

/* ---- MIMO bank (S5, LRU) ---- */
void bench_mimo(const bench_opts *o)
{
    const size_t H = 32, Ns[] = {16, 64, 256};
    printf("== S5 / LRU MIMO bank (H = %zu channels, frames) ==\n", H);
    printf("%-6s %-5s %-8s %10s %9s %8s\n", "N", "form", "block", "ns/s/ch", "GFLOP/s", "% peak");
    for (size_t k = 0; k < 3; k++) {
        const size_t P = Ns[k];
        const size_t n = o->quick ? 2048 : (P >= 256 ? 8192 : 32768);
        ssm_lru_params p;
        ssm_mimo_bank b;
        ssm_lru_params_init(&p, H, P);
        ssm_lru_params_draw(&p, 0.5, 0.99, M_PI / 10, 2);
        ssm_mimo_bank_init(&b, H, P);
        ssm_lru_discretize(&p, 1.0, &b);
        float *u = malloc(H * n * sizeof(float)), *y = malloc(H * n * sizeof(float));
        bench_noise(u, H * n, 5);
        double fl = 8.0 * (double)P * (double)H + 6.0 * (double)P;
        for (int form = 0; form < 2; form++) {
            ssm_mimo *w = ssm_mimo_create(&b, 1024, NULL);
            ssm_mimo_set_mode(w, form ? SSM_MODE_OFFLINE : SSM_MODE_STREAM);
            double best = 1e30;
            for (int rep = 0; rep < 3; rep++) {
                double t0 = bench_now(BENCH_THREAD_CPU);
                for (size_t t = 0; t < n; t += 1024) {
                    size_t len = n - t < 1024 ? n - t : 1024;
                    ssm_mimo_process(w, u + t * H, H, 1, y + t * H, H, 1, len);
                }
                best = fmin(best, bench_now(BENCH_THREAD_CPU) - t0);
            }
            double ns_sample = best * 1e9 / (double)n;
            double gf = fl / ns_sample;
            printf("%-6zu %-5s %-8d %10.2f %9.2f %7.1f%%\n", P, form ? "scan" : "step", 1024,
                   ns_sample / (double)H, gf, 100.0 * gf / bench_peak());
            ssm_mimo_destroy(w);
        }
        free(u);
        free(y);
        ssm_mimo_bank_free(&b);
        ssm_lru_params_free(&p);
    }
    printf("peak RSS so far: %ld MB\n\n", bench_maxrss_mb());
}

/* ---- 10 s partitioned convolution at 64-sample latency ---- */
void bench_partconv(const bench_opts *o)
{
    const size_t rate = 48000, len = 10 * rate, B = 64;
    const size_t n = o->quick ? 2 * rate : 10 * rate;
    const double audio_s = (double)n / (double)rate;
    float *h = malloc(len * sizeof(float)), *x = malloc(n * sizeof(float));
    float *y = malloc(n * sizeof(float)), *yz = malloc(n * sizeof(float));
    bench_noise(h, len, 7);
    for (size_t k = 0; k < len; k++)
        h[k] *= (float)exp(-6.9 * (double)k / (double)len); /* -60 dB over 10 s */
    bench_noise(x, n, 8);
    printf("== partitioned convolution: %zu-tap (10 s at 48 kHz) filter, block %zu ==\n", len, B);
    const size_t parts[] = {8192, 16384};
    double ours_pct = 0.0;
    for (size_t i = 0; i < 2; i++) {
        ssm_partconv_config cfg = {parts[i], 1, SSM_PLAN_MEASURE};
        ssm_status st;
        double tc = bench_now(BENCH_THREAD_CPU);
        ssm_partconv *p = ssm_partconv_create(h, len, B, &cfg, &st);
        tc = bench_now(BENCH_THREAD_CPU) - tc;
        if (!p) {
            printf("ssm_partconv_create: %s\n", ssm_status_string(st));
            continue;
        }
        printf("ssm_partconv max_part %zu (create %.2f s): levels", parts[i], tc);
        for (size_t l = 0; l < ssm_partconv_levels(p); l++) {
            size_t P, cnt, off;
            ssm_partconv_level_info(p, l, &P, &cnt, &off);
            printf(" %zux%zu", cnt, P);
        }
        printf("\n");
        double best = 1e30;
        for (int rep = 0; rep < (o->quick ? 1 : 3); rep++) {
            ssm_partconv_reset(p);
            double t0 = bench_now(BENCH_PROCESS_CPU);
            for (size_t t = 0; t < n; t += B)
                ssm_partconv_process(p, x + t, y + t, B);
            best = fmin(best, bench_now(BENCH_PROCESS_CPU) - t0);
        }
        double pct = 100.0 * best / audio_s;
        if (i == 0)
            ours_pct = pct;
        printf("  ssm_partconv: %.3f %% of one core at 48 kHz (latency 0 at 64-sample calls), "
               "%.1f ns/sample\n",
               pct, best * 1e9 / (double)n);
        ssm_partconv_destroy(p);
    }
#ifdef SSM_BENCH_ZITA
    {
        /* Same filter, block and largest partition (zita's MAXPART = 8192). */
        zshim *z = zshim_create(h, (unsigned)len, (unsigned)B, 8192);
        if (!z) {
            printf("  zita-convolver: could not start (configure/threads refused)\n");
        } else {
            double best = 1e30;
            for (int rep = 0; rep < (o->quick ? 1 : 3); rep++) {
                double t0 = bench_now(BENCH_PROCESS_CPU);
                for (size_t t = 0; t < n; t += B)
                    zshim_process(z, x + t, yz + t);
                best = fmin(best, bench_now(BENCH_PROCESS_CPU) - t0);
                /* zita has no reset; rerun on a fresh instance */
                zshim_destroy(z);
                z = zshim_create(h, (unsigned)len, (unsigned)B, 8192);
                if (!z)
                    break;
            }
            if (z) {
                for (size_t t = 0; t < n; t += B)
                    zshim_process(z, x + t, yz + t);
                zshim_destroy(z);
            }
            double pct = 100.0 * best / audio_s;
            printf("  zita-convolver 4: %.3f %% of one core (all its threads, CPU time), "
                   "%.1f ns/sample\n",
                   pct, best * 1e9 / (double)n);
            printf("  ratio ssm_partconv / zita (max_part 8192 both): %.2f\n", ours_pct / pct);
            /* Same outputs? (ours: the last run above, max_part 16384).
             * zita may add latency: compare at the lag that fits best. */
            double e = 0.0, r = 0.0;
            size_t lag_best = 0;
            for (size_t lag = 0; lag <= 4 * B; lag += B) {
                double el = 0.0, rl = 0.0;
                for (size_t t = 0; t + lag < n; t++) {
                    el = fmax(el, fabs((double)y[t] - (double)yz[t + lag]));
                    rl = fmax(rl, fabs((double)yz[t + lag]));
                }
                if (lag == 0 || el < e) {
                    e = el;
                    r = rl;
                    lag_best = lag;
                }
            }
            printf("  zita latency at this setting: %zu samples\n", lag_best);
            printf("  outputs ssm vs zita: max abs diff %.3g, rel %.3g\n", e, e / r);
        }
    }
#else
    printf("  zita-convolver: not built (libzita-convolver-dev missing)\n");
#endif
    free(h);
    free(x);
    free(y);
    free(yz);
    printf("peak RSS so far: %ld MB\n\n", bench_maxrss_mb());
}

/* ---- structured SSMs: S4-DPLR, Liquid-S4, S4ND (kernels/s4.c, liquid.c,
 * s4nd.c) ----
 * S4 flops per sample: step 2 N^2 + 4 N (dense real N x N Abar: the
 * discretised DPLR matrix is dense); chunked 4 N (carried-state response,
 * state out) + 2 N^2 popcount(T) / T (Abar^T x0 by binary powers) +
 * 10 log2(2T) + 6 (two real FFTs of 2T per T samples, spectrum product). */
static void s4_legs_model(size_t n, double complex *lam, double complex *p, double complex *b,
                          double complex *c, ssm_s4_params *prm)
{
    ssm_s4_init_legs(n, log(0.01), 48000.0, lam, p, b, prm);
    float re[256], im[256];
    bench_noise(re, n / 2, 11);
    bench_noise(im, n / 2, 12);
    for (size_t i = 0; i < n / 2; i++)
        c[i] = re[i] + I * im[i];
    prm->c = c;
    prm->d = 0.5;
}

void bench_dplr(const bench_opts *o)
{
    const size_t blocks[] = {64, 256, 1024, 4096, 8192};
    const size_t Ns[] = {16, 64, 256};
    printf("== S4-DPLR (one channel, HiPPO-LegS, dt 0.01, 48 kHz) ==\n");
    printf("%-6s %-5s %-8s %10s %9s %8s\n", "N", "form", "block", "ns/s/ch", "GFLOP/s", "% peak");
    double complex lam[128], pp[128], bb[128], cc[128];
    for (size_t k = 0; k < 3; k++) {
        const size_t N = Ns[k];
        const size_t n = o->quick ? 8192 : (N >= 256 ? 32768 : 131072);
        ssm_s4_params prm;
        s4_legs_model(N, lam, pp, bb, cc, &prm);
        ssm_s4 *s = ssm_s4_create(&prm, NULL);
        if (!s || ssm_s4_activate(s, 48000.0, 64) != SSM_OK) {
            printf("S4 N=%zu: activation failed\n", N);
            ssm_s4_destroy(s);
            continue;
        }
        float *u = malloc(n * sizeof(float)), *y = malloc(n * sizeof(float));
        bench_noise(u, n, 5);
        double best = 1e30;
        for (int rep = 0; rep < 5; rep++) {
            double t0 = bench_now(BENCH_THREAD_CPU);
            for (size_t t = 0; t < n; t += 64)
                ssm_s4_process(s, u + t, y + t, 64);
            best = fmin(best, bench_now(BENCH_THREAD_CPU) - t0);
        }
        double ns = best * 1e9 / (double)n, step_ns = ns;
        double gf = (2.0 * (double)N * (double)N + 4.0 * (double)N) / ns;
        printf("%-6zu %-5s %-8d %10.2f %9.2f %7.1f%%\n", N, "step", 64, ns, gf,
               100.0 * gf / bench_peak());
        for (size_t bi = 0; bi < sizeof blocks / sizeof blocks[0]; bi++) {
            const size_t T = blocks[bi];
            if (o->quick && T > 1024)
                break;
            double a0 = bench_now(BENCH_THREAD_CPU);
            if (ssm_s4_activate(s, 48000.0, T) != SSM_OK) {
                printf("chunked T=%zu: activation failed\n", T);
                continue;
            }
            double act = bench_now(BENCH_THREAD_CPU) - a0;
            ssm_s4_set_mode(s, SSM_MODE_OFFLINE);
            best = 1e30;
            for (int rep = 0; rep < 3; rep++) {
                double t0 = bench_now(BENCH_THREAD_CPU);
                for (size_t t = 0; t + T <= n; t += T)
                    ssm_s4_process(s, u + t, y + t, T);
                best = fmin(best, bench_now(BENCH_THREAD_CPU) - t0);
            }
            size_t done = n - n % T;
            ns = best * 1e9 / (double)done;
            double fl = 4.0 * (double)N + 2.0 * (double)N * (double)N / (double)T +
                        10.0 * log2(2.0 * (double)T) + 6.0;
            gf = fl / ns;
            printf("%-6zu %-5s %-8zu %10.2f %9.2f %7.1f%%  %s step (activate %.2f s)\n", N, "chunk",
                   T, ns, gf, 100.0 * gf / bench_peak(), ns < step_ns ? "beats" : "slower than",
                   act);
        }
        ssm_s4_destroy(s);
        free(u);
        free(y);
    }

    printf("\n== Liquid-S4 (N = 64, degree 2) ==\n");
    {
        const size_t n = o->quick ? 8192 : 131072;
        ssm_s4_params prm;
        s4_legs_model(64, lam, pp, bb, cc, &prm);
        float *u = malloc(n * sizeof(float)), *y = malloc(n * sizeof(float));
        bench_noise(u, n, 6);
        for (int kind = 0; kind < 2; kind++) {
            ssm_liquid *l = ssm_liquid_create(&prm, (ssm_liquid_kernel)kind, 2, NULL);
            if (!l || ssm_liquid_activate(l, 48000.0, 1024) != SSM_OK) {
                ssm_liquid_destroy(l);
                continue;
            }
            double bs = 1e30, bc = 1e30;
            for (int rep = 0; rep < 3; rep++) {
                double t0 = bench_now(BENCH_THREAD_CPU);
                ssm_liquid_set_mode(l, SSM_MODE_STREAM);
                for (size_t t = 0; t < n; t += 64)
                    ssm_liquid_process(l, u + t, y + t, 64);
                bs = fmin(bs, bench_now(BENCH_THREAD_CPU) - t0);
                t0 = bench_now(BENCH_THREAD_CPU);
                ssm_liquid_set_mode(l, SSM_MODE_OFFLINE);
                for (size_t t = 0; t < n; t += 1024)
                    ssm_liquid_process(l, u + t, y + t, 1024);
                bc = fmin(bc, bench_now(BENCH_THREAD_CPU) - t0);
            }
            printf("%s: step %.1f ns/sample, chunked (T = 1024) %.1f ns/sample\n",
                   kind ? "KB" : "PB", bs * 1e9 / (double)n, bc * 1e9 / (double)n);
            ssm_liquid_destroy(l);
        }
        free(u);
        free(y);
    }

    printf("\n== S4ND 2-D over an STFT plane (10 s at hop 256, 48 kHz: 1875 x 513) ==\n");
    {
        const size_t T = o->quick ? 256 : 1875, F = 513;
        ssm_s4_params prm;
        s4_legs_model(16, lam, pp, bb, cc, &prm);
        double *kd = malloc(T * sizeof *kd);
        float *kt = malloc(T * sizeof *kt), *kf = malloc(F * sizeof *kf);
        float *plane = malloc(T * F * sizeof *plane);
        ssm_s4_kernel(&prm, 48000.0 / 256.0, T, kd);
        for (size_t i = 0; i < T; i++)
            kt[i] = (float)kd[i];
        for (size_t i = 0; i < F; i++)
            kf[i] = expf(-0.2f * (float)i);
        bench_noise(plane, T * F, 7);
        ssm_s4nd *s = ssm_s4nd_create(T, F, kt, T, kf, F, SSM_S4ND_FREQ_SYMMETRIC, NULL);
        double best = 1e30;
        for (int rep = 0; s && rep < 3; rep++) {
            double t0 = bench_now(BENCH_THREAD_CPU);
            ssm_s4nd_apply(s, plane, plane);
            best = fmin(best, bench_now(BENCH_THREAD_CPU) - t0);
        }
        printf("%zu x %zu plane: %.1f ms, %.1f ns per cell\n", T, F, best * 1e3,
               best * 1e9 / (double)(T * F));
        ssm_s4nd_destroy(s);
        free(kd), free(kt), free(kf), free(plane);
    }
    printf("peak RSS so far: %ld MB\n\n", bench_maxrss_mb());
}
