/* Private: what the layer kinds on the kernels' diagonal bank share (s4d,
 * dss): the bank, rediscretised for the host rate at each activation and
 * checked for stability, one ssm_diag over it with the offline schedule
 * planned by the kernels (ssm_diag_plan_offline) for the layer's shape and
 * the most frames a call brings, at the engine's rigor (core/plan.h), and
 * the process and reset over the frames in place. A kind's struct starts
 * with an ssm_diag_layer, so the shared plan, process and reset serve as
 * the kind's own. */
#ifndef SSM_NET_DIAG_LAYER_H
#define SSM_NET_DIAG_LAYER_H

#include "net/layer.h"
#include "ssm/diag.h"

typedef struct {
    size_t width, modes, max_frames;
    ssm_diag_bank bank;
    ssm_diag *diag; /* the bank with its state and offline form, made at activate */
} ssm_diag_layer;

/* Fills the layer's bank from the kind's parameters for a host step of
 * dt_scale (in trained steps). */
typedef ssm_status (*ssm_diag_discretize_fn)(const void *kind, double dt_scale,
                                             ssm_diag_bank *bank);

/* The bank for width x modes (create time); false, with the failure
 * reported, when out of memory. */
int ssm_diag_layer_init(ssm_diag_layer *m, size_t width, size_t modes, ssm_layer_ctx *c);
/* Discretises through fn, refuses poles on or outside the unit circle (or
 * not finite; `unstable` names what else the kind's parameters may have
 * done wrong, or NULL), and builds the schedule env settled on. */
ssm_status ssm_diag_layer_activate(ssm_diag_layer *m, ssm_diag_discretize_fn fn,
                                   const char *unstable, const ssm_layer_env *env,
                                   ssm_layer_ctx *c);
/* For kinds with a bank of their own shape (s4nd): the schedule the
 * kernels' plan picks, and the bank's configuration for the schedule the
 * graph settled on: the kernels' plan itself (its chunk and the short calls
 * it leaves to the step) when that is the one, else the pinned schedule in
 * power-of-two chunks of up to 1024 frames (FFTW plans of other sizes may
 * allocate inside execute). */
ssm_schedule ssm_diag_layer_schedule(size_t channels, size_t modes, size_t max_frames);
ssm_diag_config ssm_diag_layer_config(size_t channels, size_t modes, size_t max_frames,
                                      ssm_schedule offline);
ssm_schedule ssm_diag_layer_plan(const void *self, size_t max_frames);
void ssm_diag_layer_process(void *self, ssm_schedule sch, const ssm_frames *in, float *out,
                            size_t n_out, uint64_t first_out);
void ssm_diag_layer_reset(void *self);
void ssm_diag_layer_free(ssm_diag_layer *m);

#endif
