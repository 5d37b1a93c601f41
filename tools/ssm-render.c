/* ssm-render: batch-render audio files through a chain of LV2 plugins, or
 * through one of the engine's processors directly.
 *
 *   ssm-render -p URI[:preset] [-p ...] [--set sym=value] IN... -o OUTDIR
 *   ssm-render -p URI[:preset] IN -o OUT.wav
 *   ssm-render --processor TYPE [--model FILE] [--set sym=value] IN... -o OUT
 *
 * Plugins run with lv2:freeWheeling on and large blocks, processors in their
 * offline form (--stream: both in the streaming form). Output keeps the
 * input's format, rate and channels, is latency compensated, is written to a
 * temporary file and renamed on success, and never replaces an input.
 * Folders are rendered recursively, their tree mirrored under -o. Files
 * are rendered in parallel (-j); a bad file is reported and skipped and the
 * exit status says so; a truncated input, non-finite input samples and a
 * clipped output are reported per file. SIGINT/SIGTERM/SIGHUP stop the
 * batch, remove the unfinished temporary files and print the summary. See
 * README.md for the cluster recipe.
 */
#include <errno.h>
#include <getopt.h>
#include <libgen.h>
#include <limits.h>
#include <math.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "batch_list.h"
#include "chain_spec.h"
#include "cli_number.h"
#include "ssm/audio_file.h"
#include "ssm/lv2host.h"
#include "ssm/ssmaudio.h"

#define MAX_STAGES   32
#define MAX_SETTINGS 64

/* Samples beyond this (+60 dBFS) are no recording's: a broken file. The
 * engine's processors treat them so too. */
#define HUGE_SAMPLE SSM_INPUT_LIMIT
/* After a stop signal, how long the workers get to finish their block
 * before main stops waiting for one stuck in a read. */
#define STOP_GRACE_S 2.0

typedef struct {
    const char *in;
    const char *out;
    int skip; /* set when planning already failed it */
    char error[2 * PATH_MAX + 1024];
    int failed;
    int started, finished; /* set by the worker that takes it */
    double seconds;
    /* The unfinished output, which a signal handler may have to remove:
     * tmp is complete before tmp_live is set. */
    char tmp[PATH_MAX];
    volatile sig_atomic_t tmp_live;
    /* What was wrong with the input or the output, reported as warnings. */
    int64_t promised, frames; /* header's length vs what the file holds */
    int64_t nonfinite, huge;  /* input samples: NaN/Inf (rendered as 0), > +60 dBFS */
    int64_t clipped;          /* output samples beyond full scale, in a format that clips */
    float peak;               /* output peak */
} job;

/* The first stop signal (SIGINT, SIGTERM, SIGHUP), 0 while none. */
static volatile sig_atomic_t stop_signal;
static job *signal_jobs;
static size_t signal_n_jobs;

/* First signal: stop taking files and finish the current block; the
 * workers then remove their temporary files and main prints the summary.
 * A second one means something is stuck (a read that never returns): the
 * handler removes the temporary files itself (unlink and write are
 * async-signal-safe) and leaves. */
static void on_signal(int sig)
{
    if (!stop_signal) {
        stop_signal = sig;
        return;
    }
    for (size_t i = 0; i < signal_n_jobs; i++)
        if (signal_jobs[i].tmp_live)
            unlink(signal_jobs[i].tmp);
    static const char msg[] = "\nssm-render: stopped; unfinished outputs removed\n";
    if (write(STDERR_FILENO, msg, sizeof msg - 1) < 0)
        _exit(128 + sig);
    _exit(128 + sig);
}

typedef struct {
    ssm_lv2_world *world;
    ssm_lv2_stage_desc stages[MAX_STAGES];
    char stage_uri[MAX_STAGES][512];
    uint32_t n_stages;
    ssm_lv2_setting settings[MAX_SETTINGS];
    uint32_t n_settings;
    const char *proc_type;  /* an engine processor instead of the chain, or NULL */
    const char *proc_model; /* its model file, or NULL */
    int stream;             /* streaming form instead of the offline one */
    uint32_t block;
    int verbose;
    job *jobs;
    size_t n_jobs;
    size_t next;       /* atomic: next job to take */
    size_t done;       /* atomic: jobs finished */
    long running;      /* atomic: workers still running */
    int64_t frames_in; /* atomic: frames rendered so far, all files */
    pthread_mutex_t print_lock;
    int tty;
    int single;         /* -o is the output file of the one input */
    const char *outdir; /* else the output folder */
    mode_t umask;
    double t_end; /* written once, by the worker finishing the last file */
    /* atomic: what the up-front check built (a processor, or a chain at
     * spare_rate), mono and never run, for the first mono file at that
     * rate to take instead of building its own: loading the model and
     * building the graph twice was a few % of a render's CPU. */
    ssm_processor *spare_proc;
    ssm_lv2_chain *spare_chain;
    double spare_rate;
} render_ctx;

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

