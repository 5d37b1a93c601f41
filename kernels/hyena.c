#include "ssm/hyena.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "ssm/fft.h"
#include "ssm/linalg.h"
#include "ssm/partconv.h"

static int weights_ok(const ssm_hyena_weights *w)
{
    if (!w || w->order < 2 || !w->d_model || w->emb_dim < 3 || !(w->emb_dim & 1) ||
        !w->filter_order || w->n_inner > SSM_HYENA_MAX_INNER || !w->l_max || !w->in_proj_w ||
        !w->short_w || !w->out_proj_w || !w->mlp_out_w || !w->sin_freq || !w->filter_bias ||
        !w->deltas)
        return 0;
    for (size_t i = 0; i <= w->n_inner; i++)
        if (!w->mlp_w[i] || !w->mlp_b[i])
            return 0;
    return 1;
}

static size_t taps_at(const ssm_hyena_weights *w, double dt_scale)
{
    double n = floor((double)w->l_max / dt_scale + 0.5);
    return n < 1.0 ? 1 : (size_t)n;
}

/* One layer of the implicit MLP: out = sin(freq * (W in + b)), in double. */
static void mlp_layer(double *out, const float *W, const float *b, const double *in, size_t rows,
                      size_t cols, const float *freq)
{
    for (size_t r = 0; r < rows; r++) {
        double acc = b[r];
        for (size_t c = 0; c < cols; c++)
            acc += (double)W[r * cols + c] * in[c];
        out[r] = sin((double)freq[r] * acc);
    }
}

ssm_status ssm_hyena_filter(const ssm_hyena_weights *w, size_t L, double dt_scale, float *k)
{
    if (!weights_ok(w) || !k || !(dt_scale > 0.0))
        return SSM_ERR_INVALID;
    const size_t d = w->d_model, O = w->order - 1, D = d * O, fo = w->filter_order;
    const size_t emb = w->emb_dim, bands = (emb - 1) / 2;
    double *buf = calloc(emb + 2 * fo + D, sizeof *buf);
    if (!buf)
        return SSM_ERR_NOMEM;
    double *z = buf, *a = z + emb, *b = a + fo, *h = b + fo;
    const double two_pi = 6.283185307179586;
    for (size_t l = 0; l < L; l++) {
        const double pos = (double)l * dt_scale;
        const double t = w->l_max > 1 ? pos / (double)(w->l_max - 1) : 0.0;
        if (w->pos_z) {
            /* A learned table: linear interpolation between its rows. */
            double fl = floor(pos);
            size_t i0 = (size_t)fl < w->l_max - 1 ? (size_t)fl : w->l_max - 1;
            size_t i1 = i0 + 1 < w->l_max ? i0 + 1 : i0;
            double fr = pos - (double)i0;
            fr = fr < 0.0 ? 0.0 : (fr > 1.0 ? 1.0 : fr);
            for (size_t e = 0; e < emb; e++)
                z[e] = (1.0 - fr) * w->pos_z[i0 * emb + e] + fr * w->pos_z[i1 * emb + e];
        } else {
            const double ww = two_pi * pos / (double)w->l_max;
            z[0] = t;
            for (size_t j = 0; j < bands; j++) {
                double f = bands > 1 ? 1e-4 + (double)j * ((double)(bands - 1) - 1e-4) /
                                                  (double)(bands - 1)
                                     : 1e-4;
                z[1 + j] = cos(f * ww);
                z[1 + bands + j] = -sin(f * ww);
            }
        }
        mlp_layer(a, w->mlp_w[0], w->mlp_b[0], z, fo, emb, w->sin_freq);
        for (size_t i = 1; i <= w->n_inner; i++) {
            mlp_layer(b, w->mlp_w[i], w->mlp_b[i], a, fo, fo, w->sin_freq);
            memcpy(a, b, fo * sizeof *a);
        }
        for (size_t c = 0; c < D; c++) {
            double acc = 0.0;
            for (size_t r = 0; r < fo; r++)
                acc += (double)w->mlp_out_w[c * fo + r] * a[r];
            double decay = exp(-t * fabs((double)w->deltas[c])) + (double)w->shift;
            h[c] = acc * decay * dt_scale;
        }
        for (size_t j = 0; j < d; j++)
            for (size_t o = 0; o < O; o++)
                k[(o * d + j) * L + l] = (float)h[j * O + o];
    }
    free(buf);
    return SSM_OK;
}

/* in_proj and the causal 3-tap short filter over n steps; hist holds the
 * two previous in_proj outputs (older first) and is advanced. */
