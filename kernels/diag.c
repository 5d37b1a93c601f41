/* The discrete diagonal bank: storage, the recurrent form (fixed and
 * gliding coefficients), and the object that runs both forms. */
#include "ssm/diag.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "diag_conv.h"
#include "diag_kernels.h"

struct ssm_diag {
    ssm_diag_bank bank;
    float *xr, *xi;         /* [channels][stride] the state both forms share */
    ssm_diag_conv *conv;    /* the chunked schedule, NULL when the plan is the step */
    ssm_diag_plan plan;     /* what SSM_MODE_OFFLINE runs */
    const ssm_diag_simd *k; /* the inner loops for this CPU's SIMD level */
    int conv_stale;         /* the coefficients moved since the tables were made */
    /* The turned bank for frames with contiguous channels (diag_kernels.h),
     * when the channels fill whole vectors: its coefficients are a copy
     * (lanes_stale: the bank moved since), and the state lives either in
     * xr, xi or in lanes (state_in_lanes), moved across when the other
     * layout's schedule runs. */
    ssm_diag_lanes lanes;
    int has_lanes, lanes_stale, state_in_lanes;
    ssm_mode mode;
};

ssm_status ssm_diag_bank_init(ssm_diag_bank *b, size_t channels, size_t modes)
{
    memset(b, 0, sizeof *b);
    if (channels == 0 || modes == 0)
        return SSM_ERR_INVALID;
    b->channels = channels;
    b->modes = modes;
    b->stride = (modes + SSM_DIAG_LANES - 1) / SSM_DIAG_LANES * SSM_DIAG_LANES;
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

/* The recurrence itself (fixed and gliding coefficients) is in
 * kernels/diag_simd.h, compiled per SIMD level. */

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

/* ---- the turned bank ---- */

static void lanes_free(ssm_diag_lanes *L)
{
    float *arrays[] = {L->lr, L->li, L->wr, L->wi, L->xr, L->xi, L->d};
    for (size_t i = 0; i < sizeof arrays / sizeof arrays[0]; i++)
        ssm_fft_free(arrays[i]);
    memset(L, 0, sizeof *L);
}

static int lanes_init(ssm_diag_lanes *L, const ssm_diag_bank *b, size_t lanes)
{
    memset(L, 0, sizeof *L);
    L->groups = b->channels / lanes;
    L->modes = b->modes;
    L->lanes = lanes;
    L->weighting = b->weighting;
    const size_t n = b->channels * b->modes;
    L->lr = ssm_fft_alloc(n);
    L->li = ssm_fft_alloc(n);
    L->wr = ssm_fft_alloc(n);
    L->wi = ssm_fft_alloc(n);
    L->xr = ssm_fft_alloc(n);
    L->xi = ssm_fft_alloc(n);
    L->d = ssm_fft_alloc(b->channels);
    return L->lr && L->li && L->wr && L->wi && L->xr && L->xi && L->d;
}

/* a [channels][stride] (bank layout) <-> l [groups][modes][lanes]. */
static void to_lanes(const ssm_diag_bank *b, size_t lanes, const float *a, float *l)
{
    for (size_t h = 0; h < b->channels; h++)
        for (size_t m = 0; m < b->modes; m++)
            l[((h / lanes) * b->modes + m) * lanes + h % lanes] = a[h * b->stride + m];
}

static void from_lanes(const ssm_diag_bank *b, size_t lanes, const float *l, float *a)
{
    for (size_t h = 0; h < b->channels; h++)
        for (size_t m = 0; m < b->modes; m++)
            a[h * b->stride + m] = l[((h / lanes) * b->modes + m) * lanes + h % lanes];
}

static void lanes_coefficients(ssm_diag *d)
{
    const size_t NL = d->lanes.lanes;
    to_lanes(&d->bank, NL, d->bank.lam_re, d->lanes.lr);
    to_lanes(&d->bank, NL, d->bank.lam_im, d->lanes.li);
    to_lanes(&d->bank, NL, d->bank.w_re, d->lanes.wr);
    to_lanes(&d->bank, NL, d->bank.w_im, d->lanes.wi);
    memcpy(d->lanes.d, d->bank.d, d->bank.channels * sizeof(float));
    d->lanes_stale = 0;
}

/* The state into the layout the next schedule reads: O(channels x modes)
 * copies, only when the layout changes. */
static void state_to_lanes(ssm_diag *d)
{
    if (!d->state_in_lanes) {
        to_lanes(&d->bank, d->lanes.lanes, d->xr, d->lanes.xr);
        to_lanes(&d->bank, d->lanes.lanes, d->xi, d->lanes.xi);
        d->state_in_lanes = 1;
    }
}

static void state_to_bank(ssm_diag *d)
{
    if (d->state_in_lanes) {
        from_lanes(&d->bank, d->lanes.lanes, d->lanes.xr, d->xr);
        from_lanes(&d->bank, d->lanes.lanes, d->lanes.xi, d->xi);
        d->state_in_lanes = 0;
    }
}

/* ---- the object ---- */

ssm_diag *ssm_diag_create(const ssm_diag_bank *b, const ssm_diag_config *cfg, ssm_status *status)
{
    ssm_status st = SSM_ERR_INVALID;
    ssm_diag *d = NULL;
    const ssm_diag_method method = cfg ? cfg->method : SSM_DIAG_FFT;
    const ssm_plan_rigor rigor = cfg ? cfg->rigor : SSM_PLAN_ESTIMATE;
    if (!b || !b->channels || !b->modes ||
        (b->weighting != SSM_DIAG_WEIGHT_OUTPUT && b->weighting != SSM_DIAG_WEIGHT_INPUT) ||
        (method != SSM_DIAG_FFT && method != SSM_DIAG_SCAN && method != SSM_DIAG_STEP &&
         method != SSM_DIAG_PLANNED))
        goto fail;
    st = SSM_ERR_NOMEM;
    d = calloc(1, sizeof *d);
    if (!d)
        goto fail;
    if (method == SSM_DIAG_PLANNED) {
        const size_t block = cfg->block ? cfg->block : 8192;
        d->plan = ssm_diag_plan_offline(b->channels, b->modes, b->weighting, block, rigor);
    } else {
        d->plan.method = method;
        d->plan.chunk = cfg && cfg->chunk ? cfg->chunk : 1024;
        d->plan.min_block = 0;
    }
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
    if (d->plan.method != SSM_DIAG_STEP) {
        d->conv = ssm_diag_conv_create(&d->bank, d->plan.chunk, rigor, d->plan.method, &st);
        if (!d->conv)
            goto fail;
    }
    d->k = ssm_diag_simd_get();
    /* Channels that fill whole vectors (a network layer's width): frames
     * run on the turned bank. */
    if (b->channels % d->k->lanes == 0) {
        if (!lanes_init(&d->lanes, &d->bank, d->k->lanes))
            goto fail;
        d->has_lanes = 1;
        lanes_coefficients(d);
    }
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
    lanes_free(&d->lanes);
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
    d->state_in_lanes = 0;
}

void ssm_diag_process_strided(ssm_diag *d, const float *in, size_t in_ld, size_t in_ts, float *out,
                              size_t out_ld, size_t out_ts, size_t n)
{
    if (n == 0)
        return;
    if (d->mode == SSM_MODE_OFFLINE && d->conv && n >= d->plan.min_block) {
        if (d->conv_stale) {
            ssm_diag_conv_update(d->conv, &d->bank);
            d->conv_stale = 0;
        }
        state_to_bank(d);
        ssm_diag_conv_process(d->conv, d->xr, d->xi, in, in_ld, in_ts, out, out_ld, out_ts, n);
        return;
    }
    if (d->has_lanes && in_ld == 1 && out_ld == 1) {
        if (d->lanes_stale)
            lanes_coefficients(d);
        state_to_lanes(d);
        d->k->lanes_step(&d->lanes, in, in_ts, out, out_ts, n);
        return;
    }
    state_to_bank(d);
    d->k->bank(&d->bank, d->xr, d->xi, in, in_ld, in_ts, out, out_ld, out_ts, n);
}

void ssm_diag_process(ssm_diag *d, const float *in, size_t in_ld, float *out, size_t out_ld,
                      size_t n)
{
    ssm_diag_process_strided(d, in, in_ld, 1, out, out_ld, 1, n);
}

ssm_status ssm_diag_set_bank(ssm_diag *d, const ssm_diag_bank *b)
{
    if (!same_shape(&d->bank, b))
        return SSM_ERR_INVALID;
    copy_coefficients(&d->bank, b);
    d->conv_stale = 1;
    d->lanes_stale = 1;
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
    state_to_bank(d);
    d->k->glide(b, target, d->xr, d->xi, in, in_ld, out, out_ld, n, 1.0f / (float)remaining);
    glide_coefficients(b, target, n, remaining);
    d->conv_stale = 1;
    d->lanes_stale = 1;
    return SSM_OK;
}

ssm_diag_plan ssm_diag_get_plan(const ssm_diag *d)
{
    return d->plan;
}

const ssm_diag_bank *ssm_diag_get_bank(const ssm_diag *d)
{
    return &d->bank;
}
