/* FFT machinery (FFTW3, single precision) and the exact chunked
 * convolution form of a diagonal SSM bank.
 *
 * Planning: FFTW's planner is not thread-safe, so every plan in ssmaudio is
 * created and destroyed through this file, behind one process-wide mutex.
 * Plans are made at create/activate time only; execution never plans.
 * Rigor is the caller's choice: SSM_PLAN_ESTIMATE (instant, used by tests)
 * or SSM_PLAN_MEASURE (times candidate algorithms once per size and
 * process; FFTW keeps the wisdom, so a second plan of the same size is
 * instant; used by the bench and by processors at activation).
 */
#ifndef SSM_FFTCONV_H
#define SSM_FFTCONV_H

#include "ssm/common.h"
#include "ssm/diag.h"

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

ssm_rfft *ssm_rfft_create(size_t n, ssm_plan_rigor rigor);
void ssm_rfft_destroy(ssm_rfft *f);
size_t ssm_rfft_size(const ssm_rfft *f);
void ssm_rfft_forward(const ssm_rfft *f, float *in, float *spec);
/* An ssm_rfft holds a scratch spectrum: one thread at a time per object. */
void ssm_rfft_inverse(const ssm_rfft *f, float *spec, float *out);

/* 64-byte aligned, zeroed float arrays for the FFT routines. */
float *ssm_fft_alloc(size_t n);
void ssm_fft_free(float *p);

/* n/2 + 1 rounded up to 16, so spectra stay 64-byte aligned. */
size_t ssm_fft_bins_stride(size_t n);

/* ---- exact chunked convolution of a diagonal bank ----
 *
 * For each chunk of c <= T samples (T = the chunk size fixed at create):
 *
 *   y[t] = (K[0..T) * u)[t]                 FFT of size 2T, no truncation
 *        + Re(sum_m w_m lambda_m^(t+1) x0_m)  the carried-in state
 *        + d u[t]
 *   x_out = lambda^c x0 + sum_t lambda^(c-1-t) u[t]
 *
 * which is the recurrence itself, reorganised: for inputs of any length it
 * gives the recurrent form's samples (to float rounding), and it reads and
 * writes the same ssm_diag_state, so a processor can switch forms at any
 * block boundary without a click. Blocks of any size are accepted and the
 * latency is zero: a call with n samples is cut into chunks of at most T,
 * a short chunk is zero-padded inside the same 2T transform.
 *
 * The state terms run per sub-chunk of SSM_DIAG_SUB samples as small dense
 * products with tables of lambda powers made at create (GEMM-shaped, no
 * serial dependency), so their cost is 8 M flops per sample next to the
 * FFT's O(log T). The carried-in state decays towards zero across a long
 * chunk: run it with denormals flushed (the engine sets FTZ/DAZ around
 * every process call) or those products can cost microcode assists.
 */
#define SSM_DIAG_SUB 32

typedef struct ssm_diag_conv ssm_diag_conv;

/* Plans the FFTs and builds K's spectrum and the power tables for bank b
 * (copied, so b may change or go away afterwards). chunk: T >= 1. */
ssm_diag_conv *ssm_diag_conv_create(const ssm_diag_bank *b, size_t chunk, ssm_plan_rigor rigor,
                                    ssm_status *err);
/* The same chunked form without the transform: inside each sub-chunk of
 * SSM_DIAG_SUB samples a direct convolution with K[0..SUB), and the state
 * at every sub-chunk start (carried state plus the chunk's earlier inputs,
 * accumulated by the same power tables) through w lambda^(s+1). Exact in
 * the same sense, 8 M + 64 flops per sample and no FFT: the faster offline
 * schedule below N of about 256 (see docs/benchmarks.md). The FFT method is
 * what ssm_diag_conv_create builds. */
typedef enum { SSM_DIAG_FFT = 0, SSM_DIAG_SCAN = 1 } ssm_diag_method;
ssm_diag_conv *ssm_diag_conv_create_method(const ssm_diag_bank *b, size_t chunk,
                                           ssm_plan_rigor rigor, ssm_diag_method method,
                                           ssm_status *err);
/* Re-derive the tables from a bank of the same shape (new poles/weights):
 * no allocation and no planning, but O(H M T) work: not for the audio
 * thread. */
ssm_status ssm_diag_conv_update(ssm_diag_conv *c, const ssm_diag_bank *b);
size_t ssm_diag_conv_chunk(const ssm_diag_conv *c);
/* Same contract as ssm_diag_step (strides, out may equal in). Real-time
 * safe: FFTW execute on preplanned buffers, no allocation. */
void ssm_diag_conv_process(ssm_diag_conv *c, ssm_diag_state *s, const float *in, size_t in_ld,
                           float *out, size_t out_ld, size_t n);
void ssm_diag_conv_destroy(ssm_diag_conv *c);

#ifdef __cplusplus
}
#endif
#endif
