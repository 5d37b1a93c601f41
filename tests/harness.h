/* A small test harness: each test program checks properties, says what it
 * compared and by how much it differed, and exits non-zero on any failure.
 * Header-only so every test is one self-contained program. */
#ifndef SSM_TEST_HARNESS_H
#define SSM_TEST_HARNESS_H

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

#include "read_file.h"

static int th_failures;
static int th_checks;

/* SSM_TEST_QUICK=1 (set for the valgrind pass) asks for shorter inputs. */
static inline int th_quick(void)
{
    const char *q = getenv("SSM_TEST_QUICK");
    return q && *q && *q != '0';
}

static inline size_t th_scale(size_t full, size_t quick)
{
    return th_quick() ? quick : full;
}

#define CHECK(cond, ...)                                                                           \
    do {                                                                                           \
        th_checks++;                                                                               \
        if (!(cond)) {                                                                             \
            th_failures++;                                                                         \
            fprintf(stderr, "FAIL %s:%d: %s: ", __FILE__, __LINE__, #cond);                        \
            fprintf(stderr, __VA_ARGS__);                                                          \
            fputc('\n', stderr);                                                                   \
        }                                                                                          \
    } while (0)

/* Compare got against want over n values: max |got - want| relative to
 * max |want| (a norm-wise bound, so near-zero samples do not dominate).
 * Prints the comparison either way; returns the relative error. */
static inline double th_close_f(const char *what, const float *got, const float *want, size_t n,
                                double rel_tol)
{
    double maxerr = 0.0, maxref = 0.0;
    size_t at = 0;
    int finite = 1;
    for (size_t i = 0; i < n; i++) {
        if (!isfinite(got[i]))
            finite = 0;
        double e = fabs((double)got[i] - (double)want[i]);
        if (e > maxerr) {
            maxerr = e;
            at = i;
        }
        if (fabs((double)want[i]) > maxref)
            maxref = fabs((double)want[i]);
    }
    double rel = maxref > 0.0 ? maxerr / maxref : maxerr;
    printf("%-48s n=%-8zu max abs err %.3g (at %zu), rel %.3g (tol %.1g)\n", what, n, maxerr, at,
           rel, rel_tol);
    th_checks++;
    if (!finite || !(rel <= rel_tol)) {
        th_failures++;
        fprintf(stderr, "FAIL %s: rel err %.3g > %.1g%s\n", what, rel, rel_tol,
                finite ? "" : " (non-finite output)");
    }
    return rel;
}

static inline double th_close_d(const char *what, const double *got, const double *want, size_t n,
                                double rel_tol)
{
    double maxerr = 0.0, maxref = 0.0;
    for (size_t i = 0; i < n; i++) {
        double e = fabs(got[i] - want[i]);
        if (!(e <= maxerr))
            maxerr = e;
        if (fabs(want[i]) > maxref)
            maxref = fabs(want[i]);
    }
    double rel = maxref > 0.0 ? maxerr / maxref : maxerr;
    printf("%-48s n=%-8zu max abs err %.3g, rel %.3g (tol %.1g)\n", what, n, maxerr, rel, rel_tol);
    th_checks++;
    if (!(rel <= rel_tol)) {
        th_failures++;
        fprintf(stderr, "FAIL %s: rel err %.3g > %.1g\n", what, rel, rel_tol);
    }
    return rel;
}

/* Deterministic uniform and normal samples (xorshift64*), so a failure
 * reproduces exactly. */
typedef struct {
    unsigned long long s;
} th_rng;

static inline double th_uniform(th_rng *r)
{
    r->s ^= r->s >> 12;
    r->s ^= r->s << 25;
    r->s ^= r->s >> 27;
    return (double)((r->s * 2685821657736338717ULL) >> 11) * (1.0 / 9007199254740992.0);
}

static inline double th_normal(th_rng *r)
{
    double u1 = th_uniform(r), u2 = th_uniform(r);
    if (u1 < 1e-300)
        u1 = 1e-300;
    return sqrt(-2.0 * log(u1)) * cos(6.283185307179586 * u2);
}

/* Read a little-endian float32 file written by a golden script. Returns a
 * malloc'd array and its length, or NULL with a message. */
static inline float *th_read_f32(const char *path, size_t *n)
{
    size_t bytes;
    float *buf = th_read_file(path, &bytes);
    *n = bytes / sizeof(float);
    if (!buf)
        fprintf(stderr, "cannot read golden file %s\n", path);
    return buf;
}

static inline int th_finish(const char *name)
{
    printf("%s: %d checks, %d failed\n", name, th_checks, th_failures);
    return th_failures ? 1 : 0;
}

#endif
