/* ssm-bench section selective: the selective and gated kernels per sample,
 * streaming and offline (Mamba block, the selective scan alone, the SSD
 * core, Hyena, H3, GSS), with FLOPs per sample and the share of the FMA
 * peak (ssm-bench.c). Each figure is the best of --repeats runs over
 * --seconds of audio: on a shared machine, more short runs find the quiet
 * moments. */
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench.h"
#include "ssm/kernels.h"

static int g_reps = 5; /* best of, from --repeats */

static unsigned long long rng_state = 0x9e3779b97f4a7c15ULL;

static float frand(void)
{
    rng_state ^= rng_state >> 12;
    rng_state ^= rng_state << 25;
    rng_state ^= rng_state >> 27;
    return (float)((double)((rng_state * 2685821657736338717ULL) >> 11) / 9007199254740992.0 * 2.0 -
                   1.0);
}

static float *rand_buf(size_t n, float scale)
{
    float *p = malloc(n * sizeof *p);
    for (size_t i = 0; i < n; i++)
        p[i] = frand() * scale;
    return p;
}

/* Multiply-adds count 2 flops; exp, SiLU and softplus are counted apart
 * (transcendentals per sample), as the FMA peak says nothing about them. */
static double mamba_flops(size_t dm, size_t N, size_t *transc)
{
    size_t di = 2 * dm, R = (dm + 15) / 16, dc = 4;
    double f = 2.0 * dm * 2 * di        /* in_proj */
               + 2.0 * di * dc          /* conv1d */
               + 2.0 * di * (R + 2 * N) /* x_proj */
               + 2.0 * R * di           /* dt_proj */
               + 6.0 * di * N           /* dt*A, exp*h + du*B, +h*C */
               + 3.0 * di               /* dt*u, D*u + y */
               + di                     /* gate */
               + 2.0 * di * dm;         /* out_proj */
    *transc = di * N + 3 * di;          /* exp per state; SiLU x, SiLU z, softplus */
    return f;
}

static void bench_mamba(size_t dm, size_t N, size_t n_samples, double peak)
{
    size_t di = 2 * dm, R = (dm + 15) / 16, dc = 4;
    float *in_w = rand_buf(2 * di * dm, 1.0f / sqrtf((float)dm));
    float *conv_w = rand_buf(di * dc, 0.5f), *conv_b = rand_buf(di, 0.5f);
    float *x_w = rand_buf((R + 2 * N) * di, 1.0f / sqrtf((float)di));
    float *dt_w = rand_buf(di * R, 1.0f), *dt_b = rand_buf(di, 1.0f);
    float *A_log = malloc(di * N * sizeof *A_log), *D = malloc(di * sizeof *D);
    float *out_w = rand_buf(dm * di, 1.0f / sqrtf((float)di));
    for (size_t d = 0; d < di; d++) {
        D[d] = 1.0f;
        dt_b[d] -= 4.0f;
        for (size_t k = 0; k < N; k++)
            A_log[d * N + k] = logf((float)(k + 1));
    }
    ssm_mamba_weights w = {dm,     di,  N,    dc,   R,     in_w, NULL,  conv_w,
                           conv_b, x_w, dt_w, dt_b, A_log, D,    out_w, NULL};
    ssm_mamba *m = ssm_mamba_create(&w, 256, NULL);
    if (!m) {
        fprintf(stderr, "create failed\n");
        exit(1);
    }
    float *u = rand_buf(n_samples * dm, 1.0f), *y = malloc(n_samples * dm * sizeof *y);
    size_t transc;
    double flops = mamba_flops(dm, N, &transc);

    double best_stream = 1e30, best_off = 1e30;
    for (int rep = 0; rep < g_reps; rep++) {
        ssm_mamba_reset(m);
        double t0 = bench_now(BENCH_THREAD_CPU);
        ssm_mamba_set_mode(m, SSM_MODE_STREAM);
        for (size_t t = 0; t < n_samples; t++)
            ssm_mamba_process(m, u + t * dm, y + t * dm, 1);
        double t1 = bench_now(BENCH_THREAD_CPU);
        best_stream = fmin(best_stream, (t1 - t0) / (double)n_samples);
        ssm_mamba_reset(m);
        ssm_mamba_set_mode(m, SSM_MODE_OFFLINE);
        t0 = bench_now(BENCH_THREAD_CPU);
        for (size_t t = 0; t < n_samples; t += 4096) {
            size_t n = n_samples - t < 4096 ? n_samples - t : 4096;
            ssm_mamba_process(m, u + t * dm, y + t * dm, n);
        }
        t1 = bench_now(BENCH_THREAD_CPU);
        best_off = fmin(best_off, (t1 - t0) / (double)n_samples);
    }
    const char *mode[2] = {"stream", "offline"};
    double ns[2] = {best_stream * 1e9, best_off * 1e9};
    for (int i = 0; i < 2; i++)
        printf("mamba d_model=%-3zu d_state=%zu expand=2  %-7s %8.1f ns/sample  %6.0f flop/sample "
               "+ %4zu transc  %6.2f GFLOP/s  %5.1f%% of peak  %5.2f%% of a core at 48 kHz\n",
               dm, N, mode[i], ns[i], flops, transc, flops / ns[i], 100.0 * flops / ns[i] / peak,
               100.0 * ns[i] * 48000.0 * 1e-9);
    ssm_mamba_destroy(m);
    free(in_w), free(conv_w), free(conv_b), free(x_w), free(dt_w), free(dt_b), free(A_log);
    free(D), free(out_w), free(u), free(y);
}

