/* Network builder and runner for architecture "fbmask-s4d-v1".
 *
 * The model file's metadata names the layers in order (ssm.layers, e.g.
 * "fb_encode:enc,logpow,linear:inp,s4d_block:blocks.0,...,rmsnorm:norm_f,
 * mask_head:mask,vad_head:vad,fb_decode:dec") and their sizes (ssm.hop,
 * ssm.filters, ssm.width, ssm.state); docs/model-format.md lists the keys
 * and tensors. Any number of S4D blocks and any sizes are accepted; the
 * order of the other layers is fixed by the architecture.
 *
 * process(): pass 1 gathers the frames that complete inside the block,
 * the layers then run on all of them at once (GEMMs over the batch; the S4D
 * bank as a recurrence or a chunked FFT convolution), pass 2 overlap-adds
 * each frame's synthesis at the very sample where it completed. The output
 * is the same for any block size and either mode (tests/engine/test_network.c).
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "net/network.h"
#include "ssm/activations.h"
#include "ssm/linalg.h"

#define MAX_BLOCKS 64

struct ssm_network {
    size_t hop, F, H, N, n_blocks;
    float feat_eps, norm_eps;
    double rate;
    ssm_layer_fb fb;
    ssm_layer_linear inp, mask, vad;
    const float *normf_w;
    ssm_layer_s4d blocks[MAX_BLOCKS];
    ssm_mode mode;
    /* run state, sized at activate */
    size_t max_frames;
    float *X;   /* [T][win] frame windows */
    float *C;   /* [T][F] filterbank coefficients */
    float *Fe;  /* [T][F] features, then masked coefficients */
    float *U;   /* [T][H] residual stream */
    float *Z;   /* [T][H] */
    float *S;   /* [T][win] synthesis */
    size_t *at; /* [T] sample index in the block where frame k completes */
    float vad_last;
};

static int meta_size(const ssm_model *m, const char *key, size_t lo, size_t hi, size_t *out,
                     ssm_error *err)
{
    const char *s = ssm_model_meta(m, key);
    char *end = NULL;
    long v = s ? strtol(s, &end, 10) : -1;
    if (!s || end == s || *end || v < (long)lo || v > (long)hi) {
        ssm_error_set(err, SSM_ERR_FORMAT,
                      "%s: metadata %s is %s%s%s, want an integer in [%zu, %zu]", ssm_model_path(m),
                      key, s ? "\"" : "missing", s ? s : "", s ? "\"" : "", lo, hi);
        return 0;
    }
    *out = (size_t)v;
    return 1;
}

static float meta_float(const ssm_model *m, const char *key, float def)
{
    const char *s = ssm_model_meta(m, key);
    char *end = NULL;
    double v = s ? strtod(s, &end) : def;
    return (s && (end == s || *end || !(v > 0.0 && v < 1.0))) ? def : (float)v;
}

/* Checks that ssm.layers is "fb_encode:E,logpow,linear:I,s4d_block:B0,...,
 * rmsnorm:N,mask_head:M,vad_head:V,fb_decode:D" and copies the names. */
static int parse_layers(const ssm_model *m, char names[][64], size_t *n_blocks, ssm_error *err)
{
    static const char *const head[] = {"fb_encode", "logpow", "linear"};
    static const char *const tail[] = {"rmsnorm", "mask_head", "vad_head", "fb_decode"};
    const char *spec = ssm_model_meta(m, "ssm.layers");
    if (!spec) {
        ssm_error_set(err, SSM_ERR_FORMAT, "%s: metadata ssm.layers is missing", ssm_model_path(m));
        return 0;
    }
    char kinds[MAX_BLOCKS + 8][32];
    size_t n = 0;
    for (const char *p = spec; *p && n < MAX_BLOCKS + 8;) {
        const char *comma = strchr(p, ',');
        size_t len = comma ? (size_t)(comma - p) : strlen(p);
        const char *colon = memchr(p, ':', len);
        size_t kl = colon ? (size_t)(colon - p) : len;
        size_t nl = colon ? len - kl - 1 : 0;
        if (kl >= 32 || nl >= 64)
            break;
        memcpy(kinds[n], p, kl);
        kinds[n][kl] = 0;
        memcpy(names[n], colon ? colon + 1 : "", nl);
        names[n][nl] = 0;
        n++;
        p += len + (comma ? 1 : 0);
    }
    int ok = n >= 7 && n <= MAX_BLOCKS + 7;
    for (size_t i = 0; ok && i < 3; i++)
        ok = strcmp(kinds[i], head[i]) == 0;
    for (size_t i = 3; ok && i + 4 < n; i++)
        ok = strcmp(kinds[i], "s4d_block") == 0 && names[i][0];
    for (size_t i = 0; ok && i < 4; i++)
        ok = strcmp(kinds[n - 4 + i], tail[i]) == 0 && names[n - 4 + i][0];
    if (!ok || !names[0][0] || !names[2][0]) {
        ssm_error_set(err, SSM_ERR_FORMAT,
                      "%s: metadata ssm.layers \"%.200s\" is not fb_encode, logpow, linear, "
                      "s4d_block x N (1..%d), rmsnorm, mask_head, vad_head, fb_decode",
                      ssm_model_path(m), spec, MAX_BLOCKS);
        return 0;
    }
    *n_blocks = n - 7;
    return 1;
}

