/* make_tone PATH RATE CHANNELS SECONDS FORMAT: a deterministic test signal
 * (a different sine plus low noise per channel) in a libsndfile format:
 * FORMAT is wav16, wav24, wavf, flac, ogg, aiff or rawf (headerless float32 LE). */
#include <math.h>
#include <sndfile.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int main(int argc, char **argv)
{
    if (argc != 6) {
        fprintf(stderr, "usage: make_tone PATH RATE CHANNELS SECONDS FORMAT\n");
        return 2;
    }
    static const struct {
        const char *name;
        int format;
    } fm[] = {{"wav16", SF_FORMAT_WAV | SF_FORMAT_PCM_16},
              {"wav24", SF_FORMAT_WAV | SF_FORMAT_PCM_24},
              {"wavf", SF_FORMAT_WAV | SF_FORMAT_FLOAT},
              {"flac", SF_FORMAT_FLAC | SF_FORMAT_PCM_16},
              {"ogg", SF_FORMAT_OGG | SF_FORMAT_VORBIS},
              {"aiff", SF_FORMAT_AIFF | SF_FORMAT_PCM_16},
              {"rawf", SF_FORMAT_RAW | SF_FORMAT_FLOAT | SF_ENDIAN_LITTLE}};
    SF_INFO si = {.samplerate = atoi(argv[2]), .channels = atoi(argv[3])};
    for (size_t i = 0; i < sizeof fm / sizeof fm[0]; i++)
        if (strcmp(argv[5], fm[i].name) == 0)
            si.format = fm[i].format;
    long n = (long)(atof(argv[4]) * si.samplerate);
    SNDFILE *f = si.format ? sf_open(argv[1], SFM_WRITE, &si) : NULL;
    if (!f) {
        fprintf(stderr, "make_tone: %s: %s\n", argv[1], sf_strerror(NULL));
        return 1;
    }
    float *buf = malloc((size_t)n * (size_t)si.channels * sizeof *buf);
    unsigned s = 12345;
    for (long i = 0; i < n; i++)
        for (int c = 0; c < si.channels; c++) {
            s = s * 1664525u + 1013904223u;
            double noise = ((double)(s >> 8) / 16777216.0 - 0.5) * 0.02;
            buf[i * si.channels + c] =
                (float)(0.4 * sin(2 * M_PI * (220.0 * (c + 1)) * (double)i / si.samplerate) +
                        noise);
        }
    sf_writef_float(f, buf, n);
    sf_close(f);
    free(buf);
    return 0;
}
