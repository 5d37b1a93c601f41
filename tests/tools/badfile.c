/* badfile: broken audio for the fault tests, and the checks on what came
 * out of it.
 *
 *   badfile poke IN OUT INDEX VALUE [INDEX VALUE]...
 *       OUT = IN (its format, rate, channels) with interleaved sample INDEX
 *       set to VALUE ("nan", "inf", "-inf", "1e20", ...; a float format
 *       keeps it as it is)
 *   badfile scale IN OUT GAIN_DB      OUT = IN * gain, same format
 *   badfile normalize IN OUT PEAK_DB  OUT = IN scaled to peak at PEAK_DB
 *   badfile finite FILE [FROM]        every sample (from frame FROM on) is
 *                                     finite; prints how many are not, and
 *                                     the peak
 *   badfile peak FILE MIN_DB MAX_DB   the peak in dBFS is within [MIN, MAX]
 *   badfile frames FILE N             the file holds N frames
 *   badfile match A B GAIN TOL        channel 1 of A = GAIN * channel 1 of B
 *                                     (over the shorter) within TOL x the
 *                                     peak; prints the residual in dB
 *   badfile lag FILE MAX LAG          channel 2 is channel 1 delayed by LAG
 *                                     frames (the cross-correlation's peak
 *                                     over 0..MAX, as jack_rec recorded a
 *                                     source and what a client made of it)
 */
#include <math.h>
#include <sndfile.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static float *load(const char *path, SF_INFO *si)
{
    memset(si, 0, sizeof *si);
    SNDFILE *f = sf_open(path, SFM_READ, si);
    if (!f) {
        fprintf(stderr, "badfile: %s: %s\n", path, sf_strerror(NULL));
        return NULL;
    }
    size_t n = (size_t)si->frames * (size_t)si->channels;
    float *x = malloc((n ? n : 1) * sizeof *x);
    if (x && sf_readf_float(f, x, si->frames) != si->frames) {
        fprintf(stderr, "badfile: %s: short read\n", path);
        free(x);
        x = NULL;
    }
    sf_close(f);
    return x;
}

static int save(const char *path, SF_INFO *si, const float *x)
{
    SF_INFO so = {.samplerate = si->samplerate, .channels = si->channels, .format = si->format};
    SNDFILE *f = sf_open(path, SFM_WRITE, &so);
    if (!f) {
        fprintf(stderr, "badfile: %s: %s\n", path, sf_strerror(NULL));
        return 1;
    }
    int rc = sf_writef_float(f, x, si->frames) == si->frames ? 0 : 1;
    sf_close(f);
    return rc;
}

static double peak_of(const float *x, size_t n)
{
    double p = 0.0;
    for (size_t i = 0; i < n; i++)
        if (isfinite(x[i]) && fabs(x[i]) > p)
            p = fabs(x[i]);
    return p;
}

