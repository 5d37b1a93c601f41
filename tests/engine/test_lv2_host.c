/* The LV2 host on third-party plugins from Debian packages (lv2-examples'
 * eg-amp and eg-params, mda-lv2's Detune) and on the test delay plugin
 * (tests/lv2/ssmtest.lv2): audio, controls by symbol, presets by label and
 * URI, state save/restore, state:loadDefaultState, atom ports, options,
 * freeWheeling, latency, chains (mono plugins per channel), and no
 * allocation in run. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "../alloc_trap.h"
#include "../harness.h"
#include "ssm/audio_file.h"
#include "ssm/lv2host.h"
#include <sndfile.h>
#include <unistd.h>

#define AMP    "http://lv2plug.in/plugins/eg-amp"
#define PARAMS "http://lv2plug.in/plugins/eg-params"
#define DETUNE "http://drobilla.net/plugins/mda/Detune"
#define DELAY  "urn:ssmaudio:test:delay"
#define N      4000

static float in_l[N], in_r[N], out_l[N], out_r[N], want[N];

static void test_amp(ssm_lv2_world *w)
{
    ssm_error err = {0};
    ssm_lv2_config cfg = {.sample_rate = 48000, .max_block = 256};
    ssm_lv2_plugin *p = ssm_lv2_plugin_create(w, AMP, &cfg, &err);
    CHECK(p != NULL, "instantiate eg-amp: %s", err.message);
    if (!p)
        return;
    CHECK(ssm_lv2_plugin_n_audio_in(p) == 1 && ssm_lv2_plugin_n_audio_out(p) == 1,
          "eg-amp is mono");
    CHECK(!ssm_lv2_plugin_has_latency_port(p) && ssm_lv2_plugin_latency(p) == 0,
          "eg-amp has no latency port");
    CHECK(ssm_lv2_plugin_set_control(p, "gain", -6.0206f, &err) == SSM_OK, "set gain");
    CHECK(ssm_lv2_plugin_set_control(p, "nope", 0, &err) == SSM_ERR_INVALID &&
              strstr(err.message, "\"nope\"") && strstr(err.message, "gain"),
          "an unknown symbol lists the real ones (got \"%s\")", err.message);
    for (int i = 0; i < N; i++) {
        in_l[i] = sinf(0.01f * (float)i);
        want[i] = 0.5f * in_l[i];
    }
    const float *in[1] = {in_l};
    float *out[1] = {out_l};
    ssm_lv2_plugin_run(p, in, out, N); /* more than max_block: split */
    /* eg-amp smooths nothing: the gain applies from the first sample. */
    th_close_f("eg-amp at -6.02 dB vs 0.5 * input", out_l, want, N, 1e-4);

    char *ttl = ssm_lv2_plugin_save_state(p, &err);
    CHECK(ttl && strstr(ttl, "gain"), "saved state names the gain port");
    ssm_lv2_plugin_set_control(p, "gain", 0.0f, &err);
    if (ttl) {
        CHECK(ssm_lv2_plugin_restore_state(p, ttl, &err) == SSM_OK, "restore: %s", err.message);
        float g = ssm_lv2_plugin_get_control(p, "gain");
        CHECK(fabsf(g + 6.0206f) < 1e-4f, "restored gain is -6.02 dB (got %g)", g);
    }
    free(ttl);
    CHECK(ssm_lv2_plugin_restore_state(p, "this is not turtle", &err) != SSM_OK,
          "garbage state is refused (\"%s\")", err.message);
    ssm_lv2_plugin_destroy(p);
}

static void test_presets(ssm_lv2_world *w)
{
    ssm_error err = {0};
    ssm_lv2_config cfg = {.sample_rate = 44100, .max_block = 512};
    ssm_lv2_plugin *p = ssm_lv2_plugin_create(w, DETUNE, &cfg, &err);
    CHECK(p != NULL, "instantiate mda Detune: %s", err.message);
    if (!p)
        return;
    CHECK(ssm_lv2_plugin_apply_preset(p, "Out Of Tune", &err) == SSM_OK, "preset by label: %s",
          err.message);
    float d1 = ssm_lv2_plugin_get_control(p, "detune");
    CHECK(ssm_lv2_plugin_apply_preset(
              p, "http://drobilla.net/plugins/mda/presets#Detune-stereo-detune", &err) == SSM_OK,
          "preset by URI: %s", err.message);
    float d2 = ssm_lv2_plugin_get_control(p, "detune");
    float mix = ssm_lv2_plugin_get_control(p, "mix");
    CHECK(fabsf(d2 - 0.2f) < 1e-6f && fabsf(mix - 0.9f) < 1e-6f,
          "\"Stereo Detune\" sets detune 0.2 and mix 0.9 (got %g, %g; Out Of Tune gave %g)", d2,
          mix, d1);
    CHECK(ssm_lv2_plugin_apply_preset(p, "No Such", &err) == SSM_ERR_INVALID &&
              strstr(err.message, "Symphonic"),
          "an unknown preset lists the real ones (got \"%s\")", err.message);
    ssm_lv2_plugin_destroy(p);
}

