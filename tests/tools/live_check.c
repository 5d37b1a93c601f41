/* live_check OUT.raw IN.raw GAIN PLUGIN_DELAY TOL: OUT is what ssm-live
 * played into the ALSA `file` PCM, IN what it captured from one (float32
 * LE, mono). The stream adds its own latency (output priming) ahead of the
 * plugin's delay, so find where the signal starts in OUT and check that
 * from there OUT = GAIN * IN, for the whole of IN, within TOL. Prints the
 * measured end-to-end latency in frames. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

static float *slurp(const char *path, long *n)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    fseek(f, 0, SEEK_END);
    long bytes = ftell(f);
    fseek(f, 0, SEEK_SET);
    *n = bytes / 4;
    float *b = malloc((size_t)(*n + 1) * sizeof *b);
    if (b && fread(b, 4, (size_t)*n, f) != (size_t)*n) {
        free(b);
        b = NULL;
    }
    fclose(f);
    return b;
}

int main(int argc, char **argv)
{
    if (argc != 6) {
        fprintf(stderr, "usage: live_check OUT.raw IN.raw GAIN PLUGIN_DELAY TOL\n");
        return 2;
    }
    long no = 0, ni = 0;
    float *o = slurp(argv[1], &no), *x = slurp(argv[2], &ni);
    double gain = atof(argv[3]), tol = atof(argv[5]);
    long pdelay = atol(argv[4]);
    if (!o || !x || ni == 0) {
        fprintf(stderr, "live_check: cannot read %s or %s\n", argv[1], argv[2]);
        return 1;
    }
    long j = 0;
    while (j < no && o[j] == 0.0f)
        j++;
    if (j + ni > no) {
        fprintf(stderr,
                "live_check: output has %ld frames, signal starts at %ld: shorter than "
                "the %ld-frame input\n",
                no, j, ni);
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
