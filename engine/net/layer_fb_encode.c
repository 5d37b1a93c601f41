/* fb_encode: a strided analysis filterbank (a Conv1d 1 -> filters with
 * kernel `window` and stride `hop`, no bias), learned (tensor weight
 * [filters][window]) or fixed ("basis": "dft", ssm_fb_dft_basis).
 *
 * Output frame t reads input frames (t+1) hop - window .. (t+1) hop - 1 and
 * completes with the last of them, so it is causal and lands exactly where
 * the graph's clock says (frame t of stride k hop completes at input sample
 * (t+1) k hop - 1). The windows of one call are rows of the history buffer
 * `hop` apart: one product, no copies. With fb_decode the pair delays by
 * window - 1 frames: attributed window - hop here, hop - 1 there. Taps are
 * rate-bound. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "net/layer.h"
#include "ssm/linalg.h"

typedef struct {
    size_t hop, win, filters;
    float *enc_p; /* the taps packed for ssm_gemm_p */
    float *buf;   /* [win - 1 + max_in] the history, then this call's input */
} fb_encode;

static const char *const bases[] = {"learned", "dft", NULL};

void ssm_fb_dft_basis(float *out, size_t w)
{
    /* Periodic sqrt-Hann: its square overlap-adds to 1 at hop w/2. */
    size_t row = 0;
    for (size_t k = 0; k <= w / 2; k++, row++) {
        const double s = (k == 0 || 2 * k == w) ? sqrt(1.0 / (double)w) : sqrt(2.0 / (double)w);
        for (size_t n = 0; n < w; n++)
            out[row * w + n] = (float)(s * cos(2.0 * M_PI * (double)(k * n) / (double)w) *
                                       sqrt(0.5 - 0.5 * cos(2.0 * M_PI * (double)n / (double)w)));
    }
    for (size_t k = 1; k < w / 2; k++, row++)
        for (size_t n = 0; n < w; n++)
            out[row * w + n] =
                (float)(sqrt(2.0 / (double)w) * sin(2.0 * M_PI * (double)(k * n) / (double)w) *
                        sqrt(0.5 - 0.5 * cos(2.0 * M_PI * (double)n / (double)w)));
}

static void destroy(void *self)
{
    fb_encode *l = self;
    free(l->enc_p);
    free(l->buf);
    free(l);
}

static void *create(ssm_layer_ctx *c, ssm_stream *out)
{
    size_t hop, win, filters;
    int basis;
    if (out->width != 1) {
        ssm_layer_fail(c, SSM_ERR_FORMAT, "input width is %zu; the filterbank reads one channel",
                       out->width);
        return NULL;
    }
    if (!ssm_param_size(c, "hop", 1, 4096, SSM_PARAM_REQUIRED, &hop) ||
        !ssm_param_size(c, "window", 1, 16 * hop < 8192 ? 16 * hop : 8192, 2 * hop, &win) ||
        !ssm_param_choice(c, "basis", bases, 0, &basis))
        return NULL;
    if (win < hop) {
        ssm_layer_fail(c, SSM_ERR_FORMAT, "window %zu is shorter than the hop %zu", win, hop);
        return NULL;
    }
    if (basis == 1 && (win % 2 || win > 2048)) {
        ssm_layer_fail(c, SSM_ERR_FORMAT, "the dft basis needs an even window up to 2048, not %zu",
                       win);
        return NULL;
    }
    if (!ssm_param_size(c, "filters", 1, 8192, basis == 1 ? win : SSM_PARAM_REQUIRED, &filters))
        return NULL;
    if (basis == 1 && filters != win) {
        ssm_layer_fail(c, SSM_ERR_FORMAT, "the dft basis has %zu filters (the window), not %zu",
                       win, filters);
        return NULL;
    }
    const uint64_t shape[2] = {filters, win};
    const ssm_tensor *w = basis == 0 ? ssm_layer_tensor(c, "weight", 2, shape) : NULL;
    if (basis == 0 && !w)
        return NULL;
    if ((uint64_t)out->stride * hop > (1u << 20)) {
        ssm_layer_fail(c, SSM_ERR_FORMAT, "stride %u x hop %zu is too large", out->stride, hop);
        return NULL;
    }
    fb_encode *l = ssm_layer_calloc(c, 1, sizeof *l);
    if (!l)
        return NULL;
    *l = (fb_encode){.hop = hop, .win = win, .filters = filters};
    l->enc_p = ssm_layer_calloc(c, win * filters, sizeof *l->enc_p);
    float *taps = w || !l->enc_p ? NULL : ssm_layer_calloc(c, win * win, sizeof(float));
    if (!l->enc_p || (!w && !taps)) {
        destroy(l);
        return NULL;
    }
    if (taps)
        ssm_fb_dft_basis(taps, win);
    ssm_gemm_pack_nt(l->enc_p, taps ? taps : w->data, win, filters, win);
    free(taps);
    out->width = filters;
    out->latency += (uint64_t)(win - hop) * out->stride;
    out->stride *= (uint32_t)hop;
    return l;
}

static ssm_status activate(void *self, const ssm_layer_env *env, ssm_layer_ctx *c)
{
    fb_encode *l = self;
    free(l->buf);
    l->buf = ssm_layer_calloc(c, l->win - 1 + env->max_in[0], sizeof *l->buf);
    return l->buf ? SSM_OK : ssm_layer_status(c);
}

static void process(void *self, ssm_schedule s, const ssm_frames *in, float *out, size_t n_out,
                    uint64_t first_out)
{
    fb_encode *l = self;
    const size_t keep = l->win - 1;
    memcpy(l->buf + keep, in[0].data, in[0].n * sizeof(float));
    if (n_out) {
        /* buf[0] is input frame in.first - keep; frame first_out's window
         * ends at input frame (first_out + 1) hop - 1. */
        const size_t start = (size_t)((first_out + 1) * l->hop - 1 - in[0].first);
        ssm_gemm_p(out, l->filters, l->buf + start, l->hop, l->enc_p, NULL, n_out, l->filters,
                   l->win);
    }
    memmove(l->buf, l->buf + in[0].n, keep * sizeof(float));
}

static void reset(void *self)
{
    fb_encode *l = self;
    if (l->buf)
        memset(l->buf, 0, (l->win - 1) * sizeof(float));
}

const ssm_layer_ops ssm_kind_fb_encode = {
    .kind = "fb_encode",
    .min_inputs = 1,
    .max_inputs = 1,
    .rate_bound = 1,
    .create = create,
    .activate = activate,
    .process = process,
    .reset = reset,
    .destroy = destroy,
};
