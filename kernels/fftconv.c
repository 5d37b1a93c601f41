/* FFTW3 plans behind one lock, and the exact chunked convolution of a
 * diagonal bank (see ssm/fftconv.h for the algebra). */
#include "ssm/fftconv.h"

#include <fftw3.h>
#include <math.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#define LANES SSM_DIAG_LANES
#define SUB   SSM_DIAG_SUB

/* FFTW's planner (and plan destruction) touch global tables: one lock for
 * the whole process, taken only at create/destroy time. */
static pthread_mutex_t plan_lock = PTHREAD_MUTEX_INITIALIZER;

struct ssm_rfft {
    size_t n;
    fftwf_plan fwd;
    fftwf_plan inv;
};

float *ssm_fft_alloc(size_t n)
{
    size_t bytes = (n * sizeof(float) + 63) & ~(size_t)63;
    float *p = aligned_alloc(64, bytes ? bytes : 64);
    if (p)
        memset(p, 0, bytes ? bytes : 64);
    return p;
}

void ssm_fft_free(float *p)
{
    free(p);
}

size_t ssm_fft_bins_stride(size_t n)
{
    return (n / 2 + 1 + 15) / 16 * 16;
}

ssm_rfft *ssm_rfft_create(size_t n, ssm_plan_rigor rigor)
{
    if (n < 2 || n % 2 || n > (size_t)1 << 30)
        return NULL;
    ssm_rfft *f = calloc(1, sizeof *f);
    const size_t nbs = ssm_fft_bins_stride(n);
    float *in = ssm_fft_alloc(n), *spec = ssm_fft_alloc(2 * nbs);
    float *re = spec, *im = spec ? spec + nbs : NULL;
    if (!f || !in || !spec) {
        free(f);
        f = NULL;
        goto out;
    }
    f->n = n;
    /* FFTW_MEASURE writes into the arrays while timing: they are scratch. */
    unsigned flags = rigor == SSM_PLAN_MEASURE ? FFTW_MEASURE : FFTW_ESTIMATE;
    fftwf_iodim dim = {(int)n, 1, 1};
    pthread_mutex_lock(&plan_lock);
    f->fwd = fftwf_plan_guru_split_dft_r2c(1, &dim, 0, NULL, in, re, im, flags);
    f->inv = fftwf_plan_guru_split_dft_c2r(1, &dim, 0, NULL, re, im, in, flags);
    pthread_mutex_unlock(&plan_lock);
    if (!f->fwd || !f->inv) {
        ssm_rfft_destroy(f);
        f = NULL;
    }
out:
    ssm_fft_free(in);
    ssm_fft_free(spec);
    return f;
}

void ssm_rfft_destroy(ssm_rfft *f)
{
    if (!f)
        return;
    pthread_mutex_lock(&plan_lock);
    if (f->fwd)
        fftwf_destroy_plan(f->fwd);
    if (f->inv)
        fftwf_destroy_plan(f->inv);
    pthread_mutex_unlock(&plan_lock);
    free(f);
}

size_t ssm_rfft_size(const ssm_rfft *f)
{
    return f->n;
}

void ssm_rfft_forward(const ssm_rfft *f, float *in, float *spec)
{
    fftwf_execute_split_dft_r2c(f->fwd, in, spec, spec + ssm_fft_bins_stride(f->n));
}

void ssm_rfft_inverse(const ssm_rfft *f, float *spec, float *out)
{
    fftwf_execute_split_dft_c2r(f->inv, spec, spec + ssm_fft_bins_stride(f->n), out);
}

/* ---- chunked convolution of a diagonal bank ---- */

struct ssm_diag_conv {
    size_t H, S, M; /* channels, mode stride, modes */
    size_t T, nfft, nbs;
    ssm_rfft *fft;
    float *kspec;   /* [H][2 nbs] spectrum of K[0..T), scaled by 1/nfft */
    float *er, *ei; /* [H][SUB][S]   w lambda^(s+1) */
    float *fr, *fi; /* [H][SUB][S]   lambda^(SUB-1-s) */
    float *pr, *pi; /* [H][SUB+1][S] lambda^r */
    float *d;       /* [H] */
    /* scratch */
    float *buf, *spec, *ubuf, *ybuf;
    float *vr, *vi, *ar, *ai;
};

