/* Private: a node's context as the graph builder fills it and the kinds'
 * helpers (engine/net/node.c) read it. Kinds see it only through
 * net/layer.h. */
#ifndef SSM_NET_NODE_H
#define SSM_NET_NODE_H

#include <jansson.h>

#include "net/layer.h"

#define SSM_NODE_MAX_ID    64
#define SSM_NODE_MAX_KNOWN 32

struct ssm_layer_ctx {
    const ssm_model *model;
    const char *id, *kind, *prefix;
    json_t *node; /* NULL outside create */
    const ssm_stream *in;
    size_t n_in;
    const char *known[SSM_NODE_MAX_KNOWN];
    size_t n_known;
    unsigned char *used; /* the graph's tensor-used flags */
    ssm_error *err;
    ssm_status status;
};

#endif
