/* Private: what the layer kinds on one MIMO diagonal recurrence share (lru,
 * s5): the kernels' ssm_mimo, rebuilt from a freshly discretised bank at each
 * activation (the host rate may have changed), its two schedules (the step
 * and the chunked scan, one state) and its reset. A kind's struct starts
 * with an ssm_mimo_layer, so ssm_mimo_layer_process and _reset serve as the
 * kind's own process and reset. */
#ifndef SSM_NET_MIMO_LAYER_H
#define SSM_NET_MIMO_LAYER_H

#include "net/layer.h"
#include "ssm/mimo.h"

typedef struct {
    size_t width, states;
    ssm_mimo *mimo;
} ssm_mimo_layer;

/* Fills a bank of the layer's width and states from the kind's parameters
 * for a host step of dt_scale (in trained steps). */
typedef ssm_status (*ssm_mimo_discretize_fn)(const void *kind, double dt_scale, ssm_mimo_bank *bank);

/* Discretises through fn, refuses a bank with a pole on or outside the unit
 * circle (or not finite), and builds the schedule env settled on. */
ssm_status ssm_mimo_layer_activate(ssm_mimo_layer *m, ssm_mimo_discretize_fn fn, double dt_scale,
                                   const ssm_layer_env *env, ssm_layer_ctx *c);
void ssm_mimo_layer_process(void *self, ssm_schedule sch, const ssm_frames *in, float *out,
                            size_t n_out, uint64_t first_out);
void ssm_mimo_layer_reset(void *self);
void ssm_mimo_layer_free(ssm_mimo_layer *m);

#endif
