/* Mamba-2 SSD core: golden values from tests/golden/ssd_golden.py
 * (ssd_minimal_discrete and the Mamba2.step recurrence in numpy), chunked
 * form == step on a long random input with random block boundaries, two
 * halves with the state carried == whole. */
#include <math.h>
#include <string.h>

#include "../harness.h"
#include "ssm/kernels.h"

static void golden(const char *name)
{
    char path[512];
    const char *dir = getenv("SSM_GOLDEN_DIR");
    snprintf(path, sizeof path, "%s/ssd_%s.f32", dir ? dir : "tests/golden", name);
    size_t n;
    float *g = th_read_f32(path, &n);
    CHECK(g != NULL, "read %s", path);
    if (!g)
        return;
    ssm_ssd_shape s = {(size_t)g[0], (size_t)g[1], (size_t)g[2], (size_t)g[3]};
    size_t H = s.heads, P = s.head_dim, G = s.groups, N = s.d_state, L = (size_t)g[4];
    const float *x = g + 5, *dt = x + L * H * P, *A = dt + L * H, *B = A + H, *C = B + L * G * N;
    const float *S0 = C + L * G * N, *want = S0 + H * P * N, *want_S = want + L * H * P;
    CHECK((size_t)(want_S + H * P * N - g) == n, "golden file size %zu", n);

    float *y = malloc(L * H * P * sizeof *y), *st = malloc(H * N * P * sizeof *st);
    float *stref = malloc(H * N * P * sizeof *st), *sref = malloc(H * N * P * sizeof *st);
    /* The reference state is (H, P, N); ours is (H, N, P). */
    for (size_t h = 0; h < H; h++)
        for (size_t p = 0; p < P; p++)
            for (size_t k = 0; k < N; k++) {
                stref[(h * N + k) * P + p] = S0[(h * P + p) * N + k];
                sref[(h * N + k) * P + p] = want_S[(h * P + p) * N + k];
            }
    const size_t Qs[] = {16, 13, 64};
    char what[128];
    for (size_t qi = 0; qi < 3; qi++) {
        size_t Q = Qs[qi];
        float *work = malloc(ssm_ssd_work_size(&s, Q) * sizeof *work);
        memcpy(st, stref, H * N * P * sizeof *st);
        ssm_ssd_chunked(&s, y, H * P, st, x, H * P, dt, H, A, B, C, G * N, NULL, L, Q, work);
        snprintf(what, sizeof what, "ssd chunked Q=%zu vs numpy %s", Q, name);
        th_close_f(what, y, want, L * H * P, 2e-5);
        snprintf(what, sizeof what, "ssd chunked Q=%zu final state, %s", Q, name);
        th_close_f(what, st, sref, H * N * P, 2e-5);
        free(work);
    }
    memcpy(st, stref, H * N * P * sizeof *st);
    for (size_t t = 0; t < L; t++)
        ssm_ssd_step(&s, y + t * H * P, st, x + t * H * P, dt + t * H, A, B + t * G * N,
                     C + t * G * N, NULL);
    snprintf(what, sizeof what, "ssd step vs numpy %s", name);
    th_close_f(what, y, want, L * H * P, 2e-5);
    snprintf(what, sizeof what, "ssd step final state, %s", name);
    th_close_f(what, st, sref, H * N * P, 2e-5);
    free(y), free(st), free(stref), free(sref), free(g);
}

static void golden_block(const char *name)
{
    char path[512];
    const char *dir = getenv("SSM_GOLDEN_DIR");
    snprintf(path, sizeof path, "%s/mamba2_%s.f32", dir ? dir : "tests/golden", name);
    size_t n;
    float *g = th_read_f32(path, &n);
    CHECK(g != NULL, "read %s", path);
    if (!g)
        return;
    ssm_mamba2_weights w = {0};
    w.d_model = (size_t)g[0], w.d_inner = (size_t)g[1], w.head_dim = (size_t)g[2];
    w.groups = (size_t)g[3], w.d_state = (size_t)g[4], w.d_conv = (size_t)g[5];
    size_t L = (size_t)g[6], dm = w.d_model, di = w.d_inner, H = di / w.head_dim;
    size_t cd = di + 2 * w.groups * w.d_state, np = 2 * di + 2 * w.groups * w.d_state + H;
    const float *q = g + 7;
    w.in_proj_w = q, q += np * dm;
    w.conv_w = q, q += cd * w.d_conv;
    w.conv_b = q, q += cd;
    w.dt_bias = q, q += H;
    w.A_log = q, q += H;
    w.D = q, q += H;
    w.norm_w = q, q += di;
    w.out_proj_w = q, q += dm * di;
    const float *u = q, *want = q + L * dm;
    CHECK((size_t)(want + L * dm - g) == n, "golden file size %zu", n);
    float *y = malloc(L * dm * sizeof *y);
    char what[128];
    ssm_mamba2 *m;
    m = ssm_mamba2_create(&w, 16, 64, NULL);
    CHECK(m != NULL, "create");
    if (m) {
        for (size_t t = 0; t < L; t++)
            ssm_mamba2_process(m, u + t * dm, y + t * dm, 1);
        snprintf(what, sizeof what, "mamba2 block, step, vs numpy %s", name);
        th_close_f(what, y, want, L * dm, 2e-5);
        ssm_mamba2_reset(m);
        ssm_mamba2_set_mode(m, SSM_MODE_OFFLINE);
        ssm_mamba2_process(m, u, y, L);
        snprintf(what, sizeof what, "mamba2 block, chunked SSD, vs numpy %s", name);
        th_close_f(what, y, want, L * dm, 2e-5);

        /* Long input, each random block in a random form, vs all-step. */
        size_t LL = th_scale(30000, 2000);
        th_rng r = {0x3a3b0006ULL};
        float *uu = malloc(LL * dm * sizeof *uu), *ys = malloc(LL * dm * sizeof *ys);
        float *ym = malloc(LL * dm * sizeof *ym);
        for (size_t i = 0; i < LL * dm; i++)
            uu[i] = (float)th_normal(&r);
        ssm_mamba2_reset(m);
        ssm_mamba2_set_mode(m, SSM_MODE_STREAM);
        ssm_mamba2_process(m, uu, ys, LL);
        ssm_mamba2_reset(m);
        for (size_t t = 0; t < LL;) {
            size_t k = 1 + (size_t)(th_uniform(&r) * 200.0);
            k = k > LL - t ? LL - t : k;
            ssm_mamba2_set_mode(m, th_uniform(&r) < 0.5 ? SSM_MODE_OFFLINE : SSM_MODE_STREAM);
            ssm_mamba2_process(m, uu + t * dm, ym + t * dm, k);
            t += k;
        }
        snprintf(what, sizeof what, "mamba2 block mixed forms vs step, %s, L=%zu", name, LL);
        th_close_f(what, ym, ys, LL * dm, 1e-4);
        free(uu), free(ys), free(ym);
        ssm_mamba2_destroy(m);
    }
    free(y), free(g);
}

