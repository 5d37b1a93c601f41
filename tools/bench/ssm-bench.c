/* ssm-bench: every benchmark of the project in one program, by section.
 *
 *   ssm-bench [--quick] [--seconds S] [--repeats R] [--block N] [--uri URI]
 *             [SECTION...]            (no section: all but host)
 *
 * Sections:
 *   peak       the measured FMA peak at every SIMD level of this CPU (bench_peak.c)
 *   linalg     the linear layers' products at the networks' sizes (bench_linalg.c)
 *   diag       S4D/DSS diagonal bank: step, chunked FFT, chunked scan (bench_lti.c)
 *   mimo       S5/LRU MIMO bank: step and chunked scan (bench_lti.c)
 *   partconv   10 s partitioned convolution at 64-sample latency, beside
 *              zita-convolver when built with it (bench_lti.c)
 *   dplr       S4-DPLR, Liquid-S4, S4ND (bench_lti.c)
 *   selective  Mamba, the selective scan, SSD, Hyena, H3, GSS
 *              (bench_selective.c)
 *   proc       the engine's built-in processors, streaming against offline
 *              (bench_engine.c)
 *   plan       what the offline plan picks for the processors' banks
 *              (bench_plan.c)
 *   host       the LV2 host's overhead around a plugin, default eg-amp
 *              (bench_engine.c; needs the plugin installed)
 *
 * Results go to docs/benchmarks.md with the machine line this prints.
 *
 * FMA peak, the one definition every section uses: measured at start-up
 * (bench_peak.c): independent multiply-add chains at the SIMD level the
 * kernels' dispatch runs at (ssm/simd.h: x86-64-v4 = AVX-512, v3 = AVX2 +
 * FMA, baseline = SSE2 multiply + add), best of 5, thread CPU time. A
 * nominal figure (clock x flops per cycle) would be a guess inside a VM:
 * the clock shown is nominal, and whether 512-bit FMAs run on full-width
 * units (Intel server parts: 2 x 16 lanes) or are split into two 256-bit
 * halves (AMD Zen 4: the same flops per cycle as AVX2) is not visible.
 * Section "peak" prints every level this CPU has.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>
#include <time.h>
#if defined(__SSE__)
#include <xmmintrin.h>
#endif

#include "bench.h"
#include "ssm/simd.h"

static double peak_gflops;
static const char *peak_level = "x86-64 baseline (SSE2)";
static double cpu_mhz;

double bench_now(bench_clock c)
{
    struct timespec ts;
    clock_gettime(c == BENCH_THREAD_CPU    ? CLOCK_THREAD_CPUTIME_ID
                  : c == BENCH_PROCESS_CPU ? CLOCK_PROCESS_CPUTIME_ID
                                           : CLOCK_MONOTONIC,
                  &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

double bench_peak(void)
{
    return peak_gflops;
}

const char *bench_peak_level(void)
{
    return peak_level;
}

double bench_median5(double t[5])
{
    for (int i = 0; i < 5; i++)
        for (int j = i + 1; j < 5; j++)
            if (t[j] < t[i]) {
                const double x = t[i];
                t[i] = t[j];
                t[j] = x;
            }
    return t[2];
}

long bench_maxrss_mb(void)
{
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    return ru.ru_maxrss / 1024;
}

void bench_noise(float *x, size_t n, unsigned seed)
{
    unsigned long long s = 0x9E3779B97F4A7C15ULL ^ seed;
    for (size_t i = 0; i < n; i++) {
        s ^= s << 13;
        s ^= s >> 7;
        s ^= s << 17;
        x[i] = (float)((double)(s >> 11) / 9007199254740992.0 - 0.5);
    }
}

static void machine(void)
{
    FILE *f = fopen("/proc/cpuinfo", "r");
    char line[512], model[256] = "unknown";
    double mhz = 0.0;
    while (f && fgets(line, sizeof line, f)) {
        char *c = strchr(line, ':');
        if (!c)
            continue;
        if (!strncmp(line, "model name", 10) && !strcmp(model, "unknown")) {
            snprintf(model, sizeof model, "%s", c + 2);
            model[strcspn(model, "\n")] = 0;
        }
        if (!strncmp(line, "cpu MHz", 7) && mhz == 0.0)
            mhz = atof(c + 1);
    }
    if (f)
        fclose(f);
    cpu_mhz = mhz;
    const ssm_simd_level level = ssm_simd_active();
    peak_level = ssm_simd_name(level);
    peak_gflops = bench_measure_peak(level);
    printf("machine: %s, %.0f MHz, %ld cores online\n", model, mhz, sysconf(_SC_NPROCESSORS_ONLN));
    printf("kernels run at: %s (build: up to %s)\n", peak_level,
           ssm_simd_name(ssm_simd_compiled()));
    printf("FMA peak per core at that level: %.1f GFLOP/s measured (%.1f flops per cycle at "
           "%.0f MHz; see ssm-bench.c)\n",
           peak_gflops, mhz > 0.0 ? peak_gflops / (mhz * 1e-3) : 0.0, mhz);
#if defined(__SSE__)
    /* Flush denormals to zero, as the engine does around every process
     * call (engine/core/denormal.c): decaying states would otherwise hit
     * microcode assists. */
    _mm_setcsr(_mm_getcsr() | 0x8040u);
    printf("denormals: flush-to-zero + denormals-are-zero (as in the engine)\n");
