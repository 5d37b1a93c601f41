/* ssm-bench-host: the cost of the engine's LV2 host around a trivial
 * plugin, in ns per block (default block 64, mono, 48 kHz).
 *
 *   ssm-bench-host [--block N] [--seconds S] [URI]   (default URI: eg-amp)
 *
 * Rows: an empty chain (the host's own copy), the plugin alone through
 * ssm_lv2_plugin_run (port connection, atom reset, worker delivery, the
 * plugin), and the plugin in a chain (plus the chain's ping-pong buffers).
 * Results go to docs/benchmarks.md; never a timed test.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "ssm/lv2host.h"

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

typedef void (*run_fn)(void *obj, const float *const *in, float *const *out, uint32_t n);

static void run_chain(void *obj, const float *const *in, float *const *out, uint32_t n)
{
    ssm_lv2_chain_run(obj, in, out, n);
}

static void run_plugin(void *obj, const float *const *in, float *const *out, uint32_t n)
{
    ssm_lv2_plugin_run(obj, in, out, n);
}

/* Median of 5 timed runs of `reps` blocks, in ns per block. */
static double time_it(run_fn f, void *obj, uint32_t block, long reps)
{
    float *x = calloc(block, sizeof *x), *y = calloc(block, sizeof *y);
    for (uint32_t i = 0; i < block; i++)
        x[i] = (float)(i % 17) * 0.01f;
    const float *in[1] = {x};
    float *out[1] = {y};
    double t[5];
    for (long r = 0; r < reps / 10; r++)
        f(obj, in, out, block);
    for (int k = 0; k < 5; k++) {
        double t0 = now();
        for (long r = 0; r < reps; r++)
            f(obj, in, out, block);
        t[k] = (now() - t0) / (double)reps * 1e9;
    }
    for (int i = 0; i < 5; i++)
        for (int j = i + 1; j < 5; j++)
            if (t[j] < t[i]) {
                double s = t[i];
                t[i] = t[j];
                t[j] = s;
            }
    free(x);
    free(y);
    return t[2];
}

int main(int argc, char **argv)
{
    static const struct option opts[] = {{"block", required_argument, NULL, 'b'},
                                         {"seconds", required_argument, NULL, 's'},
                                         {NULL, 0, NULL, 0}};
    uint32_t block = 64;
    double seconds = 2.0;
    int c;
    while ((c = getopt_long(argc, argv, "b:s:", opts, NULL)) != -1) {
        if (c == 'b')
            block = (uint32_t)strtoul(optarg, NULL, 10);
        else if (c == 's')
            seconds = strtod(optarg, NULL);
        else
            return 2;
    }
    const char *uri = optind < argc ? argv[optind] : "http://lv2plug.in/plugins/eg-amp";
    if (block < 1 || block > 65536)
        return 2;
    ssm_error err = {0};
    ssm_lv2_world *w = ssm_lv2_world_create(&err);
    ssm_lv2_config cfg = {.sample_rate = 48000, .max_block = block};
    ssm_lv2_stage_desc st = {uri, NULL};
    ssm_lv2_chain *empty = w ? ssm_lv2_chain_create(w, NULL, 0, NULL, 0, 1, &cfg, &err) : NULL;
    ssm_lv2_chain *one = empty ? ssm_lv2_chain_create(w, &st, 1, NULL, 0, 1, &cfg, &err) : NULL;
    ssm_lv2_plugin *p = one ? ssm_lv2_plugin_create(w, uri, &cfg, &err) : NULL;
    if (!p) {
        fprintf(stderr, "ssm-bench-host: %s\n", err.message);
        return 1;
    }
    /* Blocks per timed run: about seconds/5 of wall time for a ~100 ns block. */
    long reps = (long)(seconds / 5.0 / 100e-9);
    double e = time_it(run_chain, empty, block, reps);
    double pr = time_it(run_plugin, p, block, reps);
    double ch = time_it(run_chain, one, block, reps);
    double audio_ns = 1e9 * block / 48000.0;
    printf("LV2 host overhead, block %u, mono, 48 kHz, plugin <%s>\n", block, uri);
    printf("| what | ns per block | %% of the %.0f us block period |\n", audio_ns / 1e3);
    printf("|---|---|---|\n");
    printf("| empty chain (copy in -> out) | %.0f | %.3f |\n", e, 100 * e / audio_ns);
    printf("| ssm_lv2_plugin_run (host + plugin) | %.0f | %.3f |\n", pr, 100 * pr / audio_ns);
    printf("| ssm_lv2_chain_run, 1 stage | %.0f | %.3f |\n", ch, 100 * ch / audio_ns);
    ssm_lv2_plugin_destroy(p);
    ssm_lv2_chain_destroy(one);
    ssm_lv2_chain_destroy(empty);
    ssm_lv2_world_destroy(w);
    return 0;
}
