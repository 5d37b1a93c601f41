/* ssm-bench sections proc and host: the engine around the kernels.
 *
 * proc: each built-in processor (resonator, reverb, denoise mono and
 * stereo, model with the bundled denoiser file) in its streaming and its
 * offline form at blocks 64, 128 and 8192, ns per frame (all channels) at
 * 48 kHz with default controls on noise, and the ratio offline /
 * streaming, which the brief wants at or below 1.
 *
 * host: the cost of the LV2 host around a plugin (default eg-amp), in ns
 * per block: an empty chain (the host's own copy), the plugin alone through
 * ssm_lv2_plugin_run (port connection, atom reset, worker delivery, the
 * plugin), and the plugin in a chain (plus the chain's ping-pong buffers).
 * Median of 5 timed runs.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench.h"
#include "ssm/lv2host.h"
#include "ssm/ssmaudio.h"

/* The bundled denoiser model, for the "model" processor: $SSM_DENOISE_MODEL,
 * else denoise.safetensors in the first folder of $SSM_PRESETS_PATH (what
 * `meson devenv` and the test setups set), else ./presets/. */
static const char *denoise_model(char *buf, size_t size)
{
    const char *env = getenv("SSM_DENOISE_MODEL");
    if (env && *env)
        return env;
    const char *dirs = getenv("SSM_PRESETS_PATH");
    size_t len = dirs ? strcspn(dirs, ":") : 0;
    snprintf(buf, size, "%.*s/denoise.safetensors", len ? (int)len : 7, len ? dirs : "presets");
    return buf;
}

static int cmp_double(const void *a, const void *b)
{
    const double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static double median(double *t, int n)
{
    qsort(t, (size_t)n, sizeof t[0], cmp_double);
    return n % 2 ? t[n / 2] : 0.5 * (t[n / 2 - 1] + t[n / 2]);
}

/* ns per frame of processor `type` in its streaming (ns[0]) and offline
 * (ns[1]) form over `seconds` of audio in blocks of `block`: the median of
 * `repeats` runs each. One instance runs both forms (set_mode between
 * runs): two instances differ by where their buffers landed, which alone
 * moved the denoiser by up to 9 %. The runs go stream, offline, offline,
 * stream, ... so a drift in the machine's load falls on both alike. 0 when
 * it cannot be made. */
static int time_processor(const char *type, const char *model, uint32_t nc, uint32_t block,
                          double seconds, int repeats, double ns[2], char *why, size_t why_len)
{
    ssm_error err = {0};
    ssm_processor *p = ssm_processor_create(&(ssm_processor_desc){type, model, nc}, &err);
    if (!p || ssm_processor_activate(p, 48000.0, block, &err) != SSM_OK) {
        snprintf(why, why_len, "%s", err.message);
        ssm_processor_destroy(p);
        return 0;
    }
    const size_t n = (size_t)(seconds * 48000.0) / block * block;
    float *buf = malloc(2 * (size_t)block * sizeof(float)),
          *out = malloc(2 * (size_t)block * sizeof(float));
    bench_noise(buf, 2 * (size_t)block, 3);
    const float *in[2] = {buf, buf + block};
    float *o[2] = {out, out + block};
    double t[2][64];
    if (repeats > 64)
        repeats = 64;
    for (int rep = 0; rep < repeats; rep++)
        for (int k = 0; k < 2; k++) {
            const int f = k ^ (rep & 1);
            ssm_processor_set_mode(p, f ? SSM_MODE_OFFLINE : SSM_MODE_STREAM);
            ssm_processor_reset(p);
            const double t0 = bench_now(BENCH_THREAD_CPU);
            for (size_t i = 0; i < n; i += block)
                ssm_processor_process(p, in, o, block);
            t[f][rep] = bench_now(BENCH_THREAD_CPU) - t0;
        }
    for (int f = 0; f < 2; f++)
        ns[f] = median(t[f], repeats) * 1e9 / (double)n;
    ssm_processor_destroy(p);
    free(buf);
    free(out);
    return 1;
}

void bench_proc(const bench_opts *o)
{
    char model[4096];
    static const struct {
        const char *name, *type;
        int model;
        uint32_t channels;
    } procs[] = {{"resonator", "resonator", 0, 1},
                 {"reverb", "reverb", 0, 2},
                 {"denoise", "denoise", 0, 1},
                 {"denoise-stereo", "denoise", 0, 2},
                 {"model (denoiser file)", "model", 1, 1}};
    const uint32_t blocks[] = {64, 128, 8192};
    const double seconds = o->quick ? 0.5 : 4.0;
    printf("== built-in processors, 48 kHz, default controls: streaming vs offline ==\n");
    printf("(thread CPU time, median of %d runs of %.1f s of noise; offline schedule: "
           "SSM_PLAN=%s)\n",
           o->repeats, seconds, getenv("SSM_PLAN") ? getenv("SSM_PLAN") : "estimate");
    printf("| processor | block | stream ns/frame | offline ns/frame | offline/stream |\n");
    printf("|---|---|---|---|---|\n");
    for (size_t i = 0; i < sizeof procs / sizeof procs[0]; i++)
        for (size_t b = 0; b < sizeof blocks / sizeof blocks[0]; b++) {
            char why[512] = "";
            const char *m = procs[i].model ? denoise_model(model, sizeof model) : NULL;
            double ns[2];
            if (!time_processor(procs[i].type, m, procs[i].channels, blocks[b], seconds, o->repeats,
                                ns, why, sizeof why)) {
                printf("| %s | %u | not run: %s | | |\n", procs[i].name, blocks[b], why);
                continue;
            }
            const double s = ns[0], f = ns[1];
            printf("| %s (%u ch) | %u | %.1f | %.1f | %.2f |\n", procs[i].name, procs[i].channels,
                   blocks[b], s, f, f / s);
        }
    printf("\n");
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
static double time_blocks(run_fn f, void *obj, uint32_t block, long reps)
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
        double t0 = bench_now(BENCH_THREAD_CPU);
        for (long r = 0; r < reps; r++)
            f(obj, in, out, block);
        t[k] = (bench_now(BENCH_THREAD_CPU) - t0) / (double)reps * 1e9;
    }
    const double median = bench_median5(t);
    free(x);
    free(y);
    return median;
}

