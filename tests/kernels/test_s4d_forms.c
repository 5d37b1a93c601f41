/* S4D's two forms are one function: the recurrent step and the exact
 * chunked FFT convolution agree on long random input cut at random block
 * boundaries, and both track a double-precision recurrence. Also: the
 * impulse response equals the Vandermonde kernel K, zero in gives zero out,
 * and a run split in two with the state carried equals the whole run. */
#include "../harness.h"
#include "ssm/kernels.h"

#include <complex.h>
#include <string.h>

/* The recurrence in double on the bank's own (float) poles and weights. */
static void reference(const ssm_diag_bank *b, const float *u, float *y, size_t n)
{
    for (size_t h = 0; h < b->channels; h++) {
        double complex x[512] = {0};
        for (size_t t = 0; t < n; t++) {
            double acc = 0.0;
            for (size_t m = 0; m < b->modes; m++) {
                size_t i = h * b->stride + m;
                double complex lam = b->lam_re[i] + I * (double)b->lam_im[i];
                double complex w = b->w_re[i] + I * (double)b->w_im[i];
                x[m] = lam * x[m] + u[h * n + t];
                acc += creal(w * x[m]);
            }
            y[h * n + t] = (float)(acc + b->d[h] * u[h * n + t]);
        }
    }
}

/* Run d over n samples of every channel (planar, ld n) in blocks of random
 * length up to 3 chunk. */
static void run_random_blocks(ssm_diag *d, const float *u, float *y, size_t n, size_t chunk,
                              th_rng *r)
{
    for (size_t t = 0; t < n;) {
        size_t blk = 1 + (size_t)(th_uniform(r) * (double)(3 * chunk));
        if (blk > n - t)
            blk = n - t;
        ssm_diag_process(d, u + t, n, y + t, n, blk);
        t += blk;
    }
}

/* Equal states show as equal responses: after the runs under test, all
 * objects continue in the recurrent form on the same fresh input, and the
 * others' outputs are compared with the first's. */
static void check_same_state(const char *what[], ssm_diag *const *d, size_t count, size_t H,
                             th_rng *r)
{
    enum { L = 300 };
    float *u = malloc(H * L * sizeof(float)), *y0 = malloc(H * L * sizeof(float)),
          *y = malloc(H * L * sizeof(float));
    for (size_t i = 0; i < H * L; i++)
        u[i] = (float)th_normal(r);
    for (size_t k = 0; k < count; k++) {
        ssm_diag_set_mode(d[k], SSM_MODE_STREAM);
        ssm_diag_process(d[k], u, L, k ? y : y0, L, L);
        if (k)
            th_close_f(what[k - 1], y, y0, H * L, 1e-4);
    }
    free(u);
    free(y0);
    free(y);
}

