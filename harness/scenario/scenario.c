/*
 * scenario: scenario file parsing (see scenario.h). The keys of a
 * [target NAME] section are its kind's (harness/targets): this file finds
 * the section, expands ${VAR} as the kind says, hands each key over and
 * adds FILE:LINE: [target NAME] key: to what the kind answers.
 */
#include <errno.h>
#include <ini.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "harness/common/buf.h"
#include "harness/common/errcode.h"
#include "harness/common/fsutil.h"
#include "harness/common/numparse.h"
#include "harness/common/quote.h"
#include "harness/common/vec.h"
#include "harness/scenario/scenario.h"
#include "probes/rdata.h"

#define MAX_INCLUDE_DEPTH 4

const char *ns_role_str(ns_role_t role)
{
    return role == NS_PRIMARY     ? "primary"
           : role == NS_SECONDARY ? "secondary"
                                  : "resolver";
}

/* A key of a [target NAME] section given before its type = line: kept
 * until the kind, which reads it, is known. */
typedef struct {
    size_t target; /* index in sc->targets */
    char *section;
    char *key; /* NULL once handed over */
    char *value;
    char *path;
    int line;
} pending_t;

/* A file being read: its text, how far, and who it is (include cycles). */
typedef struct {
    const char *data;
    size_t len;
    size_t pos;
    dev_t dev;
    ino_t ino;
} file_t;

typedef struct {
    scenario_t *sc;
    const char *path; /* the file being read (includes change it) */
    file_t *f;
    int line;
    int depth;
    file_t *open[MAX_INCLUDE_DEPTH + 1]; /* the files being read, outermost first */
    char *err;
    size_t errlen;
    int ret;
    pending_t *pending;
    size_t npending, cappending;
} ctx_t;

__attribute__((format(printf, 4, 5))) static int
fail(ctx_t *c, const char *section, const char *key, const char *fmt, ...)
{
    va_list ap;
    size_t o;

    if (c->ret < 0)
        return 0; /* keep the first error */
    o = (size_t)snprintf(c->err, c->errlen, "%s:%d: [%s] %s: ", c->path, c->line, section,
                         key);
    if (o < c->errlen) {
        va_start(ap, fmt);
        vsnprintf(c->err + o, c->errlen - o, fmt, ap);
        va_end(ap);
    }
    c->ret = DP_EPARSE;
    return 0; /* stop inih */
}

/* ${VAR} from the environment; in a [target NAME] section (tc), those
 * its kind keeps (target_conf_keeps) stay as written. The value may grow
 * to SCENARIO_MAX_VALUE bytes; past that it is an error, never cut. */
static int expand(ctx_t *c, const char *section, const char *key, const char *in,
                  const target_conf_t *tc, char **out)
{
    buf_t b = {NULL, 0, 0, false};
    const char *p = in;
    int ret = 0;

    *out = NULL;
    while (*p != '\0' && b.len <= SCENARIO_MAX_VALUE && !b.oom) {
        const char *end;
        char var[128];
        const char *v;
        if (!(p[0] == '$' && p[1] == '{')) {
            size_t n = strcspn(p + 1, "$") + 1;
            buf_add(&b, p, n);
            p += n;
            continue;
        }
        end = strchr(p, '}');
        if (end == NULL || (size_t)(end - p - 2) >= sizeof(var)) {
            fail(c, section, key, "unterminated ${...} in '%s'", in);
            ret = DP_EPARSE;
            goto out;
        }
        memcpy(var, p + 2, (size_t)(end - p - 2));
        var[end - p - 2] = '\0';
        p = end + 1;
        if (tc != NULL && target_conf_keeps(tc, key, var)) {
            buf_add(&b, "${", 2);
            buf_add(&b, var, strlen(var));
            buf_add(&b, "}", 1);
            continue;
        }
        v = getenv(var);
        if (v == NULL) {
            fail(c, section, key, "environment variable %s is not set", var);
            ret = DP_EPARSE;
            goto out;
        }
        buf_add(&b, v, strlen(v));
    }
    if (b.oom) {
        ret = -ENOMEM;
        fail(c, section, key, "out of memory");
        c->ret = ret;
    } else if (b.len > SCENARIO_MAX_VALUE) {
        ret = DP_EPARSE;
        fail(c, section, key, "the value, ${...} expanded, is over %d bytes: shorten it",
             SCENARIO_MAX_VALUE);
    } else {
        *out = b.p != NULL ? b.p : strdup("");
        b.p = NULL;
        ret = *out == NULL ? -ENOMEM : 0;
    }
out:
    buf_free(&b);
    return ret;
}

static int set_str(ctx_t *c, const char *section, const char *key, const char *v,
                   char **dst)
{
    char *s = NULL;
    int ret = expand(c, section, key, v, NULL, &s);

    if (ret < 0)
        return ret;
    free(*dst);
    *dst = s;
    return 0;
}

static int set_double(ctx_t *c, const char *section, const char *key, const char *v,
                      double min, double max, double *dst)
{
    if (numparse_double(v, min, max, dst) < 0) {
        fail(c, section, key, "'%s' is not a number in [%g, %g]", v, min, max);
        return DP_EPARSE;
    }
    return 0;
}

static int set_u64(ctx_t *c, const char *section, const char *key, const char *v,
                   uint64_t max, uint64_t *dst)
{
    if (numparse_u64(v, max, dst) < 0) {
        fail(c, section, key, "'%s' is not a whole number in [0, %llu]", v,
             (unsigned long long)max);
        return DP_EPARSE;
    }
    return 0;
}

static int set_bool(ctx_t *c, const char *section, const char *key, const char *v,
                    bool *dst)
{
    if (strcasecmp(v, "yes") == 0 || strcasecmp(v, "true") == 0 || strcmp(v, "1") == 0) {
        *dst = true;
    } else if (strcasecmp(v, "no") == 0 || strcasecmp(v, "false") == 0 ||
               strcmp(v, "0") == 0) {
        *dst = false;
    } else {
        fail(c, section, key, "'%s' is neither yes nor no", v);
        return DP_EPARSE;
    }
    return 0;
}

