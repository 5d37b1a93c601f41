#include <pthread.h>

#include "fft_lock.h"

static pthread_mutex_t planner = PTHREAD_MUTEX_INITIALIZER;

void ssm_fftw_planner_lock(void)
{
    pthread_mutex_lock(&planner);
}

void ssm_fftw_planner_unlock(void)
{
    pthread_mutex_unlock(&planner);
}
