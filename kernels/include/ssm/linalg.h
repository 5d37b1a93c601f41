/* Dense linear algebra used by layers: matrix-vector and small matrix products.
 * Matrices are row-major with an explicit leading dimension. */
#ifndef SSM_LINALG_H
#define SSM_LINALG_H

#include "ssm/common.h"

#ifdef __cplusplus
extern "C" {
#endif

/* y[r] = b[r] + sum_c W[r*ldw + c] x[c], r < rows, c < cols (b may be NULL).
 * y must not alias x. */
void ssm_gemv(float *restrict y, const float *restrict W, size_t ldw, const float *restrict x,
              const float *restrict b, size_t rows, size_t cols);

/* The same map with the weights stored transposed (column-major W):
 * y[r] = b[r] + sum_c Wt[c*ldwt + r] x[c]. Each input scales one
 * contiguous weight row, so the loop vectorises over outputs with no
 * horizontal reductions: the fast form for the small, square-ish matrices
 * of a per-sample step. Sums in c order. y must not alias x. */
void ssm_gemv_t(float *restrict y, const float *restrict Wt, size_t ldwt, const float *restrict x,
                const float *restrict b, size_t rows, size_t cols);

/* Y (n x rows) = X (n x cols) W + b with W given transposed as above
 * (Wt, cols x rows): ssm_gemv_t on each row of X. */
void ssm_gemm_t(float *restrict Y, size_t ldy, const float *restrict X, size_t ldx,
                const float *restrict Wt, size_t ldwt, const float *restrict b, size_t n,
                size_t rows, size_t cols);

/* ssm_gemm_t with the weights packed once by ssm_gemm_pack (Wp: rows x
 * cols floats, a layout private to the SIMD level the dispatch runs at:
 * pack and product pick it by the same test). The same sums in the same
 * order, so the same results as ssm_gemm_t, bit for bit; faster where the
 * weights stream from L2 (a few frames per call). */
void ssm_gemm_pack(float *restrict Wp, const float *restrict Wt, size_t ldwt, size_t rows,
                   size_t cols);
/* The same packing from W in its own layout (W[r*ldw + c], as ssm_gemm_nt
 * and torch's nn.Linear keep it): no transposed copy needed first. */
void ssm_gemm_pack_nt(float *restrict Wp, const float *restrict W, size_t ldw, size_t rows,
                      size_t cols);
void ssm_gemm_p(float *restrict Y, size_t ldy, const float *restrict X, size_t ldx,
                const float *restrict Wp, const float *restrict b, size_t n, size_t rows,
                size_t cols);

/* y[i] = a[i] + b[i] and y[i] = a[i] b[i], i < n (y may be a or b): the
 * element-wise glue of a layer graph (residual adds, masks), vectorised at
 * the dispatch's SIMD level. */
void ssm_add(float *y, const float *a, const float *b, size_t n);
void ssm_mul(float *y, const float *a, const float *b, size_t n);

/* Transpose a rows x cols row-major matrix into dst (cols x rows), so a
 * layer can keep ssm_gemv_t-ready copies of torch-layout weights. */
void ssm_transpose(float *restrict dst, const float *restrict src, size_t rows, size_t cols);

/* Y (n x rows) = X (n x cols) W^T + b: the same linear map on n vectors,
 * row i of X at X + i*ldx, row i of Y at Y + i*ldy. */
void ssm_gemm_nt(float *restrict Y, size_t ldy, const float *restrict X, size_t ldx,
                 const float *restrict W, size_t ldw, const float *restrict b, size_t n,
                 size_t rows, size_t cols);

#ifdef __cplusplus
}
#endif
#endif
