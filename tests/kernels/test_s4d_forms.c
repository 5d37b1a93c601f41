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

static void check_config(size_t H, size_t M, ssm_s4d_init_kind kind, ssm_discretization disc,
                         size_t chunk, size_t n, double dt_lo, double dt_hi)
{
    char what[128];
    ssm_s4d_params p;
    CHECK(ssm_s4d_params_alloc(&p, H, M) == SSM_OK, "alloc");
    ssm_s4d_init(&p, kind, dt_lo, dt_hi, 1234 + M);
    ssm_diag_bank b;
    CHECK(ssm_diag_bank_alloc(&b, H, M) == SSM_OK, "bank");
    CHECK(ssm_s4d_discretize(&p, disc, 1.0, &b) == SSM_OK, "discretize");
    double pole = ssm_diag_bank_max_pole(&b);
    printf("H=%zu M=%zu %s %s dt in [%g, %g]: max |lambda| = %.9f\n", H, M,
           kind == SSM_S4D_INV ? "inv" : "lin", disc == SSM_ZOH ? "zoh" : "bilinear", dt_lo, dt_hi,
           pole);
    CHECK(pole < 1.0, "pole %.9f outside the unit circle", pole);

    ssm_status st;
    ssm_diag_conv *c = ssm_diag_conv_create(&b, chunk, SSM_PLAN_ESTIMATE, &st);
    CHECK(c != NULL, "conv create: %s", ssm_status_string(st));
    if (!c)
        goto out;
    ssm_diag_state s1, s2;
    ssm_diag_state_alloc(&s1, &b);
    ssm_diag_state_alloc(&s2, &b);
    float *u = malloc(H * n * sizeof(float));
    float *yr = malloc(H * n * sizeof(float)), *yc = malloc(H * n * sizeof(float));
    float *yd = malloc(H * n * sizeof(float));
    th_rng r = {0x9e3779b97f4a7c15ULL + M};
    for (size_t i = 0; i < H * n; i++)
        u[i] = (float)th_normal(&r);

    /* Whole-bank calls (every channel per call) with random boundaries. */
    for (size_t t = 0; t < n;) {
        size_t blk = 1 + (size_t)(th_uniform(&r) * (double)(3 * chunk));
        if (blk > n - t)
            blk = n - t;
        ssm_diag_step(&b, &s1, u + t, n, yr + t, n, blk);
        t += blk;
    }
    for (size_t t = 0; t < n;) {
        size_t blk = 1 + (size_t)(th_uniform(&r) * (double)(3 * chunk));
        if (blk > n - t)
            blk = n - t;
        ssm_diag_conv_process(c, &s2, u + t, n, yc + t, n, blk);
        t += blk;
    }
    reference(&b, u, yd, n);
    {
        /* The FFT-free schedule of the same chunked form. */
        ssm_diag_conv *cs =
            ssm_diag_conv_create_method(&b, chunk, SSM_PLAN_ESTIMATE, SSM_DIAG_SCAN, &st);
        CHECK(cs != NULL, "scan create: %s", ssm_status_string(st));
        ssm_diag_state s3;
        ssm_diag_state_alloc(&s3, &b);
        float *ys = malloc(H * n * sizeof(float));
        for (size_t t = 0; cs && t < n;) {
            size_t blk = 1 + (size_t)(th_uniform(&r) * (double)(3 * chunk));
            if (blk > n - t)
                blk = n - t;
            ssm_diag_conv_process(cs, &s3, u + t, n, ys + t, n, blk);
            t += blk;
        }
        snprintf(what, sizeof what, "chunked scan (T=%zu) vs step, M=%zu", chunk, M);
        th_close_f(what, ys, yr, H * n, 1e-4);
        snprintf(what, sizeof what, "final state scan vs step, M=%zu", M);
        th_close_f(what, s3.re, s1.re, H * b.stride, 1e-4);
        free(ys);
        ssm_diag_state_free(&s3);
        ssm_diag_conv_destroy(cs);
    }
    snprintf(what, sizeof what, "chunked(T=%zu) vs step, M=%zu %s", chunk, M,
             disc == SSM_ZOH ? "zoh" : "bil");
    th_close_f(what, yc, yr, H * n, 1e-4);
    snprintf(what, sizeof what, "step vs double recurrence, M=%zu", M);
    th_close_f(what, yr, yd, H * n, 1e-4);
    snprintf(what, sizeof what, "chunked vs double recurrence, M=%zu", M);
    th_close_f(what, yc, yd, H * n, 1e-4);
    snprintf(what, sizeof what, "final state chunked vs step, M=%zu", M);
    th_close_f(what, s2.re, s1.re, H * b.stride, 1e-4);

    /* Impulse response of both forms == K (+ D at 0). */
    size_t L = 3 * chunk + 17;
    float *imp = calloc(H * L, sizeof(float)), *K = malloc(H * L * sizeof(float));
    float *y1 = malloc(H * L * sizeof(float)), *y2 = malloc(H * L * sizeof(float));
    for (size_t h = 0; h < H; h++)
        imp[h * L] = 1.0f;
    ssm_s4d_kernel(&p, disc, 1.0, K, L, L);
    for (size_t h = 0; h < H; h++)
        K[h * L] += p.d[h];
    ssm_diag_state_reset(&s1);
    ssm_diag_state_reset(&s2);
    ssm_diag_step(&b, &s1, imp, L, y1, L, L);
    ssm_diag_conv_process(c, &s2, imp, L, y2, L, L);
    th_close_f("impulse response (step) vs K", y1, K, H * L, 1e-5);
    th_close_f("impulse response (chunked) vs K", y2, K, H * L, 1e-5);

    /* Zero in, zero out (from the zero state): exactly zero. */
    memset(imp, 0, H * L * sizeof(float));
    ssm_diag_state_reset(&s1);
    ssm_diag_state_reset(&s2);
    ssm_diag_step(&b, &s1, imp, L, y1, L, L);
    ssm_diag_conv_process(c, &s2, imp, L, y2, L, L);
    float mx = 0.0f;
    for (size_t i = 0; i < H * L; i++)
        mx = fmaxf(mx, fmaxf(fabsf(y1[i]), fabsf(y2[i])));
    printf("zero in -> max |out| = %g\n", mx);
    CHECK(mx == 0.0f, "zero input gave %g", mx);

    /* Split in two with the state carried == whole (and across forms). */
    size_t half = n / 2 + 7;
    ssm_diag_state_reset(&s1);
    ssm_diag_step(&b, &s1, u, n, y1 = realloc(y1, H * n * sizeof(float)), n, half);
    ssm_diag_conv_process(c, &s1, u + half, n, y1 + half, n, n - half);
    snprintf(what, sizeof what, "step|chunked split at %zu vs whole step", half);
    th_close_f(what, y1, yr, H * n, 1e-4);

    free(u);
    free(yr);
    free(yc);
    free(yd);
    free(imp);
    free(K);
    free(y1);
    free(y2);
    ssm_diag_state_free(&s1);
    ssm_diag_state_free(&s2);
    ssm_diag_conv_destroy(c);
out:
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