static void test_params(ssm_lv2_world *w)
{
    /* Atom ports (control in/out), state:interface and loadDefaultState. */
    ssm_error err = {0};
    ssm_lv2_config cfg = {.sample_rate = 48000, .max_block = 128};
    ssm_lv2_plugin *p = ssm_lv2_plugin_create(w, PARAMS, &cfg, &err);
    CHECK(p != NULL, "instantiate eg-params (atom ports): %s", err.message);
    if (!p)
        return;
    ssm_lv2_plugin_run(p, NULL, NULL, 300);
    char *ttl = ssm_lv2_plugin_save_state(p, &err);
    CHECK(ttl && strstr(ttl, "Hello, world"),
          "default state (state:loadDefaultState) is loaded: saved state holds its string");
    free(ttl);
    ssm_lv2_plugin_destroy(p);
}

static void test_delay(ssm_lv2_world *w)
{
    ssm_error err = {0};
    ssm_lv2_config cfg = {.sample_rate = 48000, .max_block = 512, .freewheel = 1};
    ssm_lv2_plugin *p = ssm_lv2_plugin_create(w, DELAY, &cfg, &err);
    CHECK(p != NULL, "instantiate the test delay (LV2_PATH=build/tests/lv2): %s", err.message);
    if (!p)
        return;
    CHECK(ssm_lv2_plugin_apply_preset(p, "Half", &err) == SSM_OK, "preset Half: %s", err.message);
    const float *in[1] = {in_l};
    float *out[1] = {out_l};
    ssm_lv2_plugin_run(p, in, out, N);
    CHECK(ssm_lv2_plugin_has_latency_port(p) && ssm_lv2_plugin_latency(p) == 10,
          "latency port reports 10 frames (got %u)", ssm_lv2_plugin_latency(p));
    CHECK(ssm_lv2_plugin_get_control(p, "fw_seen") == 1.0f, "lv2:freeWheeling port is on");
    CHECK(ssm_lv2_plugin_get_control(p, "max_block") == 512.0f,
          "buf-size:maxBlockLength option is 512 (got %g)",
          ssm_lv2_plugin_get_control(p, "max_block"));
    for (int i = 0; i < N; i++)
        want[i] = i >= 10 ? 0.5f * in_l[i - 10] : 0.0f;
    th_close_f("delay preset Half: 0.5 * input delayed 10", out_l, want, N, 1e-6);
    ssm_lv2_plugin_destroy(p);
}

static void test_chain(ssm_lv2_world *w)
{
    ssm_error err = {0};
    ssm_lv2_config cfg = {.sample_rate = 96000, .max_block = 1024};
    ssm_lv2_stage_desc st[2] = {{AMP, NULL}, {DELAY, "Half"}};
    /* "delay" exists only on the second stage; eg-amp keeps its 0 dB default. */
    ssm_lv2_setting set[1] = {{"delay", 3}};
    ssm_lv2_chain *c = ssm_lv2_chain_create(w, st, 2, set, 1, 2, &cfg, &err);
    CHECK(c != NULL, "chain eg-amp -> delay on 2 channels: %s", err.message);
    if (c) {
        for (int i = 0; i < N; i++)
            in_r[i] = -0.25f * in_l[i];
        const float *in[2] = {in_l, in_r};
        float *out[2] = {out_l, out_r};
        ssm_lv2_chain_run(c, in, out, 100); /* latency is known after a run */
        ssm_lv2_chain_destroy(c);
        c = ssm_lv2_chain_create(w, st, 2, set, 1, 2, &cfg, &err);
        at_reset();
        at_arm();
        ssm_lv2_chain_run(c, in, out, N);
        at_disarm();
        CHECK(at_violations() == 0, "chain run allocated %d times", at_violations());
        printf("allocations in an armed chain run (2 stages x 2 channels): %d (trap %s)\n",
               at_violations(), at_active() ? "live" : "inert under valgrind");
        CHECK(ssm_lv2_chain_latency(c) == 3, "chain latency = 0 + 3 (got %u)",
              ssm_lv2_chain_latency(c));
        for (int i = 0; i < N; i++)
            want[i] = i >= 3 ? 0.5f * in_r[i - 3] : 0.0f;
        th_close_f("chain: right = 0 dB amp, 0.5 gain, delay 3", out_r, want, N, 1e-6);
        ssm_lv2_chain_destroy(c);
    }
    /* mda Detune (2 in, 2 out) on mono: folded. With mix 0 and output 0 dB
     * it passes the dry signal on both sides, so the fold gives it back. */
    ssm_lv2_stage_desc det[1] = {{DETUNE, NULL}};
    ssm_lv2_setting dry[1] = {{"mix", 0.0f}};
    c = ssm_lv2_chain_create(w, det, 1, dry, 1, 1, &cfg, &err);
    CHECK(c != NULL, "a stereo plugin on a mono signal is folded: %s", err.message);
    if (c) {
        const float *in[1] = {in_l};
        float *out[1] = {out_l};
        ssm_lv2_chain_run(c, in, out, N);
        double e = 0, ref = 0;
        for (int i = 0; i < N; i++) {
            e += (double)out_l[i] * in_l[i];
            ref += (double)in_l[i] * in_l[i];
        }
        printf("mono through mda Detune (folded): <out,in>/<in,in> = %.3f\n", e / ref);
        CHECK(e / ref > 0.1, "the folded output carries the input (correlation %.3f)", e / ref);
        ssm_lv2_chain_destroy(c);
    }
    c = ssm_lv2_chain_create(w, det, 1, NULL, 0, 3, &cfg, &err);
    CHECK(c == NULL && strstr(err.message, "cannot process 3 channels"),
          "a stereo plugin on 3 channels is refused (got \"%s\")", err.message);
    ssm_lv2_setting bad = {"no_such_symbol", 1};
    c = ssm_lv2_chain_create(w, st, 1, &bad, 1, 1, &cfg, &err);
    CHECK(c == NULL && strstr(err.message, "no_such_symbol") && !strstr(err.message, "--set"),
          "an unknown setting names the symbol, not a caller's flag (\"%s\")", err.message);
    CHECK(ssm_lv2_plugin_create(w, "urn:nope", &cfg, &err) == NULL &&
              strstr(err.message, "not installed"),
          "a missing plugin: %s", err.message);
}

