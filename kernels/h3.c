#include "ssm/h3.h"

#include <stdlib.h>
#include <string.h>

#include "ssm/diag.h"
#include "ssm/linalg.h"

struct ssm_h3 {
    size_t H, ns, max_block;
    float *qkv_wt, *qkv_b; /* [q; k; v] stacked: 3H outputs, transposed */
    float *out_wt, *out_b, *shift_D;
    float *ksh;    /* H x ns shift FIR taps, reversed */
    float *khist;  /* H x (ns-1): last inputs of the shift FIR */
    ssm_diag *ssm; /* the S4D part, both forms */
    float *qkv, *kv, *yc, *win, *yy;
};

ssm_h3 *ssm_h3_create(const ssm_h3_weights *w, ssm_discretization disc, double dt_scale,
                      size_t chunk, size_t max_block, ssm_status *status)
{
    ssm_status st = SSM_ERR_INVALID;
    ssm_h3 *m = NULL;
    float *W = NULL;
    if (!w || !w->d_model || !w->shift_n || !w->q_w || !w->k_w || !w->v_w || !w->shift_B ||
        !w->shift_C || !w->shift_D || !w->ssm || !w->out_w || w->ssm->channels != w->d_model ||
        !chunk || !max_block)
        goto fail;
    st = SSM_ERR_NOMEM;
    if (!(m = calloc(1, sizeof *m)))
        goto fail;
    const size_t H = w->d_model, ns = w->shift_n;
    m->H = H, m->ns = ns, m->max_block = max_block;
    m->qkv_wt = malloc(3 * H * H * sizeof *m->qkv_wt);
    m->qkv_b = calloc(3 * H, sizeof *m->qkv_b);
    m->out_wt = malloc(H * H * sizeof *m->out_wt);
    m->out_b = calloc(H, sizeof *m->out_b);
    m->shift_D = malloc(H * sizeof *m->shift_D);
    m->ksh = calloc(H * ns, sizeof *m->ksh);
    m->khist = calloc(H * (ns - 1) + 1, sizeof *m->khist);
    m->qkv = malloc(max_block * 3 * H * sizeof *m->qkv);
    m->kv = malloc(H * max_block * sizeof *m->kv);
    m->yc = malloc(H * max_block * sizeof *m->yc);
    m->win = malloc((ns - 1 + max_block) * sizeof *m->win);
    m->yy = malloc(max_block * H * sizeof *m->yy);
    W = malloc(3 * H * H * sizeof *W);
    if (!m->qkv_wt || !m->qkv_b || !m->out_wt || !m->out_b || !m->shift_D || !m->ksh || !m->khist ||
        !m->qkv || !m->kv || !m->yc || !m->win || !m->yy || !W)
        goto fail;
    memcpy(W, w->q_w, H * H * sizeof *W);
    memcpy(W + H * H, w->k_w, H * H * sizeof *W);
    memcpy(W + 2 * H * H, w->v_w, H * H * sizeof *W);
    ssm_transpose(m->qkv_wt, W, 3 * H, H);
    if (w->q_b)
        memcpy(m->qkv_b, w->q_b, H * sizeof *m->qkv_b);
    if (w->k_b)
        memcpy(m->qkv_b + H, w->k_b, H * sizeof *m->qkv_b);
    if (w->v_b)
        memcpy(m->qkv_b + 2 * H, w->v_b, H * sizeof *m->qkv_b);
    ssm_transpose(m->out_wt, w->out_w, H, H);
    if (w->out_b)
        memcpy(m->out_b, w->out_b, H * sizeof *m->out_b);
    memcpy(m->shift_D, w->shift_D, H * sizeof *m->shift_D);
    /* kshift[j] = sum_m B[m] C[m+j] (the shift SSM's impulse response),
     * stored reversed for the direct-form dot product. */
    for (size_t h = 0; h < H; h++)
        for (size_t j = 0; j < ns; j++) {
            double acc = 0.0;
            for (size_t mm = 0; mm + j < ns; mm++)
                acc += (double)w->shift_B[h * ns + mm] * w->shift_C[h * ns + mm + j];
            m->ksh[h * ns + (ns - 1 - j)] = (float)acc;
        }
    ssm_diag_bank bank;
    st = ssm_diag_bank_init(&bank, H, w->ssm->modes);
    if (st != SSM_OK)
        goto fail;
    st = ssm_s4d_discretize(w->ssm, disc, dt_scale, &bank);
    if (st == SSM_OK)
        m->ssm = ssm_diag_create(&bank, &(ssm_diag_config){.chunk = chunk}, &st);
    ssm_diag_bank_free(&bank);
    if (!m->ssm)
        goto fail;
    free(W);
    if (status)
        *status = SSM_OK;
    return m;
fail:
    free(W);
    ssm_h3_destroy(m);
    if (status)
        *status = st == SSM_OK ? SSM_ERR_NOMEM : st;
    return NULL;
}

