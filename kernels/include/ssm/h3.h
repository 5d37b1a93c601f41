/* H3 (Dao, Fu et al. 2023, "Hungry Hungry Hippos"), as HazyResearch/H3
 * defines it in src/models/ssm/h3.py (head_dim = 1):
 *
 *   q, k, v = q_proj(u), k_proj(u), v_proj(u)            (Linear with bias)
 *   k  = shift_ssm(k) + shift_D * k      shift SSM: A = shift matrix, B, C of
 *                                        size Ns, i.e. the FIR
 *                                        kshift[j] = sum_m B[m] C[m+j], j < Ns
 *                                        (ss_kernel_shift.py: irfft(conj(B_f)
 *                                        C_f)); the reference initialises
 *                                        B = e_0, so kshift = C
 *   kv = k * v
 *   y  = S4D(kv) + D * kv                diagonal SSM (ss_kernel_diag.py:
 *                                        K = 2 Re(C (e^{dt A} - 1)/A e^{dt A l}))
 *   y  = y * q;  out = output_linear(y)
 *
 * The diagonal SSM runs on the shared diagonal bank (ssm/s4d.h, ssm/diag.h):
 * the recurrent step when streaming, the exact chunked FFT form offline,
 * both on one state, so the form can change at any block boundary. The
 * shift SSM is a short FIR, run in direct form in both. */
#ifndef SSM_H3_H
#define SSM_H3_H

#include "ssm/common.h"
#include "ssm/s4d.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct {
    size_t d_model;                                 /* H */
    size_t shift_n;                                 /* Ns: state size of the shift SSM */
    const float *q_w, *q_b, *k_w, *k_b, *v_w, *v_b; /* H x H, H (biases may be NULL) */
    const float *shift_B;                           /* H x Ns */
    const float *shift_C;       /* H x Ns (ssm_k_kernel.C with its channel axis of 1 dropped) */
    const float *shift_D;       /* H (ssm_k_D) */
    const ssm_s4d_params *ssm;  /* H channels; its d is H3's D */
    const float *out_w, *out_b; /* H x H, H (output_linear) */
} ssm_h3_weights;

typedef struct ssm_h3 ssm_h3;

/* Discretise the S4D part for dt_scale (= f_trained / f_host) with rule
 * disc (the reference uses ZOH), plan the chunked FFT form with chunks of
 * `chunk` samples, size scratch for max_block. Allocates and plans. Mode:
 * SSM_MODE_STREAM. */
ssm_h3 *ssm_h3_create(const ssm_h3_weights *w, ssm_discretization disc, double dt_scale,
                      size_t chunk, size_t max_block, ssm_status *status);
void ssm_h3_destroy(ssm_h3 *m);
void ssm_h3_reset(ssm_h3 *m);

/* The recurrent step (SSM_MODE_STREAM, the default) or the chunked FFT
 * (SSM_MODE_OFFLINE). May change between any two process calls; the
 * output stays continuous. */
void ssm_h3_set_mode(ssm_h3 *m, ssm_mode mode);

/* n steps, row-major n x H (u and y may alias). Real-time safe. */
void ssm_h3_process(ssm_h3 *m, const float *u, float *y, size_t n);

#ifdef __cplusplus
}
#endif
#endif
