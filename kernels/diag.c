/* The discrete diagonal bank: storage, the recurrent form (fixed and
 * gliding coefficients), and the object that runs both forms. */
#include "ssm/diag.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "diag_conv.h"

#define LANES SSM_DIAG_LANES
/* Modes are taken GROUPS x LANES at a time and that tile's coefficients and
 * state stay in registers while it runs over up to TILE samples: memory
 * traffic per sample drops to one row of partial sums, and GROUPS
 * independent recurrences in flight hide the latency of the chain
 * x <- lambda x + u. Partial sums stay per lane and are reduced once per
 * sample at the end of the tile. A glide holds four more coefficient
 * vectors per group, so it takes half as many groups to stay in registers. */
#define GROUPS       4
#define GLIDE_GROUPS 2
#define TILE         64

/* GCC/Clang vector extension: 16 floats, one AVX-512 register, two AVX2
 * ones; memcpy keeps loads free of aliasing and alignment assumptions. */
typedef float vf __attribute__((vector_size(LANES * sizeof(float))));
typedef float vf8 __attribute__((vector_size(8 * sizeof(float))));
typedef float vf4 __attribute__((vector_size(4 * sizeof(float))));
#define VLOAD(v, p)  memcpy(&(v), (p), sizeof(vf))
#define VSTORE(p, v) memcpy((p), &(v), sizeof(vf))

struct ssm_diag {
    ssm_diag_bank bank;
    float *xr, *xi; /* [channels][stride] the state both forms share */
    ssm_diag_conv *conv;
    int conv_stale; /* the coefficients moved since the tables were made */
    ssm_mode mode;
};

ssm_status ssm_diag_bank_init(ssm_diag_bank *b, size_t channels, size_t modes)
{
    memset(b, 0, sizeof *b);
    if (channels == 0 || modes == 0)
        return SSM_ERR_INVALID;
    b->channels = channels;
    b->modes = modes;
    b->stride = (modes + LANES - 1) / LANES * LANES;
    b->weighting = SSM_DIAG_WEIGHT_OUTPUT;
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
    ssm_fft_free(b->lam_re);
    ssm_fft_free(b->lam_im);
    ssm_fft_free(b->w_re);
    ssm_fft_free(b->w_im);
    ssm_fft_free(b->d);
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
            /* "r > mx" is false for NaN: a NaN pole would pass as stable. */
            if (isnan(r))
                return r;
            if (r > mx)
                mx = r;
        }
    return mx;
}

static int same_shape(const ssm_diag_bank *a, const ssm_diag_bank *b)
{
    return a->channels == b->channels && a->modes == b->modes && a->stride == b->stride &&
           a->weighting == b->weighting;
}

static void copy_coefficients(ssm_diag_bank *dst, const ssm_diag_bank *src)
{
    const size_t n = src->channels * src->stride * sizeof(float);
    memcpy(dst->lam_re, src->lam_re, n);
    memcpy(dst->lam_im, src->lam_im, n);
    memcpy(dst->w_re, src->w_re, n);
    memcpy(dst->w_im, src->w_im, n);
    memcpy(dst->d, src->d, src->channels * sizeof(float));
}

/* ---- the recurrence ---- */

/* s[t] = sum of the 16 lanes of p[t], t < 16, as one vector: a transposing
 * tree (each level adds the halves of every sample's lane group and packs
 * two samples' results into one vector), 15 adds and 30 shuffles for 16
 * samples instead of 15 dependent scalar adds per sample. */
static inline __attribute__((always_inline)) void lane_sums16(const vf *p, float *s)
{
    vf q[8], r[4], v[2];
    for (int k = 0; k < 8; k++)
        q[k] = __builtin_shufflevector(p[2 * k], p[2 * k + 1], 0, 1, 2, 3, 4, 5, 6, 7, 16, 17, 18,
                                       19, 20, 21, 22, 23) +
               __builtin_shufflevector(p[2 * k], p[2 * k + 1], 8, 9, 10, 11, 12, 13, 14, 15, 24, 25,
                                       26, 27, 28, 29, 30, 31);
    for (int k = 0; k < 4; k++)
        r[k] = __builtin_shufflevector(q[2 * k], q[2 * k + 1], 0, 1, 2, 3, 8, 9, 10, 11, 16, 17, 18,
                                       19, 24, 25, 26, 27) +
               __builtin_shufflevector(q[2 * k], q[2 * k + 1], 4, 5, 6, 7, 12, 13, 14, 15, 20, 21,
                                       22, 23, 28, 29, 30, 31);
    for (int k = 0; k < 2; k++)
        v[k] = __builtin_shufflevector(r[2 * k], r[2 * k + 1], 0, 1, 4, 5, 8, 9, 12, 13, 16, 17, 20,
                                       21, 24, 25, 28, 29) +
               __builtin_shufflevector(r[2 * k], r[2 * k + 1], 2, 3, 6, 7, 10, 11, 14, 15, 18, 19,
                                       22, 23, 26, 27, 30, 31);
    const vf o = __builtin_shufflevector(v[0], v[1], 0, 2, 4, 6, 8, 10, 12, 14, 16, 18, 20, 22, 24,
                                         26, 28, 30) +
                 __builtin_shufflevector(v[0], v[1], 1, 3, 5, 7, 9, 11, 13, 15, 17, 19, 21, 23, 25,
                                         27, 29, 31);
    VSTORE(s, o);
}

