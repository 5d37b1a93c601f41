/* Kernels of S4D, DSS, S5 and LRU against golden values from the
 * independent numpy script tests/golden/lti_diag.py (reference formulas,
 * float64): the C kernel generators and the impulse responses of the
 * recurrent (and scan) forms, for two state sizes, both discretisations,
 * DSS-exp/softmax and LRU at its own rate and resampled. */
#include "../harness.h"
#include "ssm/kernels.h"

#include <string.h>

static const char *golden_dir(void)
{
    const char *d = getenv("SSM_GOLDEN_DIR");
    return d ? d : "tests/golden";
}

static float *load(const char *name, size_t *n)
{
    char path[1024];
    snprintf(path, sizeof path, "%s/lti_diag/%s.f32", golden_dir(), name);
    float *v = th_read_f32(path, n);
    CHECK(v != NULL, "golden file %s", path);
    return v;
}

/* Copy k floats from the cursor. */
static const float *take(const float *cur, float *dst, size_t k)
{
    memcpy(dst, cur, k * sizeof(float));
    return cur + k;
}

static void s4d_case(const char *name)
{
    size_t n;
    float *g = load(name, &n);
    if (!g)
        return;
    size_t H = (size_t)g[0], M = (size_t)g[1], L = (size_t)g[2];
    ssm_discretization disc = g[3] > 0.5f ? SSM_BILINEAR : SSM_ZOH;
    ssm_s4d_params p;
    ssm_s4d_params_init(&p, H, M);
    const float *c = g + 4;
    c = take(c, p.log_dt, H);
    c = take(c, p.log_a_real, H * M);
    c = take(c, p.a_imag, H * M);
    c = take(c, p.b_re, H * M);
    c = take(c, p.b_im, H * M);
    c = take(c, p.c_re, H * M);
    c = take(c, p.c_im, H * M);
    c = take(c, p.d, H);
    const float *Kg = c;
    CHECK((size_t)(Kg + H * L - g) == n, "%s: size %zu", name, n);
    float *K = malloc(H * L * sizeof(float)), *y = malloc(H * L * sizeof(float));
    float *imp = calloc(H * L, sizeof(float));
    char what[96];
    ssm_s4d_kernel(&p, disc, 1.0, K, L, L);
    snprintf(what, sizeof what, "%s Vandermonde kernel", name);
    th_close_f(what, K, Kg, H * L, 1e-5);
    /* Impulse response of the recurrent form (float bank), minus D. */
    ssm_diag_bank b;
    ssm_diag_bank_init(&b, H, M);
    ssm_s4d_discretize(&p, disc, 1.0, &b);
    ssm_diag *d = ssm_diag_create(&b, NULL, NULL);
    CHECK(d != NULL, "%s: create", name);
    for (size_t h = 0; h < H; h++)
        imp[h * L] = 1.0f;
    if (d)
        ssm_diag_process(d, imp, L, y, L, L);
    for (size_t h = 0; h < H; h++)
        y[h * L] -= p.d[h];
    snprintf(what, sizeof what, "%s step impulse response", name);
    th_close_f(what, y, Kg, H * L, 2e-5);
    ssm_diag_destroy(d);
    ssm_diag_bank_free(&b);
    ssm_s4d_params_free(&p);
    free(K);
    free(y);
    free(imp);
    free(g);
}

static void s4d_init_case(const char *name)
{
    size_t n;
    float *g = load(name, &n);
    if (!g)
        return;
    size_t M = (size_t)g[0];
    ssm_s4d_params p;
    ssm_s4d_params_init(&p, 1, M);
    ssm_s4d_params_draw(&p, g[1] > 0.5f ? SSM_S4D_INV : SSM_S4D_LIN, 1e-3, 1e-1, 7);
    char what[96];
    snprintf(what, sizeof what, "%s A imaginary parts", name);
    th_close_f(what, p.a_imag, g + 2, M, 1e-6);
    float re = -expf(p.log_a_real[0]);
    CHECK(fabsf(re + 0.5f) < 1e-6f, "Re(A) = %g, want -0.5", (double)re);
    double ldt = p.log_dt[0];
    CHECK(ldt >= log(1e-3) - 1e-6 && ldt <= log(1e-1) + 1e-6, "log_dt %g outside init range", ldt);
    ssm_s4d_params_free(&p);
    free(g);
}

