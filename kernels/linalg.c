#include "ssm/linalg.h"

SSM_HOT void ssm_gemv(float *restrict y, const float *restrict W, size_t ldw,
                      const float *restrict x, const float *restrict b, size_t rows, size_t cols)
{
    for (size_t r = 0; r < rows; r++) {
        const float *w = W + r * ldw;
        /* Four partial sums break the add dependency chain so the compiler
         * can keep several FMA pipes busy. */
        float s0 = 0.0f, s1 = 0.0f, s2 = 0.0f, s3 = 0.0f;
        size_t c = 0;
        for (; c + 4 <= cols; c += 4) {
            s0 += w[c] * x[c];
            s1 += w[c + 1] * x[c + 1];
            s2 += w[c + 2] * x[c + 2];
            s3 += w[c + 3] * x[c + 3];
        }
        for (; c < cols; c++)
            s0 += w[c] * x[c];
        y[r] = (b ? b[r] : 0.0f) + (s0 + s1) + (s2 + s3);
    }
}

SSM_HOT void ssm_gemm_nt(float *restrict Y, size_t ldy, const float *restrict X, size_t ldx,
                         const float *restrict W, size_t ldw, const float *restrict b, size_t n,
                         size_t rows, size_t cols)
{
    for (size_t i = 0; i < n; i++)
        ssm_gemv(Y + i * ldy, W, ldw, X + i * ldx, b, rows, cols);
}

/* Outputs are done in register-sized blocks: a block's accumulators stay
 * in vector registers across the whole sweep over the inputs, so each
 * weight is loaded once and each output stored once. Blocks of 64 (four
 * AVX-512 registers), then 16, then single outputs. */
static inline void gemv_t_block(float *restrict y, const float *restrict Wt, size_t ldwt,
                                const float *restrict x, const float *restrict b, size_t cols,
                                size_t nb)
{
    float acc[64];
    for (size_t r = 0; r < nb; r++)
        acc[r] = b ? b[r] : 0.0f;
    for (size_t c = 0; c < cols; c++) {
        const float *w = Wt + c * ldwt;
        const float xc = x[c];
        for (size_t r = 0; r < nb; r++)
            acc[r] += w[r] * xc;
    }
    for (size_t r = 0; r < nb; r++)
        y[r] = acc[r];
}

SSM_HOT void ssm_gemv_t(float *restrict y, const float *restrict Wt, size_t ldwt,
                        const float *restrict x, const float *restrict b, size_t rows, size_t cols)
{
    size_t r0 = 0;
    for (; r0 + 64 <= rows; r0 += 64)
        gemv_t_block(y + r0, Wt + r0, ldwt, x, b ? b + r0 : NULL, cols, 64);
    for (; r0 + 16 <= rows; r0 += 16)
        gemv_t_block(y + r0, Wt + r0, ldwt, x, b ? b + r0 : NULL, cols, 16);
    for (; r0 < rows; r0++) {
        float acc = b ? b[r0] : 0.0f;
        for (size_t c = 0; c < cols; c++)
            acc += Wt[c * ldwt + r0] * x[c];
        y[r0] = acc;
    }
}

void ssm_gemm_t(float *restrict Y, size_t ldy, const float *restrict X, size_t ldx,
                const float *restrict Wt, size_t ldwt, const float *restrict b, size_t n,
                size_t rows, size_t cols)
{
    for (size_t i = 0; i < n; i++)
        ssm_gemv_t(Y + i * ldy, Wt, ldwt, X + i * ldx, b, rows, cols);
}

void ssm_transpose(float *restrict dst, const float *restrict src, size_t rows, size_t cols)
{
    for (size_t r = 0; r < rows; r++)
        for (size_t c = 0; c < cols; c++)
            dst[c * rows + r] = src[r * cols + c];
}
