/* Dense layer over a batch of frames (nn.Linear layout). */
#include <stdio.h>
#include <stdlib.h>

#include "net/network.h"
#include "ssm/linalg.h"

ssm_status ssm_layer_linear_init(ssm_layer_linear *l, const ssm_model *m, const char *prefix,
                                 size_t in, size_t out, ssm_error *err)
{
    char name[128];
    const uint64_t ws[2] = {out, in};
    const uint64_t bs[1] = {out};
    snprintf(name, sizeof name, "%s.weight", prefix);
    const ssm_tensor *w = ssm_model_require(m, name, 2, ws, err);
    snprintf(name, sizeof name, "%s.bias", prefix);
    const ssm_tensor *b = w ? ssm_model_require(m, name, 1, bs, err) : NULL;
    if (!b)
        return SSM_ERR_FORMAT;
    l->in = in;
    l->out = out;
    l->b = b->data;
    l->wt = malloc(in * out * sizeof *l->wt);
    if (!l->wt) {
        ssm_error_set(err, SSM_ERR_NOMEM, "%s: out of memory for %s", ssm_model_path(m), prefix);
        return SSM_ERR_NOMEM;
    }
    ssm_transpose(l->wt, w->data, out, in);
    return SSM_OK;
}

void ssm_layer_linear_run(const ssm_layer_linear *l, const float *X, float *Y, size_t T)
{
    ssm_gemm_t(Y, l->out, X, l->in, l->wt, l->out, l->b, T, l->out, l->in);
}

void ssm_layer_linear_free(ssm_layer_linear *l)
{
    free(l->wt);
    l->wt = NULL;
}