static void project_and_short_conv(const float *restrict in_wt, const float *restrict in_b,
                                   const float *restrict sw, const float *restrict sb,
                                   float *restrict hist, const float *restrict u, size_t d,
                                   size_t C, float *restrict P, float *restrict uc, size_t n)
{
    ssm_gemm_t(P, C, u, d, in_wt, C, in_b, n, C, d);
    for (size_t t = 0; t < n; t++) {
        const float *p2 = t >= 2 ? P + (t - 2) * C : hist + t * C;
        const float *p1 = t >= 1 ? P + (t - 1) * C : hist + C;
        const float *p0 = P + t * C;
        float *o = uc + t * C;
        for (size_t c = 0; c < C; c++)
            o[c] = (sb ? sb[c] : 0.0f) + sw[c * 3] * p2[c] + sw[c * 3 + 1] * p1[c] +
                   sw[c * 3 + 2] * p0[c];
    }
    if (n >= 2) {
        memcpy(hist, P + (n - 2) * C, 2 * C * sizeof *hist);
    } else if (n == 1) {
        memmove(hist, hist + C, C * sizeof *hist);
        memcpy(hist + C, P, C * sizeof *hist);
    }
}

ssm_status ssm_hyena_render(const ssm_hyena_weights *w, double dt_scale, const float *u, float *y,
                            size_t L)
{
    if (!weights_ok(w) || !u || !y || !L || !(dt_scale > 0.0))
        return SSM_ERR_INVALID;
    const size_t d = w->d_model, O = w->order - 1, C = (w->order + 1) * d;
    size_t taps = taps_at(w, dt_scale);
    taps = taps < L ? taps : L;
    const size_t nfft = 2 * L, bs = ssm_fft_bins_stride(nfft), nb = nfft / 2 + 1;
    ssm_status st = SSM_ERR_NOMEM;
    float *k = malloc(O * d * taps * sizeof *k), *in_wt = malloc(C * d * sizeof *in_wt);
    float *out_wt = malloc(d * d * sizeof *out_wt), *P = malloc(L * C * sizeof *P);
    float *uc = malloc(L * C * sizeof *uc), *v = malloc(d * L * sizeof *v);
    float *yy = malloc(L * d * sizeof *yy), *hist = calloc(2 * C, sizeof *hist);
    float *tb = ssm_fft_alloc(nfft), *ks = ssm_fft_alloc(2 * bs), *vs = ssm_fft_alloc(2 * bs);
    ssm_rfft *fft = ssm_rfft_create(nfft, SSM_PLAN_ESTIMATE);
    if (!k || !in_wt || !out_wt || !P || !uc || !v || !yy || !hist || !tb || !ks || !vs || !fft)
        goto done;
    st = ssm_hyena_filter(w, taps, dt_scale, k);
    if (st != SSM_OK)
        goto done;
    ssm_transpose(in_wt, w->in_proj_w, C, d);
    ssm_transpose(out_wt, w->out_proj_w, d, d);
    project_and_short_conv(in_wt, w->in_proj_b, w->short_w, w->short_b, hist, u, d, C, P, uc, L);
    for (size_t j = 0; j < d; j++)
        for (size_t t = 0; t < L; t++)
            v[j * L + t] = uc[t * C + w->order * d + j];
    for (size_t o = 0; o < O; o++) {
        const size_t xi = w->order - 1 - o;
        for (size_t j = 0; j < d; j++) {
            float *vj = v + j * L;
            for (size_t t = 0; t < L; t++)
                vj[t] *= uc[t * C + xi * d + j];
            memset(tb, 0, nfft * sizeof *tb);
            memcpy(tb, k + (o * d + j) * taps, taps * sizeof *tb);
            ssm_rfft_forward(fft, tb, ks);
            memset(tb, 0, nfft * sizeof *tb);
            memcpy(tb, vj, L * sizeof *tb);
            ssm_rfft_forward(fft, tb, vs);
            for (size_t i = 0; i < nb; i++) {
                float re = vs[i] * ks[i] - vs[bs + i] * ks[bs + i];
                float im = vs[i] * ks[bs + i] + vs[bs + i] * ks[i];
                vs[i] = re, vs[bs + i] = im;
            }
            ssm_rfft_inverse(fft, vs, tb);
            const float bias = w->filter_bias[j * O + o], scale = 1.0f / (float)nfft;
            for (size_t t = 0; t < L; t++)
                vj[t] = tb[t] * scale + bias * vj[t];
        }
    }
    for (size_t t = 0; t < L; t++)
        for (size_t j = 0; j < d; j++)
            yy[t * d + j] = v[j * L + t] * uc[t * C + j];
    ssm_gemm_t(y, d, yy, d, out_wt, d, w->out_proj_b, L, d, d);
    st = SSM_OK;
done:
    free(k), free(in_wt), free(out_wt), free(P), free(uc), free(v), free(yy), free(hist);
    ssm_fft_free(tb), ssm_fft_free(ks), ssm_fft_free(vs);
    if (fft)
        ssm_rfft_destroy(fft);
    return st;
}