int main(int argc, char **argv)
{
    if (argc < 3) {
        fprintf(stderr, "usage: badfile poke|scale|finite|peak|frames ...\n");
        return 2;
    }
    SF_INFO si;
    float *x = load(argv[2], &si);
    if (!x)
        return 1;
    const size_t n = (size_t)si.frames * (size_t)si.channels;
    int rc = 2;
    if (strcmp(argv[1], "poke") == 0 && argc >= 6 && argc % 2 == 0) {
        for (int a = 4; a + 1 < argc; a += 2) {
            size_t at = strtoul(argv[a], NULL, 10);
            if (at < n)
                x[at] = strtof(argv[a + 1], NULL);
        }
        rc = save(argv[3], &si, x);
    } else if (strcmp(argv[1], "scale") == 0 && argc == 5) {
        const float g = powf(10.0f, strtof(argv[4], NULL) / 20.0f);
        for (size_t i = 0; i < n; i++)
            x[i] *= g;
        rc = save(argv[3], &si, x);
    } else if (strcmp(argv[1], "normalize") == 0 && argc == 5) {
        const double p = peak_of(x, n);
        const float g = p > 0.0 ? (float)(pow(10.0, strtod(argv[4], NULL) / 20.0) / p) : 1.0f;
        for (size_t i = 0; i < n; i++)
            x[i] *= g;
        rc = save(argv[3], &si, x);
    } else if (strcmp(argv[1], "finite") == 0 && (argc == 3 || argc == 4)) {
        const size_t from = argc == 4 ? strtoul(argv[3], NULL, 10) * (size_t)si.channels : 0;
        size_t bad = 0;
        for (size_t i = from; i < n; i++)
            bad += !isfinite(x[i]);
        printf("badfile: %s: %zu non-finite of %zu samples, peak %.1f dBFS\n", argv[2], bad,
               n - (from < n ? from : n), 20.0 * log10(peak_of(x, n) + 1e-30));
        rc = bad == 0 ? 0 : 1;
    } else if (strcmp(argv[1], "peak") == 0 && argc == 5) {
        const double p = 20.0 * log10(peak_of(x, n) + 1e-30);
        const double lo = strtod(argv[3], NULL), hi = strtod(argv[4], NULL);
        printf("badfile: %s: peak %.2f dBFS (want %g..%g)\n", argv[2], p, lo, hi);
        rc = p >= lo && p <= hi ? 0 : 1;
    } else if (strcmp(argv[1], "lag") == 0 && argc == 5 && si.channels >= 2) {
        const long max = strtol(argv[3], NULL, 10), want = strtol(argv[4], NULL, 10);
        const long nf = (long)si.frames, nc = si.channels;
        long best = -1;
        double best_c = 0.0, e1 = 0.0;
        for (long i = 0; i < nf; i++)
            e1 += (double)x[i * nc] * x[i * nc];
        for (long k = 0; k <= max && k < nf; k++) {
            double c = 0.0;
            for (long i = 0; i + k < nf; i++)
                c += (double)x[i * nc] * x[(i + k) * nc + 1];
            if (c > best_c) {
                best_c = c;
                best = k;
            }
        }
        printf("badfile: %s: channel 2 = channel 1 delayed %ld frames (correlation %.3g of %.3g; "
               "want %ld)\n",
               argv[2], best, best_c, e1, want);
        rc = best == want && e1 > 0.0 ? 0 : 1;
    } else if (strcmp(argv[1], "match") == 0 && argc == 6) {
        SF_INFO so;
        float *y = load(argv[3], &so);
        if (y) {
            const double g = strtod(argv[4], NULL), tol = strtod(argv[5], NULL);
            const size_t m = (size_t)(si.frames < so.frames ? si.frames : so.frames);
            double e = 0.0, ref = 0.0, mx = 0.0, pk = 0.0;
            for (size_t i = 0; i < m; i++) {
                const double a = x[i * (size_t)si.channels], b = g * y[i * (size_t)so.channels];
                e += (a - b) * (a - b);
                ref += a * a;
                mx = fabs(a - b) > mx ? fabs(a - b) : mx;
                pk = fabs(a) > pk ? fabs(a) : pk;
            }
            printf("badfile: %s vs %g * %s over %zu frames: max abs err %.3g (peak %.3g, tol "
                   "%g), residual %.1f dB\n",
                   argv[2], g, argv[3], m, mx, pk, tol, 10.0 * log10(e / (ref + 1e-30) + 1e-30));
            rc = m > 0 && pk > 0.0 && mx <= tol * pk ? 0 : 1;
            free(y);
        } else {
            rc = 1;
        }
    } else if (strcmp(argv[1], "frames") == 0 && argc == 4) {
        printf("badfile: %s: %lld frames (want %s)\n", argv[2], (long long)si.frames, argv[3]);
        rc = si.frames == strtoll(argv[3], NULL, 10) ? 0 : 1;
    } else {
        fprintf(stderr, "badfile: bad arguments\n");
    }
    free(x);
    return rc;
}