#endif
    printf("\n");
}

static void bench_peak_section(const bench_opts *o)
{
    bench_peak_table(o, cpu_mhz);
}

static const struct {
    const char *name;
    void (*run)(const bench_opts *);
    int by_default;
} sections[] = {
    {"peak", bench_peak_section, 1},   {"linalg", bench_linalg, 1},     {"diag", bench_diag, 1},
    {"mimo", bench_mimo, 1},           {"partconv", bench_partconv, 1}, {"dplr", bench_dplr, 1},
    {"selective", bench_selective, 1}, {"proc", bench_proc, 1},         {"plan", bench_plan, 1},
    {"host", bench_host, 0},
};
enum { N_SECTIONS = sizeof sections / sizeof sections[0] };

static int usage(const char *argv0)
{
    fprintf(stderr,
            "usage: %s [--quick] [--seconds S] [--repeats R] [--block N] [--uri URI] "
            "[SECTION...]\nsections:",
            argv0);
    for (int i = 0; i < N_SECTIONS; i++)
        fprintf(stderr, " %s", sections[i].name);
    fprintf(stderr, " (none: all but host)\n");
    return 2;
}

int main(int argc, char **argv)
{
    bench_opts o = {
        .seconds = 2.0, .repeats = 5, .block = 64, .uri = "http://lv2plug.in/plugins/eg-amp"};
    int want[N_SECTIONS] = {0}, any = 0;
    for (int i = 1; i < argc && argv[i]; i++) {
        const char *a = argv[i];
        const char *v = i + 1 < argc ? argv[i + 1] : NULL;
        if (!strcmp(a, "--quick")) {
            o.quick = 1;
        } else if (!strcmp(a, "--seconds") && v) {
            o.seconds = atof(v), i++;
        } else if (!strcmp(a, "--repeats") && v) {
            o.repeats = atoi(v), i++;
        } else if (!strcmp(a, "--block") && v) {
            o.block = (unsigned)strtoul(v, NULL, 10), i++;
        } else if (!strcmp(a, "--uri") && v) {
            o.uri = v, i++;
        } else {
            int k = 0;
            while (k < N_SECTIONS && strcmp(a, sections[k].name) != 0)
                k++;
            if (k == N_SECTIONS)
                return usage(argv[0]);
            want[k] = any = 1;
        }
    }
    if (!(o.seconds > 0.0) || o.repeats < 1 || o.block < 1 || o.block > 65536)
        return usage(argv[0]);
    if (o.quick && o.seconds > 0.25)
        o.seconds = 0.25;
    machine();
    for (int k = 0; k < N_SECTIONS; k++)
        if (any ? want[k] : sections[k].by_default)
            sections[k].run(&o);
    printf("peak memory (ru_maxrss): %ld MB\n", bench_maxrss_mb());
    return 0;
}
