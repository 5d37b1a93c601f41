/* The diagonal modal bank: recurrence and exact chunked form (see
 * modal_bank.h). Coefficients and state are structure-of-arrays so the loop
 * over modes vectorises; time is the outer loop because each mode's update
 * depends on its previous value. */
#include <stdlib.h>
#include <string.h>

#include "proc/modal_bank.h"
#include "ssm/fft.h"

/* Modes are taken LANES * GROUPS at a time and that tile's coefficients and
 * state stay in registers while it runs over up to TILE samples: memory
 * traffic per sample drops from six arrays to one row of partial sums, and
 * GROUPS independent recurrences in flight hide the latency of the FMA
 * chain x <- a x + b u. Partial sums are kept per lane and reduced once per
 * sample at the end. */
#define LANES  16
#define GROUPS 4
#define TILE   64

/* GCC vector extension: 16 floats, one AVX-512 register, two AVX2 ones. */
typedef float vf __attribute__((vector_size(LANES * sizeof(float))));

struct modal_fft {
    uint32_t chunk;  /* longest piece handled at once */
    uint32_t size;   /* FFT length, 2 * chunk: a linear convolution fits */
    size_t bins;     /* split spectra: real parts at [0, bins), imaginary at [bins, 2 bins) */
    float *buf;      /* time domain, size */
    float *spec;     /* 2 * bins */
    float *kernel;   /* spectrum of K[0..chunk) zero-padded, scaled by 1/size */
    double *pr, *pi; /* b a^l while the kernel is built */
    float *sr, *si;  /* input part of the state handed out */
    ssm_rfft *fft;   /* planned through kernels/fftconv.c, whose planner lock
                      * keeps concurrent instantiations (a worker thread
                      * loading a model) safe */
    int kernel_valid;
};

static float *falloc(uint32_t n)
{
    float *p = aligned_alloc(64, ((size_t)n * sizeof(float) + 63) & ~(size_t)63);
    if (p)
        memset(p, 0, (size_t)n * sizeof(float));
    return p;
}

static void fft_free(modal_fft *f)
{
    if (!f)
        return;
    ssm_rfft_destroy(f->fft);
    ssm_fft_free(f->buf);
    ssm_fft_free(f->spec);
    ssm_fft_free(f->kernel);
    free(f->pr);
    free(f->pi);
    free(f->sr);
    free(f->si);
    free(f);
}

static modal_fft *fft_new(uint32_t n_modes, uint32_t chunk)
{
    modal_fft *f = calloc(1, sizeof *f);
    if (!f)
        return NULL;
    f->chunk = chunk;
    f->size = 2 * chunk;
    f->bins = ssm_fft_bins_stride(f->size);
    f->buf = ssm_fft_alloc(f->size);
    f->spec = ssm_fft_alloc(2 * f->bins);
    f->kernel = ssm_fft_alloc(2 * f->bins);
    f->pr = calloc(n_modes, sizeof(double));
    f->pi = calloc(n_modes, sizeof(double));
    f->sr = falloc(n_modes);
    f->si = falloc(n_modes);
    /* Estimate, not measure: measuring takes long and is done once per
     * size; a plugin instantiates in a host's UI thread. */
    f->fft = ssm_rfft_create(f->size, SSM_PLAN_ESTIMATE);
    if (!f->buf || !f->spec || !f->kernel || !f->pr || !f->pi || !f->sr || !f->si || !f->fft) {
        fft_free(f);
        return NULL;
    }
    return f;
}

ssm_status modal_bank_init(modal_bank *b, uint32_t n_modes, uint32_t chunk)
{
    memset(b, 0, sizeof *b);
    if (n_modes == 0 || n_modes % (LANES * GROUPS) != 0)
        return SSM_ERR_INVALID;
    b->n = n_modes;
    float **arrays[] = {&b->ar,  &b->ai,  &b->br,  &b->bi, &b->tar,
                        &b->tai, &b->tbr, &b->tbi, &b->xr, &b->xi};
    for (size_t i = 0; i < sizeof arrays / sizeof arrays[0]; i++) {
        *arrays[i] = falloc(n_modes);
        if (!*arrays[i]) {
            modal_bank_free(b);
            return SSM_ERR_NOMEM;
        }
    }
    if (chunk) {
        b->fft = fft_new(n_modes, chunk);
        if (!b->fft) {
            modal_bank_free(b);
            return SSM_ERR_NOMEM;
        }
    }
    return SSM_OK;
}

void modal_bank_free(modal_bank *b)
{
    free(b->ar);
    free(b->ai);
    free(b->br);
    free(b->bi);
    free(b->tar);
    free(b->tai);
    free(b->tbr);
    free(b->tbi);
    free(b->xr);
    free(b->xi);
    fft_free(b->fft);
    memset(b, 0, sizeof *b);
}