static void usage(FILE *f)
{
    fprintf(f,
            "usage: ssm-render -p URI[:preset] [-p ...] [--set SYMBOL=VALUE] IN... -o OUTDIR\n"
            "       ssm-render -p URI[:preset] IN -o OUT.wav\n"
            "       ssm-render --processor TYPE [--model FILE] [--set SYMBOL=VALUE] IN... -o OUT\n"
            "\n"
            "Render audio files through a chain of LV2 plugins (freeWheeling, large blocks)\n"
            "or through one of the engine's processors (offline form).\n"
            "  -p, --plugin URI[:PRESET]  add a plugin to the chain (PRESET: URI or label)\n"
            "  -P, --processor TYPE       an engine processor instead (ssm-info --types)\n"
            "  -m, --model FILE           its model file (alone: processor \"model\")\n"
            "  -s, --set SYMBOL=VALUE     set a control port on every plugin that has it,\n"
            "                             or a processor's parameter\n"
            "      --stream               the streaming (recurrent) form, not the offline one\n"
            "  -o, --output PATH          output folder (the inputs' tree is mirrored in it),\n"
            "                             or the output file for one input file\n"
            "  -j, --jobs N               files rendered in parallel (default: cores)\n"
            "      --shard K/N            only files whose index i has i %% N == K (0 <= K < N)\n"
            "  -b, --block N              frames per run() call (default 8192)\n"
            "  -q, --quiet                no progress bar\n"
            "  -v, --verbose              one line per file\n"
            "IN is a file or a folder (searched recursively for audio files). Output keeps\n"
            "each input's format, sample rate and channel count; a mono plugin runs once per\n"
            "channel. Exit status: 0 all rendered, 1 some failed, 2 usage, 128+N stopped by\n"
            "signal N (Ctrl-C: 130).\n");
}

static void report(render_ctx *ctx, const char *fmt, const char *a, const char *b)
{
    pthread_mutex_lock(&ctx->print_lock);
    if (ctx->tty)
        fputs("\r\033[K", stderr);
    fprintf(stderr, fmt, a, b);
    pthread_mutex_unlock(&ctx->print_lock);
}

/* What a file renders through: the LV2 chain, or one engine processor
 * (--processor / --model). Either runs in place on planar buffers. */
typedef struct {
    ssm_lv2_chain *chain;
    ssm_processor *proc;
} renderer;

/* The processor with the --set values applied, not yet activated. */
static ssm_processor *processor_new(const render_ctx *ctx, uint32_t nc, ssm_error *err)
{
    const ssm_processor_desc desc = {ctx->proc_type, ctx->proc_model, nc};
    ssm_processor *p = ssm_processor_create(&desc, err);
    for (uint32_t i = 0; p && i < ctx->n_settings; i++) {
        const int32_t idx = ssm_processor_param_index(p, ctx->settings[i].symbol);
        if (idx < 0 || ssm_processor_param_info(p, (uint32_t)idx)->dir != SSM_PARAM_INPUT) {
            ssm_error_set(err, SSM_ERR_INVALID, "processor \"%s\" has no parameter \"%s\" to set",
                          ctx->proc_type, ctx->settings[i].symbol);
            ssm_processor_destroy(p);
            return NULL;
        }
        ssm_processor_set_param(p, (uint32_t)idx, ctx->settings[i].value);
    }
    if (p)
        ssm_processor_set_mode(p, ctx->stream ? SSM_MODE_STREAM : SSM_MODE_OFFLINE);
    return p;
}

/* What no file took of the up-front check's processor or chain. */
static void drop_spares(render_ctx *ctx)
{
    ssm_processor_destroy(ctx->spare_proc);
    ssm_lv2_chain_destroy(ctx->spare_chain);
    ctx->spare_proc = NULL;
    ctx->spare_chain = NULL;
}

/* The chain's configuration for files at `rate`. */
static ssm_lv2_config chain_config(const render_ctx *ctx, double rate)
{
    return (ssm_lv2_config){.sample_rate = rate,
                            .max_block = ctx->block,
                            .nominal_block = ctx->block,
                            .freewheel = !ctx->stream};
}

static int renderer_open(render_ctx *ctx, renderer *r, uint32_t nc, double rate, ssm_error *err)
{
    if (ctx->proc_type) {
        r->proc = nc == 1 ? __atomic_exchange_n(&ctx->spare_proc, NULL, __ATOMIC_ACQ_REL) : NULL;
        if (!r->proc)
            r->proc = processor_new(ctx, nc, err);
        if (r->proc && ssm_processor_activate(r->proc, rate, ctx->block, err) != SSM_OK) {
            ssm_processor_destroy(r->proc);
            r->proc = NULL;
        }
        return r->proc ? 0 : -1;
    }
    if (nc == 1 && rate == ctx->spare_rate)
        r->chain = __atomic_exchange_n(&ctx->spare_chain, NULL, __ATOMIC_ACQ_REL);
    if (r->chain)
        return 0;
    const ssm_lv2_config cfg = chain_config(ctx, rate);
    r->chain = ssm_lv2_chain_create(ctx->world, ctx->stages, ctx->n_stages, ctx->settings,
                                    ctx->n_settings, nc, &cfg, err);
    return r->chain ? 0 : -1;
}

