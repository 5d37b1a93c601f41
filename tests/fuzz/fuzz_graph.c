/* libFuzzer target for the graph builder (tools/scripts/fuzz-model.sh runs
 * it with clang; every build replays the corpus through it). Any input must
 * load and build or fail with a message; a graph that builds is activated
 * and run over a few blocks in both modes: ASan/UBSan catch any bad access
 * in the parser, a kind's create/activate or its process. */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "net/graph.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    ssm_error err = {0};
    ssm_model *m = ssm_model_load_memory(data, size, "fuzz", &err);
    if (!m)
        return 0;
    ssm_graph *g = ssm_graph_create(m, &err);
    if (!g) {
        if (err.message[0] == '\0' || err.status == SSM_OK)
            abort();
        ssm_model_destroy(m);
        return 0;
    }
    if (ssm_graph_activate(g, 1.0, 64, &err) == SSM_OK) {
        const size_t inputs = ssm_graph_inputs(g);
        float *x = calloc(64 * inputs, sizeof *x), *y = calloc(64 * inputs, sizeof *y);
        if (x && y) {
            for (size_t i = 0; i < 64 * inputs; i++)
                x[i] = (float)sin(0.37 * (double)i);
            static const uint32_t blocks[] = {1, 7, 64, 3, 64};
            for (size_t b = 0; b < sizeof blocks / sizeof blocks[0]; b++) {
                ssm_graph_set_mode(g, b >= 3 ? SSM_MODE_OFFLINE : SSM_MODE_STREAM);
                ssm_graph_process(g, x, y, blocks[b]);
            }
            volatile float sink = y[0];
            for (size_t o = 0; o < ssm_graph_n_outputs(g); o++)
                sink += ssm_graph_meter(g, o);
            (void)sink;
        }
        free(x);
        free(y);
    } else if (err.message[0] == '\0') {
        abort();
    }
    ssm_graph_destroy(g);
    ssm_model_destroy(m);
    return 0;
}
