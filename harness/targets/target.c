/*
 * target: the table of kinds and the kind-independent part of a
 * [target NAME] section: its type, its TSIG key, the keys shared by the
 * HTTP API kinds, and the dispatch of every other key to its kind (see
 * target.h).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness/common/errcode.h"
#include "harness/common/fsutil.h"
#include "harness/targets/target.h"

/* The kinds, in the order `unknown target type` lists them; the first is
 * the kind of a section without `type =`. */
static const target_kind_t *const kinds[] = {
    &target_kind_powerdns,
    &target_kind_rfc2136,
    &target_kind_http,
    &target_kind_exec,
};

#define NKINDS (sizeof(kinds) / sizeof(kinds[0]))

static const char *const op_names[OP_KINDS] = {"zone_create",   "zone_update",
                                               "zone_delete",   "record_create",
                                               "record_update", "record_delete"};

const char *op_kind_str(op_kind_t kind)
{
    return (unsigned)kind < OP_KINDS ? op_names[kind] : "unknown";
}

int op_kind_from_str(const char *s, op_kind_t *out)
{
    int i;

    for (i = 0; i < OP_KINDS; i++) {
        if (strcmp(s, op_names[i]) == 0) {
            *out = (op_kind_t)i;
            return 0;
        }
    }
    return DP_EPARSE;
}

static const char *const claim_names[] = {"none", "in_sync", "failed", "timeout",
                                          "cancelled"};

const char *target_claim_str(target_claim_t c)
{
    return (unsigned)c <= TARGET_CLAIM_CANCELLED ? claim_names[c] : "none";
}

target_claim_t target_claim_from_str(const char *s)
{
    unsigned i;

    for (i = 0; s != NULL && i <= TARGET_CLAIM_CANCELLED; i++)
        if (strcmp(s, claim_names[i]) == 0)
            return (target_claim_t)i;
    return TARGET_CLAIM_NONE;
}

int target_watch_create(target_watch_t **out, const target_conf_t *cfg, double timeout,
                        target_claim_fn cb, void *arg, char *err, size_t errlen)
{
    *out = NULL;
    if (cfg->kind == NULL || cfg->kind->watch_create == NULL)
        return DP_EEMPTY;
    return cfg->kind->watch_create(out, cfg, timeout, cb, arg, err, errlen);
}

const target_kind_t *target_kind_find(const char *name)
{
    size_t i;

    for (i = 0; i < NKINDS; i++)
        if (strcmp(kinds[i]->name, name) == 0)
            return kinds[i];
    return NULL;
}

int target_set_str(char **dst, const char *v)
{
    char *s = strdup(v);

    if (s == NULL)
        return -ENOMEM;
    free(*dst);
    *dst = s;
    return 0;
}

int target_read_key_file(char **dst, const char *path, char *err, size_t errlen)
{
    char buf[4096];
    char why[256];
    int ret = fsutil_read_secret(path, buf, sizeof(buf), why, sizeof(why));

    if (ret == -ENOMEM)
        return ret;
    if (ret < 0) {
        snprintf(err, errlen, "cannot read %s: %s", path, why);
        return DP_EPARSE;
    }
    ret = target_set_str(dst, buf);
    memset(buf, 0, sizeof(buf));
    return ret;
}

/* ---- the HTTP API keys ------------------------------------------------------- */

int target_api_conf_key(target_api_conf_t *a, const char *key, const char *value,
                        char *err, size_t errlen)
{
    if (strcmp(key, "url") == 0)
        return target_set_str(&a->url, value);
    if (strcmp(key, "api_key") == 0)
        return target_set_str(&a->api_key, value);
    if (strcmp(key, "api_key_file") == 0)
        return target_read_key_file(&a->api_key, value, err, errlen);
    if (strcmp(key, "catalog") == 0)
        return target_set_str(&a->catalog, value);
    return DP_EEMPTY;
}

const char *target_api_conf_get(const target_api_conf_t *a, const char *key)
{
    if (strcmp(key, "url") == 0)
        return a->url;
    if (strcmp(key, "api_key") == 0)
        return a->api_key;
    if (strcmp(key, "catalog") == 0)
        return a->catalog;
    return NULL;
}

void target_api_conf_clear(target_api_conf_t *a)
{
    free(a->url);
    free(a->api_key);
    free(a->catalog);
    memset(a, 0, sizeof(*a));
}

