/* s4nd: S4ND over a time-frequency plane (Nguyen, Goel, Gu, Downs, Shah,
 * Dao, Baccus, Re 2022, "S4ND: Modeling Images and Videos as
 * Multidimensional Signals Using State Spaces"; reference state-spaces/s4
 * src/models/sequence/modules/s4nd.py): the 2-D kernel is the outer
 * product of one 1-D S4D kernel (ZOH) per axis, K(a, b) = K_t(a) K_f(b).
 *
 * The input stream is the plane, one frame a time step: width W = C F,
 * `channels` C planes of F bins side by side (index c F + f). Per channel c:
 *
 *   time:  z[t][f] = sum_{a >= 0} K_t[a] x[t-a][f]
 *                  + sum_{j < A} K_b[j] x[t+1+j][f]      (A = lookahead frames)
 *   freq:  y[t][f] = sum_g K_f[f - g] z[t][g]  ("causal": g <= f;
 *                    "symmetric": K_f[|f - g|], every g)  + D x[t][f]
 *
 * The streaming policy (docs/model-format.md, "s4nd"): S4ND is usually run
 * over a whole plane (kernels/s4nd.c, bidirectional along time), which a
 * stream never has. Here the time axis is causal (lookahead 0: zero latency,
 * exact in both forms), or two-sided with the anti-causal part truncated to
 * a fixed look-ahead of A frames (the reference's bidirectional kernel
 * pair, K_b the second kernel): output frame t is emitted A frames late,
 * when frame t + A is in, and the layer adds A x stride samples of
 * latency. Either way the output does not depend on block cuts. Written
 * with the delay, the time filter is one causal kernel [K_b[A-1] .. K_b[0],
 * K_t[0], K_t[1], ...]: its first A taps are an FIR over the last A frames,
 * the rest is the S4D recurrence delayed by A frames. The frequency axis
 * lies inside one frame: a fixed F x F Toeplitz product.
 *
 * Tensors (per channel, S4D parametrisation, B = 1): t_log_dt [C],
 * t_log_A_real, t_A_imag, t_C_re, t_C_im [C, Nt/2] (time); f_* likewise
 * [C, Nf/2] (frequency); b_* [C, Nt/2] (backward time kernel, only with
 * lookahead > 0); D [C]. The time axis is continuous-time (dt_scale: the
 * frame period changes with the rate); the frequency axis is an index and
 * is not rescaled. Schedules: the time recurrence is one ssm_diag (step,
 * chunked scan, chunked FFT) on one state; the FIR and the frequency
 * product are the same in every form. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "net/diag_layer.h"
#include "ssm/s4d.h"

typedef struct {
    size_t channels, bins, width, look, max_frames;
    int symmetric;
    ssm_s4d_params time, freq, back; /* time: replicated over the bins (C F channels) */
    const float *d;                  /* [C] */
    ssm_diag_bank bank;
    ssm_diag *diag;
    float *toe;   /* [C][F][F] frequency Toeplitz matrices */
    float *kc;    /* [C][A] FIR taps on x[t - m], m < A: kc[m] = K_b[A - 1 - m] */
    float *s;     /* [W][max_frames] channel-major for the bank */
    float *xb;    /* [A + max_frames][W]: the last A input frames, then this call's */
    float *zb;    /* [A + max_frames][W]: the same for the recurrence's output */
    float *plane; /* [W]: one frame after the time filter */
} s4nd;

static const char *const freq_modes[] = {"causal", "symmetric", NULL};

static void destroy(void *self)
{
    s4nd *l = self;
    ssm_diag_destroy(l->diag);
    ssm_diag_bank_free(&l->bank);
    ssm_s4d_params_free(&l->time);
    ssm_s4d_params_free(&l->freq);
    ssm_s4d_params_free(&l->back);
    free(l->toe);
    free(l->kc);
    free(l->s);
    free(l->xb);
    free(l->zb);
    free(l->plane);
    free(l);
}

/* One axis's S4D tensors "<axis>_*" for C channels of M modes into p,
 * each channel's values copied to `rep` consecutive channels of p. */
static int read_axis(ssm_layer_ctx *c, const char *axis, size_t C, size_t M, size_t rep,
                     ssm_s4d_params *p)
{
    static const char *const names[] = {"log_dt", "log_A_real", "A_imag", "C_re", "C_im"};
    const uint64_t c1[1] = {C}, cm[2] = {C, M};
    const ssm_tensor *t[5];
    for (size_t i = 0; i < 5; i++) {
        char name[32];
        snprintf(name, sizeof name, "%s_%s", axis, names[i]);
        if (!(t[i] = ssm_layer_tensor(c, name, i ? 2 : 1, i ? cm : c1)))
            return 0;
    }
    if (ssm_s4d_params_init(p, C * rep, M) != SSM_OK)
        return ssm_layer_fail(c, SSM_ERR_NOMEM, "out of memory for the %s axis", axis);
    for (size_t ch = 0; ch < C; ch++)
        for (size_t r = 0; r < rep; r++) {
            const size_t o = ch * rep + r;
            p->log_dt[o] = t[0]->data[ch];
            p->d[o] = 0.0f;
            memcpy(p->log_a_real + o * M, t[1]->data + ch * M, M * sizeof(float));
            memcpy(p->a_imag + o * M, t[2]->data + ch * M, M * sizeof(float));
            memcpy(p->c_re + o * M, t[3]->data + ch * M, M * sizeof(float));
            memcpy(p->c_im + o * M, t[4]->data + ch * M, M * sizeof(float));
        }
    return 1;
}

