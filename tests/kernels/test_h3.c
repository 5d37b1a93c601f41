/* H3: golden values from tests/golden/h3_golden.py (numpy, the reference's
 * FFT path); recurrent and chunked-FFT forms against them and against each
 * other on a long input, switching form at random block boundaries. */
#include <math.h>
#include <string.h>

#include "../harness.h"
#include "ssm/kernels.h"

typedef struct {
    float *data;
    ssm_s4d_params p;
    ssm_h3_weights w;
    const float *u, *y;
    size_t L;
} h3_case;

static int load(h3_case *c, const char *name)
{
    char path[512];
    const char *dir = getenv("SSM_GOLDEN_DIR");
    snprintf(path, sizeof path, "%s/h3_%s.f32", dir ? dir : "tests/golden", name);
    size_t n;
    float *g = th_read_f32(path, &n);
    CHECK(g != NULL, "read %s", path);
    if (!g)
        return 0;
    size_t H = (size_t)g[0], Ns = (size_t)g[1], M = (size_t)g[2], L = (size_t)g[3];
    c->data = g, c->L = L;
    const float *q = g + 4;
    ssm_h3_weights *w = &c->w;
    w->d_model = H, w->shift_n = Ns;
    w->q_w = q, q += H * H;
    w->q_b = q, q += H;
    w->k_w = q, q += H * H;
    w->k_b = q, q += H;
    w->v_w = q, q += H * H;
    w->v_b = q, q += H;
    w->shift_B = q, q += H * Ns;
    w->shift_C = q, q += H * Ns;
    w->shift_D = q, q += H;
    CHECK(ssm_s4d_params_init(&c->p, H, M) == SSM_OK, "s4d alloc");
    memcpy(c->p.log_dt, q, H * sizeof *q), q += H;
    memcpy(c->p.log_a_real, q, H * M * sizeof *q), q += H * M;
    memcpy(c->p.a_imag, q, H * M * sizeof *q), q += H * M;
    memcpy(c->p.c_re, q, H * M * sizeof *q), q += H * M;
    memcpy(c->p.c_im, q, H * M * sizeof *q), q += H * M;
    memcpy(c->p.d, q, H * sizeof *q), q += H;
    w->ssm = &c->p;
    w->out_w = q, q += H * H;
    w->out_b = q, q += H;
    c->u = q, q += L * H;
    c->y = q, q += L * H;
    CHECK((size_t)(q - g) == n, "golden file %s size %zu, parsed %zu", name, n, (size_t)(q - g));
    return 1;
}

static void golden(const char *name)
{
    h3_case c;
    if (!load(&c, name))
        return;
    size_t H = c.w.d_model, L = c.L;
    float *y = malloc(L * H * sizeof *y);
    char what[128];
    ssm_h3 *m;
    m = ssm_h3_create(&c.w, SSM_ZOH, 1.0, 32, 50, NULL);
    CHECK(m != NULL, "create");
    if (m) {
        for (size_t t = 0; t < L; t++)
            ssm_h3_process(m, c.u + t * H, y + t * H, 1);
        snprintf(what, sizeof what, "h3 recurrent (per sample) vs numpy %s", name);
        th_close_f(what, y, c.y, L * H, 2e-5);
        ssm_h3_reset(m);
        ssm_h3_set_mode(m, SSM_MODE_OFFLINE);
        ssm_h3_process(m, c.u, y, L);
        snprintf(what, sizeof what, "h3 chunked FFT (chunk 32) vs numpy %s", name);
        th_close_f(what, y, c.y, L * H, 2e-5);
        ssm_h3_destroy(m);
    }
    free(y), free(c.data);
    ssm_s4d_params_free(&c.p);
}

int main(void)
{
    golden("L64");
    golden("L333");

    h3_case c;
    if (load(&c, "L333")) {
        size_t H = c.w.d_model, L = th_scale(60000, 4000);
        th_rng r = {0x4830006ULL};
        float *u = malloc(L * H * sizeof *u), *ys = malloc(L * H * sizeof *ys);
        float *ym = malloc(L * H * sizeof *ym);
        for (size_t i = 0; i < L * H; i++)
            u[i] = (float)th_normal(&r);
        ssm_h3 *a, *b;
        a = ssm_h3_create(&c.w, SSM_ZOH, 1.0, 256, 512, NULL);
        CHECK(a != NULL, "create a");
        b = ssm_h3_create(&c.w, SSM_ZOH, 1.0, 256, 512, NULL);
        CHECK(b != NULL, "create b");
        if (a && b) {
            ssm_h3_process(a, u, ys, L);
            /* Random blocks, each in a randomly chosen form. */
            for (size_t t = 0; t < L;) {
                size_t n = 1 + (size_t)(th_uniform(&r) * 900.0);
                n = n > L - t ? L - t : n;
                ssm_h3_set_mode(b, th_uniform(&r) < 0.5 ? SSM_MODE_OFFLINE : SSM_MODE_STREAM);
                ssm_h3_process(b, u + t * H, ym + t * H, n);
                t += n;
            }
            char what[96];
            snprintf(what, sizeof what, "h3 mixed forms, random blocks vs recurrent, L=%zu", L);
            th_close_f(what, ym, ys, L * H, 1e-4);
        }
        ssm_h3_destroy(a), ssm_h3_destroy(b);
        free(u), free(ys), free(ym), free(c.data);
        ssm_s4d_params_free(&c.p);
    }
    return th_finish("test_h3");
}
