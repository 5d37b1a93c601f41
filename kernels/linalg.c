#include "ssm/linalg.h"

#include <string.h>

#include "simd_level.h"

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

/* ---- Y = X Wt + b: register-blocked over frames and outputs ----
 *
 * A tile is F frames x V vectors of outputs. Its F x V accumulators stay in
 * vector registers while the sweep runs over the inputs: per input c the V
 * weight vectors of row c are loaded once and serve all F frames (each
 * frame's x[c] broadcast once), so a batch of frames reads the weights
 * once per F frames instead of once per frame, and F x V independent
 * multiply-add chains cover the FMA latency on every pipe. Every output is
 * b + sum over c in increasing c of one multiply-add each, whatever the
 * tile, so results do not depend on the batch size or the level's blocking
 * beyond fusing (the levels with FMA fuse each multiply-add).
 *
 * The blocking per level (vector registers: v4 32 x 16 lanes, v3 16 x 8,
 * baseline 16 x 4) keeps 16, 12, 8 accumulators live: up to FMAX frames
 * at 2 vectors, and fewer frames (a streaming call brings 1-3) at more
 * vectors (the table after FMAX and VMAX: vectors for 1, 2, ... frames), so
 * the chains still cover the FMA latency. The outputs' rest goes in 4, 2,
 * 1 vectors, then single lanes. */

/* The packed layout (ssm_gemm_pack, P = 1): the outputs in panels of one
 * vector (LANES outputs), each panel's cols x LANES weights contiguous, so
 * a tile reads V sequential streams instead of V vectors of rows ldwt
 * apart (the hardware prefetchers follow the streams: about 10 % on the
 * denoiser's products at the 2 to 3 frames a streaming call brings); the
 * outputs past the last whole panel follow as [cols][rest]. PANEL: a
 * tile's weights from its first output r0; WADDR: vector v of input c. */
#define PANEL(P, W, r0, cols) ((P) ? (W) + (r0) * (cols) : (W) + (r0))
#define WADDR(LANES, P, W, ldwt, cols, c, v)                                                       \
    ((P) ? (W) + ((size_t)(v) * (cols) + (c)) * (LANES)                                            \
         : (W) + (c) * (ldwt) + (size_t)(v) * (LANES))

typedef float gv16 __attribute__((vector_size(64)));
typedef float gv8 __attribute__((vector_size(32)));
typedef float gv4 __attribute__((vector_size(16)));

