/* LV2 plugins in series (ssm/lv2host.h): each stage runs one instance
 * over all channels, one mono instance per channel, or one k-channel
 * instance folded onto a mono signal; blocks ping-pong between two buffers
 * sized at creation, so run() only moves pointers and calls the plugins. */
#include <stdlib.h>
#include <string.h>

#include "host/internal.h"

typedef struct {
    ssm_lv2_plugin **inst;
    uint32_t n_inst; /* 1, or n_channels for a mono plugin */
    /* A mono signal through a k-channel plugin: the one channel feeds every
     * input and the outputs are averaged back to one. */
    uint32_t fold;   /* k, or 0 */
    float *fold_mem; /* k * max_block */
    float **fold_out;
    const float **fold_in;
} stage;

struct ssm_lv2_chain {
    stage *stages;
    uint32_t n_stages, n_channels, max_block;
    float *mem;
    float **buf[2];    /* ping-pong: buf[k][channel] */
    const float **src; /* per-channel pointers run() moves along, sized at creation */
    float **dst;
};

void ssm_lv2_chain_destroy(ssm_lv2_chain *c)
{
    if (!c)
        return;
    for (uint32_t s = 0; s < c->n_stages; s++) {
        for (uint32_t i = 0; i < c->stages[s].n_inst; i++)
            ssm_lv2_plugin_destroy(c->stages[s].inst[i]);
        free(c->stages[s].inst);
        free(c->stages[s].fold_mem);
        free(c->stages[s].fold_out);
        free(c->stages[s].fold_in);
    }
    free(c->stages);
    free(c->buf[0]);
    free(c->buf[1]);
    free(c->src);
    free(c->dst);
    free(c->mem);
    free(c);
}

ssm_lv2_chain *ssm_lv2_chain_create(ssm_lv2_world *w, const ssm_lv2_stage_desc *stages,
                                    uint32_t n_stages, const ssm_lv2_setting *settings,
                                    uint32_t n_settings, uint32_t n_channels,
                                    const ssm_lv2_config *cfg, ssm_error *err)
{
    if (n_channels == 0 || n_channels > 64) {
        ssm_error_set(err, SSM_ERR_INVALID, "LV2 chain: %u channels (1..64 supported)", n_channels);
        return NULL;
    }
    ssm_lv2_chain *c = calloc(1, sizeof *c);
    if (!c)
        goto nomem;
    c->n_channels = n_channels;
    c->max_block = cfg->max_block;
    c->stages = calloc(n_stages ? n_stages : 1, sizeof *c->stages);
    c->mem = calloc((size_t)2 * n_channels * cfg->max_block, sizeof(float));
    c->buf[0] = calloc(n_channels, sizeof(float *));
    c->buf[1] = calloc(n_channels, sizeof(float *));
    c->src = calloc(n_channels, sizeof(float *));
    c->dst = calloc(n_channels, sizeof(float *));
    if (!c->stages || !c->mem || !c->buf[0] || !c->buf[1] || !c->src || !c->dst)
        goto nomem;
    for (uint32_t k = 0; k < 2; k++)
        for (uint32_t ch = 0; ch < n_channels; ch++)
            c->buf[k][ch] = c->mem + ((size_t)k * n_channels + ch) * cfg->max_block;
    for (uint32_t s = 0; s < n_stages; s++) {
        stage *st = &c->stages[s];
        st->inst = calloc(n_channels, sizeof(ssm_lv2_plugin *));
        if (!st->inst)
            goto nomem;
        c->n_stages = s + 1;
        ssm_lv2_plugin *first = ssm_lv2_plugin_create(w, stages[s].uri, cfg, err);
        if (!first)
            goto fail;
        st->inst[0] = first;
        st->n_inst = 1;
        uint32_t ni = ssm_lv2_plugin_n_audio_in(first), no = ssm_lv2_plugin_n_audio_out(first);
        if (ni == n_channels && no == n_channels) {
            /* one instance over all channels */
        } else if (ni == 1 && no == 1) {
            for (uint32_t ch = 1; ch < n_channels; ch++) {
                st->inst[ch] = ssm_lv2_plugin_create(w, stages[s].uri, cfg, err);
                if (!st->inst[ch])
                    goto fail;
                st->n_inst++;
            }
        } else if (n_channels == 1 && ni == no && ni > 1 && ni <= 64) {
            st->fold = ni;
            st->fold_mem = calloc((size_t)ni * cfg->max_block, sizeof(float));
            st->fold_out = calloc(ni, sizeof(float *));
            st->fold_in = calloc(ni, sizeof(float *));
            if (!st->fold_mem || !st->fold_out || !st->fold_in)
                goto nomem;
            for (uint32_t k = 0; k < ni; k++)
                st->fold_out[k] = st->fold_mem + (size_t)k * cfg->max_block;
        } else {
            ssm_error_set(err, SSM_ERR_UNSUPPORTED,
                          "LV2 plugin <%s>: %u audio inputs and %u outputs cannot process %u "
                          "channel%s (it must match, be mono, or take a mono signal on "
                          "every input)",
                          stages[s].uri, ni, no, n_channels, n_channels == 1 ? "" : "s");
            goto fail;
        }
        for (uint32_t i = 0; i < st->n_inst; i++)
            if (stages[s].preset &&
                ssm_lv2_plugin_apply_preset(st->inst[i], stages[s].preset, err) != SSM_OK)
                goto fail;
    }
    for (uint32_t k = 0; k < n_settings; k++) {
        int hit = 0;
        for (uint32_t s = 0; s < c->n_stages; s++)
            for (uint32_t i = 0; i < c->stages[s].n_inst; i++) {
                ssm_lv2_plugin *p = c->stages[s].inst[i];
                if (ssm_lv2_plugin_has_input_control(p, settings[k].symbol)) {
                    if (ssm_lv2_plugin_set_control(p, settings[k].symbol, settings[k].value, err) !=
                        SSM_OK)
                        goto fail;
                    hit = 1;
                }
            }
        if (!hit) {
            ssm_error_set(err, SSM_ERR_INVALID,
                          "LV2 chain: no plugin in the chain has an input control \"%s\"",
                          settings[k].symbol);
            goto fail;
        }
    }
    return c;
nomem:
    ssm_error_set(err, SSM_ERR_NOMEM, "LV2 chain: out of memory");
fail:
    ssm_lv2_chain_destroy(c);
    return NULL;
}

