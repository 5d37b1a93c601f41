/* Private to kernels/: the inner loops of the diagonal bank (the recurrence
 * with fixed and gliding coefficients, and the dense products of the
 * chunked form), written once for a native vector of NL lanes and compiled
 * once per SIMD level by kernels/diag_simd.c, which defines before each
 * inclusion:
 *
 *   NL        lanes of the level's vector register: 16 (AVX-512), 8 (AVX2),
 *             4 (SSE2)
 *   SFX(x)    the level's name for x
 *   TGT       the level's target attribute (empty for the baseline)
 *   GROUPS_L  native vectors of modes a recurrence tile keeps in registers
 *             (6 of them each: lambda, w, state, re and im)
 *   GLIDE_L   the same while gliding (4 more each)
 *   KB_L      sub-chunks gemm_out accumulates at once
 *   LANES_MB  modes the turned bank's recurrence keeps in registers (6
 *             vectors each, ssm_diag_lanes)
 *
 * Why per level and not one 16-float vector type: where the target has no
 * 512-bit registers, GCC gives a 64-byte vector no machine mode, so every
 * variable of that type lives in memory and each operation goes through
 * the stack (the AVX2 clones of the single-width code ran 5-25x slower
 * than the AVX-512 ones). A mode group stays SSM_DIAG_LANES = 16 wide in
 * memory; a level handles it as 16 / NL native vectors.
 */

typedef float SFX(nv) __attribute__((vector_size(NL * sizeof(float))));
/* The same, to read and write float arrays through: aligned to its size
 * (every mode group, state row and table row starts at a multiple of 16
 * floats in a 64-byte aligned array), allowed to alias float. A memcpy
 * load would do, but GCC splits it into 16-byte pieces for the generic
 * tuning of the v3 clones, and the full-width reload of those pieces then
 * misses store-to-load forwarding. */
typedef float SFX(nva) __attribute__((vector_size(NL * sizeof(float)), may_alias));
#define NV           SFX(nv)
#define NLOAD(v, p)  ((v) = *(const SFX(nva) *)(const void *)(p))
#define NSTORE(p, v) (*(SFX(nva) *)(void *)(p) = (v))
#define AINLINE      static inline __attribute__((always_inline))
/* x - 0 broadcasts x (x + 0 is not x for x = -0, so GCC would add first). */
#define SPLAT(x) ((x) - (NV){0})

/* The level's names of the helpers below. */
#define lane_sums_L     SFX(lane_sums)
#define hsum_L          SFX(hsum)
#define reduce_tile_L   SFX(reduce_tile)
#define tile_L          SFX(tile)
#define tile_g_L        SFX(tile_g)
#define run_channel_L   SFX(run_channel)
#define tile_channels_L SFX(tile_channels)
#define run_channels_L  SFX(run_channels)
#define run_bank_L      SFX(run_bank)
#define run_span_L      SFX(run_span)
#define lanes_block_L   SFX(lanes_block)
#define lanes_rest_L    SFX(lanes_rest)
#define lanes_run_L     SFX(lanes_run)

/* s[t] = sum of the NL lanes of p[t], t < NL, as one vector: a transposing
 * tree (each level adds the halves of every sample's lane group and packs
 * two samples' results into one vector), NL - 1 adds and 2 (NL - 1)
 * shuffles for NL samples instead of NL - 1 dependent scalar adds each. */
