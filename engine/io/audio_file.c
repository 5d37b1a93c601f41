/* Audio files through libsndfile (ssm/audio_file.h). Reads and writes
 * float; libsndfile converts to the file's own sample format, clipping
 * integer formats instead of wrapping (SFC_SET_CLIPPING). */
#include <sndfile.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "ssm/audio_file.h"

struct ssm_audio_file {
    SNDFILE *sf;
    char *path;
    int writing;
    ssm_audio_info info;
    int64_t promised_frames;
};

static ssm_audio_file *wrap(SNDFILE *sf, const char *path, const SF_INFO *si, int writing)
{
    ssm_audio_file *f = calloc(1, sizeof *f);
    if (!f)
        return NULL;
    f->path = strdup(path);
    if (!f->path) {
        free(f);
        return NULL;
    }
    f->sf = sf;
    f->writing = writing;
    f->info.sample_rate = si->samplerate;
    f->info.channels = (uint32_t)si->channels;
    f->info.frames = si->seekable ? (int64_t)si->frames : -1;
    f->info.format = si->format;
    f->promised_frames = f->info.frames;
    return f;
}

/* Bytes per frame of an uncompressed subtype, or 0. */
static int64_t frame_bytes(const SF_INFO *si)
{
    static const struct {
        int subtype, bytes;
    } sizes[] = {{SF_FORMAT_PCM_S8, 1}, {SF_FORMAT_PCM_U8, 1}, {SF_FORMAT_ULAW, 1},
                 {SF_FORMAT_ALAW, 1},   {SF_FORMAT_PCM_16, 2}, {SF_FORMAT_PCM_24, 3},
                 {SF_FORMAT_PCM_32, 4}, {SF_FORMAT_FLOAT, 4},  {SF_FORMAT_DOUBLE, 8}};
    for (size_t i = 0; i < sizeof sizes / sizeof sizes[0]; i++)
        if ((si->format & SF_FORMAT_SUBMASK) == sizes[i].subtype)
            return (int64_t)sizes[i].bytes * si->channels;
    return 0;
}

/* A truncated file (a copy cut short, a recorder that died) still opens:
 * libsndfile clamps the length to the bytes that are there and says so
 * only in its log, as "<chunk> : <size in the header> (should be <size
 * there is>)" for the RIFF/FORM/data/SSND chunks. The largest shortfall is
 * the audio that is missing. A header that gives no length (0, or the
 * 0xFFFFFFFF streaming writers use) promises nothing. */
static int64_t promised_frames(SNDFILE *sf, const SF_INFO *si)
{
    const int64_t bpf = frame_bytes(si);
    if (!si->seekable || bpf == 0)
        return si->frames;
    char log[8192];
    sf_command(sf, SFC_GET_LOG_INFO, log, sizeof log);
    int64_t missing = 0;
    for (char *line = log; line && *line;) {
        char *next = strchr(line, '\n');
        if (next)
            *next++ = '\0';
        const char *colon = strchr(line, ':'), *should = strstr(line, "(should be ");
        if (colon && should && colon < should) {
            const long long declared = strtoll(colon + 1, NULL, 10);
            const long long actual = strtoll(should + 11, NULL, 10);
            if (declared > actual && declared < 0xFFFFF000LL && declared - actual > missing)
                missing = declared - actual;
        }
        line = next;
    }
    return si->frames + missing / bpf;
}

ssm_audio_file *ssm_audio_file_open_read(const char *path, ssm_error *err)
{
    SF_INFO si;
    memset(&si, 0, sizeof si);
    SNDFILE *sf = sf_open(path, SFM_READ, &si);
    if (!sf) {
        ssm_error_set(err, SSM_ERR_FORMAT, "%s: cannot read: %s", path, sf_strerror(NULL));
        return NULL;
    }
    if (si.channels < 1 || si.channels > 64 || si.samplerate < 1) {
        sf_close(sf);
        ssm_error_set(err, SSM_ERR_UNSUPPORTED, "%s: %d channels at %d Hz is not supported", path,
                      si.channels, si.samplerate);
        return NULL;
    }
    ssm_audio_file *f = wrap(sf, path, &si, 0);
    if (!f) {
        sf_close(sf);
        ssm_error_set(err, SSM_ERR_NOMEM, "%s: out of memory", path);
        return NULL;
    }
    f->promised_frames = promised_frames(sf, &si);
    return f;
}

