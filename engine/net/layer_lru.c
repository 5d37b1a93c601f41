/* lru: the Linear Recurrent Unit (Orvieto et al. 2023, "Resurrecting
 * Recurrent Neural Networks for Long Sequences", appendix A code), one MIMO
 * diagonal recurrence of P complex states shared by the H channels:
 *
 *   lambda = exp(-exp(nu_log) + i exp(theta_log)), gamma = exp(gamma_log)
 *   x[t] = lambda (.) x[t-1] + gamma (.) (B u[t])
 *   y[t] = Re(C x[t]) + D (.) u[t]          (no factor 2)
 *
 * Tensors: nu_log, theta_log, gamma_log [P], B_re, B_im [P, H], C_re, C_im
 * [H, P], D [H] (the paper's names and layouts).
 *
 * Rate-bound: lambda is a discrete-time pole learnt at the trained rate
 * (phases up to max_phase, often 2 pi, so no continuous-time reading of it
 * is unique); the graph runs at its trained rate behind the bridge and this
 * layer is discretised as trained (kernels/lru.c, rate scale 1).
 *
 * Schedules, both in one ssm_mimo (kernels/mimo.c) on one state: the step,
 * and the chunked scan (dense B U per chunk, the scan over time, C X). */
#include <stdlib.h>
#include <string.h>

#include "net/mimo_layer.h"
#include "ssm/lru.h"

typedef struct {
    ssm_mimo_layer m; /* first: the shared process and reset take self */
    ssm_lru_params params;
} lru;

static void destroy(void *self)
{
    lru *l = self;
    ssm_mimo_layer_free(&l->m);
    ssm_lru_params_free(&l->params);
    free(l);
}

static void *create(ssm_layer_ctx *c, ssm_stream *out)
{
    size_t P;
    if (!ssm_param_size(c, "state", 1, 4096, SSM_PARAM_REQUIRED, &P))
        return NULL;
    const size_t H = out->width;
    const uint64_t p1[1] = {P}, h1[1] = {H}, ph[2] = {P, H}, hp[2] = {H, P};
    const ssm_tensor *nu = ssm_layer_tensor(c, "nu_log", 1, p1);
    const ssm_tensor *th = nu ? ssm_layer_tensor(c, "theta_log", 1, p1) : NULL;
    const ssm_tensor *ga = th ? ssm_layer_tensor(c, "gamma_log", 1, p1) : NULL;
    const ssm_tensor *bre = ga ? ssm_layer_tensor(c, "B_re", 2, ph) : NULL;
    const ssm_tensor *bim = bre ? ssm_layer_tensor(c, "B_im", 2, ph) : NULL;
    const ssm_tensor *cre = bim ? ssm_layer_tensor(c, "C_re", 2, hp) : NULL;
    const ssm_tensor *cim = cre ? ssm_layer_tensor(c, "C_im", 2, hp) : NULL;
    const ssm_tensor *d = cim ? ssm_layer_tensor(c, "D", 1, h1) : NULL;
    if (!d)
        return NULL;
    lru *l = ssm_layer_calloc(c, 1, sizeof *l);
    if (!l)
        return NULL;
    l->m.width = H;
    l->m.states = P;
    if (ssm_lru_params_init(&l->params, H, P) != SSM_OK) {
        ssm_layer_fail(c, SSM_ERR_NOMEM, "out of memory for %zu x %zu states", H, P);
        destroy(l);
        return NULL;
    }
    memcpy(l->params.nu_log, nu->data, P * sizeof(float));
    memcpy(l->params.theta_log, th->data, P * sizeof(float));
    memcpy(l->params.gamma_log, ga->data, P * sizeof(float));
    memcpy(l->params.b_re, bre->data, P * H * sizeof(float));
    memcpy(l->params.b_im, bim->data, P * H * sizeof(float));
    memcpy(l->params.c_re, cre->data, H * P * sizeof(float));
    memcpy(l->params.c_im, cim->data, H * P * sizeof(float));
    memcpy(l->params.d, d->data, H * sizeof(float));
    return l;
}

static ssm_status discretize(const void *self, double dt_scale, ssm_mimo_bank *bank)
{
    const lru *l = self;
    return ssm_lru_discretize(&l->params, dt_scale, bank);
}

static ssm_status activate(void *self, const ssm_layer_env *env, ssm_layer_ctx *c)
{
    lru *l = self;
    /* Rate-bound: as trained (rate scale 1), whatever the host rate. */
    return ssm_mimo_layer_activate(&l->m, discretize, 1.0, env, c);
}

/* No plan: the MIMO chunked scan does the step's work in three passes and
 * is not faster at any P (docs/benchmarks.md, S5/LRU rows), so offline mode
 * runs the step unless a schedule is pinned. */
const ssm_layer_ops ssm_kind_lru = {
    .kind = "lru",
    .min_inputs = 1,
    .max_inputs = 1,
    .rate_bound = 1,
    .schedules = 1u << SSM_SCHEDULE_SCAN,
    .create = create,
    .activate = activate,
    .process = ssm_mimo_layer_process,
    .reset = ssm_mimo_layer_reset,
    .destroy = destroy,
};
