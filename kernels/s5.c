/* S5: continuous MIMO diagonal parameters -> discrete MIMO bank. */
#include "ssm/s5.h"
#include "ssm/rng.h"

#include "ssm/diag.h"
#include "ssm/hippo.h"

#include <complex.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

ssm_status ssm_s5_params_init(ssm_s5_params *p, size_t channels, size_t states)
{
    memset(p, 0, sizeof *p);
    if (channels == 0 || states == 0)
        return SSM_ERR_INVALID;
    p->channels = channels;
    p->states = states;
    p->conj_sym = 1;
    p->lam_re = calloc(states, sizeof(float));
    p->lam_im = calloc(states, sizeof(float));
    p->log_dt = calloc(states, sizeof(float));
    p->b_re = calloc(states * channels, sizeof(float));
    p->b_im = calloc(states * channels, sizeof(float));
    p->c_re = calloc(states * channels, sizeof(float));
    p->c_im = calloc(states * channels, sizeof(float));
    p->d = calloc(channels, sizeof(float));
    if (!p->lam_re || !p->lam_im || !p->log_dt || !p->b_re || !p->b_im || !p->c_re || !p->c_im ||
        !p->d) {
        ssm_s5_params_free(p);
        return SSM_ERR_NOMEM;
    }
    return SSM_OK;
}

void ssm_s5_params_free(ssm_s5_params *p)
{
    free(p->lam_re);
    free(p->lam_im);
    free(p->log_dt);
    free(p->b_re);
    free(p->b_im);
    free(p->c_re);
    free(p->c_im);
    free(p->d);
    memset(p, 0, sizeof *p);
}

ssm_status ssm_s5_params_draw(ssm_s5_params *p, double dt_min, double dt_max, uint64_t seed)
{
    if (!(dt_min > 0.0 && dt_max >= dt_min))
        return SSM_ERR_INVALID;
    const size_t H = p->channels, P = p->states, n = 2 * P;
    double complex *lam = malloc(P * sizeof *lam),
                   *pt = malloc(SSM_HIPPO_MAX_RANK * P * sizeof *pt);
    double complex *bt = malloc(P * sizeof *bt), *V = malloc(n * P * sizeof *V);
    double *B = malloc(n * H * sizeof *B);
    double complex *C = malloc(H * n * sizeof *C);
    ssm_status st = SSM_ERR_NOMEM;
    if (!lam || !pt || !bt || !V || !B || !C)
        goto out;
    size_t rank;
    st = ssm_hippo_dplr(SSM_HIPPO_LEGS, n, lam, pt, bt, V, &rank);
    if (st != SSM_OK)
        goto out;
    uint64_t s = seed;
    for (size_t i = 0; i < n * H; i++)
        B[i] = ssm_rng_normal(&s) / sqrt((double)H);
    for (size_t i = 0; i < H * n; i++) {
        double re = ssm_rng_normal(&s) * M_SQRT1_2;
        C[i] = re + I * (ssm_rng_normal(&s) * M_SQRT1_2);
    }
    p->conj_sym = 1;
    for (size_t q = 0; q < P; q++) {
        p->lam_re[q] = (float)creal(lam[q]);
        p->lam_im[q] = (float)cimag(lam[q]);
        p->log_dt[q] = (float)(log(dt_min) + ssm_rng_uniform(&s) * (log(dt_max) - log(dt_min)));
        for (size_t h = 0; h < H; h++) {
            double complex acc = 0.0;
            for (size_t i = 0; i < n; i++)
                acc += conj(V[i * P + q]) * B[i * H + h];
            p->b_re[q * H + h] = (float)creal(acc);
            p->b_im[q * H + h] = (float)cimag(acc);
        }
    }
    for (size_t h = 0; h < H; h++) {
        for (size_t q = 0; q < P; q++) {
            double complex acc = 0.0;
            for (size_t i = 0; i < n; i++)
                acc += C[h * n + i] * V[i * P + q];
            p->c_re[h * P + q] = (float)creal(acc);
            p->c_im[h * P + q] = (float)cimag(acc);
        }
        p->d[h] = (float)ssm_rng_normal(&s);
    }
out:
    free(lam);
    free(pt);
    free(bt);
    free(V);
    free(B);
    free(C);
    return st;
}

ssm_status ssm_s5_discretize(const ssm_s5_params *p, ssm_discretization disc, double dt_scale,
                             ssm_mimo_bank *bank)
{
    if (!bank || bank->channels != p->channels || bank->states != p->states || !(dt_scale > 0.0))
        return SSM_ERR_INVALID;
    const size_t H = p->channels, P = p->states, S = bank->stride;
    const double cfac = p->conj_sym ? 2.0 : 1.0;
    for (size_t q = 0; q < P; q++) {
        double complex L = p->lam_re[q] + I * (double)p->lam_im[q];
        double dt = exp((double)p->log_dt[q]) * dt_scale;
        double complex lam, g;
        if (disc == SSM_BILINEAR) {
            double complex den = 1.0 - L * dt / 2.0;
            lam = (1.0 + L * dt / 2.0) / den;
            g = dt / den;
        } else {
            double complex z = L * dt;
            lam = cexp(z);
            g = cabs(z) < 1e-5 ? dt * (1.0 + z / 2.0 + z * z / 6.0) : (lam - 1.0) / L;
        }
        ssm_pole_to_float(creal(lam), cimag(lam), &bank->lam_re[q], &bank->lam_im[q]);
        for (size_t h = 0; h < H; h++) {
            double complex bt = p->b_re[q * H + h] + I * (double)p->b_im[q * H + h];
            double complex bb = g * bt;
            bank->b_re[h * S + q] = (float)creal(bb);
            bank->b_im[h * S + q] = (float)cimag(bb);
            bank->c_re[h * S + q] = (float)(cfac * p->c_re[h * P + q]);
            bank->c_im[h * S + q] = (float)(cfac * p->c_im[h * P + q]);
        }
    }
    for (size_t h = 0; h < H; h++)
        bank->d[h] = p->d[h];
    return SSM_OK;
}