ssm_network *ssm_network_create(const ssm_model *m, ssm_error *err)
{
    const char *arch = ssm_model_meta(m, "ssm.architecture");
    if (!arch || strcmp(arch, "fbmask-s4d-v1") != 0) {
        ssm_error_set(
            err, SSM_ERR_UNSUPPORTED,
            "%s: metadata ssm.architecture is \"%s\"; this engine builds \"fbmask-s4d-v1\"",
            ssm_model_path(m), arch ? arch : "(missing)");
        return NULL;
    }
    ssm_network *n = calloc(1, sizeof *n);
    char names[MAX_BLOCKS + 8][64];
    size_t rate = 0;
    if (!n) {
        ssm_error_set(err, SSM_ERR_NOMEM, "out of memory creating a network");
        return NULL;
    }
    if (!parse_layers(m, names, &n->n_blocks, err) ||
        !meta_size(m, "ssm.sample_rate", 8000, 384000, &rate, err) ||
        !meta_size(m, "ssm.hop", 1, 4096, &n->hop, err) ||
        !meta_size(m, "ssm.filters", 1, 4096, &n->F, err) ||
        !meta_size(m, "ssm.width", 1, 4096, &n->H, err) ||
        !meta_size(m, "ssm.state", 2, 1024, &n->N, err)) {
        free(n);
        return NULL;
    }
    n->rate = (double)rate;
    n->feat_eps = meta_float(m, "ssm.feat_eps", 1e-8f);
    n->norm_eps = meta_float(m, "ssm.norm_eps", 1e-5f);
    const size_t nb = n->n_blocks;
    const uint64_t hshape[1] = {n->H};
    const ssm_tensor *nf = NULL;
    char key[80], key2[80];
    snprintf(key, sizeof key, "%s.weight", names[0]);
    snprintf(key2, sizeof key2, "%s.weight", names[nb + 6]);
    if (ssm_layer_fb_init(&n->fb, m, key, key2, n->hop, n->F, err) != SSM_OK)
        goto fail;
    if (ssm_layer_linear_init(&n->inp, m, names[2], n->F, n->H, err) != SSM_OK)
        goto fail;
    for (size_t b = 0; b < nb; b++)
        if (ssm_layer_s4d_init(&n->blocks[b], m, names[3 + b], n->H, n->N, n->norm_eps, err) !=
            SSM_OK)
            goto fail;
    snprintf(key, sizeof key, "%s.weight", names[nb + 3]);
    if (!(nf = ssm_model_require(m, key, 1, hshape, err)))
        goto fail;
    n->normf_w = nf->data;
    if (ssm_layer_linear_init(&n->mask, m, names[nb + 4], n->H, n->F, err) != SSM_OK ||
        ssm_layer_linear_init(&n->vad, m, names[nb + 5], n->H, 1, err) != SSM_OK)
        goto fail;
    n->mode = SSM_MODE_STREAM;
    return n;
fail:
    ssm_network_destroy(n);
    return NULL;
}

/* The per-block buffers activate sizes. */
static void free_buffers(ssm_network *n)
{
    free(n->X);
    free(n->C);
    free(n->Fe);
    free(n->U);
    free(n->Z);
    free(n->S);
    free(n->at);
}

