/* The discrete diagonal bank: storage and the recurrent form. */
#include "ssm/diag.h"
#include "ssm/fftconv.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#define LANES SSM_DIAG_LANES
/* Modes updated together inside one time step: enough independent complex
 * multiply chains to cover the FMA latency, few enough that the state tile
 * stays in L1. */
#define TILE 128
/* Samples per pass over the tiles (stack buffer for the partial outputs). */
#define TBLOCK 256

ssm_status ssm_diag_bank_alloc(ssm_diag_bank *b, size_t channels, size_t modes)
{
    memset(b, 0, sizeof *b);
    if (channels == 0 || modes == 0)
        return SSM_ERR_INVALID;
    b->channels = channels;
    b->modes = modes;
    b->stride = (modes + LANES - 1) / LANES * LANES;
    size_t n = channels * b->stride;
    b->lam_re = ssm_fft_alloc(n);
    b->lam_im = ssm_fft_alloc(n);
    b->w_re = ssm_fft_alloc(n);
    b->w_im = ssm_fft_alloc(n);
    b->d = ssm_fft_alloc(channels);
    if (!b->lam_re || !b->lam_im || !b->w_re || !b->w_im || !b->d) {
        ssm_diag_bank_free(b);
        return SSM_ERR_NOMEM;
    }
    return SSM_OK;
}

void ssm_diag_bank_free(ssm_diag_bank *b)
{
    free(b->lam_re);
    free(b->lam_im);
    free(b->w_re);
    free(b->w_im);
    free(b->d);
    memset(b, 0, sizeof *b);
}

void ssm_pole_to_float(double re, double im, float *fre, float *fim)
{
    float r = (float)re, i = (float)im;
    if (hypot(re, im) < 1.0)
        while (hypot((double)r, (double)i) >= 1.0) {
            r = nextafterf(r, 0.0f);
            i = nextafterf(i, 0.0f);
        }
    *fre = r;
    *fim = i;
}

void ssm_diag_bank_set(ssm_diag_bank *b, size_t h, size_t m, double lam_re, double lam_im,
                       double w_re, double w_im)
{
    size_t i = h * b->stride + m;
    ssm_pole_to_float(lam_re, lam_im, &b->lam_re[i], &b->lam_im[i]);
    b->w_re[i] = (float)w_re;
    b->w_im[i] = (float)w_im;
}

double ssm_diag_bank_max_pole(const ssm_diag_bank *b)
{
    double mx = 0.0;
    for (size_t h = 0; h < b->channels; h++)
        for (size_t m = 0; m < b->modes; m++) {
            size_t i = h * b->stride + m;
            double r = hypot((double)b->lam_re[i], (double)b->lam_im[i]);
            if (r > mx)
                mx = r;
        }
    return mx;
}

ssm_status ssm_diag_state_alloc(ssm_diag_state *s, const ssm_diag_bank *b)
{
    s->channels = b->channels;
    s->stride = b->stride;
    s->re = ssm_fft_alloc(b->channels * b->stride);
    s->im = ssm_fft_alloc(b->channels * b->stride);
    if (!s->re || !s->im) {
        ssm_diag_state_free(s);
        return SSM_ERR_NOMEM;
    }
    return SSM_OK;
}

void ssm_diag_state_reset(ssm_diag_state *s)
{
    memset(s->re, 0, s->channels * s->stride * sizeof(float));
    memset(s->im, 0, s->channels * s->stride * sizeof(float));
}

void ssm_diag_state_free(ssm_diag_state *s)
{
    free(s->re);
    free(s->im);
    s->re = s->im = NULL;
}

/* One tile of modes over nt samples, adding Re(w x) into y[]. The lane
 * loops have a fixed trip count and independent lanes, so the compiler
 * keeps each j-loop in vector registers without needing to reassociate
 * float sums (no -ffast-math). Inlined into callers with a constant mt,
 * the whole tile (state, poles, weights) can live in registers. */
