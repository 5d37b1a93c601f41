/* Dense eigensolvers for activation-time work (HiPPO DPLR, pole checks).
 * Thin wrappers over LAPACK (Debian liblapack-dev); they allocate, so they
 * never run inside a process call. Matrices here are double precision. */
#ifndef SSM_EIG_H
#define SSM_EIG_H

#include <complex.h>

#include "ssm/common.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Hermitian eigendecomposition H = U diag(w) U^*, eigenvalues ascending.
 * h: n x n row-major Hermitian (read); u: n x n row-major, column k is the
 * unit eigenvector of w[k] (u may alias h). */
ssm_status ssm_eig_hermitian(size_t n, const double complex *h, double *w, double complex *u);

/* Eigenvalues of a real general n x n row-major matrix (no vectors). */
ssm_status ssm_eigvals_real(size_t n, const double *a, double complex *lambda);

#ifdef __cplusplus
}
#endif
#endif