ssm_status ssm_network_activate(ssm_network *n, uint32_t max_block, ssm_error *err)
{
    const size_t T = max_block / n->hop + 1, win = n->fb.win;
    free_buffers(n);
    n->max_frames = T;
    n->X = malloc(T * win * sizeof(float));
    n->C = malloc(T * n->F * sizeof(float));
    n->Fe = malloc(T * n->F * sizeof(float));
    n->U = malloc(T * n->H * sizeof(float));
    n->Z = malloc(T * n->H * sizeof(float));
    n->S = malloc(T * win * sizeof(float));
    n->at = malloc(T * sizeof(size_t));
    if (!n->X || !n->C || !n->Fe || !n->U || !n->Z || !n->S || !n->at) {
        ssm_error_set(err, SSM_ERR_NOMEM, "out of memory activating a network");
        return SSM_ERR_NOMEM;
    }
    for (size_t b = 0; b < n->n_blocks; b++) {
        ssm_status st = ssm_layer_s4d_activate(&n->blocks[b], T, err);
        if (st != SSM_OK)
            return st;
    }
    ssm_network_reset(n);
    return SSM_OK;
}

void ssm_network_set_mode(ssm_network *n, ssm_mode mode)
{
    n->mode = mode;
}

/* The layers on T complete frames in n->X; leaves the synthesis in n->S. */
static void run_frames(ssm_network *n, size_t T)
{
    const size_t F = n->F, H = n->H;
    ssm_layer_fb_encode(&n->fb, n->X, n->C, T);
    ssm_logpow(n->Fe, n->C, T * F, n->feat_eps);
    ssm_layer_linear_run(&n->inp, n->Fe, n->U, T);
    for (size_t b = 0; b < n->n_blocks; b++)
        ssm_layer_s4d_run(&n->blocks[b], n->U, T, n->mode);
    for (size_t t = 0; t < T; t++)
        ssm_rmsnorm(n->Z + t * H, n->U + t * H, n->normf_w, H, n->norm_eps);
    ssm_layer_linear_run(&n->mask, n->Z, n->Fe, T);
    ssm_sigmoid(n->Fe, n->Fe, T * F);
    for (size_t i = 0; i < T * F; i++)
        n->Fe[i] *= n->C[i];
    float v = 0.0f;
    ssm_layer_linear_run(&n->vad, n->Z + (T - 1) * H, &v, 1);
    n->vad_last = ssm_sigmoidf(v);
    ssm_layer_fb_decode(&n->fb, n->Fe, n->S, T);
}

void ssm_network_process(ssm_network *n, const float *in, float *out, uint32_t n_frames)
{
    ssm_layer_fb *fb = &n->fb;
    const size_t hop = fb->hop, win = fb->win;
    size_t T = 0;
    for (uint32_t i = 0; i < n_frames; i++) {
        fb->hist[hop + fb->fill++] = in[i];
        if (fb->fill == hop) {
            memcpy(n->X + T * win, fb->hist, win * sizeof(float));
            memcpy(fb->hist, fb->hist + hop, hop * sizeof(float));
            n->at[T++] = i;
            fb->fill = 0;
        }
    }
    if (T)
        run_frames(n, T);
    size_t k = 0;
    for (uint32_t i = 0; i < n_frames; i++) {
        if (k < T && n->at[k] == i) {
            const float *s = n->S + k * win;
            const size_t first = win - fb->ola_pos;
            for (size_t j = 0; j < first; j++)
                fb->ola[fb->ola_pos + j] += s[j];
            for (size_t j = first; j < win; j++)
                fb->ola[j - first] += s[j];
            k++;
        }
        out[i] = fb->ola[fb->ola_pos];
        fb->ola[fb->ola_pos] = 0.0f;
        fb->ola_pos = fb->ola_pos + 1 == win ? 0 : fb->ola_pos + 1;
    }
}

uint32_t ssm_network_latency(const ssm_network *n)
{
    return (uint32_t)(n->fb.win - 1);
}

double ssm_network_rate(const ssm_network *n)
{
    return n->rate;
}

float ssm_network_vad(const ssm_network *n)
{
    return n->vad_last;
}

void ssm_network_reset(ssm_network *n)
{
    ssm_layer_fb_reset(&n->fb);
    for (size_t b = 0; b < n->n_blocks; b++)
        ssm_layer_s4d_reset(&n->blocks[b]);
    n->vad_last = 0.0f;
}

void ssm_network_destroy(ssm_network *n)
{
    if (!n)
        return;
    ssm_layer_fb_free(&n->fb);
    ssm_layer_linear_free(&n->inp);
    ssm_layer_linear_free(&n->mask);
    ssm_layer_linear_free(&n->vad);
    for (size_t b = 0; b < MAX_BLOCKS; b++)
        ssm_layer_s4d_free(&n->blocks[b]);
    free_buffers(n);
    free(n);
}
