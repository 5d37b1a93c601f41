/* The offline form of a diagonal bank: exact chunked convolution (see
 * diag_conv.h for the algebra), and the bank's impulse response. */
#include "diag_conv.h"
#include "diag_kernels.h"

#include <stdlib.h>
#include <string.h>

#define LANES SSM_DIAG_LANES
#define SUB   SSM_DIAG_SUB
/* Sub-chunks per register block (accumulators held in vector registers)
 * and per group (scratch of GROUP x modes). */
#define KB    4 /* at least every level's KB_L (kernels/diag_simd.c) */
#define GROUP 16

/* K[l] for l < L of channel h, accumulated per sample in double (acc: L
 * doubles of scratch) and rounded once. */
static void kernel_row(const ssm_diag_bank *b, size_t h, float *K, size_t L, double *acc)
{
    for (size_t l = 0; l < L; l++)
        acc[l] = 0.0;
    for (size_t m = 0; m < b->modes; m++) {
        size_t i = h * b->stride + m;
        double lr = b->lam_re[i], li = b->lam_im[i];
        double pr = b->w_re[i], pi = b->w_im[i];
        for (size_t l = 0; l < L; l++) {
            acc[l] += pr;
            double nr = pr * lr - pi * li;
            pi = pr * li + pi * lr;
            pr = nr;
        }
    }
    for (size_t l = 0; l < L; l++)
        K[l] = (float)acc[l];
}

ssm_status ssm_diag_kernel(const ssm_diag_bank *b, float *K, size_t ld, size_t L)
{
    double *acc = malloc((L ? L : 1) * sizeof(double));
    if (!acc)
        return SSM_ERR_NOMEM;
    for (size_t h = 0; h < b->channels; h++)
        kernel_row(b, h, K + h * ld, L, acc);
    free(acc);
    return SSM_OK;
}

struct ssm_diag_conv {
    size_t H, S, M; /* channels, mode stride, modes */
    size_t T, nfft, nbs;
    ssm_rfft *fft;
    const ssm_diag_simd *k; /* the dense products for this CPU's SIMD level */
    ssm_diag_method method;
    ssm_diag_weighting weighting;
    float *kspec; /* FFT: [H][2 nbs] spectrum of K[0..T) / nfft, interleaved re,im */
    float *khead; /* SCAN: [H][SUB] K[0..SUB) for the in-sub-chunk part */
    /* With the weights on the output (on the input) w sits in E (in F). */
    float *er, *ei; /* [H][S][SUB]   (w) lambda^(s+1), mode-major (transposed) */
    float *fr, *fi; /* [H][SUB][S]   (w) lambda^(SUB-1-s) */
    float *pr, *pi; /* [H][SUB+1][S] lambda^r */
    float *d;       /* [H] */
    /* scratch */
    float *ubuf;  /* [2T + KB SUB] the chunk, zero-padded: FFT input and u */
    float *ybuf;  /* [2T] */
    size_t dirty; /* ubuf[dirty..2T) is known to be zero */
    float *vr, *vi, *ar, *ai;
    float *gvr, *gvi, *gqr, *gqi; /* [GROUP][S]: per sub-chunk carried / input states */
    float *cplx;                  /* FFT: [2 nbs] the chunk's spectrum */
    float *kbuf;                  /* [2T] a kernel row while the tables are made */
    double *kacc;                 /* [T] its accumulator */
};

/* Everything derived from the coefficients; no allocation, so an update
 * may run inside a process call (it costs O(H M T) for the FFT method,
 * O(H M SUB) for the scan). */
static void conv_tables(ssm_diag_conv *c, const ssm_diag_bank *b)
{
    const size_t S = c->S, T = c->T;
    const int w_in = b->weighting == SSM_DIAG_WEIGHT_INPUT;
    c->weighting = b->weighting;
    for (size_t h = 0; h < c->H; h++) {
        if (c->method == SSM_DIAG_SCAN) {
            kernel_row(b, h, c->khead + h * SUB, SUB, c->kacc);
        } else {
            float *K = c->kbuf;
            kernel_row(b, h, K, T, c->kacc);
            const float scale = 1.0f / (float)c->nfft;
            for (size_t l = 0; l < T; l++)
                K[l] *= scale;
            memset(K + T, 0, (c->nfft - T) * sizeof(float));
            /* Kept interleaved, as FFTW's r2c writes it, so the per-chunk
             * product needs no layout change. */
            ssm_rfft_forward_interleaved(c->fft, K, c->kspec + 2 * h * c->nbs);
        }
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
            const double er = w_in ? 1.0 : wr, ei = w_in ? 0.0 : wi;
            const double fr = w_in ? wr : 1.0, fi = w_in ? wi : 0.0;
            for (size_t s = 0; s < SUB; s++) {
                size_t j = (h * SUB + s) * S + m, jt = (h * S + m) * SUB + s;
                const double ar = powr[s + 1], ai = powi[s + 1];
                const double br = powr[SUB - 1 - s], bi = powi[SUB - 1 - s];
                c->er[jt] = (float)(er * ar - ei * ai);
                c->ei[jt] = (float)(er * ai + ei * ar);
                c->fr[j] = (float)(fr * br - fi * bi);
                c->fi[j] = (float)(fr * bi + fi * br);
            }
        }
    }
}

