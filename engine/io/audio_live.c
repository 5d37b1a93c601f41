/* Live audio backends by name. Each lives in its own file
 * (audio_live_<name>.c) behind ssm_live_backend. */
#include <string.h>

#include "ssm/audio_live.h"

extern const ssm_live_backend ssm_live_portaudio;

static const ssm_live_backend *const backends[] = {&ssm_live_portaudio};

const ssm_live_backend *ssm_live_backend_get(const char *name)
{
    if (!name)
        return backends[0];
    for (size_t i = 0; i < sizeof backends / sizeof backends[0]; i++)
        if (strcmp(backends[i]->name, name) == 0)
            return backends[i];
    return NULL;
}
