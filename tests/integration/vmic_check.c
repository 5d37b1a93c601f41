/* vmic_check: the analysis half of test_pipewire_vmic.sh.
 *
 * The test records one pw-record stream with 2*C channels: channels
 * 0..C-1 tap the stand-in microphone (what the filter-chain received),
 * channels C..2C-1 are the virtual microphone (what the plugin returned).
 * One client records both; a cycle it misses shows in the tap, or as a
 * quantum of the virtual microphone repeated or skipped (below).
 *
 *   vmic_check prepare REC IN QUANTUM OUTDIR
 *     Finds the played file IN in the tap. It must be there whole, sample
 *     for sample (the player, the microphone and the recorder pass float32
 *     through untouched at the graph's rate); if it is not, a quantum was
 *     lost or doubled on the way and the run cannot be judged: exit 3, so
 *     the test runs it again. Otherwise it writes the plugin's candidate
 *     input histories OUTDIR/mNN.wav. The microphone is silent until the
 *     player starts, so the history is known but for where it starts: the
 *     filter and the recorder join the graph asynchronously, each at a
 *     cycle boundary, so the plugin's first cycle is the tap's cycle m for
 *     a small m (0: the tap's first cycle; negative: earlier, on silence
 *     the recorder did not see).
 *
 *   vmic_check compare REC IN QUANTUM LATENCY TOL REFDIR
 *     REFDIR/mNN.wav is the offline render (ssm-render: latency
 *     compensated) of each candidate. The recording must equal one of them
 *     delayed by exactly LATENCY frames, within TOL on every sample of the
 *     file; it prints the error of the best and of the runner-up. A cycle
 *     where it equals the render a quantum or two off is the recorder
 *     reading one port late (exit 3: run again); any other difference is
 *     wrong output. It must also differ from the plain (delayed) input, or
 *     nothing was processed.
 *
 * Exit 0: match; 1: wrong output; 2: usage or I/O; 3: lost quantum. */
#include <math.h>
#include <sndfile.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum { M_BEFORE = 3, M_AFTER = 3 }; /* cycles searched around the tap's first */

typedef struct {
    float *buf;
    long frames;
    int channels, rate;
} audio;

static int load(const char *path, audio *a)
{
    SF_INFO si = {0};
    SNDFILE *f = sf_open(path, SFM_READ, &si);
    if (!f) {
        fprintf(stderr, "vmic_check: %s: %s\n", path, sf_strerror(NULL));
        return -1;
    }
    a->frames = (long)si.frames;
    a->channels = si.channels;
    a->rate = si.samplerate;
    a->buf = malloc(((size_t)a->frames * (size_t)a->channels + 1) * sizeof *a->buf);
    if (!a->buf || sf_readf_float(f, a->buf, si.frames) != si.frames) {
        fprintf(stderr, "vmic_check: %s: short read\n", path);
        sf_close(f);
        return -1;
    }
    sf_close(f);
    return 0;
}

static int save(const char *path, const float *buf, long frames, int channels, int rate)
{
    SF_INFO si = {
        .samplerate = rate, .channels = channels, .format = SF_FORMAT_WAV | SF_FORMAT_FLOAT};
    SNDFILE *f = sf_open(path, SFM_WRITE, &si);
    if (!f) {
        fprintf(stderr, "vmic_check: %s: %s\n", path, sf_strerror(NULL));
        return -1;
    }
    int ok = sf_writef_float(f, buf, frames) == frames;
    sf_close(f);
    return ok ? 0 : -1;
}

/* Where IN starts in the tap: the first non-zero tap frame, less IN's
 * own leading silence. */
static long find_start(const audio *rec, const audio *in)
{
    const int c = in->channels;
    long first_in = -1, first_tap = -1;
    for (long i = 0; i < in->frames && first_in < 0; i++)
        for (int ch = 0; ch < c; ch++)
            if (in->buf[i * c + ch] != 0.0f)
                first_in = i;
    for (long i = 0; i < rec->frames && first_tap < 0; i++)
        for (int ch = 0; ch < c; ch++)
            if (rec->buf[i * rec->channels + ch] != 0.0f)
                first_tap = i;
    if (first_in < 0 || first_tap < 0)
        return -1;
    return first_tap - first_in;
}

static int check_shapes(const audio *rec, const audio *in)
{
    if (rec->channels != 2 * in->channels || rec->rate != in->rate) {
        fprintf(stderr, "vmic_check: recording has %d ch at %d Hz; expected %d ch at %d Hz\n",
                rec->channels, rec->rate, 2 * in->channels, in->rate);
        return -1;
    }
    return 0;
}

