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
