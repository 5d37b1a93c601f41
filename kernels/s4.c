#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "ssm/fft.h"
#include "ssm/hippo.h"
#include "ssm/linalg.h"
#include "ssm/s4.h"

struct ssm_s4 {
    ssm_s4_params p;
    double complex *own; /* lambda, p, q, b, c copies */
    size_t n, T, npow;
    float d;
    float *Abar, *Bbar, *C; /* real basis, float; Abar stored transposed */
    float *x, *tmp, *tmp2;  /* state and two scratch vectors (n) */
    float *K;               /* kernel, T */
    float *G;               /* n x T (transposed), G[k][t] = (C Abar^(t+1))_k */
    float *F;               /* T x n, row s = Abar^s Bbar */
    float *pow;             /* npow x n x n, Abar^(2^k), transposed */
    float *fbuf, *ubuf;     /* 2T transform buffer, T drive copy */
    float *urev;            /* T: the drive reversed within a chunk */
    float *spec, *kspec;    /* split spectra of size 2T (ssm_rfft layout) */
    ssm_rfft *fft;          /* size 2T */
    size_t bs;              /* bins stride of the 2T spectra */
    ssm_mode mode;
};

/* ---- activation-time math (double) ---- */

static int check_params(const ssm_s4_params *p)
{
    return p && p->n >= 2 && p->n % 2 == 0 && p->n <= SSM_S4_MAX_N && p->rank >= 1 &&
           p->rank <= SSM_S4_MAX_RANK && p->lambda && p->p && p->b && p->c && isfinite(p->log_dt) &&
           p->ref_rate > 0.0;
}

/* Full conjugate-expanded arrays: index i < h is the stored mode, i >= h
 * its conjugate. */
typedef struct {
    size_t n, h, r;
    double complex *lam, *P, *Q, *B; /* n, r x n, r x n, n */
} full_sys;

static void full_free(full_sys *f)
{
    free(f->lam), free(f->P), free(f->Q), free(f->B);
}

static ssm_status full_make(const ssm_s4_params *p, full_sys *f)
{
    size_t n = p->n, h = n / 2, r = p->rank;
    f->n = n, f->h = h, f->r = r;
    f->lam = malloc(n * sizeof *f->lam);
    f->P = malloc(r * n * sizeof *f->P);
    f->Q = malloc(r * n * sizeof *f->Q);
    f->B = malloc(n * sizeof *f->B);
    if (!f->lam || !f->P || !f->Q || !f->B) {
        full_free(f);
        return SSM_ERR_NOMEM;
    }
    const double complex *q = p->q ? p->q : p->p;
    for (size_t i = 0; i < h; i++) {
        f->lam[i] = p->lambda[i], f->lam[h + i] = conj(p->lambda[i]);
        f->B[i] = p->b[i], f->B[h + i] = conj(p->b[i]);
        for (size_t a = 0; a < r; a++) {
            f->P[a * n + i] = p->p[a * h + i], f->P[a * n + h + i] = conj(p->p[a * h + i]);
            f->Q[a * n + i] = q[a * h + i], f->Q[a * n + h + i] = conj(q[a * h + i]);
        }
    }
    return SSM_OK;
}

/* In-place inverse of an r x r complex matrix, r <= 2. */
static int small_inv(double complex *m, size_t r)
{
    if (r == 1) {
        if (m[0] == 0.0)
            return -1;
        m[0] = 1.0 / m[0];
        return 0;
    }
    double complex det = m[0] * m[3] - m[1] * m[2];
    if (det == 0.0)
        return -1;
    double complex a = m[0];
    m[0] = m[3] / det, m[3] = a / det, m[1] = -m[1] / det, m[2] = -m[2] / det;
    return 0;
}

static double step_at(const ssm_s4_params *p, double rate)
{
    return exp(p->log_dt) * p->ref_rate / rate;
}

/* Bilinear discretisation of the full (conjugate-expanded) DPLR system,
 * mapped to the real basis x_full = [[I, iI], [I, -iI]] x_real. */
