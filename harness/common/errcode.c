/*
 * errcode: text for dnsprop's error codes (see errcode.h).
 */
#include <string.h>

#include "harness/common/errcode.h"

const char *dp_strerror(int code)
{
    switch (code) {
    case DP_EOK:
        return "success";
    case DP_EPARSE:
        return "parse error";
    case DP_EBADADDR:
        return "bad nameserver address (want IPv4 or IPv6 literal, optional port)";
    case DP_EBADTYPE:
        return "unknown or unsupported record type";
    case DP_EBADVALUE:
        return "value does not parse for its record type";
    case DP_EBADNAME:
        return "bad domain name";
    case DP_EMALFORMED:
        return "malformed DNS message";
    case DP_ECARES:
        return "c-ares failure";
    case DP_ESHUTDOWN:
        return "probe pool is shutting down";
    case DP_EEMPTY:
        return "nothing available";
    case DP_EUSAGE:
        return "usage error";
    case DP_ERANGE:
        return "number out of range";
    default:
        break;
    }
    if (code < 0 && code > DP_ERRBASE) {
        /* strerrordesc_np is thread-safe and glibc >= 2.32 has it. */
        const char *s = strerrordesc_np(-code);
        if (s != NULL)
            return s;
    }
    return "unknown error";
}
