/* The PortAudio backend for ssm/audio_live.h: one full-duplex stream,
 * float32 non-interleaved, so the callback hands PortAudio's own buffers to
 * the processing chain with no copy. The callback counts xruns from
 * PortAudio's status flags and calls nothing else.
 *
 * A device that goes away is PortAudio's weak spot. On JACK, when the
 * server dies the stream only turns inactive; Pa_StopStream then waits
 * ten minutes for a process callback that never comes, and Pa_Terminate
 * asserts on the dead client. So a lost stream is never stopped or closed
 * through PortAudio, and a stop runs on a helper thread with a deadline:
 * a stream that does not stop in time is abandoned. */
#include <errno.h>
#include <jack/jack.h>
#include <portaudio.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "ssm/audio_live.h"

#define STOP_DEADLINE_S 2

struct ssm_live_stream {
    PaStream *pa;
    ssm_live_process process;
    void *user;
    uint64_t xruns; /* written by the callback, read atomically */
    uint32_t n_channels;
    double rate;
    uint32_t block;
    uint32_t server_period; /* the JACK server's, or 0 */
    int started;
    int lost;      /* stopped on its own: PortAudio must not be asked to stop it */
    int abandoned; /* a stop did not return: nothing may touch it again */
    char in_name[128], out_name[128], host[64];
    /* The stop helper thread. */
    pthread_mutex_t lock;
    pthread_cond_t cond;
    int stop_done;
    PaError stop_result;
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

/* The period of the JACK server PortAudio's JACK host API is a client
 * of (JACK_DEFAULT_SERVER, as PortAudio uses), or 0. PortAudio does not
 * say it, so a short-lived client of our own asks. */
static uint32_t jack_server_period(void)
{
    jack_status_t status;
    jack_client_t *c = jack_client_open("ssm-live-probe", JackNoStartServer, &status);
    if (!c)
        return 0;
    const uint32_t period = jack_get_buffer_size(c);
    jack_client_close(c);
    return period;
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
    pthread_mutex_init(&s->lock, NULL);
    pthread_cond_init(&s->cond, NULL);
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
    const PaHostApiInfo *hi = Pa_GetHostApiInfo(oi->hostApi);
    snprintf(s->host, sizeof s->host, "%s", hi ? hi->name : "?");
    /* On JACK a fixed framesPerBuffer puts PortAudio's adaptation buffer
     * between the server and the callback: one block more latency, and
     * blocks that come apart on an xrun. When --block is the server's
     * period, let the server's own buffers through instead. */
    unsigned long frames = cfg->block;
    if (hi && hi->type == paJACK && Pa_GetHostApiInfo(ii->hostApi)->type == paJACK) {
        s->server_period = jack_server_period();
        if (s->server_period == cfg->block)
            frames = paFramesPerBufferUnspecified;
    }
    PaError e =
        Pa_OpenStream(&s->pa, &in, &out, rate, frames, paClipOff | paDitherOff, callback, s);
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
    pthread_mutex_destroy(&s->lock);
    pthread_cond_destroy(&s->cond);
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
    s->started = 1;
    return SSM_OK;
}

static ssm_status check(ssm_live_stream *s, ssm_error *err)
{
    if (!s->started || s->abandoned)
        return SSM_OK;
    const PaError active = s->lost ? 0 : Pa_IsStreamActive(s->pa);
    if (active == 1)
        return SSM_OK;
    s->lost = 1;
    const char *why = active < 0                ? Pa_GetErrorText(active)
                      : strstr(s->host, "JACK") ? "the JACK server went away"
                                                : "the device went away";
    ssm_error_set(err, SSM_ERR_IO, "audio device lost: the %s stream \"%s\" -> \"%s\" stopped (%s)",
                  s->host, s->in_name, s->out_name, why);
    return SSM_ERR_IO;
}

static void *stop_thread(void *arg)
{
    ssm_live_stream *s = arg;
    const PaError e = Pa_StopStream(s->pa);
    pthread_mutex_lock(&s->lock);
    s->stop_result = e;
    s->stop_done = 1;
    pthread_cond_signal(&s->cond);
    pthread_mutex_unlock(&s->lock);
    return NULL;
}

static ssm_status stop(ssm_live_stream *s, ssm_error *err)
{
    if (!s->started)
        return SSM_OK;
    if (s->lost || s->abandoned) {
        s->abandoned = 1;
        ssm_error_set(err, SSM_ERR_IO, "audio device lost: the stream was not stopped");
        return SSM_ERR_IO;
    }
    pthread_t th;
    if (pthread_create(&th, NULL, stop_thread, s) != 0) {
        stop_thread(s);
    } else {
        struct timespec until;
        clock_gettime(CLOCK_REALTIME, &until);
        until.tv_sec += STOP_DEADLINE_S;
        pthread_mutex_lock(&s->lock);
        int rc = 0;
        while (!s->stop_done && rc != ETIMEDOUT)
            rc = pthread_cond_timedwait(&s->cond, &s->lock, &until);
        const int done = s->stop_done;
        pthread_mutex_unlock(&s->lock);
        if (!done) {
            pthread_detach(th);
            s->abandoned = 1;
            ssm_error_set(err, SSM_ERR_IO,
                          "audio device lost: the %s stream did not stop within %d s", s->host,
                          STOP_DEADLINE_S);
            return SSM_ERR_IO;
        }
        pthread_join(th, NULL);
    }
    s->started = 0;
    if (s->stop_result != paNoError) {
        ssm_error_set(err, SSM_ERR_IO, "PortAudio: stopping the stream: %s",
                      Pa_GetErrorText(s->stop_result));
        return SSM_ERR_IO;
    }
    return SSM_OK;
}

static void close_stream(ssm_live_stream *s)
{
    /* An abandoned stream may still be inside PortAudio on another thread:
     * leave all of it to the process exit. */
    if (!s || s->abandoned || s->lost)
        return;
    Pa_CloseStream(s->pa);
    pthread_mutex_destroy(&s->lock);
    pthread_cond_destroy(&s->cond);
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
    char period[160] = "";
    if (s->server_period == s->block)
        snprintf(period, sizeof period, " (the JACK period: the server's buffers, no adaptation)");
    else if (s->server_period)
        snprintf(period, sizeof period,
                 " (JACK period %u: PortAudio adapts, one block more latency; --block %u "
                 "avoids it)",
                 s->server_period, s->server_period);
    snprintf(buf, size, "PortAudio \"%s\" -> \"%s\" (%s), %g Hz, block %u%s, %u channel%s",
             s->in_name, s->out_name, s->host, s->rate, s->block, period, s->n_channels,
             s->n_channels == 1 ? "" : "s");
}

const ssm_live_backend ssm_live_portaudio = {
    .name = "portaudio",
    .list_devices = list_devices,
    .open = open_stream,
    .start = start,
    .check = check,
    .stop = stop,
    .close = close_stream,
    .cpu_load = cpu_load,
    .xruns = xruns,
    .latency = latency,
    .describe = describe,
};
