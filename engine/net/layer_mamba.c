/* mamba: the Mamba selective state space block (Gu & Dao 2023, "Mamba:
 * Linear-Time Sequence Modeling with Selective State Spaces"; reference
 * state-spaces/mamba mamba_ssm/modules/mamba_simple.py, Mamba.forward and
 * Mamba.step, and selective_scan_ref), run by kernels/mamba.c:
 *
 *   x, z = in_proj(u);  x = SiLU(causal depthwise conv1d(x))
 *   (dt, B, C) = x_proj(x);  dt = softplus(dt_proj(dt)) dt_scale
 *   h = exp(dt A) h + dt B x,  A = -exp(A_log);  y = (h C + D x) SiLU(z)
 *   out = out_proj(y)
 *
 * Tensors keep the reference's names and layouts: in_proj.weight [2 d_inner,
 * W] (in_proj.bias, out_proj.bias with "bias"), conv1d.weight [d_inner, 1,
 * d_conv], conv1d.bias [d_inner] (with "conv_bias"), x_proj.weight [dt_rank
 * + 2 state, d_inner], dt_proj.weight [d_inner, dt_rank], dt_proj.bias,
 * A_log [d_inner, state], D [d_inner], out_proj.weight [W, d_inner].
 *
 * Rate-bound: dt is continuous-time and follows dt_scale, but the conv1d
 * taps are per sample, so another host rate runs the graph behind the
 * bridge. Schedules, one state: the step (the reference's Mamba.step, one
 * sample at a time) and the chunked scan (projections batched over a chunk,
 * the same sequential selective scan inside). */
#include <math.h>
#include <stdlib.h>

#include "net/layer.h"
#include "ssm/mamba.h"

typedef struct {
    ssm_mamba_weights w;
    ssm_mamba *m;
} mamba;

static void destroy(void *self)
{
    mamba *l = self;
    ssm_mamba_destroy(l->m);
    free(l);
}

static void *create(ssm_layer_ctx *c, ssm_stream *out)
{
    const size_t dm = ssm_layer_input(c, 0)->width;
    size_t di, ns, kc, rk;
    int bias, conv_bias;
    if (!ssm_param_size(c, "d_inner", 1, 65536, 2 * dm, &di) ||
        !ssm_param_size(c, "state", 1, 1024, 16, &ns) ||
        !ssm_param_size(c, "d_conv", 1, 64, 4, &kc) ||
        !ssm_param_size(c, "dt_rank", 1, 65536, (dm + 15) / 16, &rk) ||
        !ssm_param_bool(c, "bias", 0, &bias) || !ssm_param_bool(c, "conv_bias", 1, &conv_bias))
        return NULL;
    if (di * ns > ((size_t)1 << 24) || (rk + 2 * ns) * di > ((size_t)1 << 26)) {
        ssm_layer_fail(c, SSM_ERR_FORMAT, "d_inner %zu x state %zu is too large", di, ns);
        return NULL;
    }
    const uint64_t s_in[2] = {2 * di, dm}, s_2di[1] = {2 * di}, s_conv[3] = {di, 1, kc},
                   s_di[1] = {di}, s_x[2] = {rk + 2 * ns, di}, s_dt[2] = {di, rk},
                   s_a[2] = {di, ns}, s_out[2] = {dm, di}, s_dm[1] = {dm};
    const ssm_tensor *t_in = ssm_layer_tensor(c, "in_proj.weight", 2, s_in);
    const ssm_tensor *t_inb = t_in && bias ? ssm_layer_tensor(c, "in_proj.bias", 1, s_2di) : NULL;
    const ssm_tensor *t_conv =
        t_in && (!bias || t_inb) ? ssm_layer_tensor(c, "conv1d.weight", 3, s_conv) : NULL;
    const ssm_tensor *t_convb =
        t_conv && conv_bias ? ssm_layer_tensor(c, "conv1d.bias", 1, s_di) : NULL;
    const ssm_tensor *t_x =
        t_conv && (!conv_bias || t_convb) ? ssm_layer_tensor(c, "x_proj.weight", 2, s_x) : NULL;
    const ssm_tensor *t_dt = t_x ? ssm_layer_tensor(c, "dt_proj.weight", 2, s_dt) : NULL;
    const ssm_tensor *t_dtb = t_dt ? ssm_layer_tensor(c, "dt_proj.bias", 1, s_di) : NULL;
    const ssm_tensor *t_a = t_dtb ? ssm_layer_tensor(c, "A_log", 2, s_a) : NULL;
    const ssm_tensor *t_d = t_a ? ssm_layer_tensor(c, "D", 1, s_di) : NULL;
    const ssm_tensor *t_out = t_d ? ssm_layer_tensor(c, "out_proj.weight", 2, s_out) : NULL;
    const ssm_tensor *t_outb = t_out && bias ? ssm_layer_tensor(c, "out_proj.bias", 1, s_dm) : NULL;
    if (!t_out || (bias && !t_outb))
        return NULL;
    /* A = -exp(A_log) must be finite (and so every decay exp(dt A) in [0, 1]). */
    for (size_t i = 0; i < di * ns; i++)
        if (!(t_a->data[i] < 80.0f)) {
            ssm_layer_fail(c, SSM_ERR_FORMAT, "A_log[%zu] = %g: A = -exp(A_log) overflows", i,
                           (double)t_a->data[i]);
            return NULL;
        }
    mamba *l = ssm_layer_calloc(c, 1, sizeof *l);
    if (!l)
        return NULL;
    l->w = (ssm_mamba_weights){
        .d_model = dm,
        .d_inner = di,
        .d_state = ns,
        .d_conv = kc,
        .dt_rank = rk,
        .in_proj_w = t_in->data,
        .in_proj_b = t_inb ? t_inb->data : NULL,
        .conv_w = t_conv->data,
        .conv_b = t_convb ? t_convb->data : NULL,
        .x_proj_w = t_x->data,
        .dt_proj_w = t_dt->data,
        .dt_proj_b = t_dtb->data,
        .A_log = t_a->data,
        .D = t_d->data,
        .out_proj_w = t_out->data,
        .out_proj_b = t_outb ? t_outb->data : NULL,
    };
    return l;
}

