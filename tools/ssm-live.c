/* ssm-live: a chain of LV2 plugins on a live full-duplex stream.
 *
 *   ssm-live -p URI[:preset] [-p ...] [--set sym=value] [--in DEV] [--out DEV]
 *            [--block N] [--rate R] [--channels N] [--duration S]
 *   ssm-live --list-devices
 *
 * The plugins run in their streaming form (freeWheeling off, small blocks).
 * The audio callback runs the chain and takes two peak readings; the meter
 * line, the signal handling and everything else stay in the main thread.
 */
#include <getopt.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "chain_spec.h"
#include "cli_number.h"
#include "ssm/audio_live.h"
#include "ssm/lv2host.h"

#define MAX_STAGES   32
#define MAX_SETTINGS 64
/* No callback for this long: the device is gone, whatever it says. */
#define STALL_S 2.0

typedef struct {
    ssm_lv2_chain *chain;
    uint32_t n_channels;
    uint32_t peak_in, peak_out; /* float bits, max since the meter last read */
    uint64_t frames;
} live_ctx;

static volatile sig_atomic_t stop_requested;

static void on_signal(int sig)
{
    (void)sig;
    stop_requested = 1;
}

static void peak_max(uint32_t *slot, float v)
{
    uint32_t bits, old = __atomic_load_n(slot, __ATOMIC_RELAXED);
    float cur;
    memcpy(&cur, &old, sizeof cur);
    if (!(v > cur))
        return;
    memcpy(&bits, &v, sizeof bits);
    /* The meter thread only ever resets to 0, so one failed exchange means
     * it just read; keeping the new peak for the next reading is enough. */
    __atomic_compare_exchange_n(slot, &old, bits, 0, __ATOMIC_RELAXED, __ATOMIC_RELAXED);
}

static float peak_take(uint32_t *slot)
{
    uint32_t bits = __atomic_exchange_n(slot, 0u, __ATOMIC_RELAXED);
    float v;
    memcpy(&v, &bits, sizeof v);
    return v;
}

static float peak_of(const float *const *x, uint32_t nc, uint32_t n)
{
    float m = 0.0f;
    for (uint32_t c = 0; c < nc; c++)
        for (uint32_t i = 0; i < n; i++) {
            float a = fabsf(x[c][i]);
            m = a > m ? a : m;
        }
    return m;
}

/* The audio callback: the chain, two peaks, a frame count. */
static void process(void *user, const float *const *in, float *const *out, uint32_t n)
{
    live_ctx *ctx = user;
    peak_max(&ctx->peak_in, peak_of(in, ctx->n_channels, n));
    ssm_lv2_chain_run(ctx->chain, in, out, n);
    peak_max(&ctx->peak_out, peak_of((const float *const *)out, ctx->n_channels, n));
    __atomic_add_fetch(&ctx->frames, n, __ATOMIC_RELAXED);
}

static double db(float x)
{
    return x > 1e-10f ? 20.0 * log10((double)x) : -200.0;
}

static void usage(FILE *f)
{
    fprintf(f,
            "usage: ssm-live -p URI[:preset] [-p ...] [--set SYMBOL=VALUE] [--in DEV] [--out "
            "DEV]\n"
            "                [--block N] [--rate R] [--channels N] [--duration S]\n"
            "       ssm-live --list-devices\n"
            "\n"
            "Run a chain of LV2 plugins on a full-duplex audio stream (streaming form).\n"
            "  -p, --plugin URI[:PRESET]  add a plugin (PRESET: URI or label)\n"
            "  -s, --set SYMBOL=VALUE     set a control on every plugin that has it\n"
            "  -i, --in DEV / -o, --out DEV  device index or name (default: the default device)\n"
            "  -b, --block N              frames per callback (default 256)\n"
            "  -r, --rate R               sample rate (default 48000)\n"
            "  -c, --channels N           channels in and out (default 1)\n"
            "  -d, --duration S           stop after S seconds (default: until Ctrl-C)\n"
            "  -n, --frames N             stop after about N frames (virtual devices, tests)\n"
            "  -l, --list-devices         list audio devices and exit\n"
            "  -q, --quiet                no meter line\n"
            "On a terminal a meter line shows input and output peak levels, CPU load and\n"
            "xruns; Ctrl-C stops cleanly and prints the latency and xrun summary.\n");
}

