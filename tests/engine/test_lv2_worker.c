/* The LV2 worker under stress, with a real worker thread: the test plugin
 * (tests/lv2/ssmtest.lv2/worker.c) schedules a request on every run() and
 * answers each with a burst of responses of varying size, while this thread
 * runs the plugin one frame at a time, so the host delivers responses while
 * the worker thread is still writing them. Every response must arrive whole,
 * once, in order; the plugin counts the ones that did not.
 *
 * Three runs: the inline (freewheeling) worker, the reference; the threaded
 * worker at full speed; and the threaded worker slowed inside every copy it
 * makes, as if the scheduler took its core in the middle of a message. The
 * last makes a host that takes a message before all of it is there fail on
 * its first response, however the two threads happen to be scheduled. */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "../alloc_trap.h"
#include "../harness.h"
#include "ssm/lv2host.h"

#define WORKER "urn:ssmaudio:test:worker"
#define BURST  4u /* responses per request, as in worker.c */

/* memcpy is interposed (the executable's definition wins, as alloc_trap.h
 * does for malloc): while slow_copies is set, a copy on any thread but the
 * audio thread sleeps first. The host's rings copy with memcpy, so the
 * worker thread then sits between a message's two writes for tens of
 * microseconds while the audio thread keeps delivering. The copy itself is
 * glibc's mempcpy, through a pointer the compiler cannot fold back into a
 * call to memcpy. (Sanitizer builds call their own __asan_memcpy from the
 * host and are not slowed.) */
static pthread_t audio_thread;
static int slow_copies;
static void *(*volatile copy_bytes)(void *, const void *, size_t) = mempcpy;

void *memcpy(void *restrict dst, const void *restrict src, size_t n)
{
    if (__atomic_load_n(&slow_copies, __ATOMIC_RELAXED) &&
        !pthread_equal(pthread_self(), audio_thread)) {
        struct timespec ts = {0, 20000};
        nanosleep(&ts, NULL);
    }
    copy_bytes(dst, src, n);
    return dst;
}

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

static void stress(ssm_lv2_world *w, const char *how, int freewheel, int slow, uint32_t target)
{
    ssm_error err = {0};
    ssm_lv2_config cfg = {.sample_rate = 48000, .max_block = 64, .freewheel = freewheel};
    ssm_lv2_plugin *p = ssm_lv2_plugin_create(w, WORKER, &cfg, &err);
    CHECK(p != NULL, "instantiate the test worker (LV2_PATH=build/tests/lv2): %s", err.message);
    if (!p)
        return;
    float x[1] = {0.0f}, y[1];
    const float *in[1] = {x};
    float *out[1] = {y};
    uint32_t received = 0, bad = 0;
    /* Stop at the first wrong response, or when responses stop coming (a
     * host that loses one stalls the plugin's scheduling) for `stall` s. */
    double t0 = now(), last = t0, stall = 10.0;
    __atomic_store_n(&slow_copies, slow, __ATOMIC_RELAXED);
    at_reset();
    at_arm();
    while (received < target && bad == 0 && now() - last < stall) {
        ssm_lv2_plugin_run(p, in, out, 1);
        uint32_t got = (uint32_t)ssm_lv2_plugin_get_control(p, "received");
        bad = (uint32_t)ssm_lv2_plugin_get_control(p, "bad");
        if (got != received)
            last = now();
        received = got;
    }
    at_disarm();
    __atomic_store_n(&slow_copies, 0, __ATOMIC_RELAXED);
    uint32_t sent = (uint32_t)ssm_lv2_plugin_get_control(p, "sent");
    printf("%s: %u requests, %u responses (%u wrong), %.2f s\n", how, sent, received, bad,
           now() - t0);
    CHECK(bad == 0, "%s: %u of %u responses arrived torn, stale or out of order", how, bad,
          received);
    CHECK(received >= target, "%s: %u of %u responses arrived", how, received, target);
    CHECK(received <= sent * BURST, "%s: %u responses to %u requests of %u", how, received, sent,
          BURST);
    CHECK(at_violations() == 0, "%s: run() allocated %d times", how, at_violations());
    ssm_lv2_plugin_destroy(p);
}

int main(void)
{
    audio_thread = pthread_self();
    ssm_error err = {0};
    ssm_lv2_world *w = ssm_lv2_world_create(&err);
    CHECK(w != NULL, "world: %s", err.message);
    if (!w)
        return th_finish("test_lv2_worker");
    uint32_t target = (uint32_t)th_scale(200000, 8000);
    stress(w, "inline worker", 1, 0, target);
    stress(w, "threaded worker", 0, 0, target);
    stress(w, "threaded worker, slowed mid-message", 0, 1, (uint32_t)th_scale(400, 100));
    ssm_lv2_world_destroy(w);
    return th_finish("test_lv2_worker");
}
