/* HiPPO transition matrices against the numpy transcription of
 * transition(); the DPLR form reconstructs A and B; LegS spectrum against
 * numpy's eig. */
#include "dplr_golden.h"

static void check_transition(ssm_hippo_measure m, const char *name, size_t n)
{
    double *A = malloc(n * n * sizeof *A), *B = malloc(n * sizeof *B);
    float *Af = malloc(n * n * sizeof *Af), *Bf = malloc(n * sizeof *Bf);
    char g[64], what[96];
    size_t cnt = 0;
    CHECK(ssm_hippo_transition(m, n, A, B) == SSM_OK, "%s", name);
    for (size_t i = 0; i < n * n; i++)
        Af[i] = (float)A[i];
    for (size_t i = 0; i < n; i++)
        Bf[i] = (float)B[i];
    snprintf(g, sizeof g, "hippo_%s_%zu_A", name, n);
    float *ga = dg_read(g, &cnt);
    CHECK(ga && cnt == n * n, "golden %s", g);
    if (ga && cnt == n * n) {
        snprintf(what, sizeof what, "%s N=%zu A vs transition()", name, n);
        th_close_f(what, Af, ga, n * n, 1e-6);
    }
    snprintf(g, sizeof g, "hippo_%s_%zu_B", name, n);
    float *gb = dg_read(g, &cnt);
    CHECK(gb && cnt == n, "golden %s", g);
    if (gb && cnt == n) {
        snprintf(what, sizeof what, "%s N=%zu B vs transition()", name, n);
        th_close_f(what, Bf, gb, n, 1e-6);
    }
    free(A), free(B), free(Af), free(Bf), free(ga), free(gb);
}

/* V_full (Lambda - pt pt^*)_full V_full^* == A and V_full bt_full == B. */
static void check_dplr(ssm_hippo_measure m, const char *name, size_t n)
{
    size_t h = n / 2, r = 0;
    double complex *lam = malloc(h * sizeof *lam), *pt = malloc(2 * h * sizeof *pt);
    double complex *bt = malloc(h * sizeof *bt), *v = malloc(n * h * sizeof *v);
    double complex *Vf = malloc(n * n * sizeof *Vf), *Mf = malloc(n * n * sizeof *Mf);
    double *A = malloc(n * n * sizeof *A), *B = malloc(n * sizeof *B);
    double *Ar = malloc(n * n * sizeof *Ar), *Brec = malloc(n * sizeof *Brec);
    ssm_status st = ssm_hippo_dplr(m, n, lam, pt, bt, v, &r);
    CHECK(st == SSM_OK, "dplr %s n=%zu: %s", name, n, ssm_status_string(st));
    if (st == SSM_OK) {
        ssm_hippo_transition(m, n, A, B);
        double complex *pf = malloc(r * n * sizeof *pf), *lf = malloc(n * sizeof *lf);
        for (size_t i = 0; i < n; i++)
            for (size_t k = 0; k < h; k++)
                Vf[i * n + k] = v[i * h + k], Vf[i * n + h + k] = conj(v[i * h + k]);
        for (size_t k = 0; k < h; k++) {
            lf[k] = lam[k], lf[h + k] = conj(lam[k]);
            for (size_t a = 0; a < r; a++)
                pf[a * n + k] = pt[a * h + k], pf[a * n + h + k] = conj(pt[a * h + k]);
        }
        for (size_t i = 0; i < n; i++)
            for (size_t j = 0; j < n; j++) {
                double complex x = i == j ? lf[i] : 0.0;
                for (size_t a = 0; a < r; a++)
                    x -= pf[a * n + i] * conj(pf[a * n + j]);
                Mf[i * n + j] = x;
            }
        double maxim = 0.0;
        for (size_t i = 0; i < n; i++) {
            double complex bb = 0.0;
            for (size_t k = 0; k < h; k++)
                bb += 2.0 * creal(v[i * h + k] * bt[k]);
            Brec[i] = creal(bb);
            for (size_t j = 0; j < n; j++) {
                double complex acc = 0.0;
                for (size_t k = 0; k < n; k++)
                    for (size_t l = 0; l < n; l++)
                        acc += Vf[i * n + k] * Mf[k * n + l] * conj(Vf[j * n + l]);
                Ar[i * n + j] = creal(acc);
                maxim = fmax(maxim, fabs(cimag(acc)));
            }
        }
        char what[96];
        snprintf(what, sizeof what, "%s N=%zu DPLR rebuilds A", name, n);
        th_close_d(what, Ar, A, n * n, 1e-11);
        snprintf(what, sizeof what, "%s N=%zu DPLR rebuilds B", name, n);
        th_close_d(what, Brec, B, n, 1e-11);
        printf("%-48s max |Im| %.3g\n", "  imaginary residue of the rebuilt A", maxim);
        CHECK(maxim < 1e-10, "imaginary residue %g", maxim);
        if (m == SSM_HIPPO_LEGS) {
            double dre = 0.0;
            for (size_t k = 0; k < h; k++)
                dre = fmax(dre, fabs(creal(lam[k]) + 0.5));
            printf("%-48s max |Re(lambda) + 1/2| %.3g\n", "  LegS normal part", dre);
            CHECK(dre < 1e-12, "Re(lambda) != -1/2: %g", dre);
        }
        free(pf), free(lf);
    }
    free(lam), free(pt), free(bt), free(v), free(Vf), free(Mf), free(A), free(B), free(Ar);
    free(Brec);
}

