/* DSS (Gupta, Gu, Berant 2022, "Diagonal State Spaces are as Effective as
 * Structured State Spaces", Proposition 1).
 *
 * Continuous parameters per channel h: log_dt, Lambda (M complex), W (M
 * complex), D. With lambda-bar = exp(Lambda dt):
 *
 *   DSS-exp:     K[l] = Re(sum_n W_n (exp(Lambda_n dt) - 1)/Lambda_n
 *                                  exp(Lambda_n dt l))
 *                (the S4D-ZOH kernel with B C folded into W)
 *   DSS-softmax: K[l] = Re(sum_n W_n / Lambda_n
 *                          exp(Lambda_n dt l) / S_n),
 *                S_n = sum_{j<L} exp(Lambda_n dt j)  (the row softmax)
 *
 * The real-part convention is the paper's (no factor 2; W absorbs it).
 * Softmax makes K depend on the length L; for streaming, L = l_max is
 * fixed at activation and the recurrence is the diagonal bank with
 * w = W / (Lambda S_n), valid for every l (K extends past l_max the same
 * way). A softmax model with Re(Lambda) >= 0 is a finite-L filter only: it
 * cannot stream (SSM_ERR_UNSUPPORTED).
 *
 * Sample rate: dt_scale = f0/f scales dt; l_max is given at the model's rate
 * and becomes round(l_max / dt_scale) samples, so the normalising window
 * keeps its length in seconds and the continuous response is unchanged.
 */
#ifndef SSM_DSS_H
#define SSM_DSS_H

#include "ssm/common.h"
#include "ssm/diag.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct {
    size_t channels; /* H */
    size_t modes;    /* M */
    float *log_dt;   /* [H] */
    float *lam_re;   /* [H*M] continuous Lambda */
    float *lam_im;
    float *w_re; /* [H*M] */
    float *w_im;
    float *d; /* [H] */
} ssm_dss_params;

typedef enum { SSM_DSS_EXP = 0, SSM_DSS_SOFTMAX = 1 } ssm_dss_variant;

ssm_status ssm_dss_params_init(ssm_dss_params *p, size_t channels, size_t modes);
void ssm_dss_params_free(ssm_dss_params *p);

/* The discrete bank (made with the same channels and modes). l_max is
 * ignored by DSS-exp. */
ssm_status ssm_dss_discretize(const ssm_dss_params *p, ssm_dss_variant v, size_t l_max,
                              double dt_scale, ssm_diag_bank *bank);

/* K[h*ld + l], l < L (without D), in double; for softmax the normaliser
 * uses l_max (pass l_max = L for the reference's training-time kernel). */
ssm_status ssm_dss_kernel(const ssm_dss_params *p, ssm_dss_variant v, size_t l_max, double dt_scale,
                          float *K, size_t ld, size_t L);

#ifdef __cplusplus
}
#endif
#endif