/* y[t] = sum of part[t]'s lanes + d(t) u[t] for t < nt, with d(t) = d0,
 * or d0 + (t_base + t + 1) dd when d glides. Whole groups of 16 samples go
 * through the tree; a short rest (a call of a few samples: a frame-rate
 * layer) is summed in registers. */
static inline __attribute__((always_inline)) void reduce_tile(const vf *part, const float *u,
                                                              float *y, size_t nt, float d0,
                                                              float dd, size_t t_base,
                                                              const int glide)
{
    size_t t0 = 0;
    for (; t0 + LANES <= nt; t0 += LANES) {
        float tmp[LANES];
        lane_sums16(part + t0, tmp);
        for (size_t j = 0; j < LANES; j++) {
            const float dt = glide ? d0 + (float)(t_base + t0 + j + 1) * dd : d0;
            y[t0 + j] = tmp[j] + dt * u[t0 + j];
        }
    }
    for (; t0 < nt; t0++) {
        /* In registers: a store and 16 scalar reloads would stall on
         * store-to-load forwarding. */
        const vf8 a = __builtin_shufflevector(part[t0], part[t0], 0, 1, 2, 3, 4, 5, 6, 7) +
                      __builtin_shufflevector(part[t0], part[t0], 8, 9, 10, 11, 12, 13, 14, 15);
        const vf4 c =
            __builtin_shufflevector(a, a, 0, 1, 2, 3) + __builtin_shufflevector(a, a, 4, 5, 6, 7);
        const float s = (c[0] + c[2]) + (c[1] + c[3]);
        y[t0] = s + (glide ? d0 + (float)(t_base + t0 + 1) * dd : d0) * u[t0];
    }
}

/* G groups of modes starting at index i over nt samples, adding into
 * part[t] (the first tile of a channel writes it instead, which saves
 * clearing it). Inlined with constant G, weighting, first and glide, so
 * the tile lives in registers. When gliding, coefficient c moves along
 * c(t) = c0 + f(t) (c1 - c0), f(t) = (t_base + t + 1) step, toward tg's
 * (the line's far end is reached exactly, not by accumulation): four more
 * vectors a group, hence half the groups. */
static inline __attribute__((always_inline)) void
tile(const ssm_diag_bank *b, const ssm_diag_bank *tg, float *xr, float *xi, size_t i, const int G,
     const int w_in, const int first, const int glide, const float *u, vf *part, size_t nt,
     size_t t_base, float step)
{
    vf lr[GROUPS], li[GROUPS], wr[GROUPS], wi[GROUPS], sr[GROUPS], si[GROUPS];
    vf dlr[GROUPS], dli[GROUPS], dwr[GROUPS], dwi[GROUPS];
    for (int g = 0; g < G; g++) {
        const size_t k = i + (size_t)g * LANES;
        VLOAD(lr[g], b->lam_re + k);
        VLOAD(li[g], b->lam_im + k);
        VLOAD(wr[g], b->w_re + k);
        VLOAD(wi[g], b->w_im + k);
        VLOAD(sr[g], xr + k);
        VLOAD(si[g], xi + k);
        if (glide) {
            vf t;
            VLOAD(t, tg->lam_re + k);
            dlr[g] = t - lr[g];
            VLOAD(t, tg->lam_im + k);
            dli[g] = t - li[g];
            VLOAD(t, tg->w_re + k);
            dwr[g] = t - wr[g];
            VLOAD(t, tg->w_im + k);
            dwi[g] = t - wi[g];
        }
    }
    for (size_t t = 0; t < nt; t++) {
        const vf ut = (vf){0} + u[t];
        const vf f = (vf){0} + (glide ? (float)(t_base + t + 1) * step : 0.0f);
        vf acc = {0};
#pragma GCC unroll 4
        for (int g = 0; g < G; g++) {
            const vf cr = glide ? lr[g] + f * dlr[g] : lr[g];
            const vf ci = glide ? li[g] + f * dli[g] : li[g];
            const vf er = glide ? wr[g] + f * dwr[g] : wr[g];
            const vf ei = glide ? wi[g] + f * dwi[g] : wi[g];
            vf nr, ni;
            if (w_in) {
                nr = cr * sr[g] - ci * si[g] + er * ut;
                ni = cr * si[g] + ci * sr[g] + ei * ut;
                acc += nr;
            } else {
                nr = cr * sr[g] - ci * si[g] + ut;
                ni = cr * si[g] + ci * sr[g];
                acc += er * nr - ei * ni;
            }
            sr[g] = nr;
            si[g] = ni;
        }
        part[t] = first ? acc : part[t] + acc;
    }
    for (int g = 0; g < G; g++) {
        VSTORE(xr + i + (size_t)g * LANES, sr[g]);
        VSTORE(xi + i + (size_t)g * LANES, si[g]);
    }
}

