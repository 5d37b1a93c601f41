/* Private: the LV2 worker extension, host side. Requests from a plugin's
 * run() go through a lock-free ring to a worker thread, which calls the
 * plugin's work(); its responses come back through a second ring and are
 * delivered by ssm_lv2_worker_deliver() in the audio thread after run().
 * When freewheeling (offline), work() runs inline in the caller instead. */
#ifndef SSM_HOST_WORKER_H
#define SSM_HOST_WORKER_H

#include <lilv/lilv.h>
#include <lv2/worker/worker.h>

typedef struct ssm_lv2_worker ssm_lv2_worker;

ssm_lv2_worker *ssm_lv2_worker_create(int threaded);
/* Binds the plugin's interface once it is instantiated (NULL: no worker). */
int ssm_lv2_worker_bind(ssm_lv2_worker *w, LilvInstance *instance,
                        const LV2_Worker_Interface *iface);
void ssm_lv2_worker_destroy(ssm_lv2_worker *w); /* joins the thread */
/* The feature's schedule_work callback and its handle. */
LV2_Worker_Status ssm_lv2_worker_schedule(LV2_Worker_Schedule_Handle handle, uint32_t size,
                                          const void *data);
/* Real-time safe: hand queued responses to work_response(), then end_run(). */
void ssm_lv2_worker_deliver(ssm_lv2_worker *w);
/* Wait until every queued request has been worked (tests, state changes). */
void ssm_lv2_worker_drain(ssm_lv2_worker *w);

#endif
