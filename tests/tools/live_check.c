/* live_check OUT.raw IN.raw GAIN PLUGIN_DELAY TOL: OUT is what ssm-live
 * played into the ALSA `file` PCM, IN what it captured from one (float32
 * LE, mono), or a reference rendering of it. The stream adds its own
 * latency (output priming) ahead of the plugin's delay, and a plugin may
 * emit non-silent samples inside its own latency window, so the alignment
 * is searched for: the lag whose first 2048 samples match best. From there
 * OUT must equal GAIN * IN for the whole of IN within TOL, and the lag must
 * be at least the plugin's delay. Prints the measured end-to-end latency. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include "../read_file.h"

static float *read_f32(const char *path, long *n)
{
    size_t bytes;
    float *b = th_read_file(path, &bytes);
    *n = (long)(bytes / sizeof(float));
    return b;
}

int main(int argc, char **argv)
{
    if (argc != 6) {
        fprintf(stderr, "usage: live_check OUT.raw IN.raw GAIN PLUGIN_DELAY TOL\n");
        return 2;
    }
    long no = 0, ni = 0;
    float *o = read_f32(argv[1], &no), *x = read_f32(argv[2], &ni);
    double gain = atof(argv[3]), tol = atof(argv[5]);
    long pdelay = atol(argv[4]);
    if (!o || !x || ni == 0) {
        fprintf(stderr, "live_check: cannot read %s or %s\n", argv[1], argv[2]);
        return 1;
    }
    enum { PROBE = 2048, MAX_LAG = 16384 };
    long probe = ni < PROBE ? ni : PROBE, j = -1;
    double best = INFINITY;
    for (long lag = 0; lag <= MAX_LAG && lag + ni <= no; lag++) {
        double e = 0.0;
        for (long i = 0; i < probe && e < best; i++) {
            double d = o[lag + i] - gain * x[i];
            e += d * d;
        }
        if (e < best) {
            best = e;
            j = lag;
        }
    }
    if (j < 0) {
        fprintf(stderr, "live_check: output has %ld frames: shorter than the %ld-frame input\n", no,
                ni);
        return 1;
    }
    double maxerr = 0.0;
    for (long i = 0; i < ni; i++) {
        double e = fabs(o[j + i] - gain * x[i]);
        maxerr = e > maxerr ? e : maxerr;
    }
    long stream = j - pdelay;
    printf("ssm-live output vs %g * input: %ld frames, end-to-end latency %ld frames (plugin %ld "
           "+ stream %ld), max abs err %.3g (tol %.1g)\n",
           gain, ni, j, pdelay, stream, maxerr, tol);
    free(o);
    free(x);
    return maxerr <= tol && stream >= 0 ? 0 : 1;
}