/* Find or add the element named name (its first member) in a growing
 * array of elements of size bytes. */
static void *named(ctx_t *c, void *arr, size_t *n, size_t *cap, size_t size,
                   const char *name)
{
    char *base;
    char *el;
    size_t i;

    memcpy(&base, arr, sizeof(base));
    for (i = 0; i < *n; i++) {
        char *nm;
        memcpy(&nm, base + i * size, sizeof(nm));
        if (strcmp(nm, name) == 0)
            return base + i * size;
    }
    if (vec_reserve(arr, cap, *n + 1, size) < 0 || (el = strdup(name)) == NULL) {
        snprintf(c->err, c->errlen, "%s:%d: out of memory", c->path, c->line);
        c->ret = -ENOMEM;
        return NULL;
    }
    memcpy(&base, arr, sizeof(base));
    memset(base + *n * size, 0, size);
    memcpy(base + *n * size, &el, sizeof(el));
    return base + (*n)++ * size;
}

static int parse_file(ctx_t *c, const char *path, const char *sec, const char *key);

/* A relative include names a file beside the file that includes it, as
 * $INCLUDE does in zone files (RFC 1035 5.1) and Knot's and BIND's
 * include do: the scenario works from any working directory. A scenario
 * read from a pipe (/dev/fd/N, /dev/stdin) has no folder: its relative
 * includes stay relative to the working directory. */
static int beside_includer(const char *includer, char **path)
{
    const char *slash = strrchr(includer, '/');
    size_t dirlen;
    char *p;

    if ((*path)[0] == '/' || slash == NULL || strncmp(includer, "/dev/", 5) == 0 ||
        strncmp(includer, "/proc/", 6) == 0)
        return 0;
    dirlen = (size_t)(slash - includer) + 1;
    p = malloc(dirlen + strlen(*path) + 1);
    if (p == NULL)
        return -ENOMEM;
    memcpy(p, includer, dirlen);
    strcpy(p + dirlen, *path);
    free(*path);
    *path = p;
    return 0;
}
static int on_campaign(ctx_t *c, const char *sec, const char *key, const char *v)
{
    scenario_t *sc = c->sc;
    uint64_t u;

    if (strcmp(key, "name") == 0) {
        if (v[0] == '\0' || strpbrk(v, "/: \t") != NULL)
            return fail(c, sec, key, "'%s': use letters, digits, '-', '_' and '.'", v);
        return set_str(c, sec, key, v, &sc->name);
    }
    if (strcmp(key, "results") == 0)
        return set_str(c, sec, key, v, &sc->results);
    if (strcmp(key, "seed") == 0)
        return set_u64(c, sec, key, v, UINT64_MAX, &sc->seed);
    if (strcmp(key, "api_inflight") == 0) {
        if (set_u64(c, sec, key, v, 1024, &u) < 0 || u == 0)
            return fail(c, sec, key, "'%s' is not in [1, 1024]", v);
        sc->api_inflight = (unsigned)u;
        return 0;
    }
    if (strcmp(key, "cleanup") == 0)
        return set_bool(c, sec, key, v, &sc->cleanup);
    if (strcmp(key, "include") == 0) {
        char *path = NULL;
        const char *saved_path = c->path;
        file_t *saved_f = c->f;
        int saved_line = c->line;
        int ret;
        if (expand(c, sec, key, v, NULL, &path) < 0)
            return 0;
        if (beside_includer(c->path, &path) < 0) {
            free(path);
            c->ret = -ENOMEM;
            return 0;
        }
        if (c->depth >= MAX_INCLUDE_DEPTH) {
            free(path);
            return fail(c, sec, key, "includes nested deeper than %d", MAX_INCLUDE_DEPTH);
        }
        c->depth++;
        ret = parse_file(c, path, sec, key);
        c->depth--;
        c->path = saved_path;
        c->f = saved_f;
        c->line = saved_line;
        free(path);
        return ret;
    }
    return fail(c, sec, key,
                "unknown key (name, results, seed, api_inflight, cleanup, include)");
}

/* key = v of target t, to its kind. */
static int target_key(ctx_t *c, target_conf_t *t, const char *sec, const char *key,
                      const char *v)
{
    char msg[512];
    char *x = NULL;
    int ret;

    if (expand(c, sec, key, v, t, &x) < 0)
        return 0;
    ret = target_conf_key(t, key, x, msg, sizeof(msg));
    free(x);
    if (ret < 0)
        fail(c, sec, key, "%s", ret == -ENOMEM ? "out of memory" : msg);
    if (ret == -ENOMEM)
        c->ret = ret;
    return 0;
}

static void pending_clear(pending_t *p)
{
    free(p->section);
    free(p->key);
    free(p->value);
    free(p->path);
    memset(p, 0, sizeof(*p));
}

/* Keep key = v of target i until its type is known. */
static int defer(ctx_t *c, size_t i, const char *sec, const char *key, const char *v)
{
    pending_t *p = VEC_PUSH(c->pending, c->npending, c->cappending);

    if (p == NULL)
        return fail(c, sec, key, "out of memory");
    p->target = i;
    p->line = c->line;
    p->section = strdup(sec);
    p->key = strdup(key);
    p->value = strdup(v);
    p->path = strdup(c->path);
    if (p->section == NULL || p->key == NULL || p->value == NULL || p->path == NULL)
        return fail(c, sec, key, "out of memory");
    return 0;
}

/* The keys of target i given before its type, to its kind now; an error
 * names each one's own file and line. */
static void replay(ctx_t *c, size_t i)
{
    const char *path = c->path;
    int line = c->line;
    size_t k;

    for (k = 0; k < c->npending; k++) {
        pending_t *p = &c->pending[k];
        if (p->target != i || p->key == NULL)
            continue;
        c->path = p->path;
        c->line = p->line;
        target_key(c, &c->sc->targets[i], p->section, p->key, p->value);
        c->path = path;
        c->line = line;
        pending_clear(p);
    }
}

