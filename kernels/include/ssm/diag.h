/* The discrete diagonal bank: H independent channels (SISO), each a sum
 * of M complex first-order modes. It is the shared engine under S4D, DSS,
 * H3, GSS and any modal filter (the resonator, the modal reverb, a denoiser
 * layer) that brings its own poles.
 *
 * Per channel h and mode m, the weight w_m sits on one side of the
 * recurrence (ssm_diag_weighting):
 *
 *   output:  x[t] = lambda x[t-1] + u[t],      y[t] = Re(sum_m w_m x_m[t]) + d u[t]
 *   input:   x[t] = lambda x[t-1] + w u[t],    y[t] = Re(sum_m x_m[t]) + d u[t]
 *
 * Both have the impulse response K[l] = Re(sum_m w_m lambda_m^l) (+ d at
 * l = 0), so with fixed coefficients they are the same filter. They differ
 * while coefficients move: on the output (the input gain folded into the
 * read-out, a B-normalised state, as S4D writes it: w = 2 C Bbar with
 * conjugate symmetry, w = C Bbar for an LRU-style read-out) a new weight
 * rescales what is already ringing; on the input (a modal filter's mode
 * gains) it acts on new input only, so a gain that glides never makes a
 * decaying tail jump.
 *
 * Layout: structure of arrays, channel-major, each channel's modes padded
 * to `stride` (a multiple of SSM_DIAG_LANES) with lambda = 0 and w = 0, so
 * the padding contributes nothing and inner loops have no remainder.
 *
 * The two forms run in one object, ssm_diag: the recurrence (SSM_MODE_STREAM,
 * zero latency, O(M) per sample) and the offline schedule planned at
 * create (SSM_MODE_OFFLINE): the exact chunked convolution
 * (kernels/diag_conv.h: FFT of the kernel inside a chunk, the carried
 * state's response and the state handed out as small dense products; or
 * the same without the transform), or the recurrence itself where that is
 * the fastest. All read and write one state, so the mode may change at any
 * block boundary without a click.
 */
#ifndef SSM_DIAG_H
#define SSM_DIAG_H

#include "ssm/common.h"
#include "ssm/fft.h"