static inline __attribute__((always_inline)) void
step_tile(const float *restrict lr, const float *restrict li, const float *restrict wr,
          const float *restrict wi, float *restrict xr, float *restrict xi, const float *restrict u,
          float *restrict y, size_t mt, size_t nt)
{
    for (size_t t = 0; t < nt; t++) {
        const float ut = u[t];
        float acc[LANES] = {0};
        for (size_t k = 0; k < mt; k += LANES) {
            for (size_t j = 0; j < LANES; j++) {
                const float a = xr[k + j], c = xi[k + j];
                const float nr = lr[k + j] * a - li[k + j] * c + ut;
                const float ni = lr[k + j] * c + li[k + j] * a;
                xr[k + j] = nr;
                xi[k + j] = ni;
                acc[j] += wr[k + j] * nr - wi[k + j] * ni;
            }
        }
        float s = 0.0f;
        for (size_t j = 0; j < LANES; j++)
            s += acc[j];
        y[t] += s;
    }
}

#define STEP_TILE_FIXED(M)                                                                         \
    SSM_HOT static void step_tile_##M(const float *restrict lr, const float *restrict li,          \
                                      const float *restrict wr, const float *restrict wi,          \
                                      float *restrict xr, float *restrict xi,                      \
                                      const float *restrict u, float *restrict y, size_t nt)       \
    {                                                                                              \
        step_tile(lr, li, wr, wi, xr, xi, u, y, M, nt);                                            \
    }
STEP_TILE_FIXED(16)
STEP_TILE_FIXED(32)
STEP_TILE_FIXED(64)

SSM_HOT static void step_tile_any(const float *restrict lr, const float *restrict li,
                                  const float *restrict wr, const float *restrict wi,
                                  float *restrict xr, float *restrict xi, const float *restrict u,
                                  float *restrict y, size_t mt, size_t nt)
{
    step_tile(lr, li, wr, wi, xr, xi, u, y, mt, nt);
}

void ssm_diag_step(const ssm_diag_bank *b, ssm_diag_state *s, const float *in, size_t in_ld,
                   float *out, size_t out_ld, size_t n)
{
    const size_t S = b->stride;
    float ubuf[TBLOCK], ybuf[TBLOCK];
    for (size_t h = 0; h < b->channels; h++) {
        const float *u = in + h * in_ld;
        float *o = out + h * out_ld;
        const float d = b->d[h];
        for (size_t t0 = 0; t0 < n; t0 += TBLOCK) {
            size_t nt = n - t0 < TBLOCK ? n - t0 : TBLOCK;
            /* Copy the input first: out may alias in. */
            memcpy(ubuf, u + t0, nt * sizeof(float));
            memset(ybuf, 0, nt * sizeof(float));
            for (size_t m0 = 0; m0 < S; m0 += TILE) {
                size_t mt = S - m0 < TILE ? S - m0 : TILE;
                size_t i = h * S + m0;
                const float *lr = b->lam_re + i, *li = b->lam_im + i;
                const float *wr = b->w_re + i, *wi = b->w_im + i;
                float *xr = s->re + i, *xi = s->im + i;
                if (mt == 64)
                    step_tile_64(lr, li, wr, wi, xr, xi, ubuf, ybuf, nt);
                else if (mt == 32)
                    step_tile_32(lr, li, wr, wi, xr, xi, ubuf, ybuf, nt);
                else if (mt == 16)
                    step_tile_16(lr, li, wr, wi, xr, xi, ubuf, ybuf, nt);
                else
                    step_tile_any(lr, li, wr, wi, xr, xi, ubuf, ybuf, mt, nt);
            }
            for (size_t t = 0; t < nt; t++)
                o[t0 + t] = ybuf[t] + d * ubuf[t];
        }
    }
}

ssm_status ssm_diag_kernel(const ssm_diag_bank *b, float *K, size_t ld, size_t L)
{
    double *acc = malloc((L ? L : 1) * sizeof(double));
    if (!acc)
        return SSM_ERR_NOMEM;
    for (size_t h = 0; h < b->channels; h++) {
        float *k = K + h * ld;
        /* Accumulate per sample in double, then round once. */
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
            k[l] = (float)acc[l];
    }
    free(acc);
    return SSM_OK;
}
