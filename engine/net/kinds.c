/* Every layer kind, once. Adding a kind: write engine/net/layer_<kind>.c
 * (an ssm_layer_ops named ssm_kind_<kind>), list it here and in
 * engine/meson.build (docs/model-format.md, "Adding a layer kind"). */
#include <stdio.h>
#include <string.h>

#include "net/kinds.h"

extern const ssm_layer_ops ssm_kind_linear, ssm_kind_conv1d, ssm_kind_rmsnorm, ssm_kind_layernorm,
    ssm_kind_activation, ssm_kind_glu, ssm_kind_fb_encode, ssm_kind_fb_decode, ssm_kind_logpow,
    ssm_kind_decimate, ssm_kind_interpolate, ssm_kind_add, ssm_kind_mul, ssm_kind_concat,
    ssm_kind_split, ssm_kind_affine, ssm_kind_s4d;
/* The LTI families beside s4d. */
extern const ssm_layer_ops ssm_kind_lru, ssm_kind_s5, ssm_kind_dss, ssm_kind_s4, ssm_kind_liquid_s4,
    ssm_kind_s4nd;

static const ssm_layer_ops *const kinds[] = {
    &ssm_kind_linear,     &ssm_kind_conv1d,    &ssm_kind_rmsnorm,     &ssm_kind_layernorm,
    &ssm_kind_activation, &ssm_kind_glu,       &ssm_kind_fb_encode,   &ssm_kind_fb_decode,
    &ssm_kind_logpow,     &ssm_kind_decimate,  &ssm_kind_interpolate, &ssm_kind_add,
    &ssm_kind_mul,        &ssm_kind_concat,    &ssm_kind_split,       &ssm_kind_affine,
    &ssm_kind_s4d,        &ssm_kind_lru,       &ssm_kind_s5,          &ssm_kind_dss,
    &ssm_kind_s4,         &ssm_kind_liquid_s4, &ssm_kind_s4nd,
};

/* The selective and gated families (Mamba, Mamba-2, Hyena, H3, GSS). */
extern const ssm_layer_ops ssm_kind_mamba, ssm_kind_mamba2, ssm_kind_hyena, ssm_kind_h3,
    ssm_kind_gss;

static const ssm_layer_ops *const selective_kinds[] = {
    &ssm_kind_mamba, &ssm_kind_mamba2, &ssm_kind_hyena, &ssm_kind_h3, &ssm_kind_gss,
};

/* The lists above, in the order the known-kinds message gives them. */
typedef struct {
    const ssm_layer_ops *const *ops;
    size_t n;
} kind_group;

static const kind_group groups[] = {
    {kinds, sizeof kinds / sizeof kinds[0]},
    {selective_kinds, sizeof selective_kinds / sizeof selective_kinds[0]},
};

#define N_GROUPS (sizeof groups / sizeof groups[0])

const ssm_layer_ops *ssm_kind_find(const char *kind)
{
    for (size_t g = 0; g < N_GROUPS; g++)
        for (size_t i = 0; i < groups[g].n; i++)
            if (strcmp(groups[g].ops[i]->kind, kind) == 0)
                return groups[g].ops[i];
    return NULL;
}

void ssm_kind_list(char *buf, size_t size)
{
    size_t at = 0;
    buf[0] = 0;
    for (size_t g = 0; g < N_GROUPS; g++)
        for (size_t i = 0; i < groups[g].n && at < size; i++)
            at += (size_t)snprintf(buf + at, size - at, "%s%s", at ? ", " : "",
                                   groups[g].ops[i]->kind);
}
