/* s5: the simplified state space layer (Smith, Warrington, Linderman 2023,
 * "Simplified State Space Layers for Sequence Modeling"; reference
 * lindermanlab/S5 s5/ssm.py), one MIMO diagonal system of P complex states
 * shared by the H channels, already in the eigenbasis:
 *
 *   dt_p = exp(log_dt_p) dt_scale,
 *   ZOH:      lambda = exp(Lambda dt), Bbar = (lambda - 1) / Lambda B~
 *   bilinear: lambda = (1 + Lambda dt/2) / (1 - Lambda dt/2), Bbar = dt / (1 - Lambda dt/2) B~
 *   x[t] = lambda (.) x[t-1] + Bbar u[t],  y = Re(C~ x) (x 2 with conj_sym) + D (.) u
 *
 * Tensors: Lambda_re, Lambda_im, log_dt [P], B_re, B_im [P, H], C_re, C_im
 * [H, P], D [H]. Continuous-time: re-discretised for the host rate.
 * Schedules, both in one ssm_mimo (kernels/mimo.c): the step and the
 * chunked scan. */
#include <stdlib.h>
#include <string.h>

#include "net/mimo_layer.h"
#include "ssm/s5.h"

typedef struct {
    ssm_mimo_layer m; /* first: the shared process and reset take self */
    ssm_discretization disc;
    ssm_s5_params params;
} s5;

static const char *const discs[] = {"zoh", "bilinear", NULL};

static void destroy(void *self)
{
    s5 *l = self;
    ssm_mimo_layer_free(&l->m);
    ssm_s5_params_free(&l->params);
    free(l);
}

static void *create(ssm_layer_ctx *c, ssm_stream *out)
{
    size_t P;
    int disc, conj_sym;
    if (!ssm_param_size(c, "state", 1, 4096, SSM_PARAM_REQUIRED, &P) ||
        !ssm_param_choice(c, "discretization", discs, 0, &disc) ||
        !ssm_param_bool(c, "conj_sym", 1, &conj_sym))
        return NULL;
    const size_t H = out->width;
    const uint64_t p1[1] = {P}, h1[1] = {H}, ph[2] = {P, H}, hp[2] = {H, P};
    const ssm_tensor *lre = ssm_layer_tensor(c, "Lambda_re", 1, p1);
    const ssm_tensor *lim = lre ? ssm_layer_tensor(c, "Lambda_im", 1, p1) : NULL;
    const ssm_tensor *ldt = lim ? ssm_layer_tensor(c, "log_dt", 1, p1) : NULL;
    const ssm_tensor *bre = ldt ? ssm_layer_tensor(c, "B_re", 2, ph) : NULL;
    const ssm_tensor *bim = bre ? ssm_layer_tensor(c, "B_im", 2, ph) : NULL;
    const ssm_tensor *cre = bim ? ssm_layer_tensor(c, "C_re", 2, hp) : NULL;
    const ssm_tensor *cim = cre ? ssm_layer_tensor(c, "C_im", 2, hp) : NULL;
    const ssm_tensor *d = cim ? ssm_layer_tensor(c, "D", 1, h1) : NULL;
    if (!d)
        return NULL;
    for (size_t q = 0; q < P; q++)
        if (!(lre->data[q] < 0.0f)) {
            ssm_layer_fail(c, SSM_ERR_FORMAT,
                           "Lambda_re[%zu] = %g: every continuous pole needs a negative real part "
                           "(the reference's clip_eigs keeps it so)",
                           q, (double)lre->data[q]);
            return NULL;
        }
    s5 *l = ssm_layer_calloc(c, 1, sizeof *l);
    if (!l)
        return NULL;
    l->m.width = H;
    l->m.states = P;
    l->disc = disc == 1 ? SSM_BILINEAR : SSM_ZOH;
    if (ssm_s5_params_init(&l->params, H, P) != SSM_OK) {
        ssm_layer_fail(c, SSM_ERR_NOMEM, "out of memory for %zu x %zu states", H, P);
        destroy(l);
        return NULL;
    }
    l->params.conj_sym = conj_sym;
    memcpy(l->params.lam_re, lre->data, P * sizeof(float));
    memcpy(l->params.lam_im, lim->data, P * sizeof(float));
    memcpy(l->params.log_dt, ldt->data, P * sizeof(float));
    memcpy(l->params.b_re, bre->data, P * H * sizeof(float));
    memcpy(l->params.b_im, bim->data, P * H * sizeof(float));
    memcpy(l->params.c_re, cre->data, H * P * sizeof(float));
    memcpy(l->params.c_im, cim->data, H * P * sizeof(float));
    memcpy(l->params.d, d->data, H * sizeof(float));
    return l;
}

static ssm_status discretize(const void *self, double dt_scale, ssm_mimo_bank *bank)
{
    const s5 *l = self;
    return ssm_s5_discretize(&l->params, l->disc, dt_scale, bank);
}

static ssm_status activate(void *self, const ssm_layer_env *env, ssm_layer_ctx *c)
{
    s5 *l = self;
    return ssm_mimo_layer_activate(&l->m, discretize, env->dt_scale, env, c);
}

/* No plan: as for lru, the MIMO chunked scan is not faster than the step
 * (docs/benchmarks.md, S5/LRU rows); offline mode runs the step unless a
 * schedule is pinned. */
const ssm_layer_ops ssm_kind_s5 = {
    .kind = "s5",
    .min_inputs = 1,
    .max_inputs = 1,
    .schedules = 1u << SSM_SCHEDULE_SCAN,
    .create = create,
    .activate = activate,
    .process = ssm_mimo_layer_process,
    .reset = ssm_mimo_layer_reset,
    .destroy = destroy,
};
