/* The plugins' contract, driven through our engine's LV2 host (lilv):
 * offline (freewheeling) output equals streaming output, and is not the
 * input (a denoiser takes noise down, a pass-through fails); a saved state
 * restored into a fresh instance gives the same output; every factory
 * preset loads by URI and changes the output; run() never allocates; no
 * NaN or Inf on silence, full-scale noise, DC or a 1e-30 input; parameter
 * sweeps while running stay finite and bounded; every rate from 22.05 to
 * 192 kHz works; ssm-model's "bundled" port loads a shipped model in
 * activate() and through the worker while running, and goes back to the
 * user's file. Each check prints what it compared and by how much. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "../alloc_trap.h"
#include "../harness.h"
#include "ssm/lv2host.h"

#define B "http://ssmaudio.org/plugins/"

typedef struct {
    const char *name;
    const char *type; /* engine processor behind it */
    int denoiser;     /* takes the noise bursts down, by DENOISE_MAX_GAIN at least */
    uint32_t nch;
    const char *sym[9]; /* input controls swept and saved */
    float lo[9], hi[9];
    float set[9]; /* non-default values for the state test */
    const char *presets[4];
} plug;

static const plug plugs[] = {
    {"resonator",
     "resonator",
     0,
     1,
     {"shape", "pitch", "inharm", "decay", "damping", "brightness", "modes", "mix", "level"},
     {0, 27.5f, 0, 0.05f, 0, 0, 1, 0, -36},
     {3, 4186, 100, 30, 100, 100, 64, 100, 12},
     {2, 330, 20, 1.5f, 60, 70, 40, 80, -3},
     {"plucked-string", "marimba-bar", "gong", "tube-body"}},
    {"reverb",
     "reverb",
     0,
     2,
     {"decay", "size", "damping", "predelay", "mix"},
     {0.2f, 0, 0, 0, 0},
     {20, 100, 100, 200, 100},
     {1.2f, 30, 70, 12, 50},
     {"small-room", "concert-hall", "cathedral", "bright-plate"}},
    {"denoise",
     "denoise",
     1,
     1,
     {"limit", "mix", "enabled"},
     {0, 0, 0},
     {100, 100, 1},
     {24, 90, 1},
     {"voice-gentle", "voice-strong", "podcast-natural"}},
    {"denoise-stereo",
     "denoise",
     1,
     2,
     {"limit", "mix", "enabled"},
     {0, 0, 0},
     {100, 100, 1},
     {24, 90, 1},
     {"voice-gentle", "voice-strong", "room-mics-natural"}},
    {"model",
     "model",
     0,
     1,
     {"in_gain", "out_gain"},
     {-24, -24},
     {24, 24},
     {6, -3},
     {"louder", "drive", "quiet"}},
};
#define N_PLUGS (sizeof plugs / sizeof plugs[0])

static int n_syms(const plug *p)
{
    int n = 0;
    while (n < 9 && p->sym[n])
        n++;
    return n;
}

/* An effect changes its input by more than this (max abs diff relative to
 * the input's peak); a denoiser brings noise down to below DENOISE_MAX_GAIN
 * of its rms. */
#define MIN_CHANGE       0.05
#define DENOISE_MAX_GAIN 0.5

static double rel_diff(const float *a, const float *b, size_t m)
{
    double diff = 0.0, ref = 0.0;
    for (size_t i = 0; i < m; i++) {
        diff = fmax(diff, fabs((double)a[i] - b[i]));
        ref = fmax(ref, fabs((double)b[i]));
    }
    return ref > 0 ? diff / ref : diff;
}

static double rms(const float *a, size_t m)
{
    double s = 0.0;
    for (size_t i = 0; i < m; i++)
        s += (double)a[i] * a[i];
    return m ? sqrt(s / (double)m) : 0.0;
}

/* Signals, interleaved by channel in separate planes: ch * n + t. */
enum { SIG_BURSTS, SIG_SILENCE, SIG_FULLSCALE, SIG_DC, SIG_TINY };

