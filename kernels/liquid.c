#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "ssm/liquid.h"

struct ssm_liquid {
    ssm_s4 *s4;
    ssm_s4_params p; /* own copy: the coefficients need lambda, b, c and dt */
    double complex *own;
    ssm_liquid_kernel kind;
    unsigned degree;
    double coef[SSM_LIQUID_MAX_DEGREE - 1];
    float coef_f[SSM_LIQUID_MAX_DEGREE - 1];
    float prev[SSM_LIQUID_MAX_DEGREE]; /* u_k[t-1], k = 1..p-1 */
    float *v, *w;                      /* chunk-sized scratch */
    size_t T;
};

ssm_liquid *ssm_liquid_create(const ssm_s4_params *p, ssm_liquid_kernel kind, unsigned degree,
                              ssm_status *status)
{
    ssm_status st = SSM_ERR_INVALID;
    ssm_liquid *l = NULL;
    if (degree < 2 || degree > SSM_LIQUID_MAX_DEGREE ||
        (kind != SSM_LIQUID_PB && kind != SSM_LIQUID_KB))
        goto fail;
    st = SSM_ERR_NOMEM;
    if (!(l = calloc(1, sizeof *l)))
        goto fail;
    if (!(l->s4 = ssm_s4_create(p, &st)))
        goto fail;
    size_t h = p->n / 2;
    if (!(l->own = malloc(3 * h * sizeof *l->own))) {
        st = SSM_ERR_NOMEM;
        goto fail;
    }
    memcpy(l->own, p->lambda, h * sizeof *l->own);
    memcpy(l->own + h, p->b, h * sizeof *l->own);
    memcpy(l->own + 2 * h, p->c, h * sizeof *l->own);
    l->p = *p;
    l->p.lambda = l->own, l->p.b = l->own + h, l->p.c = l->own + 2 * h;
    l->p.p = l->p.q = NULL;
    l->kind = kind, l->degree = degree;
    if (status)
        *status = SSM_OK;
    return l;
fail:
    ssm_liquid_destroy(l);
    if (status)
        *status = st;
    return NULL;
}

ssm_status ssm_liquid_activate(ssm_liquid *l, double sample_rate, size_t chunk)
{
    ssm_status st = ssm_s4_activate(l->s4, sample_rate, chunk);
    if (st != SSM_OK)
        return st;
    free(l->v), free(l->w);
    l->T = chunk;
    l->v = malloc(chunk * sizeof *l->v);
    l->w = malloc(chunk * sizeof *l->w);
    if (!l->v || !l->w)
        return SSM_ERR_NOMEM;
    size_t h = l->p.n / 2;
    double dt = exp(l->p.log_dt) * l->p.ref_rate / sample_rate;
    double complex *beta = malloc(h * sizeof *beta);
    if (!beta)
        return SSM_ERR_NOMEM;
    /* Sums over the conjugate-expanded modes are 2 Re of the half sums. */
    double sum = 0.0;
    for (size_t i = 0; i < h; i++) {
        beta[i] = dt / (1.0 - 0.5 * dt * l->p.lambda[i]) * l->p.b[i];
        sum += 2.0 * creal(beta[i]);
    }
    double s1 = sum;
    for (unsigned k = 2; k <= l->degree; k++) {
        if (l->kind == SSM_LIQUID_KB) {
            l->coef[k - 2] = pow(s1, (double)(k - 1));
            continue;
        }
        double next = 0.0, ck = 0.0;
        for (size_t i = 0; i < h; i++) {
            beta[i] *= sum;
            next += 2.0 * creal(beta[i]);
            ck += 2.0 * creal(l->p.c[i] * beta[i]);
        }
        sum = next;
        l->coef[k - 2] = ck;
    }
    for (unsigned k = 0; k + 1 < l->degree; k++)
        l->coef_f[k] = (float)l->coef[k];
    free(beta);
    ssm_liquid_reset(l);
    return SSM_OK;
}

void ssm_liquid_reset(ssm_liquid *l)
{
    ssm_s4_reset(l->s4);
    memset(l->prev, 0, sizeof l->prev);
}

const double *ssm_liquid_coefficients(const ssm_liquid *l)
{
    return l->coef;
}

ssm_s4 *ssm_liquid_s4(ssm_liquid *l)
{
    return l->s4;
}

float *ssm_liquid_corr_state(ssm_liquid *l)
{
    return l->prev;
}

/* v[t] = sum_k coef_k u_k[t] over one block (the correlation chain). */
static void correlation(ssm_liquid *l, const float *in, float *v, size_t n)
{
    unsigned p = l->degree;
    for (size_t t = 0; t < n; t++) {
        float uk = in[t], acc = 0.0f;
        for (unsigned k = 1; k < p; k++) {
            float next = uk * l->prev[k - 1];
            l->prev[k - 1] = uk;
            uk = next;
            acc += l->coef_f[k - 1] * uk;
        }
        v[t] = acc;
    }
}

void ssm_liquid_set_mode(ssm_liquid *l, ssm_mode mode)
{
    ssm_s4_set_mode(l->s4, mode);
}

void ssm_liquid_process(ssm_liquid *l, const float *in, float *out, size_t n)
{
    while (n) {
        size_t m = n < l->T ? n : l->T;
        correlation(l, in, l->v, m);
        if (l->kind == SSM_LIQUID_KB) {
            for (size_t t = 0; t < m; t++)
                l->v[t] += in[t];
            memcpy(l->w, in, m * sizeof *l->w);
            ssm_s4_process_drive(l->s4, l->v, l->w, out, m);
        } else {
            ssm_s4_process(l->s4, in, out, m);
            for (size_t t = 0; t < m; t++)
                out[t] += l->v[t];
        }
        in += m, out += m, n -= m;
    }
}

void ssm_liquid_destroy(ssm_liquid *l)
{
    if (!l)
        return;
    ssm_s4_destroy(l->s4);
    free(l->own), free(l->v), free(l->w);
    free(l);
}
