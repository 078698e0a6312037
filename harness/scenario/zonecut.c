/*
 * zonecut: where a zone's RRsets are answered from (see zonecut.h).
 *
 * The cuts are the zone's non-apex NS RRsets, sorted by owner (strcmp on
 * the canonical text: only equality matters), so that each ancestor of a
 * name is one binary search. Ancestors are found on the text, label by
 * label, stepping over RFC 1035 section 5.1 escapes ("\." and "\DDD" are
 * inside a label).
 */
#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "harness/scenario/zonecut.h"
#include "harness/scenario/zonesync.h"
#include "probes/rdata.h"

/* At most 127 labels in a 255-octet name (RFC 1035 section 3.1). */
#define ZC_MAX_LABELS 128

struct zs_cuts {
    const zs_rrset_t **ns; /* the cuts' NS RRsets, by owner */
    size_t n;
    const char *origin;
};

static int by_name(const void *a, const void *b)
{
    const zs_rrset_t *const *x = a;
    const zs_rrset_t *const *y = b;

    return strcmp((*x)->name, (*y)->name);
}

int zs_cuts_build(const zs_zone_t *z, zs_cuts_t **out)
{
    zs_cuts_t *c = calloc(1, sizeof(*c));
    size_t i;

    *out = NULL;
    if (c == NULL)
        return -ENOMEM;
    c->origin = z->origin != NULL ? z->origin : ".";
    c->ns = calloc(z->n + 1, sizeof(*c->ns));
    if (c->ns == NULL) {
        free(c);
        return -ENOMEM;
    }
    for (i = 0; i < z->n; i++) {
        if (z->sets[i].type == RDATA_T_NS && strcmp(z->sets[i].name, c->origin) != 0)
            c->ns[c->n++] = &z->sets[i];
    }
    qsort(c->ns, c->n, sizeof(*c->ns), by_name);
    *out = c;
    return 0;
}

void zs_cuts_free(zs_cuts_t *c)
{
    if (c == NULL)
        return;
    free(c->ns);
    free(c);
}