/* ---- a section ------------------------------------------------------------------ */

int target_conf_init(target_conf_t *tc, const char *name)
{
    memset(tc, 0, sizeof(*tc));
    tc->name = strdup(name);
    return tc->name != NULL ? 0 : -ENOMEM;
}

/* "powerdns, rfc2136, http, exec" */
static void kind_names(char *out, size_t outlen)
{
    size_t o = 0;
    size_t i;

    out[0] = '\0';
    for (i = 0; i < NKINDS && o < outlen; i++)
        o += (size_t)snprintf(out + o, outlen - o, "%s%s", i > 0 ? ", " : "",
                              kinds[i]->name);
}

int target_conf_set_kind(target_conf_t *tc, const char *type, char *err, size_t errlen)
{
    const target_kind_t *k = type != NULL ? target_kind_find(type) : kinds[0];
    char names[128];

    if (k == NULL) {
        kind_names(names, sizeof(names));
        snprintf(err, errlen, "unknown target type '%s' (%s)", type, names);
        return DP_EPARSE;
    }
    if (tc->kind == k)
        return 0;
    if (tc->kind != NULL) {
        snprintf(err, errlen, "'%s': [target %s] is of type %s already", type, tc->name,
                 tc->kind->name);
        return DP_EPARSE;
    }
    tc->conf = calloc(1, k->conf_size > 0 ? k->conf_size : 1);
    if (tc->conf == NULL)
        return -ENOMEM;
    tc->kind = k;
    return 0;
}

bool target_conf_keeps(const target_conf_t *tc, const char *key, const char *var)
{
    return tc->kind != NULL && tc->kind->keeps != NULL && tc->kind->keeps(key, var);
}

/* tsig_key, tsig_key_file: any kind's, unless it has no use for them. */
static int tsig_key(target_conf_t *tc, const char *key, const char *value, char *err,
                    size_t errlen)
{
    if (!tc->kind->tsig) {
        snprintf(err, errlen, "not used by %s targets", tc->kind->name);
        return DP_EPARSE;
    }
    if (strcmp(key, "tsig_key") == 0)
        return target_set_str(&tc->tsig, value);
    return target_read_key_file(&tc->tsig, value, err, errlen);
}

int target_conf_key(target_conf_t *tc, const char *key, const char *value, char *err,
                    size_t errlen)
{
    int ret;

    if (strcmp(key, "tsig_key") == 0 || strcmp(key, "tsig_key_file") == 0)
        return tsig_key(tc, key, value, err, errlen);
    err[0] = '\0';
    ret = tc->kind->conf_key(tc->conf, key, value, err, errlen);
    if (ret == DP_EEMPTY) {
        snprintf(err, errlen, "unknown key (type, %s%s)", tc->kind->keys,
                 tc->kind->tsig ? ", tsig_key, tsig_key_file" : "");
        ret = DP_EPARSE;
    }
    return ret;
}

int target_conf_check(const target_conf_t *tc, const char **key, char *err, size_t errlen)
{
    if (tc->kind == NULL || tc->kind->conf_check == NULL)
        return 0;
    return tc->kind->conf_check(tc->conf, key, err, errlen);
}

const char *target_conf_get(const target_conf_t *tc, const char *key)
{
    if (strcmp(key, "type") == 0)
        return tc->kind != NULL ? tc->kind->name : NULL;
    if (strcmp(key, "tsig_key") == 0)
        return tc->tsig;
    if (tc->kind == NULL || tc->kind->conf_get == NULL)
        return NULL;
    return tc->kind->conf_get(tc->conf, key);
}

void target_conf_clear(target_conf_t *tc)
{
    if (tc->kind != NULL && tc->conf != NULL && tc->kind->conf_clear != NULL)
        tc->kind->conf_clear(tc->conf);
    free(tc->conf);
    free(tc->name);
    free(tc->tsig);
    memset(tc, 0, sizeof(*tc));
}

int target_create(target_t **out, const target_conf_t *cfg, char *err, size_t errlen)
{
    *out = NULL;
    if (cfg->kind == NULL) {
        snprintf(err, errlen, "[target %s]: no type", cfg->name);
        return DP_EUSAGE;
    }
    return cfg->kind->create(out, cfg, err, errlen);
}