/* The parallel-scan variant, kept here (not in kernels/) because it lost:
 * split the sequence in two halves; phase 1 scans both halves at once (the
 * second from a zero state, also summing dt per channel); a serial carry
 * gives the true state entering the second half, exp(A*sum dt) being the
 * decay product in closed form; phase 2 adds that carried state's
 * contribution C_t . exp(A*cumsum dt) h_in to the second half's outputs,
 * with the time range split over both threads. Work is 1.5x the
 * sequential scan's, so two cores give at best 2/1.5 = 1.33x. */
typedef struct {
    float *y, *h;
    const float *u, *dt, *At, *B, *C, *D, *cum;
    size_t ld, L, dim, N, t0, t1;
} par_job;

static void *par_scan(void *arg)
{
    par_job *j = arg;
    ssm_selective_scan(j->y, j->h, j->u, j->dt, j->At, j->B, j->C, j->ld, j->D, j->L, j->dim, j->N);
    return NULL;
}

SSM_HOT static void *par_fix(void *arg)
{
    par_job *j = arg;
    for (size_t t = j->t0; t < j->t1; t++) {
        const float *restrict c = j->C + t * j->ld, *restrict cum = j->cum + t * j->dim;
        float *restrict yt = j->y + t * j->dim;
        for (size_t k = 0; k < j->N; k++) {
            const float *restrict a = j->At + k * j->dim, *restrict hk = j->h + k * j->dim;
            for (size_t d = 0; d < j->dim; d++)
                yt[d] += c[k] * ssm_expf_fast(a[d] * cum[d]) * hk[d];
        }
    }
    return NULL;
}

static void scan_parallel2(float *y, float *h, const float *u, const float *dt, const float *At,
                           const float *B, const float *C, size_t ld, const float *D, size_t L,
                           size_t dim, size_t N, float *h2, float *cum)
{
    size_t L0 = L / 2, L1 = L - L0;
    memset(h2, 0, dim * N * sizeof *h2);
    par_job j1 = {y + L0 * dim,
                  h2,
                  u + L0 * dim,
                  dt + L0 * dim,
                  At,
                  B + L0 * ld,
                  C + L0 * ld,
                  D,
                  NULL,
                  ld,
                  L1,
                  dim,
                  N,
                  0,
                  0};
    pthread_t th;
    pthread_create(&th, NULL, par_scan, &j1);
    ssm_selective_scan(y, h, u, dt, At, B, C, ld, D, L0, dim, N);
    for (size_t d = 0; d < dim; d++)
        cum[d] = dt[L0 * dim + d];
    for (size_t t = 1; t < L1; t++)
        for (size_t d = 0; d < dim; d++)
            cum[t * dim + d] = cum[(t - 1) * dim + d] + dt[(L0 + t) * dim + d];
    pthread_join(th, NULL);
    /* h_in of the second half is h; its own y lacks C_t exp(A cum_t) h. */
    par_job fa = {y + L0 * dim, h,  NULL, NULL, At, B + L0 * ld, C + L0 * ld, D,
                  cum,          ld, L1,   dim,  N,  0,           L1 / 2};
    par_job fb = fa;
    fb.t0 = L1 / 2, fb.t1 = L1;
    pthread_create(&th, NULL, par_fix, &fb);
    par_fix(&fa);
    pthread_join(th, NULL);
    for (size_t k = 0; k < N; k++)
        for (size_t d = 0; d < dim; d++)
            h[k * dim + d] =
                ssm_expf_fast(At[k * dim + d] * cum[(L1 - 1) * dim + d]) * h[k * dim + d] +
                h2[k * dim + d];
}

