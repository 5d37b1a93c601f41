/* Hyena operator (Poli et al. 2023), as HazyResearch/safari defines it in
 * src/models/sequence/hyena.py (HyenaOperator with one head, one block,
 * inner_factor 1; HyenaFilter with normalized=False):
 *
 *   z = in_proj(u)                                  (order+1)*d channels
 *   z = causal depthwise conv(z, 3 taps) + bias      the short filter
 *   x_0 .. x_{order-1}, v = split(z, d)
 *   for o = 0 .. order-2, x_i = x_{order-1-o}   (the reference's
 *                                                 enumerate(reversed(x[1:])))
 *       v = v * x_i
 *       v = h_o * v + bias_o * v                 long causal convolution
 *   y = out_proj(v * x_0)
 *
 * The implicit filters h_o[channel][l]: positional encoding z(l) = [t,
 * cos(f w), -sin(f w)] (t = l/(l_max-1), w = 2 pi l/l_max, bands f =
 * linspace(1e-4, bands-1, bands)) -> Linear, sin(freq * .) -> (Linear,
 * sin) x n_inner -> Linear (no bias) to d*(order-1) channels -> times
 * exp(-t |delta_c|) + shift. Channel c of that output is filter o = c %
 * (order-1) of model channel c / (order-1).
 *
 * The filters are fixed after training: ssm_hyena_create generates them
 * once for the host's sample rate; the long convolutions then run as a
 * direct-form head of `block` taps plus a partitioned convolution
 * (ssm/partconv.h) of the rest, delayed by exactly `block`, so the
 * operator has zero latency for any call size. ssm_hyena_render is the
 * reference's whole-sequence FFT convolution, for offline rendering and
 * tests. Both give the same samples.
 *
 * Sequence length: the reference only runs sequences up to l_max (the
 * filter length). Streaming continues past it with the same l_max-tap FIR
 * (a sliding window), which agrees with the reference on every prefix up
 * to l_max.
 *
 * Sample rate: with dt_scale = f_trained / f_host, the filter is evaluated
 * at positions l*dt_scale (the learned positional table interpolated
 * linearly, t and the decay window exactly), has round(l_max / dt_scale)
 * taps, and is scaled by dt_scale so its continuous-time gain is kept.
 * The 3-tap short filter is per-sample and is not rescaled. */
#ifndef SSM_HYENA_H
#define SSM_HYENA_H

#include "ssm/common.h"

#ifdef __cplusplus
extern "C" {
#endif

#define SSM_HYENA_MAX_INNER 4

/* Weights in torch layout ([out][in] row-major), pointed at, not owned. */
typedef struct {
    size_t d_model, order;   /* d, N (order >= 2) */
    size_t emb_dim;          /* odd, >= 3 */
    size_t filter_order;     /* width of the implicit MLP */
    size_t n_inner;          /* inner (Linear, Sin) pairs, <= SSM_HYENA_MAX_INNER */
    size_t l_max;            /* filter length at the trained rate */
    const float *in_proj_w;  /* (order+1)d x d */
    const float *in_proj_b;  /* (order+1)d, or NULL */
    const float *short_w;    /* (order+1)d x 3 (short_filter.weight[:, 0, :]) */
    const float *short_b;    /* (order+1)d, or NULL */
    const float *out_proj_w; /* d x d */
    const float *out_proj_b; /* d, or NULL */
    const float *pos_z;      /* l_max x emb_dim (pos_emb.z), or NULL: the init formula */
    const float *mlp_w[SSM_HYENA_MAX_INNER + 1]; /* [0]: fo x emb_dim, [1..n_inner]: fo x fo */
    const float *mlp_b[SSM_HYENA_MAX_INNER + 1];
    const float *mlp_out_w;   /* d(order-1) x fo */
    const float *sin_freq;    /* fo (the shared Sin's freq) */
    const float *filter_bias; /* d(order-1) (filter_fn.bias) */
    const float *deltas;      /* d(order-1) (modulation.deltas) */
    float shift;              /* modulation shift (0 in the reference) */
} ssm_hyena_weights;

/* The implicit filters for L taps at dt_scale, k[(o*d + j)*L + l] for
 * filter o < order-1, channel j < d. Allocates scratch: not real-time. */
ssm_status ssm_hyena_filter(const ssm_hyena_weights *w, size_t L, double dt_scale, float *k);

/* The reference forward over a whole sequence u (L x d) from a zero state,
 * long convolutions by FFT of size 2L (filters of min(L, taps) taps).
 * Allocates and plans: offline only. */
ssm_status ssm_hyena_render(const ssm_hyena_weights *w, double dt_scale, const float *u, float *y,
                            size_t L);

typedef struct ssm_hyena ssm_hyena;

/* Generate the filters for dt_scale, plan the convolutions. block: the
 * direct-form head length and partition size (power of two, >= 16);
 * max_block: the largest process() call handled in one piece (larger ones
 * are split). One form serves both modes (partitioned convolution is
 * FFT-fast at zero latency), so there is no set_mode. */
ssm_hyena *ssm_hyena_create(const ssm_hyena_weights *w, double dt_scale, size_t block,
                            size_t max_block, ssm_status *status);
void ssm_hyena_destroy(ssm_hyena *m);
void ssm_hyena_reset(ssm_hyena *m);
/* Taps of each long filter at this rate. */
size_t ssm_hyena_filter_length(const ssm_hyena *m);

/* n steps, row-major n x d (u and y may alias). Zero latency, any n.
 * Real-time safe. */
void ssm_hyena_process(ssm_hyena *m, const float *u, float *y, size_t n);

#ifdef __cplusplus
}
#endif
#endif
