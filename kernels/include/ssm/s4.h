/* S4 with the diagonal-plus-low-rank (DPLR) state matrix.
 *
 * Reference: state-spaces/s4, models/s4/s4.py (SSMKernelDPLR) and
 * Gu, Goel, Re, "Efficiently Modeling Long Sequences with Structured State
 * Spaces" (ICLR 2022). One channel: H channels are H objects.
 *
 * Continuous time (stored):  A = diag(lambda) - p q^*  (n/2 complex modes
 * plus their conjugates, so the system is real of size n), B = b, C = c,
 * log dt at ref_rate. Activation at sample rate f uses dt = exp(log_dt) *
 * ref_rate / f (the continuous system is unchanged) and the bilinear rule:
 *
 *   A0 = 2/dt I + A,  D = (2/dt - lambda)^-1,
 *   A1 = (2/dt I - A)^-1 = D - D p (I + q^* D p)^-1 q^* D   (Woodbury),
 *   Abar = A1 A0,  Bbar = 2 A1 b,   y = 2 Re(c x) + d u.
 *
 * Both forms keep one real state of size n (the half system's real and
 * imaginary parts, in the eigenbasis of the normal part): the recurrent
 * step is a dense n x n real matrix-vector product (live, zero latency);
 * the chunked form (offline) is FFT convolution with the kernel inside a
 * chunk plus the carried state's response plus the state handed out, so
 * the two give the same samples and may be switched at any block
 * boundary. Dense Abar limits n to SSM_S4_MAX_N.
 *
 * The kernel is made as the reference makes it: the generating function at
 * the L roots of unity w through the Cauchy kernel with the Woodbury
 * correction,
 *   K^(w) = 2/(1+w) [ct R b - ct R p (I + q^* R p)^-1 q^* R b],
 *   R = (2/dt (1-w)/(1+w) - lambda)^-1,  ct = c (I - Abar^L),
 * and K = IFFT(K^); the ct factor undoes the truncation to L, so K equals
 * c Abar^l Bbar exactly (to rounding), with no aliasing.
 *
 * As in the reference, y is read from the state after the input enters, so
 * the discrete response is 2/(1 + z^-1) times the Tustin image of
 * H(s) = c (s - A)^-1 b: a 1/cos(w/2) tilt towards Nyquist that is part of
 * the model (the tests divide it out to compare rates).
 *
 * Precision: activation (discretisation, Abar powers, C~, the Cauchy sums)
 * runs in double; the forms run in float32. Measured against a double
 * recurrence: rel. error 3e-7..3e-6 for dt >= 1e-4 (at the running rate);
 * at dt = 1e-5 it grows to ~1e-4 (poles within 1e-5 of the unit circle
 * keep only float's 6e-8 resolution), so very slow modes would need a
 * double state.
 *
 * Documented ranges: Re(lambda - eigenvalues of A) < 0 (HiPPO-LegS:
 * eigenvalues -1..-n), dt > 0: the bilinear map puts every discrete pole
 * inside the unit circle. n even, 2 <= n <= SSM_S4_MAX_N, rank 1 or 2.
 */
#ifndef SSM_S4_H
#define SSM_S4_H

#include <complex.h>

#include "ssm/common.h"

#ifdef __cplusplus
extern "C" {
#endif

#define SSM_S4_MAX_N    512
#define SSM_S4_MAX_RANK 2

typedef struct {
    size_t n;                     /* real state size (even); n/2 complex modes */
    size_t rank;                  /* low-rank terms: 1 or 2 */
    double log_dt;                /* log of the step at ref_rate */
    double ref_rate;              /* sample rate (Hz) log_dt belongs to */
    const double complex *lambda; /* n/2 */
    const double complex *p;      /* rank x n/2 */
    const double complex *q;      /* rank x n/2, or NULL for q = p */
    const double complex *b;      /* n/2 */
    const double complex *c;      /* n/2 (the true C, not C~) */
    double d;                     /* skip */
} ssm_s4_params;

/* HiPPO-LegS initialisation in DPLR form (ssm_hippo_dplr): fills lambda,
 * p, b (n/2 each, caller's arrays) and out; the caller then sets out->c
 * (n/2 values, e.g. random normal as the reference) and out->d. */
ssm_status ssm_s4_init_legs(size_t n, double log_dt, double ref_rate, double complex *lambda,
                            double complex *p, double complex *b, ssm_s4_params *out);

/* K[0..L) by the Cauchy/Woodbury path at sample rate f (double, L >= 2).
 * Allocates: activation-time only. */
ssm_status ssm_s4_kernel(const ssm_s4_params *p, double sample_rate, size_t L, double *K);

/* The discrete system at sample rate f in the real basis: Abar (n x n
 * row-major), Bbar (n), C (n) with y = C x + d u. Any pointer may be NULL. */
ssm_status ssm_s4_discretize(const ssm_s4_params *p, double sample_rate, double *Abar, double *Bbar,
                             double *C);

typedef struct ssm_s4 ssm_s4;

/* Copies the parameters. Mode: SSM_MODE_STREAM. */
ssm_s4 *ssm_s4_create(const ssm_s4_params *p, ssm_status *status);
/* Derives Abar, Bbar, C, the kernel of length chunk, its spectrum and the
 * state tables for sample rate f, and zeroes the state. Allocates and
 * plans: never on the audio thread. chunk >= 1 is the offline chunk T. */
ssm_status ssm_s4_activate(ssm_s4 *s, double sample_rate, size_t chunk);
void ssm_s4_reset(ssm_s4 *s);
size_t ssm_s4_state_size(const ssm_s4 *s);
/* The state (n floats) for save/restore; valid after activate. */
float *ssm_s4_state(ssm_s4 *s);

void ssm_s4_set_mode(ssm_s4 *s, ssm_mode mode);
/* n samples in the mode's form; out may equal in. Real-time safe.
 * SSM_MODE_STREAM: the recurrence, one sample at a time, O(n_state^2) per
 * sample. SSM_MODE_OFFLINE: chunks of at most T (preplanned FFTs, no
 * allocation), O(log T + n_state) per sample plus O(n_state^2 log T / T). */
void ssm_s4_process(ssm_s4 *s, const float *in, float *out, size_t n);
/* The same with the state driven by `drive` and the skip term d * skip
 * (Liquid-S4's KB mode drives the state with a polynomial of the input). */
void ssm_s4_process_drive(ssm_s4 *s, const float *drive, const float *skip, float *out, size_t n);

/* The kernel of length chunk made at activation (float). */
const float *ssm_s4_activated_kernel(const ssm_s4 *s);
void ssm_s4_destroy(ssm_s4 *s);

#ifdef __cplusplus
}
#endif
#endif