/* The loop shape of ggml's CPU ssm_scan for Mamba-1 (ggml-cpu/ops.cpp,
 * ggml_compute_forward_ssm_scan_f32, the per-state-A branch): state laid
 * out channel-major (d_inner x d_state), libm expf per channel and state,
 * and a sum over states per channel. Re-created here (ggml is not packaged
 * in Debian) so both loop shapes are timed with the same compiler, flags
 * and CPU. */
static void scan_ggml_shape(float *restrict y, float *restrict s, const float *restrict x,
                            const float *restrict dt, const float *restrict A,
                            const float *restrict B, const float *restrict C, size_t ld, size_t L,
                            size_t dim, size_t N)
{
    for (size_t t = 0; t < L; t++)
        for (size_t d = 0; d < dim; d++) {
            const float dts = dt[t * dim + d], x_dt = x[t * dim + d] * dts;
            float sumf = 0.0f;
            for (size_t k = 0; k < N; k++) {
                float st = s[d * N + k] * expf(dts * A[d * N + k]) + B[t * ld + k] * x_dt;
                sumf += st * C[t * ld + k];
                s[d * N + k] = st;
            }
            y[t * dim + d] = sumf;
        }
}

/* The scan alone, the unit ggml's ssm_scan reports (one token of d_inner
 * channels times d_state states). */