static void renderer_run(renderer *r, float *const *ch, uint32_t n)
{
    if (r->proc)
        ssm_processor_process(r->proc, (const float *const *)ch, ch, n);
    else
        ssm_lv2_chain_run(r->chain, (const float *const *)ch, ch, n);
}

/* Known once the first block has run (a plugin reports it then). */
static uint32_t renderer_latency(const renderer *r)
{
    return r->proc ? ssm_processor_latency(r->proc) : ssm_lv2_chain_latency(r->chain);
}

/* A plugin that logged an error (ssm-model that could not load its file)
 * may be running as something else than asked: the file fails. */
static int renderer_failed(const renderer *r, char *buf, size_t size)
{
    const char *uri = NULL;
    const char *e = r->chain ? ssm_lv2_chain_error(r->chain, &uri) : NULL;
    if (e)
        snprintf(buf, size, "plugin <%s> reported an error: %s", uri, e);
    return e != NULL;
}

static void renderer_close(renderer *r)
{
    ssm_processor_destroy(r->proc);
    ssm_lv2_chain_destroy(r->chain);
}

/* The folders of a mirrored output (OUT/a/b/ for OUT/a/b/x.wav), made
 * as mkdir -p would; several workers may race to make the same one. */
static int make_parents(const render_ctx *ctx, job *j)
{
    if (ctx->single)
        return 0;
    char path[PATH_MAX];
    snprintf(path, sizeof path, "%s", j->out);
    for (char *p = path + strlen(ctx->outdir) + 1; (p = strchr(p, '/')); p++) {
        *p = '\0';
        if (mkdir(path, 0777) != 0 && errno != EEXIST) {
            snprintf(j->error, sizeof j->error, "%s: cannot make the folder %s: %s", j->out, path,
                     strerror(errno));
            return -1;
        }
        *p = '/';
    }
    return 0;
}

/* What was wrong with a file that rendered: one line each. */
static void warn_about(render_ctx *ctx, const job *j)
{
    char msg[512];
    if (j->promised > j->frames && j->frames >= 0) {
        const double rate = j->seconds > 0 && j->frames > 0 ? (double)j->frames / j->seconds : 0;
        snprintf(msg, sizeof msg,
                 "truncated: its header promises %lld frames (%.2f s), the file holds %lld "
                 "(%.2f s); rendered what is there",
                 (long long)j->promised, rate > 0 ? (double)j->promised / rate : 0.0,
                 (long long)j->frames, j->seconds);
        report(ctx, "WARN %s: %s\n", j->in, msg);
    }
    if (j->nonfinite) {
        snprintf(msg, sizeof msg,
                 "%lld non-finite input samples (NaN or infinity), rendered as silence",
                 (long long)j->nonfinite);
        report(ctx, "WARN %s: %s\n", j->in, msg);
    }
    if (j->huge) {
        snprintf(msg, sizeof msg,
                 "%lld input samples beyond +60 dBFS (a broken file?), rendered as silence",
                 (long long)j->huge);
        report(ctx, "WARN %s: %s\n", j->in, msg);
    }
    if (j->clipped) {
        snprintf(msg, sizeof msg,
                 "%lld output samples clipped (peak %+.1f dBFS); lower the level or write a "
                 "float file",
                 (long long)j->clipped, 20.0 * log10((double)j->peak));
        report(ctx, "WARN %s: %s\n", j->out, msg);
    }
}

static int has_warnings(const job *j)
{
    return (j->promised > j->frames && j->frames >= 0) || j->nonfinite || j->huge || j->clipped;
}

/* A failure writing the temporary file, told about the output it stands
 * for (the temporary name means nothing to the user). */
static void write_error(job *j, const char *msg)
{
    const size_t tl = strlen(j->tmp);
    if (tl && strncmp(msg, j->tmp, tl) == 0 && strncmp(msg + tl, ": ", 2) == 0)
        msg += tl + 2;
    struct stat st;
    snprintf(j->error, sizeof j->error, "%s: %s (%s)", j->out, msg,
             stat(j->out, &st) == 0 ? "the existing file is left as it was" : "nothing written");
}

/* Render one file; returns 0 or -1 with j->error set. */
/* dst[i] = src[i * stride], a NaN, an infinity or a sample beyond
 * HUGE_SAMPLE as 0, counted. Counted in locals and without branches, and
 * the interleaved stride apart from the contiguous one (mono), so the
 * loops vectorise: through the job's fields they were a few % of a
 * denoiser render's CPU. */
