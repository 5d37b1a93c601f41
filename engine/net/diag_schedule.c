/* The diagonal-bank kinds' offline schedule (net/diag_schedule.h). */
#include "net/diag_schedule.h"

#include "core/plan.h"

static ssm_schedule from_method(ssm_diag_method m)
{
    return m == SSM_DIAG_FFT    ? SSM_SCHEDULE_FFT
           : m == SSM_DIAG_SCAN ? SSM_SCHEDULE_SCAN
                                : SSM_SCHEDULE_STEP;
}

ssm_schedule ssm_diag_schedule_plan(size_t channels, size_t modes, size_t max_frames)
{
    const ssm_diag_plan p = ssm_diag_plan_offline(channels, modes, SSM_DIAG_WEIGHT_OUTPUT,
                                                  max_frames, ssm_engine_plan_rigor());
    return from_method(p.method);
}

ssm_diag_config ssm_diag_schedule_config(size_t channels, size_t modes, size_t max_frames,
                                         ssm_schedule offline)
{
    const ssm_plan_rigor rigor = ssm_engine_plan_rigor();
    if (offline == ssm_diag_schedule_plan(channels, modes, max_frames))
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