/* Channel h over n samples, in tiles of TILE samples x GROUPS groups
 * (GLIDE_GROUPS when gliding). */
static inline __attribute__((always_inline)) void
run_channel(const ssm_diag_bank *b, const ssm_diag_bank *tg, float *xr, float *xi, size_t h,
            const float *in, float *out, size_t n, float step, const int w_in, const int glide)
{
    const size_t S = b->stride, base = h * S;
    const size_t width = (glide ? GLIDE_GROUPS : GROUPS) * LANES;
    const float d0 = b->d[h], dd = glide ? (tg->d[h] - b->d[h]) * step : 0.0f;
    float ubuf[TILE];
    vf part[TILE];
    for (size_t t0 = 0; t0 < n; t0 += TILE) {
        const size_t nt = n - t0 < TILE ? n - t0 : TILE;
        /* Copy the input first: out may alias in. */
        memcpy(ubuf, in + t0, nt * sizeof(float));
        /* The short tile (S mod width modes) first: it writes part. */
        const size_t full = S / width * width, r = base + full;
        switch ((S - full) / LANES) {
        case 3:
            tile(b, tg, xr, xi, r, 3, w_in, 1, glide, ubuf, part, nt, t0, step);
            break;
        case 2:
            tile(b, tg, xr, xi, r, 2, w_in, 1, glide, ubuf, part, nt, t0, step);
            break;
        case 1:
            tile(b, tg, xr, xi, r, 1, w_in, 1, glide, ubuf, part, nt, t0, step);
            break;
        default:
            if (full)
                tile(b, tg, xr, xi, base, glide ? GLIDE_GROUPS : GROUPS, w_in, 1, glide, ubuf, part,
                     nt, t0, step);
            break;
        }
        for (size_t k = full == S ? width : 0; k < full; k += width)
            tile(b, tg, xr, xi, base + k, glide ? GLIDE_GROUPS : GROUPS, w_in, 0, glide, ubuf, part,
                 nt, t0, step);
        reduce_tile(part, ubuf, out + t0, nt, d0, dd, t0, glide);
    }
}

SSM_HOT static void step_out(const ssm_diag_bank *b, float *xr, float *xi, size_t h,
                             const float *in, float *out, size_t n)
{
    run_channel(b, NULL, xr, xi, h, in, out, n, 0.0f, 0, 0);
}

SSM_HOT static void step_in(const ssm_diag_bank *b, float *xr, float *xi, size_t h, const float *in,
                            float *out, size_t n)
{
    run_channel(b, NULL, xr, xi, h, in, out, n, 0.0f, 1, 0);
}

SSM_HOT static void glide_out(const ssm_diag_bank *b, const ssm_diag_bank *tg, float *xr, float *xi,
                              size_t h, const float *in, float *out, size_t n, float step)
{
    run_channel(b, tg, xr, xi, h, in, out, n, step, 0, 1);
}

SSM_HOT static void glide_in(const ssm_diag_bank *b, const ssm_diag_bank *tg, float *xr, float *xi,
                             size_t h, const float *in, float *out, size_t n, float step)
{
    run_channel(b, tg, xr, xi, h, in, out, n, step, 1, 1);
}

/* Move the coefficients f = n / remaining of the way (all the way when the
 * glide ends here, so the target is met exactly). */
static void glide_coefficients(ssm_diag_bank *b, const ssm_diag_bank *tg, size_t n,
                               size_t remaining)
{
    if (n >= remaining) {
        copy_coefficients(b, tg);
        return;
    }
    const float f = (float)n * (1.0f / (float)remaining);
    float *dst[] = {b->lam_re, b->lam_im, b->w_re, b->w_im};
    const float *src[] = {tg->lam_re, tg->lam_im, tg->w_re, tg->w_im};
    const size_t len = b->channels * b->stride;
    for (size_t a = 0; a < 4; a++)
        for (size_t k = 0; k < len; k++)
            dst[a][k] += f * (src[a][k] - dst[a][k]);
    for (size_t h = 0; h < b->channels; h++)
        b->d[h] += f * (tg->d[h] - b->d[h]);
}

