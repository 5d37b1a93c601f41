/* Private: the offline schedule of the layer kinds that run on the
 * kernels' diagonal bank (s4d, dss), planned by the kernels
 * (ssm_diag_plan_offline) for the layer's shape and the most frames a call
 * brings, at the engine's rigor (core/plan.h). */
#ifndef SSM_NET_DIAG_SCHEDULE_H
#define SSM_NET_DIAG_SCHEDULE_H

#include "net/layer.h"
#include "ssm/diag.h"

/* The layer's plan hook: the schedule the kernels' plan picks. */
ssm_schedule ssm_diag_schedule_plan(size_t channels, size_t modes, size_t max_frames);

/* The bank's configuration for the offline schedule the graph settled on:
 * the kernels' plan itself (its chunk and the short calls it leaves to the
 * step) when that is the one, else the pinned schedule in power-of-two
 * chunks of up to 1024 frames (FFTW plans of other sizes may allocate
 * inside execute). */
ssm_diag_config ssm_diag_schedule_config(size_t channels, size_t modes, size_t max_frames,
                                         ssm_schedule offline);

#endif