static void bench_scan(size_t dim, size_t N, size_t L, double peak)
{
    float *u = rand_buf(L * dim, 1.0f), *dt = rand_buf(L * dim, 0.01f);
    float *BC = rand_buf(L * 2 * N, 1.0f), *A = rand_buf(dim * N, 1.0f), *D = rand_buf(dim, 1.0f);
    float *h = calloc(dim * N, sizeof *h), *y = malloc(L * dim * sizeof *y);
    for (size_t i = 0; i < L * dim; i++)
        dt[i] = fabsf(dt[i]);
    for (size_t i = 0; i < dim * N; i++)
        A[i] = -fabsf(A[i]) - 0.5f;
    double best = 1e30;
    for (int rep = 0; rep < g_reps; rep++) {
        double t0 = bench_now(BENCH_THREAD_CPU);
        ssm_selective_scan(y, h, u, dt, A, BC, BC + N, 2 * N, D, L, dim, N);
        best = fmin(best, (bench_now(BENCH_THREAD_CPU) - t0) / (double)L);
    }
    double flops = 6.0 * dim * N + 3.0 * dim;
    printf("selective_scan d_inner=%-4zu d_state=%zu sequential %8.1f ns/step  %5.2f ns per "
           "channel-state  %6.2f GFLOP/s  %5.1f%% of peak\n",
           dim, N, best * 1e9, best * 1e9 / (double)(dim * N), flops / (best * 1e9),
           100.0 * flops / (best * 1e9) / peak);

    /* Same inputs through the two-thread parallel variant; check it agrees. */
    float *h2 = malloc(dim * N * sizeof *h2), *cum = malloc(L * dim * sizeof *cum);
    float *yp = malloc(L * dim * sizeof *yp), *hp = calloc(dim * N, sizeof *hp);
    memset(h, 0, dim * N * sizeof *h);
    ssm_selective_scan(y, h, u, dt, A, BC, BC + N, 2 * N, D, L, dim, N);
    /* Two threads: only the wall clock shows what they gain, so both
     * variants are timed on it here. */
    double bestp = 1e30, bests = 1e30;
    for (int rep = 0; rep < g_reps; rep++) {
        memset(hp, 0, dim * N * sizeof *hp);
        double t0 = bench_now(BENCH_WALL);
        scan_parallel2(yp, hp, u, dt, A, BC, BC + N, 2 * N, D, L, dim, N, h2, cum);
        bestp = fmin(bestp, (bench_now(BENCH_WALL) - t0) / (double)L);
        memset(hp, 0, dim * N * sizeof *hp);
        t0 = bench_now(BENCH_WALL);
        ssm_selective_scan(yp, hp, u, dt, A, BC, BC + N, 2 * N, D, L, dim, N);
        bests = fmin(bests, (bench_now(BENCH_WALL) - t0) / (double)L);
    }
    /* The comparison below wants the parallel result: run it once more. */
    memset(hp, 0, dim * N * sizeof *hp);
    scan_parallel2(yp, hp, u, dt, A, BC, BC + N, 2 * N, D, L, dim, N, h2, cum);
    double err = 0.0, ref = 0.0;
    for (size_t i = 0; i < L * dim; i++) {
        err = fmax(err, fabs((double)yp[i] - y[i]));
        ref = fmax(ref, fabs((double)y[i]));
    }
    printf("selective_scan d_inner=%-4zu d_state=%zu parallel2  %8.1f ns/step  (%.2fx the "
           "sequential on the wall clock; 2 threads; rel diff %.2g)\n",
           dim, N, bestp * 1e9, bests / bestp, err / ref);
    double bestg = 1e30;
    for (int rep = 0; rep < g_reps; rep++) {
        memset(hp, 0, dim * N * sizeof *hp);
        double t0 = bench_now(BENCH_THREAD_CPU);
        scan_ggml_shape(yp, hp, u, dt, A, BC, BC + N, 2 * N, L, dim, N);
        bestg = fmin(bestg, (bench_now(BENCH_THREAD_CPU) - t0) / (double)L);
    }
    printf("selective_scan d_inner=%-4zu d_state=%zu ggml-shape %8.1f ns/step  %5.2f ns per "
           "channel-state  %6.2f GFLOP/s  (ours is %.1fx faster)\n",
           dim, N, bestg * 1e9, bestg * 1e9 / (double)(dim * N), flops / (bestg * 1e9),
           bestg / best);
    free(h2), free(cum), free(yp), free(hp);
    free(u), free(dt), free(BC), free(A), free(D), free(h), free(y);
}

/* SSD core: the recurrent step against the chunked (quadratic inside,
 * linear across) form, per time step of all heads. */
static void bench_ssd(size_t H, size_t P, size_t N, size_t L, double peak)
{
    ssm_ssd_shape s = {H, P, 1, N};
    size_t w = H * P;
    float *x = rand_buf(L * w, 1.0f), *dt = rand_buf(L * H, 0.05f), *B = rand_buf(L * N, 1.0f);
    float *C = rand_buf(L * N, 1.0f), *A = rand_buf(H, 1.0f), *y = malloc(L * w * sizeof *y);
    float *st = calloc(H * N * P, sizeof *st);
    for (size_t i = 0; i < L * H; i++)
        dt[i] = fabsf(dt[i]);
    for (size_t h = 0; h < H; h++)
        A[h] = -fabsf(A[h]) - 0.1f;
    double best = 1e30;
    for (int rep = 0; rep < g_reps; rep++) {
        double t0 = bench_now(BENCH_THREAD_CPU);
        for (size_t t = 0; t < L; t++)
            ssm_ssd_step(&s, y + t * w, st, x + t * w, dt + t * H, A, B + t * N, C + t * N, NULL);
        best = fmin(best, (bench_now(BENCH_THREAD_CPU) - t0) / (double)L);
    }
    double flops = 6.0 * H * N * P;
    printf("ssd H=%zu P=%zu N=%zu step            %8.1f ns/step  %6.2f GFLOP/s  %5.1f%% of "
           "peak\n",
           H, P, N, best * 1e9, flops / (best * 1e9), 100.0 * flops / (best * 1e9) / peak);
    const size_t Qs[] = {8, 16, 64};
    for (size_t qi = 0; qi < 3; qi++) {
        size_t Q = Qs[qi];
        float *work = malloc(ssm_ssd_work_size(&s, Q) * sizeof *work);
        double bq = 1e30;
        for (int rep = 0; rep < g_reps; rep++) {
            double t0 = bench_now(BENCH_THREAD_CPU);
            ssm_ssd_chunked(&s, y, w, st, x, w, dt, H, A, B, C, N, NULL, L, Q, work);
            bq = fmin(bq, (bench_now(BENCH_THREAD_CPU) - t0) / (double)L);
        }
        printf("ssd H=%zu P=%zu N=%zu chunked Q=%-3zu   %8.1f ns/step  (%.2fx the step)\n", H, P, N,
               Q, bq * 1e9, best / bq);
        free(work);
    }
    free(x), free(dt), free(B), free(C), free(A), free(y), free(st);
}

