/* The allocation trap (tests/alloc_trap.h) catches an allocation on an armed
 * thread, and the processor API's process() on the "gain" type makes none. */
#include <stdlib.h>

#include "../alloc_trap.h"
#include "../harness.h"
#include "ssm/ssmaudio.h"

int main(void)
{
    /* The trap must be able to fail: a deliberate malloc while armed. */
    at_arm();
    void *volatile p = malloc(16);
    at_disarm();
    free(p);
    if (getenv("SSM_UNDER_VALGRIND"))
        printf("under valgrind: malloc is valgrind's, the trap is inert (at_active() = %d)\n",
               at_active());
    else
        CHECK(at_violations() == 1, "a malloc while armed is counted (got %d)", at_violations());
    at_reset();

    ssm_error err = {0};
    ssm_processor *g =
        ssm_processor_create(&(ssm_processor_desc){.type = "gain", .n_channels = 2}, &err);
    CHECK(g && ssm_processor_activate(g, 48000.0, 256, &err) == SSM_OK, "gain: %s", err.message);
    if (!g)
        return th_finish("test_alloc_trap");
    static float a[1000], b[1000];
    const float *in[2] = {a, b};
    float *out[2] = {a, b};
    at_arm();
    for (int i = 0; i < 20; i++) {
        ssm_processor_set_param(g, 0, (float)(i % 5));
        ssm_processor_process(g, in, out, 1000); /* split into max_block pieces */
        ssm_processor_reset(g);
    }
    at_disarm();
    CHECK(at_violations() == 0, "gain process/set_param/reset allocated %d times", at_violations());
    printf("allocations inside 20 armed process() calls: %d\n", at_violations());
    ssm_processor_destroy(g);
    return th_finish("test_alloc_trap");
}