static void check_legs_spectrum(size_t n)
{
    size_t h = n / 2, r = 0, cnt = 0;
    double complex *lam = malloc(h * sizeof *lam), *pt = malloc(h * sizeof *pt);
    double complex *bt = malloc(h * sizeof *bt);
    float *im = malloc(h * sizeof *im);
    char g[64], what[96];
    CHECK(ssm_hippo_dplr(SSM_HIPPO_LEGS, n, lam, pt, bt, NULL, &r) == SSM_OK, "legs %zu", n);
    for (size_t k = 0; k < h; k++)
        im[k] = (float)cimag(lam[k]);
    snprintf(g, sizeof g, "legs_eig_imag_%zu", n);
    float *gi = dg_read(g, &cnt);
    CHECK(gi && cnt == h, "golden %s", g);
    if (gi && cnt == h) {
        snprintf(what, sizeof what, "LegS N=%zu Im(lambda) vs numpy eig", n);
        th_close_f(what, im, gi, h, 1e-6);
    }
    free(lam), free(pt), free(bt), free(im), free(gi);
}

int main(void)
{
    const char *names[] = {"legs", "legt", "lmu", "fourier"};
    const ssm_hippo_measure ms[] = {SSM_HIPPO_LEGS, SSM_HIPPO_LEGT, SSM_HIPPO_LMU, SSM_HIPPO_FOUT};
    for (size_t i = 0; i < 4; i++) {
        check_transition(ms[i], names[i], 8);
        check_transition(ms[i], names[i], 32);
    }
    check_legs_spectrum(16);
    check_legs_spectrum(64);
    check_dplr(SSM_HIPPO_LEGS, "legs", 16);
    check_dplr(SSM_HIPPO_LEGS, "legs", th_scale(64, 32));
    check_dplr(SSM_HIPPO_LEGT, "legt", 16);
    double complex lam[8], pt[16], bt[8];
    size_t r;
    CHECK(ssm_hippo_dplr(SSM_HIPPO_LMU, 16, lam, pt, bt, NULL, &r) == SSM_ERR_UNSUPPORTED,
          "lmu has no rank correction");
    CHECK(ssm_hippo_dplr(SSM_HIPPO_FOUT, 16, lam, pt, bt, NULL, &r) == SSM_ERR_UNSUPPORTED,
          "fout has a zero frequency");
    CHECK(ssm_hippo_dplr(SSM_HIPPO_LEGS, 15, lam, pt, bt, NULL, &r) == SSM_ERR_INVALID, "odd n");
    return th_finish("test_hippo");
}