/* Time process() over n samples of d channels in blocks of `block`. */
typedef void (*process_fn)(void *m, const float *u, float *y, size_t n);

static double time_blocks(process_fn f, void *m, const float *u, float *y, size_t d, size_t n,
                          size_t block)
{
    double best = 1e30;
    for (int rep = 0; rep < g_reps; rep++) {
        double t0 = bench_now(BENCH_THREAD_CPU);
        for (size_t t = 0; t < n; t += block) {
            size_t k = n - t < block ? n - t : block;
            f(m, u + t * d, y + t * d, k);
        }
        best = fmin(best, (bench_now(BENCH_THREAD_CPU) - t0) / (double)n);
    }
    return best * 1e9;
}

static void hyena_fn(void *m, const float *u, float *y, size_t n)
{
    ssm_hyena_process(m, u, y, n);
}

static void h3_fn(void *m, const float *u, float *y, size_t n)
{
    ssm_h3_process(m, u, y, n);
}

static void gss_fn(void *m, const float *u, float *y, size_t n)
{
    ssm_gss_process(m, u, y, n);
}

/* Hyena, order 2, with a 1 s implicit filter at 48 kHz per channel. */
static void bench_hyena(size_t d, size_t taps, size_t n)
{
    size_t C = 3 * d, fo = 16, D = d;
    float *in_w = rand_buf(C * d, 0.3f), *sw = rand_buf(C * 3, 0.5f),
          *out_w = rand_buf(d * d, 0.3f);
    float *w0 = rand_buf(fo * 5, 0.5f), *b0 = rand_buf(fo, 0.5f), *w1 = rand_buf(fo * fo, 0.25f);
    float *b1 = rand_buf(fo, 0.5f), *wo = rand_buf(D * fo, 0.25f), *fr = rand_buf(fo, 1.0f);
    float *fb = rand_buf(D, 1.0f), *dl = rand_buf(D, 1.0f);
    ssm_hyena_weights w = {.d_model = d,
                           .order = 2,
                           .emb_dim = 5,
                           .filter_order = fo,
                           .n_inner = 1,
                           .l_max = taps,
                           .in_proj_w = in_w,
                           .short_w = sw,
                           .out_proj_w = out_w,
                           .mlp_w = {w0, w1},
                           .mlp_b = {b0, b1},
                           .mlp_out_w = wo,
                           .sin_freq = fr,
                           .filter_bias = fb,
                           .deltas = dl};
    float *u = rand_buf(n * d, 1.0f), *y = malloc(n * d * sizeof *y);
    const size_t blocks[] = {16, 32, 64, 128};
    for (size_t i = 0; i < 4; i++) {
        ssm_hyena *m = ssm_hyena_create(&w, 1.0, blocks[i], 1024, NULL);
        if (!m)
            continue;
        double ns = time_blocks(hyena_fn, m, u, y, d, n, blocks[i]);
        printf("hyena d=%-3zu order 2, %zu-tap filters, partition %-3zu  %8.1f ns/sample  %5.2f%% "
               "of a core at 48 kHz (latency 0)\n",
               d, taps, blocks[i], ns, 100.0 * ns * 48000.0 * 1e-9);
        ssm_hyena_destroy(m);
    }
    free(in_w), free(sw), free(out_w), free(w0), free(b0), free(w1), free(b1), free(wo), free(fr);
    free(fb), free(dl), free(u), free(y);
}