static void dss_case(const char *name)
{
    size_t n;
    float *g = load(name, &n);
    if (!g)
        return;
    size_t H = (size_t)g[0], M = (size_t)g[1], L = (size_t)g[2], lmax = (size_t)g[4];
    ssm_dss_variant v = g[3] > 0.5f ? SSM_DSS_SOFTMAX : SSM_DSS_EXP;
    ssm_dss_params p;
    ssm_dss_params_init(&p, H, M);
    const float *c = g + 5;
    c = take(c, p.log_dt, H);
    c = take(c, p.lam_re, H * M);
    c = take(c, p.lam_im, H * M);
    c = take(c, p.w_re, H * M);
    c = take(c, p.w_im, H * M);
    c = take(c, p.d, H);
    const float *Kg = c;
    CHECK((size_t)(Kg + H * L - g) == n, "%s: size %zu", name, n);
    float *K = malloc(H * L * sizeof(float)), *y = malloc(H * L * sizeof(float));
    float *imp = calloc(H * L, sizeof(float));
    char what[96];
    CHECK(ssm_dss_kernel(&p, v, lmax, 1.0, K, L, L) == SSM_OK, "dss kernel");
    snprintf(what, sizeof what, "%s kernel", name);
    th_close_f(what, K, Kg, H * L, 1e-5);
    ssm_diag_bank b;
    ssm_diag_bank_init(&b, H, M);
    CHECK(ssm_dss_discretize(&p, v, lmax, 1.0, &b) == SSM_OK, "dss discretize");
    ssm_diag *d = ssm_diag_create(&b, NULL, NULL);
    CHECK(d != NULL, "%s: create", name);
    for (size_t h = 0; h < H; h++)
        imp[h * L] = 1.0f;
    if (d)
        ssm_diag_process(d, imp, L, y, L, L);
    for (size_t h = 0; h < H; h++)
        y[h * L] -= p.d[h];
    snprintf(what, sizeof what, "%s step impulse response", name);
    th_close_f(what, y, Kg, H * L, 2e-5);
    ssm_diag_destroy(d);
    ssm_diag_bank_free(&b);
    ssm_dss_params_free(&p);
    free(K);
    free(y);
    free(imp);
    free(g);
}

/* Impulse responses of both MIMO forms against K[o][i][l]. */
static void mimo_check(const char *name, const ssm_mimo_bank *b, const float *Kg, size_t L)
{
    const size_t H = b->channels;
    float *u = malloc(L * H * sizeof(float)), *y = malloc(L * H * sizeof(float));
    float *got = malloc(H * H * L * sizeof(float)), *got2 = malloc(H * H * L * sizeof(float));
    ssm_status st;
    ssm_mimo *m = ssm_mimo_create(b, 100, &st);
    CHECK(m != NULL, "%s: create: %s", name, ssm_status_string(st));
    for (size_t i = 0; m && i < H; i++) {
        memset(u, 0, L * H * sizeof(float));
        u[i] = 1.0f; /* frame-major: t * H + h */
        for (int form = 0; form < 2; form++) {
            ssm_mimo_reset(m);
            ssm_mimo_set_mode(m, form == 0 ? SSM_MODE_STREAM : SSM_MODE_OFFLINE);
            ssm_mimo_process(m, u, H, 1, y, H, 1, L);
            float *dst = form == 0 ? got : got2;
            for (size_t o = 0; o < H; o++)
                for (size_t l = 0; l < L; l++)
                    dst[(o * H + i) * L + l] = y[l * H + o] - (l == 0 && o == i ? b->d[o] : 0.0f);
        }
    }
    char what[96];
    snprintf(what, sizeof what, "%s step impulse responses", name);
    th_close_f(what, got, Kg, H * H * L, 2e-5);
    snprintf(what, sizeof what, "%s scan impulse responses", name);
    th_close_f(what, got2, Kg, H * H * L, 2e-5);
    ssm_mimo_destroy(m);
    free(u);
    free(y);
    free(got);
    free(got2);
}

static void s5_case(const char *name)
{
    size_t n;
    float *g = load(name, &n);
    if (!g)
        return;
    size_t H = (size_t)g[0], P = (size_t)g[1], L = (size_t)g[2];
    ssm_s5_params p;
    ssm_s5_params_init(&p, H, P);
    p.conj_sym = g[4] > 0.5f;
    const float *c = g + 5;
    c = take(c, p.lam_re, P);
    c = take(c, p.lam_im, P);
    c = take(c, p.log_dt, P);
    c = take(c, p.b_re, P * H);
    c = take(c, p.b_im, P * H);
    c = take(c, p.c_re, H * P);
    c = take(c, p.c_im, H * P);
    c = take(c, p.d, H);
    CHECK((size_t)(c + H * H * L - g) == n, "%s: size %zu", name, n);
    ssm_mimo_bank b;
    ssm_mimo_bank_init(&b, H, P);
    ssm_s5_discretize(&p, g[3] > 0.5f ? SSM_BILINEAR : SSM_ZOH, 1.0, &b);
    mimo_check(name, &b, c, L);
    ssm_mimo_bank_free(&b);
    ssm_s5_params_free(&p);
    free(g);
}