#ifdef __cplusplus
extern "C" {
#endif

#define SSM_DIAG_LANES 16
/* Sub-chunk of the offline form's state terms (see kernels/diag_conv.h). */
#define SSM_DIAG_SUB 32

typedef enum {
    SSM_DIAG_WEIGHT_OUTPUT = 0, /* y = Re(w x): S4D, DSS (the default) */
    SSM_DIAG_WEIGHT_INPUT = 1,  /* x = lambda x + w u: modal filters */
} ssm_diag_weighting;

typedef struct {
    size_t channels; /* H */
    size_t modes;    /* M: complex modes per channel */
    size_t stride;   /* M rounded up to SSM_DIAG_LANES */
    ssm_diag_weighting weighting;
    float *lam_re; /* [channels * stride] discrete poles */
    float *lam_im;
    float *w_re; /* [channels * stride] weights */
    float *w_im;
    float *d; /* [channels] direct feed-through */
} ssm_diag_bank;

/* A zeroed bank (64-byte aligned arrays), weights on the output. */
ssm_status ssm_diag_bank_init(ssm_diag_bank *b, size_t channels, size_t modes);
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

/* Largest |lambda| over the bank: < 1 means every mode decays. NaN when a
 * pole is NaN, so that a check written "max_pole < 1" refuses it. */
double ssm_diag_bank_max_pole(const ssm_diag_bank *b);

/* The convolution kernel K[h * ld + l] = Re(sum_m w lambda^l) for l < L,
 * without d. Powers are accumulated in double, so K is accurate to float
 * rounding for any L. Allocates scratch; not real-time (O(H M L)). */
ssm_status ssm_diag_kernel(const ssm_diag_bank *b, float *K, size_t ld, size_t L);

/* ---- the bank with its state and both forms ---- */

/* The offline schedules, all exact: the chunked FFT convolution (O(log T)
 * + 8 M flops a sample), the chunked scan without a transform (8 M + 64),
 * and the recurrence itself (11 M: the streaming form). SSM_DIAG_PLANNED
 * chooses among them for the bank's shape and the block size, as FFTW
 * plans a transform (ssm_diag_plan_offline). */
typedef enum {
    SSM_DIAG_FFT = 0,
    SSM_DIAG_SCAN = 1,
    SSM_DIAG_STEP = 2,
    SSM_DIAG_PLANNED = 3,
} ssm_diag_method;

typedef struct {
    size_t chunk;           /* offline chunk T >= 1 (0: 1024; PLANNED: chosen) */
    ssm_diag_method method; /* SSM_DIAG_FFT */
    ssm_plan_rigor rigor;   /* SSM_PLAN_ESTIMATE: FFTW's, and PLANNED's */
    size_t block;           /* PLANNED: the most samples a process call brings (0: 8192) */
} ssm_diag_config;

/* An offline schedule: method (FFT, SCAN or STEP) in chunks of `chunk`;
 * calls of fewer than min_block samples run the step (their per-call
 * state terms would cost more than the recurrence). */
typedef struct {
    ssm_diag_method method;
    size_t chunk;
    size_t min_block;
} ssm_diag_plan;

/* The fastest exact offline schedule for a bank of `channels` x `modes`
 * with that weighting, at process calls of up to `block` samples, at the
 * SIMD level this process runs. ESTIMATE: a cost model (flops per sample
 * of each schedule over its efficiency measured on the reference machines,
 * kernels/diag_plan.c); MEASURE: times each candidate on a bank of this
 * shape at this block size, once per shape and process (later calls get
 * the kept answer, as FFTW keeps wisdom; a few ms the first time). A
 * chunked schedule is chosen only where it beats the step by a margin, so
 * the offline form is never slower than the streaming one by the plan's
 * own measure. Thread-safe; not real-time. */
ssm_diag_plan ssm_diag_plan_offline(size_t channels, size_t modes, ssm_diag_weighting weighting,
                                    size_t block, ssm_plan_rigor rigor);

typedef struct ssm_diag ssm_diag;

/* Copies the bank, zeroes the state, plans the offline form. cfg may be
 * NULL (the defaults above). Mode: SSM_MODE_STREAM. */
ssm_diag *ssm_diag_create(const ssm_diag_bank *b, const ssm_diag_config *cfg, ssm_status *status);
void ssm_diag_destroy(ssm_diag *d);
void ssm_diag_set_mode(ssm_diag *d, ssm_mode mode);
void ssm_diag_reset(ssm_diag *d);

/* n samples of every channel: channel h reads in[h * in_ld + t] and writes
 * out[h * out_ld + t]; out may equal in (same pointer and stride). The
 * form is the mode's. Real-time safe: no allocation, no locks. After the
 * coefficients changed (ssm_diag_set_bank, ssm_diag_glide) the first
 * offline call re-derives the offline form's tables: O(H M T) work once,
 * without allocating. */
void ssm_diag_process(ssm_diag *d, const float *in, size_t in_ld, float *out, size_t out_ld,
                      size_t n);
/* The same on any layout: sample t of channel h at in[h * in_ld + t *
 * in_ts] and out[h * out_ld + t * out_ts] (frame-major data, [n][channels],
 * is in_ld = 1, in_ts = channels). out may equal in with the same strides. */
void ssm_diag_process_strided(ssm_diag *d, const float *in, size_t in_ld, size_t in_ts, float *out,
                              size_t out_ld, size_t out_ts, size_t n);

/* New coefficients at once (a bank of the same channels, modes and
 * weighting; else SSM_ERR_INVALID). The state is kept. Real-time safe. */
ssm_status ssm_diag_set_bank(ssm_diag *d, const ssm_diag_bank *b);

/* The recurrence while lambda, w and d glide on straight lines from their
 * current values to target's, arriving after `remaining` samples, of which
 * this call does the first n (n >= remaining arrives at the end of the
 * call): sample t of the call uses current + (t + 1) / remaining (target -
 * current). A straight line between two points inside the unit disc stays
 * inside it, so every intermediate pole is stable and the state stays
 * bounded however fast a control moves. Runs the recurrence in either
 * mode. target: same shape and weighting (else SSM_ERR_INVALID, out
 * zeroed). Real-time safe. */
ssm_status ssm_diag_glide(ssm_diag *d, const ssm_diag_bank *target, const float *in, size_t in_ld,
                          float *out, size_t out_ld, size_t n, size_t remaining);

/* The schedule SSM_MODE_OFFLINE runs (chosen at create). */
ssm_diag_plan ssm_diag_get_plan(const ssm_diag *d);

/* The coefficients in use (read-only: change them through set_bank or
 * glide so the offline form follows). */
const ssm_diag_bank *ssm_diag_get_bank(const ssm_diag *d);

#ifdef __cplusplus
}
#endif
#endif
