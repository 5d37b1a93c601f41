/* DSS: exp and softmax kernels, mapped onto the diagonal bank. */
#include "ssm/dss.h"

#include <complex.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

ssm_status ssm_dss_params_init(ssm_dss_params *p, size_t channels, size_t modes)
{
    memset(p, 0, sizeof *p);
    if (channels == 0 || modes == 0)
        return SSM_ERR_INVALID;
    p->channels = channels;
    p->modes = modes;
    size_t n = channels * modes;
    p->log_dt = calloc(channels, sizeof(float));
    p->lam_re = calloc(n, sizeof(float));
    p->lam_im = calloc(n, sizeof(float));
    p->w_re = calloc(n, sizeof(float));
    p->w_im = calloc(n, sizeof(float));
    p->d = calloc(channels, sizeof(float));
    if (!p->log_dt || !p->lam_re || !p->lam_im || !p->w_re || !p->w_im || !p->d) {
        ssm_dss_params_free(p);
        return SSM_ERR_NOMEM;
    }
    return SSM_OK;
}

void ssm_dss_params_free(ssm_dss_params *p)
{
    free(p->log_dt);
    free(p->lam_re);
    free(p->lam_im);
    free(p->w_re);
    free(p->w_im);
    free(p->d);
    memset(p, 0, sizeof *p);
}

/* sum_{j<L} z^j without cancellation trouble near z = 1. */
static double complex geometric_sum(double complex z, size_t L)
{
    if (cabs(z - 1.0) < 1e-6) {
        double complex s = 0.0, pw = 1.0;
        for (size_t j = 0; j < L; j++) {
            s += pw;
            pw *= z;
        }
        return s;
    }
    return (1.0 - cpow(z, (double)L)) / (1.0 - z);
}

/* lambda-bar and the bank weight of one mode. */
static ssm_status dss_mode(const ssm_dss_params *p, size_t h, size_t n, ssm_dss_variant v,
                           size_t l_eff, double dt, double complex *lam, double complex *w)
{
    size_t i = h * p->modes + n;
    double complex L = p->lam_re[i] + I * (double)p->lam_im[i];
    double complex W = p->w_re[i] + I * (double)p->w_im[i];
    if (cabs(L) == 0.0)
        return SSM_ERR_INVALID;
    double complex z = L * dt;
    *lam = cexp(z);
    if (v == SSM_DSS_EXP) {
        double complex e1 = cabs(z) < 1e-5 ? dt * (1.0 + z / 2.0 + z * z / 6.0) : (*lam - 1.0) / L;
        *w = W * e1;
    } else {
        *w = W / (L * geometric_sum(*lam, l_eff));
    }
    return SSM_OK;
}

static size_t effective_lmax(size_t l_max, double dt_scale)
{
    double l = floor((double)l_max / dt_scale + 0.5);
    return l < 1.0 ? 1 : (size_t)l;
}

ssm_status ssm_dss_discretize(const ssm_dss_params *p, ssm_dss_variant v, size_t l_max,
                              double dt_scale, ssm_diag_bank *bank)
{
    if (!bank || bank->channels != p->channels || bank->modes != p->modes || !(dt_scale > 0.0) ||
        (v == SSM_DSS_SOFTMAX && l_max == 0))
        return SSM_ERR_INVALID;
    size_t l_eff = effective_lmax(l_max, dt_scale);
    for (size_t h = 0; h < p->channels; h++) {
        double dt = exp((double)p->log_dt[h]) * dt_scale;
        for (size_t n = 0; n < p->modes; n++) {
            if (!(p->lam_re[h * p->modes + n] < 0.0f))
                return SSM_ERR_UNSUPPORTED;
            double complex lam, w;
            ssm_status st = dss_mode(p, h, n, v, l_eff, dt, &lam, &w);
            if (st != SSM_OK)
                return st;
            ssm_diag_bank_set(bank, h, n, creal(lam), cimag(lam), creal(w), cimag(w));
        }
        bank->d[h] = p->d[h];
    }
    return SSM_OK;
}

ssm_status ssm_dss_kernel(const ssm_dss_params *p, ssm_dss_variant v, size_t l_max, double dt_scale,
                          float *K, size_t ld, size_t L)
{
    if (!(dt_scale > 0.0) || (v == SSM_DSS_SOFTMAX && l_max == 0))
        return SSM_ERR_INVALID;
    size_t l_eff = effective_lmax(l_max, dt_scale);
    double *acc = malloc((L ? L : 1) * sizeof(double));
    if (!acc)
        return SSM_ERR_NOMEM;
    for (size_t h = 0; h < p->channels; h++) {
        double dt = exp((double)p->log_dt[h]) * dt_scale;
        memset(acc, 0, (L ? L : 1) * sizeof(double));
        for (size_t n = 0; n < p->modes; n++) {
            double complex lam, w;
            ssm_status st = dss_mode(p, h, n, v, l_eff, dt, &lam, &w);
            if (st != SSM_OK) {
                free(acc);
                return st;
            }
            /* exp(Lambda dt l) directly: the Vandermonde entries. */
            double complex z = clog(lam);
            for (size_t l = 0; l < L; l++)
                acc[l] += creal(w * cexp(z * (double)l));
        }
        for (size_t l = 0; l < L; l++)
            K[h * ld + l] = (float)acc[l];
    }
    free(acc);
    return SSM_OK;
}