int main(int argc, char **argv)
{
    static const struct option opts[] = {{"plugin", required_argument, NULL, 'p'},
                                         {"set", required_argument, NULL, 's'},
                                         {"in", required_argument, NULL, 'i'},
                                         {"out", required_argument, NULL, 'o'},
                                         {"block", required_argument, NULL, 'b'},
                                         {"rate", required_argument, NULL, 'r'},
                                         {"channels", required_argument, NULL, 'c'},
                                         {"duration", required_argument, NULL, 'd'},
                                         {"frames", required_argument, NULL, 'n'},
                                         {"list-devices", no_argument, NULL, 'l'},
                                         {"quiet", no_argument, NULL, 'q'},
                                         {"help", no_argument, NULL, 'h'},
                                         {NULL, 0, NULL, 0}};
    const char *specs[MAX_STAGES];
    uint32_t n_specs = 0, n_settings = 0;
    ssm_lv2_setting settings[MAX_SETTINGS];
    static char set_names[MAX_SETTINGS][128];
    ssm_live_config lc = {.sample_rate = 48000, .block = 256, .n_channels = 1};
    double duration = 0.0;
    long long max_frames = 0, num = 0;
    int list = 0, quiet = 0, c;
    char why[256];
    while ((c = getopt_long(argc, argv, "p:s:i:o:b:r:c:d:n:lqh", opts, NULL)) != -1) {
        switch (c) {
        case 'p':
            if (n_specs == MAX_STAGES) {
                fprintf(stderr, "ssm-live: at most %d plugins\n", MAX_STAGES);
                return 2;
            }
            specs[n_specs++] = optarg;
            break;
        case 's': {
            if (n_settings == MAX_SETTINGS) {
                fprintf(stderr, "ssm-live: at most %d --set\n", MAX_SETTINGS);
                return 2;
            }
            if (chain_spec_setting(optarg, set_names[n_settings], sizeof set_names[n_settings],
                                   &settings[n_settings], why, sizeof why) != 0) {
                fprintf(stderr, "ssm-live: %s\n", why);
                return 2;
            }
            n_settings++;
            break;
        }
        case 'i':
            lc.in_device = optarg;
            break;
        case 'o':
            lc.out_device = optarg;
            break;
        case 'b':
            if (cli_integer("--block", optarg, 16, 8192, &num, why, sizeof why) != 0) {
                fprintf(stderr, "ssm-live: %s\n", why);
                return 2;
            }
            lc.block = (uint32_t)num;
            break;
        case 'r':
            if (cli_real("--rate", optarg, 8000, 384000, &lc.sample_rate, why, sizeof why) != 0) {
                fprintf(stderr, "ssm-live: %s\n", why);
                return 2;
            }
            break;
        case 'c':
            if (cli_integer("--channels", optarg, 1, 64, &num, why, sizeof why) != 0) {
                fprintf(stderr, "ssm-live: %s\n", why);
                return 2;
            }
            lc.n_channels = (uint32_t)num;
            break;
        case 'd':
            /* 0 or less would mean "forever" by accident: say so instead. */
            if (cli_real("--duration", optarg, 1e-3, 1e9, &duration, why, sizeof why) != 0) {
                fprintf(stderr, "ssm-live: %s (seconds; leave it out to run until Ctrl-C)\n", why);
                return 2;
            }
            break;
        case 'n':
            if (cli_integer("--frames", optarg, 1, 1LL << 50, &max_frames, why, sizeof why) != 0) {
                fprintf(stderr, "ssm-live: %s\n", why);
                return 2;
            }
            break;
        case 'l':
            list = 1;
            break;
        case 'q':
            quiet = 1;
            break;
        case 'h':
            usage(stdout);
            return 0;
        default:
            usage(stderr);
            return 2;
        }
    }
    ssm_error err = {0};
    const ssm_live_backend *be = ssm_live_backend_get(NULL);
    if (list)
        return be->list_devices(stdout, &err) == SSM_OK
                   ? 0
                   : (fprintf(stderr, "ssm-live: %s\n", err.message), 1);
    if (optind != argc) {
        usage(stderr);
        return 2;
    }

    int rc = 1;
    live_ctx ctx = {.n_channels = lc.n_channels};
    ssm_live_stream *stream = NULL;
    ssm_lv2_stage_desc stages[MAX_STAGES];
    char uris[MAX_STAGES][512];
    ssm_lv2_world *world = ssm_lv2_world_create(&err);
    if (!world)
        goto out;
    for (uint32_t i = 0; i < n_specs; i++) {
        stages[i].preset = chain_spec_plugin(world, specs[i], uris[i], sizeof uris[i]);
        stages[i].uri = uris[i];
    }
    ssm_lv2_config cfg = {.sample_rate = lc.sample_rate,
                          .max_block = lc.block,
                          .nominal_block = lc.block,
                          .freewheel = 0};
    ctx.chain = ssm_lv2_chain_create(world, stages, n_specs, settings, n_settings, lc.n_channels,
                                     &cfg, &err);
    if (!ctx.chain)
        goto out;
    const char *bad_uri = NULL, *bad = ssm_lv2_chain_error(ctx.chain, &bad_uri);
    if (bad) {
        /* ssm-model without its model is a plain gain: not what was asked. */
        ssm_error_set(&err, SSM_ERR_INVALID, "plugin <%s> reported an error: %s", bad_uri, bad);
        goto out;
    }
    stream = be->open(&lc, process, &ctx, &err);
    if (!stream)
        goto out;
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_signal;
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    char desc[512];
    be->describe(stream, desc, sizeof desc);
    fprintf(stderr, "ssm-live: %s; %u plugin%s; Ctrl-C stops\n", desc, n_specs,
            n_specs == 1 ? "" : "s");
    if (be->start(stream, &err) != SSM_OK)
        goto out;
    int tty = !quiet && isatty(STDERR_FILENO);
    struct timespec t0, t;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    double max_cpu = 0.0, last_move = 0.0;
    uint64_t last_frames = 0;
    int lost = 0;
    while (!stop_requested && !lost) {
        /* Ten polls per meter update, so --frames stops promptly on a
         * virtual device that runs faster than real time, and a lost
         * device is noticed within a poll (the backend says so) or
         * STALL_S (the callbacks just stopped). */
        for (int k = 0; k < 10 && !stop_requested && !lost; k++) {
            struct timespec ts = {0, 10000000};
            nanosleep(&ts, NULL);
            const uint64_t f = __atomic_load_n(&ctx.frames, __ATOMIC_RELAXED);
            if (max_frames && f >= (uint64_t)max_frames)
                break;
            clock_gettime(CLOCK_MONOTONIC, &t);
            const double now =
                (double)(t.tv_sec - t0.tv_sec) + 1e-9 * (double)(t.tv_nsec - t0.tv_nsec);
            if (f != last_frames) {
                last_frames = f;
                last_move = now;
            }
            if (be->check(stream, &err) != SSM_OK) {
                lost = 1;
            } else if (now - last_move > STALL_S) {
                ssm_error_set(&err, SSM_ERR_IO,
                              "audio device lost: no audio from it for %.1f s (frame %llu)",
                              now - last_move, (unsigned long long)f);
                lost = 1;
            }
        }
        clock_gettime(CLOCK_MONOTONIC, &t);
        double el = (double)(t.tv_sec - t0.tv_sec) + 1e-9 * (double)(t.tv_nsec - t0.tv_nsec);
        double cpu = be->cpu_load(stream);
        max_cpu = cpu > max_cpu ? cpu : max_cpu;
        float pi = peak_take(&ctx.peak_in), po = peak_take(&ctx.peak_out);
        if (tty) {
            fprintf(stderr,
                    "\r\033[Kin %6.1f dBFS  out %6.1f dBFS  cpu %5.1f%%  xruns %llu  %6.1f s",
                    db(pi), db(po), 100.0 * cpu, (unsigned long long)be->xruns(stream), el);
            fflush(stderr);
        }
        if ((duration > 0 && el >= duration) ||
            (max_frames && __atomic_load_n(&ctx.frames, __ATOMIC_RELAXED) >= (uint64_t)max_frames))
            break;
    }
    if (tty)
        fputc('\n', stderr);
    if (lost)
        fprintf(stderr, "ssm-live: %s\n", err.message);
    /* A lost device is not asked to stop: that is where PortAudio waits
     * for a callback that will not come. */
    ssm_error stop_err = {0};
    const int stopped = !lost && be->stop(stream, &stop_err) == SSM_OK;
    if (!stopped && !lost)
        fprintf(stderr, "ssm-live: %s\n", stop_err.message);
    double lin, lout;
    be->latency(stream, &lin, &lout);
    uint32_t pl = ssm_lv2_chain_latency(ctx.chain);
    fprintf(stderr,
            "ssm-live: %llu frames (%.2f s) processed; xruns %llu; plugin latency %u frames "
            "(%.2f ms); device latency in %.2f ms, out %.2f ms; peak CPU %.1f%%\n",
            (unsigned long long)ctx.frames, (double)ctx.frames / lc.sample_rate,
            (unsigned long long)be->xruns(stream), pl, 1e3 * pl / lc.sample_rate, 1e3 * lin,
            1e3 * lout, 100.0 * max_cpu);
    for (uint32_t i = 0; i < ssm_lv2_chain_n_stages(ctx.chain); i++) {
        const ssm_lv2_plugin *sp = ssm_lv2_chain_stage(ctx.chain, i);
        if (ssm_lv2_plugin_has_latency_port(sp))
            fprintf(stderr, "ssm-live:   <%s> latency port: %u frames\n", ssm_lv2_plugin_uri(sp),
                    ssm_lv2_plugin_latency(sp));
        else
            fprintf(stderr, "ssm-live:   <%s> has no latency port (0 frames)\n",
                    ssm_lv2_plugin_uri(sp));
    }
    if (!stopped) {
        /* The callback may still be inside the chain, or come back into
         * it: free nothing it uses, and do not wait on the device. */
        fflush(stderr);
        _exit(1);
    }
    rc = 0;
out:
    if (rc)
        fprintf(stderr, "ssm-live: %s\n", err.message);
    if (stream)
        be->close(stream);
    ssm_lv2_chain_destroy(ctx.chain);
    ssm_lv2_world_destroy(world);
    return rc;
}
