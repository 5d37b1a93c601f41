/* GEMV / GEMM against a double-precision triple loop, odd sizes included so
 * the unrolled tails run. */
#include "../harness.h"
#include "ssm/kernels.h"

int main(void)
{
    th_rng r = {0x1234567ULL};
    const size_t shapes[][2] = {{1, 1}, {3, 5}, {17, 33}, {64, 64}, {128, 257}};
    for (size_t s = 0; s < sizeof shapes / sizeof shapes[0]; s++) {
        size_t rows = shapes[s][0], cols = shapes[s][1], n = 7;
        float *W = malloc(rows * cols * sizeof *W), *b = malloc(rows * sizeof *b);
        float *X = malloc(n * cols * sizeof *X), *Y = malloc(n * rows * sizeof *Y);
        float *ref = malloc(n * rows * sizeof *ref);
        for (size_t i = 0; i < rows * cols; i++)
            W[i] = (float)th_normal(&r);
        for (size_t i = 0; i < rows; i++)
            b[i] = (float)th_normal(&r);
        for (size_t i = 0; i < n * cols; i++)
            X[i] = (float)th_normal(&r);
        for (size_t i = 0; i < n; i++)
            for (size_t o = 0; o < rows; o++) {
                double acc = b[o];
                for (size_t c = 0; c < cols; c++)
                    acc += (double)W[o * cols + c] * X[i * cols + c];
                ref[i * rows + o] = (float)acc;
            }
        ssm_gemm_nt(Y, rows, X, cols, W, cols, b, n, rows, cols);
        char what[64];
        snprintf(what, sizeof what, "gemm_nt %zux%zu vs double loop", rows, cols);
        th_close_f(what, Y, ref, n * rows, 1e-5);
        float *Wt = malloc(rows * cols * sizeof *Wt);
        ssm_transpose(Wt, W, rows, cols);
        ssm_gemm_t(Y, rows, X, cols, Wt, rows, b, n, rows, cols);
        snprintf(what, sizeof what, "gemm_t %zux%zu vs double loop", rows, cols);
        th_close_f(what, Y, ref, n * rows, 1e-5);
        /* The packed form: the same sums in the same order, so bit for
         * bit ssm_gemm_t's results, at every frame count a tile size or
         * tail handles (1..17), into a wider output (ldy > rows). */
        float *Wp = malloc(rows * cols * sizeof *Wp), *Yt = malloc(17 * (rows + 3) * sizeof *Yt),
              *Yp = malloc(17 * (rows + 3) * sizeof *Yp), *X17 = malloc(17 * cols * sizeof *X17);
        for (size_t i = 0; i < 17 * cols; i++)
            X17[i] = (float)th_normal(&r);
        float *Wq = malloc(rows * cols * sizeof *Wq);
        ssm_gemm_pack(Wp, Wt, rows, rows, cols);
        ssm_gemm_pack_nt(Wq, W, cols, rows, cols);
        CHECK(memcmp(Wp, Wq, rows * cols * sizeof *Wp) == 0,
              "gemm_pack_nt %zux%zu (from W) packs as gemm_pack (from Wt)", rows, cols);
        free(Wq);
        int same = 1;
        for (size_t m = 1; m <= 17; m++) {
            memset(Yt, 0, 17 * (rows + 3) * sizeof *Yt);
            memset(Yp, 0, 17 * (rows + 3) * sizeof *Yp);
            ssm_gemm_t(Yt, rows + 3, X17, cols, Wt, rows, b, m, rows, cols);
            ssm_gemm_p(Yp, rows + 3, X17, cols, Wp, m % 2 ? b : NULL, m, rows, cols);
            if (m % 2 == 0)
                ssm_gemm_t(Yt, rows + 3, X17, cols, Wt, rows, NULL, m, rows, cols);
            same &= memcmp(Yt, Yp, 17 * (rows + 3) * sizeof *Yt) == 0;
        }
        CHECK(same, "gemm_p %zux%zu equals gemm_t bit for bit (1..17 frames)", rows, cols);
        free(Wp), free(Yt), free(Yp), free(X17);
        free(Wt);
        free(W), free(b), free(X), free(Y), free(ref);
    }
    /* The element-wise helpers, in place too, at lengths around the
     * vector widths. */
    for (size_t n = 1; n < 70; n += 13) {
        float a[70], b[70], y[70], want[70];
        for (size_t i = 0; i < n; i++) {
            a[i] = (float)th_normal(&r);
            b[i] = (float)th_normal(&r);
        }
        ssm_add(y, a, b, n);
        int ok = 1;
        for (size_t i = 0; i < n; i++)
            ok &= y[i] == a[i] + b[i];
        ssm_mul(y, a, b, n);
        for (size_t i = 0; i < n; i++)
            ok &= y[i] == a[i] * b[i];
        for (size_t i = 0; i < n; i++)
            want[i] = a[i] * b[i] + b[i];
        ssm_mul(a, a, b, n);
        ssm_add(a, a, b, n);
        for (size_t i = 0; i < n; i++)
            ok &= a[i] == want[i];
        CHECK(ok, "ssm_add / ssm_mul at n = %zu", n);
    }
    return th_finish("test_linalg");
}