static void *create(ssm_layer_ctx *c, ssm_stream *out)
{
    size_t C, nt, nf, look;
    int fm;
    if (!ssm_param_size(c, "channels", 1, 4096, 1, &C) ||
        !ssm_param_size(c, "state", 2, 4096, SSM_PARAM_REQUIRED, &nt) ||
        !ssm_param_size(c, "freq_state", 2, 4096, SSM_PARAM_REQUIRED, &nf) ||
        !ssm_param_choice(c, "freq", freq_modes, 1, &fm) ||
        !ssm_param_size(c, "lookahead", 0, 4096, 0, &look))
        return NULL;
    const size_t W = out->width;
    if (nt % 2 || nf % 2) {
        ssm_layer_fail(c, SSM_ERR_FORMAT,
                       "state %zu / freq_state %zu must be even (N/2 conjugate pairs)", nt, nf);
        return NULL;
    }
    if (W % C) {
        ssm_layer_fail(c, SSM_ERR_FORMAT,
                       "input width %zu is not channels (%zu) x bins: the plane is C x F", W, C);
        return NULL;
    }
    const size_t F = W / C;
    if (F > 4096 || C * F * F > ((size_t)1 << 22)) {
        ssm_layer_fail(c, SSM_ERR_FORMAT,
                       "%zu channels of %zu bins: the frequency matrices (C F^2 = %zu floats) are "
                       "too big (at most 2^22)",
                       C, F, C * F * F);
        return NULL;
    }
    if (look * W > ((size_t)1 << 22)) {
        ssm_layer_fail(c, SSM_ERR_FORMAT,
                       "a look-ahead of %zu frames of width %zu is too long (at most 2^22 values)",
                       look, W);
        return NULL;
    }
    s4nd *l = ssm_layer_calloc(c, 1, sizeof *l);
    if (!l)
        return NULL;
    *l = (s4nd){.channels = C, .bins = F, .width = W, .look = look, .symmetric = fm == 1};
    const uint64_t c1[1] = {C};
    const ssm_tensor *d = NULL;
    if (!read_axis(c, "t", C, nt / 2, F, &l->time) || !read_axis(c, "f", C, nf / 2, 1, &l->freq) ||
        (look && !read_axis(c, "b", C, nt / 2, 1, &l->back)) ||
        !(d = ssm_layer_tensor(c, "D", 1, c1))) {
        destroy(l);
        return NULL;
    }
    l->d = d->data;
    if (ssm_diag_bank_init(&l->bank, W, nt / 2) != SSM_OK ||
        !(l->toe = ssm_layer_calloc(c, C * F * F, sizeof *l->toe)) ||
        !(l->plane = ssm_layer_calloc(c, W, sizeof *l->plane)) ||
        (look && !(l->kc = ssm_layer_calloc(c, C * look, sizeof *l->kc)))) {
        ssm_layer_fail(c, SSM_ERR_NOMEM, "out of memory");
        destroy(l);
        return NULL;
    }
    /* The frequency kernel, at the bins' own spacing (no dt_scale). */
    float *kf = ssm_layer_calloc(c, C * F, sizeof *kf);
    if (!kf || ssm_s4d_kernel(&l->freq, SSM_ZOH, 1.0, kf, F, F) != SSM_OK) {
        free(kf);
        ssm_layer_fail(c, SSM_ERR_FORMAT, "cannot make the frequency kernel");
        destroy(l);
        return NULL;
    }
    for (size_t ch = 0; ch < C; ch++)
        for (size_t f = 0; f < F; f++)
            for (size_t g = 0; g < F; g++) {
                const size_t lag = f >= g ? f - g : g - f;
                l->toe[(ch * F + f) * F + g] = f >= g || l->symmetric ? kf[ch * F + lag] : 0.0f;
            }
    free(kf);
    out->latency += (uint64_t)look * out->stride;
    return l;
}

