/* -p and --set for the chain tools (chain_spec.h). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "chain_spec.h"

const char *chain_spec_plugin(ssm_lv2_world *w, const char *spec, char *uri, size_t size)
{
    snprintf(uri, size, "%s", spec);
    if (ssm_lv2_world_has_plugin(w, spec))
        return NULL;
    /* Try each split point, the longest plugin URI first. */
    for (const char *c = strrchr(spec, ':'); c && c > spec; c--) {
        if (*c != ':')
            continue;
        size_t len = (size_t)(c - spec);
        /* A prefix with no ':' of its own is no URI ("urn"); lilv would
         * complain about it on stderr. */
        if (len + 1 > size || !memchr(spec, ':', len))
            continue;
        memcpy(uri, spec, len);
        uri[len] = '\0';
        if (ssm_lv2_world_has_plugin(w, uri))
            return c + 1;
    }
    snprintf(uri, size, "%s", spec);
    return NULL;
}

int chain_spec_setting(const char *arg, char *name, size_t size, ssm_lv2_setting *setting,
                       char *why, size_t why_size)
{
    const char *eq = strchr(arg, '=');
    if (!eq || eq == arg) {
        snprintf(why, why_size, "--set wants SYMBOL=VALUE (got \"%s\")", arg);
        return -1;
    }
    char *end = NULL;
    float v = strtof(eq + 1, &end);
    if (end == eq + 1 || *end) {
        snprintf(why, why_size, "--set %s: \"%s\" is not a number", arg, eq + 1);
        return -1;
    }
    /* nan/inf parse as floats, and would reach a plugin's control port. */
    if (!isfinite(v)) {
        snprintf(why, why_size, "--set %s: \"%s\" is not a finite number", arg, eq + 1);
        return -1;
    }
    snprintf(name, size, "%.*s", (int)(eq - arg), arg);
    *setting = (ssm_lv2_setting){name, v};
    return 0;
}