void modal_bank_clear_state(modal_bank *b)
{
    memset(b->xr, 0, b->n * sizeof(float));
    memset(b->xi, 0, b->n * sizeof(float));
}

void modal_bank_jump(modal_bank *b)
{
    memcpy(b->ar, b->tar, b->n * sizeof(float));
    memcpy(b->ai, b->tai, b->n * sizeof(float));
    memcpy(b->br, b->tbr, b->n * sizeof(float));
    memcpy(b->bi, b->tbi, b->n * sizeof(float));
    if (b->fft)
        b->fft->kernel_valid = 0;
}

SSM_HOT static void run_fixed(modal_bank *restrict b, const float *restrict u, float *restrict y,
                              uint32_t n)
{
    const uint32_t m = b->n;
    vf part[TILE];
    for (uint32_t t0 = 0; t0 < n; t0 += TILE) {
        const uint32_t tn = n - t0 < TILE ? n - t0 : TILE;
        memset(part, 0, sizeof part);
        for (uint32_t k0 = 0; k0 < m; k0 += LANES * GROUPS) {
            vf ar[GROUPS], ai[GROUPS], br[GROUPS], bi[GROUPS], xr[GROUPS], xi[GROUPS];
            for (uint32_t g = 0; g < GROUPS; g++) {
                const uint32_t k = k0 + g * LANES;
                memcpy(&ar[g], b->ar + k, sizeof(vf));
                memcpy(&ai[g], b->ai + k, sizeof(vf));
                memcpy(&br[g], b->br + k, sizeof(vf));
                memcpy(&bi[g], b->bi + k, sizeof(vf));
                memcpy(&xr[g], b->xr + k, sizeof(vf));
                memcpy(&xi[g], b->xi + k, sizeof(vf));
            }
            for (uint32_t t = 0; t < tn; t++) {
                const vf ut = (vf){0} + u[t0 + t];
                vf acc = {0};
#pragma GCC unroll 4
                for (uint32_t g = 0; g < GROUPS; g++) {
                    const vf nr = ar[g] * xr[g] - ai[g] * xi[g] + br[g] * ut;
                    const vf ni = ar[g] * xi[g] + ai[g] * xr[g] + bi[g] * ut;
                    xr[g] = nr;
                    xi[g] = ni;
                    acc += nr;
                }
                part[t] += acc;
            }
            for (uint32_t g = 0; g < GROUPS; g++) {
                memcpy(b->xr + k0 + g * LANES, &xr[g], sizeof(vf));
                memcpy(b->xi + k0 + g * LANES, &xi[g], sizeof(vf));
            }
        }
        for (uint32_t t = 0; t < tn; t++) {
            float s = 0.0f;
            for (uint32_t j = 0; j < LANES; j++)
                s += part[t][j];
            y[t0 + t] = s;
        }
    }
}

SSM_HOT static void run_ramp(modal_bank *restrict b, const float *restrict u, float *restrict y,
                             uint32_t n, uint32_t remaining)
{
    const uint32_t m = b->n;
    float *restrict ar = b->ar, *restrict ai = b->ai;
    float *restrict br = b->br, *restrict bi = b->bi;
    const float *restrict tar = b->tar, *restrict tai = b->tai;
    const float *restrict tbr = b->tbr, *restrict tbi = b->tbi;
    float *restrict xr = b->xr, *restrict xi = b->xi;
    const float step = 1.0f / (float)remaining;
    for (uint32_t t = 0; t < n; t++) {
        const float ut = u[t];
        /* Weight of the target at this sample; reaches exactly 1 at the end. */
        const float w = (float)(t + 1) * step;
        float acc = 0.0f;
#pragma omp simd reduction(+ : acc) aligned(ar, ai, br, bi, tar, tai, tbr, tbi, xr, xi : 32)
        for (uint32_t k = 0; k < m; k++) {
            const float cr = ar[k] + w * (tar[k] - ar[k]);
            const float ci = ai[k] + w * (tai[k] - ai[k]);
            const float dr = br[k] + w * (tbr[k] - br[k]);
            const float di = bi[k] + w * (tbi[k] - bi[k]);
            const float nr = cr * xr[k] - ci * xi[k] + dr * ut;
            const float ni = cr * xi[k] + ci * xr[k] + di * ut;
            xr[k] = nr;
            xi[k] = ni;
            acc += nr;
        }
        y[t] = acc;
    }
    if (n == remaining) {
        memcpy(ar, tar, m * sizeof(float));
        memcpy(ai, tai, m * sizeof(float));
        memcpy(br, tbr, m * sizeof(float));
        memcpy(bi, tbi, m * sizeof(float));
    } else {
        const float w = (float)n * step;
        for (uint32_t k = 0; k < m; k++) {
            ar[k] += w * (tar[k] - ar[k]);
            ai[k] += w * (tai[k] - ai[k]);
            br[k] += w * (tbr[k] - br[k]);
            bi[k] += w * (tbi[k] - bi[k]);
        }
    }
    if (b->fft)
        b->fft->kernel_valid = 0;
}