static ssm_status discretize(const ssm_s4_params *p, double dt, double *Ar, double *Br, double *Cr)
{
    full_sys f;
    ssm_status st = full_make(p, &f);
    if (st != SSM_OK)
        return st;
    size_t n = f.n, h = f.h, r = f.r;
    double complex *D = malloc(n * sizeof *D), *A1 = malloc(n * n * sizeof *A1);
    double complex *U = malloc(r * n * sizeof *U), *Af = malloc(n * n * sizeof *Af);
    double complex M[4] = {0};
    st = SSM_ERR_NOMEM;
    if (!D || !A1 || !U || !Af)
        goto out;
    double s2 = 2.0 / dt;
    for (size_t i = 0; i < n; i++)
        D[i] = 1.0 / (s2 - f.lam[i]);
    /* M = (I + q^* D p)^-1 */
    for (size_t b = 0; b < r; b++)
        for (size_t a = 0; a < r; a++) {
            double complex acc = a == b ? 1.0 : 0.0;
            for (size_t k = 0; k < n; k++)
                acc += conj(f.Q[b * n + k]) * D[k] * f.P[a * n + k];
            M[b * r + a] = acc;
        }
    if (small_inv(M, r)) {
        st = SSM_ERR_INVALID;
        goto out;
    }
    /* A1 = D - D p M q^* D */
    for (size_t i = 0; i < n; i++)
        for (size_t j = 0; j < n; j++) {
            double complex lr = 0.0;
            for (size_t a = 0; a < r; a++)
                for (size_t b = 0; b < r; b++)
                    lr += f.P[a * n + i] * M[a * r + b] * conj(f.Q[b * n + j]);
            A1[i * n + j] = (i == j ? D[i] : 0.0) - D[i] * lr * D[j];
        }
    for (size_t a = 0; a < r; a++)
        for (size_t i = 0; i < n; i++) {
            double complex acc = 0.0;
            for (size_t k = 0; k < n; k++)
                acc += A1[i * n + k] * f.P[a * n + k];
            U[a * n + i] = acc;
        }
    /* Abar = A1 (2/dt + lambda - p q^*) */
    for (size_t i = 0; i < n; i++)
        for (size_t j = 0; j < n; j++) {
            double complex v = A1[i * n + j] * (s2 + f.lam[j]);
            for (size_t a = 0; a < r; a++)
                v -= U[a * n + i] * conj(f.Q[a * n + j]);
            Af[i * n + j] = v;
        }
    if (Ar)
        for (size_t i = 0; i < h; i++)
            for (size_t j = 0; j < h; j++) {
                double complex m11 = Af[i * n + j], m12 = Af[i * n + h + j];
                double complex m21 = Af[(h + i) * n + j], m22 = Af[(h + i) * n + h + j];
                Ar[i * n + j] = creal(0.5 * (m11 + m12 + m21 + m22));
                Ar[i * n + h + j] = creal(0.5 * I * (m11 - m12 + m21 - m22));
                Ar[(h + i) * n + j] = creal(0.5 * I * (-m11 - m12 + m21 + m22));
                Ar[(h + i) * n + h + j] = creal(0.5 * (m11 - m12 - m21 + m22));
            }
    if (Br)
        for (size_t i = 0; i < h; i++) {
            double complex acc = 0.0;
            for (size_t k = 0; k < n; k++)
                acc += A1[i * n + k] * f.B[k];
            Br[i] = creal(2.0 * acc), Br[h + i] = cimag(2.0 * acc);
        }
    if (Cr)
        for (size_t i = 0; i < h; i++)
            Cr[i] = 2.0 * creal(p->c[i]), Cr[h + i] = -2.0 * cimag(p->c[i]);
    st = SSM_OK;
out:
    free(D), free(A1), free(U), free(Af);
    full_free(&f);
    return st;
}

static void matmul(size_t n, const double *a, const double *b, double *c)
{
    memset(c, 0, n * n * sizeof *c);
    for (size_t i = 0; i < n; i++)
        for (size_t k = 0; k < n; k++) {
            double aik = a[i * n + k];
            for (size_t j = 0; j < n; j++)
                c[i * n + j] += aik * b[k * n + j];
        }
}

