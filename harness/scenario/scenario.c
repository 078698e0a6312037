/*
 * scenario: scenario file parsing (see scenario.h).
 */
#include <errno.h>
#include <ini.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "harness/common/errcode.h"
#include "harness/common/numparse.h"
#include "harness/scenario/scenario.h"
#include "probes/rdata.h"

#define MAX_INCLUDE_DEPTH 4

static const char *const op_names[OP_KINDS] = {"zone_create",   "zone_update",
                                               "zone_delete",   "record_create",
                                               "record_update", "record_delete"};

const char *ns_role_str(ns_role_t role)
{
    return role == NS_PRIMARY     ? "primary"
           : role == NS_SECONDARY ? "secondary"
                                  : "resolver";
}

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

typedef struct {
    scenario_t *sc;
    const char *path; /* the file being read (includes change it) */
    FILE *f;
    int line;
    int depth;
    char *err;
    size_t errlen;
    int ret;
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

/* The placeholders an exec target fills per operation. */
static bool is_placeholder(const char *var)
{
    return strcmp(var, "zone") == 0 || strcmp(var, "name") == 0 ||
           strcmp(var, "type") == 0 || strcmp(var, "ttl") == 0 ||
           strcmp(var, "value") == 0 || strcmp(var, "relname") == 0;
}

typedef enum {
    EXPAND_ALL,         /* every ${VAR} from the environment */
    EXPAND_KEEP_FILLED, /* ${zone} ${name} ... stay: exec fills them */
    EXPAND_KEEP_UNSET,  /* any ${VAR} not in the environment stays: http */
} expand_mode_t;

/* ${VAR} from the environment, as mode says. */
static int expand_ex(ctx_t *c, const char *section, const char *key, const char *in,
                     expand_mode_t mode, char **out)
{
    char buf[4096];
    size_t o = 0;
    const char *p = in;

    while (*p != '\0' && o + 1 < sizeof(buf)) {
        if (p[0] == '$' && p[1] == '{') {
            const char *end = strchr(p, '}');
            char var[128];
            const char *v;
            if (end == NULL || (size_t)(end - p - 2) >= sizeof(var)) {
                fail(c, section, key, "unterminated ${...} in '%s'", in);
                return DP_EPARSE;
            }
            memcpy(var, p + 2, (size_t)(end - p - 2));
            var[end - p - 2] = '\0';
            if ((mode == EXPAND_KEEP_FILLED && is_placeholder(var)) ||
                (mode == EXPAND_KEEP_UNSET && getenv(var) == NULL)) {
                o += (size_t)snprintf(buf + o, sizeof(buf) - o, "${%s}", var);
                p = end + 1;
                continue;
            }
            v = getenv(var);
            if (v == NULL) {
                fail(c, section, key, "environment variable %s is not set", var);
                return DP_EPARSE;
            }
            o += (size_t)snprintf(buf + o, sizeof(buf) - o, "%s", v);
            p = end + 1;
            continue;
        }
        buf[o++] = *p++;
    }
    buf[o < sizeof(buf) ? o : sizeof(buf) - 1] = '\0';
    *out = strdup(buf);
    return *out == NULL ? -ENOMEM : 0;
}

static int expand(ctx_t *c, const char *section, const char *key, const char *in,
                  char **out)
{
    return expand_ex(c, section, key, in, EXPAND_ALL, out);
}

static int set_str(ctx_t *c, const char *section, const char *key, const char *v,
                   char **dst)
{
    char *s = NULL;
    int ret = expand(c, section, key, v, &s);

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

/* Find or add the element named name in a growing array. */
static void *named(ctx_t *c, void **arr, size_t *n, size_t size, const char *name)
{
    char *base = *arr;
    size_t i;
    char *grown;

    for (i = 0; i < *n; i++) {
        char **nm = (char **)(void *)(base + i * size);
        if (strcmp(*nm, name) == 0)
            return base + i * size;
    }
    grown = realloc(base, (*n + 1) * size);
    if (grown == NULL) {
        c->ret = -ENOMEM;
        return NULL;
    }
    memset(grown + *n * size, 0, size);
    *arr = grown;
    *(char **)(void *)(grown + *n * size) = strdup(name);
    (*n)++;
    return grown + (*n - 1) * size;
}

static int parse_file(ctx_t *c, const char *path);

static char *read_key_file(ctx_t *c, const char *section, const char *key,
                           const char *path)
{
    FILE *f = fopen(path, "r");
    char buf[1024];

    if (f == NULL) {
        fail(c, section, key, "cannot read %s: %s", path, strerror(errno));
        return NULL;
    }
    if (fgets(buf, sizeof(buf), f) == NULL)
        buf[0] = '\0';
    fclose(f);
    buf[strcspn(buf, "\r\n")] = '\0';
    return strdup(buf);
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
        FILE *saved_f = c->f;
        int saved_line = c->line;
        int ret;
        if (expand(c, sec, key, v, &path) < 0)
            return 0;
        if (c->depth >= MAX_INCLUDE_DEPTH) {
            free(path);
            return fail(c, sec, key, "includes nested deeper than %d", MAX_INCLUDE_DEPTH);
        }
        c->depth++;
        ret = parse_file(c, path);
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

static int on_target(ctx_t *c, const char *sec, const char *name, const char *key,
                     const char *v)
{
    scen_target_t *t =
        named(c, (void **)&c->sc->targets, &c->sc->ntargets, sizeof(*t), name);

    if (t == NULL)
        return 0;
    if (t->line == 0)
        t->line = c->line;
    if (strcmp(key, "type") == 0) {
        static const char *const kinds[] = {"powerdns", "rfc2136", "http", "exec"};
        size_t i;
        for (i = 0; i < 4; i++) {
            if (strcmp(v, kinds[i]) == 0) {
                t->kind = (target_kind_t)i;
                return 0;
            }
        }
        return fail(c, sec, key,
                    "unknown target type '%s' (powerdns, rfc2136, http, exec)", v);
    }
    if (strcmp(key, "url") == 0)
        return set_str(c, sec, key, v, &t->url);
    if (strcmp(key, "api_key") == 0)
        return set_str(c, sec, key, v, &t->api_key);
    if (strcmp(key, "api_key_file") == 0) {
        char *path = NULL;
        if (expand(c, sec, key, v, &path) < 0)
            return 0;
        free(t->api_key);
        t->api_key = read_key_file(c, sec, key, path);
        free(path);
        return 0;
    }
    if (strcmp(key, "catalog") == 0)
        return set_str(c, sec, key, v, &t->catalog);
    if (strcmp(key, "server") == 0)
        return set_str(c, sec, key, v, &t->server);
    if (strcmp(key, "serial") == 0) {
        char *x = NULL;
        if (expand_ex(c, sec, key, v, EXPAND_KEEP_FILLED, &x) < 0)
            return 0;
        free(t->exec_serial);
        t->exec_serial = x;
        return 0;
    }
    {
        op_kind_t k;
        /* exec: "record_create = pdnsutil ..." (the ${zone} style
         * placeholders are filled per operation, not from the environment) */
        if (op_kind_from_str(key, &k) == 0) {
            char *x = NULL;
            if (expand_ex(c, sec, key, v, EXPAND_KEEP_FILLED, &x) < 0)
                return 0;
            free(t->exec[k]);
            t->exec[k] = x;
            return 0;
        }
    }
    if (strcmp(key, "tsig_key") == 0)
        return set_str(c, sec, key, v, &t->tsig);
    if (strcmp(key, "tsig_key_file") == 0) {
        char *path = NULL;
        if (expand(c, sec, key, v, &path) < 0)
            return 0;
        free(t->tsig);
        t->tsig = read_key_file(c, sec, key, path);
        free(path);
        return 0;
    }
    if (strcmp(key, "zone_kind") == 0)
        return set_str(c, sec, key, v, &t->zone_kind);
    if (t->kind == TARGET_HTTP) {
        /* templates ("record_create.url", "headers", ...): the http target
         * checks them; ${VAR} from the environment, other ${...} kept */
        char **nk = realloc(t->kv, (t->nkv * 2 + 3) * sizeof(*nk));
        char *x = NULL;
        if (nk == NULL)
            return fail(c, sec, key, "out of memory");
        t->kv = nk;
        if (expand_ex(c, sec, key, v, EXPAND_KEEP_UNSET, &x) < 0)
            return 0;
        t->kv[t->nkv * 2] = strdup(key);
        t->kv[t->nkv * 2 + 1] = x;
        t->nkv++;
        t->kv[t->nkv * 2] = NULL;
        return 0;
    }
    return fail(c, sec, key,
                "unknown key (type, url, api_key, api_key_file, catalog, "
                "zone_kind, server, tsig_key, tsig_key_file, serial, zone_create ... "
                "record_delete)");
}

static int on_nameserver(ctx_t *c, const char *sec, const char *name, const char *key,
                         const char *v)
{
    scen_ns_t *n = named(c, (void **)&c->sc->ns, &c->sc->nns, sizeof(*n), name);

    if (n == NULL)
        return 0;
    if (n->line == 0) {
        n->line = c->line;
        n->role = NS_SECONDARY;
    }
    if (strcmp(key, "address") == 0) {
        if (probe_ns_parse(v, &n->addr) < 0)
            return fail(c, sec, key,
                        "'%s' is not an IPv4 or IPv6 address with optional port "
                        "(127.0.0.1:5300, [::1]:5300)",
                        v);
        return 0;
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
    return fail(c, sec, key, "unknown key (address, role, target)");
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
        named(c, (void **)&c->sc->phases, &c->sc->nphases, sizeof(*p), name);
    uint64_t u;

    if (p == NULL)
        return 0;
    if (p->line == 0)
        p->line = c->line;
    if (strcmp(key, "zones") == 0) {
        if (set_u64(c, sec, key, v, 100000, &u) < 0)
            return 0;
        p->zones = (unsigned)u;
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
            if (rdata_type_from_str(tok, &t) < 0 || !rdata_type_comparable(t))
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
                "record_types, prefix, zonefile, zone, max_update_pct, max_delete_pct)");
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
            nv = realloc(sc->vantages, (sc->nvantages + 1) * sizeof(char *));
            if (nv == NULL || (nv[sc->nvantages] = strndup(p, n)) == NULL) {
                if (nv != NULL)
                    sc->vantages = nv;
                fail(c, section, key, "out of memory");
                break;
            }
            sc->vantages = nv;
            sc->nvantages++;
            p += n;
        }
    } else if (strcmp(key, "reclaim_after") == 0) {
        set_double(c, section, key, v, 0.5, 3600, &sc->reclaim_after);
    } else {
        fail(c, section, key,
             "unknown key (frequency, timeout, query_timeout, threads, mode, vantages, "
             "reclaim_after)");
    }
}

static int on_key(void *user, const char *section, const char *key, const char *v)
{
    ctx_t *c = user;
    scenario_t *sc = c->sc;
    const char *space = strchr(section, ' ');
    char kind[64];
    const char *name = NULL;
    uint64_t u;

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
    if (name != NULL && strcmp(kind, "target") == 0) {
        on_target(c, section, name, key, v);
        return c->ret == 0;
    }
    if (name != NULL && strcmp(kind, "nameserver") == 0) {
        on_nameserver(c, section, name, key, v);
        return c->ret == 0;
    }
    if (name != NULL && strcmp(kind, "phase") == 0) {
        on_phase(c, section, name, key, v);
        return c->ret == 0;
    }
    if (name != NULL) {
        fail(c, section, key, "unknown section [%s NAME] (target, nameserver, phase)",
             kind);
        return 0;
    }
    if (strcmp(section, "campaign") == 0) {
        on_campaign(c, section, key, v);
    } else if (strcmp(section, "storage") == 0) {
        if (strcmp(key, "redis") == 0)
            set_str(c, section, key, v, &sc->redis);
        else if (strcmp(key, "redis_password_file") == 0)
            set_str(c, section, key, v, &sc->redis_password_file);
        else
            fail(c, section, key, "unknown key (redis, redis_password_file)");
    } else if (strcmp(section, "clock") == 0) {
        if (strcmp(key, "ntp_server") == 0)
            set_str(c, section, key, v, &sc->ntp_server);
        else if (strcmp(key, "max_offset_ms") == 0)
            set_double(c, section, key, v, 0, 3.6e6, &sc->max_offset_ms);
        else
            fail(c, section, key, "unknown key (ntp_server, max_offset_ms)");
    } else if (strcmp(section, "probe") == 0) {
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
    } else if (strcmp(section, "operations") == 0) {
        if (strcmp(key, "file") == 0)
            set_str(c, section, key, v, &sc->ops_file);
        else
            fail(c, section, key, "unknown key (file)");
    } else if (strcmp(section, "slo") == 0) {
        if (strcmp(key, "p99") == 0) {
            sc->has_p99 = set_double(c, section, key, v, 0, 86400, &sc->slo_p99) == 0;
        } else if (strcmp(key, "max_timeouts") == 0) {
            sc->has_max_timeouts =
                set_u64(c, section, key, v, UINT64_MAX, &sc->slo_max_timeouts) == 0;
        } else if (strcmp(key, "converged") == 0) {
            set_bool(c, section, key, v, &sc->slo_converged);
        } else {
            fail(c, section, key, "unknown key (p99, max_timeouts, converged)");
        }
    } else if (strcmp(section, "metrics") == 0) {
        if (strcmp(key, "statsd") == 0)
            set_str(c, section, key, v, &sc->statsd);
        else if (strcmp(key, "prefix") == 0)
            set_str(c, section, key, v, &sc->statsd_prefix);
        else
            fail(c, section, key, "unknown key (statsd, prefix)");
    } else if (strcmp(section, "report") == 0) {
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
    } else {
        fail(c, section, key,
             "unknown section (campaign, storage, clock, target NAME, nameserver NAME, "
             "probe, phase NAME, operations, slo, report, metrics)");
    }
    return c->ret == 0;
}

/* fgets that counts lines, so that the handler knows where it is. */
static char *reader(char *str, int num, void *stream)
{
    ctx_t *c = stream;
    char *r = fgets(str, num, c->f);

    if (r != NULL)
        c->line++;
    return r;
}

static int parse_file(ctx_t *c, const char *path)
{
    FILE *f = fopen(path, "r");
    int r;

    c->path = path;
    c->line = 0;
    if (f == NULL) {
        snprintf(c->err, c->errlen, "%s: cannot open: %s", path, strerror(errno));
        c->ret = -errno;
        return 0;
    }
    c->f = f;
    r = ini_parse_stream(reader, c, on_key, c);
    fclose(f);
    if (r > 0 && c->ret == 0) {
        snprintf(c->err, c->errlen, "%s:%d: not INI: want [section] or key = value", path,
                 r);
        c->ret = DP_EPARSE;
    }
    return c->ret == 0;
}

static int check(scenario_t *sc, char *err, size_t errlen)
{
    size_t i;

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
    for (i = 0; i < sc->ntargets; i++) {
        scen_target_t *t = &sc->targets[i];
        if (t->url == NULL && (t->kind == TARGET_POWERDNS || t->kind == TARGET_HTTP)) {
            snprintf(err, errlen, "%s:%d: [target %s] url: missing", sc->path, t->line,
                     t->name);
            return DP_EPARSE;
        }
        if (t->kind == TARGET_POWERDNS && t->api_key == NULL) {
            snprintf(err, errlen, "%s:%d: [target %s] api_key: missing (or api_key_file)",
                     sc->path, t->line, t->name);
            return DP_EPARSE;
        }
        if (t->kind == TARGET_EXEC) {
            int k;
            bool any = false;
            for (k = 0; k < OP_KINDS; k++)
                any |= t->exec[k] != NULL;
            if (!any) {
                snprintf(
                    err, errlen,
                    "%s:%d: [target %s] record_create: an exec target needs a command "
                    "for at least one operation kind",
                    sc->path, t->line, t->name);
                return DP_EPARSE;
            }
            continue;
        }
        if (t->kind == TARGET_HTTP)
            continue; /* its templates are checked when the target starts */
        if (t->kind == TARGET_RFC2136) {
            probe_ns_t tmp;
            if (t->server == NULL || probe_ns_parse(t->server, &tmp) < 0) {
                snprintf(
                    err, errlen,
                    "%s:%d: [target %s] server: missing or not ADDR[:PORT] (the primary "
                    "that takes the UPDATEs)",
                    sc->path, t->line, t->name);
                return DP_EPARSE;
            }
            continue;
        }
        if (t->kind != TARGET_POWERDNS) {
            snprintf(
                err, errlen,
                "%s:%d: [target %s] type: only powerdns and exec targets are implemented "
                "so far",
                sc->path, t->line, t->name);
            return DP_EPARSE;
        }
    }
    if (sc->nns == 0) {
        snprintf(err, errlen, "%s: no [nameserver NAME] section", sc->path);
        return DP_EPARSE;
    }
    for (i = 0; i < sc->nns; i++) {
        scen_ns_t *n = &sc->ns[i];
        if (n->addr.len == 0) {
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
    if (sc->nphases == 0 && sc->ops_file == NULL) {
        snprintf(err, errlen,
                 "%s: nothing to do: no [phase NAME] and no [operations] file", sc->path);
        return DP_EPARSE;
    }
    for (i = 0; i < sc->nphases; i++) {
        scen_phase_t *p = &sc->phases[i];
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
            continue; /* the plan decides the operations */
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
    }
    return 0;
}

const scen_target_t *scenario_ns_target(const scenario_t *sc, const scen_ns_t *ns)
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
    sc->plot_width = 1280;
    sc->plot_height = 720;
    sc->plots = true;
    sc->reclaim_after = 10;
    memset(&c, 0, sizeof(c));
    c.sc = sc;
    c.err = err;
    c.errlen = errlen;
    /* One line, one key: continuation lines would blur error positions. */
    ini_allow_multiline = false;
    parse_file(&c, path);
    ret = c.ret;
    if (ret == 0)
        ret = check(sc, err, errlen);
    if (ret < 0)
        scenario_free(sc);
    return ret;
}

void scenario_free(scenario_t *sc)
{
    size_t i;

    for (i = 0; i < sc->ntargets; i++) {
        free(sc->targets[i].name);
        free(sc->targets[i].url);
        free(sc->targets[i].api_key);
        free(sc->targets[i].catalog);
        free(sc->targets[i].zone_kind);
        free(sc->targets[i].server);
        free(sc->targets[i].tsig);
        free(sc->targets[i].exec_serial);
        for (size_t k = 0; k < sc->targets[i].nkv * 2; k++)
            free(sc->targets[i].kv[k]);
        free(sc->targets[i].kv);
        for (int k = 0; k < OP_KINDS; k++)
            free(sc->targets[i].exec[k]);
    }
    for (i = 0; i < sc->nns; i++) {
        free(sc->ns[i].name);
        free(sc->ns[i].target);
    }
    for (i = 0; i < sc->nphases; i++) {
        free(sc->phases[i].name);
        free(sc->phases[i].zone_suffix);
        free(sc->phases[i].zonefile);
        free(sc->phases[i].sync_zone);
    }
    free(sc->targets);
    free(sc->ns);
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
    free(sc->statsd);
    free(sc->statsd_prefix);
    memset(sc, 0, sizeof(*sc));
}
