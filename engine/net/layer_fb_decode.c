/* fb_decode: the synthesis filterbank (a ConvTranspose1d filters -> 1 with
 * kernel `window` and stride `hop`, no bias), learned (tensor weight
 * [filters][window]) or fixed ("basis": "dft").
 *
 * Input frame t (stride k) completes with output frame (t+1) hop - 1
 * (stride k / hop) and its synthesis is overlap-added onto output frames
 * (t+1) hop - 1 .. (t+1) hop + window - 2, starting at the very frame it
 * completes: causal, no extra buffering. Adds hop - 1 output frames to the
 * latency (fb_encode says why). Rate-bound. */
#include <stdlib.h>
#include <string.h>

#include "net/layer.h"
#include "ssm/linalg.h"

typedef struct {
    size_t hop, win, filters;
    float *dec; /* [filters][win] (ssm_gemm_t's layout) packed for ssm_gemm_p */
    float *syn; /* [max_in][win] this call's syntheses */
    float *ola; /* [win] circular overlap-add accumulator */
    size_t pos;
} fb_decode;

static const char *const bases[] = {"learned", "dft", NULL};

static void destroy(void *self)
{
    fb_decode *l = self;
    free(l->dec);
    free(l->syn);
    free(l->ola);
    free(l);
}

static void *create(ssm_layer_ctx *c, ssm_stream *out)
{
    size_t hop, win, filters;
    int basis;
    if (!ssm_param_size(c, "hop", 1, 4096, SSM_PARAM_REQUIRED, &hop) ||
        !ssm_param_size(c, "window", 1, 16 * hop < 8192 ? 16 * hop : 8192, 2 * hop, &win) ||
        !ssm_param_choice(c, "basis", bases, 0, &basis) ||
        !ssm_param_size(c, "filters", 1, 8192, basis == 1 ? win : SSM_PARAM_REQUIRED, &filters))
        return NULL;
    if (win < hop || (basis == 1 && (win % 2 || win > 2048 || filters != win))) {
        ssm_layer_fail(c, SSM_ERR_FORMAT,
                       "window %zu with hop %zu and %zu filters: the window must cover the hop "
                       "(the dft basis: an even window up to 2048 with as many filters)",
                       win, hop, filters);
        return NULL;
    }
    if (filters != out->width) {
        ssm_layer_fail(c, SSM_ERR_FORMAT, "input width %zu is not \"filters\" %zu", out->width,
                       filters);
        return NULL;
    }
    if (out->stride % hop) {
        ssm_layer_fail(c, SSM_ERR_FORMAT,
                       "input stride %u is not a multiple of the hop %zu: the output would fall "
                       "between input samples",
                       out->stride, hop);
        return NULL;
    }
    const uint64_t shape[2] = {filters, win};
    const ssm_tensor *w = basis == 0 ? ssm_layer_tensor(c, "weight", 2, shape) : NULL;
    if (basis == 0 && !w)
        return NULL;
    fb_decode *l = ssm_layer_calloc(c, 1, sizeof *l);
    if (!l)
        return NULL;
    *l = (fb_decode){.hop = hop, .win = win, .filters = filters};
    l->dec = ssm_layer_calloc(c, filters * win, sizeof *l->dec);
    l->ola = l->dec ? ssm_layer_calloc(c, win, sizeof *l->ola) : NULL;
    if (!l->ola) {
        destroy(l);
        return NULL;
    }
    float *taps = w ? NULL : ssm_layer_calloc(c, filters * win, sizeof *taps);
    if (!w && !taps) {
        destroy(l);
        return NULL;
    }
    if (taps)
        ssm_fb_dft_basis(taps, win);
    ssm_gemm_pack(l->dec, taps ? taps : w->data, win, win, filters);
    free(taps);
    out->width = 1;
    out->stride /= (uint32_t)hop;
    out->latency += (uint64_t)(hop - 1) * out->stride;
    return l;
}

static ssm_status activate(void *self, const ssm_layer_env *env, ssm_layer_ctx *c)
{
    fb_decode *l = self;
    free(l->syn);
    l->syn = ssm_layer_calloc(c, env->max_in[0] * l->win, sizeof *l->syn);
    return l->syn ? SSM_OK : ssm_layer_status(c);
}

static void process(void *self, ssm_schedule s, const ssm_frames *in, float *out, size_t n_out,
                    uint64_t first_out)
{
    fb_decode *l = self;
    const size_t win = l->win;
    if (in[0].n)
        ssm_gemm_p(l->syn, win, in[0].data, l->filters, l->dec, NULL, in[0].n, win, l->filters);
    /* Runs of output frames between completions: a completed frame's
     * synthesis is added at the frame it completes, then the run is read
     * out of the ring (and cleared) by whole spans. */
    const float *syn = l->syn;
    size_t i = 0, next = (l->hop - (size_t)((first_out + 1) % l->hop)) % l->hop;
    if (in[0].n)
        syn += (size_t)((first_out + next + 1) / l->hop - 1 - in[0].first) * win;
    while (i < n_out) {
        if (i == next) {
            const size_t first = win - l->pos;
            for (size_t j = 0; j < first; j++)
                l->ola[l->pos + j] += syn[j];
            for (size_t j = first; j < win; j++)
                l->ola[j - first] += syn[j];
            syn += win;
            next += l->hop;
        }
        for (size_t end = next < n_out ? next : n_out; i < end;) {
            const size_t seg = end - i < win - l->pos ? end - i : win - l->pos;
            memcpy(out + i, l->ola + l->pos, seg * sizeof(float));
            memset(l->ola + l->pos, 0, seg * sizeof(float));
            l->pos = l->pos + seg == win ? 0 : l->pos + seg;
            i += seg;
        }
    }
}

static void reset(void *self)
{
    fb_decode *l = self;
    memset(l->ola, 0, l->win * sizeof(float));
    l->pos = 0;
}

const ssm_layer_ops ssm_kind_fb_decode = {
    .kind = "fb_decode",
    .min_inputs = 1,
    .max_inputs = 1,
    .rate_bound = 1,
    .create = create,
    .activate = activate,
    .process = process,
    .reset = reset,
    .destroy = destroy,
};
