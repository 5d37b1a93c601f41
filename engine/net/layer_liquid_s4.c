/* liquid_s4: S4 plus input-correlation terms (Hasani, Lechner, Wang,
 * Chahine, Amini, Rus 2023, "Liquid Structural State-Space Models", ICLR;
 * reference raminmh/liquid-s4 src/models/sequence/ss/s4.py, liquid_kernel
 * "polyb" / "kb", allcombs=False), per channel:
 *
 *   u_1 = u, u_k[t] = u_(k-1)[t] u_(k-1)[t-1]      (k = 2..degree)
 *   beta_1 = dt (1 - dt Lambda/2)^-1 B, beta_k = beta_(k-1) sum(beta_(k-1))
 *   (sums over the conjugate-expanded modes)
 *   polyb: y = S4(u) + sum_k c_k u_k,          c_k = sum C beta_k
 *   kb:    y = K * (u + sum_k s^(k-1) u_k) + D u,  s = sum beta_1
 *
 * The causal neighbouring-products form kernels/liquid.c implements: the
 * reference's time flip of the correlation signal and its default allcombs
 * (index combinations from the end of the sequence) are not causal and are
 * not supported; C is the true C.
 *
 * Parameters: the S4 ones (engine/net/dplr.h) plus "liquid_kernel"
 * ("polyb", "kb") and "degree" (2..4). Rate-bound: the correlation terms
 * multiply neighbouring samples, so the graph runs at its trained rate
 * (the S4 part is discretised as trained). Schedules as s4: the step and
 * the chunked FFT convolution, on one state. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "net/dplr.h"
#include "net/layer.h"
#include "ssm/liquid.h"

typedef struct {
    size_t width, max_frames;
    ssm_dplr_set set;
    ssm_liquid **ch; /* [H] */
    float *s;        /* [H][max_frames] channel-major */
} liquid;

static const char *const kernels[] = {"polyb", "kb", NULL};

static void destroy(void *self)
{
    liquid *l = self;
    for (size_t h = 0; l->ch && h < l->width; h++)
        ssm_liquid_destroy(l->ch[h]);
    free(l->ch);
    ssm_dplr_free(&l->set);
    free(l->s);
    free(l);
}

static void *create(ssm_layer_ctx *c, ssm_stream *out)
{
    int kind;
    size_t degree;
    if (!ssm_param_choice(c, "liquid_kernel", kernels, 0, &kind) ||
        !ssm_param_size(c, "degree", 2, SSM_LIQUID_MAX_DEGREE, 2, &degree))
        return NULL;
    liquid *l = ssm_layer_calloc(c, 1, sizeof *l);
    if (!l)
        return NULL;
    l->width = out->width;
    if (!ssm_dplr_read(c, l->width, &l->set) ||
        !(l->ch = ssm_layer_calloc(c, l->width, sizeof(ssm_liquid *)))) {
        destroy(l);
        return NULL;
    }
    for (size_t h = 0; h < l->width; h++) {
        ssm_status st;
        l->ch[h] = ssm_liquid_create(&l->set.p[h], kind == 1 ? SSM_LIQUID_KB : SSM_LIQUID_PB,
                                     (unsigned)degree, &st);
        if (!l->ch[h]) {
            ssm_layer_fail(c, st, "channel %zu: %s", h, ssm_status_string(st));
            destroy(l);
            return NULL;
        }
    }
    return l;
}

static ssm_status activate(void *self, const ssm_layer_env *env, ssm_layer_ctx *c)
{
    liquid *l = self;
    free(l->s);
    l->max_frames = env->max_out;
    /* As s4: a power-of-two chunk up to 256, 1 with the step planned. */
    size_t chunk = 1;
    while (env->offline != SSM_SCHEDULE_STEP && chunk < env->max_out && chunk < 256)
        chunk *= 2;
    for (size_t h = 0; h < l->width; h++) {
        /* Rate-bound: discretised as trained (log_dt at ref_rate 1). */
        ssm_status st = ssm_liquid_activate(l->ch[h], 1.0, chunk);
        const float *K = st == SSM_OK ? ssm_s4_activated_kernel(ssm_liquid_s4(l->ch[h])) : NULL;
        int finite = K != NULL;
        for (size_t t = 0; finite && t < chunk; t++)
            finite = isfinite(K[t]);
        const double *coef = ssm_liquid_coefficients(l->ch[h]);
        for (size_t k = 0; finite && k + 1 < SSM_LIQUID_MAX_DEGREE; k++)
            finite = isfinite(coef[k]) && fabs(coef[k]) < 3.0e38;
        if (!finite) {
            ssm_layer_fail(c, st == SSM_OK ? SSM_ERR_FORMAT : st,
                           "channel %zu: no finite discrete system (%s)", h,
                           st == SSM_OK ? "kernel or correlation coefficients not finite"
                                        : ssm_status_string(st));
            return ssm_layer_status(c);
        }
    }
    l->s = ssm_layer_calloc(c, l->width * l->max_frames, sizeof *l->s);
    return l->s ? SSM_OK : ssm_layer_status(c);
}

/* As s4 (docs/benchmarks.md, Liquid-S4 rows: the chunked form 11x the step
 * at N = 64). */
static ssm_schedule plan(const void *self, size_t max_frames)
{
    return max_frames >= 32 ? SSM_SCHEDULE_FFT : SSM_SCHEDULE_STEP;
}

static void process(void *self, ssm_schedule sch, const ssm_frames *in, float *out, size_t n_out,
                    uint64_t first_out)
{
    liquid *l = self;
    const size_t H = l->width, ld = l->max_frames;
    const float *u = in[0].data;
    for (size_t t = 0; t < n_out; t++)
        for (size_t h = 0; h < H; h++)
            l->s[h * ld + t] = u[t * H + h];
    const ssm_mode mode = sch == SSM_SCHEDULE_STEP ? SSM_MODE_STREAM : SSM_MODE_OFFLINE;
    for (size_t h = 0; h < H; h++) {
        ssm_liquid_set_mode(l->ch[h], mode);
        ssm_liquid_process(l->ch[h], l->s + h * ld, l->s + h * ld, n_out);
    }
    for (size_t t = 0; t < n_out; t++)
        for (size_t h = 0; h < H; h++)
            out[t * H + h] = l->s[h * ld + t];
}

static void reset(void *self)
{
    liquid *l = self;
    for (size_t h = 0; h < l->width; h++)
        ssm_liquid_reset(l->ch[h]);
}

const ssm_layer_ops ssm_kind_liquid_s4 = {
    .kind = "liquid_s4",
    .min_inputs = 1,
    .max_inputs = 1,
    .rate_bound = 1,
    .schedules = 1u << SSM_SCHEDULE_FFT,
    .create = create,
    .activate = activate,
    .plan = plan,
    .process = process,
    .reset = reset,
    .destroy = destroy,
};