/* H3 and GSS: recurrent (block 64) against chunked FFT (block 4096). */
static void bench_h3_gss(size_t d, size_t modes, size_t n)
{
    ssm_s4d_params p;
    ssm_s4d_params_init(&p, d, modes);
    ssm_s4d_params_draw(&p, SSM_S4D_LIN, 1e-3, 1e-1, 7);
    float *qkv = rand_buf(d * d, 0.2f), *sB = rand_buf(d * 4, 1.0f), *sC = rand_buf(d * 4, 0.5f);
    float *sD = rand_buf(d, 1.0f), *ow = rand_buf(d * d, 0.2f);
    ssm_h3_weights hw = {d, 4, qkv, NULL, qkv, NULL, qkv, NULL, sB, sC, sD, &p, ow, NULL};
    float *u = rand_buf(n * d, 1.0f), *y = malloc(n * d * sizeof *y);
    ssm_h3 *h = ssm_h3_create(&hw, SSM_ZOH, 1.0, 1024, 4096, NULL);
    if (h) {
        double ns_s = time_blocks(h3_fn, h, u, y, d, n, 64);
        ssm_h3_set_mode(h, SSM_MODE_OFFLINE);
        double ns_o = time_blocks(h3_fn, h, u, y, d, n, 4096);
        printf("h3  d=%-3zu S4D N=%-3zu  recurrent %8.1f ns/sample (%5.2f%% of a core at 48 kHz)  "
               "chunked FFT %8.1f ns/sample\n",
               d, 2 * modes, ns_s, 100.0 * ns_s * 48000.0 * 1e-9, ns_o);
        ssm_h3_destroy(h);
    }
    ssm_s4d_params_free(&p);

    ssm_dss_params dp;
    size_t H = d / 2, F = 2 * d;
    ssm_dss_params_init(&dp, H, modes);
    for (size_t i = 0; i < H * modes; i++) {
        dp.lam_re[i] = -0.5f;
        dp.lam_im[i] = 3.14159265f * (float)(i % modes);
        dp.w_re[i] = frand();
        dp.w_im[i] = frand();
    }
    for (size_t i = 0; i < H; i++)
        dp.log_dt[i] = logf(0.01f);
    float *vw = rand_buf(F * d, 0.2f), *uw = rand_buf(H * d, 0.2f), *cw = rand_buf(F * H, 0.2f);
    float *gw = rand_buf(d * F, 0.2f);
    ssm_gss_weights gw_ = {d, F, H, vw, NULL, uw, NULL, &dp, SSM_DSS_EXP, 0, cw, NULL, gw, NULL};
    ssm_gss *g = ssm_gss_create(&gw_, 1.0, 1024, 4096, NULL);
    if (g) {
        double ns_s = time_blocks(gss_fn, g, u, y, d, n, 64);
        ssm_gss_set_mode(g, SSM_MODE_OFFLINE);
        double ns_o = time_blocks(gss_fn, g, u, y, d, n, 4096);
        printf(
            "gss E=%-3zu F=%zu H=%zu DSS N=%-3zu recurrent %8.1f ns/sample (%5.2f%% of a core at "
            "48 kHz)  chunked FFT %8.1f ns/sample\n",
            d, F, H, 2 * modes, ns_s, 100.0 * ns_s * 48000.0 * 1e-9, ns_o);
        ssm_gss_destroy(g);
    }
    ssm_dss_params_free(&dp);
    free(qkv), free(sB), free(sC), free(sD), free(ow), free(u), free(y), free(vw), free(uw);
    free(cw), free(gw);
}

void bench_selective(const bench_opts *o)
{
    g_reps = o->repeats;
    const double peak = bench_peak();
    size_t n = (size_t)(o->seconds * 48000.0);
    printf("== selective and gated kernels: %zu samples per run, best of %d ==\n", n, g_reps);
    const size_t dms[] = {16, 32, 64};
    for (size_t i = 0; i < 3; i++)
        bench_mamba(dms[i], 16, n, peak);
    bench_scan(64, 16, 8192, peak);
    bench_scan(128, 16, 8192, peak);
    bench_scan(1536, 16, 1024, peak);
    bench_ssd(4, 16, 16, 8192, peak);
    bench_ssd(8, 64, 64, 2048, peak);
    bench_hyena(16, 48000, n);
    bench_h3_gss(32, 32, n);
    printf("peak RSS so far: %ld MB\n\n", bench_maxrss_mb());
}
