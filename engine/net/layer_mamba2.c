/* mamba2: the Mamba-2 block (Dao & Gu 2024, "Transformers are SSMs:
 * Generalized Models and Efficient Algorithms Through Structured State Space
 * Duality"; reference state-spaces/mamba mamba_ssm/modules/mamba2.py with
 * d_mlp = 0, D per head, the gated RMSNorm with norm_before_gate = False,
 * and ssd_minimal.py), run by kernels/ssd.c:
 *
 *   (z, xBC, dt) = in_proj(u);  xBC = SiLU(causal depthwise conv1d(xBC))
 *   (x, B, C) = split(xBC);  dt = softplus(dt + dt_bias) dt_scale
 *   per head: S = exp(dt A) S + dt B x^T, A = -exp(A_log);  y = S^T C + D x
 *   y = RMSNorm(y SiLU(z)) norm.weight (per group);  out = out_proj(y)
 *
 * Tensors keep the reference's names: in_proj.weight [2 d_inner + 2 G N +
 * H, W], conv1d.weight [d_inner + 2 G N, 1, d_conv], conv1d.bias (with
 * "conv_bias"), dt_bias, A_log, D [H], norm.weight [d_inner],
 * out_proj.weight [W, d_inner]; in_proj.bias and out_proj.bias with "bias".
 * H = d_inner / head_dim heads share G groups of (B, C).
 *
 * Rate-bound: dt follows dt_scale, but the conv1d taps are per sample.
 * Schedules, one state: the step (Mamba2.step's recurrence per sample; the
 * stateless projections batched over the call) and the chunked SSD form
 * (the quadratic form inside chunks of 16, states passed across). */
#include <stdlib.h>

#include "net/layer.h"
#include "ssm/ssd.h"

#define SSD_CHUNK 16

typedef struct {
    ssm_mamba2_weights w;
    ssm_mamba2 *m;
} mamba2;

static void destroy(void *self)
{
    mamba2 *l = self;
    ssm_mamba2_destroy(l->m);
    free(l);
}

