#include "ssm/ssd.h"

#include <string.h>

#include "ssm/activations.h"

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
