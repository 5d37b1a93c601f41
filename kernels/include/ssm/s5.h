/* S5 (Smith, Warrington, Linderman 2023; reference: lindermanlab/S5
 * s5/ssm.py, s5/ssm_init.py): a MIMO diagonal SSM, one state of P complex
 * modes shared by H channels.
 *
 * Continuous parameters (already in the eigenbasis, as the reference
 * stores them): Lambda (P complex), B~ = V^-1 B (P x H complex), C~ = C V
 * (H x P complex), D (H), log_dt (P, one step per state).
 *
 *   ZOH:      lambda = exp(Lambda dt),  Bbar = (lambda - 1)/Lambda B~
 *   bilinear: lambda = (1 + Lambda dt/2)/(1 - Lambda dt/2),
 *             Bbar = dt/(1 - Lambda dt/2) B~
 *   y = Re(C~ x) (times 2 with conj_sym, where only one of each conjugate
 *       pair is kept) + D u
 *
 * Initialisation (ssm_s5_params_draw, the reference's single-block case): Lambda
 * and V from the eigendecomposition of HiPPO-N, LegS's normal part, of
 * size 2P (ssm/hippo.h), one of each conjugate pair kept (conj_sym);
 * B ~ N(0, 1/H) real 2P x H, B~ = V^* B; C complex N(0, 1/2) per part,
 * H x 2P, C~ = C V; D ~ N(0, 1); log_dt uniform in [log dt_min, log dt_max]
 * per state. Both forms run on an ssm_mimo_bank
 * (ssm/mimo.h), in an ssm_mimo: the step and the chunked scan.
 * Sample rate: dt_scale = f0/f.
 */
#ifndef SSM_S5_H
#define SSM_S5_H

#include "ssm/common.h"
#include "ssm/mimo.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct {
    size_t channels; /* H */
    size_t states;   /* P */
    int conj_sym;    /* 1: y = 2 Re(C x) */
    float *lam_re;   /* [P] */
    float *lam_im;
    float *log_dt; /* [P] */
    float *b_re;   /* [P*H], B~[p][h] at p*H + h */
    float *b_im;
    float *c_re; /* [H*P], C~[h][p] at h*P + p */
    float *c_im;
    float *d; /* [H] */
} ssm_s5_params;

ssm_status ssm_s5_params_init(ssm_s5_params *p, size_t channels, size_t states);
void ssm_s5_params_free(ssm_s5_params *p);

/* Draw the initialisation above into p (made by ssm_s5_params_init;
 * conj_sym is set); deterministic in seed. */
ssm_status ssm_s5_params_draw(ssm_s5_params *p, double dt_min, double dt_max, uint64_t seed);

/* bank made with the same channels and states. */
ssm_status ssm_s5_discretize(const ssm_s5_params *p, ssm_discretization disc, double dt_scale,
                             ssm_mimo_bank *bank);

#ifdef __cplusplus
}
#endif
#endif
