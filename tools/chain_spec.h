/* The plugin chain as ssm-render and ssm-live take it on the command line:
 * -p URI[:preset] and --set SYMBOL=VALUE, parsed into the LV2 host's stage
 * and setting descriptions. The host library knows nothing of these
 * flags; the tools compile this file in. */
#ifndef SSM_TOOLS_CHAIN_SPEC_H
#define SSM_TOOLS_CHAIN_SPEC_H

#include <stddef.h>

#include "ssm/lv2host.h"

/* Split "URI[:preset]": the longest prefix before a ':' that names an
 * installed plugin is the URI (URIs hold colons themselves). Writes the URI
 * into uri (size bytes) and returns the preset part, or NULL for none. */
const char *chain_spec_plugin(ssm_lv2_world *w, const char *spec, char *uri, size_t size);

/* Parse "SYMBOL=VALUE" into *setting; the symbol is copied into name (size
 * bytes), which setting then points at. Returns 0, or -1 with a sentence
 * naming the argument and what is wrong with it in why. */
int chain_spec_setting(const char *arg, char *name, size_t size, ssm_lv2_setting *setting,
                       char *why, size_t why_size);

#endif
