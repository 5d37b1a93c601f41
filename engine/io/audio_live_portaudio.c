/* The PortAudio backend for ssm/audio_live.h: one full-duplex stream,
 * float32 non-interleaved, so the callback hands PortAudio's own buffers to
 * the processing chain with no copy. The callback counts xruns from
 * PortAudio's status flags and calls nothing else. */
#include <portaudio.h>
#include <stdlib.h>
#include <string.h>

#include "ssm/audio_live.h"

struct ssm_live_stream {
    PaStream *pa;
    ssm_live_process process;
    void *user;
    uint64_t xruns; /* written by the callback, read atomically */
    uint32_t n_channels;
    double rate;
    uint32_t block;
    char in_name[128], out_name[128];
};

static int pa_init(ssm_error *err)
{
    PaError e = Pa_Initialize();
    if (e != paNoError) {
        ssm_error_set(err, SSM_ERR_IO, "PortAudio: %s", Pa_GetErrorText(e));
        return -1;
    }
    return 0;
}

static ssm_status list_devices(FILE *out, ssm_error *err)
{
    if (pa_init(err) != 0)
        return SSM_ERR_IO;
    int n = Pa_GetDeviceCount();
    PaDeviceIndex din = Pa_GetDefaultInputDevice(), dout = Pa_GetDefaultOutputDevice();
    fprintf(out, "%-4s %-40s %-12s %4s %4s %8s\n", "idx", "device", "host API", "in", "out",
            "rate");
    for (int i = 0; i < n; i++) {
        const PaDeviceInfo *d = Pa_GetDeviceInfo(i);
        const PaHostApiInfo *h = Pa_GetHostApiInfo(d->hostApi);
        fprintf(out, "%-4d %-40.40s %-12.12s %4d %4d %8.0f%s%s\n", i, d->name, h ? h->name : "?",
                d->maxInputChannels, d->maxOutputChannels, d->defaultSampleRate,
                i == din ? "  default in" : "", i == dout ? "  default out" : "");
    }
    Pa_Terminate();
    return SSM_OK;
}

/* A device by index ("3") or by a substring of its name, with channels. */
static PaDeviceIndex find_device(const char *spec, int input, uint32_t channels, ssm_error *err)
{
    if (!spec) {
        PaDeviceIndex d = input ? Pa_GetDefaultInputDevice() : Pa_GetDefaultOutputDevice();
        if (d == paNoDevice)
            ssm_error_set(err, SSM_ERR_IO, "PortAudio: no default %s device (--list-devices)",
                          input ? "input" : "output");
        return d;
    }
    char *end = NULL;
    long idx = strtol(spec, &end, 10);
    int n = Pa_GetDeviceCount();
    if (end != spec && *end == '\0') {
        if (idx >= 0 && idx < n)
            return (PaDeviceIndex)idx;
    } else {
        /* An exact name first, so "ssmin" does not match "ssmin2". */
        for (int pass = 0; pass < 2; pass++)
            for (int i = 0; i < n; i++) {
                const PaDeviceInfo *d = Pa_GetDeviceInfo(i);
                int chans = input ? d->maxInputChannels : d->maxOutputChannels;
                int match = pass == 0 ? strcmp(d->name, spec) == 0 : strstr(d->name, spec) != NULL;
                if (match && chans >= (int)channels)
                    return i;
            }
    }
    ssm_error_set(err, SSM_ERR_IO,
                  "PortAudio: no %s device \"%s\" with %u channel%s (--list-devices shows them)",
                  input ? "input" : "output", spec, channels, channels == 1 ? "" : "s");
    return paNoDevice;
}

static int callback(const void *input, void *output, unsigned long frames,
                    const PaStreamCallbackTimeInfo *time, PaStreamCallbackFlags status, void *data)
{
    ssm_live_stream *s = data;
    if (status & (paInputUnderflow | paInputOverflow | paOutputUnderflow | paOutputOverflow))
        __atomic_add_fetch(&s->xruns, 1, __ATOMIC_RELAXED);
    s->process(s->user, (const float *const *)input, (float *const *)output, (uint32_t)frames);
    return paContinue;
}

