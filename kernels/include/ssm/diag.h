/* The discrete diagonal SSM bank: H independent channels (SISO), each a sum
 * of M complex first-order modes. It is the shared engine under S4D, DSS and
 * any modal filter (resonator, modal reverb, a denoiser layer) that brings
 * its own poles.
 *
 * Per channel h and mode m, with the input gain folded into the output
 * weight (B-normalised state):
 *
 *     x[t] = lambda * x[t-1] + u[t]              (complex state, real input)
 *     y[t] = Re(sum_m w_m x_m[t]) + d * u[t]
 *
 * so the impulse response is K[l] = Re(sum_m w_m lambda_m^l) (+ d at l = 0).
 * An S4D layer with conjugate-symmetric states sets w = 2 * C * Bbar; an
 * LRU-style read-out without the factor 2 sets w = C * Bbar.
 *
 * Layout: structure of arrays, channel-major, each channel's modes padded
 * to `stride` (a multiple of SSM_DIAG_LANES) with lambda = 0 and w = 0, so
 * the padding contributes nothing and inner loops have no remainder.
 */
#ifndef SSM_DIAG_H
#define SSM_DIAG_H

#include "ssm/common.h"

#ifdef __cplusplus
extern "C" {
#endif

#define SSM_DIAG_LANES 16

typedef struct {
    size_t channels; /* H */
    size_t modes;    /* M: complex modes per channel */
    size_t stride;   /* M rounded up to SSM_DIAG_LANES */
    float *lam_re;   /* [channels * stride] discrete poles */
    float *lam_im;
    float *w_re; /* [channels * stride] output weights (input gain folded in) */
    float *w_im;
    float *d; /* [channels] direct feed-through */
} ssm_diag_bank;

/* The recurrent state that both forms (step and chunked FFT) read and
 * write, so a processor may switch between them at any block boundary. */
typedef struct {
    size_t channels;
    size_t stride;
    float *re; /* [channels * stride] */
    float *im;
} ssm_diag_state;

/* Allocate a zeroed bank (64-byte aligned arrays). */
ssm_status ssm_diag_bank_alloc(ssm_diag_bank *b, size_t channels, size_t modes);
void ssm_diag_bank_free(ssm_diag_bank *b);

/* Round a pole to float32 so that a pole strictly inside the unit circle
 * (in double) stays strictly inside: when 1 - |lambda| is below float's
 * resolution (bilinear with a large dt |Im A|, say) plain rounding can land
 * on or just past 1 and the recurrence would never decay. */
void ssm_pole_to_float(double re, double im, float *fre, float *fim);

/* Set one mode (m < modes) of channel h (the pole through
 * ssm_pole_to_float). */
void ssm_diag_bank_set(ssm_diag_bank *b, size_t h, size_t m, double lam_re, double lam_im,
                       double w_re, double w_im);

/* Largest |lambda| over the bank: < 1 means every mode decays. */
double ssm_diag_bank_max_pole(const ssm_diag_bank *b);

ssm_status ssm_diag_state_alloc(ssm_diag_state *s, const ssm_diag_bank *b);
void ssm_diag_state_reset(ssm_diag_state *s);
void ssm_diag_state_free(ssm_diag_state *s);

/* Recurrent form over a block of n samples for every channel: channel h
 * reads in[h * in_ld + t] and writes out[h * out_ld + t]. out may equal in
 * (same pointer and stride). Real-time safe: no allocation, no locks. */
void ssm_diag_step(const ssm_diag_bank *b, ssm_diag_state *s, const float *in, size_t in_ld,
                   float *out, size_t out_ld, size_t n);

/* The convolution kernel K[h * ld + l] = Re(sum_m w lambda^l) for l < L,
 * without d. Powers are accumulated in double, so K is accurate to float
 * rounding for any L. Allocates scratch; not real-time (O(H M L)). */
ssm_status ssm_diag_kernel(const ssm_diag_bank *b, float *K, size_t ld, size_t L);

#ifdef __cplusplus
}
#endif
#endif
