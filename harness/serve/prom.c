/*
 * prom: the Prometheus text exposition (see prom.h).
 *
 * Format: https://prometheus.io/docs/instrumenting/exposition_formats/
 * (text format 0.0.4): "# HELP name text", "# TYPE name type", then one
 * line a sample, "name{label="value",...} number".
 */
#include <errno.h>
#include <math.h>
#include <microhttpd.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <stdarg.h>
#include <stdbool.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "harness/common/jsonw.h"
#include "harness/common/log.h"
#include "harness/common/vec.h"
#include "harness/serve/parse.h"
#include "harness/serve/prom.h"

const double prom_propagation_buckets[] = {
    0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 0.75, 1,  1.5, 2,   2.5, 3,    4,   5,
    6,     8,    10,    15,   20,  30,   45,  60,   90, 120, 300, 600, 1800, 3600};
const size_t prom_npropagation_buckets =
    sizeof(prom_propagation_buckets) / sizeof(prom_propagation_buckets[0]);

typedef struct {
    char *key; /* label values, each NUL-terminated, one after the other */
    size_t keylen;
    uint32_t hash;
    double value;     /* counter, gauge; a histogram's sum */
    uint64_t count;   /* a histogram's observations */
    uint64_t *counts; /* a histogram's, per bucket (not cumulative) */
} series_t;

struct prom_family {
    prom_t *p;
    char *name, *help;
    prom_type_t type;
    char *labels[PROM_MAX_LABELS];
    size_t nlabels;
    double *buckets;
    size_t nbuckets;
    series_t *series;
    size_t nseries, cap;
    uint32_t *index; /* open addressing: series number + 1, 0 empty */
    size_t nindex;
};

struct prom {
    pthread_mutex_t mu;
    prom_family_t **fams;
    size_t nfams, cap;
    uint64_t dropped;
    struct MHD_Daemon *mhd;
};

prom_t *prom_new(void)
{
    prom_t *p = calloc(1, sizeof(*p));

    if (p != NULL)
        pthread_mutex_init(&p->mu, NULL);
    return p;
}

static void family_free(prom_family_t *f)
{
    for (size_t i = 0; i < f->nseries; i++) {
        free(f->series[i].key);
        free(f->series[i].counts);
    }
    for (size_t i = 0; i < f->nlabels; i++)
        free(f->labels[i]);
    free(f->series);
    free(f->index);
    free(f->buckets);
    free(f->name);
    free(f->help);
    free(f);
}

void prom_free(prom_t *p)
{
    if (p == NULL)
        return;
    if (p->mhd != NULL)
        MHD_stop_daemon(p->mhd);
    for (size_t i = 0; i < p->nfams; i++)
        family_free(p->fams[i]);
    free(p->fams);
    pthread_mutex_destroy(&p->mu);
    free(p);
}

/* [a-zA-Z_:][a-zA-Z0-9_:]* (metric names; label names have no ':') */
static bool valid_name(const char *s, bool colon)
{
    if (s == NULL || *s == '\0' || (*s >= '0' && *s <= '9'))
        return false;
    for (; *s != '\0'; s++)
        if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') ||
              (*s >= '0' && *s <= '9') || *s == '_' || (colon && *s == ':')))
            return false;
    return true;
}

static int family_init(prom_family_t *f, const char *name, const char *help,
                       const char *const *labels, const double *buckets, size_t nbuckets)
{
    f->name = strdup(name);
    f->help = strdup(help != NULL ? help : "");
    if (f->name == NULL || f->help == NULL)
        return -ENOMEM;
    for (; labels != NULL && labels[f->nlabels] != NULL; f->nlabels++) {
        if (f->nlabels == PROM_MAX_LABELS || !valid_name(labels[f->nlabels], false) ||
            strcmp(labels[f->nlabels], "le") == 0)
            return -EINVAL;
        if ((f->labels[f->nlabels] = strdup(labels[f->nlabels])) == NULL)
            return -ENOMEM;
    }
    if (f->type == PROM_HISTOGRAM) {
        if (buckets == NULL || nbuckets == 0)
            return -EINVAL;
        for (size_t i = 1; i < nbuckets; i++)
            if (!(buckets[i] > buckets[i - 1]))
                return -EINVAL;
        if ((f->buckets = malloc(nbuckets * sizeof(*buckets))) == NULL)
            return -ENOMEM;
        memcpy(f->buckets, buckets, nbuckets * sizeof(*buckets));
        f->nbuckets = nbuckets;
    }
    return 0;
}

