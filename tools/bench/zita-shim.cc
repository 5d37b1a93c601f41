// A C shim over zita-convolver, compiled only into ssm-bench so the bench
// can run it side by side with ssm_partconv on the same filter and block.
#include <cstring>
#include <sched.h>
#include <zita-convolver.h>

extern "C" {

struct zshim {
    Convproc proc;
    unsigned block;
};

// Returns nullptr when zita refuses the configuration or cannot start its
// worker threads.
zshim *zshim_create(const float *filter, unsigned length, unsigned block, unsigned maxpart)
{
    zshim *z = new zshim;
    z->block = block;
    if (z->proc.configure(1, 1, length, block, block, maxpart, 0.0f) ||
        z->proc.impdata_create(0, 0, 1, const_cast<float *>(filter), 0, (int)length) ||
        z->proc.start_process(0, SCHED_OTHER)) {
        delete z;
        return nullptr;
    }
    return z;
}

// One block: in[block] -> out[block] (sync mode: waits for late levels).
void zshim_process(zshim *z, const float *in, float *out)
{
    std::memcpy(z->proc.inpdata(0), in, z->block * sizeof(float));
    z->proc.process(true);
    std::memcpy(out, z->proc.outdata(0), z->block * sizeof(float));
}

void zshim_destroy(zshim *z)
{
    z->proc.stop_process();
    z->proc.cleanup();
    delete z;
}
}
