/* Partitioned convolution of a long fixed filter (FFTW3, single precision):
 * reverbs, Hyena's long implicit filters, measured impulse responses.
 *
 * The filter is cut into partitions whose size grows with their offset
 * into the filter (non-uniform, Gardner / zita-convolver style):
 *
 *   level 0: partitions of `block` B at offsets [0, 8B), computed every
 *            block (frequency-domain delay line, FFT size 2B);
 *   level l: partitions of P = B 4^l at offsets [2P, 8P), a frequency-domain
 *            delay line with FFT size 2P. Its input block is complete P/B
 *            blocks before its output is due, so its work (forward FFT, the
 *            partition products in P/B - 2 slices, inverse FFT) is spread
 *            over P/B consecutive process blocks in the same thread;
 *   the last level keeps P = max_part and takes as many partitions as the
 *            filter needs.
 *
 * With max_part = block the scheme is the plain uniform one. Cost per
 * sample is about sum_l (10 log2(2 P_l) + 8 n_l) flops: for a 10 s filter
 * at 48 kHz and B = 64, some 1100 flops per sample, instead of the ~60 000
 * of a uniform 64-sample partitioning.
 *
 * Latency: B samples for any call size (input is gathered into blocks of
 * B); or zero with zero_latency = 1, in which case every process() call
 * must be a multiple of B samples.
 *
 * Real time: create allocates and plans; process/reset never allocate,
 * lock or plan.
 */
#ifndef SSM_PARTCONV_H
#define SSM_PARTCONV_H

#include "ssm/common.h"
#include "ssm/fft.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct ssm_partconv ssm_partconv;

typedef struct {
    size_t max_part;  /* largest partition, >= block (0: 16384) */
    int zero_latency; /* 1: latency 0, calls must be multiples of block */
    ssm_plan_rigor rigor;
} ssm_partconv_config;

/* filter[0..length) is copied. block: a power of two in [16, 65536].
 * cfg may be NULL (defaults: max_part 16384, latency = block, ESTIMATE). */
ssm_partconv *ssm_partconv_create(const float *filter, size_t length, size_t block,
                                  const ssm_partconv_config *cfg, ssm_status *status);

/* out[t] = sum_k filter[k] in[t - k - latency]. out may equal in.
 * Returns SSM_ERR_INVALID (and writes zeros) only in zero-latency mode when
 * n is not a multiple of block. */
ssm_status ssm_partconv_process(ssm_partconv *p, const float *in, float *out, size_t n);
void ssm_partconv_reset(ssm_partconv *p);
size_t ssm_partconv_latency(const ssm_partconv *p);
/* Number of levels and the partition size/count of one (for benches). */
size_t ssm_partconv_levels(const ssm_partconv *p);
void ssm_partconv_level_info(const ssm_partconv *p, size_t level, size_t *part, size_t *count,
                             size_t *offset);
void ssm_partconv_destroy(ssm_partconv *p);

#ifdef __cplusplus
}
#endif
#endif
