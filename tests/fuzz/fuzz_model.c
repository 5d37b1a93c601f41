/* libFuzzer target for the safetensors loader (-Dfuzz=true with clang).
 * Any input must load or fail with a message; a successful load must hold
 * tensors whose declared size matches what the loader hands out. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "ssm/model.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    ssm_error err = {0};
    ssm_model *m = ssm_model_load_memory(data, size, "fuzz", &err);
    if (!m) {
        if (err.message[0] == '\0' || err.status == SSM_OK)
            abort();
        return 0;
    }
    volatile float sink = 0.0f;
    for (size_t i = 0; i < ssm_model_n_tensors(m); i++) {
        const ssm_tensor *t = ssm_model_tensor_at(m, i);
        size_t numel = 1;
        for (uint32_t d = 0; d < t->ndim; d++)
            numel *= (size_t)t->shape[d];
        if (numel != t->numel || ssm_model_tensor(m, t->name) != t)
            abort();
        for (size_t k = 0; k < t->numel; k++)
            sink += t->data[k]; /* ASan catches any read outside the arena */
    }
    (void)sink;
    ssm_model_destroy(m);
    return 0;
}
