/* ssmaudio audio files (libsndfile): any format libsndfile reads, and
 * writing in the same format, rate and channel count as a given input. */
#ifndef SSM_AUDIO_FILE_H
#define SSM_AUDIO_FILE_H

#include <stdint.h>

#include "ssm/ssmaudio.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct ssm_audio_file ssm_audio_file;

typedef struct {
    double sample_rate;
    uint32_t channels;
    int64_t frames; /* -1 when the format cannot say */
    int format;     /* libsndfile SF_FORMAT_* major | subtype */
} ssm_audio_info;

SSM_API ssm_audio_file *ssm_audio_file_open_read(const char *path, ssm_error *err);
/* Create path for writing with info's format, rate and channels. */
SSM_API ssm_audio_file *ssm_audio_file_open_write(const char *path, const ssm_audio_info *info,
                                                  ssm_error *err);
SSM_API const ssm_audio_info *ssm_audio_file_info(const ssm_audio_file *f);
/* Frames the file's header promises: more than info's frames when the
 * file is truncated (a WAV, AIFF, AU... cut short still opens, and reads
 * what is there); else equal to them. */
SSM_API int64_t ssm_audio_file_promised_frames(const ssm_audio_file *f);
/* Interleaved float frames; returns frames read (0 at the end) or -1 with
 * err set. */
SSM_API int64_t ssm_audio_file_read(ssm_audio_file *f, float *interleaved, int64_t frames,
                                    ssm_error *err);
SSM_API ssm_status ssm_audio_file_write(ssm_audio_file *f, const float *interleaved, int64_t frames,
                                        ssm_error *err);
/* Close; for a written file, reports a failure to flush. */
SSM_API ssm_status ssm_audio_file_close(ssm_audio_file *f, ssm_error *err);
/* Whether the format stores samples beyond +-1.0 (float and double
 * subtypes) or clips them (every integer and compressed one). */
SSM_API int ssm_audio_format_clips(int format);
/* Whether path ends in an extension of a format libsndfile reads (".wav",
 * ".flac", ".aif", ...; case-insensitive): how a folder's audio files are
 * told from its other files. */
SSM_API int ssm_audio_file_extension_known(const char *path);
/* "WAV 24-bit", "FLAC 16-bit", ...: for messages. */
SSM_API const char *ssm_audio_format_name(int format, char *buf, size_t size);

#ifdef __cplusplus
}
#endif
#endif
