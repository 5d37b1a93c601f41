/* LRU: exponential parametrisation, ring init, gamma normalisation. */
#include "ssm/lru.h"
#include "ssm/rng.h"

#include "ssm/diag.h"

#include <complex.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

ssm_status ssm_lru_params_init(ssm_lru_params *p, size_t channels, size_t states)
{
    memset(p, 0, sizeof *p);
    if (channels == 0 || states == 0)
        return SSM_ERR_INVALID;
    p->channels = channels;
    p->states = states;
    p->nu_log = calloc(states, sizeof(float));
    p->theta_log = calloc(states, sizeof(float));
    p->gamma_log = calloc(states, sizeof(float));
    p->b_re = calloc(states * channels, sizeof(float));
    p->b_im = calloc(states * channels, sizeof(float));
    p->c_re = calloc(states * channels, sizeof(float));
    p->c_im = calloc(states * channels, sizeof(float));
    p->d = calloc(channels, sizeof(float));
    if (!p->nu_log || !p->theta_log || !p->gamma_log || !p->b_re || !p->b_im || !p->c_re ||
        !p->c_im || !p->d) {
        ssm_lru_params_free(p);
        return SSM_ERR_NOMEM;
    }
    return SSM_OK;
}

void ssm_lru_params_free(ssm_lru_params *p)
{
    free(p->nu_log);
    free(p->theta_log);
    free(p->gamma_log);
    free(p->b_re);
    free(p->b_im);
    free(p->c_re);
    free(p->c_im);
    free(p->d);
    memset(p, 0, sizeof *p);
}

ssm_status ssm_lru_params_draw(ssm_lru_params *p, double r_min, double r_max, double max_phase,
                               uint64_t seed)
{
    if (!(r_min >= 0.0 && r_min < r_max && r_max < 1.0 && max_phase > 0.0))
        return SSM_ERR_INVALID;
    uint64_t s = seed;
    const size_t H = p->channels, P = p->states;
    for (size_t q = 0; q < P; q++) {
        double u1 = ssm_rng_uniform(&s), u2 = ssm_rng_uniform(&s);
        double nu_log = log(-0.5 * log(u1 * (r_max * r_max - r_min * r_min) + r_min * r_min));
        double theta_log = log(max_phase * u2);
        double mod = exp(-exp(nu_log));
        p->nu_log[q] = (float)nu_log;
        p->theta_log[q] = (float)theta_log;
        p->gamma_log[q] = (float)log(sqrt(1.0 - mod * mod));
        for (size_t h = 0; h < H; h++) {
            p->b_re[q * H + h] = (float)(ssm_rng_normal(&s) / sqrt(2.0 * (double)H));
            p->b_im[q * H + h] = (float)(ssm_rng_normal(&s) / sqrt(2.0 * (double)H));
        }
    }
    for (size_t h = 0; h < H; h++) {
        for (size_t q = 0; q < P; q++) {
            p->c_re[h * P + q] = (float)(ssm_rng_normal(&s) / sqrt((double)P));
            p->c_im[h * P + q] = (float)(ssm_rng_normal(&s) / sqrt((double)P));
        }
        p->d[h] = (float)ssm_rng_normal(&s);
    }
    return SSM_OK;
}

ssm_status ssm_lru_discretize(const ssm_lru_params *p, double rate_scale, ssm_mimo_bank *bank)
{
    if (!bank || bank->channels != p->channels || bank->states != p->states || !(rate_scale > 0.0))
        return SSM_ERR_INVALID;
    const size_t H = p->channels, P = p->states, S = bank->stride;
    for (size_t q = 0; q < P; q++) {
        /* log lambda = -exp(nu_log) + i exp(theta_log) is the continuous
         * pole times the model's step: scaling it is exact resampling of
         * the continuous system. */
        double complex z = -exp((double)p->nu_log[q]) + I * exp((double)p->theta_log[q]);
        double complex lam1 = cexp(z), lam = cexp(z * rate_scale);
        double complex g = exp((double)p->gamma_log[q]);
        if (rate_scale != 1.0) {
            /* (lambda^r - 1)/(lambda - 1) = r expm1-ratio; the series for
             * tiny z keeps it from cancelling. */
            if (cabs(z) < 1e-6)
                g *= rate_scale * (1.0 + z * (rate_scale - 1.0) / 2.0);
            else
                g *= (lam - 1.0) / (lam1 - 1.0);
        }
        ssm_pole_to_float(creal(lam), cimag(lam), &bank->lam_re[q], &bank->lam_im[q]);
        for (size_t h = 0; h < H; h++) {
            double complex bb = g * (p->b_re[q * H + h] + I * (double)p->b_im[q * H + h]);
            bank->b_re[h * S + q] = (float)creal(bb);
            bank->b_im[h * S + q] = (float)cimag(bb);
            bank->c_re[h * S + q] = p->c_re[h * P + q];
            bank->c_im[h * S + q] = p->c_im[h * P + q];
        }
    }
    for (size_t h = 0; h < H; h++)
        bank->d[h] = p->d[h];
    return SSM_OK;
}