static void make_signal(float *x, uint32_t nch, size_t n, int kind, unsigned long long seed)
{
    th_rng r = {seed};
    for (uint32_t c = 0; c < nch; c++)
        for (size_t t = 0; t < n; t++) {
            float v = 0.0f;
            switch (kind) {
            case SIG_BURSTS: /* noise bursts with gaps: onsets and tails */
                v = (t % 12000) < 3000 ? (float)(0.2 * th_normal(&r)) : 0.0f;
                break;
            case SIG_FULLSCALE:
                v = th_uniform(&r) < 0.5 ? -1.0f : 1.0f;
                break;
            case SIG_DC:
                v = 1.0f;
                break;
            case SIG_TINY:
                v = 1e-30f;
                break;
            default:
                break;
            }
            x[c * n + t] = v;
        }
}

static ssm_lv2_plugin *open_plugin(ssm_lv2_world *w, const plug *p, double rate, uint32_t block,
                                   int freewheel)
{
    ssm_error err = {0};
    char uri[256];
    snprintf(uri, sizeof uri, B "%s", p->name);
    const ssm_lv2_config cfg = {rate, block, block, freewheel};
    ssm_lv2_plugin *pl = ssm_lv2_plugin_create(w, uri, &cfg, &err);
    CHECK(pl != NULL, "%s at %g Hz, block %u: %s", p->name, rate, block, err.message);
    return pl;
}

/* Run n frames in blocks of `block`; returns the largest |y| (inf if any
 * sample is not finite). Optionally arms the allocation trap around run. */
static double run(ssm_lv2_plugin *pl, const plug *p, const float *x, float *y, size_t n,
                  uint32_t block, int trap)
{
    double peak = 0.0;
    for (size_t t = 0; t < n; t += block) {
        const uint32_t len = (uint32_t)(n - t < block ? n - t : block);
        const float *in[2] = {x + t, x + (p->nch - 1) * n + t};
        float *out[2] = {y + t, y + (p->nch - 1) * n + t};
        if (trap)
            at_arm();
        ssm_lv2_plugin_run(pl, in, out, len);
        if (trap)
            at_disarm();
    }
    for (size_t i = 0; i < p->nch * n; i++)
        peak = isfinite(y[i]) ? fmax(peak, fabs(y[i])) : INFINITY;
    return peak;
}

static void set_all(ssm_lv2_plugin *pl, const plug *p, const float *v)
{
    ssm_error err = {0};
    for (int i = 0; i < n_syms(p); i++)
        CHECK(ssm_lv2_plugin_set_control(pl, p->sym[i], v[i], &err) == SSM_OK, "%s: %s", p->name,
              err.message);
}

/* The model file behind ssm-model's bundled port value k, run by the
 * engine's "model" processor from a fresh state over x (offline form, the
 * freewheeling plugin's). Returns 0 on success. */
static int reference(const char *path, const float *x, float *y, size_t n, uint32_t block)
{
    ssm_error err = {0};
    const ssm_processor_desc desc = {.type = "model", .model_path = path, .n_channels = 1};
    ssm_processor *p = ssm_processor_create(&desc, &err);
    CHECK(p != NULL, "model processor for %s: %s", path, err.message);
    if (!p)
        return -1;
    ssm_processor_set_mode(p, SSM_MODE_OFFLINE);
    CHECK(ssm_processor_activate(p, 48000, block, &err) == SSM_OK, "activate: %s", err.message);
    for (size_t t = 0; t < n; t += block) {
        const uint32_t len = (uint32_t)(n - t < block ? n - t : block);
        const float *in[1] = {x + t};
        float *out[1] = {y + t};
        ssm_processor_process(p, in, out, len);
    }
    ssm_processor_destroy(p);
    return 0;
}

/* The first block (of `block` frames) from which a and b differ. */
static size_t first_diff_block(const float *a, const float *b, size_t n, uint32_t block)
{
    for (size_t t = 0; t < n; t++)
        if (fabs((double)a[t] - b[t]) > 1e-6 * (1.0 + fabs((double)b[t])))
            return t / block;
    return n / block + 1;
}

/* ssm-model's bundled port (model.c): hosts that cannot send a path pick
 * a shipped model by number. Freewheeling, so the host's worker answers
 * right after the run that asked (a deterministic switch block). */
