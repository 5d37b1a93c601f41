/* ssm-info: what a model file holds, which processor types the engine has,
 * and whether an LV2 plugin is installed.
 *
 *   ssm-info MODEL.safetensors...   tensors (name, shape) and metadata
 *   ssm-info --types                built-in processor types and parameters
 *   ssm-info --has-plugin URI       exit 0 if the LV2 plugin is installed
 */
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "cli_number.h"
#include "ssm/lv2host.h"
#include "ssm/model.h"
#include "ssm/resample.h"

static int show_model(const char *path, double rate)
{
    ssm_error err = {0};
    ssm_model *m = ssm_model_load(path, &err);
    if (!m) {
        fprintf(stderr, "ssm-info: %s\n", err.message);
        return 1;
    }
    size_t total = 0;
    printf("%s: %zu tensors\n", path, ssm_model_n_tensors(m));
    for (size_t i = 0; i < ssm_model_n_tensors(m); i++) {
        const ssm_tensor *t = ssm_model_tensor_at(m, i);
        char shape[96];
        size_t at = 0;
        at += (size_t)snprintf(shape, sizeof shape, "[");
        for (uint32_t d = 0; d < t->ndim && at < sizeof shape; d++)
            at += (size_t)snprintf(shape + at, sizeof shape - at, "%s%llu", d ? ", " : "",
                                   (unsigned long long)t->shape[d]);
        if (at < sizeof shape)
            snprintf(shape + at, sizeof shape - at, "]");
        printf("  %-40s %-20s %zu\n", t->name, shape, t->numel);
        total += t->numel;
    }
    printf("  %zu parameters (%.1f KiB as float32)\n", total, (double)total * 4.0 / 1024.0);
    static const char *keys[] = {"ssm.format_version", "ssm.architecture", "ssm.sample_rate",
                                 "ssm.rediscretize",   "ssm.provenance",   "ssm.license"};
    printf("metadata:\n");
    for (size_t i = 0; i < sizeof keys / sizeof keys[0]; i++) {
        const char *v = ssm_model_meta(m, keys[i]);
        if (v)
            printf("  %-20s %s\n", keys[i], v);
    }
    char why[512];
    double inner;
    if (ssm_rate_choose(m, rate, &inner, why, sizeof why) == SSM_RATE_INVALID) {
        fprintf(stderr, "ssm-info: %s\n", why);
        ssm_model_destroy(m);
        return 1;
    }
    printf("at %g Hz: %s\n", rate, why);
    ssm_model_destroy(m);
    return 0;
}

static void show_types(void)
{
    for (const char *const *t = ssm_processor_types(); *t; t++) {
        ssm_error err = {0};
        ssm_processor *p = ssm_processor_create(&(ssm_processor_desc){.type = *t}, &err);
        printf("%s\n", *t);
        if (!p) {
            printf("  (needs a model file: %s)\n", err.message);
            continue;
        }
        for (uint32_t i = 0; i < ssm_processor_n_params(p); i++) {
            const ssm_param_info *pi = ssm_processor_param_info(p, i);
            printf("  %-16s %-7s %g..%g (default %g) %s  %s\n", pi->symbol,
                   pi->dir == SSM_PARAM_INPUT ? "in" : "out", pi->min, pi->max, pi->def, pi->unit,
                   pi->name);
        }
        ssm_processor_destroy(p);
    }
}

int main(int argc, char **argv)
{
    static const struct option opts[] = {{"types", no_argument, NULL, 't'},
                                         {"has-plugin", required_argument, NULL, 'P'},
                                         {"rate", required_argument, NULL, 'r'},
                                         {"help", no_argument, NULL, 'h'},
                                         {NULL, 0, NULL, 0}};
    int c, did = 0;
    double rate = 48000;
    while ((c = getopt_long(argc, argv, "tr:h", opts, NULL)) != -1) {
        switch (c) {
        case 't':
            show_types();
            did = 1;
            break;
        case 'r': {
            char why[256];
            if (cli_real("--rate", optarg, 1000, 768000, &rate, why, sizeof why) != 0) {
                fprintf(stderr, "ssm-info: %s\n", why);
                return 2;
            }
            break;
        }
        case 'P': {
            ssm_error err = {0};
            ssm_lv2_world *w = ssm_lv2_world_create(&err);
            int has = w && ssm_lv2_world_has_plugin(w, optarg);
            ssm_lv2_world_destroy(w);
            printf("%s: %s\n", optarg, has ? "installed" : "not installed");
            return has ? 0 : 1;
        }
        case 'h':
            printf("usage: ssm-info [--rate R] MODEL.safetensors...\n"
                   "       ssm-info --types\n"
                   "       ssm-info --has-plugin URI\n");
            return 0;
        default:
            return 2;
        }
    }
    int rc = 0;
    for (int i = optind; i < argc; i++) {
        rc |= show_model(argv[i], rate);
        did = 1;
    }
    if (!did) {
        fprintf(stderr, "usage: ssm-info [--rate R] MODEL.safetensors... | --types | "
                        "--has-plugin URI\n");
        return 2;
    }
    return rc;
}
