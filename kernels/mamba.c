#include "ssm/mamba.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "ssm/activations.h"
#include "ssm/linalg.h"

struct ssm_mamba {
    size_t dm, di, ns, kc, rk, max_chunk;
    float dt_scale;
    ssm_mode mode;
    /* Weights transposed for ssm_gemv_t, conv taps as d_conv x d_inner. */
    float *in_wt, *in_b, *conv_wt, *conv_b, *x_wt, *dt_wt, *dt_b, *A, *D, *out_wt, *out_b;
    /* State: the last d_conv-1 conv inputs (oldest first), then h. */
    float *state, *conv_state, *h;
    /* Scratch for one chunk. */
    float *xz, *win, *xc, *xdbl, *dt, *y;
};

static float *dup_or_zero(const float *src, size_t n)
{
    float *p = calloc(n ? n : 1, sizeof *p);
    if (p && src)
        memcpy(p, src, n * sizeof *p);
    return p;
}

static float *dup_transposed(const float *src, size_t rows, size_t cols)
{
    float *p = malloc(rows * cols * sizeof *p);
    if (p)
        ssm_transpose(p, src, rows, cols);
    return p;
}

ssm_mamba *ssm_mamba_create(const ssm_mamba_weights *w, size_t max_chunk, ssm_status *status)
{
    if (!w || !w->d_model || !w->d_inner || !w->d_state || !w->d_conv || !w->dt_rank ||
        !max_chunk || !w->in_proj_w || !w->conv_w || !w->x_proj_w || !w->dt_proj_w ||
        !w->dt_proj_b || !w->A_log || !w->D || !w->out_proj_w) {
        if (status)
            *status = SSM_ERR_INVALID;
        return NULL;
    }
    ssm_mamba *m = calloc(1, sizeof *m);
    if (!m) {
        if (status)
            *status = SSM_ERR_NOMEM;
        return NULL;
    }
    size_t dm = w->d_model, di = w->d_inner, ns = w->d_state, kc = w->d_conv, rk = w->dt_rank;
    size_t nx = rk + 2 * ns, T = max_chunk;
    m->dm = dm, m->di = di, m->ns = ns, m->kc = kc, m->rk = rk, m->max_chunk = T;
    m->dt_scale = 1.0f;
    m->in_wt = dup_transposed(w->in_proj_w, 2 * di, dm);
    m->in_b = dup_or_zero(w->in_proj_b, 2 * di);
    m->conv_wt = dup_transposed(w->conv_w, di, kc);
    m->conv_b = dup_or_zero(w->conv_b, di);
    m->x_wt = dup_transposed(w->x_proj_w, nx, di);
    m->dt_wt = dup_transposed(w->dt_proj_w, di, rk);
    m->dt_b = dup_or_zero(w->dt_proj_b, di);
    m->A = malloc(di * ns * sizeof *m->A);
    m->D = dup_or_zero(w->D, di);
    m->out_wt = dup_transposed(w->out_proj_w, dm, di);
    m->out_b = dup_or_zero(w->out_proj_b, dm);
    m->state = calloc((kc - 1) * di + di * ns + 1, sizeof *m->state);
    m->xz = malloc(T * 2 * di * sizeof *m->xz);
    m->win = malloc((T + kc - 1) * di * sizeof *m->win);
    m->xc = malloc(T * di * sizeof *m->xc);
    m->xdbl = malloc(T * nx * sizeof *m->xdbl);
    m->dt = malloc(T * di * sizeof *m->dt);
    m->y = malloc(T * di * sizeof *m->y);
    if (!m->in_wt || !m->in_b || !m->conv_wt || !m->conv_b || !m->x_wt || !m->dt_wt || !m->dt_b ||
        !m->A || !m->D || !m->out_wt || !m->out_b || !m->state || !m->xz || !m->win || !m->xc ||
        !m->xdbl || !m->dt || !m->y) {
        ssm_mamba_destroy(m);
        if (status)
            *status = SSM_ERR_NOMEM;
        return NULL;
    }
    for (size_t d = 0; d < di; d++)
        for (size_t k = 0; k < ns; k++)
            m->A[k * di + d] = -expf(w->A_log[d * ns + k]);
    m->conv_state = m->state;
    m->h = m->state + (kc - 1) * di;
    m->mode = SSM_MODE_STREAM;
    if (status)
        *status = SSM_OK;
    return m;
}

void ssm_mamba_destroy(ssm_mamba *m)
{
    if (!m)
        return;
    float *bufs[] = {m->in_wt, m->in_b, m->conv_wt, m->conv_b, m->x_wt,  m->dt_wt,
                     m->dt_b,  m->A,    m->D,       m->out_wt, m->out_b, m->state,
                     m->xz,    m->win,  m->xc,      m->xdbl,   m->dt,    m->y};
    for (size_t i = 0; i < sizeof bufs / sizeof bufs[0]; i++)
        free(bufs[i]);
    free(m);
}

void ssm_mamba_set_dt_scale(ssm_mamba *m, float scale)
{
    m->dt_scale = scale;
}

void ssm_mamba_reset(ssm_mamba *m)
{
    memset(m->state, 0, ssm_mamba_state_size(m) * sizeof *m->state);
}