int main(void)
{
    golden_block("g1_L50");
    golden_block("g2_L130");

    golden("g1_L64");
    golden("g1_L208");
    golden("g2_L77");

    /* Long random run: H=4 heads of P=16, G=2 groups, N=16. */
    th_rng r = {0x55d0006ULL};
    ssm_ssd_shape s = {4, 16, 2, 16};
    const size_t H = 4, P = 16, G = 2, N = 16, L = th_scale(50000, 3000), Q = 64;
    size_t w = H * P, wb = G * N;
    float *x = malloc(L * w * sizeof *x), *dt = malloc(L * H * sizeof *dt);
    float *B = malloc(L * wb * sizeof *B), *C = malloc(L * wb * sizeof *C);
    float A[4], D[4];
    for (size_t i = 0; i < L * w; i++)
        x[i] = (float)th_normal(&r);
    for (size_t i = 0; i < L * H; i++)
        dt[i] = (float)log1p(exp(th_normal(&r) - 3.0));
    for (size_t i = 0; i < L * wb; i++) {
        B[i] = (float)th_normal(&r);
        C[i] = (float)th_normal(&r);
    }
    for (size_t h = 0; h < H; h++) {
        A[h] = (float)-exp(th_uniform(&r));
        D[h] = (float)th_normal(&r);
    }
    float *ys = malloc(L * w * sizeof *ys), *yc = malloc(L * w * sizeof *yc);
    float *s1 = calloc(H * N * P, sizeof *s1), *s2 = calloc(H * N * P, sizeof *s2);
    float *work = malloc(ssm_ssd_work_size(&s, Q) * sizeof *work);
    for (size_t t = 0; t < L; t++)
        ssm_ssd_step(&s, ys + t * w, s1, x + t * w, dt + t * H, A, B + t * wb, C + t * wb, D);
    for (size_t t = 0; t < L;) {
        size_t n = 1 + (size_t)(th_uniform(&r) * 300.0);
        n = n > L - t ? L - t : n;
        ssm_ssd_chunked(&s, yc + t * w, w, s2, x + t * w, w, dt + t * H, H, A, B + t * wb,
                        C + t * wb, wb, D, n, Q, work);
        t += n;
    }
    char what[96];
    snprintf(what, sizeof what, "ssd step vs chunked, random blocks, L=%zu", L);
    th_close_f(what, yc, ys, L * w, 1e-4);
    th_close_f("ssd final state step vs chunked", s2, s1, H * N * P, 1e-4);

    /* Two halves with the state carried == whole (chunked). */
    size_t h1 = L / 2 + 5;
    memset(s2, 0, H * N * P * sizeof *s2);
    ssm_ssd_chunked(&s, yc, w, s2, x, w, dt, H, A, B, C, wb, D, h1, Q, work);
    float *saved = malloc(H * N * P * sizeof *saved);
    memcpy(saved, s2, H * N * P * sizeof *saved);
    memset(s2, 0x7f, H * N * P * sizeof *s2);
    memcpy(s2, saved, H * N * P * sizeof *s2);
    ssm_ssd_chunked(&s, yc + h1 * w, w, s2, x + h1 * w, w, dt + h1 * H, H, A, B + h1 * wb,
                    C + h1 * wb, wb, D, L - h1, Q, work);
    th_close_f("ssd two halves + carried state vs step", yc, ys, L * w, 1e-4);

    free(x), free(dt), free(B), free(C), free(ys), free(yc), free(s1), free(s2), free(work);
    free(saved);
    return th_finish("test_ssd");
}