static ssm_live_stream *open_stream(const ssm_live_config *cfg, ssm_live_process process,
                                    void *user, ssm_error *err)
{
    if (pa_init(err) != 0)
        return NULL;
    ssm_live_stream *s = calloc(1, sizeof *s);
    if (!s) {
        Pa_Terminate();
        ssm_error_set(err, SSM_ERR_NOMEM, "PortAudio: out of memory");
        return NULL;
    }
    s->process = process;
    s->user = user;
    s->n_channels = cfg->n_channels;
    PaDeviceIndex din = find_device(cfg->in_device, 1, cfg->n_channels, err);
    PaDeviceIndex dout =
        din == paNoDevice ? paNoDevice : find_device(cfg->out_device, 0, cfg->n_channels, err);
    if (din == paNoDevice || dout == paNoDevice)
        goto fail;
    const PaDeviceInfo *ii = Pa_GetDeviceInfo(din), *oi = Pa_GetDeviceInfo(dout);
    snprintf(s->in_name, sizeof s->in_name, "%s", ii->name);
    snprintf(s->out_name, sizeof s->out_name, "%s", oi->name);
    PaStreamParameters in = {din, (int)cfg->n_channels, paFloat32 | paNonInterleaved,
                             ii->defaultLowInputLatency, NULL};
    PaStreamParameters out = {dout, (int)cfg->n_channels, paFloat32 | paNonInterleaved,
                              oi->defaultLowOutputLatency, NULL};
    double rate = cfg->sample_rate > 0 ? cfg->sample_rate : oi->defaultSampleRate;
    PaError e =
        Pa_OpenStream(&s->pa, &in, &out, rate, cfg->block, paClipOff | paDitherOff, callback, s);
    if (e != paNoError) {
        ssm_error_set(err, SSM_ERR_IO,
                      "PortAudio: cannot open \"%s\" -> \"%s\" at %g Hz, block "
                      "%u: %s",
                      s->in_name, s->out_name, rate, cfg->block, Pa_GetErrorText(e));
        goto fail;
    }
    const PaStreamInfo *si = Pa_GetStreamInfo(s->pa);
    s->rate = si ? si->sampleRate : rate;
    s->block = cfg->block;
    return s;
fail:
    free(s);
    Pa_Terminate();
    return NULL;
}

static ssm_status start(ssm_live_stream *s, ssm_error *err)
{
    PaError e = Pa_StartStream(s->pa);
    if (e != paNoError) {
        ssm_error_set(err, SSM_ERR_IO, "PortAudio: cannot start the stream: %s",
                      Pa_GetErrorText(e));
        return SSM_ERR_IO;
    }
    return SSM_OK;
}

static void stop(ssm_live_stream *s)
{
    Pa_StopStream(s->pa);
}

static void close_stream(ssm_live_stream *s)
{
    if (!s)
        return;
    Pa_CloseStream(s->pa);
    free(s);
    Pa_Terminate();
}

static double cpu_load(ssm_live_stream *s)
{
    return Pa_GetStreamCpuLoad(s->pa);
}

static uint64_t xruns(const ssm_live_stream *s)
{
    return __atomic_load_n(&s->xruns, __ATOMIC_RELAXED);
}

static void latency(ssm_live_stream *s, double *in, double *out)
{
    const PaStreamInfo *si = Pa_GetStreamInfo(s->pa);
    *in = si ? si->inputLatency : 0.0;
    *out = si ? si->outputLatency : 0.0;
}

static void describe(ssm_live_stream *s, char *buf, size_t size)
{
    snprintf(buf, size, "PortAudio \"%s\" -> \"%s\", %g Hz, block %u, %u channel%s", s->in_name,
             s->out_name, s->rate, s->block, s->n_channels, s->n_channels == 1 ? "" : "s");
}

const ssm_live_backend ssm_live_portaudio = {
    .name = "portaudio",
    .list_devices = list_devices,
    .open = open_stream,
    .start = start,
    .stop = stop,
    .close = close_stream,
    .cpu_load = cpu_load,
    .xruns = xruns,
    .latency = latency,
    .describe = describe,
};
