/* Private: how thoroughly the engine plans the offline schedules (FFTW's
 * rigor, and the kernels' schedule plans: ssm_diag_plan_offline). */
#ifndef SSM_CORE_PLAN_H
#define SSM_CORE_PLAN_H

#include "ssm/fft.h"

/* SSM_PLAN_MEASURE when the environment says SSM_PLAN=measure (each
 * shape's candidates are timed once per process, a few ms at the first
 * activation), else SSM_PLAN_ESTIMATE (the cost model: instant and the
 * same on every run). Read at activation, never in a process call. */
ssm_plan_rigor ssm_engine_plan_rigor(void);

#endif