void bench_host(const bench_opts *o)
{
    const uint32_t block = o->block;
    ssm_error err = {0};
    ssm_lv2_world *w = ssm_lv2_world_create(&err);
    ssm_lv2_config cfg = {.sample_rate = 48000, .max_block = block};
    ssm_lv2_stage_desc st = {o->uri, NULL};
    ssm_lv2_chain *empty = w ? ssm_lv2_chain_create(w, NULL, 0, NULL, 0, 1, &cfg, &err) : NULL;
    ssm_lv2_chain *one = empty ? ssm_lv2_chain_create(w, &st, 1, NULL, 0, 1, &cfg, &err) : NULL;
    ssm_lv2_plugin *p = one ? ssm_lv2_plugin_create(w, o->uri, &cfg, &err) : NULL;
    if (!p) {
        printf("== LV2 host: not run: %s ==\n\n", err.message);
    } else {
        /* Blocks per timed run: about seconds/5 of CPU time for a ~100 ns block. */
        const long reps = (long)(o->seconds / 5.0 / 100e-9);
        const double e = time_blocks(run_chain, empty, block, reps);
        const double pr = time_blocks(run_plugin, p, block, reps);
        const double ch = time_blocks(run_chain, one, block, reps);
        const double audio_ns = 1e9 * block / 48000.0;
        printf("== LV2 host overhead, block %u, mono, 48 kHz, plugin <%s> ==\n", block, o->uri);
        printf("| what | ns per block | %% of the %.0f us block period |\n", audio_ns / 1e3);
        printf("|---|---|---|\n");
        printf("| empty chain (copy in -> out) | %.0f | %.3f |\n", e, 100 * e / audio_ns);
        printf("| ssm_lv2_plugin_run (host + plugin) | %.0f | %.3f |\n", pr, 100 * pr / audio_ns);
        printf("| ssm_lv2_chain_run, 1 stage | %.0f | %.3f |\n\n", ch, 100 * ch / audio_ns);
    }
    ssm_lv2_plugin_destroy(p);
    ssm_lv2_chain_destroy(one);
    ssm_lv2_chain_destroy(empty);
    ssm_lv2_world_destroy(w);
}
