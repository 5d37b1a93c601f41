/* Reading the structured-SSM golden files (tests/golden/dplr_golden.py). */
#ifndef SSM_TEST_DPLR_GOLDEN_H
#define SSM_TEST_DPLR_GOLDEN_H

#include <complex.h>
#include <string.h>

#include "../harness.h"
#include "ssm/kernels.h"

static inline float *dg_read(const char *name, size_t *n)
{
    const char *dir = getenv("SSM_GOLDEN_DIR");
    char path[1024];
    snprintf(path, sizeof path, "%s/dplr/%s.f32", dir ? dir : "tests/golden", name);
    return th_read_f32(path, n);
}

/* S4 parameters written by the golden script: lambda, p, b, c (n/2 complex
 * each, re/im interleaved), log_dt, d. Rank 1, q = p, reference rate 48k. */
typedef struct {
    double complex lambda[256], p[256], b[256], c[256];
    ssm_s4_params prm;
} dg_s4;

static inline int dg_s4_load(dg_s4 *g, size_t n)
{
    char name[64];
    size_t cnt = 0, h = n / 2;
    snprintf(name, sizeof name, "s4_params_%zu", n);
    float *v = dg_read(name, &cnt);
    if (!v || cnt != 8 * h + 2) {
        free(v);
        return -1;
    }
    double complex *dst[4] = {g->lambda, g->p, g->b, g->c};
    for (size_t a = 0; a < 4; a++)
        for (size_t i = 0; i < h; i++)
            dst[a][i] = (double)v[a * 2 * h + 2 * i] + I * (double)v[a * 2 * h + 2 * i + 1];
    memset(&g->prm, 0, sizeof g->prm);
    g->prm.n = n, g->prm.rank = 1, g->prm.ref_rate = 48000.0;
    g->prm.log_dt = v[8 * h], g->prm.d = v[8 * h + 1];
    g->prm.lambda = g->lambda, g->prm.p = g->p, g->prm.b = g->b, g->prm.c = g->c;
    free(v);
    return 0;
}

#endif