static void *create(ssm_layer_ctx *c, ssm_stream *out)
{
    const size_t dm = ssm_layer_input(c, 0)->width;
    size_t di, P, G, N, kc;
    double eps;
    int bias, conv_bias;
    if (!ssm_param_size(c, "d_inner", 1, 65536, 2 * dm, &di) ||
        !ssm_param_size(c, "head_dim", 1, 4096, 64, &P) ||
        !ssm_param_size(c, "groups", 1, 4096, 1, &G) ||
        !ssm_param_size(c, "state", 1, 1024, 128, &N) ||
        !ssm_param_size(c, "d_conv", 1, 64, 4, &kc) || !ssm_param_bool(c, "bias", 0, &bias) ||
        !ssm_param_bool(c, "conv_bias", 1, &conv_bias) ||
        !ssm_param_number(c, "eps", 1e-12, 1.0, 1e-5, &eps))
        return NULL;
    if (di % P || (di / P) % G) {
        ssm_layer_fail(c, SSM_ERR_FORMAT,
                       "head_dim %zu must divide d_inner %zu and groups %zu the heads", P, di, G);
        return NULL;
    }
    const size_t H = di / P, cd = di + 2 * G * N, np = 2 * di + 2 * G * N + H;
    if (np * dm > ((size_t)1 << 26) || H * N * P > ((size_t)1 << 24)) {
        ssm_layer_fail(c, SSM_ERR_FORMAT, "d_inner %zu x state %zu is too large", di, N);
        return NULL;
    }
    const uint64_t s_in[2] = {np, dm}, s_np[1] = {np}, s_conv[3] = {cd, 1, kc}, s_cd[1] = {cd},
                   s_h[1] = {H}, s_di[1] = {di}, s_out[2] = {dm, di}, s_dm[1] = {dm};
    const ssm_tensor *t_in = ssm_layer_tensor(c, "in_proj.weight", 2, s_in);
    const ssm_tensor *t_inb = t_in && bias ? ssm_layer_tensor(c, "in_proj.bias", 1, s_np) : NULL;
    const ssm_tensor *t_conv =
        t_in && (!bias || t_inb) ? ssm_layer_tensor(c, "conv1d.weight", 3, s_conv) : NULL;
    const ssm_tensor *t_convb =
        t_conv && conv_bias ? ssm_layer_tensor(c, "conv1d.bias", 1, s_cd) : NULL;
    const ssm_tensor *t_dtb =
        t_conv && (!conv_bias || t_convb) ? ssm_layer_tensor(c, "dt_bias", 1, s_h) : NULL;
    const ssm_tensor *t_a = t_dtb ? ssm_layer_tensor(c, "A_log", 1, s_h) : NULL;
    const ssm_tensor *t_d = t_a ? ssm_layer_tensor(c, "D", 1, s_h) : NULL;
    const ssm_tensor *t_nw = t_d ? ssm_layer_tensor(c, "norm.weight", 1, s_di) : NULL;
    const ssm_tensor *t_out = t_nw ? ssm_layer_tensor(c, "out_proj.weight", 2, s_out) : NULL;
    const ssm_tensor *t_outb = t_out && bias ? ssm_layer_tensor(c, "out_proj.bias", 1, s_dm) : NULL;
    if (!t_out || (bias && !t_outb))
        return NULL;
    for (size_t h = 0; h < H; h++)
        if (!(t_a->data[h] < 80.0f)) {
            ssm_layer_fail(c, SSM_ERR_FORMAT, "A_log[%zu] = %g: A = -exp(A_log) overflows", h,
                           (double)t_a->data[h]);
            return NULL;
        }
    mamba2 *l = ssm_layer_calloc(c, 1, sizeof *l);
    if (!l)
        return NULL;
    l->w = (ssm_mamba2_weights){
        .d_model = dm,
        .d_inner = di,
        .head_dim = P,
        .groups = G,
        .d_state = N,
        .d_conv = kc,
        .in_proj_w = t_in->data,
        .in_proj_b = t_inb ? t_inb->data : NULL,
        .conv_w = t_conv->data,
        .conv_b = t_convb ? t_convb->data : NULL,
        .dt_bias = t_dtb->data,
        .A_log = t_a->data,
        .D = t_d->data,
        .norm_w = t_nw->data,
        .out_proj_w = t_out->data,
        .out_proj_b = t_outb ? t_outb->data : NULL,
        .norm_eps = (float)eps,
    };
    return l;
}

static ssm_status activate(void *self, const ssm_layer_env *env, ssm_layer_ctx *c)
{
    mamba2 *l = self;
    ssm_mamba2_destroy(l->m);
    const size_t block = env->max_out < 1 ? 1 : (env->max_out > 1024 ? 1024 : env->max_out);
    ssm_status st;
    l->m = ssm_mamba2_create(&l->w, SSD_CHUNK, block, &st);
    if (!l->m) {
        ssm_layer_fail(c, st, "cannot build the block (d_inner %zu, state %zu)", l->w.d_inner,
                       l->w.d_state);
        return st;
    }
    ssm_mamba2_set_dt_scale(l->m, (float)env->dt_scale);
    return SSM_OK;
}

/* With one decay per head the step needs one exp per head and vectorises
 * over the head dimension; on the CPUs measured it beats the chunked form
 * at every chunk length (docs/benchmarks.md, "The other selective / gated
 * kernels": 156 ns/sample against 338 at Q = 8), which pays off only with
 * matrix units. So offline mode plans the step; the chunked form is
 * offered (and tested equal) for a measured plan that finds it faster. */
static ssm_schedule plan(const void *self, size_t max_frames)
{
    return SSM_SCHEDULE_STEP;
}

static void process(void *self, ssm_schedule sch, const ssm_frames *in, float *out, size_t n_out,
                    uint64_t first_out)
{
    mamba2 *l = self;
    ssm_mamba2_set_mode(l->m, sch == SSM_SCHEDULE_STEP ? SSM_MODE_STREAM : SSM_MODE_OFFLINE);
    ssm_mamba2_process(l->m, in[0].data, out, n_out);
}

static void reset(void *self)
{
    mamba2 *l = self;
    if (l->m)
        ssm_mamba2_reset(l->m);
}

const ssm_layer_ops ssm_kind_mamba2 = {
    .kind = "mamba2",
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
