/* MIMO diagonal bank (S5, LRU): storage, and the object that runs the
 * recurrent step and the chunked scan on one state. */
#include "ssm/mimo.h"
#include "ssm/fft.h"
#include "ssm/diag.h"

#include <complex.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#define LANES SSM_DIAG_LANES

ssm_status ssm_mimo_bank_init(ssm_mimo_bank *b, size_t channels, size_t states)
{
    memset(b, 0, sizeof *b);
    if (channels == 0 || states == 0)
        return SSM_ERR_INVALID;
    b->channels = channels;
    b->states = states;
    b->stride = (states + LANES - 1) / LANES * LANES;
    b->lam_re = ssm_fft_alloc(b->stride);
    b->lam_im = ssm_fft_alloc(b->stride);
    b->b_re = ssm_fft_alloc(channels * b->stride);
    b->b_im = ssm_fft_alloc(channels * b->stride);
    b->c_re = ssm_fft_alloc(channels * b->stride);
    b->c_im = ssm_fft_alloc(channels * b->stride);
    b->d = ssm_fft_alloc(channels);
    if (!b->lam_re || !b->lam_im || !b->b_re || !b->b_im || !b->c_re || !b->c_im || !b->d) {
        ssm_mimo_bank_free(b);
        return SSM_ERR_NOMEM;
    }
    return SSM_OK;
}

void ssm_mimo_bank_free(ssm_mimo_bank *b)
{
    ssm_fft_free(b->lam_re);
    ssm_fft_free(b->lam_im);
    ssm_fft_free(b->b_re);
    ssm_fft_free(b->b_im);
    ssm_fft_free(b->c_re);
    ssm_fft_free(b->c_im);
    ssm_fft_free(b->d);
    memset(b, 0, sizeof *b);
}

double ssm_mimo_bank_max_pole(const ssm_mimo_bank *b)
{
    double mx = 0.0;
    for (size_t p = 0; p < b->states; p++) {
        double r = hypot((double)b->lam_re[p], (double)b->lam_im[p]);
        if (isnan(r)) /* "r > mx" would skip it: a NaN pole is no stable one */
            return r;
        if (r > mx)
            mx = r;
    }
    return mx;
}

/* y_h = Re(sum_p C[h][p] x[p]) with lane-parallel partial sums. */
SSM_HOT static float readout(const float *restrict cr, const float *restrict ci,
                             const float *restrict xr, const float *restrict xi, size_t S)
{
    float acc[LANES] = {0};
    for (size_t p = 0; p < S; p += LANES)
        for (size_t j = 0; j < LANES; j++)
            acc[j] += cr[p + j] * xr[p + j] - ci[p + j] * xi[p + j];
    float y = 0.0f;
    for (size_t j = 0; j < LANES; j++)
        y += acc[j];
    return y;
}

SSM_HOT static void advance(const float *restrict lr, const float *restrict li, float *restrict xr,
                            float *restrict xi, size_t S)
{
    for (size_t p = 0; p < S; p++) {
        float a = xr[p], c = xi[p];
        xr[p] = lr[p] * a - li[p] * c;
        xi[p] = lr[p] * c + li[p] * a;
    }
}

SSM_HOT static void inject(const float *restrict br, const float *restrict bi, float u,
                           float *restrict xr, float *restrict xi, size_t S)
{
    for (size_t p = 0; p < S; p++) {
        xr[p] += br[p] * u;
        xi[p] += bi[p] * u;
    }
}

struct ssm_mimo {
    ssm_mimo_bank bank;
    float *sr, *si; /* [stride] the state both forms share */
    size_t T;
    float *xr, *xi; /* [T][stride] the offline form's chunk of states */
    ssm_mode mode;
};

static void step(const ssm_mimo_bank *b, float *sr, float *si, const float *in, size_t in_ts,
                 size_t in_cs, float *out, size_t out_ts, size_t out_cs, size_t n)
{
    const size_t S = b->stride, H = b->channels;
    for (size_t t = 0; t < n; t++) {
        const float *u = in + t * in_ts;
        advance(b->lam_re, b->lam_im, sr, si, S);
        for (size_t h = 0; h < H; h++)
            inject(b->b_re + h * S, b->b_im + h * S, u[h * in_cs], sr, si, S);
        float *y = out + t * out_ts;
        for (size_t h = 0; h < H; h++)
            y[h * out_cs] =
                readout(b->c_re + h * S, b->c_im + h * S, sr, si, S) + b->d[h] * u[h * in_cs];
    }
}

SSM_HOT static void scan_chunk(const float *restrict lr, const float *restrict li,
                               float *restrict xr, float *restrict xi, float *restrict sr,
                               float *restrict si, size_t S, size_t c)
{
    /* x[t] = lambda x[t-1] + (Bbar u)[t], in place over the chunk. */
    for (size_t t = 0; t < c; t++) {
        float *restrict zr = xr + t * S, *restrict zi = xi + t * S;
        for (size_t p = 0; p < S; p++) {
            float a = sr[p], q = si[p];
            float nr = lr[p] * a - li[p] * q + zr[p];
            float ni = lr[p] * q + li[p] * a + zi[p];
            sr[p] = nr;
            si[p] = ni;
            zr[p] = nr;
            zi[p] = ni;
        }
    }
}