#define GEMM_LEVEL(SUF, ATTR, VT, LANES, FMAX, VMAX, ...)                                          \
    static inline __attribute__((always_inline)) void tile_##SUF(                                  \
        float *restrict Y, size_t ldy, const float *restrict X, size_t ldx,                        \
        const float *restrict Wt, size_t ldwt, const float *restrict b, size_t cols, const int F,  \
        const int V_, const int P)                                                                 \
    {                                                                                              \
        const int V = V_ < (VMAX) ? V_ : (VMAX); /* for the dead branches' sake */                 \
        VT acc[FMAX][VMAX];                                                                        \
        for (int v = 0; v < V; v++) {                                                              \
            VT b0 = (VT){0};                                                                       \
            if (b)                                                                                 \
                memcpy(&b0, b + (size_t)v * (LANES), sizeof(VT));                                  \
            for (int f = 0; f < F; f++)                                                            \
                acc[f][v] = b0;                                                                    \
        }                                                                                          \
        for (size_t c = 0; c < cols; c++) {                                                        \
            /* Hold the smaller of the two operand sets in registers and                           \
             * stream the other, so F x V + min(F, V) + 1 registers suffice. */                    \
            if (F <= V) {                                                                          \
                for (int v = 0; v < V; v++) {                                                      \
                    VT w;                                                                          \
                    memcpy(&w, WADDR(LANES, P, Wt, ldwt, cols, c, v), sizeof(VT));                 \
                    for (int f = 0; f < F; f++) /* the broadcasts are loaded once (CSE) */         \
                        acc[f][v] += w * (X[(size_t)f * ldx + c] - (VT){0});                       \
                }                                                                                  \
            } else {                                                                               \
                VT w[VMAX];                                                                        \
                for (int v = 0; v < V; v++)                                                        \
                    memcpy(&w[v], WADDR(LANES, P, Wt, ldwt, cols, c, v), sizeof(VT));              \
                for (int f = 0; f < F; f++) {                                                      \
                    const VT xf = X[(size_t)f * ldx + c] - (VT){0};                                \
                    for (int v = 0; v < V; v++)                                                    \
                        acc[f][v] += w[v] * xf;                                                    \
                }                                                                                  \
            }                                                                                      \
        }                                                                                          \
        for (int f = 0; f < F; f++)                                                                \
            for (int v = 0; v < V; v++)                                                            \
                memcpy(Y + (size_t)f * ldy + (size_t)v * (LANES), &acc[f][v], sizeof(VT));         \
    }                                                                                              \
                                                                                                   \
    /* F frames (a constant) over all outputs: panels of VF vectors, the                           \
     * rest in 4, 2, 1 vectors, then lane by lane. */                                              \
    static inline __attribute__((always_inline)) void rows_##SUF(                                  \
        float *restrict Y, size_t ldy, const float *restrict X, size_t ldx,                        \
        const float *restrict Wt, size_t ldwt, const float *restrict b, size_t rows, size_t cols,  \
        const int F, const int P)                                                                  \
    {                                                                                              \
        static const int vtab[] = {__VA_ARGS__};                                                   \
        const int VF = vtab[F - 1];                                                                \
        size_t r0 = 0;                                                                             \
        for (; r0 + (size_t)VF * (LANES) <= rows; r0 += (size_t)VF * (LANES))                      \
            tile_##SUF(Y + r0, ldy, X, ldx, PANEL(P, Wt, r0, cols), ldwt, b ? b + r0 : NULL, cols, \
                       F, VF, P);                                                                  \
        if (VF > 4 && r0 + 4 * (LANES) <= rows) {                                                  \
            tile_##SUF(Y + r0, ldy, X, ldx, PANEL(P, Wt, r0, cols), ldwt, b ? b + r0 : NULL, cols, \
                       F, VF > 4 ? 4 : 1, P);                                                      \
            r0 += 4 * (LANES);                                                                     \
        }                                                                                          \
        if (VF > 2 && r0 + 2 * (LANES) <= rows) {                                                  \
            tile_##SUF(Y + r0, ldy, X, ldx, PANEL(P, Wt, r0, cols), ldwt, b ? b + r0 : NULL, cols, \
                       F, VF > 2 ? 2 : 1, P);                                                      \
            r0 += 2 * (LANES);                                                                     \
        }                                                                                          \
        if (VF > 1 && r0 + (LANES) <= rows) {                                                      \
            tile_##SUF(Y + r0, ldy, X, ldx, PANEL(P, Wt, r0, cols), ldwt, b ? b + r0 : NULL, cols, \
                       F, 1, P);                                                                   \
            r0 += (LANES);                                                                         \
        }                                                                                          \
        /* The F frames' sums side by side: F independent chains, where                            \
         * one frame after another is a chain of dependent multiply-adds                           \
         * the length of the row (a narrow head such as a 1-wide meter). */                        \
        const size_t full = r0;                                                                    \
        for (; r0 < rows; r0++) {                                                                  \
            float a[FMAX];                                                                         \
            for (int f = 0; f < F; f++)                                                            \
                a[f] = b ? b[r0] : 0.0f;                                                           \
            for (size_t c = 0; c < cols; c++) {                                                    \
                const float w =                                                                    \
                    P ? Wt[full * cols + c * (rows - full) + (r0 - full)] : Wt[c * ldwt + r0];     \
                for (int f = 0; f < F; f++)                                                        \
                    a[f] += w * X[(size_t)f * ldx + c];                                            \
            }                                                                                      \
            for (int f = 0; f < F; f++)                                                            \
                Y[(size_t)f * ldy + r0] = a[f];                                                    \
        }                                                                                          \
    }                                                                                              \
                                                                                                   \
    /* Frames in blocks of FMAX, the rest as one block of a constant size                          \
     * (the cases at or above FMAX never run). */                                                  \
    static inline __attribute__((always_inline)) void gemm_##SUF(                                  \
        float *restrict Y, size_t ldy, const float *restrict X, size_t ldx,                        \
        const float *restrict Wt, size_t ldwt, const float *restrict b, size_t n, size_t rows,     \
        size_t cols, const int P)                                                                  \
    {                                                                                              \
        size_t i = 0;                                                                              \
        for (; i + (FMAX) <= n; i += (FMAX))                                                       \
            rows_##SUF(Y + i * ldy, ldy, X + i * ldx, ldx, Wt, ldwt, b, rows, cols, FMAX, P);      \
        Y += i * ldy;                                                                              \
        X += i * ldx;                                                                              \
        switch (n - i) {                                                                           \
        case 7:                                                                                    \
            rows_##SUF(Y, ldy, X, ldx, Wt, ldwt, b, rows, cols, (FMAX) > 7 ? 7 : 1, P);            \
            break;                                                                                 \
        case 6:                                                                                    \
            rows_##SUF(Y, ldy, X, ldx, Wt, ldwt, b, rows, cols, (FMAX) > 6 ? 6 : 1, P);            \
            break;                                                                                 \
        case 5:                                                                                    \
            rows_##SUF(Y, ldy, X, ldx, Wt, ldwt, b, rows, cols, (FMAX) > 5 ? 5 : 1, P);            \
            break;                                                                                 \
        case 4:                                                                                    \
            rows_##SUF(Y, ldy, X, ldx, Wt, ldwt, b, rows, cols, (FMAX) > 4 ? 4 : 1, P);            \
            break;                                                                                 \
        case 3:                                                                                    \
            rows_##SUF(Y, ldy, X, ldx, Wt, ldwt, b, rows, cols, 3, P);                             \
            break;                                                                                 \
        case 2:                                                                                    \
            rows_##SUF(Y, ldy, X, ldx, Wt, ldwt, b, rows, cols, 2, P);                             \
            break;                                                                                 \
        case 1:                                                                                    \
            rows_##SUF(Y, ldy, X, ldx, Wt, ldwt, b, rows, cols, 1, P);                             \
            break;                                                                                 \
        default:                                                                                   \
            break;                                                                                 \
        }                                                                                          \
    }                                                                                              \
                                                                                                   \
    ATTR static void gemm_t_##SUF(float *restrict Y, size_t ldy, const float *restrict X,          \
                                  size_t ldx, const float *restrict Wt, size_t ldwt,               \
                                  const float *restrict b, size_t n, size_t rows, size_t cols)     \
    {                                                                                              \
        gemm_##SUF(Y, ldy, X, ldx, Wt, ldwt, b, n, rows, cols, 0);                                 \
    }                                                                                              \
                                                                                                   \
    ATTR static void gemm_p_##SUF(float *restrict Y, size_t ldy, const float *restrict X,          \
                                  size_t ldx, const float *restrict Wp, const float *restrict b,   \
                                  size_t n, size_t rows, size_t cols)                              \
    {                                                                                              \
        gemm_##SUF(Y, ldy, X, ldx, Wp, 0, b, n, rows, cols, 1);                                    \
    }

