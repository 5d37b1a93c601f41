/* Mamba block: golden values from tests/golden/mamba_golden.py (numpy,
 * float64, the reference formulas), streaming step == chunked offline
 * schedule over a long input with random block boundaries, state carried
 * across two halves == whole, zero in -> zero out. */
#include <math.h>
#include <string.h>

#include "../harness.h"
#include "ssm/kernels.h"

static int golden(size_t L)
{
    char path[512];
    const char *dir = getenv("SSM_GOLDEN_DIR");
    snprintf(path, sizeof path, "%s/mamba_L%zu.f32", dir ? dir : "tests/golden", L);
    size_t n;
    float *g = th_read_f32(path, &n);
    CHECK(g != NULL, "read %s", path);
    if (!g)
        return 1;
    ssm_mamba_weights w = {.d_model = (size_t)g[0],
                           .d_inner = (size_t)g[1],
                           .d_state = (size_t)g[2],
                           .d_conv = (size_t)g[3],
                           .dt_rank = (size_t)g[4]};
    CHECK((size_t)g[5] == L, "file length field %g", g[5]);
    size_t dm = w.d_model, di = w.d_inner, N = w.d_state, dc = w.d_conv, R = w.dt_rank;
    const float *p = g + 6;
    w.in_proj_w = p, p += 2 * di * dm;
    w.conv_w = p, p += di * dc;
    w.conv_b = p, p += di;
    w.x_proj_w = p, p += (R + 2 * N) * di;
    w.dt_proj_w = p, p += di * R;
    w.dt_proj_b = p, p += di;
    w.A_log = p, p += di * N;
    w.D = p, p += di;
    w.out_proj_w = p, p += dm * di;
    const float *u = p, *want = p + L * dm, *want_h = p + 2 * L * dm;
    CHECK((size_t)(want_h + di * N - g) == n, "golden file size %zu", n);

    ssm_mamba *m;
    m = ssm_mamba_create(&w, 16, NULL);
    CHECK(m != NULL, "create");
    float *y = malloc(L * dm * sizeof *y), *st = malloc(ssm_mamba_state_size(m) * sizeof *st);
    char what[96];
    ssm_mamba_set_mode(m, SSM_MODE_OFFLINE);
    ssm_mamba_process(m, u, y, L);
    snprintf(what, sizeof what, "mamba offline (chunk 16) vs numpy, L=%zu", L);
    th_close_f(what, y, want, L * dm, 2e-5);
    ssm_mamba_get_state(m, st);
    /* Ours is d_state x d_inner, the reference's d_inner x d_state. */
    float *ht = malloc(di * N * sizeof *ht);
    for (size_t d = 0; d < di; d++)
        for (size_t k = 0; k < N; k++)
            ht[d * N + k] = st[(dc - 1) * di + k * di + d];
    snprintf(what, sizeof what, "mamba final ssm state vs numpy, L=%zu", L);
    th_close_f(what, ht, want_h, di * N, 2e-5);
    free(ht);

    ssm_mamba_reset(m);
    ssm_mamba_set_mode(m, SSM_MODE_STREAM);
    ssm_mamba_process(m, u, y, L);
    snprintf(what, sizeof what, "mamba step vs numpy, L=%zu", L);
    th_close_f(what, y, want, L * dm, 2e-5);
    ssm_mamba_destroy(m);
    free(y), free(st), free(g);
    return 0;
}

/* Random weights drawn as Mamba.__init__ draws them. */
typedef struct {
    float *in_w, *conv_w, *conv_b, *x_w, *dt_w, *dt_b, *A_log, *D, *out_w;
    ssm_mamba_weights w;
} rand_mamba;

static float *uni(th_rng *r, size_t n, double b)
{
    float *p = malloc(n * sizeof *p);
    for (size_t i = 0; i < n; i++)
        p[i] = (float)((2.0 * th_uniform(r) - 1.0) * b);
    return p;
}