/* pw: npow matrices Abar^(2^k); out = Abar^m (m < 2^npow). */
static void power_from_table(size_t n, const double *pw, size_t npow, size_t m, double *out,
                             double *scratch)
{
    memset(out, 0, n * n * sizeof *out);
    for (size_t i = 0; i < n; i++)
        out[i * n + i] = 1.0;
    for (size_t k = 0; k < npow; k++)
        if (m & ((size_t)1 << k)) {
            matmul(n, out, pw + k * n * n, scratch);
            memcpy(out, scratch, n * n * sizeof *out);
        }
}

static size_t bits_for(size_t m)
{
    size_t b = 1;
    while (((size_t)1 << b) <= m)
        b++;
    return b;
}

static ssm_status power_table(size_t n, const double *Ar, size_t npow, double *pw)
{
    memcpy(pw, Ar, n * n * sizeof *pw);
    for (size_t k = 1; k < npow; k++)
        matmul(n, pw + (k - 1) * n * n, pw + (k - 1) * n * n, pw + k * n * n);
    return SSM_OK;
}

/* The Cauchy/Woodbury kernel at the L (even) roots of unity; ArL = Abar^L
 * in the real basis. The inverse real FFT runs in float (ssm_rfft): K is
 * good to float rounding, which is all the float forms use. */
static ssm_status cauchy_kernel(const ssm_s4_params *p, double dt, const double *Cr,
                                const double *ArL, size_t L, double *K)
{
    full_sys f;
    ssm_status st = full_make(p, &f);
    if (st != SSM_OK)
        return st;
    size_t n = f.n, h = f.h, r = f.r, nb = L / 2 + 1, bs = ssm_fft_bins_stride(L);
    double complex *ct = malloc(n * sizeof *ct);
    float *spec = ssm_fft_alloc(2 * bs), *kout = ssm_fft_alloc(L);
    ssm_rfft *fft = ssm_rfft_create(L, SSM_PLAN_ESTIMATE);
    st = SSM_ERR_NOMEM;
    if (!ct || !spec || !kout || !fft)
        goto out;
    /* ct = c_full (I - Abar_full^L); c_full Abar_full^L = (Cr Ar^L) T^-1. */
    for (size_t i = 0; i < h; i++) {
        double wa = 0.0, wb = 0.0;
        for (size_t k = 0; k < n; k++) {
            wa += Cr[k] * ArL[k * n + i];
            wb += Cr[k] * ArL[k * n + h + i];
        }
        ct[i] = p->c[i] - 0.5 * (wa - I * wb);
        ct[h + i] = conj(ct[i]);
    }
    for (size_t k = 0; k < nb; k++) {
        double complex w = cexp(-2.0 * M_PI * I * (double)k / (double)L), kk;
        if (2 * k == L) {
            /* w = -1: (I - Abar w)^-1 Bbar = dt/2 b exactly. */
            double complex acc = 0.0;
            for (size_t i = 0; i < n; i++)
                acc += ct[i] * f.B[i];
            kk = 0.5 * dt * acc;
        } else {
            double complex g = 2.0 / dt * (1.0 - w) / (1.0 + w);
            double complex k00 = 0.0, k01[SSM_S4_MAX_RANK] = {0}, k10[SSM_S4_MAX_RANK] = {0};
            double complex k11[SSM_S4_MAX_RANK * SSM_S4_MAX_RANK] = {0};
            for (size_t i = 0; i < n; i++) {
                double complex R = 1.0 / (g - f.lam[i]);
                double complex cr = ct[i] * R, rb = R * f.B[i];
                k00 += cr * f.B[i];
                for (size_t a = 0; a < r; a++) {
                    k01[a] += cr * f.P[a * n + i];
                    k10[a] += conj(f.Q[a * n + i]) * rb;
                    for (size_t b = 0; b < r; b++)
                        k11[a * r + b] += conj(f.Q[a * n + i]) * R * f.P[b * n + i];
                }
            }
            for (size_t a = 0; a < r; a++)
                k11[a * r + a] += 1.0;
            if (small_inv(k11, r)) {
                st = SSM_ERR_INVALID;
                goto out;
            }
            double complex corr = 0.0;
            for (size_t a = 0; a < r; a++)
                for (size_t b = 0; b < r; b++)
                    corr += k01[a] * k11[a * r + b] * k10[b];
            kk = 2.0 / (1.0 + w) * (k00 - corr);
        }
        spec[k] = (float)(creal(kk) / (double)L);
        spec[bs + k] = (float)(cimag(kk) / (double)L);
    }
    ssm_rfft_inverse(fft, spec, kout);
    for (size_t l = 0; l < L; l++)
        K[l] = kout[l];
    st = SSM_OK;
out:
    free(ct), ssm_fft_free(spec), ssm_fft_free(kout), ssm_rfft_destroy(fft);
    full_free(&f);
    return st;
}

