#include <stdlib.h>
#include <string.h>

#include "ssm/eig.h"

/* LAPACK's Fortran entry points; the trailing size_t are the hidden lengths
 * of the character arguments (gfortran ABI). LAPACK is column-major. */
void zheev_(const char *jobz, const char *uplo, const int *n, double complex *a, const int *lda,
            double *w, double complex *work, const int *lwork, double *rwork, int *info, size_t,
            size_t);
void dgeev_(const char *jobvl, const char *jobvr, const int *n, double *a, const int *lda,
            double *wr, double *wi, double *vl, const int *ldvl, double *vr, const int *ldvr,
            double *work, const int *lwork, int *info, size_t, size_t);

ssm_status ssm_eig_hermitian(size_t n, const double complex *h, double *w, double complex *u)
{
    if (n == 0 || n > 65536)
        return SSM_ERR_INVALID;
    int ni = (int)n, info = 0, lwork = -1;
    double complex *a = malloc(n * n * sizeof *a);
    double *rwork = malloc((3 * n) * sizeof *rwork);
    if (!a || !rwork) {
        free(a), free(rwork);
        return SSM_ERR_NOMEM;
    }
    for (size_t i = 0; i < n; i++)
        for (size_t j = 0; j < n; j++)
            a[i + j * n] = h[i * n + j];
    double complex q;
    zheev_("V", "U", &ni, a, &ni, w, &q, &lwork, rwork, &info, 1, 1);
    lwork = (int)creal(q);
    double complex *work = malloc((size_t)lwork * sizeof *work);
    if (!work) {
        free(a), free(rwork);
        return SSM_ERR_NOMEM;
    }
    zheev_("V", "U", &ni, a, &ni, w, work, &lwork, rwork, &info, 1, 1);
    if (info == 0)
        for (size_t i = 0; i < n; i++)
            for (size_t j = 0; j < n; j++)
                u[i * n + j] = a[i + j * n];
    free(a), free(rwork), free(work);
    return info == 0 ? SSM_OK : SSM_ERR_INVALID;
}

ssm_status ssm_eigvals_real(size_t n, const double *a_in, double complex *lambda)
{
    if (n == 0 || n > 65536)
        return SSM_ERR_INVALID;
    int ni = (int)n, info = 0, lwork = -1, one = 1;
    double *a = malloc(n * n * sizeof *a), *wr = malloc(n * sizeof *wr),
           *wi = malloc(n * sizeof *wi);
    if (!a || !wr || !wi) {
        free(a), free(wr), free(wi);
        return SSM_ERR_NOMEM;
    }
    for (size_t i = 0; i < n; i++)
        for (size_t j = 0; j < n; j++)
            a[i + j * n] = a_in[i * n + j];
    double q, dummy = 0.0;
    dgeev_("N", "N", &ni, a, &ni, wr, wi, &dummy, &one, &dummy, &one, &q, &lwork, &info, 1, 1);
    lwork = (int)q;
    double *work = malloc((size_t)lwork * sizeof *work);
    if (work) {
        dgeev_("N", "N", &ni, a, &ni, wr, wi, &dummy, &one, &dummy, &one, work, &lwork, &info, 1,
               1);
        for (size_t i = 0; i < n; i++)
            lambda[i] = wr[i] + I * wi[i];
    }
    free(a), free(wr), free(wi), free(work);
    if (!work)
        return SSM_ERR_NOMEM;
    return info == 0 ? SSM_OK : SSM_ERR_INVALID;
}
