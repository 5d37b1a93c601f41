/* MIMO diagonal bank (S5, LRU): step and chunked scan. */
#include "ssm/mimo.h"
#include "ssm/fftconv.h"
#include "ssm/diag.h"

#include <complex.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#define LANES SSM_DIAG_LANES

ssm_status ssm_mimo_bank_alloc(ssm_mimo_bank *b, size_t channels, size_t states)
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
    free(b->lam_re);
    free(b->lam_im);
    free(b->b_re);
    free(b->b_im);
    free(b->c_re);
    free(b->c_im);
    free(b->d);
    memset(b, 0, sizeof *b);
}

double ssm_mimo_bank_max_pole(const ssm_mimo_bank *b)
{
    double mx = 0.0;
    for (size_t p = 0; p < b->states; p++) {
        double r = hypot((double)b->lam_re[p], (double)b->lam_im[p]);
        if (r > mx)
            mx = r;
    }
    return mx;
}

ssm_status ssm_mimo_state_alloc(ssm_mimo_state *s, const ssm_mimo_bank *b)
{
    s->stride = b->stride;
    s->re = ssm_fft_alloc(b->stride);
    s->im = ssm_fft_alloc(b->stride);
    if (!s->re || !s->im) {
        ssm_mimo_state_free(s);
        return SSM_ERR_NOMEM;
    }
    return SSM_OK;
}

void ssm_mimo_state_reset(ssm_mimo_state *s)
{
    memset(s->re, 0, s->stride * sizeof(float));
    memset(s->im, 0, s->stride * sizeof(float));
}

void ssm_mimo_state_free(ssm_mimo_state *s)
{
    free(s->re);
    free(s->im);
    s->re = s->im = NULL;
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

void ssm_mimo_step(const ssm_mimo_bank *b, ssm_mimo_state *s, const float *in, size_t in_ts,
                   size_t in_cs, float *out, size_t out_ts, size_t out_cs, size_t n)
{
    const size_t S = b->stride, H = b->channels;
    for (size_t t = 0; t < n; t++) {
        const float *u = in + t * in_ts;
        advance(b->lam_re, b->lam_im, s->re, s->im, S);
        for (size_t h = 0; h < H; h++)
            inject(b->b_re + h * S, b->b_im + h * S, u[h * in_cs], s->re, s->im, S);
        float *y = out + t * out_ts;
        for (size_t h = 0; h < H; h++)
            y[h * out_cs] =
                readout(b->c_re + h * S, b->c_im + h * S, s->re, s->im, S) + b->d[h] * u[h * in_cs];
    }
}

struct ssm_mimo_scan {
    size_t T, S;
    float *xr, *xi; /* [T][S] */
};

ssm_mimo_scan *ssm_mimo_scan_create(const ssm_mimo_bank *b, size_t chunk, ssm_status *err)
{
    ssm_mimo_scan *w = NULL;
    if (!b || chunk == 0) {
        if (err)
            *err = SSM_ERR_INVALID;
        return NULL;
    }
    w = calloc(1, sizeof *w);
    if (w) {
        w->T = chunk;
        w->S = b->stride;
        w->xr = ssm_fft_alloc(chunk * b->stride);
        w->xi = ssm_fft_alloc(chunk * b->stride);
    }
    if (!w || !w->xr || !w->xi) {
        ssm_mimo_scan_destroy(w);
        if (err)
            *err = SSM_ERR_NOMEM;
        return NULL;
    }
    if (err)
        *err = SSM_OK;
    return w;
}

void ssm_mimo_scan_destroy(ssm_mimo_scan *w)
{
    if (!w)
        return;
    free(w->xr);
    free(w->xi);
    free(w);
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

void ssm_mimo_scan_process(ssm_mimo_scan *w, const ssm_mimo_bank *b, ssm_mimo_state *s,
                           const float *in, size_t in_ts, size_t in_cs, float *out, size_t out_ts,
                           size_t out_cs, size_t n)
{
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
        scan_chunk(b->lam_re, b->lam_im, w->xr, w->xi, s->re, s->im, S, c);
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
