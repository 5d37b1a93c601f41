/* Private: a bank of N complex one-pole modes, the diagonal SSM that the
 * resonator and the reverb are made of.
 *
 *     x_k[t] = a_k x_k[t-1] + b_k u[t],      y[t] = sum_k Re x_k[t]
 *
 * (the output projection C is folded into b, as S4D does with C B). Two
 * schedules of the same function: the recurrence (live) and the exact
 * chunked form (offline): FFT convolution with the kernel
 * K[l] = Re sum_k b_k a_k^l inside a chunk, plus the free response of the
 * state carried in, plus the state handed out. */
#ifndef SSM_MODAL_BANK_H
#define SSM_MODAL_BANK_H

#include <stdint.h>

#include "ssm/common.h"

typedef struct modal_fft modal_fft;

typedef struct {
    uint32_t n;                   /* modes, a multiple of 8 */
    float *ar, *ai, *br, *bi;     /* coefficients in use */
    float *tar, *tai, *tbr, *tbi; /* targets, written by the owner */
    float *xr, *xi;               /* state */
    modal_fft *fft;               /* the chunked form, NULL when not planned */
} modal_bank;

/* Non-real-time. chunk = 0 plans no offline form. */
ssm_status modal_bank_init(modal_bank *b, uint32_t n_modes, uint32_t chunk);
void modal_bank_free(modal_bank *b);
void modal_bank_clear_state(modal_bank *b);
/* Make the targets current at once (activation, reset). */
void modal_bank_jump(modal_bank *b);

/* Recurrence over n samples with fixed coefficients. */
void modal_bank_run(modal_bank *b, const float *u, float *y, uint32_t n);

/* Recurrence while the coefficients glide linearly from their current
 * values to the targets, arriving after `remaining` samples, of which this
 * call does the first n. A straight line between two points inside the
 * unit disc stays inside it, so every intermediate pole is stable and the
 * state stays bounded however fast a control moves. */
void modal_bank_ramp(modal_bank *b, const float *u, float *y, uint32_t n, uint32_t remaining);

/* Chunked form over n samples with fixed coefficients: the same output as
 * modal_bank_run(b, u, y, n) up to float rounding. Real-time safe
 * (pre-planned FFTs); recomputes the kernel after coefficients changed,
 * which costs N x chunk operations once. */
void modal_bank_run_chunked(modal_bank *b, const float *u, float *y, uint32_t n);

#endif
