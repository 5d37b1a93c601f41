/* SPSC ring: the writer owns `head`, the reader owns `tail`; each publishes
 * its index with release and reads the other's with acquire, so the bytes
 * are visible before the index that announces them. Indices run freely and
 * are masked on use, so full and empty are never confused. */
#include <stdlib.h>
#include <string.h>

#include "host/ring.h"

struct ssm_ring {
    uint32_t size, mask;
    uint32_t head; /* written by the producer */
    uint32_t tail; /* written by the consumer */
    unsigned char *buf;
};

ssm_ring *ssm_ring_create(uint32_t capacity)
{
    uint32_t size = 64;
    while (size < capacity && size < (1u << 30))
        size <<= 1;
    ssm_ring *r = calloc(1, sizeof *r);
    if (!r)
        return NULL;
    r->buf = calloc(size, 1);
    if (!r->buf) {
        free(r);
        return NULL;
    }
    r->size = size;
    r->mask = size - 1;
    return r;
}

void ssm_ring_destroy(ssm_ring *r)
{
    if (r) {
        free(r->buf);
        free(r);
    }
}

uint32_t ssm_ring_read_space(const ssm_ring *r)
{
    uint32_t h = __atomic_load_n(&r->head, __ATOMIC_ACQUIRE);
    uint32_t t = __atomic_load_n(&r->tail, __ATOMIC_RELAXED);
    return h - t;
}

uint32_t ssm_ring_write_space(const ssm_ring *r)
{
    uint32_t h = __atomic_load_n(&r->head, __ATOMIC_RELAXED);
    uint32_t t = __atomic_load_n(&r->tail, __ATOMIC_ACQUIRE);
    return r->size - (h - t);
}

uint32_t ssm_ring_write(ssm_ring *r, const void *src, uint32_t n)
{
    if (ssm_ring_write_space(r) < n)
        return 0;
    uint32_t h = __atomic_load_n(&r->head, __ATOMIC_RELAXED);
    uint32_t at = h & r->mask, first = r->size - at < n ? r->size - at : n;
    memcpy(r->buf + at, src, first);
    memcpy(r->buf, (const unsigned char *)src + first, n - first);
    __atomic_store_n(&r->head, h + n, __ATOMIC_RELEASE);
    return n;
}

uint32_t ssm_ring_peek(const ssm_ring *r, void *dst, uint32_t n)
{
    if (ssm_ring_read_space(r) < n)
        return 0;
    uint32_t t = __atomic_load_n(&r->tail, __ATOMIC_RELAXED);
    uint32_t at = t & r->mask, first = r->size - at < n ? r->size - at : n;
    memcpy(dst, r->buf + at, first);
    memcpy((unsigned char *)dst + first, r->buf, n - first);
    return n;
}

uint32_t ssm_ring_read(ssm_ring *r, void *dst, uint32_t n)
{
    if (ssm_ring_peek(r, dst, n) != n)
        return 0;
    uint32_t t = __atomic_load_n(&r->tail, __ATOMIC_RELAXED);
    __atomic_store_n(&r->tail, t + n, __ATOMIC_RELEASE);
    return n;
}

void ssm_ring_reset(ssm_ring *r)
{
    __atomic_store_n(&r->head, 0, __ATOMIC_RELAXED);
    __atomic_store_n(&r->tail, 0, __ATOMIC_RELAXED);
}