/* The NS RRset of the cut named exactly s, or NULL. */
static const zs_rrset_t *cut_at(const zs_cuts_t *c, const char *s)
{
    size_t lo = 0;
    size_t hi = c->n;

    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        int k = strcmp(c->ns[mid]->name, s);
        if (k == 0)
            return c->ns[mid];
        if (k < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    return NULL;
}

/* The start of the label after the one at p ("" at the root). */
static const char *next_label(const char *p)
{
    while (*p != '\0' && *p != '.') {
        if (*p == '\\' && p[1] != '\0')
            p++; /* "\." and the first digit of "\DDD": the rest are digits */
        p++;
    }
    return *p == '.' ? p + 1 : p;
}

/* The suffixes of name strictly longer than the origin, name first;
 * returns how many (0 when name is not under the origin). */
static size_t ancestors(const char *name, const char *origin,
                        const char *out[ZC_MAX_LABELS])
{
    size_t n = 0;
    const char *p = name;

    while (*p != '\0' && strcmp(p, origin) != 0 && n < ZC_MAX_LABELS) {
        out[n++] = p;
        p = next_label(p);
    }
    if (strcmp(p, origin) != 0)
        return 0; /* not in the zone ("." is reached as "") */
    return n;
}

static bool names_ns(const zs_rrset_t *ns, const char *name)
{
    for (size_t i = 0; i < ns->nvalues; i++) {
        if (strcmp(ns->values[i], name) == 0)
            return true;
    }
    return false;
}

zs_measure_t zs_cuts_measure(const zs_cuts_t *c, const char *name, unsigned type,
                             const char **cut)
{
    const char *up[ZC_MAX_LABELS];
    size_t n = ancestors(name, strcmp(c->origin, ".") == 0 ? "" : c->origin, up);
    bool addr = type == RDATA_T_A || type == RDATA_T_AAAA;

    if (cut != NULL)
        *cut = NULL;
    if (strcmp(name, c->origin) == 0)
        return ZS_BY_ANSWER;
    /* from the apex down: the highest cut decides */
    while (n-- > 0) {
        const zs_rrset_t *ns = cut_at(c, up[n]);
        if (ns == NULL)
            continue;
        if (cut != NULL)
            *cut = ns->name;
        if (n == 0 && type == RDATA_T_NS)
            return ZS_BY_REFERRAL;
        if (n == 0 && type == RDATA_T_DS) {
            if (cut != NULL)
                *cut = NULL;
            return ZS_BY_ANSWER; /* the parent's side of the cut */
        }
        return addr && names_ns(ns, name) ? ZS_BY_GLUE : ZS_BY_SERIAL;
    }
    return ZS_BY_ANSWER;
}

const char *zs_measure_str(zs_measure_t m)
{
    static const char *const s[ZS_BY_COUNT] = {"answer", "referral", "glue", "serial"};

    return (unsigned)m < ZS_BY_COUNT ? s[m] : "?";
}

/* ---- the plan's account ------------------------------------------------------- */

void zs_cuts_note(FILE *f, const zs_plan_t *plan, const zs_change_t *ch)
{
    const char *cut = NULL;

    switch (zs_plan_measure(plan, ch, &cut)) {
    case ZS_BY_REFERRAL:
        fputs("  [delegation: measured by the referral's NS set]", f);
        break;
    case ZS_BY_GLUE:
        fprintf(f, "  [glue of %s: measured by the referral's additional section]", cut);
        break;
    case ZS_BY_SERIAL:
        fprintf(f, "  [occluded below %s: measured by the zone's SOA serial]", cut);
        break;
    default:
        break;
    }
}

void zs_cuts_print(FILE *f, const zs_plan_t *plan)
{
    const zs_zone_t *z = plan->want;
    size_t count[ZS_BY_COUNT] = {0};
    size_t i;

    if (z == NULL || plan->want_cuts == NULL || plan->want_cuts->n == 0)
        return;
    for (i = 0; i < z->n; i++)
        count[zs_cuts_measure(plan->want_cuts, z->sets[i].name, z->sets[i].type, NULL)]++;
    fprintf(f,
            "below zone cuts (RFC 1034 4.2.1; servers answer with a referral): "
            "%zu delegation%s measured by the referral's NS set, %zu glue RRset%s by "
            "its additional section, %zu occluded RRset%s by the zone's SOA serial\n",
            count[ZS_BY_REFERRAL], count[ZS_BY_REFERRAL] == 1 ? "" : "s",
            count[ZS_BY_GLUE], count[ZS_BY_GLUE] == 1 ? "" : "s", count[ZS_BY_SERIAL],
            count[ZS_BY_SERIAL] == 1 ? "" : "s");
    for (i = 0; i < z->n; i++) {
        const char *cut = NULL;
        char tb[16];
        if (zs_cuts_measure(plan->want_cuts, z->sets[i].name, z->sets[i].type, &cut) ==
            ZS_BY_SERIAL)
            fprintf(f, "    %s %s (occluded below %s)\n", z->sets[i].name,
                    rdata_type_to_str(z->sets[i].type, tb), cut);
    }
}

/* {"count":0,"rrsets":[]} for each way but the answer, under o. */
static int cuts_lists(json_t *o, json_t *lists[ZS_BY_COUNT])
{
    for (int m = ZS_BY_REFERRAL; m < ZS_BY_COUNT; m++) {
        json_t *l = json_pack("{s:i, s:[]}", "count", 0, "rrsets");
        if (l == NULL || json_object_set_new(o, zs_measure_str((zs_measure_t)m), l) < 0)
            return -ENOMEM;
        lists[m] = l;
    }
    return 0;
}

json_t *zs_cuts_json(const zs_plan_t *plan)
{
    const zs_zone_t *z = plan->want;
    json_t *lists[ZS_BY_COUNT] = {NULL};
    json_t *o = json_object();
    int bad = o == NULL || cuts_lists(o, lists) < 0;

    for (size_t i = 0; !bad && z != NULL && plan->want_cuts != NULL && i < z->n; i++) {
        const char *cut = NULL;
        char tb[16];
        char key[RDATA_NAME_TEXT_MAX + 20];
        zs_measure_t m =
            zs_cuts_measure(plan->want_cuts, z->sets[i].name, z->sets[i].type, &cut);
        json_t *l = lists[m];
        if (m == ZS_BY_ANSWER)
            continue;
        snprintf(key, sizeof(key), "%s %s", z->sets[i].name,
                 rdata_type_to_str(z->sets[i].type, tb));
        bad =
            json_array_append_new(json_object_get(l, "rrsets"),
                                  json_pack("{s:s, s:s}", "rrset", key, "cut", cut)) < 0;
        bad = bad ||
              json_object_set_new(
                  l, "count",
                  json_integer(json_integer_value(json_object_get(l, "count")) + 1)) < 0;
    }
    if (bad) {
        json_decref(o);
        return NULL;
    }
    return o;
}