/* Does the tap from frame t hold n frames of IN from frame i? */
static int tap_holds(const audio *rec, const audio *in, long t, long i, long n)
{
    const int c = in->channels;
    if (t < 0 || i < 0 || t + n > rec->frames || i + n > in->frames)
        return 0;
    for (long k = 0; k < n; k++)
        for (int ch = 0; ch < c; ch++)
            if (rec->buf[(t + k) * rec->channels + ch] != in->buf[(i + k) * c + ch])
                return 0;
    return 1;
}

/* The tap must hold IN whole; returns the start, or -1 (lost quantum). */
static long tap_start(const audio *rec, const audio *in, long q)
{
    const int c = in->channels;
    const long s = find_start(rec, in);
    if (s < 0 || s + in->frames > rec->frames) {
        fprintf(stderr, "vmic_check: the played file is not in the tap (start %ld)\n", s);
        return -1;
    }
    for (long i = 0; i < in->frames; i++)
        for (int ch = 0; ch < c; ch++)
            if (rec->buf[(s + i) * rec->channels + ch] != in->buf[i * c + ch]) {
                const long n = q < in->frames - i - q ? q : 1;
                const char *what = tap_holds(rec, in, s + i, i + q, n)   ? "a quantum skipped"
                                   : tap_holds(rec, in, s + i, i - q, n) ? "a quantum repeated"
                                                                         : "other samples";
                fprintf(stderr,
                        "vmic_check: tap differs from the played file at frame %ld of %ld "
                        "(ch %d; tap cycle %ld): %s on the way\n",
                        i, in->frames, ch, (s + i) / q, what);
                return -1;
            }
    return s;
}

static int prepare(const char *rec_path, const char *in_path, long q, const char *outdir)
{
    audio rec, in;
    if (load(rec_path, &rec) || load(in_path, &in) || check_shapes(&rec, &in))
        return 2;
    const long s = tap_start(&rec, &in, q);
    if (s < 0)
        return 3;
    const int c = in.channels;
    const long end = s + in.frames; /* history: up to the end of the clip */
    const long m0 = s / q, m_last = m0 < M_AFTER ? m0 : M_AFTER;
    int n = 0;
    for (long m = -M_BEFORE; m <= m_last; m++) {
        const long c0 = m * q; /* the plugin's first frame, in tap frames */
        const long len = end - c0;
        float *h = calloc((size_t)len * (size_t)c, sizeof *h);
        if (!h)
            return 2;
        for (long t = c0 > 0 ? c0 : 0; t < end; t++)
            for (int ch = 0; ch < c; ch++)
                h[(t - c0) * c + ch] = rec.buf[t * rec.channels + ch];
        char path[4096];
        snprintf(path, sizeof path, "%s/m%+03ld.wav", outdir, m);
        if (save(path, h, len, c, in.rate)) {
            free(h);
            return 2;
        }
        free(h);
        n++;
    }
    printf("vmic_check: clip found whole in the tap at frame %ld (cycle %ld of %ld frames); "
           "%d candidate starts written\n",
           s, m0, q, n);
    return 0;
}

/* Largest |recording - render| over one recording cycle [b*q, (b+1)*q)
 * within [lo, hi), the render read `shift` frames later than aligned. */
static double block_err(const audio *rec, const audio *ref, long b, long q, long lo, long hi,
                        long c0, long lat, long shift)
{
    const int c = ref->channels, rc = rec->channels;
    double e = 0.0;
    const long t0 = b * q > lo ? b * q : lo, t1 = (b + 1) * q < hi ? (b + 1) * q : hi;
    for (long t = t0; t < t1; t++) {
        const long r = t - c0 - lat + shift;
        if (r < 0 || r >= ref->frames || t >= rec->frames)
            return INFINITY;
        for (int ch = 0; ch < c; ch++) {
            const double d = fabs(rec->buf[t * rc + c + ch] - ref->buf[r * c + ch]);
            e = d > e ? d : e;
        }
    }
    return e;
}

