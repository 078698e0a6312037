/*
 * nsdiscover: [nameserver X] discover = ZONE made into one nameserver per
 * address of ZONE's nameservers (scenario.h scenario_discover).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness/common/errcode.h"
#include "harness/common/vec.h"
#include "harness/scenario/scenario.h"
#include "probes/discover.h"

/* Where to ask: discover_from, else the first primary's address. */
static const char *ask_whom(const scenario_t *sc, const scen_ns_t *n)
{
    if (n->discover_from != NULL)
        return n->discover_from;
    for (size_t i = 0; i < sc->nns; i++) {
        if (sc->ns[i].role == NS_PRIMARY && sc->ns[i].addr.len != 0)
            return sc->ns[i].addr.text;
    }
    return NULL;
}

/* The endpoints of d in place of sc->ns[at] (whose strings they copy). */
static int splice(scenario_t *sc, size_t at, const discover_t *d, const char *zone)
{
    scen_ns_t t = sc->ns[at];
    size_t tail = sc->nns - at - 1;
    int ret = 0;

    if (VEC_RESERVE(sc->ns, sc->capns, sc->nns + d->n) < 0)
        return -ENOMEM;
    memmove(&sc->ns[at + d->n], &sc->ns[at + 1], tail * sizeof(scen_ns_t));
    for (size_t k = 0; k < d->n; k++) {
        scen_ns_t *e = &sc->ns[at + k];
        memset(e, 0, sizeof(*e));
        e->name = strdup(d->eps[k].name);
        e->addr = d->eps[k].addr;
        e->role = t.role;
        e->line = t.line;
        e->target = t.target != NULL ? strdup(t.target) : NULL;
        e->group = strdup(d->eps[k].ns_name);
        e->discovered = strdup(zone);
        e->v6 = d->eps[k].v6;
        if (e->name == NULL || e->group == NULL || e->discovered == NULL ||
            (t.target != NULL && e->target == NULL))
            ret = -ENOMEM;
    }
    sc->nns += d->n - 1;
    free(t.name);
    free(t.target);
    free(t.discover);
    free(t.discover_from);
    return ret;
}

int scenario_discover(scenario_t *sc, char *err, size_t errlen)
{
    size_t i = 0;

    while (i < sc->nns) {
        scen_ns_t *n = &sc->ns[i];
        char why[512];
        discover_t d;
        const char *from = ask_whom(sc, n);
        char *zone;
        int ret;

        if (n->discover == NULL) {
            i++;
            continue;
        }
        if (from == NULL) {
            snprintf(err, errlen,
                     "%s:%d: [nameserver %s] discover: no server to ask (give "
                     "discover_from, or a [nameserver] with role = primary)",
                     sc->path, n->line, n->name);
            return DP_EPARSE;
        }
        ret = discover_zone(n->discover, from, n->discover_port ? n->discover_port : 53,
                            &d, why, sizeof(why));
        if (ret < 0) {
            snprintf(err, errlen, "%s:%d: [nameserver %s] discover: %s", sc->path,
                     n->line, n->name, why);
            return ret;
        }
        for (size_t k = 0; k < d.nnoaddr; k++) {
            char **slot = VEC_PUSH(sc->noaddr, sc->nnoaddr, sc->capnoaddr);
            if (slot == NULL || (*slot = strdup(d.noaddr[k])) == NULL) {
                discover_free(&d);
                return -ENOMEM;
            }
        }
        zone = strdup(n->discover);
        ret = zone != NULL ? splice(sc, i, &d, zone) : -ENOMEM;
        i += d.n;
        free(zone);
        discover_free(&d);
        if (ret < 0) {
            snprintf(err, errlen, "out of memory");
            return ret;
        }
    }
    return 0;
}
