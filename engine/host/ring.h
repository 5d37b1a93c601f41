/* Private: a single-producer single-consumer lock-free byte ring, for
 * messages between the audio thread and a worker thread (LV2 worker). The
 * capacity is fixed at creation; write and read never allocate or block. */
#ifndef SSM_RING_H
#define SSM_RING_H

#include <stdint.h>

typedef struct ssm_ring ssm_ring;

ssm_ring *ssm_ring_create(uint32_t capacity); /* rounded up to a power of two */
void ssm_ring_destroy(ssm_ring *r);
uint32_t ssm_ring_read_space(const ssm_ring *r);
uint32_t ssm_ring_write_space(const ssm_ring *r);
/* All or nothing: returns n, or 0 when there is not room for n bytes. */
uint32_t ssm_ring_write(ssm_ring *r, const void *src, uint32_t n);
uint32_t ssm_ring_read(ssm_ring *r, void *dst, uint32_t n);
/* Copy without consuming. */
uint32_t ssm_ring_peek(const ssm_ring *r, void *dst, uint32_t n);
void ssm_ring_reset(ssm_ring *r); /* only while neither side runs */

#endif
