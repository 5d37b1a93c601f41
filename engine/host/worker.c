/* LV2 worker, host side (see worker.h). The audio thread only writes to
 * a lock-free ring and posts a semaphore (sem_post is async-signal-safe and
 * never blocks), so run() stays real-time safe however slow work() is. */
#include <pthread.h>
#include <semaphore.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "host/worker.h"
#include "host/ring.h"

#define RING_BYTES (1u << 16)
#define MAX_MSG    (RING_BYTES / 2)

struct ssm_lv2_worker {
    int threaded;
    LilvInstance *instance;
    const LV2_Worker_Interface *iface;
    ssm_ring *requests, *responses;
    unsigned char *work_buf;    /* worker thread's copy of a request */
    unsigned char *deliver_buf; /* audio thread's copy of a response */
    sem_t sem;
    pthread_t thread;
    int thread_started;
    int exit;
    int pending; /* requests scheduled and not yet worked */
};

/* A message is its size, then its payload: two ring writes, each published
 * on its own, so a reader can see the size before the payload is there.
 * Take a message only when all of it is there. */
static int read_message(ssm_ring *r, void *buf, uint32_t *size)
{
    uint32_t space = ssm_ring_read_space(r);
    if (space < sizeof *size || ssm_ring_peek(r, size, sizeof *size) != sizeof *size ||
        space - sizeof *size < *size)
        return 0;
    ssm_ring_read(r, size, sizeof *size);
    ssm_ring_read(r, buf, *size);
    return 1;
}

static LV2_Worker_Status respond(LV2_Worker_Respond_Handle handle, uint32_t size, const void *data)
{
    ssm_lv2_worker *w = handle;
    if (size > MAX_MSG || ssm_ring_write_space(w->responses) < sizeof size + size)
        return LV2_WORKER_ERR_NO_SPACE;
    ssm_ring_write(w->responses, &size, sizeof size);
    ssm_ring_write(w->responses, data, size);
    return LV2_WORKER_SUCCESS;
}

static void *worker_main(void *arg)
{
    ssm_lv2_worker *w = arg;
    for (;;) {
        while (sem_wait(&w->sem) != 0) {
        }
        if (__atomic_load_n(&w->exit, __ATOMIC_ACQUIRE))
            break;
        uint32_t size = 0;
        if (!read_message(w->requests, w->work_buf, &size))
            continue;
        w->iface->work(lilv_instance_get_handle(w->instance), respond, w, size, w->work_buf);
        __atomic_sub_fetch(&w->pending, 1, __ATOMIC_RELEASE);
    }
    return NULL;
}

ssm_lv2_worker *ssm_lv2_worker_create(int threaded)
{
    ssm_lv2_worker *w = calloc(1, sizeof *w);
    if (!w)
        return NULL;
    w->threaded = threaded;
    w->requests = ssm_ring_create(RING_BYTES);
    w->responses = ssm_ring_create(RING_BYTES);
    w->work_buf = malloc(MAX_MSG);
    w->deliver_buf = malloc(MAX_MSG);
    if (!w->requests || !w->responses || !w->work_buf || !w->deliver_buf ||
        sem_init(&w->sem, 0, 0) != 0) {
        ssm_ring_destroy(w->requests);
        ssm_ring_destroy(w->responses);
        free(w->work_buf);
        free(w->deliver_buf);
        free(w);
        return NULL;
    }
    return w;
}

int ssm_lv2_worker_bind(ssm_lv2_worker *w, LilvInstance *instance,
                        const LV2_Worker_Interface *iface)
{
    w->instance = instance;
    w->iface = iface && iface->work ? iface : NULL;
    if (w->iface && w->threaded && !w->thread_started) {
        if (pthread_create(&w->thread, NULL, worker_main, w) != 0)
            return -1;
        w->thread_started = 1;
    }
    return 0;
}

void ssm_lv2_worker_destroy(ssm_lv2_worker *w)
{
    if (!w)
        return;
    if (w->thread_started) {
        __atomic_store_n(&w->exit, 1, __ATOMIC_RELEASE);
        sem_post(&w->sem);
        pthread_join(w->thread, NULL);
    }
    sem_destroy(&w->sem);
    ssm_ring_destroy(w->requests);
    ssm_ring_destroy(w->responses);
    free(w->work_buf);
    free(w->deliver_buf);
    free(w);
}

LV2_Worker_Status ssm_lv2_worker_schedule(LV2_Worker_Schedule_Handle handle, uint32_t size,
                                          const void *data)
{
    ssm_lv2_worker *w = handle;
    if (!w->iface)
        return LV2_WORKER_ERR_UNKNOWN;
    if (!w->thread_started) {
        /* Freewheeling: nobody waits on this thread, so work inline. */
        return w->iface->work(lilv_instance_get_handle(w->instance), respond, w, size, data);
    }
    if (size > MAX_MSG || ssm_ring_write_space(w->requests) < sizeof size + size)
        return LV2_WORKER_ERR_NO_SPACE;
    __atomic_add_fetch(&w->pending, 1, __ATOMIC_RELAXED);
    ssm_ring_write(w->requests, &size, sizeof size);
    ssm_ring_write(w->requests, data, size);
    sem_post(&w->sem);
    return LV2_WORKER_SUCCESS;
}

void ssm_lv2_worker_deliver(ssm_lv2_worker *w)
{
    if (!w->iface)
        return;
    /* Only what was there on entry: a busy worker cannot hold the audio
     * thread here. */
    uint32_t left = ssm_ring_read_space(w->responses), size = 0;
    while (left >= sizeof size && read_message(w->responses, w->deliver_buf, &size)) {
        if (w->iface->work_response)
            w->iface->work_response(lilv_instance_get_handle(w->instance), size, w->deliver_buf);
        left = left > sizeof size + size ? left - (uint32_t)sizeof size - size : 0;
    }
    if (w->iface->end_run)
        w->iface->end_run(lilv_instance_get_handle(w->instance));
}

void ssm_lv2_worker_drain(ssm_lv2_worker *w)
{
    while (__atomic_load_n(&w->pending, __ATOMIC_ACQUIRE) > 0) {
        struct timespec ts = {0, 1000000};
        nanosleep(&ts, NULL);
    }
}
