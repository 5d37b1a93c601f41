/* Liquid-S4 (PB and KB kernels, degree 2 and 3): both forms against a
 * direct numpy time loop of the reference's terms; step == chunked on long
 * random input with random blocks; zero in -> zero out; split == whole. */
#include "dplr_golden.h"

/* Either form of one object: the mode, then one process call. */
static void liquid_step(ssm_liquid *s, const float *in, float *out, size_t n)
{
    ssm_liquid_set_mode(s, SSM_MODE_STREAM);
    ssm_liquid_process(s, in, out, n);
}

static void liquid_chunked(ssm_liquid *s, const float *in, float *out, size_t n)
{
    ssm_liquid_set_mode(s, SSM_MODE_OFFLINE);
    ssm_liquid_process(s, in, out, n);
}

static void one(ssm_liquid_kernel kind, unsigned p, th_rng *r)
{
    const char *kn = kind == SSM_LIQUID_PB ? "pb" : "kb";
    dg_s4 g;
    char name[64], what[128];
    size_t cnt = 0, nin = 0;
    CHECK(dg_s4_load(&g, 16) == 0, "params");
    float *u = dg_read("liquid_in", &nin);
    snprintf(name, sizeof name, "liquid_%s_p%u", kn, p);
    float *want = dg_read(name, &cnt);
    CHECK(u && want && cnt == nin, "golden %s", name);
    if (!u || !want || cnt != nin) {
        free(u), free(want);
        return;
    }
    ssm_status st;
    ssm_liquid *a = ssm_liquid_create(&g.prm, kind, p, &st);
    ssm_liquid *b = ssm_liquid_create(&g.prm, kind, p, &st);
    CHECK(a && b, "create: %s", ssm_status_string(st));
    size_t T = 64;
    ssm_liquid_activate(a, 48000.0, T);
    ssm_liquid_activate(b, 48000.0, T);
    float *y = malloc(cnt * sizeof *y);
    liquid_step(a, u, y, cnt);
    snprintf(what, sizeof what, "Liquid %s p=%u step vs numpy loop", kn, p);
    th_close_f(what, y, want, cnt, 1e-5);
    liquid_chunked(b, u, y, cnt);
    snprintf(what, sizeof what, "Liquid %s p=%u chunked vs numpy loop", kn, p);
    th_close_f(what, y, want, cnt, 1e-5);

    size_t len = th_scale(1 << 18, 1 << 12);
    float *x = malloc(len * sizeof *x), *ya = malloc(len * sizeof *ya);
    float *yb = malloc(len * sizeof *yb);
    for (size_t i = 0; i < len; i++)
        x[i] = (float)(0.5 * th_normal(r));
    ssm_liquid_reset(a), ssm_liquid_reset(b);
    liquid_step(a, x, ya, len);
    for (size_t pos = 0; pos < len;) {
        size_t blk = 1 + (size_t)(th_uniform(r) * 3.0 * (double)T);
        blk = blk > len - pos ? len - pos : blk;
        liquid_chunked(b, x + pos, yb + pos, blk);
        pos += blk;
    }
    snprintf(what, sizeof what, "Liquid %s p=%u step vs chunked (random blocks)", kn, p);
    th_close_f(what, yb, ya, len, 1e-4);

    /* split: carry the S4 state and the correlation chain into a fresh one */
    ssm_liquid *c = ssm_liquid_create(&g.prm, kind, p, &st);
    ssm_liquid_activate(c, 48000.0, T);
    size_t half = len / 3;
    ssm_liquid_reset(b);
    liquid_chunked(b, x, yb, half);
    memcpy(ssm_s4_state(ssm_liquid_s4(c)), ssm_s4_state(ssm_liquid_s4(b)), 16 * sizeof(float));
    memcpy(ssm_liquid_corr_state(c), ssm_liquid_corr_state(b), (p - 1) * sizeof(float));
    liquid_chunked(c, x + half, yb + half, len - half);
    ssm_liquid_reset(b);
    liquid_chunked(b, x, ya, len);
    snprintf(what, sizeof what, "Liquid %s p=%u split + carried state vs whole", kn, p);
    th_close_f(what, yb, ya, len, 1e-6);

    ssm_liquid_reset(a);
    memset(x, 0, T * sizeof *x);
    liquid_step(a, x, ya, T);
    double mx = 0.0;
    for (size_t i = 0; i < T; i++)
        mx = fmax(mx, fabs(ya[i]));
    CHECK(mx == 0.0, "zero in gave %g", mx);
    printf("Liquid %s p=%u coefficients:", kn, p);
    for (unsigned k = 0; k + 1 < p; k++)
        printf(" %.6g", ssm_liquid_coefficients(a)[k]);
    printf("; zero in -> max |y| %g\n", mx);
    ssm_liquid_destroy(a), ssm_liquid_destroy(b), ssm_liquid_destroy(c);
    free(u), free(want), free(y), free(x), free(ya), free(yb);
}

int main(void)
{
    th_rng r = {0x11d5ULL};
    one(SSM_LIQUID_PB, 2, &r);
    one(SSM_LIQUID_PB, 3, &r);
    one(SSM_LIQUID_KB, 2, &r);
    one(SSM_LIQUID_KB, 3, &r);
    dg_s4 g;
    dg_s4_load(&g, 16);
    ssm_status st;
    CHECK(!ssm_liquid_create(&g.prm, SSM_LIQUID_PB, 1, &st) && st == SSM_ERR_INVALID, "p=1");
    CHECK(!ssm_liquid_create(&g.prm, SSM_LIQUID_PB, SSM_LIQUID_MAX_DEGREE + 1, &st), "p too big");
    return th_finish("test_liquid");
}