/* ---- public: parameters, kernel, discretisation ---- */

ssm_status ssm_s4_init_legs(size_t n, double log_dt, double ref_rate, double complex *lambda,
                            double complex *p, double complex *b, ssm_s4_params *out)
{
    size_t rank = 0;
    ssm_status st = ssm_hippo_dplr(SSM_HIPPO_LEGS, n, lambda, p, b, NULL, &rank);
    if (st != SSM_OK)
        return st;
    memset(out, 0, sizeof *out);
    out->n = n, out->rank = rank, out->log_dt = log_dt, out->ref_rate = ref_rate;
    out->lambda = lambda, out->p = p, out->b = b;
    return SSM_OK;
}

ssm_status ssm_s4_discretize(const ssm_s4_params *p, double sample_rate, double *Abar, double *Bbar,
                             double *C)
{
    if (!check_params(p) || !(sample_rate > 0.0))
        return SSM_ERR_INVALID;
    return discretize(p, step_at(p, sample_rate), Abar, Bbar, C);
}

ssm_status ssm_s4_kernel(const ssm_s4_params *p, double sample_rate, size_t L, double *K)
{
    if (!check_params(p) || !(sample_rate > 0.0) || L < 2)
        return SSM_ERR_INVALID;
    /* An odd length is made as the next even one (the truncation
     * correction uses that length, so the first L values are exact). */
    size_t n = p->n, Le = L + (L & 1), npow = bits_for(Le);
    double dt = step_at(p, sample_rate);
    double *Ar = calloc(n * n, sizeof *Ar), *Cr = calloc(n, sizeof *Cr);
    double *pw = calloc(npow * n * n, sizeof *pw), *ArL = calloc(n * n, sizeof *ArL);
    double *scr = calloc(n * n, sizeof *scr), *Ke = calloc(Le, sizeof *Ke);
    ssm_status st = SSM_ERR_NOMEM;
    if (Ar && Cr && pw && ArL && scr && Ke && (st = discretize(p, dt, Ar, NULL, Cr)) == SSM_OK) {
        power_table(n, Ar, npow, pw);
        power_from_table(n, pw, npow, Le, ArL, scr);
        if ((st = cauchy_kernel(p, dt, Cr, ArL, Le, Ke)) == SSM_OK)
            memcpy(K, Ke, L * sizeof *K);
    }
    free(Ar), free(Cr), free(pw), free(ArL), free(scr), free(Ke);
    return st;
}

/* ---- the processor ---- */

static void free_tables(ssm_s4 *s)
{
    free(s->Abar), free(s->Bbar), free(s->C), free(s->x), free(s->tmp), free(s->tmp2);
    free(s->K), free(s->G), free(s->F), free(s->pow), free(s->ubuf), free(s->urev);
    ssm_fft_free(s->fbuf), ssm_fft_free(s->spec), ssm_fft_free(s->kspec);
    ssm_rfft_destroy(s->fft);
    s->Abar = s->Bbar = s->C = s->x = s->tmp = s->tmp2 = s->K = s->G = s->F = s->pow = NULL;
    s->ubuf = s->fbuf = s->urev = NULL;
    s->spec = s->kspec = NULL;
    s->fft = NULL;
    s->T = 0;
}