static ssm_status conv_tables(ssm_diag_conv *c, const ssm_diag_bank *b)
{
    const size_t S = c->S, T = c->T;
    float *K = ssm_fft_alloc(c->nfft);
    if (!K)
        return SSM_ERR_NOMEM;
    ssm_status st = SSM_OK;
    for (size_t h = 0; h < c->H && st == SSM_OK; h++) {
        ssm_diag_bank one = *b;
        one.channels = 1;
        one.lam_re += h * S;
        one.lam_im += h * S;
        one.w_re += h * S;
        one.w_im += h * S;
        memset(K, 0, c->nfft * sizeof(float));
        st = ssm_diag_kernel(&one, K, T, T);
        if (st != SSM_OK)
            break;
        const float scale = 1.0f / (float)c->nfft;
        for (size_t l = 0; l < T; l++)
            K[l] *= scale;
        ssm_rfft_forward(c->fft, K, c->kspec + 2 * h * c->nbs);
        c->d[h] = b->d[h];
        for (size_t m = 0; m < S; m++) {
            size_t i = h * S + m;
            double lr = b->lam_re[i], li = b->lam_im[i];
            double wr = b->w_re[i], wi = b->w_im[i];
            /* powers lambda^r, r = 0..SUB, in double */
            double powr[SUB + 1], powi[SUB + 1];
            powr[0] = 1.0;
            powi[0] = 0.0;
            for (size_t r = 1; r <= SUB; r++) {
                powr[r] = powr[r - 1] * lr - powi[r - 1] * li;
                powi[r] = powr[r - 1] * li + powi[r - 1] * lr;
            }
            for (size_t r = 0; r <= SUB; r++) {
                c->pr[(h * (SUB + 1) + r) * S + m] = (float)powr[r];
                c->pi[(h * (SUB + 1) + r) * S + m] = (float)powi[r];
            }
            for (size_t s = 0; s < SUB; s++) {
                size_t j = (h * SUB + s) * S + m;
                c->er[j] = (float)(wr * powr[s + 1] - wi * powi[s + 1]);
                c->ei[j] = (float)(wr * powi[s + 1] + wi * powr[s + 1]);
                c->fr[j] = (float)powr[SUB - 1 - s];
                c->fi[j] = (float)powi[SUB - 1 - s];
            }
        }
    }
    ssm_fft_free(K);
    return st;
}

void ssm_diag_conv_destroy(ssm_diag_conv *c)
{
    if (!c)
        return;
    ssm_rfft_destroy(c->fft);
    float *arrays[] = {c->kspec, c->er,   c->ei,   c->fr,   c->fi, c->pr, c->pi, c->d,
                       c->buf,   c->spec, c->ubuf, c->ybuf, c->vr, c->vi, c->ar, c->ai};
    for (size_t i = 0; i < sizeof arrays / sizeof arrays[0]; i++)
        ssm_fft_free(arrays[i]);
    free(c);
}

ssm_diag_conv *ssm_diag_conv_create(const ssm_diag_bank *b, size_t chunk, ssm_plan_rigor rigor,
                                    ssm_status *err)
{
    ssm_status st = SSM_ERR_NOMEM;
    ssm_diag_conv *c = NULL;
    if (!b || chunk < 1 || chunk > ((size_t)1 << 24) || b->channels == 0) {
        st = SSM_ERR_INVALID;
        goto fail;
    }
    c = calloc(1, sizeof *c);
    if (!c)
        goto fail;
    c->H = b->channels;
    c->S = b->stride;
    c->M = b->modes;
    c->T = chunk;
    c->nfft = 2 * chunk;
    c->nbs = ssm_fft_bins_stride(c->nfft);
    c->fft = ssm_rfft_create(c->nfft, rigor);
    const size_t H = c->H, S = c->S;
    c->kspec = ssm_fft_alloc(2 * H * c->nbs);
    c->er = ssm_fft_alloc(H * SUB * S);
    c->ei = ssm_fft_alloc(H * SUB * S);
    c->fr = ssm_fft_alloc(H * SUB * S);
    c->fi = ssm_fft_alloc(H * SUB * S);
    c->pr = ssm_fft_alloc(H * (SUB + 1) * S);
    c->pi = ssm_fft_alloc(H * (SUB + 1) * S);
    c->d = ssm_fft_alloc(H);
    c->buf = ssm_fft_alloc(c->nfft);
    c->spec = ssm_fft_alloc(2 * c->nbs);
    c->ubuf = ssm_fft_alloc(chunk);
    c->ybuf = ssm_fft_alloc(c->nfft);
    c->vr = ssm_fft_alloc(S);
    c->vi = ssm_fft_alloc(S);
    c->ar = ssm_fft_alloc(S);
    c->ai = ssm_fft_alloc(S);
    if (!c->fft || !c->kspec || !c->er || !c->ei || !c->fr || !c->fi || !c->pr || !c->pi || !c->d ||
        !c->buf || !c->spec || !c->ubuf || !c->ybuf || !c->vr || !c->vi || !c->ar || !c->ai)
        goto fail;
    st = conv_tables(c, b);
    if (st != SSM_OK)
        goto fail;
    if (err)
        *err = SSM_OK;
    return c;
fail:
    ssm_diag_conv_destroy(c);
    if (err)
        *err = st;
    return NULL;
}

ssm_status ssm_diag_conv_update(ssm_diag_conv *c, const ssm_diag_bank *b)
{
    if (b->channels != c->H || b->stride != c->S)
        return SSM_ERR_INVALID;
    return conv_tables(c, b);
}

size_t ssm_diag_conv_chunk(const ssm_diag_conv *c)
{
    return c->T;
}

