#include "ssm/gss.h"

#include <stdlib.h>
#include <string.h>

#include "ssm/activations.h"
#include "ssm/diag.h"
#include "ssm/linalg.h"

struct ssm_gss {
    size_t E, F, H, max_block;
    float *vu_wt, *vu_b; /* [v; u] stacked, F + H outputs, transposed */
    float *c_wt, *c_b, *o_wt, *o_b;
    ssm_diag *dss; /* both forms */
    float *vu, *wc, *yc, *g;
};

ssm_gss *ssm_gss_create(const ssm_gss_weights *w, double dt_scale, size_t chunk, size_t max_block,
                        ssm_status *status)
{
    ssm_status st = SSM_ERR_INVALID;
    ssm_gss *m = NULL;
    float *W = NULL;
    if (!w || !w->d_model || !w->d_ff || !w->d_ssm || !w->v_w || !w->u_w || !w->dss ||
        w->dss->channels != w->d_ssm || !w->c_w || !w->o_w || !chunk || !max_block)
        goto fail;
    st = SSM_ERR_NOMEM;
    if (!(m = calloc(1, sizeof *m)))
        goto fail;
    const size_t E = w->d_model, F = w->d_ff, H = w->d_ssm, T = max_block;
    m->E = E, m->F = F, m->H = H, m->max_block = T;
    W = malloc((F + H) * E * sizeof *W);
    m->vu_wt = malloc((F + H) * E * sizeof *m->vu_wt);
    m->vu_b = calloc(F + H, sizeof *m->vu_b);
    m->c_wt = malloc(H * F * sizeof *m->c_wt);
    m->c_b = calloc(F, sizeof *m->c_b);
    m->o_wt = malloc(F * E * sizeof *m->o_wt);
    m->o_b = calloc(E, sizeof *m->o_b);
    m->vu = malloc(T * (F + H) * sizeof *m->vu);
    m->wc = malloc(H * T * sizeof *m->wc);
    m->yc = malloc(H * T * sizeof *m->yc);
    m->g = malloc(T * (F > H ? F : H) * sizeof *m->g);
    if (!W || !m->vu_wt || !m->vu_b || !m->c_wt || !m->c_b || !m->o_wt || !m->o_b || !m->vu ||
        !m->wc || !m->yc || !m->g)
        goto fail;
    memcpy(W, w->v_w, F * E * sizeof *W);
    memcpy(W + F * E, w->u_w, H * E * sizeof *W);
    ssm_transpose(m->vu_wt, W, F + H, E);
    if (w->v_b)
        memcpy(m->vu_b, w->v_b, F * sizeof *m->vu_b);
    if (w->u_b)
        memcpy(m->vu_b + F, w->u_b, H * sizeof *m->vu_b);
    ssm_transpose(m->c_wt, w->c_w, F, H);
    if (w->c_b)
        memcpy(m->c_b, w->c_b, F * sizeof *m->c_b);
    ssm_transpose(m->o_wt, w->o_w, E, F);
    if (w->o_b)
        memcpy(m->o_b, w->o_b, E * sizeof *m->o_b);
    ssm_diag_bank bank;
    st = ssm_diag_bank_init(&bank, H, w->dss->modes);
    if (st != SSM_OK)
        goto fail;
    st = ssm_dss_discretize(w->dss, w->variant, w->l_max, dt_scale, &bank);
    if (st == SSM_OK)
        m->dss = ssm_diag_create(&bank, &(ssm_diag_config){.chunk = chunk}, &st);
    ssm_diag_bank_free(&bank);
    if (!m->dss)
        goto fail;
    free(W);
    if (status)
        *status = SSM_OK;
    return m;
fail:
    free(W);
    ssm_gss_destroy(m);
    if (status)
        *status = st == SSM_OK ? SSM_ERR_NOMEM : st;
    return NULL;
}

void ssm_gss_destroy(ssm_gss *m)
{
    if (!m)
        return;
    ssm_diag_destroy(m->dss);
    float *bufs[] = {m->vu_wt, m->vu_b, m->c_wt, m->c_b, m->o_wt,
                     m->o_b,   m->vu,   m->wc,   m->yc,  m->g};
    for (size_t i = 0; i < sizeof bufs / sizeof bufs[0]; i++)
        free(bufs[i]);
    free(m);
}

void ssm_gss_reset(ssm_gss *m)
{
    ssm_diag_reset(m->dss);
}

void ssm_gss_set_mode(ssm_gss *m, ssm_mode mode)
{
    ssm_diag_set_mode(m->dss, mode);
}

static void gss_piece(ssm_gss *m, const float *u, float *y, size_t n)
{
    const size_t E = m->E, F = m->F, H = m->H, mb = m->max_block;
    ssm_gemm_t(m->vu, F + H, u, E, m->vu_wt, F + H, m->vu_b, n, F + H, E);
    ssm_gelu(m->vu, m->vu, n * (F + H));
    for (size_t h = 0; h < H; h++)
        for (size_t t = 0; t < n; t++)
            m->wc[h * mb + t] = m->vu[t * (F + H) + F + h];
    ssm_diag_process(m->dss, m->wc, mb, m->yc, mb, n);
    /* Back to time-major for the W_c product, reusing wc. */
    for (size_t t = 0; t < n; t++)
        for (size_t h = 0; h < H; h++)
            m->wc[t * H + h] = m->yc[h * mb + t];
    ssm_gemm_t(m->g, F, m->wc, H, m->c_wt, F, m->c_b, n, F, H);
    for (size_t t = 0; t < n; t++)
        for (size_t f = 0; f < F; f++)
            m->g[t * F + f] *= m->vu[t * (F + H) + f];
    ssm_gemm_t(y, E, m->g, F, m->o_wt, E, m->o_b, n, E, F);
}

void ssm_gss_process(ssm_gss *m, const float *u, float *y, size_t n)
{
    for (size_t i = 0; i < n; i += m->max_block) {
        size_t k = n - i < m->max_block ? n - i : m->max_block;
        gss_piece(m, u + i * m->E, y + i * m->E, k);
    }
}
