#include "net/mimo_layer.h"

ssm_status ssm_mimo_layer_activate(ssm_mimo_layer *m, ssm_mimo_discretize_fn fn, double dt_scale,
                                   const ssm_layer_env *env, ssm_layer_ctx *c)
{
    ssm_mimo_destroy(m->mimo);
    m->mimo = NULL;
    ssm_mimo_bank bank;
    ssm_status st = ssm_mimo_bank_init(&bank, m->width, m->states);
    if (st != SSM_OK)
        return ssm_layer_fail(c, st, "out of memory for the bank"), st;
    st = fn(m, dt_scale, &bank);
    if (st != SSM_OK || !(ssm_mimo_bank_max_pole(&bank) < 1.0)) {
        ssm_mimo_bank_free(&bank);
        ssm_layer_fail(c, SSM_ERR_FORMAT,
                       "the parameters give no stable discrete system at dt_scale %g (a pole "
                       "on or outside the unit circle, or not finite)",
                       dt_scale);
        return SSM_ERR_FORMAT;
    }
    /* The scan's chunk buffers hold T states; with the step planned the
     * chunked form never runs: keep it minimal. */
    size_t chunk = 1;
    if (env->offline != SSM_SCHEDULE_STEP)
        chunk = env->max_out < 1024 ? env->max_out : 1024;
    m->mimo = ssm_mimo_create(&bank, chunk, &st);
    ssm_mimo_bank_free(&bank);
    if (!m->mimo) {
        ssm_layer_fail(c, st, "cannot build the %s schedule", ssm_schedule_name(env->offline));
        return st;
    }
    return SSM_OK;
}

void ssm_mimo_layer_process(void *self, ssm_schedule sch, const ssm_frames *in, float *out,
                            size_t n_out, uint64_t first_out)
{
    ssm_mimo_layer *m = self;
    const size_t H = m->width;
    ssm_mimo_set_mode(m->mimo, sch == SSM_SCHEDULE_STEP ? SSM_MODE_STREAM : SSM_MODE_OFFLINE);
    ssm_mimo_process(m->mimo, in[0].data, H, 1, out, H, 1, n_out);
}

void ssm_mimo_layer_reset(void *self)
{
    ssm_mimo_layer *m = self;
    if (m->mimo)
        ssm_mimo_reset(m->mimo);
}

void ssm_mimo_layer_free(ssm_mimo_layer *m)
{
    ssm_mimo_destroy(m->mimo);
    m->mimo = NULL;
}