void ssm_h3_destroy(ssm_h3 *m)
{
    if (!m)
        return;
    ssm_diag_destroy(m->ssm);
    float *bufs[] = {m->qkv_wt, m->qkv_b, m->out_wt, m->out_b, m->shift_D, m->ksh,
                     m->khist,  m->qkv,   m->kv,     m->yc,    m->win,     m->yy};
    for (size_t i = 0; i < sizeof bufs / sizeof bufs[0]; i++)
        free(bufs[i]);
    free(m);
}

void ssm_h3_reset(ssm_h3 *m)
{
    memset(m->khist, 0, m->H * (m->ns - 1) * sizeof *m->khist);
    ssm_diag_reset(m->ssm);
}

void ssm_h3_set_mode(ssm_h3 *m, ssm_mode mode)
{
    ssm_diag_set_mode(m->ssm, mode);
}

/* Shift FIR of channel h over n samples of x (stride 1) into out. */
SSM_HOT static void shift_fir(ssm_h3 *m, size_t h, const float *restrict x, float *restrict out,
                              size_t n)
{
    const size_t ns = m->ns;
    float *restrict win = m->win, *restrict hist = m->khist + h * (ns - 1);
    const float *restrict k = m->ksh + h * ns;
    memcpy(win, hist, (ns - 1) * sizeof *win);
    memcpy(win + ns - 1, x, n * sizeof *win);
    for (size_t t = 0; t < n; t++) {
        const float *wp = win + t;
        float acc = 0.0f;
        for (size_t i = 0; i < ns; i++)
            acc += k[i] * wp[i];
        out[t] = acc;
    }
    memcpy(hist, win + n, (ns - 1) * sizeof *hist);
}

static void h3_piece(ssm_h3 *m, const float *u, float *y, size_t n)
{
    const size_t H = m->H, mb = m->max_block;
    ssm_gemm_t(m->qkv, 3 * H, u, H, m->qkv_wt, 3 * H, m->qkv_b, n, 3 * H, H);
    /* Channel-major k, through the shift FIR, times v: kv (H x mb). */
    for (size_t h = 0; h < H; h++) {
        float *kh = m->yc + h * mb, *kvh = m->kv + h * mb;
        for (size_t t = 0; t < n; t++)
            kh[t] = m->qkv[t * 3 * H + H + h];
        shift_fir(m, h, kh, kvh, n);
        const float sd = m->shift_D[h];
        for (size_t t = 0; t < n; t++)
            kvh[t] = (kvh[t] + sd * kh[t]) * m->qkv[t * 3 * H + 2 * H + h];
    }
    /* S4D (+ D kv, the bank's d) on kv, by either form, same state. */
    ssm_diag_process(m->ssm, m->kv, mb, m->yc, mb, n);
    for (size_t t = 0; t < n; t++)
        for (size_t h = 0; h < H; h++)
            m->yy[t * H + h] = m->yc[h * mb + t] * m->qkv[t * 3 * H + h];
    ssm_gemm_t(y, H, m->yy, H, m->out_wt, H, m->out_b, n, H, H);
}

void ssm_h3_process(ssm_h3 *m, const float *u, float *y, size_t n)
{
    for (size_t i = 0; i < n; i += m->max_block) {
        size_t k = n - i < m->max_block ? n - i : m->max_block;
        h3_piece(m, u + i * m->H, y + i * m->H, k);
    }
}
