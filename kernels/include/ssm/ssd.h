/* Mamba-2 state space duality (SSD) core, as state-spaces/mamba defines it
 * (mamba_ssm/modules/ssd_minimal.py, ssd_minimal_discrete; the recurrent
 * form of Mamba2.step in mamba_ssm/modules/mamba2.py).
 *
 * H heads of head dimension P share G groups of (B, C) (head h uses group
 * h / (H/G)); per head a scalar A_h < 0 and per step dt_{t,h} > 0 (already
 * through softplus and bias):
 *
 *   a_t = exp(dt_t A_h)
 *   S_t = a_t S_{t-1} + dt_t B_t x_t^T        (state N x P per head)
 *   y_t = S_t^T C_t + D_h x_t
 *
 * Offline, the chunked algorithm: inside a chunk of Q steps the quadratic
 * (attention-like) form y_l = sum_{s<=l} (C_l . B_s) exp(cs_l - cs_s) dt_s x_s
 * with cs the cumulative sum of dt A (the segment-sum decay mask), plus the
 * carried-in state's contribution exp(cs_l) S_in^T C_l; across chunks the
 * state is passed on (S_out = exp(cs_Q) S_in + sum_s exp(cs_Q - cs_s) dt_s
 * B_s x_s^T). Chunks may be of any length (the last one short), so the
 * result equals the recurrence for inputs of any length.
 *
 * Layout: x, y: row t at x + t*ldx, head h at h*P; dt: row t at dt +
 * t*lddt, one per head; B, C: row t at B + t*ldbc, group g at g*N. The
 * state is H x N x P (head, state, head-dim: the transpose of the
 * reference's (nheads, headdim, dstate) per head), so the step vectorises
 * over the head dimension. */
#ifndef SSM_SSD_H
#define SSM_SSD_H

#include "ssm/common.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct {
    size_t heads, head_dim, groups, d_state; /* H, P, G, N */
} ssm_ssd_shape;

/* One step (recurrent form). D may be NULL. Real-time safe. */
void ssm_ssd_step(const ssm_ssd_shape *s, float *restrict y, float *restrict state,
                  const float *restrict x, const float *restrict dt, const float *restrict A,
                  const float *restrict B, const float *restrict C, const float *restrict D);

/* Floats of scratch ssm_ssd_chunked needs for chunks of Q steps. */
size_t ssm_ssd_work_size(const ssm_ssd_shape *s, size_t Q);

/* L steps by the chunked algorithm with chunks of Q, state carried in and
 * out. work: ssm_ssd_work_size floats. Real-time safe (no allocation). */
void ssm_ssd_chunked(const ssm_ssd_shape *s, float *restrict y, size_t ldy, float *restrict state,
                     const float *restrict x, size_t ldx, const float *restrict dt, size_t lddt,
                     const float *restrict A, const float *restrict B, const float *restrict C,
                     size_t ldbc, const float *restrict D, size_t L, size_t Q,
                     float *restrict work);

/* ---- the Mamba-2 block around the core (mamba_ssm/modules/mamba2.py,
 * Mamba2 with d_mlp = 0, D per head, norm_before_gate = False) ----
 *
 *   (z, xBC, dt) = in_proj(u)        d_inner, d_inner + 2 G N, H
 *   xBC = SiLU(causal depthwise conv1d(xBC) + conv_b)    (d_conv taps)
 *   (x, B, C) = split(xBC);  dt = softplus(dt + dt_bias) * dt_scale
 *   y = SSD(x, dt, A = -exp(A_log), B, C) + D x
 *   y = RMSNorm(y * SiLU(z)) * norm_w   (per group of d_inner/G, eps 1e-5)
 *   out = out_proj(y)
 */
typedef struct {
    size_t d_model, d_inner, head_dim, groups, d_state, d_conv;
    const float *in_proj_w;  /* (2 d_inner + 2 G N + H) x d_model */
    const float *in_proj_b;  /* or NULL (the reference default) */
    const float *conv_w;     /* (d_inner + 2 G N) x d_conv */
    const float *conv_b;     /* d_inner + 2 G N, or NULL */
    const float *dt_bias;    /* H */
    const float *A_log;      /* H */
    const float *D;          /* H */
    const float *norm_w;     /* d_inner */
    const float *out_proj_w; /* d_model x d_inner */
    const float *out_proj_b; /* or NULL */
    float norm_eps;          /* 0: the reference's 1e-5 */
} ssm_mamba2_weights;

typedef struct ssm_mamba2 ssm_mamba2;

/* chunk: the SSD chunk length Q of the offline form; max_block: scratch
 * size (larger calls are split). Allocates. Mode: SSM_MODE_STREAM. */
ssm_mamba2 *ssm_mamba2_create(const ssm_mamba2_weights *w, size_t chunk, size_t max_block,
                              ssm_status *status);
void ssm_mamba2_destroy(ssm_mamba2 *m);
void ssm_mamba2_reset(ssm_mamba2 *m);
/* dt *= scale = f_trained / f_host (the conv taps are per-sample). */
void ssm_mamba2_set_dt_scale(ssm_mamba2 *m, float scale);
/* SSM_MODE_STREAM: the recurrent step per sample (default);
 * SSM_MODE_OFFLINE: the chunked SSD form. Either may follow the other at
 * any block boundary. */
void ssm_mamba2_set_mode(ssm_mamba2 *m, ssm_mode mode);
/* n steps, row-major n x d_model (u and y may alias). Real-time safe. */
void ssm_mamba2_process(ssm_mamba2 *m, const float *u, float *y, size_t n);

#ifdef __cplusplus
}
#endif
#endif
