/* Liquid-S4: S4 plus input-correlation terms.
 *
 * Reference: raminmh/liquid-s4, src/models/sequence/ss/s4.py (S4.forward,
 * upgrade_degree), Hasani et al., "Liquid Structural State-Space Models"
 * (ICLR 2023). The reference has two liquid kernels, selected by
 * liquid_kernel (default None = plain S4), both of degree p = liquid_degree
 * (default 2):
 *
 *  - 'polyb' (PB, the paper's main variant; our default):
 *      y += sum_{k=2..p} c_k u_k,   c_k = Re sum_n C_n beta_k,n
 *  - 'kb' (K-bar times B):
 *      y += sum_{k=2..p} (s^(k-1) K) * u_k,   s = sum_n beta_1,n
 *
 * with beta_1 = dt (1 - dt lambda / 2)^-1 b (the reference's dB: bilinear
 * B of the diagonal part, conjugate-expanded, sums over all n modes),
 * beta_k = beta_(k-1) * sum_m beta_(k-1),m, and the correlation signals
 * u_1 = u, u_k[t] = u_(k-1)[t] u_(k-1)[t-1] (the reference's
 * allcombs=False "neighbouring terms" product).
 *
 * Deviations, for a causal streaming layer: the reference flips the
 * correlation signal in time (us.flip(-1)) before adding it, which makes it
 * anti-causal; we do not flip. Its default allcombs=True picks index
 * combinations from the end of the whole sequence (not causal either); we
 * implement the neighbouring-product form. C here is the true C (the
 * reference uses its trained C~ parameter in the same place).
 *
 * KB is an S4 driven by v = u + sum s^(k-1) u_k (the skip term keeps d u),
 * so both forms are S4's forms on v; PB adds a memoryless polynomial. The
 * correlation terms are rate-bound (products of neighbouring samples); the
 * S4 part re-discretises. Supported degree: 2 <= p <= SSM_LIQUID_MAX_DEGREE.
 */
#ifndef SSM_LIQUID_H
#define SSM_LIQUID_H

#include "ssm/s4.h"

#ifdef __cplusplus
extern "C" {
#endif

#define SSM_LIQUID_MAX_DEGREE 4

typedef enum { SSM_LIQUID_PB = 0, SSM_LIQUID_KB = 1 } ssm_liquid_kernel;

typedef struct ssm_liquid ssm_liquid;

ssm_liquid *ssm_liquid_create(const ssm_s4_params *p, ssm_liquid_kernel kind, unsigned degree,
                              ssm_status *status);
/* As ssm_s4_activate; also derives the liquid coefficients for the rate. */
ssm_status ssm_liquid_activate(ssm_liquid *l, double sample_rate, size_t chunk);
void ssm_liquid_reset(ssm_liquid *l);
/* coefficient of u_k, k = 2..p, at index k - 2: c_k (PB) or s^(k-1) (KB). */
const double *ssm_liquid_coefficients(const ssm_liquid *l);
/* The recurrent (default) or the chunked form, as for ssm_s4. */
void ssm_liquid_set_mode(ssm_liquid *l, ssm_mode mode);
/* n samples in the mode's form; real-time safe; out may equal in. */
void ssm_liquid_process(ssm_liquid *l, const float *in, float *out, size_t n);
/* The S4 underneath (state save/restore goes through it, plus
 * ssm_liquid_corr_state for the correlation chain's p - 1 floats). */
ssm_s4 *ssm_liquid_s4(ssm_liquid *l);
float *ssm_liquid_corr_state(ssm_liquid *l);
void ssm_liquid_destroy(ssm_liquid *l);

#ifdef __cplusplus
}
#endif
#endif
