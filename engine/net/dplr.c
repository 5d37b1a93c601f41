/* The S4-DPLR parameters shared by the s4 and liquid_s4 kinds (see dplr.h). */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "net/dplr.h"

void ssm_dplr_free(ssm_dplr_set *s)
{
    free(s->store);
    free(s->p);
    memset(s, 0, sizeof *s);
}

int ssm_dplr_read(ssm_layer_ctx *c, size_t channels, ssm_dplr_set *out)
{
    memset(out, 0, sizeof *out);
    size_t n, rank;
    if (!ssm_param_size(c, "state", 2, SSM_S4_MAX_N, SSM_PARAM_REQUIRED, &n) ||
        !ssm_param_size(c, "rank", 1, SSM_S4_MAX_RANK, 1, &rank))
        return 0;
    if (n % 2)
        return ssm_layer_fail(c, SSM_ERR_FORMAT,
                              "state %zu is odd; S4 keeps N/2 complex conjugate pairs", n);
    const size_t H = channels, M = n / 2;
    const uint64_t h1[1] = {H}, hm[2] = {H, M}, rhm[3] = {rank, H, M};
    const ssm_tensor *ldt = ssm_layer_tensor(c, "log_dt", 1, h1);
    const ssm_tensor *lar = ldt ? ssm_layer_tensor(c, "log_A_real", 2, hm) : NULL;
    const ssm_tensor *ai = lar ? ssm_layer_tensor(c, "A_imag", 2, hm) : NULL;
    const ssm_tensor *pre = ai ? ssm_layer_tensor(c, "P_re", 3, rhm) : NULL;
    const ssm_tensor *pim = pre ? ssm_layer_tensor(c, "P_im", 3, rhm) : NULL;
    const ssm_tensor *bre = pim ? ssm_layer_tensor(c, "B_re", 2, hm) : NULL;
    const ssm_tensor *bim = bre ? ssm_layer_tensor(c, "B_im", 2, hm) : NULL;
    const ssm_tensor *cre = bim ? ssm_layer_tensor(c, "C_re", 2, hm) : NULL;
    const ssm_tensor *cim = cre ? ssm_layer_tensor(c, "C_im", 2, hm) : NULL;
    const ssm_tensor *d = cim ? ssm_layer_tensor(c, "D", 1, h1) : NULL;
    if (!d)
        return 0;
    const size_t per = (3 + rank) * M;
    out->store = ssm_layer_calloc(c, H * per, sizeof *out->store);
    out->p = out->store ? ssm_layer_calloc(c, H, sizeof *out->p) : NULL;
    if (!out->p) {
        ssm_dplr_free(out);
        return 0;
    }
    out->channels = H, out->modes = M, out->rank = rank;
    for (size_t h = 0; h < H; h++) {
        double complex *lam = out->store + h * per, *p = lam + M, *b = p + rank * M, *cc = b + M;
        for (size_t m = 0; m < M; m++) {
            const size_t i = h * M + m;
            /* Re(Lambda) < 0 keeps every eigenvalue of Lambda - P P^* in the
             * left half-plane (its Hermitian part is negative definite), so
             * the bilinear poles are inside the unit circle. */
            const double re = -exp((double)lar->data[i]);
            if (!(re < 0.0) || !isfinite(re)) {
                ssm_layer_fail(
                    c, SSM_ERR_FORMAT,
                    "log_A_real[%zu][%zu] = %g gives Re(Lambda) = %g: no decay or not finite", h, m,
                    (double)lar->data[i], re);
                ssm_dplr_free(out);
                return 0;
            }
            lam[m] = re + I * (double)ai->data[i];
            b[m] = bre->data[i] + I * (double)bim->data[i];
            cc[m] = cre->data[i] + I * (double)cim->data[i];
            for (size_t r = 0; r < rank; r++)
                p[r * M + m] =
                    pre->data[(r * H + h) * M + m] + I * (double)pim->data[(r * H + h) * M + m];
        }
        out->p[h] = (ssm_s4_params){.n = n,
                                    .rank = rank,
                                    .log_dt = ldt->data[h],
                                    .ref_rate = 1.0,
                                    .lambda = lam,
                                    .p = p,
                                    .q = NULL,
                                    .b = b,
                                    .c = cc,
                                    .d = d->data[h]};
    }
    return 1;
}
