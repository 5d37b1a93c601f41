/* Runs a mono processor over a whole signal the way hosts call it: in
 * blocks of one size, or of random sizes 1..max_block (block 0), each call
 * under the allocation trap. Include after alloc_trap.h and harness.h. */
#ifndef SSM_TEST_RUN_BLOCKS_H
#define SSM_TEST_RUN_BLOCKS_H

#include "ssm/ssmaudio.h"

/* y = p(x) over n samples; returns the allocations seen inside process. */
static inline int run_blocks(ssm_processor *p, const float *x, float *y, size_t n,
                             uint32_t max_block, uint32_t block, th_rng *rng)
{
    at_reset();
    for (size_t done = 0; done < n;) {
        uint32_t b = block ? block : 1 + (uint32_t)(th_uniform(rng) * max_block);
        if (b > max_block)
            b = max_block;
        if (b > n - done)
            b = (uint32_t)(n - done);
        const float *ip[1] = {x + done};
        float *op[1] = {y + done};
        at_arm();
        ssm_processor_process(p, ip, op, b);
        at_disarm();
        done += b;
    }
    const int seen = at_violations();
    at_reset();
    return seen;
}

#endif
