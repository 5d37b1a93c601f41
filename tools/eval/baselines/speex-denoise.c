/* speex-denoise: the speexdsp preprocessor's noise suppressor over a WAV
 * file, as a baseline for the denoiser benchmark (tools/eval/ssm-eval).
 *
 *   speex-denoise IN.wav OUT.wav
 *
 * IN must be mono at 48 kHz. Frames are 480 samples (10 ms), the size the
 * benchmark in issue 7 quotes; denoising is on with speexdsp's default
 * suppression (-15 dB), AGC and dereverberation off, so the output is the
 * denoiser alone (VAD is off by default; setting it prints a warning). The
 * last partial frame is zero-padded and the output has exactly as many
 * samples as the input, in the input's format. */
#include <sndfile.h>
#include <speex/speex_preprocess.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum { FRAME = 480, RATE = 48000 };

static int fail(const char *path, const char *what)
{
    fprintf(stderr, "speex-denoise: %s: %s\n", path, what);
    return 1;
}

static int denoise(SNDFILE *in, SNDFILE *out, SpeexPreprocessState *st, sf_count_t frames)
{
    spx_int16_t buf[FRAME];
    sf_count_t done = 0;
    while (done < frames) {
        sf_count_t n = frames - done < FRAME ? frames - done : FRAME;
        if (sf_readf_short(in, buf, n) != n)
            return -1;
        memset(buf + n, 0, (size_t)(FRAME - n) * sizeof buf[0]);
        speex_preprocess_run(st, buf);
        if (sf_writef_short(out, buf, n) != n)
            return -1;
        done += n;
    }
    return 0;
}

int main(int argc, char **argv)
{
    if (argc != 3) {
        fprintf(stderr, "usage: speex-denoise IN.wav OUT.wav   (mono, 48 kHz)\n");
        return 2;
    }
    SF_INFO info;
    memset(&info, 0, sizeof info);
    SNDFILE *in = sf_open(argv[1], SFM_READ, &info);
    if (!in)
        return fail(argv[1], sf_strerror(NULL));
    if (info.channels != 1 || info.samplerate != RATE) {
        sf_close(in);
        return fail(argv[1], "want mono at 48000 Hz");
    }
    /* Float files are read as 16-bit with clipping rather than wrap-around. */
    sf_command(in, SFC_SET_SCALE_FLOAT_INT_READ, NULL, SF_TRUE);
    SF_INFO oinfo = info;
    SNDFILE *out = sf_open(argv[2], SFM_WRITE, &oinfo);
    if (!out) {
        sf_close(in);
        return fail(argv[2], sf_strerror(NULL));
    }
    SpeexPreprocessState *st = speex_preprocess_state_init(FRAME, RATE);
    int on = 1, off = 0;
    speex_preprocess_ctl(st, SPEEX_PREPROCESS_SET_DENOISE, &on);
    speex_preprocess_ctl(st, SPEEX_PREPROCESS_SET_AGC, &off);
    speex_preprocess_ctl(st, SPEEX_PREPROCESS_SET_DEREVERB, &off);

    int rc = denoise(in, out, st, info.frames);
    if (rc != 0)
        fail(argv[1], "short read or write");
    speex_preprocess_state_destroy(st);
    sf_close(in);
    if (sf_close(out) != 0)
        rc = fail(argv[2], "could not finish writing");
    return rc ? 1 : 0;
}