ssm_s4 *ssm_s4_create(const ssm_s4_params *p, ssm_status *status)
{
    ssm_status st = SSM_ERR_INVALID;
    ssm_s4 *s = NULL;
    if (!check_params(p))
        goto fail;
    st = SSM_ERR_NOMEM;
    s = calloc(1, sizeof *s);
    size_t h = p->n / 2, r = p->rank;
    if (!s || !(s->own = malloc((3 + 2 * r) * h * sizeof *s->own)))
        goto fail;
    double complex *o = s->own;
    const double complex *q = p->q ? p->q : p->p;
    memcpy(o, p->lambda, h * sizeof *o);
    memcpy(o + h, p->b, h * sizeof *o);
    memcpy(o + 2 * h, p->c, h * sizeof *o);
    memcpy(o + 3 * h, p->p, r * h * sizeof *o);
    memcpy(o + (3 + r) * h, q, r * h * sizeof *o);
    s->p = *p;
    s->p.lambda = o, s->p.b = o + h, s->p.c = o + 2 * h;
    s->p.p = o + 3 * h, s->p.q = o + (3 + r) * h;
    s->n = p->n;
    s->d = (float)p->d;
    s->mode = SSM_MODE_STREAM;
    if (status)
        *status = SSM_OK;
    return s;
fail:
    if (s)
        free(s->own);
    free(s);
    if (status)
        *status = st;
    return NULL;
}

ssm_status ssm_s4_activate(ssm_s4 *s, double sample_rate, size_t chunk)
{
    if (!s || !(sample_rate > 0.0) || chunk < 1)
        return SSM_ERR_INVALID;
    free_tables(s);
    size_t n = s->n, T = chunk, L = T + (T & 1), npow = bits_for(L);
    double dt = step_at(&s->p, sample_rate);
    /* calloc: every entry is written below; zeroing keeps the analyser
     * (and any early exit) from seeing uninitialised reads. */
    double *Ar = calloc(n * n, sizeof *Ar), *Br = calloc(n, sizeof *Br);
    double *Cr = calloc(n, sizeof *Cr), *pw = calloc(npow * n * n, sizeof *pw);
    double *ArL = calloc(n * n, sizeof *ArL), *scr = calloc(n * n, sizeof *scr);
    double *Kd = calloc(L, sizeof *Kd), *v = malloc(n * sizeof *v), *v2 = malloc(n * sizeof *v2);
    ssm_status st = SSM_ERR_NOMEM;
    s->T = T, s->npow = npow;
    s->Abar = malloc(n * n * sizeof *s->Abar);
    s->Bbar = malloc(n * sizeof *s->Bbar);
    s->C = malloc(n * sizeof *s->C);
    s->x = calloc(n, sizeof *s->x);
    s->tmp = malloc(n * sizeof *s->tmp);
    s->tmp2 = malloc(n * sizeof *s->tmp2);
    s->K = malloc(T * sizeof *s->K);
    s->G = malloc(T * n * sizeof *s->G);
    s->F = malloc(T * n * sizeof *s->F);
    s->pow = malloc(npow * n * n * sizeof *s->pow);
    s->ubuf = malloc(T * sizeof *s->ubuf);
    s->urev = malloc(T * sizeof *s->urev);
    s->bs = ssm_fft_bins_stride(2 * T);
    s->fbuf = ssm_fft_alloc(2 * T);
    s->spec = ssm_fft_alloc(2 * s->bs);
    s->kspec = ssm_fft_alloc(2 * s->bs);
    s->fft = ssm_rfft_create(2 * T, SSM_PLAN_ESTIMATE);
    if (!Ar || !Br || !Cr || !pw || !ArL || !scr || !Kd || !v || !v2 || !s->Abar || !s->Bbar ||
        !s->C || !s->x || !s->tmp || !s->tmp2 || !s->K || !s->G || !s->F || !s->pow || !s->ubuf ||
        !s->urev || !s->fbuf || !s->spec || !s->kspec || !s->fft)
        goto out;
    if ((st = discretize(&s->p, dt, Ar, Br, Cr)) != SSM_OK)
        goto out;
    power_table(n, Ar, npow, pw);
    power_from_table(n, pw, npow, L, ArL, scr);
    if ((st = cauchy_kernel(&s->p, dt, Cr, ArL, L, Kd)) != SSM_OK)
        goto out;
    /* Transposed (column-major) so the products run as column AXPYs, which
     * vectorise without reassociating a reduction. */
    for (size_t i = 0; i < n; i++)
        for (size_t j = 0; j < n; j++) {
            s->Abar[j * n + i] = (float)Ar[i * n + j];
            for (size_t k = 0; k < npow; k++)
                s->pow[k * n * n + j * n + i] = (float)pw[k * n * n + i * n + j];
        }
    for (size_t i = 0; i < n; i++)
        s->Bbar[i] = (float)Br[i], s->C[i] = (float)Cr[i];
    for (size_t t = 0; t < T; t++)
        s->K[t] = (float)Kd[t];
    /* G[t] = C Abar^(t+1) (row vector), F[t] = Abar^t Bbar. */
    memcpy(v, Cr, n * sizeof *v);
    for (size_t t = 0; t < T; t++) {
        for (size_t j = 0; j < n; j++) {
            double acc = 0.0;
            for (size_t k = 0; k < n; k++)
                acc += v[k] * Ar[k * n + j];
            v2[j] = acc;
        }
        memcpy(v, v2, n * sizeof *v);
        for (size_t j = 0; j < n; j++)
            s->G[j * T + t] = (float)v[j];
    }
    memcpy(v, Br, n * sizeof *v);
    for (size_t t = 0; t < T; t++) {
        for (size_t j = 0; j < n; j++)
            s->F[t * n + j] = (float)v[j];
        for (size_t i = 0; i < n; i++) {
            double acc = 0.0;
            for (size_t k = 0; k < n; k++)
                acc += Ar[i * n + k] * v[k];
            v2[i] = acc;
        }
        memcpy(v, v2, n * sizeof *v);
    }
    /* Spectrum of K zero-padded to 2T, with the 1/(2T) of the inverse. */
    memset(s->fbuf, 0, 2 * T * sizeof *s->fbuf);
    for (size_t t = 0; t < T; t++)
        s->fbuf[t] = (float)(Kd[t] / (double)(2 * T));
    ssm_rfft_forward(s->fft, s->fbuf, s->kspec);
    st = SSM_OK;
out:
    free(Ar), free(Br), free(Cr), free(pw), free(ArL), free(scr), free(Kd), free(v), free(v2);
    if (st != SSM_OK)
        free_tables(s);
    return st;
}