/* ---- streaming / block form ---- */

/* One partitioned tail per long filter (a struct, so its array is sized
 * by the struct, not by a bare pointer type). */
typedef struct {
    ssm_partconv *pc;
} tail_slot;

struct ssm_hyena {
    size_t d, order, C, B, head, taps, max_block;
    float *in_wt, *in_b, *sw, *sb, *out_wt, *out_b, *fbias;
    float *k;        /* (order-1) x d x head: the direct-form heads */
    float *hist;     /* 2 x C short-filter history */
    float *lhist;    /* (order-1) x d x (B-1): long-filter head history */
    tail_slot *tail; /* (order-1) x d; .pc NULL when taps <= B */
    float *P, *uc, *v, *win, *tbuf, *yy;
};

static float *dup_or_null(const float *src, size_t n, int *fail)
{
    if (!src)
        return NULL;
    float *p = malloc(n * sizeof *p);
    if (!p)
        *fail = 1;
    else
        memcpy(p, src, n * sizeof *p);
    return p;
}

ssm_hyena *ssm_hyena_create(const ssm_hyena_weights *w, double dt_scale, size_t block,
                            size_t max_block, ssm_status *status)
{
    if (!weights_ok(w) || !(dt_scale > 0.0) || block < 16 || (block & (block - 1)) || !max_block) {
        if (status)
            *status = SSM_ERR_INVALID;
        return NULL;
    }
    ssm_hyena *m = calloc(1, sizeof *m);
    if (!m) {
        if (status)
            *status = SSM_ERR_NOMEM;
        return NULL;
    }
    const size_t d = w->d_model, O = w->order - 1, C = (w->order + 1) * d;
    m->d = d, m->order = w->order, m->C = C, m->B = block, m->max_block = max_block;
    m->taps = taps_at(w, dt_scale);
    m->head = m->taps < block ? m->taps : block;
    int fail = 0;
    m->in_wt = malloc(C * d * sizeof *m->in_wt);
    m->out_wt = malloc(d * d * sizeof *m->out_wt);
    m->in_b = dup_or_null(w->in_proj_b, C, &fail);
    m->sw = dup_or_null(w->short_w, 3 * C, &fail);
    m->sb = dup_or_null(w->short_b, C, &fail);
    m->out_b = dup_or_null(w->out_proj_b, d, &fail);
    m->fbias = dup_or_null(w->filter_bias, d * O, &fail);
    m->k = malloc(O * d * m->head * sizeof *m->k);
    m->hist = calloc(2 * C, sizeof *m->hist);
    m->lhist = calloc(O * d * (block - 1), sizeof *m->lhist);
    m->tail = calloc(O * d, sizeof *m->tail);
    m->P = malloc(max_block * C * sizeof *m->P);
    m->uc = malloc(max_block * C * sizeof *m->uc);
    m->v = malloc(d * max_block * sizeof *m->v);
    m->win = malloc((block - 1 + max_block) * sizeof *m->win);
    m->tbuf = malloc(max_block * sizeof *m->tbuf);
    m->yy = malloc(max_block * d * sizeof *m->yy);
    float *kall = malloc(O * d * m->taps * sizeof *kall);
    ssm_status st = SSM_ERR_NOMEM;
    if (fail || !m->in_wt || !m->out_wt || !m->k || !m->hist || !m->lhist || !m->tail || !m->P ||
        !m->uc || !m->v || !m->win || !m->tbuf || !m->yy || !kall)
        goto fail;
    ssm_transpose(m->in_wt, w->in_proj_w, C, d);
    ssm_transpose(m->out_wt, w->out_proj_w, d, d);
    st = ssm_hyena_filter(w, m->taps, dt_scale, kall);
    if (st != SSM_OK)
        goto fail;
    for (size_t c = 0; c < O * d; c++) {
        /* Stored reversed so the direct form is a forward dot product. */
        for (size_t i = 0; i < m->head; i++)
            m->k[c * m->head + i] = kall[c * m->taps + (m->head - 1 - i)];
        if (m->taps > block) {
            ssm_partconv_config cfg = {0, 0, SSM_PLAN_ESTIMATE};
            m->tail[c].pc =
                ssm_partconv_create(kall + c * m->taps + block, m->taps - block, block, &cfg, &st);
            if (!m->tail[c].pc)
                goto fail;
            if (ssm_partconv_latency(m->tail[c].pc) != block) {
                st = SSM_ERR_UNSUPPORTED;
                goto fail;
            }
        }
    }
    free(kall);
    if (status)
        *status = SSM_OK;
    return m;
fail:
    free(kall);
    ssm_hyena_destroy(m);
    if (status)
        *status = st == SSM_OK ? SSM_ERR_NOMEM : st;
    return NULL;
}

