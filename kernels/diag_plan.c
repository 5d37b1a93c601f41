/* The diagonal bank's offline plan (ssm_diag_plan_offline): which exact
 * schedule runs in SSM_MODE_OFFLINE for a bank's shape and block size.
 *
 * ESTIMATE is a cost model in the units of the measured tables
 * (docs/benchmarks.md, "Diagonal LTI"): a schedule's flops per sample per
 * channel over the fraction of the FMA peak it reached there, plus a
 * per-call cost for the chunked schedules (their state terms, sub-chunk
 * tails and table reads do not shrink with the call). With the efficiencies
 * measured on the AMD EPYC (Zen 4) at both SIMD levels, the recurrence (11
 * flops a mode at 77-88 % of peak from N = 64 up) beats the chunked scan (8
 * flops a mode + 64 at 40-64 %) and the chunked FFT (8 a mode + 10 log2 2T
 * at 45-57 %) at every N and block, so the estimate is the step; the model
 * says where that would turn on a machine with other efficiencies.
 *
 * MEASURE times the step and each chunked candidate (chunks of 256 and
 * 1024, or the block's own power of two when it is shorter) on a bank of
 * this shape at this block size, best of three passes of thread CPU time,
 * and keeps the answer per shape for the process. A chunked schedule must
 * beat the step by 5 % to be chosen (a tie goes to the streaming form), and
 * then min_block is the shortest call (halving the block, down to 16) at
 * which it still wins. */
#include <math.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "ssm/diag.h"
#include "simd_level.h"

/* ---- ESTIMATE ---- */

/* Fractions of the FMA peak each schedule reached at large blocks in the
 * diag tables (N = 64..256, AMD EPYC Zen 4; the v3 row with AVX-512 left
 * out, the baseline row assumed as v3), and the block B0 at which the
 * chunked schedules' per-call cost equals their per-sample cost (the scan
 * and the FFT at block 64 against 1024: 1.7-2.5x, so B0 of about 96). */
static const struct {
    double step, scan, fft;
} efficiency[] = {
    [SSM_SIMD_BASELINE] = {0.78, 0.54, 0.54},
    [SSM_SIMD_X86_64_V3] = {0.78, 0.54, 0.54},
    [SSM_SIMD_X86_64_V4] = {0.87, 0.64, 0.57},
};
#define CALL_B0 96.0

static double pow2_at_least(size_t n)
{
    size_t p = 1;
    while (p < n)
        p *= 2;
    return (double)p;
}

/* Relative cost of a schedule per sample per channel at calls of `block`. */
static double estimate(ssm_diag_method m, size_t modes, size_t chunk, size_t block,
                       ssm_simd_level level)
{
    const double M = (double)modes, B = (double)(block < chunk ? block : chunk);
    switch (m) {
    case SSM_DIAG_STEP:
        return 11.0 * M / efficiency[level].step;
    case SSM_DIAG_SCAN:
        return (8.0 * M + 2.0 * SSM_DIAG_SUB) / efficiency[level].scan * (1.0 + CALL_B0 / B);
    default:
        return (8.0 * M + 10.0 * log2(2.0 * pow2_at_least(chunk)) + 6.0) / efficiency[level].fft *
               (1.0 + CALL_B0 / B);
    }
}

/* ---- MEASURE ---- */

static double cpu_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

typedef struct {
    ssm_diag_bank bank;
    float *u, *y;
    size_t n; /* samples per channel in u, y */
} bench_set;

/* xorshift64: uniform in [0, 1). */
static double uniform(unsigned long long *r)
{
    *r ^= *r << 13;
    *r ^= *r >> 7;
    *r ^= *r << 17;
    return (double)(*r >> 11) * 0x1p-53;
}

/* A stable bank of the shape (|lambda| in [0.9, 0.999], noise for the
 * weights) and noise input: the states stay away from denormals, so the
 * timing is the arithmetic's. */