static int on_target(ctx_t *c, const char *sec, const char *name, const char *key,
                     const char *v)
{
    scenario_t *sc = c->sc;
    target_conf_t *t =
        named(c, &sc->targets, &sc->ntargets, &sc->captargets, sizeof(*t), name);
    char msg[256];
    int ret;

    if (t == NULL)
        return 0;
    if (t->line == 0)
        t->line = c->line;
    if (strcmp(key, "type") == 0) {
        ret = target_conf_set_kind(t, v, msg, sizeof(msg));
        if (ret < 0)
            return fail(c, sec, key, "%s", ret == -ENOMEM ? "out of memory" : msg);
        replay(c, (size_t)(t - sc->targets));
        return 0;
    }
    if (t->kind == NULL)
        return defer(c, (size_t)(t - sc->targets), sec, key, v);
    return target_key(c, t, sec, key, v);
}

/* Once the files are read: a target without type = is a powerdns one
 * (target_conf_set_kind's default), as it always was. */
static void finish_targets(ctx_t *c)
{
    scenario_t *sc = c->sc;
    char msg[256];
    size_t i;

    for (i = 0; i < sc->ntargets && c->ret == 0; i++) {
        if (sc->targets[i].kind != NULL)
            continue;
        if (target_conf_set_kind(&sc->targets[i], NULL, msg, sizeof(msg)) < 0) {
            snprintf(c->err, c->errlen, "%s: out of memory", sc->path);
            c->ret = -ENOMEM;
            break;
        }
        replay(c, i);
    }
    for (i = 0; i < c->npending; i++)
        pending_clear(&c->pending[i]);
    free(c->pending);
    c->pending = NULL;
    c->npending = c->cappending = 0;
}

static int on_nameserver(ctx_t *c, const char *sec, const char *name, const char *key,
                         const char *v)
{
    scen_ns_t *n = named(c, &c->sc->ns, &c->sc->nns, &c->sc->capns, sizeof(*n), name);

    if (n == NULL)
        return 0;
    if (n->line == 0) {
        n->line = c->line;
        n->role = NS_SECONDARY;
    }
    if (strcmp(key, "address") == 0) {
        char *a = NULL;
        int ret = expand(c, sec, key, v, NULL, &a);
        if (ret == 0 && probe_ns_parse(a, &n->addr) < 0)
            ret = fail(c, sec, key,
                       "'%s' is not an IPv4 or IPv6 address with optional port "
                       "(127.0.0.1:5300, [::1]:5300)",
                       a);
        free(a);
        return ret;
    }
    if (strcmp(key, "role") == 0) {
        if (strcmp(v, "primary") == 0)
            n->role = NS_PRIMARY;
        else if (strcmp(v, "secondary") == 0)
            n->role = NS_SECONDARY;
        else if (strcmp(v, "resolver") == 0)
            n->role = NS_RESOLVER;
        else
            return fail(c, sec, key, "'%s' is not primary, secondary or resolver", v);
        return 0;
    }
    if (strcmp(key, "target") == 0)
        return set_str(c, sec, key, v, &n->target);
    if (strcmp(key, "discover") == 0 || strcmp(key, "discover_from") == 0) {
        char canon[RDATA_NAME_TEXT_MAX];
        probe_ns_t a;
        char **dst = key[8] == '\0' ? &n->discover : &n->discover_from;
        if (set_str(c, sec, key, v, dst) < 0)
            return -1;
        if (key[8] == '\0' && rdata_name_canon(*dst, canon, sizeof(canon)) < 0)
            return fail(c, sec, key, "'%s' is not a zone name", *dst);
        if (key[8] != '\0' && probe_ns_parse(*dst, &a) < 0)
            return fail(c, sec, key, "'%s' is not ADDR[:PORT]", *dst);
        return 0;
    }
    if (strcmp(key, "discover_port") == 0) {
        uint64_t u = 0;
        if (set_u64(c, sec, key, v, 65535, &u) < 0)
            return -1;
        if (u == 0)
            return fail(c, sec, key, "a port is 1 to 65535");
        n->discover_port = (uint16_t)u;
        return 0;
    }
    return fail(c, sec, key,
                "unknown key (address, role, target, discover, discover_from, "
                "discover_port)");
}

static int parse_mix(ctx_t *c, const char *sec, const char *key, const char *v,
                     scen_phase_t *p)
{
    char buf[512];
    char *save = NULL;
    char *tok;

    memset(p->mix, 0, sizeof(p->mix));
    snprintf(buf, sizeof(buf), "%s", v);
    for (tok = strtok_r(buf, " \t", &save); tok != NULL;
         tok = strtok_r(NULL, " \t", &save)) {
        char *colon = strchr(tok, ':');
        op_kind_t k;
        uint64_t w = 1;
        if (colon != NULL)
            *colon = '\0';
        if (op_kind_from_str(tok, &k) < 0)
            return fail(c, sec, key,
                        "unknown operation '%s' (zone_create zone_update "
                        "zone_delete record_create record_update record_delete)",
                        tok);
        if (colon != NULL && (numparse_u64(colon + 1, 1000000, &w) < 0))
            return fail(c, sec, key, "weight '%s' of %s is not a whole number", colon + 1,
                        tok);
        p->mix[k] = (unsigned)w;
    }
    return 0;
}