SSM_HOT static void cmul_spectrum(float *restrict re, float *restrict im, const float *restrict kr,
                                  const float *restrict ki, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        float a = re[i], b = im[i];
        re[i] = a * kr[i] - b * ki[i];
        im[i] = a * ki[i] + b * kr[i];
    }
}

/* y[s] += Re(sum_m E[s][m] v[m]) for s < r: the carried-in state seen
 * through w lambda^(s+1). */
SSM_HOT static void state_out(const float *restrict er, const float *restrict ei,
                              const float *restrict vr, const float *restrict vi, float *restrict y,
                              size_t r, size_t S)
{
    for (size_t s = 0; s < r; s++) {
        const float *a = er + s * S, *b = ei + s * S;
        float acc[LANES] = {0};
        for (size_t m = 0; m < S; m += LANES)
            for (size_t j = 0; j < LANES; j++)
                acc[j] += a[m + j] * vr[m + j] - b[m + j] * vi[m + j];
        float t = 0.0f;
        for (size_t j = 0; j < LANES; j++)
            t += acc[j];
        y[s] += t;
    }
}

/* a = lambda^r a + sum_{s<r} lambda^(r-1-s) u[s] (f points at the table
 * row SUB - r, so row s holds lambda^(r-1-s)); then v = lambda^SUB v. */
SSM_HOT static void state_in(const float *restrict fr, const float *restrict fi,
                             const float *restrict prr, const float *restrict pri,
                             const float *restrict psr, const float *restrict psi,
                             float *restrict ar, float *restrict ai, float *restrict vr,
                             float *restrict vi, const float *restrict u, size_t r, size_t S)
{
    for (size_t m = 0; m < S; m += LANES) {
        float qr[LANES] = {0}, qi[LANES] = {0};
        for (size_t s = 0; s < r; s++) {
            const float us = u[s];
            for (size_t j = 0; j < LANES; j++) {
                qr[j] += fr[s * S + m + j] * us;
                qi[j] += fi[s * S + m + j] * us;
            }
        }
        for (size_t j = 0; j < LANES; j++) {
            const size_t k = m + j;
            const float xr = ar[k], xi = ai[k];
            ar[k] = prr[k] * xr - pri[k] * xi + qr[j];
            ai[k] = prr[k] * xi + pri[k] * xr + qi[j];
            const float zr = vr[k], zi = vi[k];
            vr[k] = psr[k] * zr - psi[k] * zi;
            vi[k] = psr[k] * zi + psi[k] * zr;
        }
    }
}

static void conv_chunk(ssm_diag_conv *c, size_t h, float *restrict xr, float *restrict xi,
                       const float *in, float *out, size_t n)
{
    const size_t S = c->S;
    memcpy(c->ubuf, in, n * sizeof(float));
    memcpy(c->buf, c->ubuf, n * sizeof(float));
    memset(c->buf + n, 0, (c->nfft - n) * sizeof(float));
    const float *ks = c->kspec + 2 * h * c->nbs;
    ssm_rfft_forward(c->fft, c->buf, c->spec);
    cmul_spectrum(c->spec, c->spec + c->nbs, ks, ks + c->nbs, c->nfft / 2 + 1);
    ssm_rfft_inverse(c->fft, c->spec, c->ybuf);

    memcpy(c->vr, xr, S * sizeof(float));
    memcpy(c->vi, xi, S * sizeof(float));
    memcpy(c->ar, xr, S * sizeof(float));
    memcpy(c->ai, xi, S * sizeof(float));
    const float *er = c->er + h * SUB * S, *ei = c->ei + h * SUB * S;
    const float *fr = c->fr + h * SUB * S, *fi = c->fi + h * SUB * S;
    const float *pr = c->pr + h * (SUB + 1) * S, *pi = c->pi + h * (SUB + 1) * S;
    for (size_t k0 = 0; k0 < n; k0 += SUB) {
        const size_t r = n - k0 < SUB ? n - k0 : SUB;
        state_out(er, ei, c->vr, c->vi, c->ybuf + k0, r, S);
        state_in(fr + (SUB - r) * S, fi + (SUB - r) * S, pr + r * S, pi + r * S, pr + SUB * S,
                 pi + SUB * S, c->ar, c->ai, c->vr, c->vi, c->ubuf + k0, r, S);
    }
    memcpy(xr, c->ar, S * sizeof(float));
    memcpy(xi, c->ai, S * sizeof(float));
    const float d = c->d[h];
    for (size_t t = 0; t < n; t++)
        out[t] = c->ybuf[t] + d * c->ubuf[t];
}

void ssm_diag_conv_process(ssm_diag_conv *c, ssm_diag_state *s, const float *in, size_t in_ld,
                           float *out, size_t out_ld, size_t n)
{
    for (size_t h = 0; h < c->H; h++)
        for (size_t t0 = 0; t0 < n; t0 += c->T) {
            size_t len = n - t0 < c->T ? n - t0 : c->T;
            conv_chunk(c, h, s->re + h * c->S, s->im + h * c->S, in + h * in_ld + t0,
                       out + h * out_ld + t0, len);
        }
}
