#include "hs.h"

const char *hs_err_str(hs_err e)
{
    switch (e) {
    case HS_OK:      return "success";
    case HS_EINVAL:  return "invalid argument";
    case HS_ENOMEM:  return "out of memory";
    case HS_ESTATE:  return "wrong state";
    }
    return "unknown error";
}