static ssm_status activate(void *self, const ssm_layer_env *env, ssm_layer_ctx *c)
{
    s4nd *l = self;
    ssm_diag_destroy(l->diag);
    l->diag = NULL;
    free(l->s);
    free(l->xb);
    free(l->zb);
    l->max_frames = env->max_out;
    const size_t W = l->width, A = l->look, rows = A + l->max_frames;
    ssm_status st = ssm_s4d_discretize(&l->time, SSM_ZOH, env->dt_scale, &l->bank);
    if (st != SSM_OK || !(ssm_diag_bank_max_pole(&l->bank) < 1.0)) {
        ssm_layer_fail(c, SSM_ERR_FORMAT,
                       "the time axis gives no stable discrete system at dt_scale %g (a pole on "
                       "or outside the unit circle, or not finite)",
                       env->dt_scale);
        return SSM_ERR_FORMAT;
    }
    if (A) {
        float *kb = ssm_layer_calloc(c, l->channels * A, sizeof *kb);
        if (!kb || ssm_s4d_kernel(&l->back, SSM_ZOH, env->dt_scale, kb, A, A) != SSM_OK) {
            free(kb);
            ssm_layer_fail(c, SSM_ERR_FORMAT, "cannot make the look-ahead kernel");
            return SSM_ERR_FORMAT;
        }
        for (size_t ch = 0; ch < l->channels; ch++)
            for (size_t m = 0; m < A; m++)
                l->kc[ch * A + m] = kb[ch * A + A - 1 - m];
        free(kb);
    }
    l->s = ssm_layer_calloc(c, W * l->max_frames, sizeof *l->s);
    l->xb = l->s ? ssm_layer_calloc(c, rows * W, sizeof *l->xb) : NULL;
    l->zb = l->xb ? ssm_layer_calloc(c, rows * W, sizeof *l->zb) : NULL;
    if (!l->zb)
        return ssm_layer_status(c);
    const ssm_diag_config cfg =
        ssm_diag_layer_config(W, l->time.modes, l->max_frames, env->offline);
    l->diag = ssm_diag_create(&l->bank, &cfg, &st);
    if (!l->diag) {
        ssm_layer_fail(c, st, "cannot build the %s schedule", ssm_schedule_name(env->offline));
        return st;
    }
    return SSM_OK;
}

/* The time recurrence is an S4D bank over C F channels: the kernels' plan
 * for that shape, as for s4d. */
static ssm_schedule plan(const void *self, size_t max_frames)
{
    const s4nd *l = self;
    return ssm_diag_layer_schedule(l->width, l->time.modes, max_frames);
}

static void process(void *self, ssm_schedule sch, const ssm_frames *in, float *out, size_t n_out,
                    uint64_t first_out)
{
    s4nd *l = self;
    const size_t W = l->width, F = l->bins, C = l->channels, A = l->look, ld = l->max_frames;
    const float *u = in[0].data;
    float *X = l->xb, *Z = l->zb;
    for (size_t t = 0; t < n_out; t++)
        for (size_t w = 0; w < W; w++)
            l->s[w * ld + t] = u[t * W + w];
    ssm_diag_set_mode(l->diag, sch == SSM_SCHEDULE_STEP ? SSM_MODE_STREAM : SSM_MODE_OFFLINE);
    ssm_diag_process(l->diag, l->s, ld, l->s, ld, n_out);
    memcpy(X + A * W, u, n_out * W * sizeof *X);
    for (size_t t = 0; t < n_out; t++)
        for (size_t w = 0; w < W; w++)
            Z[(A + t) * W + w] = l->s[w * ld + t];
    /* Output frame t of this call is the plane's frame t - A: its
     * recurrence output is row t of Z, its skip row t of X, and the FIR
     * reads rows t + 1 .. t + A of X. */
    for (size_t t = 0; t < n_out; t++) {
        float *restrict z = l->plane;
        memcpy(z, Z + t * W, W * sizeof *z);
        for (size_t ch = 0; ch < C; ch++)
            for (size_t m = 0; m < A; m++) {
                const float k = l->kc[ch * A + m], *restrict x = X + (A + t - m) * W + ch * F;
                for (size_t f = 0; f < F; f++)
                    z[ch * F + f] += k * x[f];
            }
        float *restrict y = out + t * W;
        const float *restrict skip = X + t * W;
        for (size_t ch = 0; ch < C; ch++)
            for (size_t f = 0; f < F; f++) {
                const float *restrict row = l->toe + (ch * F + f) * F, *restrict zc = z + ch * F;
                float acc = 0.0f;
                for (size_t g = 0; g < F; g++)
                    acc += row[g] * zc[g];
                y[ch * F + f] = acc + l->d[ch] * skip[ch * F + f];
            }
    }
    if (A) {
        memmove(X, X + n_out * W, A * W * sizeof *X);
        memmove(Z, Z + n_out * W, A * W * sizeof *Z);
    }
}

static void reset(void *self)
{
    s4nd *l = self;
    if (l->diag)
        ssm_diag_reset(l->diag);
    if (l->xb && l->look) {
        memset(l->xb, 0, l->look * l->width * sizeof *l->xb);
        memset(l->zb, 0, l->look * l->width * sizeof *l->zb);
    }
}

const ssm_layer_ops ssm_kind_s4nd = {
    .kind = "s4nd",
    .min_inputs = 1,
    .max_inputs = 1,
    .schedules = (1u << SSM_SCHEDULE_SCAN) | (1u << SSM_SCHEDULE_FFT),
    .create = create,
    .activate = activate,
    .plan = plan,
    .process = process,
    .reset = reset,
    .destroy = destroy,
};