AINLINE void lane_sums_L(const NV *p, float *s)
{
#if NL == 16
    NV q[8], r[4], v[2];
    for (int k = 0; k < 8; k++)
        q[k] = __builtin_shufflevector(p[2 * k], p[2 * k + 1], 0, 1, 2, 3, 4, 5, 6, 7, 16, 17, 18,
                                       19, 20, 21, 22, 23) +
               __builtin_shufflevector(p[2 * k], p[2 * k + 1], 8, 9, 10, 11, 12, 13, 14, 15, 24, 25,
                                       26, 27, 28, 29, 30, 31);
    for (int k = 0; k < 4; k++)
        r[k] = __builtin_shufflevector(q[2 * k], q[2 * k + 1], 0, 1, 2, 3, 8, 9, 10, 11, 16, 17, 18,
                                       19, 24, 25, 26, 27) +
               __builtin_shufflevector(q[2 * k], q[2 * k + 1], 4, 5, 6, 7, 12, 13, 14, 15, 20, 21,
                                       22, 23, 28, 29, 30, 31);
    for (int k = 0; k < 2; k++)
        v[k] = __builtin_shufflevector(r[2 * k], r[2 * k + 1], 0, 1, 4, 5, 8, 9, 12, 13, 16, 17, 20,
                                       21, 24, 25, 28, 29) +
               __builtin_shufflevector(r[2 * k], r[2 * k + 1], 2, 3, 6, 7, 10, 11, 14, 15, 18, 19,
                                       22, 23, 26, 27, 30, 31);
    const NV o = __builtin_shufflevector(v[0], v[1], 0, 2, 4, 6, 8, 10, 12, 14, 16, 18, 20, 22, 24,
                                         26, 28, 30) +
                 __builtin_shufflevector(v[0], v[1], 1, 3, 5, 7, 9, 11, 13, 15, 17, 19, 21, 23, 25,
                                         27, 29, 31);
#elif NL == 8
    NV q[4], r[2];
    for (int k = 0; k < 4; k++)
        q[k] = __builtin_shufflevector(p[2 * k], p[2 * k + 1], 0, 1, 2, 3, 8, 9, 10, 11) +
               __builtin_shufflevector(p[2 * k], p[2 * k + 1], 4, 5, 6, 7, 12, 13, 14, 15);
    for (int k = 0; k < 2; k++)
        r[k] = __builtin_shufflevector(q[2 * k], q[2 * k + 1], 0, 1, 4, 5, 8, 9, 12, 13) +
               __builtin_shufflevector(q[2 * k], q[2 * k + 1], 2, 3, 6, 7, 10, 11, 14, 15);
    const NV o = __builtin_shufflevector(r[0], r[1], 0, 2, 4, 6, 8, 10, 12, 14) +
                 __builtin_shufflevector(r[0], r[1], 1, 3, 5, 7, 9, 11, 13, 15);
#else
    NV q[2];
    for (int k = 0; k < 2; k++)
        q[k] = __builtin_shufflevector(p[2 * k], p[2 * k + 1], 0, 1, 4, 5) +
               __builtin_shufflevector(p[2 * k], p[2 * k + 1], 2, 3, 6, 7);
    const NV o = __builtin_shufflevector(q[0], q[1], 0, 2, 4, 6) +
                 __builtin_shufflevector(q[0], q[1], 1, 3, 5, 7);
#endif
    NSTORE(s, o);
}

/* The sum of one vector's lanes, in registers (a store and NL scalar
 * reloads would stall on store-to-load forwarding). */
AINLINE float hsum_L(NV p)
{
#if NL == 16
    typedef float h8 __attribute__((vector_size(32)));
    typedef float h4 __attribute__((vector_size(16)));
    const h8 a = __builtin_shufflevector(p, p, 0, 1, 2, 3, 4, 5, 6, 7) +
                 __builtin_shufflevector(p, p, 8, 9, 10, 11, 12, 13, 14, 15);
    const h4 c =
        __builtin_shufflevector(a, a, 0, 1, 2, 3) + __builtin_shufflevector(a, a, 4, 5, 6, 7);
#elif NL == 8
    typedef float h4 __attribute__((vector_size(16)));
    const h4 c =
        __builtin_shufflevector(p, p, 0, 1, 2, 3) + __builtin_shufflevector(p, p, 4, 5, 6, 7);
#else
    const NV c = p;
#endif
    return (c[0] + c[2]) + (c[1] + c[3]);
}

/* ---- the recurrence ---- */

enum { SFX(TILE) = 64 };
#define TILE_T SFX(TILE)

/* y[t ys] = sum of part[t]'s lanes + d(t) u[t us] for t < nt, with d(t) = d0,
 * or d0 + (t_base + t + 1) dd when d glides. Whole groups of NL samples go
 * through the tree; a short rest (a call of a few samples: a frame-rate
 * layer) is summed in registers. */
AINLINE void reduce_tile_L(const NV *part, const float *u, size_t us, float *y, size_t ys,
                           size_t nt, float d0, float dd, size_t t_base, const int glide)
{
    size_t t0 = 0;
    for (; t0 + NL <= nt; t0 += NL) {
        float tmp[NL] __attribute__((aligned(NL * sizeof(float))));
        lane_sums_L(part + t0, tmp);
        for (size_t j = 0; j < NL; j++) {
            const float dt = glide ? d0 + (float)(t_base + t0 + j + 1) * dd : d0;
            y[(t0 + j) * ys] = tmp[j] + dt * u[(t0 + j) * us];
        }
    }
    for (; t0 < nt; t0++)
        y[t0 * ys] =
            hsum_L(part[t0]) + (glide ? d0 + (float)(t_base + t0 + 1) * dd : d0) * u[t0 * us];
}