ssm_audio_file *ssm_audio_file_open_write(const char *path, const ssm_audio_info *info,
                                          ssm_error *err)
{
    SF_INFO si;
    memset(&si, 0, sizeof si);
    si.samplerate = (int)info->sample_rate;
    si.channels = (int)info->channels;
    si.format = info->format;
    if (!sf_format_check(&si)) {
        ssm_error_set(err, SSM_ERR_UNSUPPORTED,
                      "%s: libsndfile cannot write format 0x%06x with %u channels at %g Hz", path,
                      (unsigned)info->format, info->channels, info->sample_rate);
        return NULL;
    }
    SNDFILE *sf = sf_open(path, SFM_WRITE, &si);
    if (!sf) {
        ssm_error_set(err, SSM_ERR_IO, "%s: cannot write: %s", path, sf_strerror(NULL));
        return NULL;
    }
    sf_command(sf, SFC_SET_CLIPPING, NULL, SF_TRUE);
    ssm_audio_file *f = wrap(sf, path, &si, 1);
    if (!f) {
        sf_close(sf);
        ssm_error_set(err, SSM_ERR_NOMEM, "%s: out of memory", path);
    }
    return f;
}

const ssm_audio_info *ssm_audio_file_info(const ssm_audio_file *f)
{
    return &f->info;
}

int64_t ssm_audio_file_promised_frames(const ssm_audio_file *f)
{
    return f->promised_frames;
}

int64_t ssm_audio_file_read(ssm_audio_file *f, float *interleaved, int64_t frames, ssm_error *err)
{
    sf_count_t got = sf_readf_float(f->sf, interleaved, frames);
    if (got < 0 || (got < frames && sf_error(f->sf) != SF_ERR_NO_ERROR)) {
        ssm_error_set(err, SSM_ERR_FORMAT, "%s: read error: %s", f->path, sf_strerror(f->sf));
        return -1;
    }
    return got;
}

ssm_status ssm_audio_file_write(ssm_audio_file *f, const float *interleaved, int64_t frames,
                                ssm_error *err)
{
    if (sf_writef_float(f->sf, interleaved, frames) != frames) {
        ssm_error_set(err, SSM_ERR_IO, "%s: write error: %s", f->path, sf_strerror(f->sf));
        return SSM_ERR_IO;
    }
    return SSM_OK;
}

ssm_status ssm_audio_file_close(ssm_audio_file *f, ssm_error *err)
{
    if (!f)
        return SSM_OK;
    ssm_status s = SSM_OK;
    if (f->writing)
        sf_write_sync(f->sf);
    if (sf_close(f->sf) != 0) {
        ssm_error_set(err, SSM_ERR_IO, "%s: close failed", f->path);
        s = SSM_ERR_IO;
    }
    free(f->path);
    free(f);
    return s;
}

int ssm_audio_format_clips(int format)
{
    const int sub = format & SF_FORMAT_SUBMASK;
    return sub != SF_FORMAT_FLOAT && sub != SF_FORMAT_DOUBLE;
}

int ssm_audio_file_extension_known(const char *path)
{
    const char *slash = strrchr(path, '/'), *dot = strrchr(path, '.');
    if (!dot || (slash && dot < slash) || !dot[1])
        return 0;
    /* Names libsndfile's format table does not list but its readers take,
     * and two it lists that are seldom audio: headerless .raw cannot be
     * read without being told its format, and .mat is mostly data. */
    static const char *const extra[] = {"aif", "aifc", "wave", "bwf", "ogg", "opus",
                                        "mp3", "mp2",  "snd",  "sph", "nist"};
    if (strcasecmp(dot + 1, "raw") == 0 || strcasecmp(dot + 1, "mat") == 0)
        return 0;
    for (size_t i = 0; i < sizeof extra / sizeof extra[0]; i++)
        if (strcasecmp(dot + 1, extra[i]) == 0)
            return 1;
    int n = 0;
    sf_command(NULL, SFC_GET_FORMAT_MAJOR_COUNT, &n, sizeof n);
    for (int i = 0; i < n; i++) {
        SF_FORMAT_INFO fi = {.format = i};
        if (sf_command(NULL, SFC_GET_FORMAT_MAJOR, &fi, sizeof fi) == 0 && fi.extension &&
            strcasecmp(dot + 1, fi.extension) == 0)
            return 1;
    }
    return 0;
}

const char *ssm_audio_format_name(int format, char *buf, size_t size)
{
    SF_FORMAT_INFO major = {.format = format & SF_FORMAT_TYPEMASK};
    SF_FORMAT_INFO sub = {.format = format & SF_FORMAT_SUBMASK};
    const char *mj =
        sf_command(NULL, SFC_GET_FORMAT_INFO, &major, sizeof major) == 0 ? major.extension : "?";
    const char *sb = sf_command(NULL, SFC_GET_FORMAT_INFO, &sub, sizeof sub) == 0 ? sub.name : "?";
    snprintf(buf, size, "%s %s", mj, sb);
    return buf;
}