static ssm_status bench_set_init(bench_set *s, size_t channels, size_t modes, ssm_diag_weighting w,
                                 size_t n)
{
    memset(s, 0, sizeof *s);
    ssm_status st = ssm_diag_bank_init(&s->bank, channels, modes);
    if (st != SSM_OK)
        return st;
    s->bank.weighting = w;
    unsigned long long r = 0x9E3779B97F4A7C15ULL;
#define NEXT() uniform(&r)
    for (size_t h = 0; h < channels; h++) {
        for (size_t m = 0; m < modes; m++) {
            const double rad = 0.9 + 0.099 * NEXT(), ph = 3.14159 * NEXT();
            ssm_diag_bank_set(&s->bank, h, m, rad * cos(ph), rad * sin(ph), NEXT() - 0.5,
                              NEXT() - 0.5);
        }
        s->bank.d[h] = (float)NEXT();
    }
    s->n = n;
    s->u = malloc(channels * n * sizeof(float));
    s->y = malloc(channels * n * sizeof(float));
    if (!s->u || !s->y)
        return SSM_ERR_NOMEM;
    for (size_t i = 0; i < channels * n; i++)
        s->u[i] = (float)(NEXT() - 0.5);
#undef NEXT
    return SSM_OK;
}

static void bench_set_free(bench_set *s)
{
    ssm_diag_bank_free(&s->bank);
    free(s->u);
    free(s->y);
}

/* Seconds per pass of schedule m over the set in calls of `block`, best of
 * three after a warm-up pass; < 0 when it cannot be built. */
static double time_schedule(const bench_set *s, ssm_diag_method m, size_t chunk, size_t block)
{
    ssm_status st;
    ssm_diag *d = ssm_diag_create(
        &s->bank, &(ssm_diag_config){.chunk = chunk, .method = m, .rigor = SSM_PLAN_MEASURE}, &st);
    if (!d)
        return -1.0;
    ssm_diag_set_mode(d, SSM_MODE_OFFLINE);
    double best = 1e30;
    for (int rep = 0; rep < 4; rep++) {
        const double t0 = cpu_now();
        for (size_t t = 0; t < s->n; t += block)
            ssm_diag_process(d, s->u + t, s->n, s->y + t, s->n,
                             s->n - t < block ? s->n - t : block);
        const double dt = cpu_now() - t0;
        if (rep && dt < best)
            best = dt;
    }
    ssm_diag_destroy(d);
    return best;
}

/* Denormals flushed while timing, as the engine runs every process call. */
#if defined(__SSE__)
#include <xmmintrin.h>
#define FTZ_ON(saved)      ((saved) = _mm_getcsr(), _mm_setcsr((saved) | 0x8040u))
#define FTZ_RESTORE(saved) _mm_setcsr(saved)
#else
#define FTZ_ON(saved)      ((void)(saved))
#define FTZ_RESTORE(saved) ((void)(saved))
#endif

static ssm_diag_plan measure(size_t channels, size_t modes, ssm_diag_weighting w, size_t block)
{
    ssm_diag_plan plan = {SSM_DIAG_STEP, 0, 0};
    /* About 2^23 mode-samples a pass (a few ms), the samples a multiple of
     * the block; enough channels to fill the step's channel tiles and the
     * bank's real footprint in cache, where the budget allows. */
    size_t n = block < 1024 ? (1024 + block - 1) / block * block : block;
    size_t ch = ((size_t)1 << 23) / (modes * n);
    ch = ch < 4 ? 4 : ch > channels ? channels : ch;
    bench_set s;
    if (bench_set_init(&s, ch, modes, w, n) != SSM_OK) {
        bench_set_free(&s);
        return plan;
    }
    unsigned csr = 0;
    FTZ_ON(csr);
    const double step = time_schedule(&s, SSM_DIAG_STEP, 0, block);
    const size_t p2 = (size_t)pow2_at_least(block);
    const size_t chunks[2] = {p2 < 256 ? p2 : 256, p2 < 1024 ? p2 : 1024};
    double best = 0.95 * step;
    for (int c = 0; c < 2; c++) {
        if (c == 1 && chunks[1] == chunks[0])
            break;
        for (int m = SSM_DIAG_FFT; m <= SSM_DIAG_SCAN; m++) {
            const double t = time_schedule(&s, (ssm_diag_method)m, chunks[c], block);
            if (t >= 0.0 && t < best) {
                best = t;
                plan.method = (ssm_diag_method)m;
                plan.chunk = chunks[c];
            }
        }
    }
    if (plan.method != SSM_DIAG_STEP) {
        /* The shortest call at which the chunked schedule still wins. */
        plan.min_block = block;
        for (size_t b = block / 2; b >= 16; b /= 2) {
            const double ts = time_schedule(&s, SSM_DIAG_STEP, 0, b);
            const double tc = time_schedule(&s, plan.method, plan.chunk, b);
            if (!(tc >= 0.0 && tc < 0.95 * ts))
                break;
            plan.min_block = b;
        }
    }
    FTZ_RESTORE(csr);
    bench_set_free(&s);
    return plan;
}

