/* FFT machinery: real transforms of FFTW3 (single precision) behind one
 * planner lock, and the aligned arrays they work on. A leaf: every other
 * kernel that transforms (the diagonal bank's chunked form, partitioned
 * convolution, S4, Hyena, S4ND) plans through this file.
 *
 * Planning: FFTW's planner is not thread-safe, so every plan in ssmaudio is
 * created and destroyed here, behind one process-wide mutex. Plans are made
 * at create/activate time only; execution never plans. Rigor is the
 * caller's choice: SSM_PLAN_ESTIMATE (instant, used by tests) or
 * SSM_PLAN_MEASURE (times candidate algorithms once per size and process;
 * FFTW keeps the wisdom, so a second plan of the same size is instant; used
 * by the bench and by processors at activation).
 */
#ifndef SSM_FFT_H
#define SSM_FFT_H

#include "ssm/common.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef enum { SSM_PLAN_ESTIMATE = 0, SSM_PLAN_MEASURE = 1 } ssm_plan_rigor;

/* Real FFT of size n (even) with split complex spectra. A spectrum is one
 * array of 2 * ssm_fft_bins_stride(n) floats: the n/2 + 1 real parts at
 * spec[0..], the imaginary parts at spec[bins_stride..]. Arrays must
 * be 64-byte aligned (ssm_fft_alloc; offsets that are multiples of 16
 * floats keep that) and must not overlap. Unnormalised: inverse(forward(x))
 * = n x. */
typedef struct ssm_rfft ssm_rfft;

/* NULL when n is odd, below 2 or above 2^30, or memory runs out. */
ssm_rfft *ssm_rfft_create(size_t n, ssm_plan_rigor rigor);
void ssm_rfft_destroy(ssm_rfft *f);
size_t ssm_rfft_size(const ssm_rfft *f);
void ssm_rfft_forward(const ssm_rfft *f, float *in, float *spec);
/* An ssm_rfft holds a scratch spectrum: one thread at a time per object. */
void ssm_rfft_inverse(const ssm_rfft *f, float *spec, float *out);

/* The same transforms on FFTW's own interleaved layout (n/2 + 1 pairs re,
 * im), without the split copy: for callers whose per-bin work is a plain
 * complex product. Same alignment rule; the inverse overwrites cplx. Thread
 * safe for distinct arrays (no scratch of the object is used). */
void ssm_rfft_forward_interleaved(const ssm_rfft *f, float *in, float *cplx);
void ssm_rfft_inverse_interleaved(const ssm_rfft *f, float *cplx, float *out);

/* 64-byte aligned, zeroed float arrays for the FFT routines (n = 0 gives a
 * valid minimal array). */
float *ssm_fft_alloc(size_t n);
void ssm_fft_free(float *p);

/* n/2 + 1 rounded up to 16, so spectra stay 64-byte aligned. */
size_t ssm_fft_bins_stride(size_t n);

#ifdef __cplusplus
}
#endif
#endif
