/* ssm-bench section linalg: the dense products of the networks' linear
 * layers (ssm_gemm_t: Y[n][rows] = X[n][cols] Wt + b) at the sizes the
 * denoisers use (widths 64..256, the 96-tap filterbank) and at the frame
 * counts a call brings: 1 (a 64-frame host block at a 48-sample hop), 2-3
 * (block 128), 8, and 171 (an 8192-frame offline block). Flops 2 rows cols
 * per frame; GFLOP/s and the share of the measured FMA peak. */
#include <stdio.h>
#include <stdlib.h>

#include "bench.h"
#include "ssm/kernels.h"

void bench_linalg(const bench_opts *o)
{
    static const size_t shapes[][2] = {{128, 96},  {96, 128},  {64, 64},  {128, 128},
                                       {256, 128}, {192, 192}, {256, 256}};
    static const size_t frames[] = {1, 2, 3, 8, 171};
    printf("== ssm_gemm_t at the networks' sizes (rows x cols, n frames per call) ==\n");
    printf("| rows x cols | n | ns per frame | GFLOP/s | %% peak |\n|---|---|---|---|---|\n");
    for (size_t s = 0; s < sizeof shapes / sizeof shapes[0]; s++) {
        const size_t rows = shapes[s][0], cols = shapes[s][1];
        float *Wt = malloc(rows * cols * sizeof *Wt), *b = malloc(rows * sizeof *b);
        float *X = malloc(171 * cols * sizeof *X), *Y = malloc(171 * rows * sizeof *Y);
        bench_noise(Wt, rows * cols, 1);
        bench_noise(b, rows, 2);
        bench_noise(X, 171 * cols, 3);
        for (size_t k = 0; k < sizeof frames / sizeof frames[0]; k++) {
            const size_t n = frames[k];
            /* About 20 ms of work per timed run (100 in --quick's 1/5). */
            const double flops = 2.0 * (double)rows * (double)cols * (double)n;
            const long reps = (long)((o->quick ? 4e8 : 2e9) / flops) + 1;
            double t[5];
            for (int r = 0; r < 5; r++) {
                const double t0 = bench_now(BENCH_THREAD_CPU);
                for (long i = 0; i < reps; i++)
                    ssm_gemm_t(Y, rows, X, cols, Wt, rows, b, n, rows, cols);
                t[r] = bench_now(BENCH_THREAD_CPU) - t0;
            }
            bench_median5(t);
            const double sec = t[2] / (double)reps; /* median */
            const double gf = flops / sec * 1e-9;
            printf("| %zu x %zu | %zu | %.1f | %.1f | %.0f |\n", rows, cols, n,
                   sec * 1e9 / (double)n, gf, 100.0 * gf / bench_peak());
        }
        free(Wt), free(b), free(X), free(Y);
    }
    printf("\n");
}
