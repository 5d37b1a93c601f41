/* A test plugin for the host's worker: every run() schedules a request
 * (while few are in flight), work() answers each with a burst of responses
 * of varying size, and work_response() checks that every response arrives
 * whole, once and in order. Output controls count what was sent, what came
 * back and what came back wrong, so a test can hammer the worker rings from
 * two real threads and say exactly what broke.
 *
 * A response is `words` 32-bit words: [seq, words, seq ^ 1, seq ^ 2, ...].
 * Every word stays below 2^15, so a host that misreads a payload word as a
 * size still asks for less than one message's worth of bytes and fails the
 * check instead of overrunning a buffer. */
#include <lv2/core/lv2.h>
#include <lv2/worker/worker.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define PLUGIN_URI "urn:ssmaudio:test:worker"
/* Responses per request and the largest response, in words: with at most
 * MAX_IN_FLIGHT requests out, all their responses fit the host's ring. */
#define BURST         4u
#define MAX_WORDS     1024u
#define MAX_IN_FLIGHT 2u
#define WORD_MASK     0x7fffu

enum { P_IN, P_OUT, P_SENT, P_RECEIVED, P_BAD };

typedef struct {
    const float *in;
    float *out;
    float *sent_port, *received_port, *bad_port;
    LV2_Worker_Schedule *schedule;
    uint32_t next_request;  /* audio thread */
    uint32_t next_response; /* audio thread: the seq the next response must carry */
    uint32_t sent, received, bad;
    uint32_t words[MAX_WORDS]; /* worker thread's scratch */
} worker_t;

/* A pseudo-random size per response (Knuth's multiplicative hash). */
static uint32_t words_for(uint32_t seq)
{
    return 2u + (seq * 2654435761u >> 22) % (MAX_WORDS - 1u);
}

static LV2_Handle instantiate(const LV2_Descriptor *d, double rate, const char *bundle,
                              const LV2_Feature *const *features)
{
    worker_t *s = calloc(1, sizeof *s);
    if (!s)
        return NULL;
    for (int i = 0; features && features[i]; i++)
        if (!strcmp(features[i]->URI, LV2_WORKER__schedule))
            s->schedule = features[i]->data;
    if (!s->schedule) {
        free(s);
        return NULL;
    }
    return s;
}

static void connect_port(LV2_Handle h, uint32_t port, void *data)
{
    worker_t *s = h;
    switch (port) {
    case P_IN:
        s->in = data;
        break;
    case P_OUT:
        s->out = data;
        break;
    case P_SENT:
        s->sent_port = data;
        break;
    case P_RECEIVED:
        s->received_port = data;
        break;
    case P_BAD:
        s->bad_port = data;
        break;
    default:
        break;
    }
}

static void run(LV2_Handle h, uint32_t n)
{
    worker_t *s = h;
    memcpy(s->out, s->in, n * sizeof(float));
    uint32_t in_flight = (s->sent - s->received / BURST);
    if (in_flight < MAX_IN_FLIGHT) {
        uint32_t first = s->next_request * BURST;
        if (s->schedule->schedule_work(s->schedule->handle, sizeof first, &first) ==
            LV2_WORKER_SUCCESS) {
            s->next_request++;
            s->sent++;
        }
    }
    *s->sent_port = (float)s->sent;
    *s->received_port = (float)s->received;
    *s->bad_port = (float)s->bad;
}

static LV2_Worker_Status work(LV2_Handle h, LV2_Worker_Respond_Function respond,
                              LV2_Worker_Respond_Handle handle, uint32_t size, const void *data)
{
    worker_t *s = h;
    uint32_t first;
    if (size != sizeof first)
        return LV2_WORKER_ERR_UNKNOWN;
    memcpy(&first, data, sizeof first);
    for (uint32_t k = 0; k < BURST; k++) {
        uint32_t seq = first + k, n = words_for(seq);
        s->words[0] = seq & WORD_MASK;
        s->words[1] = n;
        for (uint32_t i = 2; i < n; i++)
            s->words[i] = (seq ^ i) & WORD_MASK;
        if (respond(handle, n * (uint32_t)sizeof(uint32_t), s->words) != LV2_WORKER_SUCCESS)
            return LV2_WORKER_ERR_NO_SPACE;
    }
    return LV2_WORKER_SUCCESS;
}

static LV2_Worker_Status work_response(LV2_Handle h, uint32_t size, const void *data)
{
    worker_t *s = h;
    uint32_t seq = s->next_response, n = words_for(seq);
    const unsigned char *bytes = data;
    int ok = size == n * sizeof(uint32_t);
    for (uint32_t i = 0; ok && i < n; i++) {
        uint32_t w;
        memcpy(&w, bytes + (size_t)i * sizeof w, sizeof w);
        uint32_t want = i == 0 ? seq & WORD_MASK : i == 1 ? n : (seq ^ i) & WORD_MASK;
        ok = w == want;
    }
    s->bad += !ok;
    s->received++;
    s->next_response++;
    return LV2_WORKER_SUCCESS;
}

static const void *extension_data(const char *uri)
{
    static const LV2_Worker_Interface worker = {work, work_response, NULL};
    return strcmp(uri, LV2_WORKER__interface) == 0 ? &worker : NULL;
}

static void cleanup(LV2_Handle h)
{
    free(h);
}

static const LV2_Descriptor descriptor = {PLUGIN_URI, instantiate, connect_port, NULL,
                                          run,        NULL,        cleanup,      extension_data};

LV2_SYMBOL_EXPORT const LV2_Descriptor *lv2_descriptor(uint32_t index)
{
    return index == 0 ? &descriptor : NULL;
}