/* G native vectors of modes starting at index i over nt samples, adding
 * into part[t] (the first tile of a channel writes it instead, which saves
 * clearing it). Inlined with constant G, weighting, first and glide, so the
 * tile lives in registers. When gliding, coefficient c moves along
 * c(t) = c0 + f(t) (c1 - c0), f(t) = (t_base + t + 1) step, toward tg's
 * (the line's far end is reached exactly, not by accumulation): four more
 * vectors each, hence fewer of them. */
AINLINE void tile_L(const ssm_diag_bank *b, const ssm_diag_bank *tg, float *xr, float *xi, size_t i,
                    const int G, const int w_in, const int first, const int glide, const float *u,
                    size_t us, NV *part, size_t nt, size_t t_base, float step)
{
    NV lr[GROUPS_L], li[GROUPS_L], wr[GROUPS_L], wi[GROUPS_L], sr[GROUPS_L], si[GROUPS_L];
    NV dlr[GROUPS_L], dli[GROUPS_L], dwr[GROUPS_L], dwi[GROUPS_L];
    for (int g = 0; g < G; g++) {
        const size_t k = i + (size_t)g * NL;
        NLOAD(lr[g], b->lam_re + k);
        NLOAD(li[g], b->lam_im + k);
        NLOAD(wr[g], b->w_re + k);
        NLOAD(wi[g], b->w_im + k);
        NLOAD(sr[g], xr + k);
        NLOAD(si[g], xi + k);
        if (glide) {
            NV t;
            NLOAD(t, tg->lam_re + k);
            dlr[g] = t - lr[g];
            NLOAD(t, tg->lam_im + k);
            dli[g] = t - li[g];
            NLOAD(t, tg->w_re + k);
            dwr[g] = t - wr[g];
            NLOAD(t, tg->w_im + k);
            dwi[g] = t - wi[g];
        }
    }
    for (size_t t = 0; t < nt; t++) {
        const NV ut = SPLAT(u[t * us]);
        const NV f = SPLAT(glide ? (float)(t_base + t + 1) * step : 0.0f);
        NV acc = {0};
#pragma GCC unroll 8
        for (int g = 0; g < G; g++) {
            const NV cr = glide ? lr[g] + f * dlr[g] : lr[g];
            const NV ci = glide ? li[g] + f * dli[g] : li[g];
            const NV er = glide ? wr[g] + f * dwr[g] : wr[g];
            const NV ei = glide ? wi[g] + f * dwi[g] : wi[g];
            NV nr, ni;
            if (w_in) {
                nr = cr * sr[g] - ci * si[g] + er * ut;
                ni = cr * si[g] + ci * sr[g] + ei * ut;
                acc += nr;
            } else {
                nr = cr * sr[g] - ci * si[g] + ut;
                ni = cr * si[g] + ci * sr[g];
                acc += er * nr - ei * ni;
            }
            sr[g] = nr;
            si[g] = ni;
        }
        part[t] = first ? acc : part[t] + acc;
    }
    for (int g = 0; g < G; g++) {
        NSTORE(xr + i + (size_t)g * NL, sr[g]);
        NSTORE(xi + i + (size_t)g * NL, si[g]);
    }
}

/* A short tile of `rest` (< GMAX) native vectors, as a constant. */
#define SHORT_TILE(GMAX, rest, ...)                                                                \
    switch (rest) {                                                                                \
    case 7:                                                                                        \
        tile_g_L(__VA_ARGS__, (GMAX) > 7 ? 7 : 1);                                                 \
        break;                                                                                     \
    case 6:                                                                                        \
        tile_g_L(__VA_ARGS__, (GMAX) > 6 ? 6 : 1);                                                 \
        break;                                                                                     \
    case 5:                                                                                        \
        tile_g_L(__VA_ARGS__, (GMAX) > 5 ? 5 : 1);                                                 \
        break;                                                                                     \
    case 4:                                                                                        \
        tile_g_L(__VA_ARGS__, (GMAX) > 4 ? 4 : 1);                                                 \
        break;                                                                                     \
    case 3:                                                                                        \
        tile_g_L(__VA_ARGS__, (GMAX) > 3 ? 3 : 1);                                                 \
        break;                                                                                     \
    case 2:                                                                                        \
        tile_g_L(__VA_ARGS__, (GMAX) > 2 ? 2 : 1);                                                 \
        break;                                                                                     \
    default:                                                                                       \
        tile_g_L(__VA_ARGS__, 1);                                                                  \
        break;                                                                                     \
    }

