#include "ssm/ssd.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "ssm/activations.h"
#include "ssm/linalg.h"

SSM_HOT void ssm_ssd_step(const ssm_ssd_shape *s, float *restrict y, float *restrict state,
                          const float *restrict x, const float *restrict dt,
                          const float *restrict A, const float *restrict B, const float *restrict C,
                          const float *restrict D)
{
    const size_t H = s->heads, P = s->head_dim, N = s->d_state, hpg = H / s->groups;
    for (size_t h = 0; h < H; h++) {
        const float *bg = B + (h / hpg) * N, *cg = C + (h / hpg) * N, *xh = x + h * P;
        const float dth = dt[h], a = ssm_expf_fast(dth * A[h]);
        float *yh = y + h * P, *S = state + h * N * P;
        for (size_t p = 0; p < P; p++)
            yh[p] = D ? D[h] * xh[p] : 0.0f;
        for (size_t n = 0; n < N; n++) {
            const float bn = dth * bg[n], cn = cg[n];
            float *sn = S + n * P;
            for (size_t p = 0; p < P; p++) {
                float v = a * sn[p] + bn * xh[p];
                sn[p] = v;
                yh[p] += v * cn;
            }
        }
    }
}

size_t ssm_ssd_work_size(const ssm_ssd_shape *s, size_t Q)
{
    (void)s;
    return Q * Q + 3 * Q;
}

/* One chunk of q <= Q steps for every head. */
SSM_HOT static void ssd_chunk(const ssm_ssd_shape *s, float *restrict y, size_t ldy,
                              float *restrict state, const float *restrict x, size_t ldx,
                              const float *restrict dt, size_t lddt, const float *restrict A,
                              const float *restrict B, const float *restrict C, size_t ldbc,
                              const float *restrict D, size_t q, size_t Q, float *restrict work)
{
    const size_t H = s->heads, P = s->head_dim, N = s->d_state, G = s->groups, hpg = H / G;
    float *CB = work, *cs = work + Q * Q, *row = cs + Q, *tail = row + Q;
    for (size_t g = 0; g < G; g++) {
        /* C_l . B_s for s <= l: shared by the heads of the group. */
        for (size_t l = 0; l < q; l++) {
            const float *cl = C + l * ldbc + g * N;
            for (size_t j = 0; j <= l; j++) {
                const float *bj = B + j * ldbc + g * N;
                float acc = 0.0f;
                for (size_t n = 0; n < N; n++)
                    acc += cl[n] * bj[n];
                CB[l * Q + j] = acc;
            }
        }
        for (size_t h = g * hpg; h < (g + 1) * hpg; h++) {
            /* Cumulative log decay in double: it is differenced below, and
             * float cancellation would cost relative accuracy in the mask. */
            double acc = 0.0;
            for (size_t l = 0; l < q; l++) {
                acc += (double)dt[l * lddt + h] * A[h];
                cs[l] = (float)acc;
            }
            float *S = state + h * N * P;
            for (size_t l = 0; l < q; l++) {
                float *yl = y + l * ldy + h * P;
                const float *xl = x + l * ldx + h * P, *cl = C + l * ldbc + g * N;
                /* Carried-in state, decayed to step l. */
                const float dl = ssm_expf_fast(cs[l]);
                for (size_t p = 0; p < P; p++)
                    yl[p] = D ? D[h] * xl[p] : 0.0f;
                for (size_t n = 0; n < N; n++) {
                    const float w = dl * cl[n];
                    const float *sn = S + n * P;
                    for (size_t p = 0; p < P; p++)
                        yl[p] += w * sn[p];
                }
                /* The quadratic (segment-sum masked) part inside the chunk. */
                for (size_t j = 0; j <= l; j++)
                    row[j] = CB[l * Q + j] * ssm_expf_fast(cs[l] - cs[j]) * dt[j * lddt + h];
                for (size_t j = 0; j <= l; j++) {
                    const float w = row[j], *xj = x + j * ldx + h * P;
                    for (size_t p = 0; p < P; p++)
                        yl[p] += w * xj[p];
                }
            }
            /* Hand the state on: S = exp(cs_q) S + sum_j exp(cs_q - cs_j) dt_j B_j x_j^T. */
            const float dq = ssm_expf_fast(cs[q - 1]);
            for (size_t j = 0; j < q; j++)
                tail[j] = ssm_expf_fast(cs[q - 1] - cs[j]) * dt[j * lddt + h];
            for (size_t n = 0; n < N; n++) {
                float *sn = S + n * P;
                for (size_t p = 0; p < P; p++)
                    sn[p] *= dq;
                for (size_t j = 0; j < q; j++) {
                    const float w = tail[j] * B[j * ldbc + g * N + n], *xj = x + j * ldx + h * P;
                    for (size_t p = 0; p < P; p++)
                        sn[p] += w * xj[p];
                }
            }
        }
    }
}

