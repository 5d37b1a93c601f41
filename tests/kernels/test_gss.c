/* GSS: golden values from tests/golden/gss_golden.py (numpy, DSS-exp and
 * DSS-softmax kernels of Gupta et al. by FFT, the GSS gating of Mehta et
 * al.); recurrent and chunked-FFT forms against them and against each other
 * on a long input, switching form at random block boundaries. */
#include <math.h>
#include <string.h>

#include "../harness.h"
#include "ssm/kernels.h"

typedef struct {
    float *data;
    ssm_dss_params p;
    ssm_gss_weights w;
    const float *u, *y;
    size_t L;
} gss_case;

static int load(gss_case *c, const char *name)
{
    char path[512];
    const char *dir = getenv("SSM_GOLDEN_DIR");
    snprintf(path, sizeof path, "%s/gss_%s.f32", dir ? dir : "tests/golden", name);
    size_t n;
    float *g = th_read_f32(path, &n);
    CHECK(g != NULL, "read %s", path);
    if (!g)
        return 0;
    size_t E = (size_t)g[0], F = (size_t)g[1], H = (size_t)g[2], M = (size_t)g[3];
    size_t L = (size_t)g[4];
    c->data = g, c->L = L;
    ssm_gss_weights *w = &c->w;
    memset(w, 0, sizeof *w);
    w->d_model = E, w->d_ff = F, w->d_ssm = H;
    w->variant = g[5] > 0.5f ? SSM_DSS_SOFTMAX : SSM_DSS_EXP;
    w->l_max = (size_t)g[6];
    const float *q = g + 7;
    w->v_w = q, q += F * E;
    w->v_b = q, q += F;
    w->u_w = q, q += H * E;
    w->u_b = q, q += H;
    CHECK(ssm_dss_params_init(&c->p, H, M) == SSM_OK, "dss alloc");
    memcpy(c->p.log_dt, q, H * sizeof *q), q += H;
    memcpy(c->p.lam_re, q, H * M * sizeof *q), q += H * M;
    memcpy(c->p.lam_im, q, H * M * sizeof *q), q += H * M;
    memcpy(c->p.w_re, q, H * M * sizeof *q), q += H * M;
    memcpy(c->p.w_im, q, H * M * sizeof *q), q += H * M;
    memcpy(c->p.d, q, H * sizeof *q), q += H;
    w->dss = &c->p;
    w->c_w = q, q += F * H;
    w->c_b = q, q += F;
    w->o_w = q, q += E * F;
    w->o_b = q, q += E;
    c->u = q, q += L * E;
    c->y = q, q += L * E;
    CHECK((size_t)(q - g) == n, "golden file %s size %zu, parsed %zu", name, n, (size_t)(q - g));
    return 1;
}

int main(void)
{
    const char *names[] = {"exp_L80", "softmax_L128"};
    for (size_t i = 0; i < 2; i++) {
        gss_case c;
        if (!load(&c, names[i]))
            continue;
        size_t E = c.w.d_model, L = c.L;
        float *y = malloc(L * E * sizeof *y);
        char what[128];
        ssm_gss *m;
        m = ssm_gss_create(&c.w, 1.0, 32, 40, NULL);
        CHECK(m != NULL, "create");
        if (m) {
            for (size_t t = 0; t < L; t++)
                ssm_gss_process(m, c.u + t * E, y + t * E, 1);
            snprintf(what, sizeof what, "gss recurrent (per sample) vs numpy %s", names[i]);
            th_close_f(what, y, c.y, L * E, 2e-5);
            ssm_gss_reset(m);
            ssm_gss_set_mode(m, SSM_MODE_OFFLINE);
            ssm_gss_process(m, c.u, y, L);
            snprintf(what, sizeof what, "gss chunked FFT (chunk 32) vs numpy %s", names[i]);
            th_close_f(what, y, c.y, L * E, 2e-5);

            size_t LL = th_scale(40000, 3000);
            th_rng r = {0x6550006ULL + i};
            float *u = malloc(LL * E * sizeof *u), *ys = malloc(LL * E * sizeof *ys);
            float *ym = malloc(LL * E * sizeof *ym);
            for (size_t k = 0; k < LL * E; k++)
                u[k] = (float)th_normal(&r);
            ssm_gss_reset(m);
            ssm_gss_set_mode(m, SSM_MODE_STREAM);
            ssm_gss_process(m, u, ys, LL);
            ssm_gss_reset(m);
            for (size_t t = 0; t < LL;) {
                size_t k = 1 + (size_t)(th_uniform(&r) * 300.0);
                k = k > LL - t ? LL - t : k;
                ssm_gss_set_mode(m, th_uniform(&r) < 0.5 ? SSM_MODE_OFFLINE : SSM_MODE_STREAM);
                ssm_gss_process(m, u + t * E, ym + t * E, k);
                t += k;
            }
            snprintf(what, sizeof what, "gss mixed forms vs recurrent, %s, L=%zu", names[i], LL);
            th_close_f(what, ym, ys, LL * E, 1e-4);
            free(u), free(ys), free(ym);
            ssm_gss_destroy(m);
        }
        free(y), free(c.data);
        ssm_dss_params_free(&c.p);
    }
    return th_finish("test_gss");
}
