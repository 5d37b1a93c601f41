/* Private: frame-rate networks built from a model file (engine/net/network.c),
 * their layers (engine/net/layer_*.c), and the runner that puts a network per
 * channel behind the sample-rate bridge (engine/net/netrun.c).
 *
 * Architecture "fbmask-s4d-v1" (docs/model-format.md, "Architecture keys"):
 * a learned strided analysis filterbank, a stack of S4D blocks at the frame
 * rate, a sigmoid mask on the filterbank coefficients, a voice-activity
 * head and a learned overlap-add synthesis. All layers work on batches of
 * T frames, frame-major ([T][width]); one process call batches the frames
 * that complete inside the host block, so no latency beyond the design's.
 */
#ifndef SSM_NETWORK_H
#define SSM_NETWORK_H

#include <stddef.h>
#include <stdint.h>

#include "ssm/diag.h"
#include "ssm/model.h"
#include "ssm/resample.h"
#include "ssm/s4d.h"
#include "ssm/ssmaudio.h"

/* ---- layers ---- */

/* Analysis (Conv1d 1->F, kernel win = 2 hop, stride hop, no bias) and
 * synthesis (ConvTranspose1d F->1, same shape) filterbank. */
typedef struct {
    size_t hop, win, filters;
    float *enc_t;     /* [win][F]: enc transposed, so the analysis product
                         vectorises over filters (ssm_gemv_t) */
    const float *dec; /* [F][win] (model-owned): already the synthesis's
                         transposed layout */
    float *hist;      /* [win] the current frame's input window */
    size_t fill;      /* samples of the current hop received */
    float *ola;       /* [win] circular overlap-add accumulator */
    size_t ola_pos;
} ssm_layer_fb;

ssm_status ssm_layer_fb_init(ssm_layer_fb *l, const ssm_model *m, const char *enc_name,
                             const char *dec_name, size_t hop, size_t filters, ssm_error *err);
void ssm_layer_fb_free(ssm_layer_fb *l);
void ssm_layer_fb_reset(ssm_layer_fb *l);
/* Encode T frames X [T][win] into C [T][F]. */
void ssm_layer_fb_encode(const ssm_layer_fb *l, const float *X, float *C, size_t T);
/* Synthesise T frames Z [T][F] into S [T][win]. */
void ssm_layer_fb_decode(const ssm_layer_fb *l, const float *Z, float *S, size_t T);

/* Dense: y = W x + b (PyTorch nn.Linear layout: W [out][in]). */
typedef struct {
    size_t in, out;
    float *wt; /* [in][out]: W transposed, the vectorising layout */
    const float *b;
} ssm_layer_linear;

ssm_status ssm_layer_linear_init(ssm_layer_linear *l, const ssm_model *m, const char *prefix,
                                 size_t in, size_t out, ssm_error *err);
void ssm_layer_linear_run(const ssm_layer_linear *l, const float *X, float *Y, size_t T);
void ssm_layer_linear_free(ssm_layer_linear *l);

/* S4D block: u + GLU(Linear_{H->2H}(GELU(S4D(RMSNorm(u))))). */
typedef struct {
    size_t width, modes, max_frames;
    float norm_eps;
    const float *norm_w;
    ssm_s4d_params params;
    ssm_diag_bank bank; /* discretised at init */
    ssm_diag *ssm;      /* the bank in both forms, made at activate */
    ssm_layer_linear out;
    float *z;  /* [T][H] */
    float *z2; /* [T][2H] */
} ssm_layer_s4d;

ssm_status ssm_layer_s4d_init(ssm_layer_s4d *l, const ssm_model *m, const char *prefix,
                              size_t width, size_t state, float norm_eps, ssm_error *err);
ssm_status ssm_layer_s4d_activate(ssm_layer_s4d *l, size_t max_frames, ssm_error *err);
void ssm_layer_s4d_free(ssm_layer_s4d *l);
void ssm_layer_s4d_reset(ssm_layer_s4d *l);
/* In place on U [T][H], in the form of `mode`. */
void ssm_layer_s4d_run(ssm_layer_s4d *l, float *U, size_t T, ssm_mode mode);

/* ---- network: mono audio at the model's rate ---- */

typedef struct ssm_network ssm_network;

ssm_network *ssm_network_create(const ssm_model *m, ssm_error *err);
/* max_block: the most samples per process call. */
ssm_status ssm_network_activate(ssm_network *n, uint32_t max_block, ssm_error *err);
void ssm_network_set_mode(ssm_network *n, ssm_mode mode);
/* Real-time safe. in and out may alias. */
void ssm_network_process(ssm_network *n, const float *in, float *out, uint32_t n_frames);
uint32_t ssm_network_latency(const ssm_network *n); /* samples at the model rate */
double ssm_network_rate(const ssm_network *n);
float ssm_network_vad(const ssm_network *n); /* last frame's voice activity, 0..1 */
void ssm_network_reset(ssm_network *n);
void ssm_network_destroy(ssm_network *n);

/* ---- runner: one network per channel, behind the rate bridge ---- */

typedef struct {
    ssm_model *model;
    uint32_t n_channels;
    ssm_network **nets;
    ssm_rate_bridge *bridge; /* NULL when the host runs at the model's rate */
    ssm_rate_path path;
    uint32_t host_lat_extra; /* the network's latency in host frames (bridged) */
    char why[512];
} ssm_netrun;

/* Loads the model file and builds one network per channel. */
ssm_status ssm_netrun_init(ssm_netrun *r, const char *model_path, uint32_t n_channels,
                           ssm_error *err);
ssm_status ssm_netrun_activate(ssm_netrun *r, double host_rate, uint32_t max_block, ssm_error *err);
void ssm_netrun_set_mode(ssm_netrun *r, ssm_mode mode);
void ssm_netrun_process(ssm_netrun *r, const float *const *in, float *const *out,
                        uint32_t n_frames);
uint32_t ssm_netrun_latency(const ssm_netrun *r); /* host frames */
float ssm_netrun_vad(const ssm_netrun *r);        /* max over channels */
void ssm_netrun_reset(ssm_netrun *r);
void ssm_netrun_free(ssm_netrun *r);

/* The bundled denoiser model: $SSM_DENOISE_MODEL (a file), else
 * denoise.safetensors in the first directory of $SSM_PRESETS_PATH (a
 * colon-separated list; `meson devenv` and the test setups point it at the
 * source tree's presets/) that has one, else the installed presets' file.
 * buf (size bytes) may hold the result. */
const char *ssm_default_denoise_model(char *buf, size_t size);

#endif
