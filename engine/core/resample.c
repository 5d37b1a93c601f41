/* Sample-rate paths (ssm/resample.h): choosing between re-discretising and
 * resampling, and the rate bridge that runs a processor at its own rate.
 *
 * The bridge: host block -> libsamplerate (down) -> inner -> libsamplerate
 * (up) -> FIFO -> host block. The converters emit a block-dependent number
 * of frames per call, so the FIFO is primed with enough silence that a pull
 * of n frames never runs dry; the resulting latency is fixed and measured
 * once, with an impulse, when the bridge is made. src_process() allocates
 * nothing once the converter exists, so process() is real-time safe.
 */
#include <math.h>
#include <samplerate.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ssm/resample.h"

ssm_rate_path ssm_rate_choose(const ssm_model *m, double host_rate, double *inner_rate, char *why,
                              size_t why_size)
{
    const char *sr = ssm_model_meta(m, "ssm.sample_rate");
    const char *rd = ssm_model_meta(m, "ssm.rediscretize");
    char *end = NULL;
    double model_rate = sr ? strtod(sr, &end) : 0.0;
    /* A key that is there but unusable is not the same as no key: saying
     * "no ssm.sample_rate" for "abc" sends the user looking for the wrong
     * thing. */
    if (sr && (end == sr || *end || !(model_rate >= 1000.0 && model_rate <= 768000.0))) {
        *inner_rate = host_rate;
        if (why)
            snprintf(why, why_size,
                     "%s: metadata ssm.sample_rate \"%.40s\" is not a sample rate in Hz "
                     "(1000..768000)",
                     ssm_model_path(m), sr);
        return SSM_RATE_INVALID;
    }
    if (rd && strcmp(rd, "true") != 0 && strcmp(rd, "false") != 0) {
        *inner_rate = host_rate;
        if (why)
            snprintf(why, why_size,
                     "%s: metadata ssm.rediscretize \"%.40s\" is neither \"true\" nor \"false\"",
                     ssm_model_path(m), rd);
        return SSM_RATE_INVALID;
    }
    int can_rediscretize = !rd || strcmp(rd, "false") != 0;
    ssm_rate_path path;
    if (model_rate == 0.0 || model_rate == host_rate) {
        *inner_rate = host_rate;
        path = model_rate == 0.0 && can_rediscretize ? SSM_RATE_REDISCRETIZE : SSM_RATE_NATIVE;
        if (why)
            snprintf(why, why_size, "%s: runs at %g Hz (%s)", ssm_model_path(m), host_rate,
                     model_rate == 0.0 ? "no ssm.sample_rate: continuous-time, re-discretised"
                                       : "its own rate");
        return path;
    }
    if (can_rediscretize) {
        *inner_rate = host_rate;
        if (why)
            snprintf(why, why_size,
                     "%s: trained at %g Hz, re-discretised for %g Hz (no resampling)",
                     ssm_model_path(m), model_rate, host_rate);
        return SSM_RATE_REDISCRETIZE;
    }
    *inner_rate = model_rate;
    if (why)
        snprintf(why, why_size,
                 "%s: trained at %g Hz and marked ssm.rediscretize=false: resampling %g -> %g "
                 "-> %g Hz (libsamplerate)",
                 ssm_model_path(m), model_rate, host_rate, model_rate, host_rate);
    return SSM_RATE_RESAMPLE;
}

struct ssm_rate_bridge {
    uint32_t nc, max_block, cap_mid, cap_up, cap_fifo;
    double ratio_down, ratio_up;
    SRC_STATE *down, *up;
    float *in_il, *mid_il, *fifo;
    float *mid_mem;
    float **mid_in, **mid_out;
    uint32_t fifo_fill; /* frames in fifo, from its start */
    uint32_t prime;     /* silent frames the fifo starts with */
    uint32_t latency;
};

void ssm_rate_bridge_destroy(ssm_rate_bridge *b)
{
    if (!b)
        return;
    if (b->down)
        src_delete(b->down);
    if (b->up)
        src_delete(b->up);
    free(b->in_il);
    free(b->mid_il);
    free(b->fifo);
    free(b->mid_mem);
    free(b->mid_in);
    free(b->mid_out);
    free(b);
}

