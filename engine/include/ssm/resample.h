/* ssmaudio sample-rate handling. A continuous-time model is re-discretised
 * for the host rate (no resampling, no latency). A model whose metadata says
 * it cannot be (ssm.rediscretize = "false": trained on band-limited data,
 * say) runs at its own rate inside a rate bridge: host -> model rate,
 * process, model -> host rate, through libsamplerate, with a fixed latency.
 * ssm_rate_choose() says which path applies and why, in words the tools
 * print. */
#ifndef SSM_RESAMPLE_H
#define SSM_RESAMPLE_H

#include <stddef.h>
#include <stdint.h>

#include "ssm/model.h"
#include "ssm/ssmaudio.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef enum {
    SSM_RATE_INVALID = -1,     /* the rate metadata is there but unusable (why says how) */
    SSM_RATE_NATIVE = 0,       /* host rate == model rate */
    SSM_RATE_REDISCRETIZE = 1, /* continuous-time parameters, discretised for the host */
    SSM_RATE_RESAMPLE = 2,     /* run at the model's rate inside a rate bridge */
} ssm_rate_path;

/* Reads "ssm.sample_rate" and "ssm.rediscretize" (docs/model-format.md).
 * inner_rate gets the rate the model runs at; why (may be NULL) a sentence
 * naming the file and the path taken, or, for SSM_RATE_INVALID, the key
 * and what is wrong with its value. */
SSM_API ssm_rate_path ssm_rate_choose(const ssm_model *m, double host_rate, double *inner_rate,
                                      char *why, size_t why_size);

/* The inner processing run at the inner rate (real-time rules apply). */
typedef void (*ssm_rate_inner)(void *user, const float *const *in, float *const *out,
                               uint32_t n_frames);

typedef struct ssm_rate_bridge ssm_rate_bridge;

/* max_block: the most host frames per process call. Measures the bridge's
 * latency once (an impulse through both converters). */
SSM_API ssm_rate_bridge *ssm_rate_bridge_create(double host_rate, double inner_rate,
                                                uint32_t n_channels, uint32_t max_block,
                                                ssm_error *err);
SSM_API void ssm_rate_bridge_destroy(ssm_rate_bridge *b);
/* The most inner frames one inner call gets: size the inner processor's
 * max block with this. */
SSM_API uint32_t ssm_rate_bridge_max_inner_block(const ssm_rate_bridge *b);
/* Real-time safe: n_frames (<= max_block) host frames in and out; calls
 * inner zero or more times. in and out may alias. */
SSM_API void ssm_rate_bridge_process(ssm_rate_bridge *b, const float *const *in, float *const *out,
                                     uint32_t n_frames, ssm_rate_inner inner, void *user);
/* Host frames from input to output through both converters and the FIFO
 * (the inner processing's own latency not included). */
SSM_API uint32_t ssm_rate_bridge_latency(const ssm_rate_bridge *b);
SSM_API void ssm_rate_bridge_reset(ssm_rate_bridge *b);

#ifdef __cplusplus
}
#endif
#endif
