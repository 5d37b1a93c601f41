/* Strict number arguments (cli_number.h). strtoll and strtod stop at the
 * first character they cannot use and saturate on overflow; both of those
 * silently turned "-j 2x" into 2 and a huge value into LLONG_MAX, so every
 * parse here checks that the whole argument was used and that errno stayed
 * clear. */
#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli_number.h"

static int whole_integer(const char *s, const char *stop, long long *v)
{
    if (s == stop || isspace((unsigned char)s[0]))
        return -1;
    char *end = NULL;
    errno = 0;
    long long x = strtoll(s, &end, 10);
    if (end != stop || errno == ERANGE)
        return -1;
    *v = x;
    return 0;
}

int cli_integer(const char *opt, const char *arg, long long min, long long max, long long *out,
                char *why, size_t why_size)
{
    long long v = 0;
    if (whole_integer(arg, arg + strlen(arg), &v) != 0 || v < min || v > max) {
        snprintf(why, why_size, "%s wants a whole number in %lld..%lld (got \"%s\")", opt, min, max,
                 arg);
        return -1;
    }
    *out = v;
    return 0;
}

int cli_real(const char *opt, const char *arg, double min, double max, double *out, char *why,
             size_t why_size)
{
    char *end = NULL;
    errno = 0;
    double v = arg[0] && !isspace((unsigned char)arg[0]) ? strtod(arg, &end) : NAN;
    if (!end || *end || errno == ERANGE || !isfinite(v) || v < min || v > max) {
        snprintf(why, why_size, "%s wants a number in %g..%g (got \"%s\")", opt, min, max, arg);
        return -1;
    }
    *out = v;
    return 0;
}

int cli_shard(const char *opt, const char *arg, long long max_n, long long *k, long long *n,
              char *why, size_t why_size)
{
    const char *slash = strchr(arg, '/');
    long long kk = -1, nn = 0;
    if (!slash || whole_integer(arg, slash, &kk) != 0 ||
        whole_integer(slash + 1, slash + 1 + strlen(slash + 1), &nn) != 0 || nn < 1 || nn > max_n ||
        kk < 0 || kk >= nn) {
        snprintf(why, why_size, "%s wants K/N with 0 <= K < N <= %lld (got \"%s\")", opt, max_n,
                 arg);
        return -1;
    }
    *k = kk;
    *n = nn;
    return 0;
}
