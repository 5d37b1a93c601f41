/* ssm-denoise: run the trained denoiser (or any model file, or any built-in
 * processor type) over an audio file with the engine directly, latency
 * compensated, and say what it did.
 *
 *   ssm-denoise [-m MODEL] [-t TYPE] [--set SYM=VALUE] [--stream] [-b N] IN OUT
 *
 * The output has the input's format, rate, channels and length, aligned
 * with the input (the processor's latency is trimmed off the front and the
 * tail flushed with silence). Prints the input and output files, the
 * duration, the CPU time and the real-time factor. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "ssm/audio_file.h"
#include "ssm/ssmaudio.h"

#define MAX_SETS 16

static double cpu_seconds(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
    return ts.tv_sec + ts.tv_nsec * 1e-9;
}

static void usage(void)
{
    fprintf(
        stderr,
        "usage: ssm-denoise [-m MODEL] [-t TYPE] [--set SYMBOL=VALUE] [--stream] [-b N] IN OUT\n"
        "  -m, --model FILE   model file (default: the bundled denoise-s4d model)\n"
        "  -t, --type TYPE    processor type (default: denoise)\n"
        "  -s, --set SYM=VAL  set a parameter (limit, mix, bypass, in_gain, ...)\n"
        "      --stream       recurrent (live) form instead of the offline FFT form\n"
        "  -b, --block N      frames per process call (default 4096)\n"
        "  -q, --quiet        print nothing on success\n");
}

int main(int argc, char **argv)
{
    const char *model = NULL, *type = "denoise";
    const char *set_sym[MAX_SETS];
    float set_val[MAX_SETS];
    int n_sets = 0, stream = 0, quiet = 0;
    long block = 4096;
    static const struct option opts[] = {
        {"model", required_argument, 0, 'm'}, {"type", required_argument, 0, 't'},
        {"set", required_argument, 0, 's'},   {"stream", no_argument, 0, 'S'},
        {"block", required_argument, 0, 'b'}, {"quiet", no_argument, 0, 'q'},
        {"help", no_argument, 0, 'h'},        {0, 0, 0, 0}};
    int c;
    while ((c = getopt_long(argc, argv, "m:t:s:b:qh", opts, NULL)) != -1) {
        switch (c) {
        case 'm':
            model = optarg;
            break;
        case 't':
            type = optarg;
            break;
        case 's': {
            char *eq = strchr(optarg, '=');
            char *end = NULL;
            if (!eq || n_sets == MAX_SETS) {
                fprintf(stderr, "ssm-denoise: --set wants SYMBOL=VALUE (got \"%s\")\n", optarg);
                return 2;
            }
            *eq = 0;
            set_sym[n_sets] = optarg;
            set_val[n_sets] = strtof(eq + 1, &end);
            if (end == eq + 1 || *end) {
                fprintf(stderr, "ssm-denoise: --set %s: \"%s\" is not a number\n", optarg, eq + 1);
                return 2;
            }
            n_sets++;
            break;
        }
        case 'S':
            stream = 1;
            break;
        case 'b':
            block = strtol(optarg, NULL, 10);
            if (block < 1 || block > 1 << 20) {
                fprintf(stderr, "ssm-denoise: --block wants 1..1048576\n");
                return 2;
            }
            break;
        case 'q':
            quiet = 1;
            break;
        default:
            usage();
            return c == 'h' ? 0 : 2;
        }
    }
    if (argc - optind != 2) {
        usage();
        return 2;
    }
    const char *in_path = argv[optind], *out_path = argv[optind + 1];
    ssm_error err = {0};
    ssm_audio_file *in = ssm_audio_file_open_read(in_path, &err);
    if (!in) {
        fprintf(stderr, "ssm-denoise: %s\n", err.message);
        return 1;
    }
    ssm_audio_info info = *ssm_audio_file_info(in);
    const uint32_t nc = info.channels;
    ssm_processor_desc desc = {type, model, nc};
    ssm_processor *p = ssm_processor_create(&desc, &err);
    if (!p) {
        fprintf(stderr, "ssm-denoise: %s\n", err.message);
        ssm_audio_file_close(in, NULL);
        return 1;
    }
    for (int i = 0; i < n_sets; i++) {
        int32_t idx = ssm_processor_param_index(p, set_sym[i]);
        if (idx < 0) {
            fprintf(stderr, "ssm-denoise: processor \"%s\" has no parameter \"%s\"\n", type,
                    set_sym[i]);
            return 2;
        }
        ssm_processor_set_param(p, (uint32_t)idx, set_val[i]);
    }
    ssm_processor_set_mode(p, stream ? SSM_MODE_STREAM : SSM_MODE_OFFLINE);
    if (ssm_processor_activate(p, info.sample_rate, (uint32_t)block, &err) != SSM_OK) {
        fprintf(stderr, "ssm-denoise: %s\n", err.message);
        return 1;
    }
    const uint32_t lat = ssm_processor_latency(p);
    ssm_audio_file *out = ssm_audio_file_open_write(out_path, &info, &err);
    if (!out) {
        fprintf(stderr, "ssm-denoise: %s\n", err.message);
        return 1;
    }
    float *il = malloc((size_t)block * nc * sizeof *il);
    float *planar = malloc((size_t)block * nc * sizeof *planar);
    const float *ip[64];
    float *op[64];
    for (uint32_t ch = 0; ch < nc && ch < 64; ch++)
        ip[ch] = op[ch] = planar + (size_t)ch * block;
    int64_t frames_in = 0, frames_out = 0, to_skip = lat;
    int at_end = 0;
    double t_cpu = 0.0;
    int rc = 0;
    for (;;) {
        int64_t got = at_end ? 0 : ssm_audio_file_read(in, il, block, &err);
        if (got < 0) {
            fprintf(stderr, "ssm-denoise: %s\n", err.message);
            rc = 1;
            break;
        }
        if (got == 0) {
            /* End of input: flush the latency with silence. */
            at_end = 1;
            int64_t need = frames_in - frames_out + to_skip;
            if (need <= 0)
                break;
            got = need < block ? need : block;
            memset(il, 0, (size_t)got * nc * sizeof *il);
        } else {
            frames_in += got;
        }
        for (int64_t i = 0; i < got; i++)
            for (uint32_t ch = 0; ch < nc; ch++)
                planar[(size_t)ch * block + i] = il[i * nc + ch];
        double t0 = cpu_seconds();
        ssm_processor_process(p, ip, op, (uint32_t)got);
        t_cpu += cpu_seconds() - t0;
        int64_t skip = to_skip < got ? to_skip : got;
        to_skip -= skip;
        int64_t n = got - skip;
        if (frames_out + n > frames_in)
            n = frames_in - frames_out;
        for (int64_t i = 0; i < n; i++)
            for (uint32_t ch = 0; ch < nc; ch++)
                il[i * nc + ch] = planar[(size_t)ch * block + skip + i];
        if (n > 0 && ssm_audio_file_write(out, il, n, &err) != SSM_OK) {
            fprintf(stderr, "ssm-denoise: %s\n", err.message);
            rc = 1;
            break;
        }
        frames_out += n > 0 ? n : 0;
        if (at_end && frames_out >= frames_in)
            break;
    }
    if (ssm_audio_file_close(out, &err) != SSM_OK) {
        fprintf(stderr, "ssm-denoise: %s\n", err.message);
        rc = 1;
    }
    ssm_audio_file_close(in, NULL);
    if (!rc && !quiet) {
        double dur = frames_in / info.sample_rate;
        printf("input:    %s (%u ch, %g Hz)\n", in_path, nc, info.sample_rate);
        printf("output:   %s\n", out_path);
        printf("duration: %.3f s (%lld frames)\n", dur, (long long)frames_in);
        printf("latency:  %u frames (%.3f ms, compensated in the file), %s form\n", lat,
               1000.0 * lat / info.sample_rate, stream ? "streaming" : "offline");
        printf("cpu:      %.3f s, real-time factor %.4f (one core)\n", t_cpu,
               dur > 0 ? t_cpu / dur : 0.0);
    }
    free(il);
    free(planar);
    ssm_processor_destroy(p);
    return rc;
}