static ssm_status activate(void *self, const ssm_layer_env *env, ssm_layer_ctx *c)
{
    mamba *l = self;
    ssm_mamba_destroy(l->m);
    /* The chunk batches the projections; with the step planned offline it
     * is never used beyond one step. */
    size_t chunk = env->offline == SSM_SCHEDULE_STEP ? 1 : env->max_out;
    chunk = chunk < 1 ? 1 : (chunk > 256 ? 256 : chunk);
    ssm_status st;
    l->m = ssm_mamba_create(&l->w, chunk, &st);
    if (!l->m) {
        ssm_layer_fail(c, st, "cannot build the block (d_inner %zu, state %zu, chunk %zu)",
                       l->w.d_inner, l->w.d_state, chunk);
        return st;
    }
    ssm_mamba_set_dt_scale(l->m, (float)env->dt_scale);
    return SSM_OK;
}

/* The chunked scan batches the projections over a chunk instead of running
 * matrix-vector products per step; the scan itself is the same loop.
 * Measured on blocks of 4096 with chunks of 256 it takes 0.84-0.95 of the
 * step's time (docs/benchmarks.md, "Selective SSMs (Mamba)"); below 256
 * frames per call it is not measured, so the step runs there. */
static ssm_schedule plan(const void *self, size_t max_frames)
{
    return max_frames >= 256 ? SSM_SCHEDULE_SCAN : SSM_SCHEDULE_STEP;
}

static void process(void *self, ssm_schedule sch, const ssm_frames *in, float *out, size_t n_out,
                    uint64_t first_out)
{
    mamba *l = self;
    ssm_mamba_set_mode(l->m, sch == SSM_SCHEDULE_STEP ? SSM_MODE_STREAM : SSM_MODE_OFFLINE);
    ssm_mamba_process(l->m, in[0].data, out, n_out);
}

static void reset(void *self)
{
    mamba *l = self;
    if (l->m)
        ssm_mamba_reset(l->m);
}

const ssm_layer_ops ssm_kind_mamba = {
    .kind = "mamba",
    .min_inputs = 1,
    .max_inputs = 1,
    .rate_bound = 1,
    .schedules = 1u << SSM_SCHEDULE_SCAN,
    .create = create,
    .activate = activate,
    .plan = plan,
    .process = process,
    .reset = reset,
    .destroy = destroy,
};