/* The tile with its vector count last, for SHORT_TILE. */
AINLINE void tile_g_L(const ssm_diag_bank *b, const ssm_diag_bank *tg, float *xr, float *xi,
                      size_t i, const int w_in, const int glide, const float *u, size_t us,
                      NV *part, size_t nt, size_t t_base, float step, const int G)
{
    tile_L(b, tg, xr, xi, i, G, w_in, 1, glide, u, us, part, nt, t_base, step);
}

/* Channel h over n samples (sample t at in[t is], out[t os]), in tiles of
 * TILE samples x GROUPS_L vectors (GLIDE_L when gliding). */
AINLINE void run_channel_L(const ssm_diag_bank *b, const ssm_diag_bank *tg, float *xr, float *xi,
                           size_t h, const float *in, size_t is, float *out, size_t os, size_t n,
                           float step, const int w_in, const int glide)
{
    const size_t S = b->stride, base = h * S;
    const int gmax = glide ? GLIDE_L : GROUPS_L;
    const size_t width = (size_t)gmax * NL;
    const float d0 = b->d[h], dd = glide ? (tg->d[h] - b->d[h]) * step : 0.0f;
    NV part[TILE_T];
    for (size_t t0 = 0; t0 < n; t0 += TILE_T) {
        const size_t nt = n - t0 < TILE_T ? n - t0 : TILE_T;
        /* out may be in: every tile of the span reads its input before
         * reduce_tile writes the span's output (reading each sample's
         * input before writing its output). */
        const float *ubuf = in + t0 * is;
        /* The short tile (S mod width modes) first: it writes part. */
        const size_t full = S / width * width, rest = (S - full) / NL;
        if (rest) {
            if (glide) {
                SHORT_TILE(GLIDE_L, rest, b, tg, xr, xi, base + full, w_in, glide, ubuf, is, part,
                           nt, t0, step)
            } else {
                SHORT_TILE(GROUPS_L, rest, b, tg, xr, xi, base + full, w_in, glide, ubuf, is, part,
                           nt, t0, step)
            }
        } else {
            tile_L(b, tg, xr, xi, base, gmax, w_in, 1, glide, ubuf, is, part, nt, t0, step);
        }
        for (size_t k = rest ? 0 : width; k < full; k += width)
            tile_L(b, tg, xr, xi, base + k, gmax, w_in, 0, glide, ubuf, is, part, nt, t0, step);
        reduce_tile_L(part, ubuf, is, out + t0 * os, os, nt, d0, dd, t0, glide);
    }
}

/* Banks of few modes a channel (S4D with N = 32 or 64: a frame-rate
 * denoiser's layers) fill no tile on their own: one channel's few
 * recurrence chains x <- lambda x + u leave the FMA pipes waiting on their
 * latency. So CH channels of GPC vectors each (CH x GPC <= GROUPS_L) share
 * a tile, each channel with its own row of partial sums: the same
 * arithmetic per mode in the same order, more chains in flight. */