static int on_phase(ctx_t *c, const char *sec, const char *name, const char *key,
                    const char *v)
{
    scen_phase_t *p =
        named(c, &c->sc->phases, &c->sc->nphases, &c->sc->capphases, sizeof(*p), name);
    uint64_t u;

    if (p == NULL)
        return 0;
    if (p->line == 0)
        p->line = c->line;
    if (strcmp(key, "zones") == 0) {
        if (set_u64(c, sec, key, v, 100000, &u) < 0)
            return 0;
        p->zones = (unsigned)u;
        p->zones_line = c->line;
        return 0;
    }
    if (strcmp(key, "zone_suffix") == 0) {
        char canon[RDATA_NAME_TEXT_MAX];
        if (rdata_name_canon(v, canon, sizeof(canon)) < 0)
            return fail(c, sec, key, "'%s' is not a domain name", v);
        free(p->zone_suffix);
        p->zone_suffix = strdup(canon);
        return 0;
    }
    if (strcmp(key, "duration") == 0)
        return set_double(c, sec, key, v, 0.001, 86400 * 30, &p->duration);
    if (strcmp(key, "count") == 0)
        return set_u64(c, sec, key, v, 100000000, &p->count);
    if (strcmp(key, "rate") == 0) {
        const char *dots = strstr(v, "..");
        char a[64];
        if (dots == NULL) {
            if (set_double(c, sec, key, v, 0.001, 1e6, &p->rate_from) < 0)
                return 0;
            p->rate_to = p->rate_from;
            return 0;
        }
        snprintf(a, sizeof(a), "%.*s", (int)(dots - v), v);
        if (numparse_double(a, 0.001, 1e6, &p->rate_from) < 0 ||
            numparse_double(dots + 2, 0.001, 1e6, &p->rate_to) < 0)
            return fail(c, sec, key, "'%s' is neither RATE nor FROM..TO (operations/s)",
                        v);
        return 0;
    }
    if (strcmp(key, "mix") == 0)
        return parse_mix(c, sec, key, v, p);
    if (strcmp(key, "targets") == 0) {
        p->targets_line = c->line;
        return set_str(c, sec, key, v, &p->targets);
    }
    if (strcmp(key, "zonefile") == 0)
        return set_str(c, sec, key, v, &p->zonefile);
    if (strcmp(key, "zone") == 0) {
        char canon[RDATA_NAME_TEXT_MAX];
        if (rdata_name_canon(v, canon, sizeof(canon)) < 0)
            return fail(c, sec, key, "'%s' is not a domain name", v);
        free(p->sync_zone);
        p->sync_zone = strdup(canon);
        return 0;
    }
    if (strcmp(key, "max_update_pct") == 0)
        return set_double(c, sec, key, v, 0, 100, &p->max_update_pct);
    if (strcmp(key, "max_delete_pct") == 0)
        return set_double(c, sec, key, v, 0, 100, &p->max_delete_pct);
    if (strcmp(key, "prefix") == 0) {
        char sub[512];
        if (reverse_prefix_parse(v, &p->prefix, sub, sizeof(sub)) < 0)
            return fail(c, sec, key, "%s", sub);
        p->ptr = true;
        return 0;
    }
    if (strcmp(key, "record_types") == 0) {
        char buf[256];
        char *save = NULL;
        char *tok;
        p->ntypes = 0;
        snprintf(buf, sizeof(buf), "%s", v);
        for (tok = strtok_r(buf, " \t,", &save); tok != NULL;
             tok = strtok_r(NULL, " \t,", &save)) {
            uint16_t t;
            if (rdata_type_from_str(tok, &t) < 0 || !rdata_type_basic(t))
                return fail(
                    c, sec, key,
                    "'%s' is not a record type dnsprop can write and check (A AAAA "
                    "TXT MX CNAME NS PTR SRV)",
                    tok);
            if (p->ntypes < sizeof(p->types) / sizeof(p->types[0]))
                p->types[p->ntypes++] = t;
        }
        return 0;
    }
    return fail(c, sec, key,
                "unknown key (zones, zone_suffix, duration, count, rate, mix, "
                "record_types, targets, prefix, zonefile, zone, max_update_pct, "
                "max_delete_pct)");
}

/* A vantage name goes into Redis keys and metric names: letters, digits,
 * '-', '_' and '.', at most 64. */