/* ---- the object ---- */

ssm_diag *ssm_diag_create(const ssm_diag_bank *b, const ssm_diag_config *cfg, ssm_status *status)
{
    ssm_status st = SSM_ERR_INVALID;
    ssm_diag *d = NULL;
    const size_t chunk = cfg && cfg->chunk ? cfg->chunk : 1024;
    const ssm_diag_method method = cfg ? cfg->method : SSM_DIAG_FFT;
    const ssm_plan_rigor rigor = cfg ? cfg->rigor : SSM_PLAN_ESTIMATE;
    if (!b || !b->channels || !b->modes ||
        (b->weighting != SSM_DIAG_WEIGHT_OUTPUT && b->weighting != SSM_DIAG_WEIGHT_INPUT))
        goto fail;
    st = SSM_ERR_NOMEM;
    d = calloc(1, sizeof *d);
    if (!d)
        goto fail;
    st = ssm_diag_bank_init(&d->bank, b->channels, b->modes);
    if (st != SSM_OK)
        goto fail;
    d->bank.weighting = b->weighting;
    copy_coefficients(&d->bank, b);
    st = SSM_ERR_NOMEM;
    d->xr = ssm_fft_alloc(b->channels * b->stride);
    d->xi = ssm_fft_alloc(b->channels * b->stride);
    if (!d->xr || !d->xi)
        goto fail;
    d->conv = ssm_diag_conv_create(&d->bank, chunk, rigor, method, &st);
    if (!d->conv)
        goto fail;
    d->mode = SSM_MODE_STREAM;
    if (status)
        *status = SSM_OK;
    return d;
fail:
    ssm_diag_destroy(d);
    if (status)
        *status = st;
    return NULL;
}

void ssm_diag_destroy(ssm_diag *d)
{
    if (!d)
        return;
    ssm_diag_conv_destroy(d->conv);
    ssm_fft_free(d->xr);
    ssm_fft_free(d->xi);
    ssm_diag_bank_free(&d->bank);
    free(d);
}

void ssm_diag_set_mode(ssm_diag *d, ssm_mode mode)
{
    d->mode = mode;
}

void ssm_diag_reset(ssm_diag *d)
{
    const size_t n = d->bank.channels * d->bank.stride * sizeof(float);
    memset(d->xr, 0, n);
    memset(d->xi, 0, n);
}

void ssm_diag_process(ssm_diag *d, const float *in, size_t in_ld, float *out, size_t out_ld,
                      size_t n)
{
    if (n == 0)
        return;
    if (d->mode == SSM_MODE_OFFLINE) {
        if (d->conv_stale) {
            ssm_diag_conv_update(d->conv, &d->bank);
            d->conv_stale = 0;
        }
        ssm_diag_conv_process(d->conv, d->xr, d->xi, in, in_ld, out, out_ld, n);
        return;
    }
    const int w_in = d->bank.weighting == SSM_DIAG_WEIGHT_INPUT;
    for (size_t h = 0; h < d->bank.channels; h++) {
        if (w_in)
            step_in(&d->bank, d->xr, d->xi, h, in + h * in_ld, out + h * out_ld, n);
        else
            step_out(&d->bank, d->xr, d->xi, h, in + h * in_ld, out + h * out_ld, n);
    }
}

ssm_status ssm_diag_set_bank(ssm_diag *d, const ssm_diag_bank *b)
{
    if (!same_shape(&d->bank, b))
        return SSM_ERR_INVALID;
    copy_coefficients(&d->bank, b);
    d->conv_stale = 1;
    return SSM_OK;
}

ssm_status ssm_diag_glide(ssm_diag *d, const ssm_diag_bank *target, const float *in, size_t in_ld,
                          float *out, size_t out_ld, size_t n, size_t remaining)
{
    ssm_diag_bank *b = &d->bank;
    if (!same_shape(b, target)) {
        for (size_t h = 0; h < b->channels; h++)
            memset(out + h * out_ld, 0, n * sizeof(float));
        return SSM_ERR_INVALID;
    }
    if (n == 0)
        return SSM_OK;
    if (remaining < n)
        remaining = n;
    const float step = 1.0f / (float)remaining;
    const int w_in = b->weighting == SSM_DIAG_WEIGHT_INPUT;
    for (size_t h = 0; h < b->channels; h++) {
        if (w_in)
            glide_in(b, target, d->xr, d->xi, h, in + h * in_ld, out + h * out_ld, n, step);
        else
            glide_out(b, target, d->xr, d->xi, h, in + h * in_ld, out + h * out_ld, n, step);
    }
    glide_coefficients(b, target, n, remaining);
    d->conv_stale = 1;
    return SSM_OK;
}

const ssm_diag_bank *ssm_diag_get_bank(const ssm_diag *d)
{
    return &d->bank;
}
