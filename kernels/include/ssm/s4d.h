/* S4D (Gu et al. 2022, "On the Parameterization and Initialization of
 * Diagonal State Space Models"; reference: state-spaces/s4
 * models/s4/s4d.py).
 *
 * Continuous-time parameters per channel h (H channels, M = N/2 complex
 * modes, conjugate-symmetric: the other half of the spectrum is implied):
 *     dt = exp(log_dt[h]) * dt_scale
 *     A  = -exp(log_a_real) + i a_imag
 *     B  (default 1), C complex, D real
 * Discretised into an ssm_diag_bank (ssm/diag.h) with
 *     ZOH:      lambda = exp(dt A),                 Bbar = (lambda - 1)/A B
 *     bilinear: lambda = (1 + dt A/2)/(1 - dt A/2),  Bbar = dt/(1 - dt A/2) B
 *     w = 2 C Bbar   (the factor 2 is the dropped conjugate half)
 * so that K[l] = 2 Re(sum_n C_n Bbar_n lambda_n^l), y = K * u + D u.
 * Both forms then run on an ssm_diag made from the bank: the recurrence and
 * the chunked FFT convolution, on one state.
 *
 * Sample rate: a model trained at f0 runs at f with dt_scale = f0 / f; the
 * continuous-time system (and its response in Hz) is unchanged.
 */
#ifndef SSM_S4D_H
#define SSM_S4D_H

#include "ssm/common.h"
#include "ssm/diag.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct {
    size_t channels;   /* H */
    size_t modes;      /* M = N/2 */
    float *log_dt;     /* [H] */
    float *log_a_real; /* [H*M] */
    float *a_imag;     /* [H*M] */
    float *b_re;       /* [H*M] */
    float *b_im;
    float *c_re; /* [H*M] */
    float *c_im;
    float *d; /* [H] */
} ssm_s4d_params;

typedef enum {
    SSM_S4D_LIN = 0, /* A_n = -1/2 + i pi n */
    SSM_S4D_INV = 1  /* A_n = -1/2 + i (N/pi)(N/(2n+1) - 1), N = 2M */
} ssm_s4d_init_kind;

/* Zeroed arrays, B set to 1 (the parameter set's storage; values come from
 * a model file or ssm_s4d_params_draw). */
ssm_status ssm_s4d_params_init(ssm_s4d_params *p, size_t channels, size_t modes);
void ssm_s4d_params_free(ssm_s4d_params *p);

/* Draw the reference initialisation into p (made by ssm_s4d_params_init):
 * log_dt uniform in [log dt_min, log dt_max]
 * (the reference uses 1e-3, 1e-1), A from kind, B = 1, C complex normal
 * with variance 1/2 per part (torch.randn(cfloat)), D standard normal.
 * Deterministic in seed. */
void ssm_s4d_params_draw(ssm_s4d_params *p, ssm_s4d_init_kind kind, double dt_min, double dt_max,
                         uint64_t seed);

/* The discrete bank for this sample rate. bank must have been made
 * with the same channels and modes. Computed in double, rounded once.
 * Every pole is inside the unit circle whenever Re(A) < 0 and dt > 0
 * (both rules map the open left half-plane into the unit disc). */
ssm_status ssm_s4d_discretize(const ssm_s4d_params *p, ssm_discretization disc, double dt_scale,
                              ssm_diag_bank *bank);

/* The Vandermonde kernel K[h*ld + l], l < L (without D), in double, as the
 * reference computes it; for tests and offline use. */
ssm_status ssm_s4d_kernel(const ssm_s4d_params *p, ssm_discretization disc, double dt_scale,
                          float *K, size_t ld, size_t L);

#ifdef __cplusplus
}
#endif
#endif
