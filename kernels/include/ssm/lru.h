/* LRU (Orvieto et al. 2023, "Resurrecting Recurrent Neural Networks for
 * Long Sequences"): a MIMO diagonal recurrence parametrised directly in
 * discrete time.
 *
 *   lambda = exp(-exp(nu_log) + i exp(theta_log))
 *   gamma  = exp(gamma_log), initialised to sqrt(1 - |lambda|^2)
 *   x[t] = lambda (.) x[t-1] + gamma (.) (B u[t])
 *   y[t] = Re(C x[t]) + D (.) u[t]          (no factor 2)
 *   K[l] = Re(C diag(lambda^l gamma) B)
 *
 * Ring initialisation: |lambda| uniform on [r_min, r_max] through
 * nu_log = log(-1/2 log(u1 (r_max^2 - r_min^2) + r_min^2)),
 * theta_log = log(max_phase u2); B, C complex normal scaled by 1/sqrt(2H)
 * and 1/sqrt(P) (per part), D standard normal.
 *
 * Sample rate: the LRU has no dt, so a model trained at f0 is read as the
 * ZOH discretisation of a continuous system; at rate f (r = f0/f):
 * lambda' = lambda^r and gamma' B = gamma B (lambda^r - 1)/(lambda - 1), which
 * keeps the continuous-time response (r = 1 gives the model exactly).
 * Both forms run on an ssm_mimo_bank (ssm/mimo.h).
 */
#ifndef SSM_LRU_H
#define SSM_LRU_H

#include "ssm/common.h"
#include "ssm/mimo.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct {
    size_t channels;  /* H */
    size_t states;    /* P */
    float *nu_log;    /* [P] */
    float *theta_log; /* [P] */
    float *gamma_log; /* [P] */
    float *b_re;      /* [P*H], B[p][h] at p*H + h */
    float *b_im;
    float *c_re; /* [H*P], C[h][p] at h*P + p */
    float *c_im;
    float *d; /* [H] */
} ssm_lru_params;

ssm_status ssm_lru_params_init(ssm_lru_params *p, size_t channels, size_t states);
void ssm_lru_params_free(ssm_lru_params *p);

/* Draw the paper's ring initialisation into p (made by
 * ssm_lru_params_init; 0 <= r_min < r_max < 1). */
ssm_status ssm_lru_params_draw(ssm_lru_params *p, double r_min, double r_max, double max_phase,
                               uint64_t seed);

/* rate_scale = f0/f (1 for the model's own rate). */
ssm_status ssm_lru_discretize(const ssm_lru_params *p, double rate_scale, ssm_mimo_bank *bank);

#ifdef __cplusplus
}
#endif
#endif
