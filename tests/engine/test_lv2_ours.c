/* Our own plugins (plugins/ssmaudio.lv2, from the build tree) through the
 * engine's LV2 host, as ssm-live and ssm-render run them: each given
 * URI[:preset] (split as their -p does) on a mono signal (a stereo plugin is folded), streaming
 * (block 64, freeWheeling off) and offline (block 4096, freeWheeling on).
 * Checks: no allocation inside run (allocation trap), finite output, the
 * latency each reports, and that the two forms give the same samples once
 * their reported latencies are aligned. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "../../tools/chain_spec.h"
#include "../alloc_trap.h"
#include "../harness.h"
#include "ssm/lv2host.h"

static int run_form(ssm_lv2_world *w, const ssm_lv2_stage_desc *st, int offline, const float *x,
                    float *y, size_t n, uint32_t *latency)
{
    ssm_error err = {0};
    uint32_t block = offline ? 4096 : 64;
    ssm_lv2_config cfg = {.sample_rate = 48000, .max_block = block, .freewheel = offline};
    ssm_lv2_chain *c = ssm_lv2_chain_create(w, st, 1, NULL, 0, 1, &cfg, &err);
    CHECK(c != NULL, "<%s> %s: %s", st->uri, offline ? "offline" : "streaming", err.message);
    if (!c)
        return -1;
    at_reset();
    at_arm();
    for (size_t at = 0; at < n; at += block) {
        uint32_t m = (uint32_t)(n - at < block ? n - at : block);
        const float *in[1] = {x + at};
        float *out[1] = {y + at};
        ssm_lv2_chain_run(c, in, out, m);
    }
    at_disarm();
    CHECK(at_violations() == 0, "<%s> %s run allocated %d times", st->uri,
          offline ? "offline" : "streaming", at_violations());
    int finite = 1;
    for (size_t i = 0; i < n; i++)
        finite &= isfinite(y[i]) != 0;
    CHECK(finite, "<%s> %s output is finite", st->uri, offline ? "offline" : "streaming");
    *latency = ssm_lv2_chain_latency(c);
    ssm_lv2_chain_destroy(c);
    return 0;
}

int main(int argc, char **argv)
{
    ssm_error err = {0};
    ssm_lv2_world *w = ssm_lv2_world_create(&err);
    CHECK(w != NULL, "world: %s", err.message);
    size_t n = th_scale(48000, 12000);
    float *x = malloc(n * sizeof *x), *ys = malloc(n * sizeof *ys), *yo = malloc(n * sizeof *yo);
    th_rng r = {0x5eed};
    for (size_t i = 0; i < n; i++)
        x[i] = (float)(0.3 * th_normal(&r)) * (i < n / 2 ? 1.0f : 0.0f);
    for (int a = 1; w && a < argc; a++) {
        char uri[512];
        ssm_lv2_stage_desc st = {uri, chain_spec_plugin(w, argv[a], uri, sizeof uri)};
        CHECK(ssm_lv2_world_has_plugin(w, uri), "<%s> is in build/plugins", uri);
        uint32_t ls = 0, lo = 0;
        if (run_form(w, &st, 0, x, ys, n, &ls) || run_form(w, &st, 1, x, yo, n, &lo))
            continue;
        printf("<%s>%s%s: latency streaming %u, offline %u frames; allocations in run: 0\n", uri,
               st.preset ? " preset " : "", st.preset ? st.preset : "", ls, lo);
        /* Align both to the input: y[i + latency] belongs to x[i]. */
        size_t m = n - (ls > lo ? ls : lo);
        char what[600];
        snprintf(what, sizeof what, "<%s> offline vs streaming form", uri);
        th_close_f(what, yo + lo, ys + ls, m, 1e-3);
    }
    free(x);
    free(ys);
    free(yo);
    ssm_lv2_world_destroy(w);
    return th_finish("test_lv2_ours");
}
