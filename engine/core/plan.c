/* The engine's planning rigor (core/plan.h). */
#include "core/plan.h"

#include <stdlib.h>
#include <string.h>

ssm_plan_rigor ssm_engine_plan_rigor(void)
{
    const char *v = getenv("SSM_PLAN");
    return v && strcmp(v, "measure") == 0 ? SSM_PLAN_MEASURE : SSM_PLAN_ESTIMATE;
}
