/* ssmaudio kernels: conventions shared by every kernel header.
 *
 * Kernels are math only: they take plain arrays with explicit lengths and
 * strides, keep no hidden state, never allocate inside a process call, and
 * never include an engine header.
 *
 * One vocabulary across the families:
 *  - an opaque object is made by ssm_<kind>_create(..., ssm_status *status),
 *    which returns NULL on failure and says why in *status (status may be
 *    NULL), and ends with ssm_<kind>_destroy (NULL is a no-op);
 *  - a struct the caller owns (a bank, a parameter set) is filled by
 *    ssm_<kind>_init(...), which returns an ssm_status, and emptied by
 *    ssm_<kind>_free;
 *  - a layer with two forms has ssm_<kind>_set_mode(obj, ssm_mode) and one
 *    ssm_<kind>_process(obj, ...) that runs the form set: the recurrence by
 *    default (SSM_MODE_STREAM), the chunked form (FFT convolution or chunked
 *    scan) in SSM_MODE_OFFLINE. Both read and write the same state and give
 *    the same samples, so the mode may change between any two calls. A
 *    layer with one form for both (Hyena's partitioned convolution) or
 *    only an offline one (S4ND over a whole plane) has no set_mode.
 */
#ifndef SSM_COMMON_H
#define SSM_COMMON_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* What libssmaudio exports. The engine is compiled with hidden visibility,
 * so only declarations marked SSM_API ship; tests/library checks that the
 * library's dynamic symbols are exactly the installed headers' functions.
 * GCC exports an SSM_HOT (target_clones) function whatever its visibility:
 * a private one stays static behind a plain function. */
#if defined(__GNUC__)
#define SSM_API __attribute__((visibility("default")))
#else
#define SSM_API
#endif

/* Hot loops get clones for the x86-64-v3 (AVX2 + FMA) and x86-64-v4
 * (AVX-512) levels, selected once at load time (see the root meson.build);
 * the default clone is plain x86-64 so no CPU faults. ssm/simd.h says which
 * one runs. SSM_SIMD_DISPATCH: the build has the clones (ASan builds do
 * not: their instrumentation and load-time ifunc resolvers do not mix). */
#if defined(SSM_SIMD_CLONES) && !defined(__SANITIZE_ADDRESS__)
#define SSM_SIMD_DISPATCH 1
#if defined(SSM_SIMD_V4)
#define SSM_HOT __attribute__((target_clones("arch=x86-64-v4", "arch=x86-64-v3", "default")))
#else
#define SSM_HOT __attribute__((target_clones("arch=x86-64-v3", "default")))
#endif
#else
#define SSM_HOT
#endif

/* Status codes every kernel/engine function that can fail returns. */
typedef enum {
    SSM_OK = 0,
    SSM_ERR_NOMEM,   /* allocation failed */
    SSM_ERR_INVALID, /* a parameter out of its documented range */
    SSM_ERR_IO,      /* a file could not be read or written */
    SSM_ERR_FORMAT,  /* a file's content is malformed */
    SSM_ERR_UNSUPPORTED
} ssm_status;

const char *ssm_status_string(ssm_status s);

/* Which form a layer runs (see above). */
typedef enum {
    SSM_MODE_STREAM = 0,  /* recurrent form: sample by sample, zero latency */
    SSM_MODE_OFFLINE = 1, /* chunked FFT / scan form: same output, faster in big blocks */
} ssm_mode;

/* Discretisation rule for continuous-time parameters. */
typedef enum { SSM_ZOH = 0, SSM_BILINEAR = 1 } ssm_discretization;

#ifdef __cplusplus
}
#endif
#endif
