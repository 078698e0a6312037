/*
 * target: the kind-independent part (see target.h).
 */
#include <stdio.h>

#include "harness/common/errcode.h"
#include "harness/targets/target.h"
#include "harness/targets/target_rfc2136.h"

int target_create(target_t **out, const scen_target_t *cfg, char *err, size_t errlen)
{
    switch (cfg->kind) {
    case TARGET_POWERDNS:
        return target_pdns_create(out, cfg, err, errlen);
    case TARGET_EXEC:
        return target_exec_create(out, cfg, err, errlen);
    case TARGET_RFC2136:
        return target_rfc2136_create(out, cfg, err, errlen);
    case TARGET_HTTP:
        return target_http_create(out, cfg, err, errlen);
    default:
        snprintf(err, errlen, "[target %s]: this target type is not implemented yet",
                 cfg->name);
        return DP_EUSAGE;
    }
}