prom_family_t *prom_family(prom_t *p, const char *name, const char *help,
                           prom_type_t type, const char *const *labels,
                           const double *buckets, size_t nbuckets)
{
    prom_family_t *f = NULL;

    if (p == NULL || !valid_name(name, true))
        return NULL;
    pthread_mutex_lock(&p->mu);
    for (size_t i = 0; i < p->nfams; i++)
        if (strcmp(p->fams[i]->name, name) == 0) {
            f = p->fams[i];
            goto out;
        }
    if (vec_reserve(&p->fams, &p->cap, p->nfams + 1, sizeof(*p->fams)) < 0 ||
        (f = calloc(1, sizeof(*f))) == NULL)
        goto out;
    f->p = p;
    f->type = type;
    if (family_init(f, name, help, labels, buckets, nbuckets) < 0) {
        family_free(f);
        f = NULL;
        goto out;
    }
    p->fams[p->nfams++] = f;
out:
    pthread_mutex_unlock(&p->mu);
    return f;
}

/* FNV-1a over the joined label values. */
static uint32_t hash_key(const char *k, size_t n)
{
    uint32_t h = 2166136261u;

    for (size_t i = 0; i < n; i++)
        h = (h ^ (unsigned char)k[i]) * 16777619u;
    return h;
}

/* The label values joined, NUL after each, into buf; its length, or 0
 * when they do not fit (a value over ~1 KiB is not a label). */
static size_t join_values(const prom_family_t *f, const char *const *values, char *buf,
                          size_t size)
{
    size_t n = 0;

    buf[0] = '\0';
    for (size_t i = 0; i < f->nlabels; i++) {
        const char *v = values != NULL && values[i] != NULL ? values[i] : "";
        size_t l = strlen(v) + 1;
        if (l > size - n)
            return 0;
        memcpy(buf + n, v, l);
        n += l;
    }
    return f->nlabels == 0 ? 1 : n; /* (one empty key for no labels) */
}

static int index_grow(prom_family_t *f)
{
    size_t n = f->nindex ? f->nindex * 2 : 16;
    uint32_t *ix = calloc(n, sizeof(*ix));

    if (ix == NULL)
        return -ENOMEM;
    for (size_t i = 0; i < f->nseries; i++) {
        size_t at = f->series[i].hash & (n - 1);
        while (ix[at] != 0)
            at = (at + 1) & (n - 1);
        ix[at] = (uint32_t)(i + 1);
    }
    free(f->index);
    f->index = ix;
    f->nindex = n;
    return 0;
}

/* The series of these label values, made when new. (p->mu) */
static series_t *series_get(prom_family_t *f, const char *const *values)
{
    char key[1024];
    size_t n = join_values(f, values, key, sizeof(key));
    uint32_t h = hash_key(key, n);
    size_t at;
    series_t *s;

    if (n == 0)
        goto dropped;
    for (at = f->nindex ? h & (f->nindex - 1) : 0; f->nindex && f->index[at] != 0;
         at = (at + 1) & (f->nindex - 1)) {
        s = &f->series[f->index[at] - 1];
        if (s->hash == h && s->keylen == n && memcmp(s->key, key, n) == 0)
            return s;
    }
    if (f->nseries >= PROM_MAX_SERIES)
        goto dropped;
    if ((2 * (f->nseries + 1) > f->nindex && index_grow(f) < 0) ||
        vec_reserve(&f->series, &f->cap, f->nseries + 1, sizeof(*f->series)) < 0)
        goto dropped;
    s = &f->series[f->nseries];
    memset(s, 0, sizeof(*s));
    s->key = malloc(n);
    if (s->key == NULL ||
        (f->type == PROM_HISTOGRAM &&
         (s->counts = calloc(f->nbuckets + 1, sizeof(uint64_t))) == NULL)) {
        free(s->key);
        goto dropped;
    }
    memcpy(s->key, key, n);
    s->keylen = n;
    s->hash = h;
    for (at = h & (f->nindex - 1); f->index[at] != 0; at = (at + 1) & (f->nindex - 1))
        ;
    f->index[at] = (uint32_t)(++f->nseries);
    return s;
dropped:
    f->p->dropped++;
    return NULL;
}