void ssm_s4_reset(ssm_s4 *s)
{
    if (s->x)
        memset(s->x, 0, s->n * sizeof *s->x);
}

size_t ssm_s4_state_size(const ssm_s4 *s)
{
    return s->n;
}

float *ssm_s4_state(ssm_s4 *s)
{
    return s->x;
}

const float *ssm_s4_activated_kernel(const ssm_s4 *s)
{
    return s->K;
}

void ssm_s4_destroy(ssm_s4 *s)
{
    if (!s)
        return;
    free_tables(s);
    free(s->own);
    free(s);
}

/* ---- real-time forms ---- */

/* y[i] += sum_k M[k * ld + i] c[k], i < len, k < cols: column AXPYs, four
 * columns per pass so y is loaded and stored once per four FMAs. */
SSM_HOT static void cols_axpy(float *restrict y, const float *restrict M, size_t ld,
                              const float *restrict c, size_t len, size_t cols)
{
    size_t k = 0;
    for (; k + 4 <= cols; k += 4) {
        const float *restrict a0 = M + k * ld, *restrict a1 = a0 + ld;
        const float *restrict a2 = a1 + ld, *restrict a3 = a2 + ld;
        float c0 = c[k], c1 = c[k + 1], c2 = c[k + 2], c3 = c[k + 3];
        for (size_t i = 0; i < len; i++)
            y[i] += a0[i] * c0 + a1[i] * c1 + a2[i] * c2 + a3[i] * c3;
    }
    for (; k < cols; k++) {
        const float *restrict a0 = M + k * ld;
        float c0 = c[k];
        for (size_t i = 0; i < len; i++)
            y[i] += a0[i] * c0;
    }
}

