/* HiPPO transition matrices and their structured (NPLR / DPLR) forms.
 *
 * Reference: state-spaces/s4, src/models/hippo/hippo.py: transition(),
 * rank_correction() and nplr(). Everything here is double precision and
 * runs at create/activate time (it allocates).
 */
#ifndef SSM_HIPPO_H
#define SSM_HIPPO_H

#include <complex.h>

#include "ssm/common.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef enum {
    SSM_HIPPO_LEGS = 0, /* Legendre, scaled measure ('legs') */
    SSM_HIPPO_LEGT,     /* Legendre, translated ('legt') */
    SSM_HIPPO_LMU,      /* LegT with the LMU normalisation ('lmu') */
    SSM_HIPPO_FOUT      /* Fourier, translated ('fourier') */
} ssm_hippo_measure;

/* The largest low-rank correction any measure needs (LegT, FouT: 2). */
#define SSM_HIPPO_MAX_RANK 2

/* A (n x n, row-major) and B (n) exactly as transition(measure, n).
 * FouT needs n even. */
ssm_status ssm_hippo_transition(ssm_hippo_measure m, size_t n, double *A, double *B);

/* P (rank x n, row-major) with A + P^T P normal, as rank_correction();
 * *rank is 1 for LegS, 2 for LegT and FouT. LMU has none (UNSUPPORTED). */
ssm_status ssm_hippo_rank_correction(ssm_hippo_measure m, size_t n, double *P, size_t *rank);

/* DPLR form in the eigenbasis of the normal part S = A + P^T P:
 *   A = V (diag(lambda) - pt pt^*) V^*,  Bt = V^* B,
 * keeping one eigenvalue of each conjugate pair (Im > 0, ascending), so
 * the n-dimensional real system is the half system plus its conjugate.
 * S is a real multiple of I plus a skew-symmetric matrix; it is
 * diagonalised by a Hermitian eigensolve of -i(S - s I) in double.
 * n even. lambda: n/2; pt: rank x n/2; bt: n/2; v: n x n/2 row-major or
 * NULL. Returns INVALID if S is not of that form. */
ssm_status ssm_hippo_dplr(ssm_hippo_measure m, size_t n, double complex *lambda, double complex *pt,
                          double complex *bt, double complex *v, size_t *rank);

#ifdef __cplusplus
}
#endif
#endif
