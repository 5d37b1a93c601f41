/* S4ND 2-D: the outer-product kernel applied by FFT against a direct 2-D
 * convolution sum (numpy), causal and two-sided along frequency; the
 * impulse plane gives the outer product; complex = real on each plane;
 * zero in -> zero out. */
#include "dplr_golden.h"

int main(void)
{
    size_t T = 24, F = 20, n = 0, nt = 0, nf = 0;
    float *plane = dg_read("s4nd_plane", &n), *kt = dg_read("s4nd_kt", &nt);
    float *kf = dg_read("s4nd_kf", &nf);
    CHECK(plane && kt && kf && n == T * F && nt == T && nf == F, "golden inputs");
    if (!plane || !kt || !kf || n != T * F)
        return th_finish("test_s4nd");
    float *out = malloc(n * sizeof *out), *out2 = malloc(n * sizeof *out2);
    float *imp = calloc(n, sizeof *imp), *want = malloc(n * sizeof *want);
    for (int sym = 0; sym < 2; sym++) {
        ssm_status st;
        ssm_s4nd *s = ssm_s4nd_create(T, F, kt, nt, kf, nf,
                                      sym ? SSM_S4ND_FREQ_SYMMETRIC : SSM_S4ND_FREQ_CAUSAL, &st);
        CHECK(s != NULL, "create: %s", ssm_status_string(st));
        char name[64], what[96];
        size_t cnt = 0;
        snprintf(name, sizeof name, "s4nd_out_sym%d", sym);
        float *g = dg_read(name, &cnt);
        /* A missing or short golden file is a failure, not a skip. */
        CHECK(g && cnt == n, "golden %s: %zu values, want %zu", name, cnt, n);
        if (!s || !g || cnt != n) {
            free(g);
            ssm_s4nd_destroy(s);
            continue;
        }
        ssm_s4nd_apply(s, plane, out);
        snprintf(what, sizeof what, "S4ND %s-freq vs direct 2-D sum", sym ? "two-sided" : "causal");
        th_close_f(what, out, g, n, 1e-5);
        /* complex plane: real kernel acts on each part */
        ssm_s4nd_apply_complex(s, plane, g, out2, imp);
        snprintf(what, sizeof what, "S4ND %s complex re == real path",
                 sym ? "two-sided" : "causal");
        th_close_f(what, out2, out, n, 0.0);
        /* impulse at (0, 0) (and at the middle bin for two-sided) */
        memset(imp, 0, n * sizeof *imp);
        size_t f0 = sym ? F / 2 : 0;
        imp[f0] = 1.0f;
        ssm_s4nd_apply(s, imp, out);
        for (size_t t = 0; t < T; t++)
            for (size_t f = 0; f < F; f++) {
                long b = (long)f - (long)f0;
                float kfv = b >= 0 ? kf[b] : (sym ? kf[-b] : 0.0f);
                want[t * F + f] = kt[t] * kfv;
            }
        snprintf(what, sizeof what, "S4ND %s impulse == K_t (x) K_f", sym ? "two-sided" : "causal");
        th_close_f(what, out, want, n, 1e-5);
        memset(imp, 0, n * sizeof *imp);
        ssm_s4nd_apply(s, imp, out);
        double mx = 0.0;
        for (size_t i = 0; i < n; i++)
            mx = fmax(mx, fabs(out[i]));
        CHECK(mx == 0.0, "zero in gave %g", mx);
        free(g);
        ssm_s4nd_destroy(s);
    }
    ssm_status st;
    CHECK(!ssm_s4nd_create(0, F, kt, nt, kf, nf, SSM_S4ND_FREQ_CAUSAL, &st) &&
              st == SSM_ERR_INVALID,
          "empty plane refused");
    free(plane), free(kt), free(kf), free(out), free(out2), free(imp), free(want);
    return th_finish("test_s4nd");
}