static void record(prom_family_t *f, const char *const *values, double v,
                   prom_type_t type)
{
    series_t *s;

    if (f == NULL || f->type != type || isnan(v))
        return;
    pthread_mutex_lock(&f->p->mu);
    s = series_get(f, values);
    if (s != NULL) {
        if (type == PROM_COUNTER)
            s->value += v > 0 ? v : 0; /* a counter never goes down */
        else if (type == PROM_GAUGE)
            s->value = v;
        else {
            size_t b = 0;
            while (b < f->nbuckets && v > f->buckets[b])
                b++; /* (le: the bucket's bound included) */
            s->counts[b]++;
            s->count++;
            s->value += v;
        }
    }
    pthread_mutex_unlock(&f->p->mu);
}

void prom_add(prom_family_t *f, const char *const *values, double v)
{
    record(f, values, v, PROM_COUNTER);
}

void prom_set(prom_family_t *f, const char *const *values, double v)
{
    record(f, values, v, PROM_GAUGE);
}

void prom_observe(prom_family_t *f, const char *const *values, double v)
{
    record(f, values, v, PROM_HISTOGRAM);
}

/* A sample's number: integers as integers, others with the digits that
 * read back the same (Go's ParseFloat reads both), +Inf, -Inf, NaN. */
static size_t number_text(char *t, double v)
{
    size_t n;

    if (isnan(v) || isinf(v)) {
        strcpy(t, isnan(v) ? "NaN" : v > 0 ? "+Inf" : "-Inf");
        return strlen(t);
    }
    n = jsonw_real(t, v);
    if (n > 2 && strcmp(t + n - 2, ".0") == 0)
        t[n -= 2] = '\0'; /* "5", as Go's FormatFloat(v, 'g', -1, 64) */
    return n;
}

static void add_number(buf_t *b, double v)
{
    char t[JSONW_REAL_MAX];

    buf_add(b, t, number_text(t, v));
}

/* Help text escapes backslash and newline; a label value also the double
 * quote (the 0.0.4 text format). */
static void add_escaped(buf_t *b, const char *s, bool quote)
{
    size_t from = 0, i;

    for (i = 0; s[i] != '\0'; i++) {
        const char *e = s[i] == '\\'           ? "\\\\"
                        : s[i] == '\n'         ? "\\n"
                        : quote && s[i] == '"' ? "\\\""
                                               : NULL;
        if (e == NULL)
            continue;
        buf_add(b, s + from, i - from);
        buf_add(b, e, 2);
        from = i + 1;
    }
    buf_add(b, s + from, i - from);
}

/* name{labels[,le="x"]} */
static void add_sample_name(buf_t *b, const prom_family_t *f, const series_t *s,
                            const char *suffix, const char *le)
{
    const char *v = s->key;

    buf_add(b, f->name, strlen(f->name));
    buf_add(b, suffix, strlen(suffix));
    if (f->nlabels == 0 && le == NULL) {
        buf_add(b, " ", 1);
        return;
    }
    buf_add(b, "{", 1);
    for (size_t i = 0; i < f->nlabels; i++) {
        if (i > 0)
            buf_add(b, ",", 1);
        buf_add(b, f->labels[i], strlen(f->labels[i]));
        buf_add(b, "=\"", 2);
        add_escaped(b, v, true);
        buf_add(b, "\"", 1);
        v += strlen(v) + 1;
    }
    if (le != NULL) {
        buf_add(b, f->nlabels > 0 ? ",le=\"" : "le=\"", f->nlabels > 0 ? 5 : 4);
        buf_add(b, le, strlen(le));
        buf_add(b, "\"", 1);
    }
    buf_add(b, "} ", 2);
}

static void write_histogram(buf_t *b, const prom_family_t *f, const series_t *s)
{
    uint64_t cum = 0;

    for (size_t i = 0; i <= f->nbuckets; i++) {
        char le[JSONW_REAL_MAX];
        cum += s->counts[i];
        number_text(le, i < f->nbuckets ? f->buckets[i] : INFINITY);
        add_sample_name(b, f, s, "_bucket", le);
        add_number(b, (double)cum);
        buf_add(b, "\n", 1);
    }
    add_sample_name(b, f, s, "_sum", NULL);
    add_number(b, s->value);
    buf_add(b, "\n", 1);
    add_sample_name(b, f, s, "_count", NULL);
    add_number(b, (double)s->count);
    buf_add(b, "\n", 1);
}

