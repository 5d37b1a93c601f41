/* Private: what a built-in processor type provides. Each type lives in its
 * own file (engine/proc/<type>.c) and is listed in processor.c. */
#ifndef SSM_PROCESSOR_IMPL_H
#define SSM_PROCESSOR_IMPL_H

#include "ssm/ssmaudio.h"

typedef struct {
    const char *type;
    const ssm_param_info *params;
    uint32_t n_params;
    /* Non-real-time: may allocate and read files. */
    void *(*create)(const ssm_processor_desc *desc, ssm_error *err);
    ssm_status (*activate)(void *self, double sample_rate, uint32_t max_block, uint32_t n_channels,
                           ssm_error *err);
    void (*destroy)(void *self);
    /* Real-time safe. set_param gets values already clamped to range. */
    void (*set_mode)(void *self, ssm_mode mode);
    void (*set_param)(void *self, uint32_t index, float value);
    float (*get_param)(const void *self, uint32_t index); /* may be NULL: last set value */
    void (*process)(void *self, const float *const *in, float *const *out, uint32_t n_frames);
    uint32_t (*latency)(const void *self); /* may be NULL: 0 */
    void (*reset)(void *self);
} ssm_processor_vtable;

extern const ssm_processor_vtable ssm_proc_gain;
extern const ssm_processor_vtable ssm_proc_resonator;
extern const ssm_processor_vtable ssm_proc_reverb;
extern const ssm_processor_vtable ssm_proc_model;
extern const ssm_processor_vtable ssm_proc_denoise;

#endif
