/* s4: the structured state space layer with a diagonal-plus-low-rank state
 * matrix (Gu, Goel, Re 2022, "Efficiently Modeling Long Sequences with
 * Structured State Spaces"; reference state-spaces/s4 models/s4/s4.py
 * SSMKernelDPLR), one SISO system of real size N per channel:
 *
 *   A = diag(Lambda) - P P^* (conjugate-expanded), dt = exp(log_dt) dt_scale,
 *   bilinear: Abar = (I - dt/2 A)^-1 (I + dt/2 A), Bbar = dt (I - dt/2 A)^-1 B,
 *   x[t] = Abar x[t-1] + Bbar u[t], y = 2 Re(C x[t]) + D u[t]
 *
 * Parameters and tensors: engine/net/dplr.h. Continuous-time: re-discretised
 * for the host rate. Schedules, in one ssm_s4 per channel (kernels/s4.c) on
 * one state: the step (a dense N x N real product a frame) and the chunked
 * FFT convolution with the kernel made through the Cauchy/Woodbury
 * generating function (the carried state's response and the state handed
 * out as dense products). */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "net/dplr.h"
#include "net/layer.h"
#include "ssm/s4.h"

typedef struct {
    size_t width, max_frames;
    ssm_dplr_set set;
    ssm_s4 **ch; /* [H] */
    float *s;    /* [H][max_frames] channel-major */
} s4;

static void destroy(void *self)
{
    s4 *l = self;
    for (size_t h = 0; l->ch && h < l->width; h++)
        ssm_s4_destroy(l->ch[h]);
    free(l->ch);
    ssm_dplr_free(&l->set);
    free(l->s);
    free(l);
}

static void *create(ssm_layer_ctx *c, ssm_stream *out)
{
    s4 *l = ssm_layer_calloc(c, 1, sizeof *l);
    if (!l)
        return NULL;
    l->width = out->width;
    if (!ssm_dplr_read(c, l->width, &l->set) ||
        !(l->ch = ssm_layer_calloc(c, l->width, sizeof(ssm_s4 *)))) {
        destroy(l);
        return NULL;
    }
    for (size_t h = 0; h < l->width; h++) {
        ssm_status st;
        if (!(l->ch[h] = ssm_s4_create(&l->set.p[h], &st))) {
            ssm_layer_fail(c, st, "channel %zu: %s", h, ssm_status_string(st));
            destroy(l);
            return NULL;
        }
    }
    return l;
}

/* The chunk of the offline form: a power of two up to 256 (FFTW plans of
 * other sizes may allocate inside execute; past 256 the state tables, 2 N T
 * floats a channel, leave the cache: docs/benchmarks.md); 1 when the step
 * is planned (the chunked form then never runs). */
static size_t chunk_for(const ssm_layer_env *env)
{
    size_t chunk = 1;
    while (env->offline != SSM_SCHEDULE_STEP && chunk < env->max_out && chunk < 256)
        chunk *= 2;
    return chunk;
}

static ssm_status activate(void *self, const ssm_layer_env *env, ssm_layer_ctx *c)
{
    s4 *l = self;
    free(l->s);
    l->max_frames = env->max_out;
    const size_t chunk = chunk_for(env);
    for (size_t h = 0; h < l->width; h++) {
        ssm_status st = ssm_s4_activate(l->ch[h], 1.0 / env->dt_scale, chunk);
        const float *K = st == SSM_OK ? ssm_s4_activated_kernel(l->ch[h]) : NULL;
        int finite = K != NULL;
        for (size_t t = 0; finite && t < chunk; t++)
            finite = isfinite(K[t]);
        if (!finite) {
            ssm_layer_fail(c, st == SSM_OK ? SSM_ERR_FORMAT : st,
                           "channel %zu: no finite discrete system at dt_scale %g (%s)", h,
                           env->dt_scale,
                           st == SSM_OK ? "kernel not finite" : ssm_status_string(st));
            return ssm_layer_status(c);
        }
    }
    l->s = ssm_layer_calloc(c, l->width * l->max_frames, sizeof *l->s);
    return l->s ? SSM_OK : ssm_layer_status(c);
}

/* The chunked form beats the step at every N from blocks of a few tens of
 * frames (docs/benchmarks.md, S4-DPLR rows: 5x at N = 16, 14x at N = 64);
 * below 32 frames a call its per-call state terms (N^2 per set bit of the
 * block length, a 2T transform) lose. */
static ssm_schedule plan(const void *self, size_t max_frames)
{
    return max_frames >= 32 ? SSM_SCHEDULE_FFT : SSM_SCHEDULE_STEP;
}

static void process(void *self, ssm_schedule sch, const ssm_frames *in, float *out, size_t n_out,
                    uint64_t first_out)
{
    s4 *l = self;
    const size_t H = l->width, ld = l->max_frames;
    const float *u = in[0].data;
    for (size_t t = 0; t < n_out; t++)
        for (size_t h = 0; h < H; h++)
            l->s[h * ld + t] = u[t * H + h];
    const ssm_mode mode = sch == SSM_SCHEDULE_STEP ? SSM_MODE_STREAM : SSM_MODE_OFFLINE;
    for (size_t h = 0; h < H; h++) {
        ssm_s4_set_mode(l->ch[h], mode);
        ssm_s4_process(l->ch[h], l->s + h * ld, l->s + h * ld, n_out);
    }
    for (size_t t = 0; t < n_out; t++)
        for (size_t h = 0; h < H; h++)
            out[t * H + h] = l->s[h * ld + t];
}

static void reset(void *self)
{
    s4 *l = self;
    for (size_t h = 0; h < l->width; h++)
        ssm_s4_reset(l->ch[h]);
}

const ssm_layer_ops ssm_kind_s4 = {
    .kind = "s4",
    .min_inputs = 1,
    .max_inputs = 1,
    .schedules = 1u << SSM_SCHEDULE_FFT,
    .create = create,
    .activate = activate,
    .plan = plan,
    .process = process,
    .reset = reset,
    .destroy = destroy,
};