static void write_family(buf_t *b, const prom_family_t *f)
{
    static const char *const types[] = {"counter", "gauge", "histogram"};

    buf_add(b, "# HELP ", 7);
    buf_add(b, f->name, strlen(f->name));
    buf_add(b, " ", 1);
    add_escaped(b, f->help, false);
    buf_add(b, "\n# TYPE ", 8);
    buf_add(b, f->name, strlen(f->name));
    buf_add(b, " ", 1);
    buf_add(b, types[f->type], strlen(types[f->type]));
    buf_add(b, "\n", 1);
    for (size_t i = 0; i < f->nseries; i++) {
        const series_t *s = &f->series[i];
        if (f->type == PROM_HISTOGRAM) {
            write_histogram(b, f, s);
            continue;
        }
        add_sample_name(b, f, s, "", NULL);
        add_number(b, s->value);
        buf_add(b, "\n", 1);
    }
}

void prom_write(prom_t *p, buf_t *b)
{
    static const char dropped[] =
        "# HELP dnsprop_metrics_series_dropped_total Samples not kept: a family "
        "had its most series, or label values too long.\n"
        "# TYPE dnsprop_metrics_series_dropped_total counter\n"
        "dnsprop_metrics_series_dropped_total ";

    if (p == NULL)
        return;
    pthread_mutex_lock(&p->mu);
    for (size_t i = 0; i < p->nfams; i++)
        write_family(b, p->fams[i]);
    buf_add(b, dropped, sizeof(dropped) - 1);
    add_number(b, (double)p->dropped);
    buf_add(b, "\n", 1);
    pthread_mutex_unlock(&p->mu);
}

static enum MHD_Result reply(struct MHD_Connection *c, unsigned status, char *body,
                             size_t len, const char *type)
{
    struct MHD_Response *r =
        MHD_create_response_from_buffer(len, body, MHD_RESPMEM_MUST_FREE);
    enum MHD_Result ret;

    if (r == NULL) {
        free(body);
        return MHD_NO;
    }
    MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, type);
    ret = MHD_queue_response(c, status, r);
    MHD_destroy_response(r);
    return ret;
}

static enum MHD_Result on_access(void *cls, struct MHD_Connection *c, const char *url,
                                 const char *method, const char *version,
                                 const char *upload_data, size_t *upload_data_size,
                                 void **state)
{
    prom_t *p = cls;
    buf_t b = {0};

    (void)version;
    (void)upload_data;
    if (*state == NULL) { /* the headers: wait for the (empty) body */
        *state = p;
        return MHD_YES;
    }
    if (*upload_data_size != 0) {
        *upload_data_size = 0; /* a body is not read */
        return MHD_YES;
    }
    if (strcmp(url, "/metrics") != 0)
        return reply(c, MHD_HTTP_NOT_FOUND, strdup("not found: GET /metrics\n"), 24,
                     "text/plain; charset=utf-8");
    if (strcmp(method, "GET") != 0 && strcmp(method, "HEAD") != 0)
        return reply(c, MHD_HTTP_METHOD_NOT_ALLOWED, strdup("GET /metrics\n"), 13,
                     "text/plain; charset=utf-8");
    prom_write(p, &b);
    if (b.oom) {
        buf_free(&b);
        return reply(c, MHD_HTTP_SERVICE_UNAVAILABLE, strdup("out of memory\n"), 14,
                     "text/plain; charset=utf-8");
    }
    return reply(c, MHD_HTTP_OK, b.p != NULL ? b.p : strdup(""), b.len,
                 "text/plain; version=0.0.4; charset=utf-8");
}

static void on_mhd_log(void *cls, const char *fmt, va_list ap)
{
    char msg[512];

    (void)cls;
    vsnprintf(msg, sizeof(msg), fmt, ap);
    msg[strcspn(msg, "\n")] = '\0';
    log_warn("metrics listener: %s", msg);
}