static void test_bundled(ssm_lv2_world *w, float *x, float *y0, float *y1, size_t n)
{
    const char *dir = getenv("SSM_BUNDLE_DIR");
    const char *user = getenv("SSM_MODEL_FILE");
    CHECK(dir && user, "SSM_BUNDLE_DIR and SSM_MODEL_FILE are set");
    if (!dir || !user)
        return;
    const plug *p = &plugs[N_PLUGS - 1];
    const uint32_t block = 256;
    static const char *const files[] = {"capture-amp", "capture-comp", "capture-reverb"};
    char path[4096];
    float *ref = calloc(n, sizeof(float));
    ssm_error err = {0};
    make_signal(x, 1, n, SIG_BURSTS, 17);
    for (int k = 1; k <= 3; k++) {
        /* Set before activation (as lv2apply and ssm-render do): the
         * first sample is already the model's. */
        snprintf(path, sizeof path, "%s/%s.safetensors", dir, files[k - 1]);
        ssm_lv2_plugin *q = open_plugin(w, p, 48000, block, 1);
        if (!q || reference(path, x, ref, n, block))
            continue;
        CHECK(ssm_lv2_plugin_set_control(q, "bundled", (float)k, &err) == SSM_OK, "%s",
              err.message);
        ssm_lv2_plugin_reset(q);
        run(q, p, x, y0, n, block, 0);
        char what[160];
        snprintf(what, sizeof what, "bundled %d (%s) from activate == the file", k, files[k - 1]);
        th_close_f(what, y0, ref, n, 1e-5);
        ssm_lv2_plugin_destroy(q);
    }
    /* While running: 0 (gain stage) for 8 blocks, then 1 through the
     * worker; the switch lands within two blocks of the change, and from
     * there the output is the file's from a fresh state. */
    snprintf(path, sizeof path, "%s/capture-amp.safetensors", dir);
    ssm_lv2_plugin *q = open_plugin(w, p, 48000, block, 1);
    if (q) {
        const size_t t0 = 8 * (size_t)block;
        run(q, p, x, y0, t0, block, 0);
        CHECK(ssm_lv2_plugin_set_control(q, "bundled", 1, &err) == SSM_OK, "%s", err.message);
        run(q, p, x + t0, y0 + t0, n - t0, block, 0);
        const size_t sw = first_diff_block(y0, x, n, block);
        printf("%-48s asked at block 8, runs from block %zu\n", "bundled 0 -> 1 while running", sw);
        CHECK(sw >= 8 && sw <= 10, "the bundled model came in at block %zu (asked at 8)", sw);
        if (sw <= 10 && reference(path, x + sw * block, ref, n - sw * block, block) == 0)
            th_close_f("bundled 1 through the worker == the file from the switch", y0 + sw * block,
                       ref, n - sw * block, 1e-5);
        ssm_lv2_plugin_destroy(q);
    }
    /* The same through a worker thread (not freewheeling): run() stays
     * free of allocation while the worker loads and the swap happens. */
    q = open_plugin(w, p, 48000, block, 0);
    if (q) {
        CHECK(ssm_lv2_plugin_set_control(q, "bundled", 3, &err) == SSM_OK, "%s", err.message);
        at_reset();
        size_t t = 0;
        int swapped = 0;
        for (int i = 0; i < 2000 && !swapped; i++, t = (t + block) % (n - block)) {
            const float *in[1] = {x + t};
            float *out[1] = {y0};
            at_arm();
            ssm_lv2_plugin_run(q, in, out, block);
            at_disarm();
            swapped = rel_diff(y0, x + t, block) > 1e-3;
            if (!swapped)
                nanosleep(&(struct timespec){0, 2000000}, NULL);
        }
        printf("%-48s swapped: %s, %d allocations in run()\n", "bundled 3 on a worker thread",
               swapped ? "yes" : "no", at_violations());
        CHECK(swapped, "the worker thread never brought bundled model 3 in");
        CHECK(at_violations() == 0, "run() allocated %d times while the bundled model changed",
              at_violations());
        ssm_lv2_plugin_destroy(q);
    }
    /* A user's file (restored state), then bundled 2, then 0 again: the
     * user's file comes back (the plugin asks for it as a patch:Set), and
     * a saved state names the user's file, not the bundled one. */
    char ttl[8192];
    snprintf(ttl, sizeof ttl,
             "@prefix lv2: <http://lv2plug.in/ns/lv2core#> .\n"
             "@prefix pset: <http://lv2plug.in/ns/ext/presets#> .\n"
             "@prefix state: <http://lv2plug.in/ns/ext/state#> .\n"
             "<urn:test:state> a pset:Preset ; lv2:appliesTo <" B "model> ;\n"
             "  state:state [ <" B "model#file> \"%s\"^^"
             "<http://lv2plug.in/ns/ext/atom#Path> ] .\n",
             user);
    q = open_plugin(w, p, 48000, block, 1);
    if (q) {
        CHECK(ssm_lv2_plugin_restore_state(q, ttl, &err) == SSM_OK, "restore: %s", err.message);
        CHECK(ssm_lv2_plugin_set_control(q, "bundled", 2, &err) == SSM_OK, "%s", err.message);
        run(q, p, x, y0, n / 2, block, 0);
        char *saved = ssm_lv2_plugin_save_state(q, &err);
        CHECK(saved && strstr(saved, user) && !strstr(saved, "capture-comp"),
              "a state saved while bundled 2 runs names the user's file");
        free(saved);
        CHECK(ssm_lv2_plugin_set_control(q, "bundled", 0, &err) == SSM_OK, "%s", err.message);
        const size_t t0 = n / 2 / block * block;
        run(q, p, x + t0, y0, n - t0, block, 0);
        /* The user's file from a fresh state, aligned at the switch. */
        size_t sw = 0;
        for (size_t b = 0; b <= 2 && !sw; b++) {
            const size_t s0 = t0 + b * block;
            if (reference(user, x + s0, ref, n - s0, block) == 0 &&
                rel_diff(y0 + b * block, ref, n - s0) < 1e-4)
                sw = b + 1;
        }
        printf("%-48s back to the user's file %s\n", "bundled 2 -> 0", sw ? "yes" : "no");
        CHECK(sw, "bundled 0 did not bring the user's file back within two blocks");
        ssm_lv2_plugin_destroy(q);
    }
    free(ref);
}