size_t ssm_mamba_state_size(const ssm_mamba *m)
{
    return (m->kc - 1) * m->di + m->di * m->ns;
}

void ssm_mamba_get_state(const ssm_mamba *m, float *dst)
{
    memcpy(dst, m->state, ssm_mamba_state_size(m) * sizeof *dst);
}

void ssm_mamba_set_state(ssm_mamba *m, const float *src)
{
    memcpy(m->state, src, ssm_mamba_state_size(m) * sizeof *src);
}

/* Channels are the inner, contiguous index (state k, channel d at
 * k*dim + d): the update vectorises over channels and y accumulates over k
 * in order, so there is no horizontal reduction and no reassociation.
 * Channels go in blocks so a block's h stays in L1 across the k loop. */
#define SCAN_BLOCK 256

SSM_HOT void ssm_selective_scan(float *restrict y, float *restrict h, const float *restrict u,
                                const float *restrict delta, const float *restrict At,
                                const float *restrict B, const float *restrict C, size_t ld_bc,
                                const float *restrict D, size_t L, size_t dim, size_t N)
{
    for (size_t t = 0; t < L; t++) {
        const float *bt = B + t * ld_bc, *ct = C + t * ld_bc;
        const float *ut = u + t * dim, *dtt = delta + t * dim;
        float *yt = y + t * dim;
        for (size_t d0 = 0; d0 < dim; d0 += SCAN_BLOCK) {
            const size_t nd = dim - d0 < SCAN_BLOCK ? dim - d0 : SCAN_BLOCK;
            const float *ub = ut + d0, *db = dtt + d0;
            float *yb = yt + d0;
            for (size_t d = 0; d < nd; d++)
                yb[d] = D ? D[d0 + d] * ub[d] : 0.0f;
            for (size_t k = 0; k < N; k++) {
                const float bk = bt[k], ck = ct[k];
                const float *ak = At + k * dim + d0;
                float *hk = h + k * dim + d0;
                for (size_t d = 0; d < nd; d++) {
                    float s = ssm_expf_fast(db[d] * ak[d]) * hk[d] + db[d] * ub[d] * bk;
                    hk[d] = s;
                    yb[d] += s * ck;
                }
            }
        }
    }
}

/* One chunk of T <= max_chunk steps; the step is the chunk with T = 1. */
SSM_HOT static void mamba_chunk(ssm_mamba *m, const float *u, float *out, size_t T)
{
    const size_t dm = m->dm, di = m->di, ns = m->ns, kc = m->kc, rk = m->rk;
    const size_t nx = rk + 2 * ns;

    ssm_gemm_t(m->xz, 2 * di, u, dm, m->in_wt, 2 * di, m->in_b, T, 2 * di, dm);

    /* Causal depthwise conv over a window = (carried inputs, this chunk's). */
    float *win = m->win;
    memcpy(win, m->conv_state, (kc - 1) * di * sizeof *win);
    for (size_t t = 0; t < T; t++)
        memcpy(win + (kc - 1 + t) * di, m->xz + t * 2 * di, di * sizeof *win);
    for (size_t t = 0; t < T; t++) {
        float *xt = m->xc + t * di;
        memcpy(xt, m->conv_b, di * sizeof *xt);
        for (size_t k = 0; k < kc; k++) {
            const float *wk = m->conv_wt + k * di, *in = win + (t + k) * di;
            for (size_t d = 0; d < di; d++)
                xt[d] += wk[d] * in[d];
        }
    }
    memcpy(m->conv_state, win + T * di, (kc - 1) * di * sizeof *win);
    ssm_silu(m->xc, m->xc, T * di);

    ssm_gemm_t(m->xdbl, nx, m->xc, di, m->x_wt, nx, NULL, T, nx, di);
    ssm_gemm_t(m->dt, di, m->xdbl, nx, m->dt_wt, di, m->dt_b, T, di, rk);
    ssm_softplus(m->dt, m->dt, T * di);
    if (m->dt_scale != 1.0f)
        for (size_t i = 0; i < T * di; i++)
            m->dt[i] *= m->dt_scale;

    ssm_selective_scan(m->y, m->h, m->xc, m->dt, m->A, m->xdbl + rk, m->xdbl + rk + ns, nx, m->D, T,
                       di, ns);

    for (size_t t = 0; t < T; t++) {
        float *yt = m->y + t * di;
        const float *zt = m->xz + t * 2 * di + di;
        for (size_t d = 0; d < di; d++)
            yt[d] *= ssm_siluf_fast(zt[d]);
    }
    ssm_gemm_t(out, dm, m->y, di, m->out_wt, dm, m->out_b, T, dm, di);
}

void ssm_mamba_set_mode(ssm_mamba *m, ssm_mode mode)
{
    m->mode = mode;
}

void ssm_mamba_process(ssm_mamba *m, const float *u, float *y, size_t n)
{
    const size_t T = m->mode == SSM_MODE_OFFLINE ? m->max_chunk : 1;
    for (size_t i = 0; i < n; i += T) {
        const size_t len = n - i < T ? n - i : T;
        mamba_chunk(m, u + i * m->dm, y + i * m->dm, len);
    }
}