int prom_listen(prom_t *p, const char *listen, char *err, size_t errlen)
{
    struct sockaddr_storage ss;
    socklen_t sl;
    unsigned flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_ERROR_LOG;

    if (serve_parse_listen(listen, &ss, &sl) < 0) {
        snprintf(err, errlen, "'%s' is not ADDR:PORT (127.0.0.1:9153, [::1]:9153)",
                 listen);
        return -EINVAL;
    }
    if (ss.ss_family == AF_INET6)
        flags |= MHD_USE_IPv6;
    /* a scrape is small and rare: few connections, short timeouts */
    p->mhd = MHD_start_daemon(
        flags, 0, NULL, NULL, on_access, p, MHD_OPTION_EXTERNAL_LOGGER, on_mhd_log, p,
        MHD_OPTION_SOCK_ADDR, (const struct sockaddr *)&ss, MHD_OPTION_CONNECTION_LIMIT,
        64u, MHD_OPTION_CONNECTION_TIMEOUT, 30u, MHD_OPTION_PER_IP_CONNECTION_LIMIT, 16u,
        MHD_OPTION_END);
    if (p->mhd == NULL) {
        snprintf(err, errlen,
                 "cannot listen on %s (in use, or not an address of this host)", listen);
        return -EADDRINUSE;
    }
    return 0;
}

unsigned prom_port(const prom_t *p)
{
    const union MHD_DaemonInfo *i;

    if (p == NULL || p->mhd == NULL)
        return 0;
    i = MHD_get_daemon_info(p->mhd, MHD_DAEMON_INFO_BIND_PORT);
    return i != NULL ? i->port : 0;
}

/* ---- the families every command exports ------------------------------------------ */

int prom_std_init(prom_std_t *m, prom_t *reg, const char *command, const char *version)
{
    static const char *const prop_l[] = {"nameserver", "kind", "vantage", NULL};
    static const char *const polls_l[] = {"nameserver", "outcome", "reason", NULL};
    static const char *const ops_l[] = {"kind", "result", NULL};
    static const char *const nsz_l[] = {"nameserver", "zone", NULL};
    static const char *const build_l[] = {"version", "command", NULL};
    static const char *const zone_l[] = {"zone", NULL};
    static const char *const stage_l[] = {"stage", "kind", NULL};
    const char *const bv[] = {version, command};
    prom_family_t *build, *start;

    memset(m, 0, sizeof(*m));
    m->reg = reg;
    m->propagation = prom_family(reg, "dnsprop_propagation_seconds",
                                 "Time from a change's acknowledgement (or start_time) "
                                 "until a nameserver served it.",
                                 PROM_HISTOGRAM, prop_l, prom_propagation_buckets,
                                 prom_npropagation_buckets);
    m->stages = prom_family(
        reg, "dnsprop_stage_seconds",
        "Time a change took to reach a stage, once every nameserver served it: api (the "
        "target's acknowledgement), primary, secondaries, transfer (primary to the "
        "slowest "
        "secondary), all.",
        PROM_HISTOGRAM, stage_l, prom_propagation_buckets, prom_npropagation_buckets);
    m->polls =
        prom_family(reg, "dnsprop_polls_total",
                    "Polls ended, by nameserver, outcome (COMPLETED, TIMEOUT, ERROR, "
                    "CANCELLED) and reason.",
                    PROM_COUNTER, polls_l, NULL, 0);
    m->queries = prom_family(reg, "dnsprop_queries_sent_total",
                             "DNS queries the probes sent.", PROM_COUNTER, NULL, NULL, 0);
    m->pending = prom_family(reg, "dnsprop_polls_pending", "Polls in flight.", PROM_GAUGE,
                             NULL, NULL, 0);
    m->ops = prom_family(reg, "dnsprop_operations_total",
                         "Changes made through the target, by kind and result (offered, "
                         "acknowledged, failed).",
                         PROM_COUNTER, ops_l, NULL, 0);
    m->last_canary = prom_family(reg, "dnsprop_canary_propagation_seconds",
                                 "The last canary's propagation time to a nameserver.",
                                 PROM_GAUGE, nsz_l, NULL, 0);
    m->canary_missed = prom_family(reg, "dnsprop_canary_missed_total",
                                   "Canary intervals skipped because the zone's previous "
                                   "canary was still propagating.",
                                   PROM_COUNTER, zone_l, NULL, 0);
    m->serial =
        prom_family(reg, "dnsprop_serial", "The last SOA serial a nameserver answered.",
                    PROM_GAUGE, nsz_l, NULL, 0);
    m->clock_sync = prom_family(reg, "dnsprop_clock_synchronised",
                                "1 when the kernel clock is NTP-synchronised.",
                                PROM_GAUGE, NULL, NULL, 0);
    m->clock_offset =
        prom_family(reg, "dnsprop_clock_offset_seconds",
                    "The clock's offset from its NTP source.", PROM_GAUGE, NULL, NULL, 0);
    m->clock_maxerror = prom_family(reg, "dnsprop_clock_maxerror_seconds",
                                    "The kernel's bound on the clock's error.",
                                    PROM_GAUGE, NULL, NULL, 0);
    m->rss = prom_family(reg, "process_resident_memory_bytes",
                         "Resident memory size in bytes.", PROM_GAUGE, NULL, NULL, 0);
    build =
        prom_family(reg, "dnsprop_build_info", "The dnsprop build and command, always 1.",
                    PROM_GAUGE, build_l, NULL, 0);
    start = prom_family(reg, "process_start_time_seconds",
                        "Start time of the process since unix epoch in seconds.",
                        PROM_GAUGE, NULL, NULL, 0);
    if (m->propagation == NULL || m->polls == NULL || m->stages == NULL ||
        m->queries == NULL || m->pending == NULL || m->ops == NULL ||
        m->last_canary == NULL || m->serial == NULL || m->canary_missed == NULL ||
        m->clock_sync == NULL || m->clock_offset == NULL || m->clock_maxerror == NULL ||
        m->rss == NULL || build == NULL || start == NULL)
        return -ENOMEM;
    prom_set(build, bv, 1);
    prom_set(start, NULL, (double)time(NULL));
    prom_std_rss(m);
    return 0;
}

