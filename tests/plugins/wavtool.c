/* wavtool: make test signals and compare the files that external LV2 hosts
 * (lv2apply, lv2file, jalv + jack_rec, ssm-render) write, so the shell
 * tests can say what they compared and by how much it differed.
 *
 *   wavtool gen FILE CHANNELS FRAMES RATE KIND   noise|clicks|silence|dc|tiny|fullscale
 *   wavtool cmp GOT WANT TOL [SHIFT]             max |got - want| / max |want| <= TOL,
 *                                                got[t] against want[t + SHIFT] (a host
 *                                                that compensated SHIFT frames of latency)
 *   wavtool differ A B MIN                       the files differ by at least MIN (rel)
 *   wavtool quieter A B MAX                      rms(A) / rms(B) < MAX (a denoiser on noise)
 *   wavtool check FILE [--nonsilent]             every sample finite (and not all zero)
 */
#include <math.h>
#include <sndfile.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../harness.h"

static float *load(const char *path, SF_INFO *info)
{
    memset(info, 0, sizeof *info);
    SNDFILE *f = sf_open(path, SFM_READ, info);
    if (!f) {
        fprintf(stderr, "wavtool: cannot open %s: %s\n", path, sf_strerror(NULL));
        return NULL;
    }
    const size_t n = (size_t)info->frames * (size_t)info->channels;
    float *buf = malloc((n ? n : 1) * sizeof(float));
    if (buf && sf_readf_float(f, buf, info->frames) != info->frames) {
        fprintf(stderr, "wavtool: short read from %s\n", path);
        free(buf);
        buf = NULL;
    }
    sf_close(f);
    return buf;
}

static double rms(const float *x, size_t n)
{
    double s = 0.0;
    for (size_t i = 0; i < n; i++)
        s += (double)x[i] * x[i];
    return n ? sqrt(s / (double)n) : 0.0;
}

static int gen(const char *path, int channels, long frames, int rate, const char *kind)
{
    SF_INFO info = {
        .samplerate = rate, .channels = channels, .format = SF_FORMAT_WAV | SF_FORMAT_FLOAT};
    float *buf = calloc((size_t)frames * (size_t)channels, sizeof(float));
    th_rng rng = {0x5eed5eedULL};
    for (long t = 0; t < frames; t++)
        for (int c = 0; c < channels; c++) {
            float v = 0.0f;
            if (!strcmp(kind, "noise"))
                v = (float)(0.1 * th_normal(&rng));
            else if (!strcmp(kind, "clicks"))
                v = (t % (rate / 4) == 100) ? 0.8f : 0.0f;
            else if (!strcmp(kind, "dc"))
                v = 0.5f;
            else if (!strcmp(kind, "tiny"))
                v = 1e-30f;
            else if (!strcmp(kind, "fullscale"))
                v = th_uniform(&rng) < 0.5 ? -1.0f : 1.0f;
            buf[t * channels + c] = v;
        }
    SNDFILE *f = sf_open(path, SFM_WRITE, &info);
    if (!f || sf_writef_float(f, buf, frames) != frames) {
        fprintf(stderr, "wavtool: cannot write %s\n", path);
        return 1;
    }
    sf_close(f);
    free(buf);
    return 0;
}

int main(int argc, char **argv)
{
    if (argc == 7 && !strcmp(argv[1], "gen"))
        return gen(argv[2], atoi(argv[3]), atol(argv[4]), atoi(argv[5]), argv[6]);
    if ((argc == 5 || (argc == 6 && !strcmp(argv[1], "cmp"))) &&
        (!strcmp(argv[1], "cmp") || !strcmp(argv[1], "differ"))) {
        const long shift = argc == 6 ? atol(argv[5]) : 0;
        SF_INFO ia, ib;
        float *a = load(argv[2], &ia), *b = load(argv[3], &ib);
        if (!a || !b)
            return 1;
        CHECK(ia.channels == ib.channels && ia.frames == ib.frames,
              "%s has %d x %ld, %s has %d x %ld", argv[2], ia.channels, (long)ia.frames, argv[3],
              ib.channels, (long)ib.frames);
        const long frames = (ia.frames < ib.frames ? ia.frames : ib.frames) - shift;
        const size_t n = frames > 0 ? (size_t)frames * ia.channels : 0;
        char what[256];
        snprintf(what, sizeof what, "%s vs %s",
                 strrchr(argv[2], '/') ? strrchr(argv[2], '/') + 1 : argv[2],
                 strrchr(argv[3], '/') ? strrchr(argv[3], '/') + 1 : argv[3]);
        if (!strcmp(argv[1], "cmp")) {
            if (shift)
                snprintf(what + strlen(what), sizeof what - strlen(what), " (+%ld)", shift);
            th_close_f(what, a, b + shift * ib.channels, n, atof(argv[4]));
        } else {
            double maxerr = 0.0, maxref = 0.0;
            for (size_t i = 0; i < n; i++) {
                maxerr = fmax(maxerr, fabs((double)a[i] - b[i]));
                maxref = fmax(maxref, fabs((double)b[i]));
            }
            const double rel = maxref > 0 ? maxerr / maxref : maxerr;
            printf("%-48s differ by rel %.3g (want >= %g)\n", what, rel, atof(argv[4]));
            CHECK(rel >= atof(argv[4]), "%s: outputs should differ", what);
        }
        free(a);
        free(b);
        return th_finish("wavtool cmp");
    }
    if (argc == 5 && !strcmp(argv[1], "quieter")) {
        SF_INFO ia, ib;
        float *a = load(argv[2], &ia), *b = load(argv[3], &ib);
        if (!a || !b)
            return 1;
        const double ra = rms(a, (size_t)ia.frames * ia.channels),
                     rb = rms(b, (size_t)ib.frames * ib.channels), max = atof(argv[4]);
        const double ratio = rb > 0 ? ra / rb : INFINITY;
        printf("%-48s rms %.3g / %.3g = %.3g (want < %g)\n", argv[2], ra, rb, ratio, max);
        CHECK(ratio < max, "%s is not quieter than %s", argv[2], argv[3]);
        free(a);
        free(b);
        return th_finish("wavtool quieter");
    }
    if ((argc == 3 || argc == 4) && !strcmp(argv[1], "check")) {
        SF_INFO info;
        float *a = load(argv[2], &info);
        if (!a)
            return 1;
        const size_t n = (size_t)info.frames * info.channels;
        size_t bad = 0;
        double peak = 0.0, sum = 0.0;
        for (size_t i = 0; i < n; i++) {
            if (!isfinite(a[i]))
                bad++;
            else {
                peak = fmax(peak, fabs(a[i]));
                sum += (double)a[i] * a[i];
            }
        }
        printf("%-48s n=%-8zu non-finite %zu, peak %.3g, rms %.3g\n", argv[2], n, bad, peak,
               n ? sqrt(sum / n) : 0.0);
        CHECK(bad == 0, "%s has %zu non-finite samples", argv[2], bad);
        if (argc == 4)
            CHECK(peak > 0.0, "%s is silent", argv[2]);
        free(a);
        return th_finish("wavtool check");
    }
    fprintf(stderr, "usage: see the comment at the top of wavtool.c\n");
    return 2;
}
