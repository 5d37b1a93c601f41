/* ssm-bench section plan: what the offline plan (ssm_diag_plan_offline)
 * picks for the diagonal banks the built-in processors run, at the blocks
 * the proc section times, under both rigors. The shapes are the
 * processors' own: the resonator's 1 x 64 modes and the reverb's 2 x 1024
 * (input-weighted banks, one call per host block), the denoiser's S4D
 * layers 128 channels x 16 modes at its 48-sample hop (output-weighted,
 * block / 48 + 1 frames a call at most, as the graph sizes them). */
#include <stdio.h>

#include "bench.h"
#include "ssm/diag.h"

static const char *method_name(ssm_diag_method m)
{
    return m == SSM_DIAG_FFT ? "chunked FFT" : m == SSM_DIAG_SCAN ? "chunked scan" : "step";
}

static void print_plan(ssm_diag_plan p)
{
    if (p.method == SSM_DIAG_STEP)
        printf(" step |");
    else
        printf(" %s, chunk %zu, step below %zu |", method_name(p.method), p.chunk, p.min_block);
}

void bench_plan(const bench_opts *o)
{
    (void)o;
    static const struct {
        const char *name;
        size_t channels, modes, hop;
        ssm_diag_weighting weighting;
    } banks[] = {
        {"resonator", 1, 64, 1, SSM_DIAG_WEIGHT_INPUT},
        {"reverb (stereo)", 2, 1024, 1, SSM_DIAG_WEIGHT_INPUT},
        {"denoise: each S4D layer", 128, 16, 48, SSM_DIAG_WEIGHT_OUTPUT},
    };
    static const size_t blocks[] = {64, 128, 8192};
    printf("== offline plan of the processors' diagonal banks (ssm_diag_plan_offline) ==\n");
    printf("| bank | channels x modes | host block | samples a call | ESTIMATE | MEASURE |\n");
    printf("|---|---|---|---|---|---|\n");
    for (size_t i = 0; i < sizeof banks / sizeof banks[0]; i++)
        for (size_t b = 0; b < sizeof blocks / sizeof blocks[0]; b++) {
            const size_t n = banks[i].hop == 1 ? blocks[b] : blocks[b] / banks[i].hop + 1;
            printf("| %s | %zu x %zu | %zu | %zu |", banks[i].name, banks[i].channels,
                   banks[i].modes, blocks[b], n);
            print_plan(ssm_diag_plan_offline(banks[i].channels, banks[i].modes,
                                             banks[i].weighting, n, SSM_PLAN_ESTIMATE));
            print_plan(ssm_diag_plan_offline(banks[i].channels, banks[i].modes,
                                             banks[i].weighting, n, SSM_PLAN_MEASURE));
            printf("\n");
        }
    printf("\n");
}
