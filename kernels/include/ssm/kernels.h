/* ssmaudio kernels: one header per family, gathered here. */
#ifndef SSM_KERNELS_H
#define SSM_KERNELS_H

#include "ssm/common.h"
#include "ssm/activations.h"
#include "ssm/linalg.h"
#include "ssm/diag.h"
#include "ssm/fftconv.h"
#include "ssm/s4d.h"
#include "ssm/mamba.h"
#include "ssm/ssd.h"

#endif