void ssm_diag_conv_destroy(ssm_diag_conv *c)
{
    if (!c)
        return;
    ssm_rfft_destroy(c->fft);
    float *arrays[] = {c->khead, c->kspec, c->er,   c->ei,   c->fr,  c->fi,   c->pr,
                       c->pi,    c->d,     c->ubuf, c->ybuf, c->vr,  c->vi,   c->ar,
                       c->ai,    c->gvr,   c->gvi,  c->gqr,  c->gqi, c->cplx, c->kbuf};
    for (size_t i = 0; i < sizeof arrays / sizeof arrays[0]; i++)
        ssm_fft_free(arrays[i]);
    free(c->kacc);
    free(c);
}

ssm_diag_conv *ssm_diag_conv_create(const ssm_diag_bank *b, size_t chunk, ssm_plan_rigor rigor,
                                    ssm_diag_method method, ssm_status *status)
{
    ssm_status st = SSM_ERR_NOMEM;
    ssm_diag_conv *c = NULL;
    if (!b || chunk < 1 || chunk > ((size_t)1 << 24) || b->channels == 0 ||
        (method != SSM_DIAG_FFT && method != SSM_DIAG_SCAN)) {
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
    c->method = method;
    c->k = ssm_diag_simd_get();
    const size_t H = c->H, S = c->S;
    if (method == SSM_DIAG_FFT) {
        c->fft = ssm_rfft_create(c->nfft, rigor);
        c->kspec = ssm_fft_alloc(2 * H * c->nbs);
        c->cplx = ssm_fft_alloc(2 * c->nbs);
        c->kbuf = ssm_fft_alloc(c->nfft);
        c->kacc = malloc(chunk * sizeof(double));
    } else {
        c->kacc = malloc(SUB * sizeof(double));
        c->khead = ssm_fft_alloc(H * SUB);
    }
    const int tables_ok =
        c->kacc &&
        (method == SSM_DIAG_FFT ? c->fft && c->kspec && c->cplx && c->kbuf : c->khead != NULL);
    c->er = ssm_fft_alloc(H * SUB * S);
    c->ei = ssm_fft_alloc(H * SUB * S);
    c->fr = ssm_fft_alloc(H * SUB * S);
    c->fi = ssm_fft_alloc(H * SUB * S);
    c->pr = ssm_fft_alloc(H * (SUB + 1) * S);
    c->pi = ssm_fft_alloc(H * (SUB + 1) * S);
    c->d = ssm_fft_alloc(H);
    /* Padded so register blocks of KB sub-chunks may read past the end. */
    c->ubuf = ssm_fft_alloc(c->nfft + KB * SUB);
    c->gvr = ssm_fft_alloc((GROUP + KB) * b->stride);
    c->gvi = ssm_fft_alloc((GROUP + KB) * b->stride);
    c->gqr = ssm_fft_alloc((GROUP + KB) * b->stride);
    c->gqi = ssm_fft_alloc((GROUP + KB) * b->stride);
    c->ybuf = ssm_fft_alloc(c->nfft);
    c->vr = ssm_fft_alloc(S);
    c->vi = ssm_fft_alloc(S);
    c->ar = ssm_fft_alloc(S);
    c->ai = ssm_fft_alloc(S);
    if (!tables_ok || !c->er || !c->ei || !c->fr || !c->fi || !c->pr || !c->pi || !c->d ||
        !c->ubuf || !c->ybuf || !c->vr || !c->vi || !c->ar || !c->ai || !c->gvr || !c->gvi ||
        !c->gqr || !c->gqi)
        goto fail;
    conv_tables(c, b);
    if (status)
        *status = SSM_OK;
    return c;
fail:
    ssm_diag_conv_destroy(c);
    if (status)
        *status = st;
    return NULL;
}

ssm_status ssm_diag_conv_update(ssm_diag_conv *c, const ssm_diag_bank *b)
{
    if (b->channels != c->H || b->stride != c->S)
        return SSM_ERR_INVALID;
    conv_tables(c, b);
    return SSM_OK;
}

/* Interleaved complex product, in place: x *= k over nb bins. */
SSM_HOT static void cmul_spectrum(float *restrict x, const float *restrict k, size_t nb)
{
    for (size_t i = 0; i < nb; i++) {
        const float a = x[2 * i], b = x[2 * i + 1];
        x[2 * i] = a * k[2 * i] - b * k[2 * i + 1];
        x[2 * i + 1] = a * k[2 * i + 1] + b * k[2 * i];
    }
}

/* The dense products (gemm_out, gemm_in, intra_conv) are in
 * kernels/diag_simd.h, compiled per SIMD level. */

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

/* The chunk into ubuf, zero-padded. Out-of-place r2c keeps its input, so
 * the zero padding persists between chunks: only a shorter chunk than the
 * last needs clearing. */
static void load_chunk(ssm_diag_conv *c, const float *in, size_t is, size_t n)
{
    if (is == 1)
        memcpy(c->ubuf, in, n * sizeof(float));
    else
        for (size_t t = 0; t < n; t++)
            c->ubuf[t] = in[t * is];
    if (c->dirty > n)
        memset(c->ubuf + n, 0, (c->dirty - n) * sizeof(float));
    c->dirty = n;
}

/* The state handed out (accumulated in ar, ai) and y = ybuf + d u. */
static void finish_chunk(const ssm_diag_conv *c, size_t h, float *restrict xr, float *restrict xi,
                         float *out, size_t os, size_t n)
{
    memcpy(xr, c->ar, c->S * sizeof(float));
    memcpy(xi, c->ai, c->S * sizeof(float));
    const float d = c->d[h];
    for (size_t t = 0; t < n; t++)
        out[t * os] = c->ybuf[t] + d * c->ubuf[t];
}

/* One sub-chunk of Horner across sub-chunks: a = lambda^SUB a + q. */
static void horner_step(const float *restrict psr, const float *restrict psi, float *restrict ar,
                        float *restrict ai, const float *restrict qr, const float *restrict qi,
                        size_t S)
{
    for (size_t m = 0; m < S; m++) {
        const float x0 = ar[m], x1 = ai[m];
        ar[m] = psr[m] * x0 - psi[m] * x1 + qr[m];
        ai[m] = psr[m] * x1 + psi[m] * x0 + qi[m];
    }
}

static void conv_chunk(ssm_diag_conv *c, size_t h, float *restrict xr, float *restrict xi,
                       const float *in, size_t is, float *out, size_t os, size_t n)
{
    const size_t S = c->S;
    load_chunk(c, in, is, n);
    ssm_rfft_forward_interleaved(c->fft, c->ubuf, c->cplx);
    cmul_spectrum(c->cplx, c->kspec + 2 * h * c->nbs, c->nfft / 2 + 1);
    ssm_rfft_inverse_interleaved(c->fft, c->cplx, c->ybuf);

    memcpy(c->vr, xr, S * sizeof(float));
    memcpy(c->vi, xi, S * sizeof(float));
    memcpy(c->ar, xr, S * sizeof(float));
    memcpy(c->ai, xi, S * sizeof(float));
    const float *er = c->er + h * SUB * S, *ei = c->ei + h * SUB * S;
    const float *fr = c->fr + h * SUB * S, *fi = c->fi + h * SUB * S;
    const float *pr = c->pr + h * (SUB + 1) * S, *pi = c->pi + h * (SUB + 1) * S;
    const float *psr = pr + SUB * S, *psi = pi + SUB * S; /* lambda^SUB */
    const size_t nsub = (n + SUB - 1) / SUB;
    for (size_t g0 = 0; g0 < nsub; g0 += GROUP) {
        const size_t gb = nsub - g0 < GROUP ? nsub - g0 : GROUP;
        /* length of the group's last sub-chunk */
        const size_t rest = n - (g0 + gb - 1) * SUB, last = rest < SUB ? rest : SUB;
        /* The carried-in state at each sub-chunk start: lambda^(k SUB) x0. */
        for (size_t k = 0; k < gb; k++) {
            memcpy(c->gvr + k * S, c->vr, S * sizeof(float));
            memcpy(c->gvi + k * S, c->vi, S * sizeof(float));
            for (size_t m = 0; m < S; m++) {
                const float zr = c->vr[m], zi = c->vi[m];
                c->vr[m] = psr[m] * zr - psi[m] * zi;
                c->vi[m] = psr[m] * zi + psi[m] * zr;
            }
        }
        float *yg = c->ybuf + g0 * SUB;
        const float *ug = c->ubuf + g0 * SUB;
        c->k->gemm_out(er, ei, c->gvr, c->gvi, S, yg, gb - 1, SUB);
        c->k->gemm_out(er, ei, c->gvr + (gb - 1) * S, c->gvi + (gb - 1) * S, S, yg + (gb - 1) * SUB,
                       1, last);
        /* Input folded per full sub-chunk, then Horner across them; a short
         * last sub-chunk goes through the offset table rows. */
        const size_t full = last == SUB ? gb : gb - 1;
        c->k->gemm_in(fr, fi, ug, S, c->gqr, c->gqi, full);
        for (size_t k = 0; k < full; k++)
            horner_step(psr, psi, c->ar, c->ai, c->gqr + k * S, c->gqi + k * S, S);
        if (full < gb)
            state_in(fr + (SUB - last) * S, fi + (SUB - last) * S, pr + last * S, pi + last * S,
                     psr, psi, c->ar, c->ai, c->gqr, c->gqi, ug + full * SUB, last, S);
    }
    finish_chunk(c, h, xr, xi, out, os, n);
}

/* The FFT-free schedule: per sub-chunk, the full state at its start (carried
 * state and every earlier input of the chunk, by Horner over the folded
 * inputs) seen through w lambda^(s+1), plus the in-sub-chunk convolution
 * with K[0..SUB). Same algebra, no transform: 8 M + 2 SUB flops a sample. */
static void conv_chunk_scan(ssm_diag_conv *c, size_t h, float *restrict xr, float *restrict xi,
                            const float *in, size_t is, float *out, size_t os, size_t n)
{
    const size_t S = c->S;
    load_chunk(c, in, is, n);
    memcpy(c->ar, xr, S * sizeof(float));
    memcpy(c->ai, xi, S * sizeof(float));
    const float *er = c->er + h * SUB * S, *ei = c->ei + h * SUB * S;
    const float *fr = c->fr + h * SUB * S, *fi = c->fi + h * SUB * S;
    const float *pr = c->pr + h * (SUB + 1) * S, *pi = c->pi + h * (SUB + 1) * S;
    const float *psr = pr + SUB * S, *psi = pi + SUB * S;
    const float *kh = c->khead + h * SUB;
    const size_t nsub = (n + SUB - 1) / SUB;
    for (size_t g0 = 0; g0 < nsub; g0 += GROUP) {
        const size_t gb = nsub - g0 < GROUP ? nsub - g0 : GROUP;
        const size_t rest = n - (g0 + gb - 1) * SUB, last = rest < SUB ? rest : SUB;
        const size_t full = last == SUB ? gb : gb - 1;
        float *yg = c->ybuf + g0 * SUB;
        const float *ug = c->ubuf + g0 * SUB;
        c->k->gemm_in(fr, fi, ug, S, c->gqr, c->gqi, full);
        for (size_t k = 0; k < gb; k++) {
            memcpy(c->gvr + k * S, c->ar, S * sizeof(float));
            memcpy(c->gvi + k * S, c->ai, S * sizeof(float));
            if (k < full)
                horner_step(psr, psi, c->ar, c->ai, c->gqr + k * S, c->gqi + k * S, S);
        }
        if (full < gb)
            state_in(fr + (SUB - last) * S, fi + (SUB - last) * S, pr + last * S, pi + last * S,
                     psr, psi, c->ar, c->ai, c->gqr, c->gqi, ug + full * SUB, last, S);
        for (size_t k = 0; k < gb; k++)
            c->k->intra_conv(kh, ug + k * SUB, k < full ? SUB : last, yg + k * SUB);
        c->k->gemm_out(er, ei, c->gvr, c->gvi, S, yg, gb - 1, SUB);
        c->k->gemm_out(er, ei, c->gvr + (gb - 1) * S, c->gvi + (gb - 1) * S, S, yg + (gb - 1) * SUB,
                       1, last);
    }
    finish_chunk(c, h, xr, xi, out, os, n);
}

void ssm_diag_conv_process(ssm_diag_conv *c, float *xr, float *xi, const float *in, size_t in_ld,
                           size_t is, float *out, size_t out_ld, size_t os, size_t n)
{
    for (size_t h = 0; h < c->H; h++)
        for (size_t t0 = 0; t0 < n; t0 += c->T) {
            size_t len = n - t0 < c->T ? n - t0 : c->T;
            const float *x = in + h * in_ld + t0 * is;
            float *y = out + h * out_ld + t0 * os;
            if (c->method == SSM_DIAG_SCAN)
                conv_chunk_scan(c, h, xr + h * c->S, xi + h * c->S, x, is, y, os, len);
            else
                conv_chunk(c, h, xr + h * c->S, xi + h * c->S, x, is, y, os, len);
        }
}