void ssm_ssd_chunked(const ssm_ssd_shape *s, float *restrict y, size_t ldy, float *restrict state,
                     const float *restrict x, size_t ldx, const float *restrict dt, size_t lddt,
                     const float *restrict A, const float *restrict B, const float *restrict C,
                     size_t ldbc, const float *restrict D, size_t L, size_t Q, float *restrict work)
{
    for (size_t t = 0; t < L; t += Q) {
        size_t q = L - t < Q ? L - t : Q;
        ssd_chunk(s, y + t * ldy, ldy, state, x + t * ldx, ldx, dt + t * lddt, lddt, A,
                  B + t * ldbc, C + t * ldbc, ldbc, D, q, Q, work);
    }
}

/* ---- Mamba-2 block ---- */

struct ssm_mamba2 {
    ssm_ssd_shape shape;
    size_t dm, di, kc, cd, nproj, Q, max_block;
    ssm_mode mode;
    float dt_scale, eps;
    float *in_wt, *in_b, *conv_wt, *conv_b, *dt_bias, *A, *D, *norm_w, *out_wt, *out_b;
    float *conv_state, *ssm_state;
    float *zxbcdt, *win, *xbc, *dt, *y, *work;
};

static float *copy_or_zero(const float *src, size_t n)
{
    float *p = calloc(n ? n : 1, sizeof *p);
    if (p && src)
        memcpy(p, src, n * sizeof *p);
    return p;
}

ssm_mamba2 *ssm_mamba2_create(const ssm_mamba2_weights *w, size_t chunk, size_t max_block,
                              ssm_status *status)
{
    if (!w || !w->d_model || !w->d_inner || !w->head_dim || !w->groups || !w->d_state ||
        !w->d_conv || w->d_inner % w->head_dim || (w->d_inner / w->head_dim) % w->groups ||
        !w->in_proj_w || !w->conv_w || !w->dt_bias || !w->A_log || !w->D || !w->norm_w ||
        !w->out_proj_w || !chunk || !max_block) {
        if (status)
            *status = SSM_ERR_INVALID;
        return NULL;
    }
    ssm_mamba2 *m = calloc(1, sizeof *m);
    if (!m) {
        if (status)
            *status = SSM_ERR_NOMEM;
        return NULL;
    }
    const size_t dm = w->d_model, di = w->d_inner, H = di / w->head_dim, G = w->groups;
    const size_t N = w->d_state, kc = w->d_conv, cd = di + 2 * G * N, np = 2 * di + 2 * G * N + H;
    const size_t T = max_block;
    m->shape = (ssm_ssd_shape){H, w->head_dim, G, N};
    m->dm = dm, m->di = di, m->kc = kc, m->cd = cd, m->nproj = np, m->Q = chunk;
    m->max_block = T, m->dt_scale = 1.0f, m->eps = w->norm_eps > 0.0f ? w->norm_eps : 1e-5f;
    m->in_wt = malloc(np * dm * sizeof *m->in_wt);
    m->in_b = copy_or_zero(w->in_proj_b, np);
    m->conv_wt = malloc(kc * cd * sizeof *m->conv_wt);
    m->conv_b = copy_or_zero(w->conv_b, cd);
    m->dt_bias = copy_or_zero(w->dt_bias, H);
    m->A = malloc(H * sizeof *m->A);
    m->D = copy_or_zero(w->D, H);
    m->norm_w = copy_or_zero(w->norm_w, di);
    m->out_wt = malloc(dm * di * sizeof *m->out_wt);
    m->out_b = copy_or_zero(w->out_proj_b, dm);
    m->conv_state = calloc((kc - 1) * cd + 1, sizeof *m->conv_state);
    m->ssm_state = calloc(H * N * w->head_dim, sizeof *m->ssm_state);
    m->zxbcdt = malloc(T * np * sizeof *m->zxbcdt);
    m->win = malloc((T + kc - 1) * cd * sizeof *m->win);
    m->xbc = malloc(T * cd * sizeof *m->xbc);
    m->dt = malloc(T * H * sizeof *m->dt);
    m->y = malloc(T * di * sizeof *m->y);
    m->work = malloc(ssm_ssd_work_size(&m->shape, chunk) * sizeof *m->work);
    if (!m->in_wt || !m->in_b || !m->conv_wt || !m->conv_b || !m->dt_bias || !m->A || !m->D ||
        !m->norm_w || !m->out_wt || !m->out_b || !m->conv_state || !m->ssm_state || !m->zxbcdt ||
        !m->win || !m->xbc || !m->dt || !m->y || !m->work) {
        ssm_mamba2_destroy(m);
        if (status)
            *status = SSM_ERR_NOMEM;
        return NULL;
    }
    ssm_transpose(m->in_wt, w->in_proj_w, np, dm);
    ssm_transpose(m->conv_wt, w->conv_w, cd, kc);
    ssm_transpose(m->out_wt, w->out_proj_w, dm, di);
    for (size_t h = 0; h < H; h++)
        m->A[h] = -expf(w->A_log[h]);
    m->mode = SSM_MODE_STREAM;
    if (status)
        *status = SSM_OK;
    return m;
}

