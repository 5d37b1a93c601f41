/* h3: the H3 layer (Dao, Fu et al. 2023, "Hungry Hungry Hippos: Towards
 * Language Modeling with State Space Models"; reference HazyResearch/safari
 * src/models/sequence/h3.py, head_dim 1), run by kernels/h3.c:
 *
 *   q, k, v = q_proj(u), k_proj(u), v_proj(u)
 *   k = shift_ssm(k) + ssm_k_D k   (the shift SSM: an Ns-tap FIR from B, C)
 *   y = S4D(k v) + D (k v);  out = output_linear(y q)
 *
 * Tensors: q_proj, k_proj, v_proj, output_linear .weight [W, W] / .bias
 * [W]; ssm_k_kernel.B [W, Ns], ssm_k_kernel.C [1, W, Ns], ssm_k_D [W]; the
 * S4D part as the s4d kind's under "kernel.": kernel.log_dt [W],
 * kernel.log_A_real, kernel.A_imag, kernel.C_re, kernel.C_im [W, state/2],
 * kernel.D [W].
 *
 * The S4D part is continuous-time and re-discretised for dt_scale; the
 * shift FIR is per sample, so the kind is rate-bound. Schedules, one state
 * (kernels/h3.c runs its S4D part on one ssm_diag): the step, and the
 * chunked FFT convolution. */
#include <stdlib.h>
#include <string.h>

#include "net/layer.h"
#include "ssm/diag.h"
#include "ssm/h3.h"

typedef struct {
    ssm_discretization disc;
    ssm_s4d_params ssm;
    ssm_h3_weights w;
    ssm_h3 *m;
} h3;

static const char *const discs[] = {"zoh", "bilinear", NULL};

static void destroy(void *self)
{
    h3 *l = self;
    ssm_h3_destroy(l->m);
    ssm_s4d_params_free(&l->ssm);
    free(l);
}

static void *create(ssm_layer_ctx *c, ssm_stream *out)
{
    const size_t H = ssm_layer_input(c, 0)->width;
    size_t n, ns;
    int disc;
    if (!ssm_param_size(c, "state", 2, 4096, 64, &n) ||
        !ssm_param_size(c, "shift_state", 1, 4096, n, &ns) ||
        !ssm_param_choice(c, "discretization", discs, 0, &disc))
        return NULL;
    if (n % 2) {
        ssm_layer_fail(c, SSM_ERR_FORMAT, "state %zu is odd; S4D keeps N/2 complex conjugate pairs",
                       n);
        return NULL;
    }
    const size_t M = n / 2;
    if (H * H > ((size_t)1 << 26) || H * (M + ns) > ((size_t)1 << 24)) {
        ssm_layer_fail(c, SSM_ERR_FORMAT, "width %zu x state %zu is too large", H, n);
        return NULL;
    }
    const uint64_t s_hh[2] = {H, H}, s_h[1] = {H}, s_b[2] = {H, ns}, s_c[3] = {1, H, ns},
                   s_hm[2] = {H, M};
    static const char *const names[] = {"q_proj.weight",
                                        "q_proj.bias",
                                        "k_proj.weight",
                                        "k_proj.bias",
                                        "v_proj.weight",
                                        "v_proj.bias",
                                        "output_linear.weight",
                                        "output_linear.bias",
                                        "ssm_k_kernel.B",
                                        "ssm_k_kernel.C",
                                        "ssm_k_D",
                                        "kernel.log_dt",
                                        "kernel.log_A_real",
                                        "kernel.A_imag",
                                        "kernel.C_re",
                                        "kernel.C_im",
                                        "kernel.D"};
    const uint64_t *shapes[] = {s_hh, s_h, s_hh, s_h,  s_hh, s_h,  s_hh, s_h, s_b,
                                s_c,  s_h, s_h,  s_hm, s_hm, s_hm, s_hm, s_h};
    static const uint32_t ndims[] = {2, 1, 2, 1, 2, 1, 2, 1, 2, 3, 1, 1, 2, 2, 2, 2, 1};
    enum { N_T = sizeof ndims / sizeof ndims[0] };
    const ssm_tensor *t[N_T];
    for (size_t i = 0; i < N_T; i++)
        if (!(t[i] = ssm_layer_tensor(c, names[i], ndims[i], shapes[i])))
            return NULL;
    h3 *l = ssm_layer_calloc(c, 1, sizeof *l);
    if (!l)
        return NULL;
    l->disc = disc == 1 ? SSM_BILINEAR : SSM_ZOH;
    if (ssm_s4d_params_init(&l->ssm, H, M) != SSM_OK) {
        ssm_layer_fail(c, SSM_ERR_NOMEM, "out of memory for %zu x %zu modes", H, M);
        destroy(l);
        return NULL;
    }
    memcpy(l->ssm.log_dt, t[11]->data, H * sizeof(float));
    memcpy(l->ssm.log_a_real, t[12]->data, H * M * sizeof(float));
    memcpy(l->ssm.a_imag, t[13]->data, H * M * sizeof(float));
    memcpy(l->ssm.c_re, t[14]->data, H * M * sizeof(float));
    memcpy(l->ssm.c_im, t[15]->data, H * M * sizeof(float));
    memcpy(l->ssm.d, t[16]->data, H * sizeof(float));
    l->w = (ssm_h3_weights){
        .d_model = H,
        .shift_n = ns,
        .q_w = t[0]->data,
        .q_b = t[1]->data,
        .k_w = t[2]->data,
        .k_b = t[3]->data,
        .v_w = t[4]->data,
        .v_b = t[5]->data,
        .out_w = t[6]->data,
        .out_b = t[7]->data,
        .shift_B = t[8]->data,
        .shift_C = t[9]->data,
        .shift_D = t[10]->data,
        .ssm = &l->ssm,
    };
    return l;
}