typedef void (*gemm_t_fn)(float *restrict, size_t, const float *restrict, size_t,
                          const float *restrict, size_t, const float *restrict, size_t, size_t,
                          size_t);
typedef void (*gemm_p_fn)(float *restrict, size_t, const float *restrict, size_t,
                          const float *restrict, const float *restrict, size_t, size_t, size_t);

GEMM_LEVEL(base, , gv4, 4, 4, 4, 4, 4, 2, 2)
#if defined(SSM_SIMD_DISPATCH)
GEMM_LEVEL(v3, __attribute__((target("arch=x86-64-v3"))), gv8, 8, 6, 8, 8, 4, 3, 3, 2, 2)
#if defined(SSM_SIMD_V4)
GEMM_LEVEL(v4, __attribute__((target("arch=x86-64-v4"))), gv16, 16, 8, 8, 8, 8, 6, 4, 3, 2, 2, 2)
#endif

/* A hand-written ifunc: the blocking differs per level, which one body
 * cloned by target_clones cannot express. Chosen by the same test as the
 * clones (simd_level.h), once, at load time. */
static gemm_t_fn resolve_gemm_t(void)
{
    switch (ssm_simd_level_now()) {
#if defined(SSM_SIMD_V4)
    case SSM_SIMD_X86_64_V4:
        return gemm_t_v4;
#endif
    case SSM_SIMD_X86_64_V3:
        return gemm_t_v3;
    default:
        return gemm_t_base;
    }
}