static void check_config(size_t H, size_t M, ssm_s4d_init_kind kind, ssm_discretization disc,
                         size_t chunk, size_t n, double dt_lo, double dt_hi)
{
    char what[128];
    ssm_s4d_params p;
    CHECK(ssm_s4d_params_init(&p, H, M) == SSM_OK, "params");
    ssm_s4d_params_draw(&p, kind, dt_lo, dt_hi, 1234 + M);
    ssm_diag_bank b;
    CHECK(ssm_diag_bank_init(&b, H, M) == SSM_OK, "bank");
    CHECK(ssm_s4d_discretize(&p, disc, 1.0, &b) == SSM_OK, "discretize");
    double pole = ssm_diag_bank_max_pole(&b);
    printf("H=%zu M=%zu %s %s dt in [%g, %g]: max |lambda| = %.9f\n", H, M,
           kind == SSM_S4D_INV ? "inv" : "lin", disc == SSM_ZOH ? "zoh" : "bilinear", dt_lo, dt_hi,
           pole);
    CHECK(pole < 1.0, "pole %.9f outside the unit circle", pole);

    ssm_status st, st2, st3;
    ssm_diag *ds = ssm_diag_create(&b, &(ssm_diag_config){.chunk = chunk}, &st);
    ssm_diag *dc = ssm_diag_create(&b, &(ssm_diag_config){.chunk = chunk}, &st2);
    ssm_diag *dn =
        ssm_diag_create(&b, &(ssm_diag_config){.chunk = chunk, .method = SSM_DIAG_SCAN}, &st3);
    CHECK(ds && dc && dn, "create: %s %s %s", ssm_status_string(st), ssm_status_string(st2),
          ssm_status_string(st3));
    if (!ds || !dc || !dn)
        goto out;
    ssm_diag_set_mode(dc, SSM_MODE_OFFLINE);
    ssm_diag_set_mode(dn, SSM_MODE_OFFLINE);
    float *u = malloc(H * n * sizeof(float));
    float *yr = malloc(H * n * sizeof(float)), *yc = malloc(H * n * sizeof(float));
    float *yd = malloc(H * n * sizeof(float)), *ys = malloc(H * n * sizeof(float));
    th_rng r = {0x9e3779b97f4a7c15ULL + M};
    for (size_t i = 0; i < H * n; i++)
        u[i] = (float)th_normal(&r);

    /* Whole-bank calls (every channel per call) with random boundaries. */
    run_random_blocks(ds, u, yr, n, chunk, &r);
    run_random_blocks(dc, u, yc, n, chunk, &r);
    run_random_blocks(dn, u, ys, n, chunk, &r);
    reference(&b, u, yd, n);
    snprintf(what, sizeof what, "chunked scan (T=%zu) vs step, M=%zu", chunk, M);
    th_close_f(what, ys, yr, H * n, 1e-4);
    snprintf(what, sizeof what, "chunked(T=%zu) vs step, M=%zu %s", chunk, M,
             disc == SSM_ZOH ? "zoh" : "bil");
    th_close_f(what, yc, yr, H * n, 1e-4);
    snprintf(what, sizeof what, "step vs double recurrence, M=%zu", M);
    th_close_f(what, yr, yd, H * n, 1e-4);
    snprintf(what, sizeof what, "chunked vs double recurrence, M=%zu", M);
    th_close_f(what, yc, yd, H * n, 1e-4);
    char what2[128];
    snprintf(what, sizeof what, "final state chunked vs step, M=%zu", M);
    snprintf(what2, sizeof what2, "final state scan vs step, M=%zu", M);
    check_same_state((const char *[]){what, what2}, (ssm_diag *[]){ds, dc, dn}, 3, H, &r);

    /* Impulse response of both forms == K (+ D at 0). */
    size_t L = 3 * chunk + 17;
    float *imp = calloc(H * L, sizeof(float)), *K = malloc(H * L * sizeof(float));
    float *y1 = malloc(H * L * sizeof(float)), *y2 = malloc(H * L * sizeof(float));
    for (size_t h = 0; h < H; h++)
        imp[h * L] = 1.0f;
    ssm_s4d_kernel(&p, disc, 1.0, K, L, L);
    for (size_t h = 0; h < H; h++)
        K[h * L] += p.d[h];
    ssm_diag_reset(ds);
    ssm_diag_reset(dc);
    ssm_diag_set_mode(dc, SSM_MODE_OFFLINE);
    ssm_diag_process(ds, imp, L, y1, L, L);
    ssm_diag_process(dc, imp, L, y2, L, L);
    th_close_f("impulse response (step) vs K", y1, K, H * L, 1e-5);
    th_close_f("impulse response (chunked) vs K", y2, K, H * L, 1e-5);

    /* Zero in, zero out (from the zero state): exactly zero. */
    memset(imp, 0, H * L * sizeof(float));
    ssm_diag_reset(ds);
    ssm_diag_reset(dc);
    ssm_diag_process(ds, imp, L, y1, L, L);
    ssm_diag_process(dc, imp, L, y2, L, L);
    float mx = 0.0f;
    for (size_t i = 0; i < H * L; i++)
        mx = fmaxf(mx, fmaxf(fabsf(y1[i]), fabsf(y2[i])));
    printf("zero in -> max |out| = %g\n", mx);
    CHECK(mx == 0.0f, "zero input gave %g", mx);

    /* Split in two with the state carried == whole (and across forms). */
    size_t half = n / 2 + 7;
    ssm_diag_reset(ds);
    y1 = realloc(y1, H * n * sizeof(float));
    ssm_diag_set_mode(ds, SSM_MODE_STREAM);
    ssm_diag_process(ds, u, n, y1, n, half);
    ssm_diag_set_mode(ds, SSM_MODE_OFFLINE);
    ssm_diag_process(ds, u + half, n, y1 + half, n, n - half);
    snprintf(what, sizeof what, "step|chunked split at %zu vs whole step", half);
    th_close_f(what, y1, yr, H * n, 1e-4);

    free(u);
    free(yr);
    free(yc);
    free(yd);
    free(ys);
    free(imp);
    free(K);
    free(y1);
    free(y2);
out:
    ssm_diag_destroy(ds);
    ssm_diag_destroy(dc);
    ssm_diag_destroy(dn);
    ssm_diag_bank_free(&b);
    ssm_s4d_params_free(&p);
}

int main(void)
{
    size_t n = th_scale(1000000, 20000);
    check_config(1, 32, SSM_S4D_LIN, SSM_ZOH, 1024, n, 1e-3, 1e-1);
    check_config(1, 8, SSM_S4D_INV, SSM_BILINEAR, 256, n, 1e-3, 1e-1);
    check_config(3, 64, SSM_S4D_LIN, SSM_BILINEAR, 512, th_scale(200000, 5000), 1e-3, 1e-1);
    check_config(2, 24, SSM_S4D_INV, SSM_ZOH, 100, th_scale(200000, 5000), 1e-4, 1e-2);
    return th_finish("s4d_forms");
}
