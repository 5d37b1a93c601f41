/* S4D block at the frame rate: u + GLU(Linear(GELU(S4D(RMSNorm(u))))).
 *
 * The S4D system is stored continuous-time in the model file and
 * discretised by ZOH for the frame rate (kernels/s4d.c); both forms run on
 * one ssm_diag (kernels/diag.c): the recurrence live and offline the exact
 * schedule planned for the most frames a call brings (ssm_diag_plan_offline:
 * the recurrence itself where the chunked forms would be slower), on one
 * state, so a mode switch at a block boundary is seamless. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/plan.h"
#include "net/network.h"
#include "ssm/activations.h"

static const ssm_tensor *need(const ssm_model *m, const char *prefix, const char *what,
                              uint32_t ndim, const uint64_t *shape, ssm_error *err)
{
    char name[256];
    if (snprintf(name, sizeof name, "%s.%s", prefix, what) >= (int)sizeof name) {
        ssm_error_set(err, SSM_ERR_FORMAT, "%s: tensor name %s.%s is too long", ssm_model_path(m),
                      prefix, what);
        return NULL;
    }
    return ssm_model_require(m, name, ndim, shape, err);
}

ssm_status ssm_layer_s4d_init(ssm_layer_s4d *l, const ssm_model *m, const char *prefix,
                              size_t width, size_t state, float norm_eps, ssm_error *err)
{
    memset(l, 0, sizeof *l);
    l->width = width;
    l->modes = state / 2;
    l->norm_eps = norm_eps;
    const size_t H = width, M = l->modes;
    const uint64_t h1[1] = {H}, hm[2] = {H, M};
    char sub[128];
    if (snprintf(sub, sizeof sub, "%s.s4d", prefix) >= (int)sizeof sub) {
        ssm_error_set(err, SSM_ERR_FORMAT, "%s: layer name %s is too long", ssm_model_path(m),
                      prefix);
        return SSM_ERR_FORMAT;
    }
    const ssm_tensor *nw = need(m, prefix, "norm.weight", 1, h1, err);
    const ssm_tensor *ldt = nw ? need(m, sub, "log_dt", 1, h1, err) : NULL;
    const ssm_tensor *lar = ldt ? need(m, sub, "log_A_real", 2, hm, err) : NULL;
    const ssm_tensor *ai = lar ? need(m, sub, "A_imag", 2, hm, err) : NULL;
    const ssm_tensor *cre = ai ? need(m, sub, "C_re", 2, hm, err) : NULL;
    const ssm_tensor *cim = cre ? need(m, sub, "C_im", 2, hm, err) : NULL;
    const ssm_tensor *d = cim ? need(m, sub, "D", 1, h1, err) : NULL;
    if (!d)
        return SSM_ERR_FORMAT;
    if (snprintf(sub, sizeof sub, "%s.out", prefix) >= (int)sizeof sub)
        return SSM_ERR_FORMAT;
    ssm_status st = ssm_layer_linear_init(&l->out, m, sub, H, 2 * H, err);
    if (st != SSM_OK)
        return st;
    l->norm_w = nw->data;
    if (ssm_s4d_params_init(&l->params, H, M) != SSM_OK ||
        ssm_diag_bank_init(&l->bank, H, M) != SSM_OK) {
        ssm_layer_s4d_free(l);
        ssm_error_set(err, SSM_ERR_NOMEM, "%s: out of memory for %s", ssm_model_path(m), prefix);
        return SSM_ERR_NOMEM;
    }
    memcpy(l->params.log_dt, ldt->data, H * sizeof(float));
    memcpy(l->params.log_a_real, lar->data, H * M * sizeof(float));
    memcpy(l->params.a_imag, ai->data, H * M * sizeof(float));
    memcpy(l->params.c_re, cre->data, H * M * sizeof(float));
    memcpy(l->params.c_im, cim->data, H * M * sizeof(float));
    memcpy(l->params.d, d->data, H * sizeof(float));
    /* The network runs at its training rate (the engine resamples around
     * it), so the frame step is the trained one: dt_scale = 1. */
    st = ssm_s4d_discretize(&l->params, SSM_ZOH, 1.0, &l->bank);
    if (st == SSM_OK && !(ssm_diag_bank_max_pole(&l->bank) < 1.0))
        st = SSM_ERR_FORMAT;
    if (st != SSM_OK) {
        ssm_layer_s4d_free(l);
        ssm_error_set(err, st, "%s: %s: S4D parameters give no stable discrete system",
                      ssm_model_path(m), prefix);
    }
    return st;
}

ssm_status ssm_layer_s4d_activate(ssm_layer_s4d *l, size_t max_frames, ssm_error *err)
{
    const size_t H = l->width;
    free(l->z);
    free(l->z2);
    ssm_diag_destroy(l->ssm);
    l->ssm = NULL;
    l->max_frames = max_frames;
    l->z = malloc(max_frames * H * sizeof *l->z);
    l->z2 = malloc(max_frames * 2 * H * sizeof *l->z2);
    ssm_status st = SSM_OK;
    if (l->z && l->z2)
        l->ssm = ssm_diag_create(&l->bank,
                                 &(ssm_diag_config){.method = SSM_DIAG_PLANNED,
                                                    .rigor = ssm_engine_plan_rigor(),
                                                    .block = max_frames},
                                 &st);
    if (!l->ssm) {
        ssm_error_set(err, SSM_ERR_NOMEM, "out of memory activating an S4D block");
        return SSM_ERR_NOMEM;
    }
    return SSM_OK;
}

void ssm_layer_s4d_free(ssm_layer_s4d *l)
{
    ssm_diag_destroy(l->ssm);
    ssm_diag_bank_free(&l->bank);
    ssm_s4d_params_free(&l->params);
    ssm_layer_linear_free(&l->out);
    free(l->z);
    free(l->z2);
    memset(l, 0, sizeof *l);
}

void ssm_layer_s4d_reset(ssm_layer_s4d *l)
{
    if (l->ssm)
        ssm_diag_reset(l->ssm);
}

void ssm_layer_s4d_run(ssm_layer_s4d *l, float *U, size_t T, ssm_mode mode)
{
    const size_t H = l->width;
    for (size_t t = 0; t < T; t++)
        ssm_rmsnorm(l->z + t * H, U + t * H, l->norm_w, H, l->norm_eps);
    /* The bank reads and writes the frames where they are ([T][H]). */
    ssm_diag_set_mode(l->ssm, mode);
    ssm_diag_process_strided(l->ssm, l->z, 1, H, l->z, 1, H, T);
    ssm_gelu(l->z, l->z, T * H);
    ssm_layer_linear_run(&l->out, l->z, l->z2, T);
    for (size_t t = 0; t < T; t++)
        ssm_glu_add(U + t * H, l->z2 + t * 2 * H, H);
}