AINLINE void tile_channels_L(const ssm_diag_bank *b, float *xr, float *xi, size_t h0, const int CH,
                             const int GPC, const int w_in, const float *u, size_t u_ld, size_t us,
                             NV *part, size_t nt)
{
    const size_t S = b->stride;
    NV lr[GROUPS_L], li[GROUPS_L], wr[GROUPS_L], wi[GROUPS_L], sr[GROUPS_L], si[GROUPS_L];
    for (int g = 0; g < CH * GPC; g++) {
        const size_t k = (h0 + (size_t)(g / GPC)) * S + (size_t)(g % GPC) * NL;
        NLOAD(lr[g], b->lam_re + k);
        NLOAD(li[g], b->lam_im + k);
        NLOAD(wr[g], b->w_re + k);
        NLOAD(wi[g], b->w_im + k);
        NLOAD(sr[g], xr + k);
        NLOAD(si[g], xi + k);
    }
    for (size_t t = 0; t < nt; t++) {
        NV acc[GROUPS_L];
#pragma GCC unroll 8
        for (int c = 0; c < CH; c++)
            acc[c] = (NV){0};
#pragma GCC unroll 8
        for (int g = 0; g < CH * GPC; g++) {
            const int c = g / GPC;
            const NV ut = SPLAT(u[(size_t)c * u_ld + t * us]);
            NV nr, ni;
            if (w_in) {
                nr = lr[g] * sr[g] - li[g] * si[g] + wr[g] * ut;
                ni = lr[g] * si[g] + li[g] * sr[g] + wi[g] * ut;
                acc[c] += nr;
            } else {
                nr = lr[g] * sr[g] - li[g] * si[g] + ut;
                ni = lr[g] * si[g] + li[g] * sr[g];
                acc[c] += wr[g] * nr - wi[g] * ni;
            }
            sr[g] = nr;
            si[g] = ni;
        }
#pragma GCC unroll 8
        for (int c = 0; c < CH; c++)
            part[(size_t)c * TILE_T + t] = acc[c];
    }
    for (int g = 0; g < CH * GPC; g++) {
        const size_t k = (h0 + (size_t)(g / GPC)) * S + (size_t)(g % GPC) * NL;
        NSTORE(xr + k, sr[g]);
        NSTORE(xi + k, si[g]);
    }
}

/* Channels h0 .. h0 + CH - 1 over n samples, in tiles of TILE samples.
 * out may be in: a span's inputs are all read before its outputs are
 * written (reduce_tile reads each sample's input before writing its
 * output). */
AINLINE void run_channels_L(const ssm_diag_bank *b, float *xr, float *xi, size_t h0, const int CH,
                            const int GPC, const float *in, size_t in_ld, size_t is, float *out,
                            size_t out_ld, size_t os, size_t n, const int w_in)
{
    NV part[GROUPS_L * TILE_T];
    float ubuf[GROUPS_L * TILE_T];
    for (size_t t0 = 0; t0 < n; t0 += TILE_T) {
        const size_t nt = n - t0 < TILE_T ? n - t0 : TILE_T;
        const float *u = in + h0 * in_ld + t0 * is;
        size_t u_ld = in_ld, us = is;
        if (is != 1) {
            /* Frames: the tile's channels gathered first, so the tile reads
             * one contiguous row per channel (broadcasts straight from the
             * frames ran 1.6-2x slower at 1-3 frames a call, 4 % faster at
             * full spans; gathering only for short calls made GCC's
             * register allocation of the tile worse than either). */
            for (size_t t = 0; t < nt; t++)
                for (int c = 0; c < CH; c++)
                    ubuf[(size_t)c * TILE_T + t] = u[(size_t)c * in_ld + t * is];
            u = ubuf;
            u_ld = TILE_T;
            us = 1;
        }
        tile_channels_L(b, xr, xi, h0, CH, GPC, w_in, u, u_ld, us, part, nt);
        for (int c = 0; c < CH; c++)
            reduce_tile_L(part + (size_t)c * TILE_T, u + (size_t)c * u_ld, us,
                          out + (h0 + (size_t)c) * out_ld + t0 * os, os, nt, b->d[h0 + (size_t)c],
                          0.0f, 0, 0);
    }
}

/* Channels [h0, h1) over n samples: several channels a tile while a
 * channel's modes fill at most half of one, else one channel at a time. */
AINLINE void run_span_L(const ssm_diag_bank *b, float *xr, float *xi, size_t h0, size_t h1,
                        const float *in, size_t in_ld, size_t is, float *out, size_t out_ld,
                        size_t os, size_t n, const int w_in)
{
    const size_t gpc = b->stride / NL;
    size_t h = h0;
    if (gpc == 1 && GROUPS_L >= 2)
        for (; h + GROUPS_L <= h1; h += GROUPS_L)
            run_channels_L(b, xr, xi, h, GROUPS_L, 1, in, in_ld, is, out, out_ld, os, n, w_in);
    else if (gpc == 2 && GROUPS_L >= 4)
        for (; h + GROUPS_L / 2 <= h1; h += GROUPS_L / 2)
            run_channels_L(b, xr, xi, h, GROUPS_L / 2, 2, in, in_ld, is, out, out_ld, os, n, w_in);
    for (; h < h1; h++)
        run_channel_L(b, NULL, xr, xi, h, in + h * in_ld, is, out + h * out_ld, os, n, 0.0f, w_in,
                      0);
}