static void lru_case(const char *name)
{
    size_t n;
    float *g = load(name, &n);
    if (!g)
        return;
    size_t H = (size_t)g[0], P = (size_t)g[1], L = (size_t)g[2];
    double r = g[3] / 1000.0;
    ssm_lru_params p;
    ssm_lru_params_init(&p, H, P);
    const float *c = g + 4;
    c = take(c, p.nu_log, P);
    c = take(c, p.theta_log, P);
    c = take(c, p.gamma_log, P);
    c = take(c, p.b_re, P * H);
    c = take(c, p.b_im, P * H);
    c = take(c, p.c_re, H * P);
    c = take(c, p.c_im, H * P);
    c = take(c, p.d, H);
    CHECK((size_t)(c + H * H * L - g) == n, "%s: size %zu", name, n);
    ssm_mimo_bank b;
    ssm_mimo_bank_init(&b, H, P);
    ssm_lru_discretize(&p, r, &b);
    mimo_check(name, &b, c, L);
    ssm_mimo_bank_free(&b);
    ssm_lru_params_free(&p);
    free(g);
}

/* S5's init: Lambda = HiPPO-N eigenvalues (numpy eig of LegS's normal
 * part); the initialised model discretises to a stable bank. */
static void s5_init_case(const char *name)
{
    size_t n;
    float *g = load(name, &n);
    if (!g)
        return;
    size_t P = (size_t)g[0], H = 3;
    ssm_s5_params p;
    ssm_s5_params_init(&p, H, P);
    CHECK(ssm_s5_params_draw(&p, 1e-3, 1e-1, 11) == SSM_OK, "s5 init");
    char what[96];
    snprintf(what, sizeof what, "%s Lambda real parts", name);
    th_close_f(what, p.lam_re, g + 1, P, 1e-5);
    snprintf(what, sizeof what, "%s Lambda imaginary parts", name);
    th_close_f(what, p.lam_im, g + 1 + P, P, 1e-5);
    ssm_mimo_bank b;
    ssm_mimo_bank_init(&b, H, P);
    ssm_s5_discretize(&p, SSM_ZOH, 1.0, &b);
    double mp = ssm_mimo_bank_max_pole(&b);
    printf("%s: max |lambda| after ZOH %.6f\n", name, mp);
    CHECK(mp < 1.0, "S5 init pole %.9f", mp);
    ssm_mimo_bank_free(&b);
    ssm_s5_params_free(&p);
    free(g);
}

int main(void)
{
    const char *s4d[] = {"s4d_lin_zoh_M8",  "s4d_lin_bil_M8",  "s4d_inv_zoh_M32",
                         "s4d_inv_bil_M32", "s4d_lin_zoh_M32", "s4d_lin_bil_M32"};
    for (size_t i = 0; i < sizeof s4d / sizeof s4d[0]; i++)
        s4d_case(s4d[i]);
    const char *init[] = {"s4d_init_lin_M8", "s4d_init_inv_M8", "s4d_init_lin_M32",
                          "s4d_init_inv_M32"};
    for (size_t i = 0; i < 4; i++)
        s4d_init_case(init[i]);
    const char *dss[] = {"dss_exp_M8", "dss_softmax_M8", "dss_exp_M32", "dss_softmax_M32"};
    for (size_t i = 0; i < 4; i++)
        dss_case(dss[i]);
    const char *s5[] = {"s5_zoh_P8", "s5_bil_P8", "s5_zoh_P32", "s5_bil_P32"};
    for (size_t i = 0; i < 4; i++)
        s5_case(s5[i]);
    s5_init_case("s5_init_P8");
    s5_init_case("s5_init_P32");
    const char *lru[] = {"lru_P8_r1000", "lru_P8_r500", "lru_P32_r1000", "lru_P32_r500"};
    for (size_t i = 0; i < 4; i++)
        lru_case(lru[i]);
    return th_finish("lti_golden");
}