static bool vantage_ok(const char *s, size_t n)
{
    size_t i;

    if (n == 0 || n > 64)
        return false;
    for (i = 0; i < n; i++) {
        char ch = s[i];
        if (!((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
              (ch >= '0' && ch <= '9') || ch == '-' || ch == '_' || ch == '.'))
            return false;
    }
    return true;
}

/* [probe] mode, vantages, reclaim_after: where the polls run. */
static void on_probe_mode(ctx_t *c, const char *section, const char *key, const char *v)
{
    scenario_t *sc = c->sc;

    if (strcmp(key, "mode") == 0) {
        if (strcmp(v, "local") == 0)
            sc->agents = false;
        else if (strcmp(v, "agents") == 0)
            sc->agents = true;
        else
            fail(c, section, key, "'%s' is neither local nor agents", v);
    } else if (strcmp(key, "vantages") == 0) {
        const char *p = v;
        while (*p != '\0' && c->ret == 0) {
            size_t n;
            char **nv;
            while (*p == ' ' || *p == '\t' || *p == ',')
                p++;
            n = strcspn(p, " \t,");
            if (n == 0)
                break;
            if (!vantage_ok(p, n)) {
                fail(c, section, key,
                     "'%.*s': a vantage name is 1 to 64 letters, digits, '-', '_' or '.'",
                     (int)n, p);
                break;
            }
            nv = VEC_PUSH(sc->vantages, sc->nvantages, sc->capvantages);
            if (nv == NULL || (*nv = strndup(p, n)) == NULL) {
                fail(c, section, key, "out of memory");
                break;
            }
            p += n;
        }
    } else if (strcmp(key, "reclaim_after") == 0) {
        set_double(c, section, key, v, 0.5, 3600, &sc->reclaim_after);
    } else if (strcmp(key, "nsid") == 0) {
        set_bool(c, section, key, v, &sc->nsid);
    } else if (strcmp(key, "dnssec") == 0) {
        set_bool(c, section, key, v, &sc->dnssec);
    } else {
        fail(c, section, key,
             "unknown key (frequency, timeout, query_timeout, threads, mode, vantages, "
             "reclaim_after, nsid, dnssec)");
    }
}

static void on_storage(ctx_t *c, const char *section, const char *key, const char *v)
{
    if (strcmp(key, "redis") == 0)
        set_str(c, section, key, v, &c->sc->redis);
    else if (strcmp(key, "redis_password_file") == 0)
        set_str(c, section, key, v, &c->sc->redis_password_file);
    else if (strcmp(key, "retention") == 0) {
        /* "30d", "12h", "0" (forever); at most ten years */
        if (numparse_duration(v, 10 * 365 * 86400.0, &c->sc->retention) < 0)
            fail(c, section, key,
                 "'%s' is not a length of time (30d, 12h, 90m, 3600s; 0 keeps forever)",
                 v);
    } else
        fail(c, section, key, "unknown key (redis, redis_password_file, retention)");
}

static void on_clock(ctx_t *c, const char *section, const char *key, const char *v)
{
    if (strcmp(key, "ntp_server") == 0)
        set_str(c, section, key, v, &c->sc->ntp_server);
    else if (strcmp(key, "max_offset_ms") == 0)
        set_double(c, section, key, v, 0, 3.6e6, &c->sc->max_offset_ms);
    else
        fail(c, section, key, "unknown key (ntp_server, max_offset_ms)");
}

static void on_probe(ctx_t *c, const char *section, const char *key, const char *v)
{
    scenario_t *sc = c->sc;
    uint64_t u;

    if (strcmp(key, "frequency") == 0) {
        set_double(c, section, key, v, PROBE_MIN_FREQUENCY, 3600, &sc->frequency);
    } else if (strcmp(key, "timeout") == 0) {
        set_double(c, section, key, v, 0.01, 86400, &sc->timeout);
    } else if (strcmp(key, "query_timeout") == 0) {
        set_double(c, section, key, v, 0.001, 60, &sc->query_timeout);
    } else if (strcmp(key, "threads") == 0) {
        if (set_u64(c, section, key, v, 1024, &u) == 0)
            sc->threads = (unsigned)u;
    } else {
        on_probe_mode(c, section, key, v);
    }
}

static void on_operations(ctx_t *c, const char *section, const char *key, const char *v)
{
    if (strcmp(key, "file") == 0)
        set_str(c, section, key, v, &c->sc->ops_file);
    else
        fail(c, section, key, "unknown key (file)");
}

static void on_slo(ctx_t *c, const char *section, const char *key, const char *v)
{
    scenario_t *sc = c->sc;

    if (strcmp(key, "p99") == 0) {
        sc->has_p99 = set_double(c, section, key, v, 0, 86400, &sc->slo_p99) == 0;
    } else if (strcmp(key, "max_timeouts") == 0) {
        sc->has_max_timeouts =
            set_u64(c, section, key, v, UINT64_MAX, &sc->slo_max_timeouts) == 0;
    } else if (strcmp(key, "converged") == 0) {
        set_bool(c, section, key, v, &sc->slo_converged);
    } else if (strcmp(key, "claim_before_served") == 0) {
        sc->has_claim_before_served =
            set_u64(c, section, key, v, UINT64_MAX, &sc->slo_claim_before_served) == 0;
    } else {
        fail(c, section, key,
             "unknown key (p99, max_timeouts, converged, claim_before_served)");
    }
}

static void on_metrics(ctx_t *c, const char *section, const char *key, const char *v)
{
    if (strcmp(key, "statsd") == 0)
        set_str(c, section, key, v, &c->sc->statsd);
    else if (strcmp(key, "prefix") == 0)
        set_str(c, section, key, v, &c->sc->statsd_prefix);
    else
        fail(c, section, key, "unknown key (statsd, prefix)");
}

/* [monitor] zones = a.example. b.example.: the zones, canonical. */
static void on_monitor_zones(ctx_t *c, const char *section, const char *key,
                             const char *v)
{
    scenario_t *sc = c->sc;
    const char *p = v;

    while (*p != '\0' && c->ret == 0) {
        char name[RDATA_NAME_TEXT_MAX];
        char canon[RDATA_NAME_TEXT_MAX];
        char **nz;
        size_t n;
        while (*p == ' ' || *p == '\t' || *p == ',')
            p++;
        n = strcspn(p, " \t,");
        if (n == 0)
            break;
        snprintf(name, sizeof(name), "%.*s", (int)n, p);
        if (n >= sizeof(name) || rdata_name_canon(name, canon, sizeof(canon)) < 0 ||
            strcmp(canon, ".") == 0) {
            fail(c, section, key, "'%.*s' is not a zone name", (int)n, p);
            break;
        }
        nz = VEC_PUSH(sc->mon_zones, sc->mon_nzones, sc->mon_capzones);
        if (nz == NULL || (*nz = strdup(canon)) == NULL) {
            fail(c, section, key, "out of memory");
            break;
        }
        p += n;
    }
}

static void on_monitor(ctx_t *c, const char *section, const char *key, const char *v)
{
    scenario_t *sc = c->sc;

    sc->has_monitor = true;
    if (sc->mon_line == 0)
        sc->mon_line = c->line;
    if (strcmp(key, "interval") == 0) {
        if (numparse_duration(v, 86400, &sc->mon_interval) < 0 || sc->mon_interval < 1)
            fail(c, section, key, "'%s' is not an interval of 1 s to 1 d (60, 5m)", v);
    } else if (strcmp(key, "zones") == 0) {
        on_monitor_zones(c, section, key, v);
    } else if (strcmp(key, "name") == 0) {
        char canon[RDATA_NAME_TEXT_MAX];
        if (v[0] == '\0' || v[strlen(v) - 1] == '.' ||
            rdata_name_canon(v, canon, sizeof(canon)) < 0)
            fail(c, section, key, "'%s' is not a relative name (_dnsprop-canary)", v);
        else
            set_str(c, section, key, v, &sc->mon_name);
    } else if (strcmp(key, "serial") == 0) {
        set_bool(c, section, key, v, &sc->mon_serial);
    } else if (strcmp(key, "targets") == 0) {
        sc->mon_targets_line = c->line;
        set_str(c, section, key, v, &sc->mon_targets);
    } else if (strcmp(key, "duration") == 0) {
        if (numparse_duration(v, 10 * 365 * 86400.0, &sc->mon_duration) < 0)
            fail(c, section, key,
                 "'%s' is not a length of time (3600, 7d; 0 until stopped)", v);
    } else {
        fail(c, section, key,
             "unknown key (interval, zones, name, serial, duration, targets)");
    }
}

static void on_report(ctx_t *c, const char *section, const char *key, const char *v)
{
    scenario_t *sc = c->sc;
    uint64_t u;

    if (strcmp(key, "width") == 0) {
        if (set_u64(c, section, key, v, 16384, &u) == 0 && u < 200)
            fail(c, section, key, "'%s' pixels is too narrow: at least 200", v);
        else if (c->ret == 0)
            sc->plot_width = (unsigned)u;
    } else if (strcmp(key, "height") == 0) {
        if (set_u64(c, section, key, v, 16384, &u) == 0 && u < 150)
            fail(c, section, key, "'%s' pixels is too low: at least 150", v);
        else if (c->ret == 0)
            sc->plot_height = (unsigned)u;
    } else if (strcmp(key, "plots") == 0) {
        set_bool(c, section, key, v, &sc->plots);
    } else {
        fail(c, section, key, "unknown key (width, height, plots)");
    }
}

static void on_campaign_key(ctx_t *c, const char *section, const char *key, const char *v)
{
    on_campaign(c, section, key, v);
}

/* The sections without a name. */
static const struct {
    const char *name;
    void (*on)(ctx_t *c, const char *section, const char *key, const char *v);
} plain_sections[] = {
    {"campaign", on_campaign_key}, {"storage", on_storage},       {"clock", on_clock},
    {"probe", on_probe},           {"operations", on_operations}, {"slo", on_slo},
    {"metrics", on_metrics},       {"report", on_report},         {"monitor", on_monitor},
};

static int on_key(void *user, const char *section, const char *key, const char *v)
{
    ctx_t *c = user;
    const char *space = strchr(section, ' ');
    char kind[64];
    const char *name = NULL;
    size_t i;

    if (c->ret < 0)
        return 0;
    if (space != NULL) {
        snprintf(kind, sizeof(kind), "%.*s", (int)(space - section), section);
        name = space + 1;
        while (*name == ' ')
            name++;
    } else {
        snprintf(kind, sizeof(kind), "%s", section);
    }
    if (name != NULL && strcmp(kind, "target") == 0)
        on_target(c, section, name, key, v);
    else if (name != NULL && strcmp(kind, "nameserver") == 0)
        on_nameserver(c, section, name, key, v);
    else if (name != NULL && strcmp(kind, "phase") == 0)
        on_phase(c, section, name, key, v);
    else if (name != NULL)
        fail(c, section, key, "unknown section [%s NAME] (target, nameserver, phase)",
             kind);
    if (name != NULL)
        return c->ret == 0;
    for (i = 0; i < sizeof(plain_sections) / sizeof(plain_sections[0]); i++) {
        if (strcmp(section, plain_sections[i].name) == 0) {
            plain_sections[i].on(c, section, key, v);
            return c->ret == 0;
        }
    }
    fail(c, section, key,
         "unknown section (campaign, storage, clock, target NAME, nameserver NAME, "
         "probe, phase NAME, operations, slo, report, metrics, monitor)");
    return c->ret == 0;
}

/* fgets over the file's text that counts lines, so that the handler
 * knows where it is. A line longer than inih's buffer (num) or holding a
 * NUL is an error at its own line: inih would split it, or cut it at the
 * NUL, and complain about the next line instead. */
static char *reader(char *str, int num, void *stream)
{
    ctx_t *c = stream;
    file_t *f = c->f;
    const char *p = f->data + f->pos;
    size_t left = f->len - f->pos;
    const char *nl;
    size_t n;
    size_t text;

    if (c->ret < 0 || left == 0 || num < 2)
        return NULL;
    c->line++;
    nl = memchr(p, '\n', left);
    n = nl != NULL ? (size_t)(nl - p) + 1 : left;
    text = nl != NULL ? n - 1 : n;
    if (text > 0 && p[text - 1] == '\r')
        text--;
    if (memchr(p, '\0', n) != NULL) {
        snprintf(c->err, c->errlen, "%s:%d: a NUL byte: a scenario is text", c->path,
                 c->line);
        c->ret = DP_EPARSE;
        return NULL;
    }
    if (n > (size_t)num - 1 || text > SCENARIO_MAX_LINE) {
        snprintf(c->err, c->errlen,
                 "%s:%d: the line is %zu bytes, over the limit of %d: shorten it (a long "
                 "value can come from ${VAR})",
                 c->path, c->line, text, SCENARIO_MAX_LINE);
        c->ret = DP_EPARSE;
        return NULL;
    }
    memcpy(str, p, n);
    str[n] = '\0';
    f->pos += n;
    return str;
}

/* Read path (the scenario, or an include at sec/key of the current
 * file) and hand its keys to on_key. */
static int parse_file(ctx_t *c, const char *path, const char *sec, const char *key)
{
    char why[256];
    char *data = NULL;
    struct stat st;
    file_t f;
    int r;
    int i;

    r = fsutil_read_input(path, SCENARIO_MAX_BYTES, &data, &f.len, &st, why, sizeof(why));
    if (r < 0 && sec != NULL)
        fail(c, sec, key, "%s: %s", path, why);
    else if (r < 0)
        snprintf(c->err, c->errlen, "%s: %s", path, why);
    if (r < 0) {
        c->ret = r == -ENOMEM ? r : DP_EPARSE;
        return 0;
    }
    for (i = 0; i < c->depth; i++) {
        if (c->open[i]->dev == st.st_dev && c->open[i]->ino == st.st_ino) {
            free(data);
            return fail(c, sec, key,
                        "%s: an include loop (that file is already being read): remove "
                        "this include",
                        path);
        }
    }
    f.data = data;
    f.pos = 0;
    f.dev = st.st_dev;
    f.ino = st.st_ino;
    c->open[c->depth] = &f;
    c->f = &f;
    c->path = path;
    c->line = 0;
    r = ini_parse_stream(reader, c, on_key, c);
    c->open[c->depth] = NULL;
    free(data);
    if (r > 0 && c->ret == 0) {
        snprintf(c->err, c->errlen, "%s:%d: not INI: want [section] or key = value", path,
                 r);
        c->ret = DP_EPARSE;
    }
    return c->ret == 0;
}

/* Each target's section, as its kind sees it. */
static int check_targets(const scenario_t *sc, char *err, size_t errlen)
{
    size_t i;

    for (i = 0; i < sc->ntargets; i++) {
        const target_conf_t *t = &sc->targets[i];
        const char *key = "type";
        char msg[256];
        if (target_conf_check(t, &key, msg, sizeof(msg)) < 0) {
            snprintf(err, errlen, "%s:%d: [target %s] %s: %s", sc->path, t->line, t->name,
                     key, msg);
            return DP_EPARSE;
        }
    }
    return 0;
}

static int check_nameservers(const scenario_t *sc, char *err, size_t errlen)
{
    size_t i;

    if (sc->nns == 0) {
        snprintf(err, errlen, "%s: no [nameserver NAME] section", sc->path);
        return DP_EPARSE;
    }
    for (i = 0; i < sc->nns; i++) {
        const scen_ns_t *n = &sc->ns[i];
        if (i == 0 && sc->dnssec && sc->agents) {
            snprintf(
                err, errlen,
                "%s: [probe] dnssec = yes with mode = agents: not supported yet (the "
                "agents would need the zones' keys); probe locally",
                sc->path);
            return DP_EPARSE;
        }
        if (n->discover != NULL && n->addr.len != 0) {
            snprintf(err, errlen,
                     "%s:%d: [nameserver %s] address and discover: give one (discover "
                     "finds the addresses)",
                     sc->path, n->line, n->name);
            return DP_EPARSE;
        }
        if (n->addr.len == 0 && n->discover == NULL) {
            snprintf(err, errlen, "%s:%d: [nameserver %s] address: missing", sc->path,
                     n->line, n->name);
            return DP_EPARSE;
        }
        if (n->target == NULL && sc->ntargets > 1) {
            snprintf(err, errlen,
                     "%s:%d: [nameserver %s] target: missing (there are %zu targets)",
                     sc->path, n->line, n->name, sc->ntargets);
            return DP_EPARSE;
        }
        if (scenario_ns_target(sc, n) == NULL) {
            snprintf(err, errlen, "%s:%d: [nameserver %s] target: no [target %s]",
                     sc->path, n->line, n->name, n->target);
            return DP_EPARSE;
        }
    }
    return 0;
}

/* targets = NAMES (of section sec, at line): each a [target], at most 64,
 * none twice, into *mask (0 when names is NULL). */
static int resolve_targets(const scenario_t *sc, const char *names, int line,
                           const char *sec, uint64_t *mask, char *err, size_t errlen)
{
    char buf[SCENARIO_MAX_LINE];
    char *save = NULL;
    char *tok;

    *mask = 0;
    if (names == NULL)
        return 0;
    snprintf(buf, sizeof(buf), "%s", names);
    for (tok = strtok_r(buf, " \t,", &save); tok != NULL;
         tok = strtok_r(NULL, " \t,", &save)) {
        size_t i;
        for (i = 0; i < sc->ntargets && strcmp(sc->targets[i].name, tok) != 0; i++)
            ;
        if (i == sc->ntargets) {
            snprintf(err, errlen, "%s:%d: [%s] targets: no such [target] '%.*s'",
                     sc->path, line, sec, 200, tok);
            return DP_EPARSE;
        }
        if (i >= 64 || (*mask & (UINT64_C(1) << i))) {
            snprintf(err, errlen, "%s:%d: [%s] targets: '%.*s' %s", sc->path, line, sec,
                     200, tok, i >= 64 ? "is past the 64th target" : "twice");
            return DP_EPARSE;
        }
        *mask |= UINT64_C(1) << i;
    }
    if (*mask == 0) {
        snprintf(err, errlen, "%s:%d: [%s] targets: empty", sc->path, line, sec);
        return DP_EPARSE;
    }
    return 0;
}

static int check_phase_targets(const scenario_t *sc, scen_phase_t *p, char *err,
                               size_t errlen)
{
    char sec[300];

    snprintf(sec, sizeof(sec), "phase %.200s", p->name);
    return resolve_targets(sc, p->targets, p->targets_line, sec, &p->tmask, err, errlen);
}

/* A phase's defaults, and what it lacks. */
static int check_phase(const scenario_t *sc, scen_phase_t *p, char *err, size_t errlen)
{
    unsigned w = 0;
    int k;

    for (k = 0; k < OP_KINDS; k++)
        w += p->mix[k];
    if (p->zonefile != NULL) {
        if (p->max_update_pct <= 0)
            p->max_update_pct = 30;
        if (p->max_delete_pct <= 0)
            p->max_delete_pct = 30;
        if (p->rate_from <= 0)
            p->rate_from = p->rate_to = 10;
        if (p->zone_suffix == NULL)
            p->zone_suffix = strdup("example.test.");
        return 0; /* the plan decides the operations */
    }
    if (p->ptr && w == 0) {
        p->mix[OP_RECORD_CREATE] = 1; /* pairs: an address and its PTR */
        w = 1;
    }
    if ((p->duration > 0) == (p->count > 0) && !(w == 0 && p->zones > 0)) {
        snprintf(err, errlen, "%s:%d: [phase %s] duration: give duration or count",
                 sc->path, p->line, p->name);
        return DP_EPARSE;
    }
    if (w > 0 && p->rate_from <= 0) {
        snprintf(err, errlen, "%s:%d: [phase %s] rate: missing", sc->path, p->line,
                 p->name);
        return DP_EPARSE;
    }
    if (p->zone_suffix == NULL)
        p->zone_suffix = strdup("example.test.");
    if (p->ntypes == 0) {
        p->types[0] = RDATA_T_A;
        p->ntypes = 1;
    }
    if (w == 0 && p->zones == 0) {
        snprintf(err, errlen, "%s:%d: [phase %s] mix: no operations and no zones",
                 sc->path, p->line, p->name);
        return DP_EPARSE;
    }
    return 0;
}

/* A mix phase whose operations need a zone (all but zone_create) when no
 * zone can exist yet: no zones = here or before, no zone_create in this
 * mix or an earlier one, no earlier reverse or zone-sync phase. It would
 * draw nothing, run nothing and still PASS (issue 12). *made says whether
 * a zone can exist after phase p. */
static int check_phase_zones(const scenario_t *sc, const scen_phase_t *p, bool *made,
                             char *err, size_t errlen)
{
    unsigned need = 0;
    int k;

    if (p->zonefile != NULL || p->ptr || p->zones > 0 || p->mix[OP_ZONE_CREATE] > 0 ||
        p->sync_zone != NULL) {
        *made = true;
        return 0;
    }
    for (k = 0; k < OP_KINDS; k++)
        need += k == OP_ZONE_CREATE ? 0 : p->mix[k];
    if (need == 0 || *made)
        return 0;
    snprintf(err, errlen,
             "%s:%d: [phase %s] zones: %u and no earlier phase makes a zone: the mix's "
             "operations would have no zone to change and nothing would run (set zones "
             "= N, or add zone_create to mix)",
             sc->path, p->zones_line > 0 ? p->zones_line : p->line, p->name, p->zones);
    return DP_EPARSE;
}

static int check(scenario_t *sc, char *err, size_t errlen)
{
    bool zones_made = false;
    size_t i;
    int ret;

    if (sc->ntargets == 0) {
        snprintf(err, errlen, "%s: no [target NAME] section", sc->path);
        return DP_EPARSE;
    }
    if (sc->agents && sc->nvantages == 0) {
        snprintf(err, errlen,
                 "%s: [probe] mode = agents needs vantages = NAME... (the vantage points "
                 "whose agents poll)",
                 sc->path);
        return DP_EPARSE;
    }
    ret = check_targets(sc, err, errlen);
    if (ret == 0)
        ret = check_nameservers(sc, err, errlen);
    if (ret < 0)
        return ret;
    if (sc->has_monitor && sc->mon_nzones == 0) {
        snprintf(err, errlen,
                 "%s:%d: [monitor] zones: missing (the zones the canaries go to)",
                 sc->path, sc->mon_line);
        return DP_EPARSE;
    }
    if (sc->nphases == 0 && sc->ops_file == NULL && !sc->has_monitor) {
        snprintf(err, errlen,
                 "%s: nothing to do: no [phase NAME], no [operations] file, no [monitor]",
                 sc->path);
        return DP_EPARSE;
    }
    ret = resolve_targets(sc, sc->mon_targets, sc->mon_targets_line, "monitor",
                          &sc->mon_tmask, err, errlen);
    for (i = 0; i < sc->nphases && ret == 0; i++) {
        ret = check_phase(sc, &sc->phases[i], err, errlen);
        if (ret == 0)
            ret = check_phase_targets(sc, &sc->phases[i], err, errlen);
        if (ret == 0)
            ret = check_phase_zones(sc, &sc->phases[i], &zones_made, err, errlen);
    }
    return ret;
}

size_t scenario_target_index(const scenario_t *sc, const target_conf_t *t)
{
    return (size_t)(t - sc->targets);
}

uint64_t scenario_phase_tmask(const scen_phase_t *ph)
{
    return ph->tmask != 0 ? ph->tmask : 1;
}

const target_conf_t *scenario_ns_target(const scenario_t *sc, const scen_ns_t *ns)
{
    size_t i;

    if (ns->target == NULL)
        return sc->ntargets == 1 ? &sc->targets[0] : NULL;
    for (i = 0; i < sc->ntargets; i++) {
        if (strcmp(sc->targets[i].name, ns->target) == 0)
            return &sc->targets[i];
    }
    return NULL;
}

int scenario_load(const char *path, scenario_t *sc, char *err, size_t errlen)
{
    ctx_t c;
    int ret;

    memset(sc, 0, sizeof(*sc));
    sc->path = strdup(path);
    sc->name = strdup("campaign");
    sc->results = strdup("results");
    sc->seed = 1;
    sc->frequency = 0.1;
    sc->timeout = 30;
    sc->api_inflight = 8;
    sc->cleanup = true;
    sc->mon_interval = 60;
    sc->plot_width = 1280;
    sc->plot_height = 720;
    sc->plots = true;
    sc->reclaim_after = 10;
    sc->nsid = true;
    memset(&c, 0, sizeof(c));
    c.sc = sc;
    c.err = err;
    c.errlen = errlen;
    /* One line, one key: continuation lines would blur error positions. */
    ini_allow_multiline = false;
    /* A line buffer on the heap of the size reader checks lines against
     * (3 more: '\r', '\n' and the NUL, as ini.h says). */
    ini_use_stack = false;
    ini_allow_realloc = false;
    ini_max_line = SCENARIO_MAX_LINE + 3;
    ini_initial_alloc = SCENARIO_MAX_LINE + 3; /* the heap buffer's size */
    parse_file(&c, path, NULL, NULL);
    finish_targets(&c);
    ret = c.ret;
    if (ret == 0)
        ret = check(sc, err, errlen);
    if (ret < 0) {
        quote_message(err, errlen); /* messages quote the file's bytes */
        scenario_free(sc);
    }
    return ret;
}

void scenario_free(scenario_t *sc)
{
    size_t i;

    for (i = 0; i < sc->ntargets; i++)
        target_conf_clear(&sc->targets[i]);
    for (i = 0; i < sc->nns; i++) {
        free(sc->ns[i].name);
        free(sc->ns[i].target);
        free(sc->ns[i].discover);
        free(sc->ns[i].discover_from);
        free(sc->ns[i].group);
        free(sc->ns[i].discovered);
    }
    for (i = 0; i < sc->nphases; i++) {
        free(sc->phases[i].name);
        free(sc->phases[i].zone_suffix);
        free(sc->phases[i].zonefile);
        free(sc->phases[i].sync_zone);
        free(sc->phases[i].targets);
    }
    free(sc->targets);
    free(sc->ns);
    for (i = 0; i < sc->nnoaddr; i++)
        free(sc->noaddr[i]);
    free(sc->noaddr);
    free(sc->phases);
    free(sc->path);
    free(sc->name);
    free(sc->results);
    free(sc->redis);
    free(sc->redis_password_file);
    free(sc->ntp_server);
    free(sc->ops_file);
    for (i = 0; i < sc->nvantages; i++)
        free(sc->vantages[i]);
    free(sc->vantages);
    for (i = 0; i < sc->mon_nzones; i++)
        free(sc->mon_zones[i]);
    free(sc->mon_zones);
    free(sc->mon_name);
    free(sc->mon_targets);
    free(sc->statsd);
    free(sc->statsd_prefix);
    memset(sc, 0, sizeof(*sc));
}
