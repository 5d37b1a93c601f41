/* Private: the layer kinds the graph builder knows (engine/net/kinds.c). */
#ifndef SSM_NET_KINDS_H
#define SSM_NET_KINDS_H

#include <stddef.h>

#include "net/layer.h"

/* The kind's ops, or NULL. */
const ssm_layer_ops *ssm_kind_find(const char *kind);
/* "linear, conv1d, ..." into buf (for error messages). */
void ssm_kind_list(char *buf, size_t size);

#endif