void modal_bank_run(modal_bank *b, const float *u, float *y, uint32_t n)
{
    if (n)
        run_fixed(b, u, y, n);
}

void modal_bank_ramp(modal_bank *b, const float *u, float *y, uint32_t n, uint32_t remaining)
{
    if (n)
        run_ramp(b, u, y, n, remaining < n ? n : remaining);
}

/* K[l] = Re sum_k b_k a_k^l for l < chunk, in double so the kernel is as
 * exact as the float coefficients allow, then its FFT. */
static void build_kernel(modal_bank *b)
{
    modal_fft *f = b->fft;
    const uint32_t m = b->n;
    for (uint32_t k = 0; k < m; k++) {
        f->pr[k] = b->br[k];
        f->pi[k] = b->bi[k];
    }
    for (uint32_t l = 0; l < f->chunk; l++) {
        double acc = 0.0;
        for (uint32_t k = 0; k < m; k++) {
            const double pr = f->pr[k], pi = f->pi[k];
            acc += pr;
            f->pr[k] = pr * b->ar[k] - pi * b->ai[k];
            f->pi[k] = pr * b->ai[k] + pi * b->ar[k];
        }
        f->buf[l] = (float)acc;
    }
    memset(f->buf + f->chunk, 0, (f->size - f->chunk) * sizeof(float));
    ssm_rfft_forward(f->fft, f->buf, f->kernel);
    const float scale = 1.0f / (float)f->size;
    for (size_t i = 0; i < 2 * f->bins; i++)
        f->kernel[i] *= scale;
    f->kernel_valid = 1;
}

SSM_HOT static void run_chunk(modal_bank *restrict b, const float *restrict u, float *restrict y,
                              uint32_t n)
{
    modal_fft *f = b->fft;
    const uint32_t m = b->n;

    /* Zero-state response: linear convolution of this chunk with K. */
    memcpy(f->buf, u, n * sizeof(float));
    memset(f->buf + n, 0, (f->size - n) * sizeof(float));
    ssm_rfft_forward(f->fft, f->buf, f->spec);
    float *restrict sre = f->spec, *restrict sim = f->spec + f->bins;
    const float *restrict kre = f->kernel, *restrict kim = f->kernel + f->bins;
    for (uint32_t i = 0; i <= f->size / 2; i++) {
        const float xr = sre[i], xi = sim[i];
        sre[i] = xr * kre[i] - xi * kim[i];
        sim[i] = xr * kim[i] + xi * kre[i];
    }
    ssm_rfft_inverse(f->fft, f->spec, f->buf);

    /* Free response of the carried state, Re a^(t+1) x, and the input's part
     * of the state handed out, s = sum_j a^(n-1-j) u[j] (Horner), which
     * together with a^n x is the state after the chunk. */
    const float *restrict ar = b->ar, *restrict ai = b->ai;
    float *restrict xr = b->xr, *restrict xi = b->xi;
    float *restrict sr = f->sr, *restrict si = f->si;
    memset(sr, 0, m * sizeof(float));
    memset(si, 0, m * sizeof(float));
    for (uint32_t t = 0; t < n; t++) {
        const float ut = u[t];
        float acc = 0.0f;
#pragma omp simd reduction(+ : acc) aligned(ar, ai, xr, xi, sr, si : 32)
        for (uint32_t k = 0; k < m; k++) {
            const float zr = ar[k] * xr[k] - ai[k] * xi[k];
            const float zi = ar[k] * xi[k] + ai[k] * xr[k];
            xr[k] = zr;
            xi[k] = zi;
            acc += zr;
            const float qr = ar[k] * sr[k] - ai[k] * si[k] + ut;
            const float qi = ar[k] * si[k] + ai[k] * sr[k];
            sr[k] = qr;
            si[k] = qi;
        }
        y[t] = f->buf[t] + acc;
    }
    const float *restrict br = b->br, *restrict bi = b->bi;
#pragma omp simd aligned(br, bi, xr, xi, sr, si : 32)
    for (uint32_t k = 0; k < m; k++) {
        xr[k] += br[k] * sr[k] - bi[k] * si[k];
        xi[k] += br[k] * si[k] + bi[k] * sr[k];
    }
}

void modal_bank_run_chunked(modal_bank *b, const float *u, float *y, uint32_t n)
{
    if (!b->fft) {
        run_fixed(b, u, y, n);
        return;
    }
    if (!b->fft->kernel_valid)
        build_kernel(b);
    for (uint32_t done = 0; done < n;) {
        uint32_t len = n - done;
        if (len > b->fft->chunk)
            len = b->fft->chunk;
        run_chunk(b, u + done, y + done, len);
        done += len;
    }
}
