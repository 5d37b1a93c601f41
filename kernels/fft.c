/* FFTW3 real transforms behind one planner lock (see ssm/fft.h). */
#include "ssm/fft.h"

#include <fftw3.h>
#include <math.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

/* FFTW's planner (and plan destruction) touch global tables: one lock for
 * this module, taken only at create/destroy time. Each LV2 plugin module
 * carries its own copy of this lock while all of them share the process's
 * one libfftw3f, so FFTW's own planner lock is switched on as well: that
 * one also covers other modules and other FFTW users in the host. */
static pthread_mutex_t plan_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_once_t planner_once = PTHREAD_ONCE_INIT;

static void make_planner_thread_safe(void)
{
    fftwf_make_planner_thread_safe();
}

struct ssm_rfft {
    size_t n, nbs;
    fftwf_plan fwd;
    fftwf_plan inv;
    /* Interleaved spectrum between FFTW and the split layout: FFTW's
     * interleaved r2c/c2r codelets run 1.3-1.7x faster here than its split
     * guru plans, and the copy is O(n). It makes an ssm_rfft usable by one
     * thread at a time (each processor owns its own). */
    fftwf_complex *tmp;
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
    float *in = ssm_fft_alloc(n);
    if (!f || !in) {
        free(f);
        ssm_fft_free(in);
        return NULL;
    }
    f->n = n;
    f->nbs = ssm_fft_bins_stride(n);
    f->tmp = (fftwf_complex *)(void *)ssm_fft_alloc(2 * (n / 2 + 1));
    /* FFTW_MEASURE writes into the arrays while timing: they are scratch. */
    unsigned flags = rigor == SSM_PLAN_MEASURE ? FFTW_MEASURE : FFTW_ESTIMATE;
    if (f->tmp) {
        pthread_once(&planner_once, make_planner_thread_safe);
        pthread_mutex_lock(&plan_lock);
        f->fwd = fftwf_plan_dft_r2c_1d((int)n, in, f->tmp, flags);
        f->inv = fftwf_plan_dft_c2r_1d((int)n, f->tmp, in, flags);
        pthread_mutex_unlock(&plan_lock);
    }
    ssm_fft_free(in);
    if (!f->tmp || !f->fwd || !f->inv) {
        ssm_rfft_destroy(f);
        return NULL;
    }
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
    ssm_fft_free((float *)(void *)f->tmp);
    free(f);
}

size_t ssm_rfft_size(const ssm_rfft *f)
{
    return f->n;
}

SSM_HOT static void deinterleave(const float *restrict c, float *restrict re, float *restrict im,
                                 size_t nb)
{
    for (size_t i = 0; i < nb; i++) {
        re[i] = c[2 * i];
        im[i] = c[2 * i + 1];
    }
}

SSM_HOT static void interleave(const float *restrict re, const float *restrict im,
                               float *restrict c, size_t nb)
{
    for (size_t i = 0; i < nb; i++) {
        c[2 * i] = re[i];
        c[2 * i + 1] = im[i];
    }
}

void ssm_rfft_forward(const ssm_rfft *f, float *in, float *spec)
{
    fftwf_execute_dft_r2c(f->fwd, in, f->tmp);
    deinterleave((const float *)f->tmp, spec, spec + f->nbs, f->n / 2 + 1);
}

void ssm_rfft_inverse(const ssm_rfft *f, float *spec, float *out)
{
    interleave(spec, spec + f->nbs, (float *)f->tmp, f->n / 2 + 1);
    fftwf_execute_dft_c2r(f->inv, f->tmp, out);
}

void ssm_rfft_forward_interleaved(const ssm_rfft *f, float *in, float *cplx)
{
    fftwf_execute_dft_r2c(f->fwd, in, (fftwf_complex *)(void *)cplx);
}

void ssm_rfft_inverse_interleaved(const ssm_rfft *f, float *cplx, float *out)
{
    fftwf_execute_dft_c2r(f->inv, (fftwf_complex *)(void *)cplx, out);
}