static void clean_in(float *restrict dst, const float *restrict src, size_t stride, size_t n,
                     int64_t *nonfinite, int64_t *huge)
{
    int32_t bad_n = 0, big_n = 0; /* n <= a block: no overflow */
    if (stride == 1) {
        for (size_t i = 0; i < n; i++) {
            const float v = src[i];
            const int bad = !isfinite(v), big = !bad && fabsf(v) > HUGE_SAMPLE;
            bad_n += bad;
            big_n += big;
            dst[i] = bad || big ? 0.0f : v;
        }
    } else {
        for (size_t i = 0; i < n; i++) {
            const float v = src[i * stride];
            const int bad = !isfinite(v), big = !bad && fabsf(v) > HUGE_SAMPLE;
            bad_n += bad;
            big_n += big;
            dst[i] = bad || big ? 0.0f : v;
        }
    }
    *nonfinite += bad_n;
    *huge += big_n;
}

/* dst[i * stride] = src[i], a non-finite sample as 0; the peak and the
 * samples beyond full scale (where the format clips) are kept up. Returns
 * the non-finite samples. */
static int64_t clean_out(float *restrict dst, size_t stride, const float *restrict src, size_t n,
                         int clips, float *peak, int64_t *clipped)
{
    int32_t bad_n = 0, over = 0; /* n <= a block: no overflow */
    for (size_t i = 0; i < n; i++) {
        const float v = src[i];
        const int bad = !isfinite(v);
        bad_n += bad;
        over += !bad && fabsf(v) > 1.0f;
        dst[i * stride] = bad ? 0.0f : v;
    }
    /* The peak in four running maxima (one vector), over the cleaned
     * samples: a single running maximum is a reduction GCC vectorises only
     * under -ffast-math. */
    float top[4] = {*peak, *peak, *peak, *peak};
    size_t i = 0;
    for (; i + 4 <= n; i += 4)
        for (size_t k = 0; k < 4; k++) {
            const float a = fabsf(dst[(i + k) * stride]);
            top[k] = a > top[k] ? a : top[k];
        }
    for (; i < n; i++) {
        const float a = fabsf(dst[i * stride]);
        top[0] = a > top[0] ? a : top[0];
    }
    top[0] = top[1] > top[0] ? top[1] : top[0];
    top[2] = top[3] > top[2] ? top[3] : top[2];
    *peak = top[2] > top[0] ? top[2] : top[0];
    *clipped += clips ? over : 0;
    return bad_n;
}