/* Every channel, fixed coefficients. Sample t of channel h at
 * in[h in_ld + t is], out[h out_ld + t os]. Channel-major data runs channel
 * by channel (one channel's coefficients stay in L1 across its spans);
 * frame-major data ([n][channels]) runs span by span of TILE frames over all
 * channels, so each span's frames are read from L1 by every channel tile
 * instead of a whole call's strided frames from L2 per tile. */
AINLINE void run_bank_L(const ssm_diag_bank *b, float *xr, float *xi, const float *in, size_t in_ld,
                        size_t is, float *out, size_t out_ld, size_t os, size_t n, const int w_in)
{
    if (is == 1 && os == 1) {
        run_span_L(b, xr, xi, 0, b->channels, in, in_ld, 1, out, out_ld, 1, n, w_in);
        return;
    }
    for (size_t t0 = 0; t0 < n; t0 += TILE_T)
        run_span_L(b, xr, xi, 0, b->channels, in + t0 * is, in_ld, is, out + t0 * os, out_ld, os,
                   n - t0 < TILE_T ? n - t0 : TILE_T, w_in);
}

TGT static void SFX(bank)(const ssm_diag_bank *b, float *xr, float *xi, const float *in,
                          size_t in_ld, size_t is, float *out, size_t out_ld, size_t os, size_t n)
{
    if (b->weighting == SSM_DIAG_WEIGHT_INPUT)
        run_bank_L(b, xr, xi, in, in_ld, is, out, out_ld, os, n, 1);
    else
        run_bank_L(b, xr, xi, in, in_ld, is, out, out_ld, os, n, 0);
}

TGT static void SFX(glide)(const ssm_diag_bank *b, const ssm_diag_bank *tg, float *xr, float *xi,
                           const float *in, size_t in_ld, float *out, size_t out_ld, size_t n,
                           float step)
{
    const int w_in = b->weighting == SSM_DIAG_WEIGHT_INPUT;
    for (size_t h = 0; h < b->channels; h++) {
        const float *x = in + h * in_ld;
        float *y = out + h * out_ld;
        if (w_in) {
            run_channel_L(b, tg, xr, xi, h, x, 1, y, 1, n, step, 1, 1);
        } else {
            run_channel_L(b, tg, xr, xi, h, x, 1, y, 1, n, step, 0, 1);
        }
    }
}

/* ---- the chunked form's dense products (kernels/diag_conv.c) ---- */

enum { SFX(NQ) = SSM_DIAG_SUB / NL }; /* vectors of one sub-chunk */
#define NQ_T SFX(NQ)

/* y[k SUB + s] += Re(sum_m E[m][s] V[k][m]) for k < kb (kb may be short of
 * a multiple of KB_L: the extra rows are computed from scratch and
 * dropped; the caller pads V for them). The carried-in state seen through
 * w lambda^(s+1), KB_L sub-chunks at a time: KB_L x NQ accumulators, E
 * streamed once per KB_L sub-chunks. */
TGT static void SFX(gemm_out)(const float *restrict etr, const float *restrict eti,
                              const float *restrict vr, const float *restrict vi, size_t S,
                              float *restrict y, size_t kb, size_t r)
{
    for (size_t k0 = 0; k0 < kb; k0 += KB_L) {
        NV acc[KB_L][NQ_T];
        memset(acc, 0, sizeof acc);
        for (size_t m = 0; m < S; m++) {
            NV xr[KB_L], xi[KB_L];
            for (size_t kk = 0; kk < KB_L; kk++) {
                xr[kk] = SPLAT(vr[(k0 + kk) * S + m]);
                xi[kk] = SPLAT(vi[(k0 + kk) * S + m]);
            }
            for (size_t q = 0; q < NQ_T; q++) {
                NV a, c;
                NLOAD(a, etr + m * SSM_DIAG_SUB + NL * q);
                NLOAD(c, eti + m * SSM_DIAG_SUB + NL * q);
                for (size_t kk = 0; kk < KB_L; kk++)
                    acc[kk][q] += a * xr[kk] - c * xi[kk];
            }
        }
        for (size_t kk = 0; kk < KB_L && k0 + kk < kb; kk++) {
            float *yk = y + (k0 + kk) * SSM_DIAG_SUB;
            float tmp[SSM_DIAG_SUB] __attribute__((aligned(64)));
            for (size_t q = 0; q < NQ_T; q++)
                NSTORE(tmp + NL * q, acc[kk][q]);
            for (size_t t = 0; t < r; t++)
                yk[t] += tmp[t];
        }
    }
}

