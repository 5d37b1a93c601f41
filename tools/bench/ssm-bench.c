/* ssm-bench: every benchmark of the project in one program, by section.
 *
 *   ssm-bench [--quick] [--seconds S] [--repeats R] [--block N] [--uri URI]
 *             [SECTION...]            (no section: all but host)
 *
 * Sections:
 *   diag       S4D/DSS diagonal bank: step, chunked FFT, chunked scan (bench_lti.c)
 *   mimo       S5/LRU MIMO bank: step and chunked scan (bench_lti.c)
 *   partconv   10 s partitioned convolution at 64-sample latency, beside
 *              zita-convolver when built with it (bench_lti.c)
 *   dplr       S4-DPLR, Liquid-S4, S4ND (bench_lti.c)
 *   selective  Mamba, the selective scan, SSD, Hyena, H3, GSS
 *              (bench_selective.c)
 *   proc       the engine's built-in processors, streaming against offline
 *              (bench_engine.c)
 *   host       the LV2 host's overhead around a plugin, default eg-amp
 *              (bench_engine.c; needs the plugin installed)
 *
 * Results go to docs/benchmarks.md with the machine line this prints.
 *
 * FMA peak, the one definition every section uses: the clock (/proc/cpuinfo
 * "cpu MHz", the nominal clock inside a VM) times the flops per cycle of
 * the SIMD level the kernels' target_clones dispatch picks on this CPU:
 *   AVX-512:   2 FMA units x 16 lanes x 2 flops = 64 per cycle
 *   AVX2+FMA:  2 FMA units x  8 lanes x 2 flops = 32 per cycle
 *   SSE2:      one 4-lane multiply and one 4-lane add = 8 per cycle
 * Two 512-bit FMA units is an upper bound: whether a CPU has them is not
 * visible from inside a VM, and some (AMD Zen 4, some Xeons) run 512-bit
 * FMAs at the 256-bit rate, which halves the AVX-512 figure.
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

static double peak_gflops;
static const char *peak_level = "SSE2";

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
    double per_cycle = 8.0;
#if defined(__x86_64__) || defined(__i386__)
    __builtin_cpu_init();
    if (__builtin_cpu_supports("avx512f"))
        per_cycle = 64.0, peak_level = "AVX-512";
    else if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma"))
        per_cycle = 32.0, peak_level = "AVX2+FMA";
#endif
    peak_gflops = mhz * 1e-3 * per_cycle;
    printf("machine: %s, %.0f MHz, %ld cores online\n", model, mhz, sysconf(_SC_NPROCESSORS_ONLN));
    printf("FMA peak per core: %.1f GFLOP/s (%s: %.0f flops per cycle; see ssm-bench.c)\n",
           peak_gflops, peak_level, per_cycle);
#if defined(__SSE__)
    /* Flush denormals to zero, as the engine does around every process
     * call (engine/core/denormal.c): decaying states would otherwise hit
     * microcode assists. */
    _mm_setcsr(_mm_getcsr() | 0x8040u);
    printf("denormals: flush-to-zero + denormals-are-zero (as in the engine)\n");
#endif
    printf("\n");
}

static const struct {
    const char *name;
    void (*run)(const bench_opts *);
    int by_default;
} sections[] = {
    {"diag", bench_diag, 1}, {"mimo", bench_mimo, 1},           {"partconv", bench_partconv, 1},
    {"dplr", bench_dplr, 1}, {"selective", bench_selective, 1}, {"proc", bench_proc, 1},
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
