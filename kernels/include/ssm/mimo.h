/* The discrete MIMO diagonal bank shared by S5 and LRU: one complex state
 * of P modes driven by all H input channels and read by all H outputs.
 *
 *     x[t] = lambda (.) x[t-1] + Bbar u[t]      (P complex, u in R^H)
 *     y[t] = Re(C x[t]) + d (.) u[t]            (C: H x P complex)
 *
 * S5 with conjugate symmetry folds its factor 2 into C; LRU folds gamma
 * into Bbar. Layout: structure of arrays, modes padded to `stride` with
 * zeros; Bbar stored by input column (b[h * stride + p] = Bbar[p][h]) so
 * that adding one input sample to every state is a vector operation.
 *
 * Samples are addressed with two strides: sample t of channel h is
 * in[t * ts + h * cs] (frames: ts = H, cs = 1; planar: ts = 1, cs = len).
 */
#ifndef SSM_MIMO_H
#define SSM_MIMO_H

#include "ssm/common.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct {
    size_t channels; /* H */
    size_t states;   /* P */
    size_t stride;   /* P rounded up to SSM_DIAG_LANES */
    float *lam_re;   /* [stride] */
    float *lam_im;
    float *b_re; /* [H][stride] */
    float *b_im;
    float *c_re; /* [H][stride] */
    float *c_im;
    float *d; /* [H] */
} ssm_mimo_bank;

ssm_status ssm_mimo_bank_init(ssm_mimo_bank *b, size_t channels, size_t states);
void ssm_mimo_bank_free(ssm_mimo_bank *b);
/* Largest |lambda|; NaN when a pole is NaN (see ssm_diag_bank_max_pole). */
double ssm_mimo_bank_max_pole(const ssm_mimo_bank *b);

/* The bank with its state and both forms. Recurrent (SSM_MODE_STREAM): one
 * sample at a time. Offline: chunks of up to T samples, each as three
 * passes: Bbar U for the whole chunk (a dense product), the scan
 * x = lambda x + (Bbar u)[t] over time (the associative operator
 * (a1,b1).(a2,b2) = (a1 a2, a2 b1 + b2) applied left to right, vectorised
 * over states), then Re(C X) + d U. One state, so the forms can alternate
 * at any block boundary. */
typedef struct ssm_mimo ssm_mimo;

/* Copies the bank, zeroes the state; chunk: T >= 1. */
ssm_mimo *ssm_mimo_create(const ssm_mimo_bank *b, size_t chunk, ssm_status *status);
void ssm_mimo_destroy(ssm_mimo *m);
void ssm_mimo_set_mode(ssm_mimo *m, ssm_mode mode);
void ssm_mimo_reset(ssm_mimo *m);
/* n samples in the mode's form. out must not overlap in. Real-time safe. */
void ssm_mimo_process(ssm_mimo *m, const float *in, size_t in_ts, size_t in_cs, float *out,
                      size_t out_ts, size_t out_cs, size_t n);

/* Impulse responses: K[(o * H + i) * L + l] = response of output o to a
 * unit impulse on input i, l < L (without d), accumulated in double. */
ssm_status ssm_mimo_kernel(const ssm_mimo_bank *b, float *K, size_t L);

#ifdef __cplusplus
}
#endif
#endif
