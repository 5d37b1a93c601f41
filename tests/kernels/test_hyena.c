/* Hyena operator: implicit filters and the whole-sequence FFT forward
 * against tests/golden/hyena_golden.py (numpy, float64, written from
 * safari's hyena.py); the streaming block form (direct head + partitioned
 * tail) against the FFT forward on a long input, per sample and in random
 * blocks; the sample-rate rule on the filters. */
#include <math.h>
#include <string.h>

#include "../harness.h"
#include "ssm/kernels.h"

typedef struct {
    float *data;
    ssm_hyena_weights w;
    const float *k, *u, *y;
    size_t L;
} golden_case;

static int load(golden_case *g, const char *name)
{
    char path[512];
    const char *dir = getenv("SSM_GOLDEN_DIR");
    snprintf(path, sizeof path, "%s/hyena_%s.f32", dir ? dir : "tests/golden", name);
    size_t n;
    float *p = th_read_f32(path, &n);
    CHECK(p != NULL, "read %s", path);
    if (!p)
        return 0;
    g->data = p;
    ssm_hyena_weights *w = &g->w;
    memset(w, 0, sizeof *w);
    w->d_model = (size_t)p[0], w->order = (size_t)p[1], w->emb_dim = (size_t)p[2];
    w->filter_order = (size_t)p[3], w->n_inner = (size_t)p[4], w->l_max = (size_t)p[5];
    g->L = (size_t)p[6];
    size_t d = w->d_model, C = (w->order + 1) * d, fo = w->filter_order, D = d * (w->order - 1);
    const float *q = p + 7;
    w->in_proj_w = q, q += C * d;
    w->in_proj_b = q, q += C;
    w->short_w = q, q += C * 3;
    w->short_b = q, q += C;
    w->out_proj_w = q, q += d * d;
    w->out_proj_b = q, q += d;
    w->pos_z = q, q += w->l_max * w->emb_dim;
    w->mlp_w[0] = q, q += fo * w->emb_dim;
    w->mlp_b[0] = q, q += fo;
    for (size_t i = 1; i <= w->n_inner; i++) {
        w->mlp_w[i] = q, q += fo * fo;
        w->mlp_b[i] = q, q += fo;
    }
    w->mlp_out_w = q, q += D * fo;
    w->sin_freq = q, q += fo;
    w->filter_bias = q, q += D;
    w->deltas = q, q += D;
    w->shift = *q++;
    g->k = q, q += D * g->L;
    g->u = q, q += g->L * d;
    g->y = q, q += g->L * d;
    CHECK((size_t)(q - p) == n, "golden file %s size %zu, parsed %zu", name, n, (size_t)(q - p));
    return 1;
}

static void golden(const char *name)
{
    golden_case g;
    if (!load(&g, name))
        return;
    size_t d = g.w.d_model, D = d * (g.w.order - 1), L = g.L;
    float *k = malloc(D * L * sizeof *k), *y = malloc(L * d * sizeof *y);
    char what[128];
    CHECK(ssm_hyena_filter(&g.w, L, 1.0, k) == SSM_OK, "filter");
    snprintf(what, sizeof what, "hyena implicit filter vs numpy %s", name);
    th_close_f(what, k, g.k, D * L, 1e-5);
    /* The analytic positional encoding is the reference's init of pos_z. */
    ssm_hyena_weights w2 = g.w;
    w2.pos_z = NULL;
    CHECK(ssm_hyena_filter(&w2, L, 1.0, k) == SSM_OK, "filter");
    snprintf(what, sizeof what, "hyena filter, analytic pos. encoding, %s", name);
    th_close_f(what, k, g.k, D * L, 1e-5);

    CHECK(ssm_hyena_render(&g.w, 1.0, g.u, y, L) == SSM_OK, "render");
    snprintf(what, sizeof what, "hyena FFT forward vs numpy %s", name);
    th_close_f(what, y, g.y, L * d, 2e-5);

    ssm_hyena *m;
    m = ssm_hyena_create(&g.w, 1.0, 16, 37, NULL);
    CHECK(m != NULL, "create");
    if (m) {
        ssm_hyena_process(m, g.u, y, L);
        snprintf(what, sizeof what, "hyena block form (B=16) vs numpy %s", name);
        th_close_f(what, y, g.y, L * d, 2e-5);
        ssm_hyena_destroy(m);
    }
    free(k), free(y), free(g.data);
}

int main(void)
{
    golden("o2_L64");
    golden("o3_L100");
    golden("o2_L300");

    /* Long input: the o3 weights with a longer filter (l_max 1500 taps,
     * positional table analytic), so the partitioned tail carries most of
     * the response. */
    golden_case g;
    if (load(&g, "o3_L100")) {
        ssm_hyena_weights w = g.w;
        w.pos_z = NULL;
        w.l_max = 1500;
        size_t d = w.d_model, L = th_scale(20000, 2500);
        th_rng r = {0x4e7a0006ULL};
        float *u = malloc(L * d * sizeof *u), *yr = malloc(L * d * sizeof *yr);
        float *ys = malloc(L * d * sizeof *ys), *yb = malloc(L * d * sizeof *yb);
        for (size_t i = 0; i < L * d; i++)
            u[i] = (float)th_normal(&r);
        CHECK(ssm_hyena_render(&w, 1.0, u, yr, L) == SSM_OK, "render long");
        ssm_hyena *m;
        m = ssm_hyena_create(&w, 1.0, 64, 256, NULL);
        CHECK(m != NULL, "create long");
        if (m) {
            size_t ns = th_scale(6000, 1500);
            for (size_t t = 0; t < ns; t++)
                ssm_hyena_process(m, u + t * d, ys + t * d, 1);
            th_close_f("hyena per-sample stream vs FFT forward", ys, yr, ns * d, 1e-4);
            ssm_hyena_reset(m);
            for (size_t t = 0; t < L;) {
                size_t n = 1 + (size_t)(th_uniform(&r) * 700.0);
                n = n > L - t ? L - t : n;
                ssm_hyena_process(m, u + t * d, yb + t * d, n);
                t += n;
            }
            char what[96];
            snprintf(what, sizeof what, "hyena random blocks vs FFT forward, L=%zu", L);
            th_close_f(what, yb, yr, L * d, 1e-4);
            ssm_hyena_destroy(m);
        }
        free(u), free(yr), free(ys), free(yb);

        /* Sample-rate rule: at twice the rate (dt_scale 1/2) the filter has
         * twice the taps, and its even taps are the original ones halved
         * (positions 2l * 1/2 = l exactly, gain scaled by 1/2). */
        w = g.w;
        size_t D = d * (w.order - 1), L1 = w.l_max, L2 = 2 * w.l_max;
        float *k1 = malloc(D * L1 * sizeof *k1), *k2 = malloc(D * L2 * sizeof *k2);
        float *k2e = malloc(D * L1 * sizeof *k2e);
        ssm_hyena_filter(&w, L1, 1.0, k1);
        ssm_hyena_filter(&w, L2, 0.5, k2);
        for (size_t c = 0; c < D; c++)
            for (size_t l = 0; l < L1; l++)
                k2e[c * L1 + l] = 2.0f * k2[c * L2 + 2 * l];
        th_close_f("hyena filter at 2x rate: 2*k2[2l] vs k1[l]", k2e, k1, D * L1, 1e-6);
        free(k1), free(k2), free(k2e), free(g.data);
    }
    return th_finish("test_hyena");
}