static ssm_status activate(void *self, const ssm_layer_env *env, ssm_layer_ctx *c)
{
    h3 *l = self;
    ssm_h3_destroy(l->m);
    l->m = NULL;
    /* The S4D part's poles, checked before the kernel takes them. */
    ssm_diag_bank bank;
    ssm_status st = ssm_diag_bank_init(&bank, l->ssm.channels, l->ssm.modes);
    if (st == SSM_OK)
        st = ssm_s4d_discretize(&l->ssm, l->disc, env->dt_scale, &bank);
    const int stable = st == SSM_OK && ssm_diag_bank_max_pole(&bank) < 1.0;
    ssm_diag_bank_free(&bank);
    if (!stable) {
        ssm_layer_fail(c, SSM_ERR_FORMAT,
                       "the S4D part gives no stable discrete system at dt_scale %g (a pole on "
                       "or outside the unit circle, or not finite)",
                       env->dt_scale);
        return SSM_ERR_FORMAT;
    }
    /* A power-of-two FFT chunk (FFTW plans of other sizes may allocate in
     * execute); minimal when the step is planned offline. */
    size_t chunk = 1;
    while (env->offline != SSM_SCHEDULE_STEP && chunk < env->max_out && chunk < 1024)
        chunk *= 2;
    const size_t block = env->max_out < 1 ? 1 : (env->max_out > 4096 ? 4096 : env->max_out);
    l->m = ssm_h3_create(&l->w, l->disc, env->dt_scale, chunk, block, &st);
    if (!l->m) {
        ssm_layer_fail(c, st, "cannot build the %s schedule", ssm_schedule_name(env->offline));
        return st;
    }
    return SSM_OK;
}

/* The recurrent step is ahead of the chunked FFT form on the CPUs measured
 * (docs/benchmarks.md, "The other selective / gated kernels": H3 497 against
 * 661 ns/sample at d = 32, N = 64), so offline mode plans the step; the FFT
 * schedule is offered (and tested equal) for a measured plan. */
static ssm_schedule plan(const void *self, size_t max_frames)
{
    return SSM_SCHEDULE_STEP;
}

static void process(void *self, ssm_schedule sch, const ssm_frames *in, float *out, size_t n_out,
                    uint64_t first_out)
{
    h3 *l = self;
    ssm_h3_set_mode(l->m, sch == SSM_SCHEDULE_STEP ? SSM_MODE_STREAM : SSM_MODE_OFFLINE);
    ssm_h3_process(l->m, in[0].data, out, n_out);
}

static void reset(void *self)
{
    h3 *l = self;
    if (l->m)
        ssm_h3_reset(l->m);
}

const ssm_layer_ops ssm_kind_h3 = {
    .kind = "h3",
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
