#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "ssm/eig.h"
#include "ssm/hippo.h"

ssm_status ssm_hippo_transition(ssm_hippo_measure m, size_t n, double *A, double *B)
{
    if (n == 0)
        return SSM_ERR_INVALID;
    switch (m) {
    case SSM_HIPPO_LEGS:
        for (size_t i = 0; i < n; i++) {
            B[i] = sqrt(2.0 * (double)i + 1.0);
            for (size_t j = 0; j < n; j++)
                A[i * n + j] = i > j    ? -sqrt(2.0 * (double)i + 1.0) * sqrt(2.0 * (double)j + 1.0)
                               : i == j ? -((double)i + 1.0)
                                        : 0.0;
        }
        return SSM_OK;
    case SSM_HIPPO_LEGT:
        /* A[i][j] = -R_i R_j * ((-1)^(i-j) if i < j else 1), B = R. */
        for (size_t i = 0; i < n; i++) {
            double ri = sqrt(2.0 * (double)i + 1.0);
            B[i] = ri;
            for (size_t j = 0; j < n; j++) {
                double s = i < j ? (((j - i) & 1) ? -1.0 : 1.0) : 1.0;
                A[i * n + j] = -ri * s * sqrt(2.0 * (double)j + 1.0);
            }
        }
        return SSM_OK;
    case SSM_HIPPO_LMU:
        /* A[i][j] = (2i+1) * (-1 if i < j else (-1)^(i-j+1)), B = (-1)^i (2i+1). */
        for (size_t i = 0; i < n; i++) {
            double r = 2.0 * (double)i + 1.0;
            B[i] = (i & 1) ? -r : r;
            for (size_t j = 0; j < n; j++) {
                double s = i < j ? -1.0 : (((i - j + 1) & 1) ? -1.0 : 1.0);
                A[i * n + j] = s * r;
            }
        }
        return SSM_OK;
    case SSM_HIPPO_FOUT:
        /* 2 pi (diag(d, 1) - diag(d, -1)) - embed_c2r(ones), with
         * d = [0, 0, 1, 0, 2, 0, ...] (length n-1); B = 1 on even rows. */
        if (n % 2)
            return SSM_ERR_INVALID;
        memset(A, 0, n * n * sizeof *A);
        for (size_t i = 0; i + 1 < n; i++) {
            double d = (i % 2) ? 0.0 : M_PI * (double)i; /* 2 pi (i / 2), i even */
            A[i * n + i + 1] += d;
            A[(i + 1) * n + i] -= d;
        }
        for (size_t i = 0; i < n; i++) {
            B[i] = (i % 2) ? 0.0 : 1.0;
            for (size_t j = 0; j < n; j++)
                if ((i % 2) == (j % 2))
                    A[i * n + j] -= 1.0;
        }
        return SSM_OK;
    }
    return SSM_ERR_INVALID;
}

ssm_status ssm_hippo_rank_correction(ssm_hippo_measure m, size_t n, double *P, size_t *rank)
{
    switch (m) {
    case SSM_HIPPO_LEGS:
        for (size_t i = 0; i < n; i++)
            P[i] = sqrt(0.5 + (double)i);
        *rank = 1;
        return SSM_OK;
    case SSM_HIPPO_LEGT:
    case SSM_HIPPO_FOUT:
        /* Row 0 keeps the odd entries, row 1 the even ones. */
        for (size_t i = 0; i < n; i++) {
            double p = m == SSM_HIPPO_LEGT ? sqrt(1.0 + 2.0 * (double)i) : 1.0;
            P[i] = (i % 2) ? p : 0.0;
            P[n + i] = (i % 2) ? 0.0 : p;
        }
        *rank = 2;
        return SSM_OK;
    case SSM_HIPPO_LMU:
        return SSM_ERR_UNSUPPORTED;
    }
    return SSM_ERR_INVALID;
}

ssm_status ssm_hippo_dplr(ssm_hippo_measure m, size_t n, double complex *lambda, double complex *pt,
                          double complex *bt, double complex *v, size_t *rank)
{
    if (n < 2 || n % 2)
        return SSM_ERR_INVALID;
    size_t h = n / 2, r = 0;
    double *A = malloc(n * n * sizeof *A), *B = malloc(n * sizeof *B);
    double *P = malloc(SSM_HIPPO_MAX_RANK * n * sizeof *P), *w = malloc(n * sizeof *w);
    double complex *H = malloc(n * n * sizeof *H);
    ssm_status st = SSM_ERR_NOMEM;
    if (!A || !B || !P || !w || !H)
        goto out;
    if ((st = ssm_hippo_transition(m, n, A, B)) != SSM_OK)
        goto out;
    if ((st = ssm_hippo_rank_correction(m, n, P, &r)) != SSM_OK)
        goto out;
    /* S = A + P^T P; its symmetric part must be s I. */
    double s = 0.0, scale = 0.0, asym = 0.0;
    for (size_t i = 0; i < n; i++)
        for (size_t j = 0; j < n; j++) {
            double x = A[i * n + j];
            for (size_t k = 0; k < r; k++)
                x += P[k * n + i] * P[k * n + j];
            A[i * n + j] = x;
            scale = fmax(scale, fabs(x));
        }
    for (size_t i = 0; i < n; i++)
        s += A[i * n + i] / (double)n;
    for (size_t i = 0; i < n; i++)
        for (size_t j = 0; j < n; j++) {
            double sym = 0.5 * (A[i * n + j] + A[j * n + i]) - (i == j ? s : 0.0);
            asym = fmax(asym, fabs(sym));
            /* H = -i (S - s I) is Hermitian with eigenvalues in +- pairs. */
            H[i * n + j] = -I * (A[i * n + j] - (i == j ? s : 0.0));
        }
    if (asym > 1e-12 * scale) {
        st = SSM_ERR_INVALID;
        goto out;
    }
    if ((st = ssm_eig_hermitian(n, H, w, H)) != SSM_OK)
        goto out;
    /* Ascending order: the upper half are the positive frequencies. A zero
     * frequency (FouT's constant term) has a real eigenvector that is its
     * own conjugate, so the half system cannot represent it. */
    if (w[h] <= 1e-9 * scale) {
        st = SSM_ERR_UNSUPPORTED;
        goto out;
    }
    for (size_t k = 0; k < h; k++) {
        size_t col = h + k;
        lambda[k] = s + I * w[col];
        double complex acc_b = 0.0;
        for (size_t i = 0; i < n; i++)
            acc_b += conj(H[i * n + col]) * B[i];
        bt[k] = acc_b;
        for (size_t q = 0; q < r; q++) {
            double complex acc = 0.0;
            for (size_t i = 0; i < n; i++)
                acc += conj(H[i * n + col]) * P[q * n + i];
            pt[q * h + k] = acc;
        }
        if (v)
            for (size_t i = 0; i < n; i++)
                v[i * h + k] = H[i * n + col];
    }
    *rank = r;
out:
    free(A), free(B), free(P), free(w), free(H);
    return st;
}
