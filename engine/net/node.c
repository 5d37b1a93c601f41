/* The helpers layer kinds use (net/layer.h): inputs, parameters, tensors
 * and errors, all through the node's context, so that every message names
 * the file, the node id, its kind and the reason. */
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "net/node.h"

int ssm_layer_fail(ssm_layer_ctx *c, ssm_status status, const char *fmt, ...)
{
    char why[400];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(why, sizeof why, fmt, ap);
    va_end(ap);
    c->status = status;
    ssm_error_set(c->err, status, "%s: node \"%s\" (%s): %s", ssm_model_path(c->model), c->id,
                  c->kind, why);
    return 0;
}

ssm_status ssm_layer_status(const ssm_layer_ctx *c)
{
    return c->status;
}

size_t ssm_layer_n_inputs(const ssm_layer_ctx *c)
{
    return c->n_in;
}

const ssm_stream *ssm_layer_input(const ssm_layer_ctx *c, size_t i)
{
    return i < c->n_in ? &c->in[i] : NULL;
}

const char *ssm_layer_id(const ssm_layer_ctx *c)
{
    return c->id;
}

static json_t *param(ssm_layer_ctx *c, const char *key)
{
    if (c->n_known < SSM_NODE_MAX_KNOWN)
        c->known[c->n_known++] = key;
    return c->node ? json_object_get(c->node, key) : NULL;
}

int ssm_param_has(ssm_layer_ctx *c, const char *key)
{
    return param(c, key) != NULL;
}

int ssm_param_size(ssm_layer_ctx *c, const char *key, size_t lo, size_t hi, size_t def, size_t *out)
{
    json_t *v = param(c, key);
    if (!v) {
        if (def == SSM_PARAM_REQUIRED)
            return ssm_layer_fail(c, SSM_ERR_FORMAT, "parameter \"%s\" is missing", key);
        *out = def;
        return 1;
    }
    json_int_t x = json_is_integer(v) ? json_integer_value(v) : -1;
    if (!json_is_integer(v) || x < 0 || (uint64_t)x < lo || (uint64_t)x > hi)
        return ssm_layer_fail(c, SSM_ERR_FORMAT,
                              "parameter \"%s\" must be an integer in [%zu, %zu]", key, lo, hi);
    *out = (size_t)x;
    return 1;
}

int ssm_param_number(ssm_layer_ctx *c, const char *key, double lo, double hi, double def,
                     double *out)
{
    json_t *v = param(c, key);
    if (!v) {
        if (isnan(def))
            return ssm_layer_fail(c, SSM_ERR_FORMAT, "parameter \"%s\" is missing", key);
        *out = def;
        return 1;
    }
    double x = json_is_number(v) ? json_number_value(v) : NAN;
    if (!(x >= lo && x <= hi))
        return ssm_layer_fail(c, SSM_ERR_FORMAT, "parameter \"%s\" must be a number in [%g, %g]",
                              key, lo, hi);
    *out = x;
    return 1;
}

int ssm_param_bool(ssm_layer_ctx *c, const char *key, int def, int *out)
{
    json_t *v = param(c, key);
    if (!v) {
        *out = def;
        return 1;
    }
    if (!json_is_boolean(v))
        return ssm_layer_fail(c, SSM_ERR_FORMAT, "parameter \"%s\" must be true or false", key);
    *out = json_is_true(v);
    return 1;
}

int ssm_param_choice(ssm_layer_ctx *c, const char *key, const char *const *choices, int def,
                     int *out)
{
    json_t *v = param(c, key);
    if (!v && def >= 0) {
        *out = def;
        return 1;
    }
    const char *s = json_is_string(v) ? json_string_value(v) : NULL;
    for (int i = 0; s && choices[i]; i++)
        if (strcmp(s, choices[i]) == 0) {
            *out = i;
            return 1;
        }
    char list[200];
    size_t at = 0;
    list[0] = 0;
    for (int i = 0; choices[i] && at < sizeof list; i++)
        at += (size_t)snprintf(list + at, sizeof list - at, "%s\"%s\"", i ? ", " : "", choices[i]);
    return ssm_layer_fail(c, SSM_ERR_FORMAT, "parameter \"%s\" %s: want one of %s", key,
                          v ? "is not a known choice" : "is missing", list);
}

const ssm_tensor *ssm_layer_tensor(ssm_layer_ctx *c, const char *name, uint32_t ndim,
                                   const uint64_t *shape)
{
    char full[3 * SSM_NODE_MAX_ID + 8];
    snprintf(full, sizeof full, "%s.%s", c->prefix, name);
    const ssm_tensor *t = ssm_model_tensor(c->model, full);
    if (!t) {
        ssm_layer_fail(c, SSM_ERR_FORMAT, "tensor \"%s\" is missing", full);
        return NULL;
    }
    int same = t->ndim == ndim;
    for (uint32_t d = 0; same && d < ndim; d++)
        same = t->shape[d] == shape[d];
    if (!same) {
        char want[96], got[96];
        size_t a = 0, b = 0;
        want[0] = got[0] = 0;
        for (uint32_t d = 0; d < ndim && a < sizeof want; d++)
            a += (size_t)snprintf(want + a, sizeof want - a, "%s%llu", d ? ", " : "",
                                  (unsigned long long)shape[d]);
        for (uint32_t d = 0; d < t->ndim && b < sizeof got; d++)
            b += (size_t)snprintf(got + b, sizeof got - b, "%s%llu", d ? ", " : "",
                                  (unsigned long long)t->shape[d]);
        ssm_layer_fail(c, SSM_ERR_FORMAT, "tensor \"%s\" has shape [%s], want [%s]", full, got,
                       want);
        return NULL;
    }
    /* A NaN or Inf weight would poison every output: a corrupt file. */
    for (size_t i = 0; i < t->numel; i++)
        if (!isfinite(t->data[i])) {
            ssm_layer_fail(c, SSM_ERR_FORMAT,
                           "tensor \"%s\" holds a non-finite value (NaN or Inf) at index %zu", full,
                           i);
            return NULL;
        }
    /* The model keeps its tensors in one array (ssm_model_tensor_at). */
    c->used[t - ssm_model_tensor_at(c->model, 0)] = 1;
    return t;
}

void *ssm_layer_calloc(ssm_layer_ctx *c, size_t n, size_t size)
{
    void *p = calloc(n ? n : 1, size ? size : 1);
    if (!p)
        ssm_layer_fail(c, SSM_ERR_NOMEM, "out of memory (%zu x %zu bytes)", n, size);
    return p;
}

const char *ssm_schedule_name(ssm_schedule s)
{
    static const char *const names[SSM_N_SCHEDULES] = {"step", "scan", "fft"};
    return (unsigned)s < SSM_N_SCHEDULES ? names[s] : "?";
}

int ssm_layer_broadcast_width(ssm_layer_ctx *c, size_t *width)
{
    size_t w = 1;
    for (size_t i = 0; i < c->n_in; i++)
        w = c->in[i].width > w ? c->in[i].width : w;
    for (size_t i = 0; i < c->n_in; i++)
        if (c->in[i].width != w && c->in[i].width != 1)
            return ssm_layer_fail(c, SSM_ERR_FORMAT,
                                  "input %zu has width %zu; element-wise inputs must have the "
                                  "widest one's width (%zu) or 1",
                                  i, c->in[i].width, w);
    *width = w;
    return 1;
}
