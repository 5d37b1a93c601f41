/* Audio files through libsndfile (ssm/audio_file.h). Reads and writes
 * float; libsndfile converts to the file's own sample format, clipping
 * integer formats instead of wrapping (SFC_SET_CLIPPING). */
#include <sndfile.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ssm/audio_file.h"

struct ssm_audio_file {
    SNDFILE *sf;
    char *path;
    int writing;
    ssm_audio_info info;
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
    return f;
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
    }
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
