/* GSS, the gated state space layer (Mehta, Gupta, Cutkosky, Neyshabur
 * 2022, "Long Range Language Modeling via Gated State Spaces", Fig. 1):
 *
 *   v  = GELU(W_v u + b_v)          F wide (the gate)
 *   w  = GELU(W_u u + b_u)          H wide (reduced width)
 *   y  = DSS(w)                     H independent diagonal SSMs, + D w
 *   o  = W_o ((W_c y + b_c) * v) + b_o
 *
 * The paper's layer also normalises the input and adds the shortcut; those
 * belong to the network around this kernel. GELU is the exact erf form
 * (torch.nn.GELU()). The DSS runs on the shared diagonal bank
 * (ssm/dss.h, ssm/diag.h): recurrent step when streaming, the exact
 * chunked FFT form offline, one state for both. */
#ifndef SSM_GSS_H
#define SSM_GSS_H

#include "ssm/common.h"
#include "ssm/dss.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct {
    size_t d_model;            /* E */
    size_t d_ff;               /* F */
    size_t d_ssm;              /* H */
    const float *v_w, *v_b;    /* F x E, F (bias may be NULL) */
    const float *u_w, *u_b;    /* H x E, H */
    const ssm_dss_params *dss; /* H channels */
    ssm_dss_variant variant;
    size_t l_max;           /* DSS-softmax normalising length at the trained rate */
    const float *c_w, *c_b; /* F x H, F */
    const float *o_w, *o_b; /* E x F, E */
} ssm_gss_weights;

typedef struct ssm_gss ssm_gss;

/* Discretise the DSS part for dt_scale (= f_trained / f_host), plan its
 * chunked FFT form with chunks of `chunk`, size scratch for max_block.
 * Allocates and plans. Mode: SSM_MODE_STREAM. */
ssm_gss *ssm_gss_create(const ssm_gss_weights *w, double dt_scale, size_t chunk, size_t max_block,
                        ssm_status *status);
void ssm_gss_destroy(ssm_gss *m);
void ssm_gss_reset(ssm_gss *m);
/* The recurrent form (SSM_MODE_STREAM, the default) or the chunked FFT
 * (SSM_MODE_OFFLINE); may change at any block. */
void ssm_gss_set_mode(ssm_gss *m, ssm_mode mode);
/* n steps, row-major n x E (u and y may alias). Real-time safe. */
void ssm_gss_process(ssm_gss *m, const float *u, float *y, size_t n);

#ifdef __cplusplus
}
#endif
#endif
