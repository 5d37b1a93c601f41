/* Private: the S4-DPLR parameters of a layer (kinds s4 and liquid_s4), read
 * from a node's params and tensors into one ssm_s4_params per channel.
 *
 * Params: "state" N (the real state size, even: N/2 complex modes M, at
 * most SSM_S4_MAX_N), "rank" R (1..SSM_S4_MAX_RANK, default 1).
 * Tensors (H channels):
 *   log_dt [H]; log_A_real, A_imag [H, M] (Lambda = -exp(log_A_real) + i A_imag);
 *   P_re, P_im [R, H, M] (A = diag(Lambda) - P P^*, conjugate-expanded);
 *   B_re, B_im, C_re, C_im [H, M] (C the true C, not C~); D [H].
 * dt = exp(log_dt) dt_scale: log_dt is stored at ref_rate 1 and activation
 * asks for sample rate 1 / dt_scale. */
#ifndef SSM_NET_DPLR_H
#define SSM_NET_DPLR_H

#include <complex.h>

#include "net/layer.h"
#include "ssm/s4.h"

typedef struct {
    size_t channels, modes, rank;
    double complex *store; /* per channel: lambda [M], p [R M], b [M], c [M] */
    ssm_s4_params *p;      /* [channels] pointing into store */
} ssm_dplr_set;

/* Reads them for a layer whose input width is `channels`; 0 after
 * ssm_layer_fail(). */
int ssm_dplr_read(ssm_layer_ctx *c, size_t channels, ssm_dplr_set *out);
void ssm_dplr_free(ssm_dplr_set *s);

#endif
