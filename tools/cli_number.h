/* Number arguments for the tools, parsed strictly: the whole argument is
 * the number (no trailing junk, no leading blanks), it is in range (an
 * overflow is refused, never clamped), and a real number is finite. Each
 * parser returns 0, or -1 with a sentence in why naming the option, what
 * it got and what it wants, for the tool to print as a usage error. */
#ifndef SSM_TOOLS_CLI_NUMBER_H
#define SSM_TOOLS_CLI_NUMBER_H

#include <stddef.h>

/* An integer in min..max. */
int cli_integer(const char *opt, const char *arg, long long min, long long max, long long *out,
                char *why, size_t why_size);
/* A finite real number in min..max. */
int cli_real(const char *opt, const char *arg, double min, double max, double *out, char *why,
             size_t why_size);
/* "K/N" with 0 <= K < N <= max_n. */
int cli_shard(const char *opt, const char *arg, long long max_n, long long *k, long long *n,
              char *why, size_t why_size);

#endif