static int render_file(render_ctx *ctx, job *j)
{
    ssm_error err = {0};
    ssm_audio_file *in = ssm_audio_file_open_read(j->in, &err);
    if (!in) {
        snprintf(j->error, sizeof j->error, "%s", err.message);
        return -1;
    }
    const ssm_audio_info *info = ssm_audio_file_info(in);
    uint32_t nc = info->channels, block = ctx->block;
    j->promised = ssm_audio_file_promised_frames(in);
    j->frames = info->frames;
    renderer r = {0};
    const int opened = renderer_open(ctx, &r, nc, info->sample_rate, &err);
    char *tmp = j->tmp;
    ssm_audio_file *out = NULL;
    float *il = NULL, *planar = NULL, **ch = NULL;
    const int clips = ssm_audio_format_clips(info->format);
    int rc = -1;
    tmp[0] = '\0';
    if (opened != 0) {
        snprintf(j->error, sizeof j->error, "%s: %s", j->in, err.message);
        goto done;
    }
    char why[1024];
    if (renderer_failed(&r, why, sizeof why)) {
        snprintf(j->error, sizeof j->error, "%s: %s", j->in, why);
        goto done;
    }
    char dirbuf[PATH_MAX], basebuf[PATH_MAX];
    snprintf(dirbuf, sizeof dirbuf, "%s", j->out);
    snprintf(basebuf, sizeof basebuf, "%s", j->out);
    int n = snprintf(tmp, sizeof j->tmp, "%s/.%s.ssm-render-XXXXXX", dirname(dirbuf),
                     basename(basebuf));
    if (n < 0 || (size_t)n >= sizeof j->tmp) {
        snprintf(j->error, sizeof j->error, "%s: output path too long", j->out);
        tmp[0] = '\0';
        goto done;
    }
    if (make_parents(ctx, j) != 0) {
        tmp[0] = '\0';
        goto done;
    }
    int fd = mkstemp(tmp);
    j->tmp_live = fd >= 0;
    if (fd < 0) {
        snprintf(j->error, sizeof j->error, "%s: cannot create a temporary file next to it: %s",
                 j->out, strerror(errno));
        tmp[0] = '\0';
        goto done;
    }
    /* mkstemp makes 0600; a rendered file gets what a plain create would. */
    if (fchmod(fd, 0666 & ~ctx->umask) != 0) {
        snprintf(j->error, sizeof j->error, "%s: chmod: %s", tmp, strerror(errno));
        close(fd);
        goto done;
    }
    close(fd);
    out = ssm_audio_file_open_write(tmp, info, &err);
    if (!out) {
        write_error(j, err.message);
        goto done;
    }
    il = malloc((size_t)block * nc * sizeof *il);
    planar = malloc((size_t)block * nc * sizeof *planar);
    ch = malloc(nc * sizeof *ch);
    if (!il || !planar || !ch) {
        snprintf(j->error, sizeof j->error, "%s: out of memory", j->in);
        goto done;
    }
    for (uint32_t c = 0; c < nc; c++)
        ch[c] = planar + (size_t)c * block;

    /* Latency compensation: the chain's reported latency (known after the
     * first run) is cut from the start and made up with silence at the end,
     * so output sample i lines up with input sample i and lengths match. */
    int64_t to_skip = -1, dropped = 0, tail = 0, total = 0, bad_out = 0;
    int eof = 0;
    for (;;) {
        int64_t got = 0;
        if (stop_signal) {
            snprintf(j->error, sizeof j->error, "%s: interrupted; unfinished output removed",
                     j->out);
            goto done;
        }
        if (!eof) {
            got = ssm_audio_file_read(in, il, block, &err);
            if (got < 0) {
                snprintf(j->error, sizeof j->error, "%s", err.message);
                goto done;
            }
            if (got == 0)
                eof = 1;
        }
        if (eof) {
            if (to_skip <= 0 || tail >= to_skip)
                break;
            got = to_skip - tail < block ? to_skip - tail : block;
            memset(il, 0, (size_t)got * nc * sizeof *il);
            tail += got;
        } else {
            total += got;
        }
        /* A NaN, an infinity or a +60 dBFS sample would poison a
         * third-party plugin's state for good (ours guard themselves the
         * same way): it goes in as silence, and is counted. Counted in
         * locals, channel by channel, without branches: the loops then
         * vectorise (through j they were a few % of a denoiser render). */
        for (uint32_t c = 0; c < nc; c++)
            clean_in(ch[c], il + c, nc, (size_t)got, &j->nonfinite, &j->huge);
        renderer_run(&r, ch, (uint32_t)got);
        if (to_skip < 0)
            to_skip = renderer_latency(&r);
        int64_t from = 0;
        if (dropped < to_skip) {
            from = to_skip - dropped < got ? to_skip - dropped : got;
            dropped += from;
        }
        for (uint32_t c = 0; c < nc; c++)
            bad_out += clean_out(il + c, nc, ch[c] + from, (size_t)(got - from), clips, &j->peak,
                                 &j->clipped);
        if (got > from && ssm_audio_file_write(out, il, got - from, &err) != SSM_OK) {
            write_error(j, err.message);
            goto done;
        }
        if (!eof)
            __atomic_add_fetch(&ctx->frames_in, got, __ATOMIC_RELAXED);
    }
    if (renderer_failed(&r, why, sizeof why)) {
        snprintf(j->error, sizeof j->error, "%s: %s", j->in, why);
        goto done;
    }
    if (bad_out) {
        snprintf(j->error, sizeof j->error,
                 "%s: the chain produced %lld non-finite output samples (NaN or infinity)", j->in,
                 (long long)bad_out);
        goto done;
    }
    ssm_status cs = ssm_audio_file_close(out, &err);
    out = NULL;
    if (cs != SSM_OK) {
        write_error(j, err.message);
        goto done;
    }
    if (rename(tmp, j->out) != 0) {
        snprintf(j->error, sizeof j->error, "%s: cannot rename the finished file into place: %s",
                 j->out, strerror(errno));
        goto done;
    }
    j->tmp_live = 0;
    tmp[0] = '\0';
    j->seconds = (double)total / info->sample_rate;
    rc = 0;
    if (ctx->verbose) {
        char msg[PATH_MAX + 64];
        snprintf(msg, sizeof msg, "%.2f s, %u ch, %g Hz, latency %u", j->seconds, nc,
                 info->sample_rate, renderer_latency(&r));
        report(ctx, "ok   %s -> %s\n", j->out, msg);
        if (r.proc) {
            snprintf(msg, sizeof msg, "latency %u frames", ssm_processor_latency(r.proc));
            report(ctx, "       processor \"%s\" %s\n", ctx->proc_type, msg);
        }
        for (uint32_t i = 0; r.chain && i < ssm_lv2_chain_n_stages(r.chain); i++) {
            const ssm_lv2_plugin *sp = ssm_lv2_chain_stage(r.chain, i);
            snprintf(msg, sizeof msg, "%u frames%s", ssm_lv2_plugin_latency(sp),
                     ssm_lv2_plugin_has_latency_port(sp) ? "" : " (no latency port)");
            report(ctx, "       <%s> latency %s\n", ssm_lv2_plugin_uri(sp), msg);
        }
    }
done:
    if (out)
        ssm_audio_file_close(out, NULL);
    if (tmp[0]) {
        unlink(tmp);
        j->tmp_live = 0;
    }
    free(il);
    free(planar);
    free(ch);
    renderer_close(&r);
    ssm_audio_file_close(in, NULL);
    return rc;
}