void ssm_lv2_chain_run(ssm_lv2_chain *c, const float *const *in, float *const *out,
                       uint32_t n_frames)
{
    const float **src = c->src;
    float **dst = c->dst;
    uint32_t nc = c->n_channels;
    uint32_t done = 0;
    while (done < n_frames) {
        uint32_t n = n_frames - done;
        if (n > c->max_block)
            n = c->max_block;
        for (uint32_t ch = 0; ch < nc; ch++)
            src[ch] = in[ch] + done;
        for (uint32_t s = 0; s < c->n_stages; s++) {
            const stage *st = &c->stages[s];
            for (uint32_t ch = 0; ch < nc; ch++)
                dst[ch] = c->buf[s & 1][ch];
            if (st->fold) {
                for (uint32_t k = 0; k < st->fold; k++)
                    st->fold_in[k] = src[0];
                ssm_lv2_plugin_run(st->inst[0], st->fold_in, st->fold_out, n);
                float g = 1.0f / (float)st->fold;
                for (uint32_t i = 0; i < n; i++) {
                    float acc = 0.0f;
                    for (uint32_t k = 0; k < st->fold; k++)
                        acc += st->fold_out[k][i];
                    dst[0][i] = g * acc;
                }
            } else if (st->n_inst == 1 && ssm_lv2_plugin_n_audio_in(st->inst[0]) == nc)
                ssm_lv2_plugin_run(st->inst[0], src, dst, n);
            else
                for (uint32_t ch = 0; ch < nc; ch++)
                    ssm_lv2_plugin_run(st->inst[ch], &src[ch], &dst[ch], n);
            for (uint32_t ch = 0; ch < nc; ch++)
                src[ch] = dst[ch];
        }
        /* memmove: with no stages, src is the caller's input, which may be
         * the output buffer itself. */
        for (uint32_t ch = 0; ch < nc; ch++)
            memmove(out[ch] + done, src[ch], n * sizeof(float));
        done += n;
    }
}

uint32_t ssm_lv2_chain_latency(const ssm_lv2_chain *c)
{
    uint32_t sum = 0;
    for (uint32_t s = 0; s < c->n_stages; s++)
        sum += ssm_lv2_plugin_latency(c->stages[s].inst[0]);
    return sum;
}

const char *ssm_lv2_chain_error(const ssm_lv2_chain *c, const char **uri)
{
    for (uint32_t s = 0; s < c->n_stages; s++)
        for (uint32_t i = 0; i < c->stages[s].n_inst; i++) {
            const char *e = ssm_lv2_plugin_error(c->stages[s].inst[i]);
            if (e) {
                if (uri)
                    *uri = ssm_lv2_plugin_uri(c->stages[s].inst[i]);
                return e;
            }
        }
    return NULL;
}

uint32_t ssm_lv2_chain_n_stages(const ssm_lv2_chain *c)
{
    return c->n_stages;
}

ssm_lv2_plugin *ssm_lv2_chain_stage(ssm_lv2_chain *c, uint32_t i)
{
    return i < c->n_stages ? c->stages[i].inst[0] : NULL;
}

void ssm_lv2_chain_reset(ssm_lv2_chain *c)
{
    for (uint32_t s = 0; s < c->n_stages; s++)
        for (uint32_t i = 0; i < c->stages[s].n_inst; i++)
            ssm_lv2_plugin_reset(c->stages[s].inst[i]);
}
