#include "ssm/common.h"

const char *ssm_status_string(ssm_status s)
{
    switch (s) {
    case SSM_OK:
        return "ok";
    case SSM_ERR_NOMEM:
        return "out of memory";
    case SSM_ERR_INVALID:
        return "invalid parameter";
    case SSM_ERR_IO:
        return "input/output error";
    case SSM_ERR_FORMAT:
        return "malformed data";
    case SSM_ERR_UNSUPPORTED:
        return "unsupported";
    }
    return "unknown status";
}