void ssm_rate_bridge_reset(ssm_rate_bridge *b)
{
    src_reset(b->down);
    src_reset(b->up);
    memset(b->fifo, 0, (size_t)b->prime * b->nc * sizeof(float));
    b->fifo_fill = b->prime;
}

uint32_t ssm_rate_bridge_max_inner_block(const ssm_rate_bridge *b)
{
    return b->cap_mid;
}

uint32_t ssm_rate_bridge_latency(const ssm_rate_bridge *b)
{
    return b->latency;
}

/* One pass of the bridge; returns the frames the fifo lacked (0 normally). */
static uint32_t bridge_run(ssm_rate_bridge *b, const float *const *in, float *const *out,
                           uint32_t n, ssm_rate_inner inner, void *user)
{
    uint32_t nc = b->nc;
    for (uint32_t i = 0; i < n; i++)
        for (uint32_t c = 0; c < nc; c++)
            b->in_il[i * nc + c] = in[c][i];
    SRC_DATA d = {.data_in = b->in_il,
                  .data_out = b->mid_il,
                  .input_frames = n,
                  .output_frames = b->cap_mid,
                  .src_ratio = b->ratio_down};
    src_process(b->down, &d);
    uint32_t m = (uint32_t)d.output_frames_gen;
    for (uint32_t i = 0; i < m; i++)
        for (uint32_t c = 0; c < nc; c++)
            b->mid_in[c][i] = b->mid_il[i * nc + c];
    if (m) {
        if (inner)
            inner(user, (const float *const *)b->mid_in, b->mid_out, m);
        else
            for (uint32_t c = 0; c < nc; c++)
                memcpy(b->mid_out[c], b->mid_in[c], m * sizeof(float));
    }
    for (uint32_t i = 0; i < m; i++)
        for (uint32_t c = 0; c < nc; c++)
            b->mid_il[i * nc + c] = b->mid_out[c][i];
    uint32_t room = b->cap_fifo - b->fifo_fill;
    SRC_DATA u = {.data_in = b->mid_il,
                  .data_out = b->fifo + (size_t)b->fifo_fill * nc,
                  .input_frames = m,
                  .output_frames = room < b->cap_up ? room : b->cap_up,
                  .src_ratio = b->ratio_up};
    src_process(b->up, &u);
    b->fifo_fill += (uint32_t)u.output_frames_gen;
    uint32_t have = b->fifo_fill < n ? b->fifo_fill : n, lack = n - have;
    for (uint32_t i = 0; i < have; i++)
        for (uint32_t c = 0; c < nc; c++)
            out[c][i] = b->fifo[i * nc + c];
    for (uint32_t i = have; i < n; i++)
        for (uint32_t c = 0; c < nc; c++)
            out[c][i] = 0.0f;
    b->fifo_fill -= have;
    memmove(b->fifo, b->fifo + (size_t)have * nc, (size_t)b->fifo_fill * nc * sizeof(float));
    return lack;
}

void ssm_rate_bridge_process(ssm_rate_bridge *b, const float *const *in, float *const *out,
                             uint32_t n_frames, ssm_rate_inner inner, void *user)
{
    bridge_run(b, in, out, n_frames, inner, user);
}

/* Prime the fifo with the largest shortfall seen over a few seconds of
 * full and odd-sized blocks, then measure the latency with an impulse. */