int main(void)
{
    ssm_error err = {0};
    ssm_lv2_world *w = ssm_lv2_world_create(&err);
    CHECK(w != NULL, "lilv world: %s", err.message);
    if (!w)
        return th_finish("test_plugins");
    const size_t n = th_scale(96000, 24000);
    float *x = calloc(2 * n, sizeof(float)), *y0 = calloc(2 * n, sizeof(float)),
          *y1 = calloc(2 * n, sizeof(float));
    char what[160];

    for (size_t k = 0; k < N_PLUGS; k++) {
        const plug *p = &plugs[k];
        const size_t m = p->nch * n;
        printf("-- %s (engine processor \"%s\")\n", p->name, p->type);
        make_signal(x, p->nch, n, SIG_BURSTS, 7 + k);

        /* Offline (freewheeling, block 8192, chunked FFT form) against
         * streaming (block 64, recurrence). */
        ssm_lv2_plugin *a = open_plugin(w, p, 48000, 64, 0);
        ssm_lv2_plugin *b = open_plugin(w, p, 48000, 8192, 1);
        if (!a || !b)
            continue;
        set_all(a, p, p->set);
        set_all(b, p, p->set);
        run(a, p, x, y0, n, 64, 0);
        run(b, p, x, y1, n, 8192, 0);
        snprintf(what, sizeof what, "%s offline == streaming", p->name);
        th_close_f(what, y1, y0, m, 2e-4);
        /* Equal forms prove nothing if both pass the input through: the
         * output must be the plugin's work, and a denoiser's work is less
         * noise (the bursts are noise only). */
        const double changed = rel_diff(y1, x, m), gain = rms(y1, m) / rms(x, m);
        printf("%-48s differs from the input by rel %.3g; rms out/in %.3g\n", p->name, changed,
               gain);
        CHECK(changed > MIN_CHANGE, "%s: the output is the input (rel diff %.3g)", p->name,
              changed);
        if (p->denoiser)
            CHECK(gain < DENOISE_MAX_GAIN, "%s: noise in, rms out/in %.3g (want < %g)", p->name,
                  gain, DENOISE_MAX_GAIN);

        /* State: save a's settings, restore them into a fresh instance. */
        char *ttl = ssm_lv2_plugin_save_state(a, &err);
        CHECK(ttl != NULL, "%s save state: %s", p->name, err.message);
        ssm_lv2_plugin *c = open_plugin(w, p, 48000, 64, 0);
        if (ttl && c) {
            CHECK(ssm_lv2_plugin_restore_state(c, ttl, &err) == SSM_OK, "%s restore: %s", p->name,
                  err.message);
            ssm_lv2_plugin_reset(a);
            run(a, p, x, y0, n, 64, 0);
            run(c, p, x, y1, n, 64, 0);
            snprintf(what, sizeof what, "%s restored state == saved", p->name);
            th_close_f(what, y1, y0, m, 1e-6);
        }
        free(ttl);
        ssm_lv2_plugin_destroy(c);

        /* No allocation in run(), while controls move and across a
         * freewheel switch. */
        at_reset();
        for (int blk = 0; blk < 40; blk++) {
            for (int i = 0; i < n_syms(p); i++)
                ssm_lv2_plugin_set_control(a, p->sym[i], blk % 2 ? p->lo[i] : p->hi[i], &err);
            run(a, p, x + blk * 64, y0, 64, 64, 1);
        }
        printf("%-48s %d allocations in 40 runs\n", p->name, at_violations());
        CHECK(at_violations() == 0, "%s: run() allocated %d times", p->name, at_violations());

        /* Presets: each loads by URI, sets ports and changes the output. */
        ssm_lv2_plugin_reset(b);
        ssm_lv2_plugin_destroy(b);
        b = open_plugin(w, p, 48000, 256, 0);
        run(b, p, x, y0, n, 256, 0);
        for (int i = 0; i < 4 && p->presets[i] && b; i++) {
            char uri[256];
            snprintf(uri, sizeof uri, B "%s#preset-%s", p->name, p->presets[i]);
            ssm_lv2_plugin *q = open_plugin(w, p, 48000, 256, 0);
            if (!q)
                continue;
            CHECK(ssm_lv2_plugin_apply_preset(q, uri, &err) == SSM_OK, "preset %s: %s", uri,
                  err.message);
            run(q, p, x, y1, n, 256, 0);
            double diff = 0.0, ref = 0.0;
            for (size_t t = 0; t < m; t++) {
                diff = fmax(diff, fabs((double)y1[t] - y0[t]));
                ref = fmax(ref, fabs((double)y0[t]));
            }
            int moved = 0;
            for (int s = 0; s < n_syms(p); s++)
                moved |= ssm_lv2_plugin_get_control(q, p->sym[s]) !=
                         ssm_lv2_plugin_get_control(b, p->sym[s]);
            printf("%-48s output differs from default by rel %.3g; ports moved: %s\n",
                   p->presets[i], diff / (ref > 0 ? ref : 1), moved ? "yes" : "no");
            CHECK(moved, "preset %s sets no port", uri);
            CHECK(diff > 1e-3 * ref, "preset %s does not change the output", uri);
            ssm_lv2_plugin_destroy(q);
        }

        /* Hostile inputs, then a parameter sweep with random jumps every
         * block (fresh instances, streaming, block 64). */
        static const char *const sig_name[] = {"bursts", "silence", "full-scale noise", "DC",
                                               "1e-30"};
        set_all(a, p, p->set);
        for (int kind = SIG_SILENCE; kind <= SIG_TINY; kind++) {
            ssm_lv2_plugin_reset(a);
            make_signal(x, p->nch, n, kind, 99);
            const double peak = run(a, p, x, y0, n, 64, 0);
            printf("%-48s peak %.3g\n", sig_name[kind], peak);
            CHECK(isfinite(peak) && peak < 1e4, "%s on %s: peak %g", p->name, sig_name[kind], peak);
            if (kind == SIG_SILENCE || kind == SIG_TINY)
                CHECK(peak < 1e-6, "%s: %s in, %g out", p->name, sig_name[kind], peak);
        }
        ssm_lv2_plugin_reset(a);
        make_signal(x, p->nch, n, SIG_BURSTS, 5);
        th_rng r = {1234 + k};
        double peak = 0.0;
        for (size_t t = 0; t < n; t += 64) {
            for (int i = 0; i < n_syms(p); i++)
                if (th_uniform(&r) < 0.3)
                    ssm_lv2_plugin_set_control(
                        a, p->sym[i], p->lo[i] + (float)th_uniform(&r) * (p->hi[i] - p->lo[i]),
                        &err);
            const float *in[2] = {x + t, x + (p->nch - 1) * n + t};
            float *out[2] = {y0 + t, y0 + (p->nch - 1) * n + t};
            ssm_lv2_plugin_run(a, in, out, (uint32_t)(n - t < 64 ? n - t : 64));
        }
        for (size_t i = 0; i < m; i++)
            peak = isfinite(y0[i]) ? fmax(peak, fabs(y0[i])) : INFINITY;
        printf("%-48s peak %.3g\n", "random control jumps every block", peak);
        CHECK(isfinite(peak) && peak < 1e4, "%s sweep: peak %g", p->name, peak);
        ssm_lv2_plugin_destroy(a);
        ssm_lv2_plugin_destroy(b);

        /* Every rate from 22.05 to 192 kHz. */
        static const double rates[] = {22050, 44100, 88200, 192000};
        for (int i = 0; i < 4; i++) {
            ssm_lv2_plugin *q = open_plugin(w, p, rates[i], 512, 0);
            if (!q)
                continue;
            make_signal(x, p->nch, n, SIG_BURSTS, 3);
            const double pk = run(q, p, x, y0, n, 512, 0);
            printf("%-48s %g Hz: peak %.3g\n", p->name, rates[i], pk);
            CHECK(isfinite(pk) && pk > 0 && pk < 1e4, "%s at %g Hz: peak %g", p->name, rates[i],
                  pk);
            ssm_lv2_plugin_destroy(q);
        }
    }
    /* ssm-model with a real model file: a state naming the file loads it
     * (restore() runs the same create + activate as the worker), the
     * output is the network's, not the gain stage's, and the path survives
     * a save and a restore into a fresh instance. */
    const char *golden = getenv("SSM_MODEL_FILE");
    CHECK(golden != NULL, "SSM_MODEL_FILE names a model file for the ssm-model test");
    if (golden) {
        const plug *p = &plugs[N_PLUGS - 1];
        char ttl[8192];
        snprintf(ttl, sizeof ttl,
                 "@prefix lv2: <http://lv2plug.in/ns/lv2core#> .\n"
                 "@prefix pset: <http://lv2plug.in/ns/ext/presets#> .\n"
                 "@prefix state: <http://lv2plug.in/ns/ext/state#> .\n"
                 "<urn:test:state> a pset:Preset ; lv2:appliesTo <" B "model> ;\n"
                 "  state:state [ <" B "model#file> \"%s\"^^"
                 "<http://lv2plug.in/ns/ext/atom#Path> ] .\n",
                 golden);
        make_signal(x, 1, n, SIG_BURSTS, 11);
        ssm_lv2_plugin *g = open_plugin(w, p, 48000, 256, 0);
        ssm_lv2_plugin *a = open_plugin(w, p, 48000, 256, 0);
        ssm_lv2_plugin *c = open_plugin(w, p, 48000, 256, 0);
        if (g && a && c) {
            run(g, p, x, y0, n, 256, 0);
            CHECK(ssm_lv2_plugin_restore_state(a, ttl, &err) == SSM_OK, "restore: %s", err.message);
            run(a, p, x, y1, n, 256, 0);
            double diff = 0.0;
            for (size_t t = 0; t < n; t++)
                diff = fmax(diff, fabs((double)y1[t] - y0[t]));
            printf("%-48s latency %u, differs from the gain stage by %.3g\n",
                   "ssm-model with a model file", ssm_lv2_plugin_latency(a), diff);
            CHECK(diff > 1e-3, "the model file did not change the output");
            char *saved = ssm_lv2_plugin_save_state(a, &err);
            CHECK(saved && strstr(saved, "model#file"), "saved state names the file");
            if (saved) {
                CHECK(ssm_lv2_plugin_restore_state(c, saved, &err) == SSM_OK, "restore: %s",
                      err.message);
                ssm_lv2_plugin_reset(a);
                run(a, p, x, y0, n, 256, 0);
                run(c, p, x, y1, n, 256, 0);
                th_close_f("ssm-model path saved, restored: same output", y1, y0, n, 1e-6);
            }
            free(saved);
        }
        ssm_lv2_plugin_destroy(g);
        ssm_lv2_plugin_destroy(a);
        ssm_lv2_plugin_destroy(c);
    }

    test_bundled(w, x, y0, y1, n);

    free(x);
    free(y0);
    free(y1);
    ssm_lv2_world_destroy(w);
    return th_finish("test_plugins");
}
