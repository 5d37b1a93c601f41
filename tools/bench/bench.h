/* Shared by the sections of ssm-bench: options, the one clock, the one FMA
 * peak, inputs. A benchmark, never a timed test. */
#ifndef SSM_BENCH_H
#define SSM_BENCH_H

#include <stddef.h>

#include "ssm/simd.h"

typedef struct {
    int quick;       /* --quick: short runs, for a smoke test */
    double seconds;  /* --seconds: audio per run in the selective section */
    int repeats;     /* --repeats: best of how many runs (selective, proc) */
    unsigned block;  /* --block: host block (host section) */
    const char *uri; /* --uri: the plugin of the host section */
} bench_opts;

/* What a reading measures. Thread CPU time is the default: the machine is
 * shared, and time spent descheduled is not the kernel's cost. Work that
 * runs threads (zita-convolver's partitions) is read as the process's CPU
 * time; a two-thread speed-up only shows on the wall clock. */
typedef enum { BENCH_THREAD_CPU, BENCH_PROCESS_CPU, BENCH_WALL } bench_clock;

double bench_now(bench_clock c);

/* The FMA peak of one core at the SIMD level the kernels' clones run at
 * here (bench_peak_level), in GFLOP/s, measured at start-up; the definition
 * is stated in ssm-bench.c and printed with every run. */
double bench_peak(void);
const char *bench_peak_level(void);
/* bench_peak.c: GFLOP/s of independent FMA chains at `level` (or the
 * highest level below it that this CPU has); the table of every level. */
double bench_measure_peak(ssm_simd_level level);
void bench_peak_table(const bench_opts *o, double mhz);

long bench_maxrss_mb(void);
/* The median of five timings (sorts t in place): every section times five runs. */
double bench_median5(double t[5]);
/* Uniform noise in [-0.5, 0.5), reproducible from seed. */
void bench_noise(float *x, size_t n, unsigned seed);

void bench_linalg(const bench_opts *o);
void bench_diag(const bench_opts *o);
void bench_mimo(const bench_opts *o);
void bench_partconv(const bench_opts *o);
void bench_dplr(const bench_opts *o);
void bench_selective(const bench_opts *o);
void bench_proc(const bench_opts *o);
void bench_plan(const bench_opts *o);
void bench_host(const bench_opts *o);

#endif