static int calibrate(ssm_rate_bridge *b)
{
    uint32_t nb = b->max_block;
    float *x = calloc((size_t)nb * b->nc, sizeof(float));
    float *y = calloc((size_t)nb * b->nc, sizeof(float));
    const float **xi = calloc(b->nc, sizeof *xi);
    float **yo = calloc(b->nc, sizeof *yo);
    if (!x || !y || !xi || !yo) {
        free(x);
        free(y);
        free(xi);
        free(yo);
        return -1;
    }
    for (uint32_t c = 0; c < b->nc; c++) {
        xi[c] = x + (size_t)c * nb;
        yo[c] = y + (size_t)c * nb;
    }
    b->prime = 0;
    ssm_rate_bridge_reset(b);
    uint32_t worst = 0, produced = 0, consumed = 0;
    for (uint32_t k = 0; k < 64; k++) {
        uint32_t n = k % 3 == 2 ? 1 + (k * 37) % nb : nb;
        uint32_t lack = bridge_run(b, xi, yo, n, NULL, NULL);
        consumed += n;
        produced += n - lack;
        /* Frames owed so far: what a primed fifo must have covered. */
        uint32_t owed = consumed - produced;
        worst = owed > worst ? owed : worst;
    }
    b->prime = worst + 8;
    if (b->prime > b->cap_fifo / 2)
        b->prime = b->cap_fifo / 2;
    ssm_rate_bridge_reset(b);
    /* Impulse: the output's peak is where the delayed impulse lands. */
    x[0] = 1.0f;
    float best = 0.0f;
    uint32_t at = 0, t = 0;
    for (uint32_t k = 0; t < b->prime + 8 * nb + 4096; k++) {
        bridge_run(b, xi, yo, nb, NULL, NULL);
        x[0] = 0.0f;
        for (uint32_t i = 0; i < nb; i++, t++)
            if (fabsf(yo[0][i]) > best) {
                best = fabsf(yo[0][i]);
                at = t;
            }
    }
    b->latency = at;
    ssm_rate_bridge_reset(b);
    free(x);
    free(y);
    free(xi);
    free(yo);
    return 0;
}

ssm_rate_bridge *ssm_rate_bridge_create(double host_rate, double inner_rate, uint32_t n_channels,
                                        uint32_t max_block, ssm_error *err)
{
    if (!(host_rate > 0) || !(inner_rate > 0) || n_channels == 0 || n_channels > 64 ||
        max_block == 0 || !src_is_valid_ratio(inner_rate / host_rate)) {
        ssm_error_set(err, SSM_ERR_INVALID,
                      "rate bridge: %g -> %g Hz, %u channels, block %u is not supported", host_rate,
                      inner_rate, n_channels, max_block);
        return NULL;
    }
    ssm_rate_bridge *b = calloc(1, sizeof *b);
    if (!b)
        goto nomem;
    b->nc = n_channels;
    b->max_block = max_block;
    b->ratio_down = inner_rate / host_rate;
    b->ratio_up = host_rate / inner_rate;
    b->cap_mid = (uint32_t)ceil(max_block * b->ratio_down) + 64;
    b->cap_up = (uint32_t)ceil(b->cap_mid * b->ratio_up) + 64;
    b->cap_fifo = 4 * (max_block + b->cap_up) + 4096;
    int e = 0;
    b->down = src_new(SRC_SINC_MEDIUM_QUALITY, (int)n_channels, &e);
    if (b->down)
        b->up = src_new(SRC_SINC_MEDIUM_QUALITY, (int)n_channels, &e);
    if (!b->down || !b->up) {
        ssm_error_set(err, SSM_ERR_NOMEM, "rate bridge: libsamplerate: %s", src_strerror(e));
        ssm_rate_bridge_destroy(b);
        return NULL;
    }
    b->in_il = calloc((size_t)max_block * n_channels, sizeof(float));
    b->mid_il = calloc((size_t)b->cap_mid * n_channels, sizeof(float));
    b->fifo = calloc((size_t)b->cap_fifo * n_channels, sizeof(float));
    b->mid_mem = calloc((size_t)2 * b->cap_mid * n_channels, sizeof(float));
    b->mid_in = calloc(n_channels, sizeof(float *));
    b->mid_out = calloc(n_channels, sizeof(float *));
    if (!b->in_il || !b->mid_il || !b->fifo || !b->mid_mem || !b->mid_in || !b->mid_out)
        goto nomem;
    for (uint32_t c = 0; c < n_channels; c++) {
        b->mid_in[c] = b->mid_mem + (size_t)c * b->cap_mid;
        b->mid_out[c] = b->mid_mem + (size_t)(n_channels + c) * b->cap_mid;
    }
    if (calibrate(b) != 0)
        goto nomem;
    return b;
nomem:
    ssm_error_set(err, SSM_ERR_NOMEM, "rate bridge: out of memory");
    ssm_rate_bridge_destroy(b);
    return NULL;
}
