/* Partitioned convolution == direct convolution of the same filter, for
 * the uniform and the non-uniform schedules, both latency modes, random
 * call sizes; and reset() forgets the past. */
#include "../harness.h"
#include "ssm/kernels.h"

#include <string.h>

static void direct(const float *h, size_t lh, const float *x, double *y, size_t n, size_t delay)
{
    for (size_t t = 0; t < n; t++) {
        double s = 0.0;
        if (t >= delay) {
            size_t tt = t - delay;
            size_t kmax = tt + 1 < lh ? tt + 1 : lh;
            for (size_t k = 0; k < kmax; k++)
                s += (double)h[k] * x[tt - k];
        }
        y[t] = s;
    }
}

static void check(size_t lh, size_t block, size_t max_part, int zero_latency, size_t n)
{
    th_rng r = {lh * 31 + block + (size_t)zero_latency};
    float *h = malloc(lh * sizeof(float)), *x = malloc(n * sizeof(float));
    float *y = malloc(n * sizeof(float)), *yw = malloc(n * sizeof(float));
    double *yd = malloc(n * sizeof(double));
    /* A decaying noise filter, like a room response. */
    for (size_t k = 0; k < lh; k++)
        h[k] = (float)(th_normal(&r) * exp(-3.0 * (double)k / (double)lh));
    for (size_t t = 0; t < n; t++)
        x[t] = (float)th_normal(&r);
    ssm_partconv_config cfg = {max_part, zero_latency, SSM_PLAN_ESTIMATE};
    ssm_status st;
    ssm_partconv *p = ssm_partconv_create(h, lh, block, &cfg, &st);
    CHECK(p != NULL, "create: %s", ssm_status_string(st));
    if (!p)
        goto out;
    size_t lat = ssm_partconv_latency(p);
    CHECK(lat == (zero_latency ? 0 : block), "latency %zu", lat);
    printf("filter %zu, block %zu, max_part %zu, latency %zu: levels", lh, block, max_part, lat);
    for (size_t l = 0; l < ssm_partconv_levels(p); l++) {
        size_t P, cnt, off;
        ssm_partconv_level_info(p, l, &P, &cnt, &off);
        printf(" %zux%zu@%zu", cnt, P, off);
    }
    printf("\n");
    direct(h, lh, x, yd, n, lat);
    for (int pass = 0; pass < 2; pass++) {
        for (size_t t = 0; t < n;) {
            size_t k;
            if (zero_latency)
                k = block * (1 + (size_t)(th_uniform(&r) * 4.0));
            else
                k = 1 + (size_t)(th_uniform(&r) * 3.0 * (double)block);
            if (k > n - t)
                k = n - t;
            CHECK(ssm_partconv_process(p, x + t, y + t, k) == SSM_OK, "process");
            t += k;
        }
        for (size_t t = 0; t < n; t++)
            yw[t] = (float)yd[t];
        char what[96];
        snprintf(what, sizeof what, "partconv %zu/%zu/%zu%s pass %d vs direct", lh, block, max_part,
                 zero_latency ? " zero-lat" : "", pass);
        th_close_f(what, y, yw, n, 2e-5);
        ssm_partconv_reset(p);
    }
    if (zero_latency)
        CHECK(ssm_partconv_process(p, x, y, block + 1) == SSM_ERR_INVALID,
              "zero-latency mode must refuse a partial block");
    ssm_partconv_destroy(p);
out:
    free(h);
    free(x);
    free(y);
    free(yw);
    free(yd);
}

int main(void)
{
    size_t q = th_quick();
    check(q ? 3000 : 20000, 64, 64, 0, q ? 6000 : 40000);   /* uniform */
    check(q ? 3000 : 20000, 64, 1024, 1, q ? 6016 : 40000); /* non-uniform, zero latency */
    check(q ? 5000 : 30000, 32, 4096, 0, q ? 8000 : 50000); /* non-uniform, latency B */
    check(100, 16, 16384, 1, 4096);                         /* filter shorter than 8B */
    return th_finish("partconv");
}
