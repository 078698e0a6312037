/*
 * target_http: templated REST calls (OpenStack Designate, PowerDNS, ...).
 * Placeholder until the full implementation lands: refuses to start.
 */
#include <stdio.h>

#include "harness/errcode.h"
#include "harness/target.h"

int target_http_create(target_t **out, const scen_target_t *cfg, char *err, size_t errlen)
{
    (void)out;
    snprintf(err, errlen, "[target %s] type: the http target is not implemented yet",
             cfg->name);
    return DP_EUSAGE;
}
