/* ssmaudio kernels: one header per family, gathered here. */
#ifndef SSM_KERNELS_H
#define SSM_KERNELS_H

#include "ssm/common.h"
#include "ssm/simd.h"
#include "ssm/activations.h"
#include "ssm/linalg.h"
#include "ssm/rng.h"
#include "ssm/diag.h"
#include "ssm/fft.h"
#include "ssm/partconv.h"
#include "ssm/s4d.h"
#include "ssm/dss.h"
#include "ssm/mimo.h"
#include "ssm/s5.h"
#include "ssm/lru.h"
#include "ssm/mamba.h"
#include "ssm/ssd.h"
#include "ssm/h3.h"
#include "ssm/hyena.h"
#include "ssm/gss.h"
#include "ssm/eig.h"
#include "ssm/hippo.h"
#include "ssm/s4.h"
#include "ssm/liquid.h"
#include "ssm/s4nd.h"

#endif
