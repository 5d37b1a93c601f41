/* Private: what a layer kind implements (one file per kind,
 * engine/net/layer_<kind>.c, listed once in engine/net/kinds.c), and the
 * helpers it uses to read its parameters and tensors.
 *
 * A layer reads one or more streams and writes one. A stream is a sequence
 * of frames of `width` floats at `stride` graph-input samples per frame;
 * frame j of a stride-k stream completes at input sample (j+1)k - 1. A
 * process call covering input samples [n0, n0 + n) gets, for each stream,
 * exactly the frames that complete inside it, frame-major ([n][width]), and
 * must write exactly the output frames that complete inside it. Outputs
 * therefore never depend on where the host cuts its blocks
 * (docs/model-format.md, "Streams and block cuts").
 *
 * Lifecycle (as FFTW: plan, then execute):
 *   create    parse params, find and check tensors, say the output stream;
 *             may allocate (not real-time).
 *   activate  size run buffers for the most frames per call, discretise for
 *             the host rate (dt_scale), build the chosen offline schedule.
 *   process   real-time safe: no allocation, lock, log or file access.
 *   reset     clear the state (real-time safe).
 *   destroy   free everything (NULL-safe on a half-made layer is not
 *             needed: the graph calls it only on what create returned).
 */
#ifndef SSM_NET_LAYER_H
#define SSM_NET_LAYER_H

#include <stddef.h>
#include <stdint.h>

#include "ssm/model.h"
#include "ssm/ssmaudio.h"

/* The shape of a stream: what a layer reads and writes. */
typedef struct {
    size_t width;     /* floats per frame */
    uint32_t stride;  /* graph-input samples per frame */
    uint64_t latency; /* samples the content lags the graph input */
} ssm_stream;

/* One call's frames of one input stream. */
typedef struct {
    const float *data; /* [n][width] */
    size_t n;          /* frames in this call */
    uint64_t first;    /* stream index of data's first frame */
} ssm_frames;

/* The exact schedules a layer may run. Stream mode always runs the step
 * (the per-frame recurrence); offline mode runs the schedule planned at
 * activation, which every kind keeps equal to the step (tests hold them). */
typedef enum {
    SSM_SCHEDULE_STEP = 0, /* frame by frame (batched over frames where stateless) */
    SSM_SCHEDULE_SCAN = 1, /* chunked scan / sub-chunk direct convolution */
    SSM_SCHEDULE_FFT = 2,  /* chunked FFT convolution */
} ssm_schedule;
#define SSM_N_SCHEDULES 3
const char *ssm_schedule_name(ssm_schedule s);

/* Where a layer is and what it may read: the graph's view of one node.
 * Opaque to kinds; they use the functions below. */
typedef struct ssm_layer_ctx ssm_layer_ctx;

/* What activate knows. */
typedef struct {
    double dt_scale;      /* trained rate / host rate: continuous-time kinds re-discretise */
    size_t max_out;       /* the most output frames one call produces */
    const size_t *max_in; /* [n_inputs] the most frames per call of each input */
    ssm_schedule offline; /* the schedule offline mode runs (planned or pinned) */
} ssm_layer_env;

typedef struct ssm_layer_ops {
    const char *kind;
    uint32_t min_inputs, max_inputs;
    /* The layer's output depends on the sample rate in a way no
     * re-discretisation undoes (taps, learned filterbanks, fixed frame
     * reshapes): the graph then runs at its trained rate behind the bridge. */
    int rate_bound;
    /* Bit s set: schedule s is offered in offline mode (STEP always is). */
    uint32_t schedules;
    /* Parse and check; *out starts as a copy of input 0's stream (width,
     * stride, the inputs' largest latency): set what the layer changes.
     * Returns the layer or NULL after ssm_layer_fail(). */
    void *(*create)(ssm_layer_ctx *c, ssm_stream *out);
    /* May be NULL (nothing to size). Returns SSM_OK or ssm_layer_fail()'s status. */
    ssm_status (*activate)(void *self, const ssm_layer_env *env, ssm_layer_ctx *c);
    /* The default offline schedule for blocks of up to max_frames output
     * frames, by a cost rule (issue 12 plans by measurement through the
     * same hook). NULL: the step. */
    ssm_schedule (*plan)(const void *self, size_t max_frames);
    /* Real-time safe. in: one entry per input; out: n_out frames of the
     * output stream, the first being stream frame first_out. */
    void (*process)(void *self, ssm_schedule s, const ssm_frames *in, float *out, size_t n_out,
                    uint64_t first_out);
    void (*reset)(void *self); /* may be NULL: stateless */
    void (*destroy)(void *self);
} ssm_layer_ops;

/* ---- for kinds: the node's inputs, parameters, tensors, errors ---- */

size_t ssm_layer_n_inputs(const ssm_layer_ctx *c);
const ssm_stream *ssm_layer_input(const ssm_layer_ctx *c, size_t i);
const char *ssm_layer_id(const ssm_layer_ctx *c);

/* Sets the error: "FILE: node "ID" (KIND): <reason>". Returns 0 (for
 * `return ssm_layer_fail(...)` in int helpers); the status is kept for
 * activate's return value (ssm_layer_status). */
int ssm_layer_fail(ssm_layer_ctx *c, ssm_status status, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
ssm_status ssm_layer_status(const ssm_layer_ctx *c);

/* Parameters (create only). Each returns 1 with *out set, or 0 after
 * ssm_layer_fail() naming the key and the reason. A missing optional key
 * gives def. Every key a getter asks for is known; any other key in the
 * node is refused after create, so a typo never passes silently. */
#define SSM_PARAM_REQUIRED ((size_t)-1)
int ssm_param_size(ssm_layer_ctx *c, const char *key, size_t lo, size_t hi, size_t def,
                   size_t *out);
/* def NAN: required. */
int ssm_param_number(ssm_layer_ctx *c, const char *key, double lo, double hi, double def,
                     double *out);
int ssm_param_bool(ssm_layer_ctx *c, const char *key, int def, int *out);
/* One of the NULL-terminated choices; def -1: required. *out is its index. */
int ssm_param_choice(ssm_layer_ctx *c, const char *key, const char *const *choices, int def,
                     int *out);
/* Whether the node has the key (and marks it known). */
int ssm_param_has(ssm_layer_ctx *c, const char *key);

/* The tensor "<prefix>.<name>" with exactly this shape (prefix: the node's
 * "tensors", default its id), marked used; NULL after ssm_layer_fail(). */
const ssm_tensor *ssm_layer_tensor(ssm_layer_ctx *c, const char *name, uint32_t ndim,
                                   const uint64_t *shape);

/* For element-wise kinds: every input's width is the widest one's or 1
 * (broadcast); sets *width to the widest, or fails naming the odd input. */
int ssm_layer_broadcast_width(ssm_layer_ctx *c, size_t *width);

/* calloc / ssm_fft_alloc-free helpers that fail through the context. */
void *ssm_layer_calloc(ssm_layer_ctx *c, size_t n, size_t size);

/* The fixed analysis/synthesis basis of fb_encode/fb_decode "basis": "dft":
 * an orthonormal real DFT of size w (w/2 + 1 cosines then w/2 - 1 sines),
 * times a periodic sqrt-Hann window, so that with hop w/2 the pair
 * reconstructs perfectly. Row-major [w][w] into out. */
void ssm_fb_dft_basis(float *out, size_t w);

#endif
