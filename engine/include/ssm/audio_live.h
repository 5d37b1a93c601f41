/* ssmaudio live audio: one small backend interface (as jalv keeps each
 * audio backend in a file of its own), so ssm-live does not care what
 * drives the sound card. The backend calls `process` from its audio
 * thread; everything else runs in the caller's thread. */
#ifndef SSM_AUDIO_LIVE_H
#define SSM_AUDIO_LIVE_H

#include <stdint.h>
#include <stdio.h>

#include "ssm/ssmaudio.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct {
    const char *in_device;  /* index or name (substring); NULL: the default */
    const char *out_device; /* index or name (substring); NULL: the default */
    double sample_rate;
    uint32_t block;      /* frames per callback */
    uint32_t n_channels; /* in == out */
} ssm_live_config;

/* Called on the audio thread with planar buffers: real-time rules apply. */
typedef void (*ssm_live_process)(void *user, const float *const *in, float *const *out,
                                 uint32_t n_frames);

typedef struct ssm_live_stream ssm_live_stream;

typedef struct {
    const char *name;
    ssm_status (*list_devices)(FILE *out, ssm_error *err);
    ssm_live_stream *(*open)(const ssm_live_config *cfg, ssm_live_process process, void *user,
                             ssm_error *err);
    ssm_status (*start)(ssm_live_stream *s, ssm_error *err);
    /* SSM_OK while the started stream runs; SSM_ERR_IO, with err saying
     * "audio device lost" and why, once it stopped on its own (the device
     * was unplugged, the sound server died). Cheap: poll it. */
    ssm_status (*check)(ssm_live_stream *s, ssm_error *err);
    /* Stops within about two seconds, whatever the device does. SSM_OK:
     * stopped, the callback will not run again, close() may follow.
     * Otherwise the device did not let go (or is gone): the stream is
     * abandoned, close() frees nothing, and the caller must not free what
     * the callback uses either; it should just exit. */
    ssm_status (*stop)(ssm_live_stream *s, ssm_error *err);
    void (*close)(ssm_live_stream *s);
    double (*cpu_load)(ssm_live_stream *s);      /* 0..1, the backend's estimate */
    uint64_t (*xruns)(const ssm_live_stream *s); /* under- and overflows so far */
    /* Device latencies in seconds, as the backend reports them. */
    void (*latency)(ssm_live_stream *s, double *in, double *out);
    /* The rate and block actually granted, the device names opened, and
     * (on a sound server with a period of its own) how the block relates
     * to it. */
    void (*describe)(ssm_live_stream *s, char *buf, size_t size);
} ssm_live_backend;

/* "portaudio" (the default when name is NULL); NULL if unknown. */
SSM_API const ssm_live_backend *ssm_live_backend_get(const char *name);

#ifdef __cplusplus
}
#endif
#endif