void ssm_hyena_destroy(ssm_hyena *m)
{
    if (!m)
        return;
    if (m->tail)
        for (size_t c = 0; c < (m->order - 1) * m->d; c++)
            ssm_partconv_destroy(m->tail[c].pc);
    free(m->tail);
    float *bufs[] = {m->in_wt, m->in_b,  m->sw, m->sb, m->out_wt, m->out_b, m->fbias, m->k,
                     m->hist,  m->lhist, m->P,  m->uc, m->v,      m->win,   m->tbuf,  m->yy};
    for (size_t i = 0; i < sizeof bufs / sizeof bufs[0]; i++)
        free(bufs[i]);
    free(m);
}

void ssm_hyena_reset(ssm_hyena *m)
{
    memset(m->hist, 0, 2 * m->C * sizeof *m->hist);
    memset(m->lhist, 0, (m->order - 1) * m->d * (m->B - 1) * sizeof *m->lhist);
    for (size_t c = 0; c < (m->order - 1) * m->d; c++)
        if (m->tail[c].pc)
            ssm_partconv_reset(m->tail[c].pc);
}

size_t ssm_hyena_filter_length(const ssm_hyena *m)
{
    return m->taps;
}

/* One long convolution, channel c, over n samples in place: direct head
 * (taps 0..head-1) plus the partitioned tail (taps head.., delayed by B). */
SSM_HOT static void long_conv(ssm_hyena *m, size_t c, float *restrict x, size_t n)
{
    const size_t B = m->B, hd = m->head;
    float *restrict win = m->win, *restrict hist = m->lhist + c * (B - 1);
    const float *restrict kr = m->k + c * hd;
    memcpy(win, hist, (B - 1) * sizeof *win);
    memcpy(win + B - 1, x, n * sizeof *win);
    if (m->tail[c].pc)
        ssm_partconv_process(m->tail[c].pc, x, m->tbuf, n);
    for (size_t t = 0; t < n; t++) {
        /* win[B-1+t-i] * k[i] for i < hd, with kr reversed. */
        const float *wp = win + B - hd + t;
        float acc = 0.0f;
        for (size_t i = 0; i < hd; i++)
            acc += kr[i] * wp[i];
        x[t] = acc + (m->tail[c].pc ? m->tbuf[t] : 0.0f);
    }
    memcpy(hist, win + n, (B - 1) * sizeof *hist);
}

static void hyena_piece(ssm_hyena *m, const float *u, float *y, size_t n)
{
    const size_t d = m->d, C = m->C, O = m->order - 1, mb = m->max_block;
    project_and_short_conv(m->in_wt, m->in_b, m->sw, m->sb, m->hist, u, d, C, m->P, m->uc, n);
    for (size_t j = 0; j < d; j++)
        for (size_t t = 0; t < n; t++)
            m->v[j * mb + t] = m->uc[t * C + m->order * d + j];
    for (size_t o = 0; o < O; o++) {
        const size_t xi = m->order - 1 - o;
        for (size_t j = 0; j < d; j++) {
            float *vj = m->v + j * mb;
            for (size_t t = 0; t < n; t++)
                vj[t] *= m->uc[t * C + xi * d + j];
            /* v = h * v + bias v: keep v for the bias term. */
            memcpy(m->yy, vj, n * sizeof *vj);
            long_conv(m, o * d + j, vj, n);
            const float bias = m->fbias[j * O + o];
            for (size_t t = 0; t < n; t++)
                vj[t] += bias * m->yy[t];
        }
    }
    for (size_t t = 0; t < n; t++)
        for (size_t j = 0; j < d; j++)
            m->yy[t * d + j] = m->v[j * mb + t] * m->uc[t * C + j];
    ssm_gemm_t(y, d, m->yy, d, m->out_wt, d, m->out_b, n, d, d);
}

void ssm_hyena_process(ssm_hyena *m, const float *u, float *y, size_t n)
{
    for (size_t i = 0; i < n; i += m->max_block) {
        size_t k = n - i < m->max_block ? n - i : m->max_block;
        hyena_piece(m, u + i * m->d, y + i * m->d, k);
    }
}