/* Q[k][m] = sum_s F[s][m] u[k SUB + s] for k < kb: each sub-chunk's input
 * folded into a state (F row s = lambda^(SUB-1-s)); 4 sub-chunks at a time
 * (the caller pads u for them). */
TGT static void SFX(gemm_in)(const float *restrict fr, const float *restrict fi,
                             const float *restrict u, size_t S, float *restrict qr,
                             float *restrict qi, size_t kb)
{
    enum { K4 = 4 };
    for (size_t m = 0; m < S; m += NL)
        for (size_t k0 = 0; k0 < kb; k0 += K4) {
            NV ar[K4], ai[K4];
            memset(ar, 0, sizeof ar);
            memset(ai, 0, sizeof ai);
            for (size_t s = 0; s < SSM_DIAG_SUB; s++) {
                NV f0, f1;
                NLOAD(f0, fr + s * S + m);
                NLOAD(f1, fi + s * S + m);
                for (size_t kk = 0; kk < K4; kk++) {
                    const NV us = SPLAT(u[(k0 + kk) * SSM_DIAG_SUB + s]);
                    ar[kk] += f0 * us;
                    ai[kk] += f1 * us;
                }
            }
            for (size_t kk = 0; kk < K4 && k0 + kk < kb; kk++) {
                NSTORE(qr + (k0 + kk) * S + m, ar[kk]);
                NSTORE(qi + (k0 + kk) * S + m, ai[kk]);
            }
        }
}

/* y[s] = sum_{j<=s} K[j] u[s-j], s < r <= SUB: the part of a sub-chunk's
 * output that its own inputs make (earlier inputs arrive through the
 * state). z holds SUB zeros then the sub-chunk, so a shifted load brings
 * in zeros for s < j. */
TGT static void SFX(intra_conv)(const float *restrict k, const float *restrict u, size_t r,
                                float *restrict y)
{
    float z[2 * SSM_DIAG_SUB];
    memset(z, 0, SSM_DIAG_SUB * sizeof(float));
    memcpy(z + SSM_DIAG_SUB, u, r * sizeof(float));
    memset(z + SSM_DIAG_SUB + r, 0, (SSM_DIAG_SUB - r) * sizeof(float));
    NV acc[NQ_T];
    memset(acc, 0, sizeof acc);
    for (size_t j = 0; j < SSM_DIAG_SUB; j++) {
        const NV kj = SPLAT(k[j]);
        for (size_t q = 0; q < NQ_T; q++) {
            NV x; /* shifted by j: unaligned */
            memcpy(&x, z + SSM_DIAG_SUB - j + NL * q, sizeof x);
            acc[q] += x * kj;
        }
    }
    float tmp[SSM_DIAG_SUB] __attribute__((aligned(64)));
    for (size_t q = 0; q < NQ_T; q++)
        NSTORE(tmp + NL * q, acc[q]);
    memcpy(y, tmp, r * sizeof(float));
}

/* ---- the recurrence on the turned bank (ssm_diag_lanes) ---- */

/* MB modes of one channel group over nt frames (u[t], part[t]: vectors of
 * the group's channels): the first block writes part, the others add. */
AINLINE void lanes_block_L(ssm_diag_lanes *L, size_t k, const int MB, const int w_in,
                           const int first, const NV *u, NV *part, size_t nt)
{
    NV lr[LANES_MB], li[LANES_MB], wr[LANES_MB], wi[LANES_MB], sr[LANES_MB], si[LANES_MB];
    for (int m = 0; m < MB; m++) {
        const size_t o = (k + (size_t)m) * NL;
        NLOAD(lr[m], L->lr + o);
        NLOAD(li[m], L->li + o);
        NLOAD(wr[m], L->wr + o);
        NLOAD(wi[m], L->wi + o);
        NLOAD(sr[m], L->xr + o);
        NLOAD(si[m], L->xi + o);
    }
    for (size_t t = 0; t < nt; t++) {
        const NV ut = u[t];
        NV acc = first ? (NV){0} : part[t];
#pragma GCC unroll 8
        for (int m = 0; m < MB; m++) {
            NV nr, ni;
            if (w_in) {
                nr = lr[m] * sr[m] - li[m] * si[m] + wr[m] * ut;
                ni = lr[m] * si[m] + li[m] * sr[m] + wi[m] * ut;
                acc += nr;
            } else {
                nr = lr[m] * sr[m] - li[m] * si[m] + ut;
                ni = lr[m] * si[m] + li[m] * sr[m];
                acc += wr[m] * nr - wi[m] * ni;
            }
            sr[m] = nr;
            si[m] = ni;
        }
        part[t] = acc;
    }
    for (int m = 0; m < MB; m++) {
        const size_t o = (k + (size_t)m) * NL;
        NSTORE(L->xr + o, sr[m]);
        NSTORE(L->xi + o, si[m]);
    }
}

