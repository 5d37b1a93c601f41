/* Seedable random numbers for parameter initialisation (S4D, S5, LRU):
 * splitmix64, with the state in the caller's hands so kernels keep no
 * globals and a seed reproduces an init exactly. */
#ifndef SSM_RNG_H
#define SSM_RNG_H

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Uniform in (0, 1): never 0, so log() of it is safe. */
double ssm_rng_uniform(uint64_t *state);
/* Standard normal (Box-Muller). */
double ssm_rng_normal(uint64_t *state);

#ifdef __cplusplus
}
#endif
#endif