static void scan(ssm_mimo *w, const float *in, size_t in_ts, size_t in_cs, float *out,
                 size_t out_ts, size_t out_cs, size_t n)
{
    const ssm_mimo_bank *b = &w->bank;
    const size_t S = b->stride, H = b->channels;
    for (size_t t0 = 0; t0 < n; t0 += w->T) {
        const size_t c = n - t0 < w->T ? n - t0 : w->T;
        /* Bbar U for the chunk. */
        memset(w->xr, 0, c * S * sizeof(float));
        memset(w->xi, 0, c * S * sizeof(float));
        for (size_t t = 0; t < c; t++) {
            const float *u = in + (t0 + t) * in_ts;
            for (size_t h = 0; h < H; h++)
                inject(b->b_re + h * S, b->b_im + h * S, u[h * in_cs], w->xr + t * S, w->xi + t * S,
                       S);
        }
        scan_chunk(b->lam_re, b->lam_im, w->xr, w->xi, w->sr, w->si, S, c);
        for (size_t t = 0; t < c; t++) {
            const float *u = in + (t0 + t) * in_ts;
            float *y = out + (t0 + t) * out_ts;
            for (size_t h = 0; h < H; h++)
                y[h * out_cs] =
                    readout(b->c_re + h * S, b->c_im + h * S, w->xr + t * S, w->xi + t * S, S) +
                    b->d[h] * u[h * in_cs];
        }
    }
}

ssm_mimo *ssm_mimo_create(const ssm_mimo_bank *b, size_t chunk, ssm_status *status)
{
    ssm_status st = SSM_ERR_INVALID;
    ssm_mimo *m = NULL;
    if (!b || !b->channels || !b->states || chunk == 0)
        goto fail;
    st = SSM_ERR_NOMEM;
    m = calloc(1, sizeof *m);
    if (!m)
        goto fail;
    st = ssm_mimo_bank_init(&m->bank, b->channels, b->states);
    if (st != SSM_OK)
        goto fail;
    const size_t S = b->stride, H = b->channels;
    memcpy(m->bank.lam_re, b->lam_re, S * sizeof(float));
    memcpy(m->bank.lam_im, b->lam_im, S * sizeof(float));
    memcpy(m->bank.b_re, b->b_re, H * S * sizeof(float));
    memcpy(m->bank.b_im, b->b_im, H * S * sizeof(float));
    memcpy(m->bank.c_re, b->c_re, H * S * sizeof(float));
    memcpy(m->bank.c_im, b->c_im, H * S * sizeof(float));
    memcpy(m->bank.d, b->d, H * sizeof(float));
    st = SSM_ERR_NOMEM;
    m->T = chunk;
    m->sr = ssm_fft_alloc(S);
    m->si = ssm_fft_alloc(S);
    m->xr = ssm_fft_alloc(chunk * S);
    m->xi = ssm_fft_alloc(chunk * S);
    if (!m->sr || !m->si || !m->xr || !m->xi)
        goto fail;
    m->mode = SSM_MODE_STREAM;
    if (status)
        *status = SSM_OK;
    return m;
fail:
    ssm_mimo_destroy(m);
    if (status)
        *status = st;
    return NULL;
}

void ssm_mimo_destroy(ssm_mimo *m)
{
    if (!m)
        return;
    ssm_fft_free(m->sr);
    ssm_fft_free(m->si);
    ssm_fft_free(m->xr);
    ssm_fft_free(m->xi);
    ssm_mimo_bank_free(&m->bank);
    free(m);
}

void ssm_mimo_set_mode(ssm_mimo *m, ssm_mode mode)
{
    m->mode = mode;
}

void ssm_mimo_reset(ssm_mimo *m)
{
    memset(m->sr, 0, m->bank.stride * sizeof(float));
    memset(m->si, 0, m->bank.stride * sizeof(float));
}

void ssm_mimo_process(ssm_mimo *m, const float *in, size_t in_ts, size_t in_cs, float *out,
                      size_t out_ts, size_t out_cs, size_t n)
{
    if (m->mode == SSM_MODE_OFFLINE)
        scan(m, in, in_ts, in_cs, out, out_ts, out_cs, n);
    else
        step(&m->bank, m->sr, m->si, in, in_ts, in_cs, out, out_ts, out_cs, n);
}

ssm_status ssm_mimo_kernel(const ssm_mimo_bank *b, float *K, size_t L)
{
    const size_t H = b->channels, S = b->stride;
    for (size_t o = 0; o < H; o++)
        for (size_t i = 0; i < H; i++)
            for (size_t l = 0; l < L; l++) {
                double acc = 0.0;
                for (size_t p = 0; p < b->states; p++) {
                    double complex lam = b->lam_re[p] + I * (double)b->lam_im[p];
                    double complex c = b->c_re[o * S + p] + I * (double)b->c_im[o * S + p];
                    double complex bb = b->b_re[i * S + p] + I * (double)b->b_im[i * S + p];
                    acc += creal(c * cpow(lam, (double)l) * bb);
                }
                K[(o * H + i) * L + l] = (float)acc;
            }
    return SSM_OK;
}