/* The block of the last MB-or-fewer modes, as a constant. */
AINLINE void lanes_rest_L(ssm_diag_lanes *L, size_t k, size_t rest, const int w_in, const int first,
                          const NV *u, NV *part, size_t nt)
{
    switch (rest) {
    case 7:
        lanes_block_L(L, k, LANES_MB > 7 ? 7 : 1, w_in, first, u, part, nt);
        break;
    case 6:
        lanes_block_L(L, k, LANES_MB > 6 ? 6 : 1, w_in, first, u, part, nt);
        break;
    case 5:
        lanes_block_L(L, k, LANES_MB > 5 ? 5 : 1, w_in, first, u, part, nt);
        break;
    case 4:
        lanes_block_L(L, k, LANES_MB > 4 ? 4 : 1, w_in, first, u, part, nt);
        break;
    case 3:
        lanes_block_L(L, k, LANES_MB > 3 ? 3 : 1, w_in, first, u, part, nt);
        break;
    case 2:
        lanes_block_L(L, k, LANES_MB > 2 ? 2 : 1, w_in, first, u, part, nt);
        break;
    default:
        lanes_block_L(L, k, 1, w_in, first, u, part, nt);
        break;
    }
}

AINLINE void lanes_run_L(ssm_diag_lanes *L, const float *in, size_t is, float *out, size_t os,
                         size_t n, const int w_in)
{
    const size_t M = L->modes, full = M / LANES_MB * LANES_MB;
    NV u[TILE_T], part[TILE_T];
    for (size_t g = 0; g < L->groups; g++) {
        const size_t c0 = g * NL, base = g * M;
        NV dg;
        NLOAD(dg, L->d + c0);
        for (size_t t0 = 0; t0 < n; t0 += TILE_T) {
            const size_t nt = n - t0 < TILE_T ? n - t0 : TILE_T;
            /* The span's inputs first: out may be in. */
            for (size_t t = 0; t < nt; t++)
                memcpy(&u[t], in + (t0 + t) * is + c0, sizeof(NV));
            for (size_t k = 0; k < full; k += LANES_MB)
                lanes_block_L(L, base + k, LANES_MB, w_in, k == 0, u, part, nt);
            if (full < M)
                lanes_rest_L(L, base + full, M - full, w_in, full == 0, u, part, nt);
            for (size_t t = 0; t < nt; t++) {
                const NV y = part[t] + dg * u[t];
                memcpy(out + (t0 + t) * os + c0, &y, sizeof(NV));
            }
        }
    }
}

TGT static void SFX(lanes_step)(ssm_diag_lanes *L, const float *in, size_t is, float *out,
                                size_t os, size_t n)
{
    if (L->weighting == SSM_DIAG_WEIGHT_INPUT)
        lanes_run_L(L, in, is, out, os, n, 1);
    else
        lanes_run_L(L, in, is, out, os, n, 0);
}

static const ssm_diag_simd SFX(kernels) = {
    .lanes = NL,
    .lanes_step = SFX(lanes_step),
    .bank = SFX(bank),
    .glide = SFX(glide),
    .gemm_out = SFX(gemm_out),
    .gemm_in = SFX(gemm_in),
    .intra_conv = SFX(intra_conv),
};

#undef NV
#undef NLOAD
#undef NSTORE
#undef AINLINE
#undef SPLAT
#undef TILE_T
#undef SHORT_TILE
#undef NQ_T
#undef lane_sums_L
#undef hsum_L
#undef reduce_tile_L
#undef tile_L
#undef tile_g_L
#undef run_channel_L
#undef tile_channels_L
#undef run_channels_L
#undef run_bank_L
#undef run_span_L
#undef lanes_block_L
#undef lanes_rest_L
#undef lanes_run_L
#undef run_span_L
#undef lanes_block_L
#undef lanes_rest_L
#undef lanes_run_L
