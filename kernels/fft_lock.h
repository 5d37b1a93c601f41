/* One process-wide lock around FFTW's planner (not thread-safe) for the
 * files here that plan FFTW directly (DPLR kernel IFFT in double, 2-D
 * transforms). Internal to kernels/. */
#ifndef SSM_FFT_LOCK_H
#define SSM_FFT_LOCK_H

void ssm_fftw_planner_lock(void);
void ssm_fftw_planner_unlock(void);

#endif