void ssm_gemm_t(float *restrict Y, size_t ldy, const float *restrict X, size_t ldx,
                const float *restrict Wt, size_t ldwt, const float *restrict b, size_t n,
                size_t rows, size_t cols) __attribute__((ifunc("resolve_gemm_t")));

static gemm_p_fn resolve_gemm_p(void)
{
    switch (ssm_simd_level_now()) {
#if defined(SSM_SIMD_V4)
    case SSM_SIMD_X86_64_V4:
        return gemm_p_v4;
#endif
    case SSM_SIMD_X86_64_V3:
        return gemm_p_v3;
    default:
        return gemm_p_base;
    }
}

void ssm_gemm_p(float *restrict Y, size_t ldy, const float *restrict X, size_t ldx,
                const float *restrict Wp, const float *restrict b, size_t n, size_t rows,
                size_t cols) __attribute__((ifunc("resolve_gemm_p")));

/* The panel width of the level ssm_gemm_p runs at: the same switch. */
static size_t pack_lanes(void)
{
    switch (ssm_simd_level_now()) {
#if defined(SSM_SIMD_V4)
    case SSM_SIMD_X86_64_V4:
        return 16;
#endif
    case SSM_SIMD_X86_64_V3:
        return 8;
    default:
        return 4;
    }
}
#else
void ssm_gemm_t(float *restrict Y, size_t ldy, const float *restrict X, size_t ldx,
                const float *restrict Wt, size_t ldwt, const float *restrict b, size_t n,
                size_t rows, size_t cols)
{
    gemm_t_base(Y, ldy, X, ldx, Wt, ldwt, b, n, rows, cols);
}

void ssm_gemm_p(float *restrict Y, size_t ldy, const float *restrict X, size_t ldx,
                const float *restrict Wp, const float *restrict b, size_t n, size_t rows,
                size_t cols)
{
    gemm_p_base(Y, ldy, X, ldx, Wp, b, n, rows, cols);
}

static size_t pack_lanes(void)
{
    return 4;
}
#endif

void ssm_gemm_pack_nt(float *restrict Wp, const float *restrict W, size_t ldw, size_t rows,
                      size_t cols)
{
    const size_t lanes = pack_lanes(), full = rows / lanes * lanes;
    for (size_t r0 = 0; r0 < full; r0 += lanes)
        for (size_t j = 0; j < lanes; j++)
            for (size_t c = 0; c < cols; c++)
                Wp[r0 * cols + c * lanes + j] = W[(r0 + j) * ldw + c];
    for (size_t r = full; r < rows; r++)
        for (size_t c = 0; c < cols; c++)
            Wp[full * cols + c * (rows - full) + (r - full)] = W[r * ldw + c];
}

void ssm_gemm_pack(float *restrict Wp, const float *restrict Wt, size_t ldwt, size_t rows,
                   size_t cols)
{
    const size_t lanes = pack_lanes(), full = rows / lanes * lanes;
    for (size_t r0 = 0; r0 < full; r0 += lanes)
        for (size_t c = 0; c < cols; c++)
            memcpy(Wp + r0 * cols + c * lanes, Wt + c * ldwt + r0, lanes * sizeof(float));
    for (size_t c = 0; c < cols; c++)
        memcpy(Wp + full * cols + c * (rows - full), Wt + c * ldwt + full,
               (rows - full) * sizeof(float));
}

void ssm_gemv_t(float *restrict y, const float *restrict Wt, size_t ldwt, const float *restrict x,
                const float *restrict b, size_t rows, size_t cols)
{
    ssm_gemm_t(y, rows, x, cols, Wt, ldwt, b, 1, rows, cols);
}

SSM_HOT void ssm_add(float *y, const float *a, const float *b, size_t n)
{
    for (size_t i = 0; i < n; i++)
        y[i] = a[i] + b[i];
}

SSM_HOT void ssm_mul(float *y, const float *a, const float *b, size_t n)
{
    for (size_t i = 0; i < n; i++)
        y[i] = a[i] * b[i];
}

void ssm_transpose(float *restrict dst, const float *restrict src, size_t rows, size_t cols)
{
    for (size_t r = 0; r < rows; r++)
        for (size_t c = 0; c < cols; c++)
            dst[c * rows + r] = src[r * cols + c];
}