/* The worker: eg-sampler's state restore schedules the sample load; the
 * worker (a thread when live, inline when freewheeling) loads it and the
 * response, delivered after run(), installs it, which a saved state shows. */
static void test_worker(ssm_lv2_world *w, int freewheel)
{
    char wav[] = "/tmp/ssm-worker-XXXXXX";
    int fd = mkstemp(wav);
    CHECK(fd >= 0, "temp file");
    if (fd < 0)
        return;
    close(fd);
    ssm_error err = {0};
    ssm_audio_info info = {48000, 1, 0, SF_FORMAT_WAV | SF_FORMAT_PCM_16};
    ssm_audio_file *f = ssm_audio_file_open_write(wav, &info, &err);
    CHECK(f != NULL, "write %s: %s", wav, err.message);
    if (f) {
        ssm_audio_file_write(f, in_l, 480, &err);
        ssm_audio_file_close(f, &err);
    }
    ssm_lv2_config cfg = {.sample_rate = 48000, .max_block = 256, .freewheel = freewheel};
    ssm_lv2_plugin *p =
        ssm_lv2_plugin_create(w, "http://lv2plug.in/plugins/eg-sampler", &cfg, &err);
    CHECK(p != NULL, "instantiate eg-sampler (worker): %s", err.message);
    if (p) {
        char ttl[1024];
        snprintf(ttl, sizeof ttl,
                 "<urn:x> a <http://lv2plug.in/ns/ext/presets#Preset> ;\n"
                 " <http://lv2plug.in/ns/lv2core#appliesTo> <http://lv2plug.in/plugins/"
                 "eg-sampler> ;\n <http://lv2plug.in/ns/ext/state#state> [\n"
                 " <http://lv2plug.in/plugins/eg-sampler#sample> <file://%s> ] .\n",
                 wav);
        CHECK(ssm_lv2_plugin_restore_state(p, ttl, &err) == SSM_OK, "restore: %s", err.message);
        float *out[1] = {out_l};
        ssm_lv2_plugin_run(p, NULL, out, 256); /* delivers the worker's response */
        char *saved = ssm_lv2_plugin_save_state(p, &err);
        CHECK(saved && strstr(saved, wav),
              "%s worker loaded the new sample and run() installed it (state names %s)",
              freewheel ? "inline (freewheeling)" : "threaded", wav);
        free(saved);
        ssm_lv2_plugin_destroy(p);
    }
    unlink(wav);
}

int main(void)
{
    ssm_error err = {0};
    ssm_lv2_world *w = ssm_lv2_world_create(&err);
    CHECK(w != NULL, "world: %s", err.message);
    if (!w)
        return th_finish("test_lv2_host");
    test_amp(w);
    test_presets(w);
    test_params(w);
    test_delay(w);
    test_chain(w);
    test_worker(w, 0);
    test_worker(w, 1);
    ssm_lv2_world_destroy(w);
    return th_finish("test_lv2_host");
}