static void *worker(void *arg)
{
    render_ctx *ctx = arg;
    for (;;) {
        if (stop_signal)
            break;
        size_t i = __atomic_fetch_add(&ctx->next, 1, __ATOMIC_RELAXED);
        if (i >= ctx->n_jobs)
            break;
        job *j = &ctx->jobs[i];
        j->started = 1;
        if (!j->skip && render_file(ctx, j) != 0)
            j->failed = 1;
        if (j->skip)
            j->failed = 1;
        if (j->failed)
            report(ctx, "FAIL %s: %s\n", j->in, j->error);
        else
            warn_about(ctx, j);
        __atomic_store_n(&j->finished, 1, __ATOMIC_RELEASE);
        /* The last file to finish stamps the end, so the wall time is the
         * render's and not rounded up to the progress bar's tick. */
        if (__atomic_add_fetch(&ctx->done, 1, __ATOMIC_ACQ_REL) == ctx->n_jobs)
            ctx->t_end = now();
    }
    __atomic_sub_fetch(&ctx->running, 1, __ATOMIC_ACQ_REL);
    return NULL;
}

static int is_dir(const char *p)
{
    struct stat st;
    return stat(p, &st) == 0 && S_ISDIR(st.st_mode);
}

static void progress(render_ctx *ctx, double t0, int final)
{
    size_t done = __atomic_load_n(&ctx->done, __ATOMIC_ACQUIRE);
    double audio = (double)__atomic_load_n(&ctx->frames_in, __ATOMIC_RELAXED);
    int width = 30, fill = ctx->n_jobs ? (int)(width * done / ctx->n_jobs) : width;
    pthread_mutex_lock(&ctx->print_lock);
    fprintf(stderr, "\r\033[K[%.*s%*s] %zu/%zu files  %.0f frames  %.1f s%s", fill,
            "##############################", width - fill, "", done, ctx->n_jobs, audio,
            now() - t0, final ? "\n" : "");
    fflush(stderr);
    pthread_mutex_unlock(&ctx->print_lock);
}