static int compare(const char *rec_path, const char *in_path, long q, long lat, double tol,
                   const char *refdir)
{
    audio rec, in;
    if (load(rec_path, &rec) || load(in_path, &in) || check_shapes(&rec, &in))
        return 2;
    const long s = tap_start(&rec, &in, q);
    if (s < 0)
        return 3;
    const int c = in.channels, rc = rec.channels;
    const long m0 = s / q, m_last = m0 < M_AFTER ? m0 : M_AFTER;
    /* compared: the whole file once the plugin's latency has passed */
    const long lo = s + lat, hi = s + in.frames, b0 = lo / q, b1 = (hi + q - 1) / q;
    const long nb = b1 - b0;
    double *err = calloc((size_t)nb, sizeof *err);
    if (!err)
        return 2;
    long best_m = 0, best_good = -1;
    double best = INFINITY, second = INFINITY;
    audio best_ref = {0};
    for (long m = -M_BEFORE; m <= m_last; m++) {
        char path[4096];
        snprintf(path, sizeof path, "%s/m%+03ld.wav", refdir, m);
        audio ref;
        if (load(path, &ref))
            return 2;
        long good = 0;
        double e = 0.0;
        for (long b = b0; b < b1; b++) {
            const double eb = block_err(&rec, &ref, b, q, lo, hi, m * q, lat, 0);
            good += eb <= tol;
            e = eb > e ? eb : e;
        }
        if (good > best_good || (good == best_good && e < best)) {
            second = best < second ? best : second;
            best_good = good;
            best = e;
            best_m = m;
            free(best_ref.buf);
            best_ref = ref;
        } else {
            second = e < second ? e : second;
            free(ref.buf);
        }
    }
    /* Cycles that do not match: a recorder that missed a cycle reads its
     * ports late, and may have taken the virtual microphone's buffer of
     * the cycle before or after (a quantum repeated or skipped, on that
     * port only). Such a cycle equals the render one or two quanta off;
     * anything else is wrong output. */
    long bad = 0, glitch = 0, first_wrong = -1;
    double wrong_err = 0.0;
    for (long b = b0; b < b1; b++) {
        const double eb = block_err(&rec, &best_ref, b, q, lo, hi, best_m * q, lat, 0);
        if (eb <= tol)
            continue;
        bad++;
        int explained = 0;
        for (long k = -2; k <= 2 && !explained; k++)
            explained =
                k && block_err(&rec, &best_ref, b, q, lo, hi, best_m * q, lat, k * q) <= tol;
        if (explained) {
            glitch++;
        } else if (first_wrong < 0) {
            first_wrong = b;
            wrong_err = eb;
        }
    }
    double sq = 0.0, dry = 0.0;
    long n = 0;
    for (long t = lo; t < hi && t < rec.frames; t++)
        for (int ch = 0; ch < c; ch++) {
            const long r = t - best_m * q - lat;
            if (r >= 0 && r < best_ref.frames) {
                const double d = rec.buf[t * rc + c + ch] - best_ref.buf[r * c + ch];
                sq += d * d;
                n++;
            }
            /* and it processed: the output is not the input delayed by lat */
            const double dd = fabs(rec.buf[t * rc + c + ch] - rec.buf[(t - lat) * rc + ch]);
            dry = dd > dry ? dd : dry;
        }
    free(best_ref.buf);
    free(err);
    printf("vmic_check: %d ch, %d Hz, %ld frames, delay %ld (plugin latency): max abs err %.3g, "
           "rms %.3g (tol %.3g) over %ld cycles; plugin's first cycle = tap cycle %ld, the "
           "played file from cycle %ld; next best start: err %.3g; output vs dry input: %.3g\n",
           c, in.rate, in.frames, lat, best, n ? sqrt(sq / (double)n) : 0.0, tol, nb, best_m, m0,
           second, dry);
    if (first_wrong >= 0) {
        fprintf(stderr,
                "vmic_check: FAIL the virtual microphone is not the offline render of what the "
                "plugin received: %ld of %ld cycles differ, first at cycle %ld (err %.3g)\n",
                bad, nb, first_wrong, wrong_err);
        return 1;
    }
    if (glitch) {
        fprintf(stderr,
                "vmic_check: %ld cycles of the virtual microphone are the render a quantum or "
                "two off: the recorder repeated or skipped a quantum\n",
                glitch);
        return 3;
    }
    if (dry < 1e-3) {
        fprintf(stderr, "vmic_check: FAIL the virtual microphone only passes its input through\n");
        return 1;
    }
    return 0;
}

int main(int argc, char **argv)
{
    if (argc == 6 && !strcmp(argv[1], "prepare"))
        return prepare(argv[2], argv[3], atol(argv[4]), argv[5]);
    if (argc == 8 && !strcmp(argv[1], "compare"))
        return compare(argv[2], argv[3], atol(argv[4]), atol(argv[5]), atof(argv[6]), argv[7]);
    fprintf(stderr, "usage: vmic_check prepare REC IN QUANTUM OUTDIR\n"
                    "       vmic_check compare REC IN QUANTUM LATENCY TOL REFDIR\n");
    return 2;
}