/* A reason as a label value: its numbers as N and what follows a '(' (a
 * server's own words, the last rcode) dropped, so that "unreachable: no
 * answer to 50 queries (Timeout)" and the same after 51 queries are one
 * series: a label's values must stay few (Prometheus' naming practices). */
void prom_reason_class(const char *reason, char *out, size_t size)
{
    size_t n = 0;

    for (const char *p = reason; *p != '\0' && *p != '(' && n + 1 < size; p++) {
        if (*p >= '0' && *p <= '9') {
            while (p[1] >= '0' && p[1] <= '9')
                p++;
            out[n++] = 'N';
        } else {
            out[n++] = *p;
        }
    }
    while (n > 0 && (out[n - 1] == ' ' || out[n - 1] == ',' || out[n - 1] == ';'))
        n--;
    out[n] = '\0';
}

void prom_std_poll(prom_std_t *m, const char *ns, const char *kind, const char *vantage,
                   const char *outcome, const char *reason, double duration)
{
    char rc[128];
    const char *const pv[] = {ns, kind, vantage};
    const char *const cv[] = {ns, outcome, rc};

    if (m == NULL)
        return;
    prom_reason_class(reason, rc, sizeof(rc));
    prom_add(m->polls, cv, 1);
    if (strcmp(outcome, "COMPLETED") == 0 && duration >= 0)
        prom_observe(m->propagation, pv, duration);
}

void prom_std_rss(prom_std_t *m)
{
    FILE *f;
    unsigned long size, resident;

    if (m == NULL || (f = fopen("/proc/self/statm", "r")) == NULL)
        return;
    if (fscanf(f, "%lu %lu", &size, &resident) == 2)
        prom_set(m->rss, NULL, (double)resident * (double)sysconf(_SC_PAGESIZE));
    fclose(f);
}

void prom_std_clock(prom_std_t *m, bool synchronised, double offset_s, double maxerror_s)
{
    if (m == NULL)
        return;
    prom_set(m->clock_sync, NULL, synchronised ? 1 : 0);
    prom_set(m->clock_offset, NULL, offset_s);
    prom_set(m->clock_maxerror, NULL, maxerror_s);
}

void prom_std_stage(prom_std_t *m, const char *stage, const char *kind, double v)
{
    const char *const sv[] = {stage, kind};

    if (m != NULL && v >= 0)
        prom_observe(m->stages, sv, v);
}