/* ---- the plans kept (MEASURE's wisdom) ---- */

typedef struct {
    size_t channels, modes, block;
    ssm_diag_weighting weighting;
    ssm_simd_level level;
    ssm_diag_plan plan;
} kept_plan;

#define N_KEPT 32
static kept_plan kept[N_KEPT];
static size_t n_kept, next_slot;
static pthread_mutex_t kept_lock = PTHREAD_MUTEX_INITIALIZER;

ssm_diag_plan ssm_diag_plan_offline(size_t channels, size_t modes, ssm_diag_weighting weighting,
                                    size_t block, ssm_plan_rigor rigor)
{
    const ssm_simd_level level = ssm_simd_level_now();
    if (channels == 0 || modes == 0)
        return (ssm_diag_plan){SSM_DIAG_STEP, 0, 0}; /* nothing to run */
    if (block < 1)
        block = 1;
    if (rigor != SSM_PLAN_MEASURE) {
        ssm_diag_plan plan = {SSM_DIAG_STEP, 0, 0};
        double best = estimate(SSM_DIAG_STEP, modes, 0, block, level);
        const size_t p2 = (size_t)pow2_at_least(block), chunk = p2 < 1024 ? p2 : 1024;
        for (int m = SSM_DIAG_FFT; m <= SSM_DIAG_SCAN; m++) {
            const double c = estimate((ssm_diag_method)m, modes, chunk, block, level);
            if (c < 0.95 * best) {
                best = c;
                plan.method = (ssm_diag_method)m;
                plan.chunk = chunk;
                /* The call where the chunked cost's per-call part makes it
                 * the step's again: (1 + B0 / b) c_inf = step. */
                const double c_inf = c / (1.0 + CALL_B0 / (double)(block < chunk ? block : chunk));
                const double stepc = estimate(SSM_DIAG_STEP, modes, 0, block, level);
                plan.min_block =
                    stepc > c_inf ? (size_t)ceil(CALL_B0 * c_inf / (stepc - c_inf)) : block;
            }
        }
        return plan;
    }
    pthread_mutex_lock(&kept_lock);
    for (size_t i = 0; i < n_kept; i++)
        if (kept[i].channels == channels && kept[i].modes == modes && kept[i].block == block &&
            kept[i].weighting == weighting && kept[i].level == level) {
            const ssm_diag_plan plan = kept[i].plan;
            pthread_mutex_unlock(&kept_lock);
            return plan;
        }
    /* Measured under the lock: two threads planning one shape measure it
     * once, and concurrent measurements would not disturb each other's
     * timing through this lock at least. */
    const ssm_diag_plan plan = measure(channels, modes, weighting, block);
    kept[next_slot] = (kept_plan){channels, modes, block, weighting, level, plan};
    next_slot = (next_slot + 1) % N_KEPT;
    if (n_kept < N_KEPT)
        n_kept++;
    pthread_mutex_unlock(&kept_lock);
    return plan;
}
