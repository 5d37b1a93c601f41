/* The diagonal-bank layer kinds' shared part (net/diag_layer.h). */
#include "net/diag_layer.h"

#include "core/plan.h"

static ssm_schedule from_method(ssm_diag_method m)
{
    return m == SSM_DIAG_FFT    ? SSM_SCHEDULE_FFT
           : m == SSM_DIAG_SCAN ? SSM_SCHEDULE_SCAN
                                : SSM_SCHEDULE_STEP;
}

ssm_schedule ssm_diag_layer_schedule(size_t channels, size_t modes, size_t max_frames)
{
    const ssm_diag_plan p = ssm_diag_plan_offline(channels, modes, SSM_DIAG_WEIGHT_OUTPUT,
                                                  max_frames, ssm_engine_plan_rigor());
    return from_method(p.method);
}

ssm_diag_config ssm_diag_layer_config(size_t channels, size_t modes, size_t max_frames,
                              ssm_schedule offline)
{
    const ssm_plan_rigor rigor = ssm_engine_plan_rigor();
    if (offline == ssm_diag_layer_schedule(channels, modes, max_frames))
        return (ssm_diag_config){.method = SSM_DIAG_PLANNED, .rigor = rigor, .block = max_frames};
    size_t chunk = 1;
    while (offline != SSM_SCHEDULE_STEP && chunk < max_frames && chunk < 1024)
        chunk *= 2;
    return (ssm_diag_config){
        .chunk = chunk,
        .method = offline == SSM_SCHEDULE_FFT    ? SSM_DIAG_FFT
                  : offline == SSM_SCHEDULE_SCAN ? SSM_DIAG_SCAN
                                                 : SSM_DIAG_STEP,
        .rigor = rigor,
    };
}

int ssm_diag_layer_init(ssm_diag_layer *m, size_t width, size_t modes, ssm_layer_ctx *c)
{
    m->width = width;
    m->modes = modes;
    if (ssm_diag_bank_init(&m->bank, width, modes) != SSM_OK) {
        ssm_layer_fail(c, SSM_ERR_NOMEM, "out of memory for %zu x %zu modes", width, modes);
        return 0;
    }
    return 1;
}

ssm_status ssm_diag_layer_activate(ssm_diag_layer *m, ssm_diag_discretize_fn fn,
                                   const char *unstable, const ssm_layer_env *env,
                                   ssm_layer_ctx *c)
{
    ssm_diag_destroy(m->diag);
    m->diag = NULL;
    m->max_frames = env->max_out;
    ssm_status st = fn(m, env->dt_scale, &m->bank);
    if (st != SSM_OK || !(ssm_diag_bank_max_pole(&m->bank) < 1.0)) {
        ssm_layer_fail(c, SSM_ERR_FORMAT,
                       "the parameters give no stable discrete system at dt_scale %g (a pole "
                       "on or outside the unit circle, %s%snot finite)",
                       env->dt_scale, unstable ? unstable : "", unstable ? ", or " : "or ");
        return SSM_ERR_FORMAT;
    }
    const ssm_diag_config cfg = ssm_diag_layer_config(m->width, m->modes, m->max_frames, env->offline);
    m->diag = ssm_diag_create(&m->bank, &cfg, &st);
    if (!m->diag) {
        ssm_layer_fail(c, st, "cannot build the %s schedule", ssm_schedule_name(env->offline));
        return st;
    }
    return SSM_OK;
}

/* On the measured CPUs the kernels' plan is the step, whose offline form
 * then is the streaming one; a chunked form where it beats the step. */
ssm_schedule ssm_diag_layer_plan(const void *self, size_t max_frames)
{
    const ssm_diag_layer *m = self;
    return ssm_diag_layer_schedule(m->width, m->modes, max_frames);
}

void ssm_diag_layer_process(void *self, ssm_schedule sch, const ssm_frames *in, float *out,
                            size_t n_out, uint64_t first_out)
{
    ssm_diag_layer *m = self;
    const size_t H = m->width;
    /* The bank reads and writes the frames where they are ([n][H]). */
    ssm_diag_set_mode(m->diag, sch == SSM_SCHEDULE_STEP ? SSM_MODE_STREAM : SSM_MODE_OFFLINE);
    ssm_diag_process_strided(m->diag, in[0].data, 1, H, out, 1, H, n_out);
}

void ssm_diag_layer_reset(void *self)
{
    ssm_diag_layer *m = self;
    if (m->diag)
        ssm_diag_reset(m->diag);
}

void ssm_diag_layer_free(ssm_diag_layer *m)
{
    ssm_diag_destroy(m->diag);
    m->diag = NULL;
    ssm_diag_bank_free(&m->bank);
}
