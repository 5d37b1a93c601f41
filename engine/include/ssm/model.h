/* ssmaudio model files: safetensors (an 8-byte little-endian header length,
 * a JSON header, then little-endian tensor data), with the network's
 * architecture, sample rate and provenance as strings in "__metadata__".
 * The format and the metadata keys are documented in docs/model-format.md.
 *
 * Loading validates every tensor's name, dtype, shape and byte range before
 * anything is used: a corrupt, truncated or hostile file gets an error that
 * names the file and what is wrong, never a crash or an out-of-bounds read.
 */
#ifndef SSM_MODEL_H
#define SSM_MODEL_H

#include <stddef.h>
#include <stdint.h>

#include "ssm/ssmaudio.h"

#ifdef __cplusplus
extern "C" {
#endif

#define SSM_MODEL_MAX_DIMS 4

typedef struct {
    const char *name;
    uint32_t ndim;
    uint64_t shape[SSM_MODEL_MAX_DIMS];
    size_t numel;
    const float *data; /* float32, host order (F16/BF16 files are widened on load) */
} ssm_tensor;

typedef struct ssm_model ssm_model;

SSM_API ssm_model *ssm_model_load(const char *path, ssm_error *err);
/* The same from memory (the fuzzer's entry point; `what` names it in errors). */
SSM_API ssm_model *ssm_model_load_memory(const void *bytes, size_t n_bytes, const char *what,
                                         ssm_error *err);
SSM_API void ssm_model_destroy(ssm_model *m);

SSM_API size_t ssm_model_n_tensors(const ssm_model *m);
SSM_API const ssm_tensor *ssm_model_tensor_at(const ssm_model *m, size_t index);
/* NULL when absent. */
SSM_API const ssm_tensor *ssm_model_tensor(const ssm_model *m, const char *name);
/* A tensor that must exist with exactly this shape (ndim values in shape);
 * otherwise NULL and an error naming the file, the tensor and the mismatch. */
SSM_API const ssm_tensor *ssm_model_require(const ssm_model *m, const char *name, uint32_t ndim,
                                            const uint64_t *shape, ssm_error *err);
/* A "__metadata__" string value, or NULL. */
SSM_API const char *ssm_model_meta(const ssm_model *m, const char *key);
SSM_API const char *ssm_model_path(const ssm_model *m);

#ifdef __cplusplus
}
#endif
#endif
