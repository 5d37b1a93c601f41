/* S4ND in two dimensions, over a time-frequency plane (offline only).
 *
 * Reference: Nguyen et al., "S4ND: Modeling Images and Videos as
 * Multidimensional Signals Using State Spaces" (NeurIPS 2022): the N-D
 * kernel is the outer product of 1-D SSM kernels, one per axis,
 *     K(l_t, l_f) = K_t(l_t) K_f(l_f),
 * applied by N-D FFT convolution. Make the 1-D kernels with ssm_s4_kernel
 * (S4-DPLR) or ssm_s4d_kernel (S4D); their continuous-time parameters let
 * the same layer run at any frame rate (time axis) or bin spacing
 * (frequency axis) by choosing the sample rate each kernel is made at.
 *
 * What it is for in audio: a learned, smooth, long-support filter over an
 * STFT, e.g. smoothing a magnitude spectrogram or a denoising mask over
 * time (causal along frames: decays, onsets, reverberant tails) and across
 * frequency (two-sided: spreading over neighbouring bins and harmonics),
 * or enhancing a complex spectrogram (real kernel, applied to the real and
 * imaginary planes alike). The whole plane must be known, so it is an
 * offline processor (ssm-render), not a live one.
 *
 * The 2-D FFT of an outer-product kernel factorises (FFT2 K = FFT K_t (x)
 * FFT K_f), so the 2-D FFT convolution is done as its two 1-D passes:
 * along time with a transform of 2*frames (causal, zero-padded: no wrap),
 * then along frequency with 2*bins (causal or two-sided). Output has the
 * input's size: out[t][f] = sum_{a<=t} sum_b K_t[a] K_f[b] in[t-a][f-b],
 * b >= 0 (causal) or K_f[|b|], |b| < bins (symmetric).
 */
#ifndef SSM_S4ND_H
#define SSM_S4ND_H

#include "ssm/common.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef enum { SSM_S4ND_FREQ_CAUSAL = 0, SSM_S4ND_FREQ_SYMMETRIC = 1 } ssm_s4nd_freq_mode;

typedef struct ssm_s4nd ssm_s4nd;

/* A plane of frames x bins (row-major, plane[t * bins + f]); kernels of lt
 * and lf taps (taps past the plane's size are ignored). Copies the
 * kernels, plans the transforms. */
ssm_s4nd *ssm_s4nd_create(size_t frames, size_t bins, const float *k_time, size_t lt,
                          const float *k_freq, size_t lf, ssm_s4nd_freq_mode mode,
                          ssm_status *status);
/* out may equal in. No allocation. */
void ssm_s4nd_apply(ssm_s4nd *s, const float *in, float *out);
/* A complex plane as split real and imaginary planes. */
void ssm_s4nd_apply_complex(ssm_s4nd *s, const float *in_re, const float *in_im, float *out_re,
                            float *out_im);
void ssm_s4nd_destroy(ssm_s4nd *s);

#ifdef __cplusplus
}
#endif
#endif
