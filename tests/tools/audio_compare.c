/* audio_compare OUT IN GAIN DELAY TOL: checks that OUT has IN's format,
 * sample rate, channel count and length, and that OUT[i] = GAIN * IN[i -
 * DELAY] on every channel within TOL (absolute, for quantised formats).
 * Prints what it compared and the largest difference; exit 0 on a match. */
#include <math.h>
#include <sndfile.h>
#include <stdio.h>
#include <stdlib.h>

static float *read_all(const char *path, SF_INFO *si)
{
    SNDFILE *f = sf_open(path, SFM_READ, si);
    if (!f) {
        fprintf(stderr, "audio_compare: %s: %s\n", path, sf_strerror(NULL));
        return NULL;
    }
    float *buf = malloc(((size_t)si->frames * (size_t)si->channels + 1) * sizeof *buf);
    if (buf && sf_readf_float(f, buf, si->frames) != si->frames) {
        free(buf);
        buf = NULL;
    }
    sf_close(f);
    return buf;
}

int main(int argc, char **argv)
{
    if (argc != 6) {
        fprintf(stderr, "usage: audio_compare OUT IN GAIN DELAY TOL\n");
        return 2;
    }
    double gain = atof(argv[3]), tol = atof(argv[5]);
    long delay = atol(argv[4]);
    SF_INFO so = {0}, si = {0};
    float *o = read_all(argv[1], &so), *x = read_all(argv[2], &si);
    if (!o || !x)
        return 1;
    int ok = 1;
    if (so.format != si.format || so.samplerate != si.samplerate || so.channels != si.channels ||
        so.frames != si.frames) {
        fprintf(stderr,
                "audio_compare: %s: format 0x%x %d Hz %d ch %lld frames, but %s: 0x%x %d Hz %d "
                "ch %lld frames\n",
                argv[1], so.format, so.samplerate, so.channels, (long long)so.frames, argv[2],
                si.format, si.samplerate, si.channels, (long long)si.frames);
        ok = 0;
    }
    double maxerr = 0.0;
    long frames = so.frames < si.frames ? (long)so.frames : (long)si.frames;
    for (long i = 0; ok && i < frames; i++)
        for (int c = 0; c < si.channels; c++) {
            double want = i >= delay ? gain * x[(i - delay) * si.channels + c] : 0.0;
            double e = fabs(o[i * so.channels + c] - want);
            if (e > maxerr)
                maxerr = e;
        }
    printf("%s vs %g * %s delayed %ld: %d ch, %ld frames, %d Hz, max abs err %.3g (tol %.1g)\n",
           argv[1], gain, argv[2], delay, si.channels, frames, si.samplerate, maxerr, tol);
    free(o);
    free(x);
    return ok && maxerr <= tol ? 0 : 1;
}