static void rand_mamba_init(rand_mamba *rm, th_rng *r, size_t dm, size_t N)
{
    size_t di = 2 * dm, dc = 4, R = (dm + 15) / 16;
    rm->in_w = uni(r, 2 * di * dm, 1.0 / sqrt((double)dm));
    rm->conv_w = uni(r, di * dc, 0.5);
    rm->conv_b = uni(r, di, 0.5);
    rm->x_w = uni(r, (R + 2 * N) * di, 1.0 / sqrt((double)di));
    rm->dt_w = uni(r, di * R, 1.0 / sqrt((double)R));
    rm->dt_b = malloc(di * sizeof *rm->dt_b);
    rm->A_log = malloc(di * N * sizeof *rm->A_log);
    rm->D = malloc(di * sizeof *rm->D);
    for (size_t d = 0; d < di; d++) {
        double dt = exp(log(1e-3) + th_uniform(r) * (log(0.1) - log(1e-3)));
        rm->dt_b[d] = (float)(dt + log(-expm1(-dt)));
        rm->D[d] = 1.0f;
        for (size_t k = 0; k < N; k++)
            rm->A_log[d * N + k] = logf((float)(k + 1));
    }
    rm->out_w = uni(r, dm * di, 1.0 / sqrt((double)di));
    rm->w = (ssm_mamba_weights){.d_model = dm,
                                .d_inner = di,
                                .d_state = N,
                                .d_conv = dc,
                                .dt_rank = R,
                                .in_proj_w = rm->in_w,
                                .conv_w = rm->conv_w,
                                .conv_b = rm->conv_b,
                                .x_proj_w = rm->x_w,
                                .dt_proj_w = rm->dt_w,
                                .dt_proj_b = rm->dt_b,
                                .A_log = rm->A_log,
                                .D = rm->D,
                                .out_proj_w = rm->out_w};
}

static void rand_mamba_free(rand_mamba *rm)
{
    free(rm->in_w), free(rm->conv_w), free(rm->conv_b), free(rm->x_w), free(rm->dt_w);
    free(rm->dt_b), free(rm->A_log), free(rm->D), free(rm->out_w);
}

int main(void)
{
    golden(1);
    golden(5);
    golden(64);
    golden(257);

    th_rng r = {0x5eed0006ULL};
    const size_t dm = 16, N = 16, L = th_scale(100000, 4000);
    rand_mamba rm;
    rand_mamba_init(&rm, &r, dm, N);
    float *u = malloc(L * dm * sizeof *u), *ys = malloc(L * dm * sizeof *ys);
    float *yo = malloc(L * dm * sizeof *yo);
    for (size_t i = 0; i < L * dm; i++)
        u[i] = (float)th_normal(&r);

    ssm_mamba *a, *b;
    a = ssm_mamba_create(&rm.w, 128, NULL);
    CHECK(a != NULL, "create a");
    b = ssm_mamba_create(&rm.w, 128, NULL);
    CHECK(b != NULL, "create b");
    ssm_mamba_process(a, u, ys, L); /* the recurrent form, one step at a time */
    /* Offline with random block lengths 1..700 (beyond and below the chunk). */
    ssm_mamba_set_mode(b, SSM_MODE_OFFLINE);
    for (size_t t = 0; t < L;) {
        size_t n = 1 + (size_t)(th_uniform(&r) * 700.0);
        if (n > L - t)
            n = L - t;
        ssm_mamba_process(b, u + t * dm, yo + t * dm, n);
        t += n;
    }
    char what[96];
    snprintf(what, sizeof what, "mamba step vs offline, random blocks, L=%zu", L);
    th_close_f(what, yo, ys, L * dm, 1e-4);

    /* Two halves, state moved into a fresh instance, == whole. */
    size_t h = L / 2 + 3, ssz = ssm_mamba_state_size(a);
    float *st = malloc(ssz * sizeof *st), *y2 = malloc(L * dm * sizeof *y2);
    ssm_mamba_reset(a);
    ssm_mamba_set_mode(a, SSM_MODE_OFFLINE);
    ssm_mamba_process(a, u, y2, h);
    ssm_mamba_get_state(a, st);
    ssm_mamba_destroy(a);
    a = ssm_mamba_create(&rm.w, 64, NULL);
    CHECK(a != NULL, "create a again");
    ssm_mamba_set_state(a, st);
    ssm_mamba_set_mode(a, SSM_MODE_OFFLINE);
    ssm_mamba_process(a, u + h * dm, y2 + h * dm, L - h);
    snprintf(what, sizeof what, "mamba two halves + carried state vs whole");
    th_close_f(what, y2, ys, L * dm, 1e-4);

    /* In-place processing (u == y) is documented as allowed. */
    memcpy(y2, u, 1000 * dm * sizeof *y2);
    ssm_mamba_reset(a);
    ssm_mamba_process(a, y2, y2, 1000);
    th_close_f("mamba in-place process vs out-of-place", y2, ys, 1000 * dm, 1e-4);

    /* Zero in -> zero out (no in_proj bias, so z = 0 and SiLU(z) = 0). */
    memset(u, 0, 256 * dm * sizeof *u);
    ssm_mamba_reset(a);
    ssm_mamba_process(a, u, y2, 256);
    double mx = 0.0;
    for (size_t i = 0; i < 256 * dm; i++)
        mx = fmax(mx, fabs(y2[i]));
    printf("mamba zero input: max |y| = %g\n", mx);
    CHECK(mx == 0.0, "zero in gave max |y| %g", mx);

    ssm_mamba_destroy(a), ssm_mamba_destroy(b);
    rand_mamba_free(&rm);
    free(u), free(ys), free(yo), free(st), free(y2);
    return th_finish("test_mamba");
}