void ssm_mamba2_destroy(ssm_mamba2 *m)
{
    if (!m)
        return;
    float *bufs[] = {m->in_wt,  m->in_b,   m->conv_wt, m->conv_b, m->dt_bias,    m->A,
                     m->D,      m->norm_w, m->out_wt,  m->out_b,  m->conv_state, m->ssm_state,
                     m->zxbcdt, m->win,    m->xbc,     m->dt,     m->y,          m->work};
    for (size_t i = 0; i < sizeof bufs / sizeof bufs[0]; i++)
        free(bufs[i]);
    free(m);
}

void ssm_mamba2_reset(ssm_mamba2 *m)
{
    memset(m->conv_state, 0, (m->kc - 1) * m->cd * sizeof *m->conv_state);
    memset(m->ssm_state, 0,
           m->shape.heads * m->shape.d_state * m->shape.head_dim * sizeof *m->ssm_state);
}

void ssm_mamba2_set_dt_scale(ssm_mamba2 *m, float scale)
{
    m->dt_scale = scale;
}

void ssm_mamba2_set_mode(ssm_mamba2 *m, ssm_mode mode)
{
    m->mode = mode;
}

SSM_HOT static void mamba2_piece(ssm_mamba2 *m, const float *u, float *out, size_t T)
{
    const size_t dm = m->dm, di = m->di, kc = m->kc, cd = m->cd, np = m->nproj;
    const size_t H = m->shape.heads, G = m->shape.groups, N = m->shape.d_state;
    ssm_gemm_t(m->zxbcdt, np, u, dm, m->in_wt, np, m->in_b, T, np, dm);
    float *win = m->win;
    memcpy(win, m->conv_state, (kc - 1) * cd * sizeof *win);
    for (size_t t = 0; t < T; t++)
        memcpy(win + (kc - 1 + t) * cd, m->zxbcdt + t * np + di, cd * sizeof *win);
    for (size_t t = 0; t < T; t++) {
        float *xt = m->xbc + t * cd;
        memcpy(xt, m->conv_b, cd * sizeof *xt);
        for (size_t k = 0; k < kc; k++) {
            const float *wk = m->conv_wt + k * cd, *in = win + (t + k) * cd;
            for (size_t c = 0; c < cd; c++)
                xt[c] += wk[c] * in[c];
        }
    }
    memcpy(m->conv_state, win + T * cd, (kc - 1) * cd * sizeof *win);
    ssm_silu(m->xbc, m->xbc, T * cd);
    for (size_t t = 0; t < T; t++) {
        const float *dr = m->zxbcdt + t * np + di + cd;
        float *dt = m->dt + t * H;
        for (size_t h = 0; h < H; h++)
            dt[h] = ssm_softplusf_fast(dr[h] + m->dt_bias[h]) * m->dt_scale;
    }
    const float *x = m->xbc, *B = m->xbc + di, *C = m->xbc + di + G * N;
    if (m->mode == SSM_MODE_OFFLINE)
        ssm_ssd_chunked(&m->shape, m->y, di, m->ssm_state, x, cd, m->dt, H, m->A, B, C, cd, m->D, T,
                        m->Q, m->work);
    else
        for (size_t t = 0; t < T; t++)
            ssm_ssd_step(&m->shape, m->y + t * di, m->ssm_state, x + t * cd, m->dt + t * H, m->A,
                         B + t * cd, C + t * cd, m->D);
    /* Gated RMSNorm, gate before the norm, one norm per group. */
    const size_t gs = di / G;
    for (size_t t = 0; t < T; t++) {
        float *yt = m->y + t * di;
        const float *zt = m->zxbcdt + t * np;
        for (size_t i = 0; i < di; i++)
            yt[i] *= ssm_siluf_fast(zt[i]);
        for (size_t g = 0; g < G; g++)
            ssm_rmsnorm(yt + g * gs, yt + g * gs, m->norm_w + g * gs, gs, m->eps);
    }
    ssm_gemm_t(out, dm, m->y, di, m->out_wt, dm, m->out_b, T, dm, di);
}

void ssm_mamba2_process(ssm_mamba2 *m, const float *u, float *y, size_t n)
{
    for (size_t i = 0; i < n; i += m->max_block) {
        size_t k = n - i < m->max_block ? n - i : m->max_block;
        mamba2_piece(m, u + i * m->dm, y + i * m->dm, k);
    }
}
