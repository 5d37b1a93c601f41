/* Private to kernels/: the offline form of a diagonal bank, which ssm_diag
 * (diag.c) runs in SSM_MODE_OFFLINE.
 *
 * Exact chunked convolution: for each chunk of c <= T samples (T = the
 * chunk size fixed at create), with the weights on the output,
 *
 *   y[t] = (K[0..T) * u)[t]                 FFT of size 2T, no truncation
 *        + Re(sum_m w_m lambda_m^(t+1) x0_m)  the carried-in state
 *        + d u[t]
 *   x_out = lambda^c x0 + sum_t lambda^(c-1-t) u[t]
 *
 * (with the weights on the input, w moves from the carried-in term to the
 * state handed out: Re(sum lambda^(t+1) x0) and w sum lambda^(c-1-t) u[t]).
 * That is the recurrence itself, reorganised: for inputs of any length it
 * gives the recurrent form's samples (to float rounding), and it reads and
 * writes the same state, so a processor can switch forms at any block
 * boundary without a click. Blocks of any size are accepted and the latency
 * is zero: a call with n samples is cut into chunks of at most T, a short
 * chunk is zero-padded inside the same 2T transform.
 *
 * The state terms run per sub-chunk of SSM_DIAG_SUB samples as small dense
 * products with tables of lambda powers made at create (GEMM-shaped, no
 * serial dependency), so their cost is 8 M flops per sample next to the
 * FFT's O(log T). The carried-in state decays towards zero across a long
 * chunk: run it with denormals flushed (the engine sets FTZ/DAZ around
 * every process call) or those products can cost microcode assists.
 *
 * SSM_DIAG_SCAN is the same chunked form without the transform: inside each
 * sub-chunk a direct convolution with K[0..SUB), and the state at every
 * sub-chunk start (carried state plus the chunk's earlier inputs,
 * accumulated by the same power tables). Exact in the same sense, 8 M + 64
 * flops per sample and no FFT.
 */
#ifndef SSM_DIAG_CONV_H
#define SSM_DIAG_CONV_H

#include "ssm/diag.h"
#include "ssm/fft.h"

/* Private to the kernels: linked into libssmaudio, never exported from it. */
#define SSM_PRIVATE __attribute__((visibility("hidden")))

typedef struct ssm_diag_conv ssm_diag_conv;

/* Plans the FFTs and builds the tables for bank b (copied, so b may change
 * or go away afterwards). chunk: T >= 1. */
SSM_PRIVATE ssm_diag_conv *ssm_diag_conv_create(const ssm_diag_bank *b, size_t chunk,
                                                ssm_plan_rigor rigor, ssm_diag_method method,
                                                ssm_status *status);
/* Re-derive the tables from a bank of the same shape (new coefficients):
 * no allocation, no planning, no lock, but O(H M T) work (FFT method) or
 * O(H M SUB) (scan). */
SSM_PRIVATE ssm_status ssm_diag_conv_update(ssm_diag_conv *c, const ssm_diag_bank *b);
/* n samples of every channel; xr, xi: the state, [channels][stride]. Same
 * strides and aliasing rule as ssm_diag_process_strided. Real-time safe. */
SSM_PRIVATE void ssm_diag_conv_process(ssm_diag_conv *c, float *xr, float *xi, const float *in,
                                       size_t in_ld, size_t is, float *out, size_t out_ld,
                                       size_t os, size_t n);
SSM_PRIVATE void ssm_diag_conv_destroy(ssm_diag_conv *c);

#endif