int main(int argc, char **argv)
{
    static const struct option opts[] = {
        {"plugin", required_argument, NULL, 'p'},
        {"processor", required_argument, NULL, 'P'},
        {"model", required_argument, NULL, 'm'},
        {"set", required_argument, NULL, 's'},
        {"stream", no_argument, NULL, 'T'},
        {"output", required_argument, NULL, 'o'},
        {"jobs", required_argument, NULL, 'j'},
        {"shard", required_argument, NULL, 'S'},
        {"block", required_argument, NULL, 'b'},
        {"quiet", no_argument, NULL, 'q'},
        {"verbose", no_argument, NULL, 'v'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    const char *specs[MAX_STAGES];
    uint32_t n_specs = 0;
    const char *output = NULL;
    long long jobs = sysconf(_SC_NPROCESSORS_ONLN);
    long long shard_k = 0, shard_n = 1;
    int quiet = 0;
    char why[512];
    render_ctx ctx = {.block = 8192};
    ctx.umask = umask(022);
    umask(ctx.umask);
    static char set_buf[MAX_SETTINGS][128];
    int c;
    while ((c = getopt_long(argc, argv, "p:P:m:s:o:j:b:qvh", opts, NULL)) != -1) {
        switch (c) {
        case 'p':
            if (n_specs == MAX_STAGES) {
                fprintf(stderr, "ssm-render: at most %d plugins\n", MAX_STAGES);
                return 2;
            }
            specs[n_specs++] = optarg;
            break;
        case 'P':
            ctx.proc_type = optarg;
            break;
        case 'm':
            ctx.proc_model = optarg;
            break;
        case 'T':
            ctx.stream = 1;
            break;
        case 's': {
            if (ctx.n_settings == MAX_SETTINGS) {
                fprintf(stderr, "ssm-render: at most %d --set\n", MAX_SETTINGS);
                return 2;
            }
            if (chain_spec_setting(optarg, set_buf[ctx.n_settings], sizeof set_buf[ctx.n_settings],
                                   &ctx.settings[ctx.n_settings], why, sizeof why) != 0) {
                fprintf(stderr, "ssm-render: %s\n", why);
                return 2;
            }
            ctx.n_settings++;
            break;
        }
        case 'o':
            if (!optarg[0]) {
                fprintf(stderr, "ssm-render: -o wants a path (got an empty one)\n");
                return 2;
            }
            output = optarg;
            break;
        case 'j':
            if (cli_integer("-j", optarg, 1, 1024, &jobs, why, sizeof why) != 0) {
                fprintf(stderr, "ssm-render: %s\n", why);
                return 2;
            }
            break;
        case 'S':
            if (cli_shard("--shard", optarg, 1 << 30, &shard_k, &shard_n, why, sizeof why) != 0) {
                fprintf(stderr, "ssm-render: %s\n", why);
                return 2;
            }
            break;
        case 'b': {
            long long b = 0;
            if (cli_integer("--block", optarg, 16, 1 << 20, &b, why, sizeof why) != 0) {
                fprintf(stderr, "ssm-render: %s\n", why);
                return 2;
            }
            ctx.block = (uint32_t)b;
            break;
        }
        case 'q':
            quiet = 1;
            break;
        case 'v':
            ctx.verbose = 1;
            break;
        case 'h':
            usage(stdout);
            return 0;
        default:
            usage(stderr);
            return 2;
        }
    }
    int n_in = argc - optind;
    if (n_in < 1 || !output) {
        usage(stderr);
        return 2;
    }
    if (ctx.proc_model && !ctx.proc_type)
        ctx.proc_type = "model";
    if (ctx.proc_type && n_specs) {
        fprintf(stderr, "ssm-render: -p and --processor/--model exclude each other\n");
        return 2;
    }
    ssm_error err = {0};
    if (ctx.proc_type) {
        /* The type, the model file and the --set symbols are checked once,
         * up front, as the plugins' are below. */
        ctx.spare_proc = processor_new(&ctx, 1, &err);
        if (!ctx.spare_proc) {
            fprintf(stderr, "ssm-render: %s\n", err.message);
            return err.status == SSM_ERR_IO || err.status == SSM_ERR_FORMAT ? 1 : 2;
        }
    } else if (!(ctx.world = ssm_lv2_world_create(&err))) {
        fprintf(stderr, "ssm-render: %s\n", err.message);
        return 1;
    }
    for (uint32_t i = 0; i < n_specs; i++) {
        ctx.stages[i].preset =
            chain_spec_plugin(ctx.world, specs[i], ctx.stage_uri[i], sizeof ctx.stage_uri[i]);
        ctx.stages[i].uri = ctx.stage_uri[i];
        if (!ssm_lv2_world_has_plugin(ctx.world, ctx.stage_uri[i])) {
            fprintf(stderr,
                    "ssm-render: -p %s: no such LV2 plugin installed (lv2ls lists them; "
                    "LV2_PATH adds folders)\n",
                    specs[i]);
            ssm_lv2_world_destroy(ctx.world);
            return 2;
        }
    }
    ctx.n_stages = n_specs;
    /* Presets and --set symbols are checked once, up front: a typo is a
     * usage error, not a failure of every file. */
    if (!ctx.proc_type && (n_specs || ctx.n_settings)) {
        /* Built as a mono file at 48 kHz would need it, for such a file
         * to take over (ctx.spare_chain). */
        const ssm_lv2_config probe = chain_config(&ctx, 48000.0);
        ssm_lv2_chain *pc = ssm_lv2_chain_create(ctx.world, ctx.stages, ctx.n_stages, ctx.settings,
                                                 ctx.n_settings, 1, &probe, &err);
        if (!pc && err.status != SSM_ERR_UNSUPPORTED) {
            fprintf(stderr, "ssm-render: %s\n", err.message);
            ssm_lv2_world_destroy(ctx.world);
            return 2;
        }
        /* A plugin that cannot do its job (a model file it cannot load)
         * would fail every file: say so once, render nothing. */
        renderer probe_r = {.chain = pc};
        if (pc && renderer_failed(&probe_r, why, sizeof why)) {
            fprintf(stderr, "ssm-render: %s; nothing rendered\n", why);
            ssm_lv2_chain_destroy(pc);
            ssm_lv2_world_destroy(ctx.world);
            return 1;
        }
        ctx.spare_chain = pc;
        ctx.spare_rate = 48000.0;
    }

    /* One input file and an -o that is not a folder: the single-file form. */
    size_t olen = strlen(output);
    ctx.single = n_in == 1 && !is_dir(argv[optind]) && !is_dir(output) && output[olen - 1] != '/';
    ctx.outdir = output;
    if (!ctx.single && !is_dir(output) && mkdir(output, 0777) != 0) {
        fprintf(stderr, "ssm-render: output directory %s: %s\n", output,
                errno == EEXIST ? "exists and is not a directory" : strerror(errno));
        drop_spares(&ctx);
        ssm_lv2_world_destroy(ctx.world);
        return 1;
    }
    /* The whole list, every shard's: names are checked across all of it. */
    batch_list list = {0};
    if (batch_list_make(&list, argv + optind, (size_t)n_in, output, ctx.single, why, sizeof why) !=
        0) {
        fprintf(stderr, "ssm-render: %s\n", why);
        drop_spares(&ctx);
        ssm_lv2_world_destroy(ctx.world);
        return 1;
    }
    ctx.jobs = calloc(list.n, sizeof *ctx.jobs);
    for (size_t i = 0; ctx.jobs && i < list.n; i++) {
        if ((long long)(i % (size_t)shard_n) != shard_k)
            continue;
        job *j = &ctx.jobs[ctx.n_jobs++];
        j->in = list.items[i].in;
        j->out = list.items[i].out;
        if (list.items[i].problem) {
            snprintf(j->error, sizeof j->error, "%s", list.items[i].problem);
            j->skip = 1;
        }
    }
    if (jobs > (long long)ctx.n_jobs)
        jobs = ctx.n_jobs ? (long long)ctx.n_jobs : 1;
    ctx.tty = !quiet && isatty(STDERR_FILENO);
    pthread_mutex_init(&ctx.print_lock, NULL);

    signal_jobs = ctx.jobs;
    signal_n_jobs = ctx.n_jobs;
    /* A signal the caller ignores stays ignored (nohup, a shell's
     * background job). */
    static const int stop_sigs[] = {SIGINT, SIGTERM, SIGHUP};
    for (size_t i = 0; i < sizeof stop_sigs / sizeof stop_sigs[0]; i++) {
        struct sigaction old, sa;
        memset(&sa, 0, sizeof sa);
        sa.sa_handler = on_signal;
        sa.sa_flags = SA_RESTART;
        if (sigaction(stop_sigs[i], NULL, &old) == 0 && old.sa_handler != SIG_IGN)
            sigaction(stop_sigs[i], &sa, NULL);
    }

    double t0 = now();
    pthread_t *th = calloc((size_t)jobs, sizeof *th);
    long started = 0;
    ctx.running = jobs;
    for (long i = 0; th && i < jobs; i++)
        if (pthread_create(&th[i], NULL, worker, &ctx) == 0)
            started++;
    __atomic_sub_fetch(&ctx.running, jobs - started, __ATOMIC_ACQ_REL);
    if (started == 0) {
        ctx.running = 1;
        worker(&ctx);
    }
    /* A worker blocked in a read (a FIFO, a hung network mount) never sees
     * the stop signal: after a grace period main stops waiting for it. */
    double stop_at = 0.0;
    int stuck = 0;
    for (int tick = 0; __atomic_load_n(&ctx.running, __ATOMIC_ACQUIRE) > 0; tick++) {
        if (ctx.tty && tick % 2 == 0)
            progress(&ctx, t0, 0);
        struct timespec ts = {0, 50000000};
        nanosleep(&ts, NULL);
        if (stop_signal && stop_at == 0.0)
            stop_at = now();
        if (stop_at > 0.0 && now() - stop_at > STOP_GRACE_S) {
            stuck = 1;
            break;
        }
    }
    for (long i = 0; !stuck && i < started; i++)
        pthread_join(th[i], NULL);
    double wall = (ctx.t_end > 0 ? ctx.t_end : now()) - t0;
    if (ctx.tty)
        progress(&ctx, t0, 1);
    for (size_t i = 0; stuck && i < ctx.n_jobs; i++) {
        job *j = &ctx.jobs[i];
        if (j->started && !__atomic_load_n(&j->finished, __ATOMIC_ACQUIRE)) {
            if (j->tmp_live)
                unlink(j->tmp);
            j->failed = 1;
            report(&ctx, "FAIL %s: %s\n", j->in,
                   "interrupted while it was being read; unfinished output removed");
        }
    }

    size_t failed = 0, ok = 0, warned = 0, not_started = 0;
    double audio = 0.0;
    for (size_t i = 0; i < ctx.n_jobs; i++) {
        const job *j = &ctx.jobs[i];
        not_started += !j->started;
        failed += j->started && j->failed;
        ok += j->started && !j->failed;
        warned += j->started && !j->failed && has_warnings(j);
        audio += j->seconds;
    }
    char stopped[128] = "";
    if (stop_signal)
        snprintf(stopped, sizeof stopped, "stopped by %s; %zu not rendered; ",
                 stop_signal == SIGINT    ? "SIGINT"
                 : stop_signal == SIGTERM ? "SIGTERM"
                                          : "SIGHUP",
                 not_started);
    char warnings[64] = "";
    if (warned)
        snprintf(warnings, sizeof warnings, ", %zu with warnings", warned);
    fprintf(stderr,
            "ssm-render: %s%zu rendered, %zu failed%s (shard %lld/%lld of %zu files); %.2f s of "
            "audio in %.3f s wall, %.1fx real time, %ld job%s\n",
            stopped, ok, failed, warnings, shard_k, shard_n, list.n, audio, wall,
            wall > 0 ? audio / wall : 0.0, started ? started : 1, started == 1 ? "" : "s");
    if (stuck) {
        /* The stuck worker still holds its file and the chain: leave
         * without freeing what it uses. */
        fflush(stderr);
        _exit(128 + stop_signal);
    }
    free(th);
    free(ctx.jobs);
    batch_list_free(&list);
    drop_spares(&ctx);
    ssm_lv2_world_destroy(ctx.world);
    if (stop_signal)
        return 128 + stop_signal;
    return failed ? 1 : 0;
}
