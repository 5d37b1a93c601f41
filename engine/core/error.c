#include <stdarg.h>
#include <stdio.h>

#include "ssm/ssmaudio.h"

void ssm_error_set(ssm_error *err, ssm_status status, const char *fmt, ...)
{
    if (!err)
        return;
    err->status = status;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err->message, sizeof err->message, fmt, ap);
    va_end(ap);
}
