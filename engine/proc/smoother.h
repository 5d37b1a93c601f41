/* Private: control smoothing on a fixed grid of the sample clock.
 *
 * A control glides toward the value the host set with a one-pole step at
 * every grid point (every `period` samples counted from activation), so a
 * moved knob is re-derived into coefficients a few hundred times a second,
 * never per sample, and the result does not depend on how the host cuts its
 * blocks. */
#ifndef SSM_SMOOTHER_H
#define SSM_SMOOTHER_H

#include <math.h>

typedef struct {
    float value;  /* where the control is now */
    float target; /* where the host put it */
    float eps;    /* closer than this counts as arrived */
} smoother;

static inline void smoother_init(smoother *s, float v, float eps)
{
    s->value = s->target = v;
    s->eps = eps;
}

/* One grid step with coefficient c in (0, 1]; returns 1 while moving. */
static inline int smoother_step(smoother *s, float c)
{
    if (s->value == s->target)
        return 0;
    s->value += c * (s->target - s->value);
    if (fabsf(s->target - s->value) <= s->eps)
        s->value = s->target;
    return 1;
}

static inline void smoother_snap(smoother *s)
{
    s->value = s->target;
}

#endif
