/* The learned filterbank: strided analysis and overlap-add synthesis.
 *
 * Frame t reads x[tR-R .. tR+R-1] (window win = 2R) and is complete when
 * x[tR+R-1] arrives; its synthesis lands on y[tR+R-1 .. tR+3R-2]. A perfect
 * reconstruction pair therefore delays by win - 1 samples: the model's
 * algorithmic latency (tools/train/dnmodel.py derives the same). */
#include <stdlib.h>
#include <string.h>

#include "net/network.h"
#include "ssm/linalg.h"

ssm_status ssm_layer_fb_init(ssm_layer_fb *l, const ssm_model *m, const char *enc_name,
                             const char *dec_name, size_t hop, size_t filters, ssm_error *err)
{
    memset(l, 0, sizeof *l);
    l->hop = hop;
    l->win = 2 * hop;
    l->filters = filters;
    const uint64_t shape[2] = {filters, l->win};
    const ssm_tensor *enc = ssm_model_require(m, enc_name, 2, shape, err);
    const ssm_tensor *dec = enc ? ssm_model_require(m, dec_name, 2, shape, err) : NULL;
    if (!dec)
        return SSM_ERR_FORMAT;
    l->dec = dec->data;
    l->enc_t = malloc(filters * l->win * sizeof *l->enc_t);
    l->hist = calloc(l->win, sizeof *l->hist);
    l->ola = calloc(l->win, sizeof *l->ola);
    if (!l->enc_t || !l->hist || !l->ola) {
        ssm_layer_fb_free(l);
        ssm_error_set(err, SSM_ERR_NOMEM, "%s: out of memory for the filterbank",
                      ssm_model_path(m));
        return SSM_ERR_NOMEM;
    }
    ssm_transpose(l->enc_t, enc->data, filters, l->win);
    l->fill = 0;
    return SSM_OK;
}

void ssm_layer_fb_free(ssm_layer_fb *l)
{
    free(l->enc_t);
    free(l->hist);
    free(l->ola);
    l->enc_t = l->hist = l->ola = NULL;
}

void ssm_layer_fb_reset(ssm_layer_fb *l)
{
    memset(l->hist, 0, l->win * sizeof *l->hist);
    memset(l->ola, 0, l->win * sizeof *l->ola);
    l->fill = 0;
    l->ola_pos = 0;
}

void ssm_layer_fb_encode(const ssm_layer_fb *l, const float *X, float *C, size_t T)
{
    ssm_gemm_t(C, l->filters, X, l->win, l->enc_t, l->filters, NULL, T, l->filters, l->win);
}

void ssm_layer_fb_decode(const ssm_layer_fb *l, const float *Z, float *S, size_t T)
{
    ssm_gemm_t(S, l->win, Z, l->filters, l->dec, l->win, NULL, T, l->win, l->filters);
}
