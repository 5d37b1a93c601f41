/* S4D: continuous-time parameters, initialisations, discretisation. */
#include "ssm/s4d.h"
#include "ssm/rng.h"

#include <complex.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

static float *fzalloc(size_t n)
{
    return calloc(n ? n : 1, sizeof(float));
}

ssm_status ssm_s4d_params_init(ssm_s4d_params *p, size_t channels, size_t modes)
{
    memset(p, 0, sizeof *p);
    if (channels == 0 || modes == 0)
        return SSM_ERR_INVALID;
    p->channels = channels;
    p->modes = modes;
    size_t n = channels * modes;
    p->log_dt = fzalloc(channels);
    p->log_a_real = fzalloc(n);
    p->a_imag = fzalloc(n);
    p->b_re = fzalloc(n);
    p->b_im = fzalloc(n);
    p->c_re = fzalloc(n);
    p->c_im = fzalloc(n);
    p->d = fzalloc(channels);
    if (!p->log_dt || !p->log_a_real || !p->a_imag || !p->b_re || !p->b_im || !p->c_re ||
        !p->c_im || !p->d) {
        ssm_s4d_params_free(p);
        return SSM_ERR_NOMEM;
    }
    for (size_t i = 0; i < n; i++)
        p->b_re[i] = 1.0f;
    return SSM_OK;
}

void ssm_s4d_params_free(ssm_s4d_params *p)
{
    free(p->log_dt);
    free(p->log_a_real);
    free(p->a_imag);
    free(p->b_re);
    free(p->b_im);
    free(p->c_re);
    free(p->c_im);
    free(p->d);
    memset(p, 0, sizeof *p);
}

void ssm_s4d_params_draw(ssm_s4d_params *p, ssm_s4d_init_kind kind, double dt_min, double dt_max,
                         uint64_t seed)
{
    uint64_t s = seed;
    const size_t M = p->modes;
    const double N = 2.0 * (double)M;
    for (size_t h = 0; h < p->channels; h++) {
        p->log_dt[h] = (float)(log(dt_min) + ssm_rng_uniform(&s) * (log(dt_max) - log(dt_min)));
        p->d[h] = (float)ssm_rng_normal(&s);
        for (size_t n = 0; n < M; n++) {
            size_t i = h * M + n;
            p->log_a_real[i] = (float)log(0.5);
            if (kind == SSM_S4D_INV)
                p->a_imag[i] = (float)(N / M_PI * (N / (2.0 * (double)n + 1.0) - 1.0));
            else
                p->a_imag[i] = (float)(M_PI * (double)n);
            p->b_re[i] = 1.0f;
            p->b_im[i] = 0.0f;
            p->c_re[i] = (float)(ssm_rng_normal(&s) * M_SQRT1_2);
            p->c_im[i] = (float)(ssm_rng_normal(&s) * M_SQRT1_2);
        }
    }
}

/* lambda and Bbar of one mode, in double. */
static void discretize_mode(double complex A, double complex B, double dt, ssm_discretization disc,
                            double complex *lam, double complex *bbar)
{
    if (disc == SSM_BILINEAR) {
        double complex den = 1.0 - dt * A / 2.0;
        *lam = (1.0 + dt * A / 2.0) / den;
        *bbar = dt / den * B;
    } else {
        double complex z = dt * A;
        *lam = cexp(z);
        /* (e^z - 1)/A = dt * expm1(z)/z; for |z| small use the series so
         * the difference does not cancel. */
        double complex e1;
        if (cabs(z) < 1e-5)
            e1 = 1.0 + z / 2.0 + z * z / 6.0;
        else
            e1 = (*lam - 1.0) / z;
        *bbar = dt * e1 * B;
    }
}

ssm_status ssm_s4d_discretize(const ssm_s4d_params *p, ssm_discretization disc, double dt_scale,
                              ssm_diag_bank *bank)
{
    if (!bank || bank->channels != p->channels || bank->modes != p->modes || !(dt_scale > 0.0))
        return SSM_ERR_INVALID;
    const size_t M = p->modes;
    for (size_t h = 0; h < p->channels; h++) {
        double dt = exp((double)p->log_dt[h]) * dt_scale;
        for (size_t n = 0; n < M; n++) {
            size_t i = h * M + n;
            double complex A = -exp((double)p->log_a_real[i]) + I * (double)p->a_imag[i];
            double complex B = p->b_re[i] + I * (double)p->b_im[i];
            double complex C = p->c_re[i] + I * (double)p->c_im[i];
            double complex lam, bbar;
            discretize_mode(A, B, dt, disc, &lam, &bbar);
            double complex w = 2.0 * C * bbar;
            ssm_diag_bank_set(bank, h, n, creal(lam), cimag(lam), creal(w), cimag(w));
        }
        bank->d[h] = p->d[h];
    }
    return SSM_OK;
}

ssm_status ssm_s4d_kernel(const ssm_s4d_params *p, ssm_discretization disc, double dt_scale,
                          float *K, size_t ld, size_t L)
{
    const size_t M = p->modes;
    double *acc = calloc(L ? L : 1, sizeof(double));
    if (!acc)
        return SSM_ERR_NOMEM;
    for (size_t h = 0; h < p->channels; h++) {
        double dt = exp((double)p->log_dt[h]) * dt_scale;
        memset(acc, 0, (L ? L : 1) * sizeof(double));
        for (size_t n = 0; n < M; n++) {
            size_t i = h * M + n;
            double complex A = -exp((double)p->log_a_real[i]) + I * (double)p->a_imag[i];
            double complex B = p->b_re[i] + I * (double)p->b_im[i];
            double complex C = p->c_re[i] + I * (double)p->c_im[i];
            double complex lam, bbar;
            discretize_mode(A, B, dt, disc, &lam, &bbar);
            double complex w = 2.0 * C * bbar;
            /* Vandermonde row: exact powers via exp(l log lambda) every 64
             * steps keep the recurrence error from growing with l. */
            double complex loglam = clog(lam), pw = w;
            for (size_t l = 0; l < L; l++) {
                if (l % 64 == 0)
                    pw = w * cexp((double)l * loglam);
                acc[l] += creal(pw);
                pw *= lam;
            }
        }
        for (size_t l = 0; l < L; l++)
            K[h * ld + l] = (float)acc[l];
    }
    free(acc);
    return SSM_OK;
}
