/* ssmaudio: the host-agnostic processor API.
 *
 * One shape for every host (the LV2 plugins, ssm-render, ssm-live, a third
 * party linking libssmaudio): create from a description, activate for a
 * sample rate and a maximum block length, then process blocks.
 *
 * Everything that allocates, plans FFTs or reads files happens in create or
 * activate. ssm_processor_process(), ssm_processor_set_param() and
 * ssm_processor_get_param() are real-time safe: no allocation, lock, log or
 * file access, and denormals are flushed while they run.
 */
#ifndef SSMAUDIO_H
#define SSMAUDIO_H

#include <stdint.h>

#include "ssm/common.h"

#ifdef __cplusplus
extern "C" {
#endif

/* An error is a value: a status plus a message naming the file, the field
 * and the reason. Functions that take an ssm_error * fill it on failure
 * (the pointer may be NULL when the caller does not care). */
typedef struct {
    ssm_status status;
    char message[512];
} ssm_error;

SSM_API void ssm_error_set(ssm_error *err, ssm_status status, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

typedef enum {
    SSM_PARAM_INPUT = 0,  /* a control the host sets */
    SSM_PARAM_OUTPUT = 1, /* a meter the processor reports (gain reduction, ...) */
} ssm_param_dir;

typedef struct {
    const char *symbol; /* stable identifier, as the LV2 port symbol */
    const char *name;   /* human-readable */
    const char *unit;   /* "dB", "Hz", "s", "%", "" */
    float min, max, def;
    ssm_param_dir dir;
} ssm_param_info;

typedef struct ssm_processor ssm_processor;

typedef struct {
    const char *type;       /* a built-in type ("gain", ...), see ssm_processor_types() */
    const char *model_path; /* a model file, for the types that load one (else NULL) */
    uint32_t n_channels;    /* audio channels in == out; 0 means 1 */
} ssm_processor_desc;

/* NULL-terminated list of the built-in processor type names. */
SSM_API const char *const *ssm_processor_types(void);

SSM_API ssm_processor *ssm_processor_create(const ssm_processor_desc *desc, ssm_error *err);
SSM_API ssm_status ssm_processor_activate(ssm_processor *p, double sample_rate, uint32_t max_block,
                                          ssm_error *err);
/* Switch between the recurrent and the offline form; takes effect at the
 * next block boundary without a click (the state carries over). */
SSM_API void ssm_processor_set_mode(ssm_processor *p, ssm_mode mode);
SSM_API ssm_mode ssm_processor_mode(const ssm_processor *p);

/* Input samples beyond this (+60 dBFS), and NaN and infinities, are no
 * audio but a broken driver or file: process() runs them as silence, so
 * they never reach a processor's state (one NaN would stay in a filter's
 * state for good). */
#define SSM_INPUT_LIMIT 1000.0f

/* in[c] and out[c] for c < n_channels; in and out may be the same buffers.
 * Any n_frames (longer blocks are split at max_block). Before a successful
 * activate it writes silence. Input that is NaN, infinite or beyond
 * SSM_INPUT_LIMIT is processed as 0 (the caller's buffer is not touched). */
SSM_API void ssm_processor_process(ssm_processor *p, const float *const *in, float *const *out,
                                   uint32_t n_frames);
/* How many input samples process() has run as silence since create
 * (SSM_INPUT_LIMIT). Real-time safe; may be read from another thread. */
SSM_API uint64_t ssm_processor_rejected(const ssm_processor *p);
/* Algorithmic latency in frames at the activated rate. */
SSM_API uint32_t ssm_processor_latency(const ssm_processor *p);
/* Clear all state (as if freshly activated). Real-time safe. */
SSM_API void ssm_processor_reset(ssm_processor *p);
SSM_API void ssm_processor_destroy(ssm_processor *p);

SSM_API uint32_t ssm_processor_n_channels(const ssm_processor *p);
SSM_API uint32_t ssm_processor_n_params(const ssm_processor *p);
SSM_API const ssm_param_info *ssm_processor_param_info(const ssm_processor *p, uint32_t index);
/* Index of a parameter by symbol, or -1. Not real-time: it compares strings. */
SSM_API int32_t ssm_processor_param_index(const ssm_processor *p, const char *symbol);
/* Real-time safe; values are clamped to the parameter's range and smoothed
 * by the processor where a jump would click. */
SSM_API void ssm_processor_set_param(ssm_processor *p, uint32_t index, float value);
SSM_API float ssm_processor_get_param(const ssm_processor *p, uint32_t index);

/* Flush-to-zero and denormals-are-zero for the calling thread's FPU;
 * returns the previous control word for ssm_denormals_restore(). */
SSM_API uint32_t ssm_denormals_disable(void);
SSM_API void ssm_denormals_restore(uint32_t saved);

#ifdef __cplusplus
}
#endif
#endif