SSM_HOT static float dot(const float *restrict a, const float *restrict b, size_t n)
{
    float s0 = 0.0f, s1 = 0.0f, s2 = 0.0f, s3 = 0.0f;
    size_t i = 0;
    for (; i + 4 <= n; i += 4) {
        s0 += a[i] * b[i];
        s1 += a[i + 1] * b[i + 1];
        s2 += a[i + 2] * b[i + 2];
        s3 += a[i + 3] * b[i + 3];
    }
    for (; i < n; i++)
        s0 += a[i] * b[i];
    return (s0 + s1) + (s2 + s3);
}

static void step_drive(ssm_s4 *s, const float *drive, const float *skip, float *out, size_t n)
{
    size_t N = s->n;
    float *restrict x = s->x, *restrict t = s->tmp;
    const float *restrict bb = s->Bbar;
    for (size_t i = 0; i < n; i++) {
        float u = drive[i], v = skip[i];
        for (size_t k = 0; k < N; k++)
            t[k] = bb[k] * u;
        cols_axpy(t, s->Abar, N, x, N, N);
        memcpy(x, t, N * sizeof *x);
        out[i] = dot(s->C, x, N) + s->d * v;
    }
}

/* x <- Abar^m x by the binary powers table. */
static void advance_state(ssm_s4 *s, size_t m)
{
    size_t N = s->n;
    for (size_t k = 0; k < s->npow; k++)
        if (m & ((size_t)1 << k)) {
            memset(s->tmp2, 0, N * sizeof *s->tmp2);
            cols_axpy(s->tmp2, s->pow + k * N * N, N, s->x, N, N);
            memcpy(s->x, s->tmp2, N * sizeof *s->x);
        }
}

static void chunk_once(ssm_s4 *s, const float *drive, const float *skip, float *out, size_t m)
{
    size_t N = s->n, T = s->T;
    float *u = s->ubuf;
    memcpy(u, drive, m * sizeof *u);
    for (size_t j = 0; j < m; j++)
        s->urev[j] = u[m - 1 - j];
    memcpy(s->fbuf, u, m * sizeof *u);
    memset(s->fbuf + m, 0, (2 * T - m) * sizeof *s->fbuf);
    ssm_rfft_forward(s->fft, s->fbuf, s->spec);
    float *restrict re = s->spec, *restrict im = s->spec + s->bs;
    const float *restrict kr = s->kspec, *restrict ki = s->kspec + s->bs;
    for (size_t k = 0; k <= T; k++) {
        float ar = re[k], ai = im[k];
        re[k] = ar * kr[k] - ai * ki[k];
        im[k] = ar * ki[k] + ai * kr[k];
    }
    ssm_rfft_inverse(s->fft, s->spec, s->fbuf);
    /* Carried-in state: y[t] += C Abar^(t+1) x0 = sum_k G[k][t] x0[k]. */
    cols_axpy(s->fbuf, s->G, T, s->x, m, N);
    for (size_t t = 0; t < m; t++)
        out[t] = s->fbuf[t] + s->d * skip[t];
    /* State out: Abar^m x0 + sum_s Abar^s Bbar u[m-1-s]. */
    advance_state(s, m);
    cols_axpy(s->x, s->F, N, s->urev, N, m);
}

void ssm_s4_set_mode(ssm_s4 *s, ssm_mode mode)
{
    s->mode = mode;
}

void ssm_s4_process_drive(ssm_s4 *s, const float *drive, const float *skip, float *out, size_t n)
{
    if (s->mode != SSM_MODE_OFFLINE) {
        step_drive(s, drive, skip, out, n);
        return;
    }
    while (n) {
        size_t m = n < s->T ? n : s->T;
        chunk_once(s, drive, skip, out, m);
        drive += m, skip += m, out += m, n -= m;
    }
}

void ssm_s4_process(ssm_s4 *s, const float *in, float *out, size_t n)
{
    ssm_s4_process_drive(s, in, in, out, n);
}
