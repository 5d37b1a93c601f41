#include <stdlib.h>
#include <string.h>

#include "ssm/fft.h"
#include "ssm/s4nd.h"

struct ssm_s4nd {
    size_t frames, bins, nt, nf, bst, bsf;
    ssm_rfft *ft, *ff;
    float *kt_spec, *kf_spec; /* split spectra, 1/n folded in */
    float *buf, *spec;        /* transform buffer and spectrum (largest size) */
    float *plane;             /* frames x bins scratch */
};

void ssm_s4nd_destroy(ssm_s4nd *s)
{
    if (!s)
        return;
    ssm_rfft_destroy(s->ft), ssm_rfft_destroy(s->ff);
    ssm_fft_free(s->kt_spec), ssm_fft_free(s->kf_spec), ssm_fft_free(s->buf);
    ssm_fft_free(s->spec), ssm_fft_free(s->plane);
    free(s);
}

ssm_s4nd *ssm_s4nd_create(size_t frames, size_t bins, const float *k_time, size_t lt,
                          const float *k_freq, size_t lf, ssm_s4nd_freq_mode mode,
                          ssm_status *status)
{
    ssm_status st = SSM_ERR_INVALID;
    ssm_s4nd *s = NULL;
    if (frames < 1 || bins < 1 || !k_time || !k_freq || lt < 1 || lf < 1 ||
        (mode != SSM_S4ND_FREQ_CAUSAL && mode != SSM_S4ND_FREQ_SYMMETRIC))
        goto fail;
    st = SSM_ERR_NOMEM;
    if (!(s = calloc(1, sizeof *s)))
        goto fail;
    s->frames = frames, s->bins = bins;
    s->nt = 2 * frames, s->nf = 2 * bins;
    s->bst = ssm_fft_bins_stride(s->nt), s->bsf = ssm_fft_bins_stride(s->nf);
    size_t nmax = s->nt > s->nf ? s->nt : s->nf;
    size_t bmax = s->bst > s->bsf ? s->bst : s->bsf;
    s->ft = ssm_rfft_create(s->nt, SSM_PLAN_ESTIMATE);
    s->ff = ssm_rfft_create(s->nf, SSM_PLAN_ESTIMATE);
    s->kt_spec = ssm_fft_alloc(2 * s->bst);
    s->kf_spec = ssm_fft_alloc(2 * s->bsf);
    s->buf = ssm_fft_alloc(nmax);
    s->spec = ssm_fft_alloc(2 * bmax);
    s->plane = ssm_fft_alloc(frames * bins);
    if (!s->ft || !s->ff || !s->kt_spec || !s->kf_spec || !s->buf || !s->spec || !s->plane)
        goto fail;
    /* time kernel: causal, zero-padded to 2 frames */
    memset(s->buf, 0, nmax * sizeof *s->buf);
    for (size_t a = 0; a < lt && a < frames; a++)
        s->buf[a] = k_time[a] / (float)s->nt;
    ssm_rfft_forward(s->ft, s->buf, s->kt_spec);
    /* frequency kernel: a circular buffer of 2 bins holds lags in
     * (-bins, bins) without overlap */
    memset(s->buf, 0, nmax * sizeof *s->buf);
    for (size_t b = 0; b < lf && b < bins; b++) {
        s->buf[b] = k_freq[b] / (float)s->nf;
        if (mode == SSM_S4ND_FREQ_SYMMETRIC && b > 0)
            s->buf[s->nf - b] = k_freq[b] / (float)s->nf;
    }
    ssm_rfft_forward(s->ff, s->buf, s->kf_spec);
    if (status)
        *status = SSM_OK;
    return s;
fail:
    ssm_s4nd_destroy(s);
    if (status)
        *status = st;
    return NULL;
}

/* buf (n, holding the signal, zero-padded) <- buf conv kernel. */
static void conv1(const ssm_rfft *f, size_t n, size_t bs, float *buf, float *spec,
                  const float *kspec)
{
    ssm_rfft_forward(f, buf, spec);
    float *re = spec, *im = spec + bs;
    const float *kr = kspec, *ki = kspec + bs;
    for (size_t k = 0; k <= n / 2; k++) {
        float a = re[k], b = im[k];
        re[k] = a * kr[k] - b * ki[k];
        im[k] = a * ki[k] + b * kr[k];
    }
    ssm_rfft_inverse(f, spec, buf);
}

void ssm_s4nd_apply(ssm_s4nd *s, const float *in, float *out)
{
    size_t T = s->frames, F = s->bins;
    /* along time, one bin at a time */
    for (size_t f = 0; f < F; f++) {
        memset(s->buf, 0, s->nt * sizeof *s->buf);
        for (size_t t = 0; t < T; t++)
            s->buf[t] = in[t * F + f];
        conv1(s->ft, s->nt, s->bst, s->buf, s->spec, s->kt_spec);
        for (size_t t = 0; t < T; t++)
            s->plane[t * F + f] = s->buf[t];
    }
    /* along frequency, one frame at a time */
    for (size_t t = 0; t < T; t++) {
        memset(s->buf, 0, s->nf * sizeof *s->buf);
        memcpy(s->buf, s->plane + t * F, F * sizeof *s->buf);
        conv1(s->ff, s->nf, s->bsf, s->buf, s->spec, s->kf_spec);
        memcpy(out + t * F, s->buf, F * sizeof *out);
    }
}

void ssm_s4nd_apply_complex(ssm_s4nd *s, const float *in_re, const float *in_im, float *out_re,
                            float *out_im)
{
    ssm_s4nd_apply(s, in_re, out_re);
    ssm_s4nd_apply(s, in_im, out_im);
}
