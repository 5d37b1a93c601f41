/* Mamba (selective state space) block, as state-spaces/mamba defines it:
 * mamba_ssm/modules/mamba_simple.py (Mamba.forward / Mamba.step) and
 * mamba_ssm/ops/selective_scan_interface.py (selective_scan_ref).
 *
 *   xz = in_proj(u)                  x, z: d_inner each
 *   x  = SiLU(causal depthwise conv1d(x) + conv_b)      (d_conv taps)
 *   (dt_low, B, C) = x_proj(x)        dt_rank, d_state, d_state
 *   dt = softplus(dt_proj(dt_low) + dt_b) * dt_scale
 *   h  = exp(dt A) h + dt B x,  A = -exp(A_log)   (per channel, per state)
 *   y  = (h C + D x) * SiLU(z);  out = out_proj(y)
 *
 * B-bar is dt*B, the reference's simplification, not full ZOH.
 *
 * One function, two schedules: in SSM_MODE_STREAM ssm_mamba_process runs
 * one time step after another (the recurrent form, O(1) per sample), in
 * SSM_MODE_OFFLINE the block in chunks with the state carried (each
 * projection one matrix product per chunk); both give the same output. */
#ifndef SSM_MAMBA_H
#define SSM_MAMBA_H

#include "ssm/common.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Weights in torch layout (nn.Linear weight is [out][in], row-major). The
 * struct only points at them; ssm_mamba_create copies what it needs. */
typedef struct {
    size_t d_model, d_inner, d_state, d_conv, dt_rank;
    const float *in_proj_w;  /* 2*d_inner x d_model */
    const float *in_proj_b;  /* 2*d_inner, or NULL (the reference default) */
    const float *conv_w;     /* d_inner x d_conv (conv1d.weight[:, 0, :]) */
    const float *conv_b;     /* d_inner, or NULL */
    const float *x_proj_w;   /* (dt_rank + 2*d_state) x d_inner */
    const float *dt_proj_w;  /* d_inner x dt_rank */
    const float *dt_proj_b;  /* d_inner */
    const float *A_log;      /* d_inner x d_state */
    const float *D;          /* d_inner */
    const float *out_proj_w; /* d_model x d_inner */
    const float *out_proj_b; /* d_model, or NULL */
} ssm_mamba_weights;

typedef struct ssm_mamba ssm_mamba;

/* Plan: check shapes, copy the weights into the layout the loops want, size
 * the scratch for chunks of up to max_chunk steps. Allocates. Mode:
 * SSM_MODE_STREAM. */
ssm_mamba *ssm_mamba_create(const ssm_mamba_weights *w, size_t max_chunk, ssm_status *status);
void ssm_mamba_destroy(ssm_mamba *m);

/* Sample-rate change: dt is multiplied by scale = f_trained / f_host (the
 * continuous-time SSM is unchanged). The conv1d taps are per-sample and
 * cannot be rescaled: a model run far from its training rate changes its
 * local filtering, so the engine should resample instead. Default 1. */
void ssm_mamba_set_dt_scale(ssm_mamba *m, float scale);

/* Zero the conv window and the SSM state. */
void ssm_mamba_reset(ssm_mamba *m);

void ssm_mamba_set_mode(ssm_mamba *m, ssm_mode mode);

/* n time steps, row-major n x d_model (u and y may alias), step by step or
 * in chunks of at most max_chunk (the mode). Real-time safe. */
void ssm_mamba_process(ssm_mamba *m, const float *u, float *y, size_t n);

/* State save/restore, ssm_mamba_state_size floats: the conv window
 * ((d_conv-1) x d_inner, oldest input first), then the SSM state h as
 * d_state x d_inner (state-major: the transpose of the reference's
 * (d_inner, d_state) ssm_state). */
size_t ssm_mamba_state_size(const ssm_mamba *m);
void ssm_mamba_get_state(const ssm_mamba *m, float *dst);
void ssm_mamba_set_state(ssm_mamba *m, const float *src);

/* The selective scan alone (selective_scan_ref with delta already through
 * softplus and bias, no z gate): for t < L, channel d < dim, state k < N,
 *   h[k,d] = exp(delta[t,d] At[k,d]) h[k,d] + delta[t,d] B[t,k] u[t,d]
 *   y[t,d] = D[d] u[t,d] + sum_k h[k,d] C[t,k]          (D may be NULL)
 * u, delta, y: L x dim, time-major; B, C: row t at B + t*ld_bc; At: N x dim
 * (the reference's A transposed, already negative); h: N x dim, carried in
 * and out. Channel-contiguous so the loop vectorises over channels. */
void ssm_selective_scan(float *restrict y, float *restrict h, const float *restrict u,
                        const float *restrict delta, const float *restrict At,
                        const float *restrict B, const float *restrict C, size_t ld_bc,
                        const float *restrict D, size_t L, size_t dim, size_t N);

#ifdef __cplusplus
}
#endif
#endif
