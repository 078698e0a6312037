/*
 * target_http: any REST API as a target (OpenStack Designate, PowerDNS,
 * an IPAM...), from request templates in the [target NAME] section
 * (type = http). The contract, also in workloads/http/README.md:
 *
 *   url      = https://api.example:9001        ; base of relative K.url
 *   api_key  = ${OS_TOKEN}                     ; or api_key_file; ${api_key}
 *   catalog  = catalog.example.                ; optional; ${catalog}
 *   headers  = X-Auth-Token: ${api_key} | X-Other: text   ; every call
 *   timeout  = 30                              ; seconds per call (default 30)
 *
 *   For each operation kind K (zone_create zone_update zone_delete
 *   record_create record_update record_delete):
 *   K.method  = POST                           ; upper case
 *   K.url     = /v2/zones/${zone_id}/recordsets ; relative to url unless
 *                                                 it starts with http(s)://
 *   K.body    = {"name": "${name}", "ttl": ${ttl}, "records": ${values}}
 *   K.values  = {"content": "${value}"}        ; optional: the shape of
 *                                                 one element of ${values}
 *   K.capture = recordset_id=/id [var=/json/pointer ...]
 *
 *   serial.method = GET                        ; the zone's serial, read
 *   serial.url    = /v2/zones/${zone_id}       ; after zone_create and
 *   serial.pointer = /serial                   ; zone_update
 *
 * Placeholders: ${zone} (canonical, trailing dot), ${zone_nodot},
 * ${name} (the owner; the apex for zone operations), ${relname} (relative
 * to the zone, "@" at the apex), ${type} (mnemonic; TXT for zone_update,
 * SOA for the other zone operations), ${ttl}, ${value} (the first value,
 * zone-file form, "" if none), ${values}, ${now} (epoch seconds, for SOA
 * serials), ${api_key}, ${catalog}, and every captured variable. In K.url
 * the filled text is percent-encoded; in K.body it is JSON-escaped inside
 * string literals and stands for a whole JSON value outside them (a
 * number, true, false or null as it is, anything else as a string), so
 * "ttl": ${ttl} is a number. ${values} there is a JSON array: of the
 * values as strings, or with K.values, of K.values filled once per value
 * (${value} being that value), e.g. PowerDNS's [{"content": ...}, ...].
 * Headers are filled once, from ${api_key} and ${catalog}. ${VAR} set in
 * the environment was expanded by the scenario reader already: any other
 * name is a typo or an unset variable.
 *
 * Captures (K.capture) take values out of a 2xx JSON response by RFC 6901
 * pointer. Those of zone_create and zone_update are kept per zone, those
 * of record_create and record_update per (zone, name, type); a record
 * operation sees its own (zone, name, type) values first, then its
 * zone's. zone_create starts its zone afresh, zone_delete drops the zone
 * and its records' values, record_delete drops the record's. So a
 * Designate recordset id captured on record_create is there for the
 * update and delete of the same name and type. The values are shared by
 * every target_t made from one target_conf_t (the driver's API workers),
 * under a mutex; they live as long as the last of them.
 *
 * Scenario lines are at most ~200 characters (inih): `KEY+ = more`
 * continues headers, K.body, K.values or K.capture on the next line
 * (joined with a newline: break a body between JSON tokens); a plain
 * `KEY =` given again, e.g. in a later section of the same name, replaces
 * the value.
 *
 * Reading the scenario (http_conf_key) takes url, api_key, api_key_file
 * and catalog, refuses the keys of other kinds, and keeps every other key
 * in order for http_create(); ${VAR} set in the environment is
 * expanded then, any other ${...} is left for the templates.
 *
 * Everything is checked when the target is created (bodies are filled
 * with example values and parsed), so a template mistake stops the run
 * before anything starts. A missing template fails that operation, naming
 * the key. A status other than 2xx fails it with the status and the
 * server's message (/error, /message, /description, /error/message, else
 * the body's first 200 bytes); 500, 429 and 503 are retried as in
 * target_pdns.c. One CURL easy handle per target_t keeps the connection
 * alive between calls.
 */
#include <curl/curl.h>
#include <errno.h>
#include <jansson.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "harness/common/buf.h"
#include "harness/common/errcode.h"
#include "harness/common/hash.h"
#include "harness/common/log.h"
#include "harness/common/numparse.h"
#include "harness/targets/target.h"
#include "harness/targets/target_http.h"
#include "harness/targets/target_http_status.h"
#include "harness/common/timebase.h"
#include "harness/common/vec.h"
#include "probes/rdata.h"

#define SERIAL_SLOT    OP_KINDS             /* tmpl[SERIAL_SLOT]: serial.* */
#define STATUS_SLOT(k) (OP_KINDS + 1 + (k)) /* K.status.url (or status.url) */
#define NSLOTS         (2 * OP_KINDS + 1)
#define MAX_RETRIES    4
#define SNIPPET        200 /* bytes of a body quoted in an error */
#define NBUILTIN       10  /* placeholders in vars (not ${values}) */
#define KEYS_HELP                                                                        \
    "headers, timeout, K.method, K.url, K.body, K.values, K.capture for K in "           \
    "zone_create zone_update zone_delete record_create record_update record_delete, "    \
    "serial.method, serial.url, serial.pointer, status.url, K.status.url, "              \
    "status.method, status.pointer, K.status.pointer, status.in_sync, status.failed, "   \
    "status.gone, status.frequency, status.timeout"

static const char *const builtins[] = {"zone", "zone_nodot", "name",    "relname",
                                       "type", "ttl",        "value",   "values",
                                       "now",  "api_key",    "catalog", NULL};

/* ---- growing strings ---------------------------------------------------------- */

typedef buf_t sbuf_t;

static void sb_add(sbuf_t *b, const char *s, size_t n)
{
    buf_add(b, s, n);
}

static void sb_puts(sbuf_t *b, const char *s)
{
    sb_add(b, s, strlen(s));
}

static void sb_putc(sbuf_t *b, char c)
{
    sb_add(b, &c, 1);
}

/* The text (the caller frees it), or NULL when out of memory. */
static char *sb_take(sbuf_t *b)
{
    if (b->oom) {
        free(b->p);
        return NULL;
    }
    return b->p != NULL ? b->p : strdup("");
}

/* ---- JSON pointers (RFC 6901) ------------------------------------------------- */

int target_http_pointer_check(const char *ptr)
{
    const char *p;

    if (ptr[0] != '\0' && ptr[0] != '/')
        return DP_EPARSE;
    for (p = ptr; *p != '\0'; p++)
        if (p[0] == '~' && p[1] != '0' && p[1] != '1')
            return DP_EPARSE;
    return 0;
}

/* An array index token (section 4): "0" or digits without a leading zero. */
static int array_index(const char *tok, size_t size, size_t *out)
{
    size_t i = 0;
    const char *p;

    if (tok[0] == '\0' || (tok[0] == '0' && tok[1] != '\0'))
        return DP_EEMPTY;
    for (p = tok; *p != '\0'; p++) {
        if (*p < '0' || *p > '9')
            return DP_EEMPTY; /* "-" (past the end) and names alike */
        if (i > (SIZE_MAX - 9) / 10)
            return DP_EEMPTY;
        i = i * 10 + (size_t)(*p - '0');
    }
    if (i >= size)
        return DP_EEMPTY;
    *out = i;
    return 0;
}

int target_http_json_pointer(const json_t *doc, const char *ptr, json_t **out)
{
    const json_t *cur = doc;
    const char *p = ptr;
    char *tok = NULL;
    int ret = 0;

    if (target_http_pointer_check(ptr) < 0)
        return DP_EPARSE;
    tok = malloc(strlen(ptr) + 1);
    if (tok == NULL)
        return -ENOMEM;
    while (*p == '/' && cur != NULL) {
        size_t o = 0;
        p++;
        /* Unescape in one pass, left to right: "~01" is "~1", as the
         * section 4 order (~1 first, then ~0) gives. */
        while (*p != '\0' && *p != '/') {
            if (p[0] == '~') {
                tok[o++] = p[1] == '1' ? '/' : '~';
                p += 2;
            } else {
                tok[o++] = *p++;
            }
        }
        tok[o] = '\0';
        if (json_is_object(cur)) {
            cur = json_object_getn(cur, tok, o);
        } else if (json_is_array(cur)) {
            size_t i;
            if (array_index(tok, json_array_size(cur), &i) < 0)
                cur = NULL;
            else
                cur = json_array_get(cur, i);
        } else {
            cur = NULL;
        }
    }
    if (cur == NULL)
        ret = DP_EEMPTY;
    else
        *out = (json_t *)(uintptr_t)cur;
    free(tok);
    return ret;
}

char *target_http_json_text(const json_t *v)
{
    char num[64];

    switch (json_typeof(v)) {
    case JSON_STRING:
        return strndup(json_string_value(v), json_string_length(v));
    case JSON_INTEGER:
        snprintf(num, sizeof(num), "%" JSON_INTEGER_FORMAT, json_integer_value(v));
        return strdup(num);
    case JSON_REAL:
        snprintf(num, sizeof(num), "%.17g", json_real_value(v));
        return strdup(num);
    case JSON_TRUE:
        return strdup("true");
    case JSON_FALSE:
        return strdup("false");
    case JSON_NULL:
        return strdup("null");
    default:
        return json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY);
    }
}

/* ---- placeholder filling ------------------------------------------------------ */

static bool is_digit(char c)
{
    return c >= '0' && c <= '9';
}

/* A JSON number (RFC 8259 section 6), true, false or null. */
static bool is_json_literal(const char *s)
{
    const char *p = s;

    if (strcmp(s, "true") == 0 || strcmp(s, "false") == 0 || strcmp(s, "null") == 0)
        return true;
    if (*p == '-')
        p++;
    if (*p == '0')
        p++;
    else if (*p >= '1' && *p <= '9')
        while (is_digit(*p))
            p++;
    else
        return false;
    if (*p == '.') {
        p++;
        if (!is_digit(*p))
            return false;
        while (is_digit(*p))
            p++;
    }
    if (*p == 'e' || *p == 'E') {
        p++;
        if (*p == '+' || *p == '-')
            p++;
        if (!is_digit(*p))
            return false;
        while (is_digit(*p))
            p++;
    }
    return *p == '\0';
}

/* The inside of a JSON string literal (RFC 8259 section 7). */
static void put_json_escaped(sbuf_t *b, const char *s)
{
    for (; *s != '\0'; s++) {
        unsigned char c = (unsigned char)*s;
        char u[8];
        switch (c) {
        case '"':
            sb_puts(b, "\\\"");
            break;
        case '\\':
            sb_puts(b, "\\\\");
            break;
        case '\n':
            sb_puts(b, "\\n");
            break;
        case '\r':
            sb_puts(b, "\\r");
            break;
        case '\t':
            sb_puts(b, "\\t");
            break;
        default:
            if (c < 0x20) {
                snprintf(u, sizeof(u), "\\u%04x", c);
                sb_puts(b, u);
            } else {
                sb_putc(b, (char)c);
            }
        }
    }
}

/* RFC 3986 2.1; unreserved characters (2.3) and the path's / : @ stay, so
 * that a captured absolute URL or path still works as a whole template. */
static void put_url_escaped(sbuf_t *b, const char *s)
{
    static const char hex[] = "0123456789ABCDEF";

    for (; *s != '\0'; s++) {
        unsigned char c = (unsigned char)*s;
        if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || is_digit((char)c) ||
            strchr("-._~/:@", c) != NULL) {
            sb_putc(b, (char)c);
        } else {
            char e[3] = {'%', hex[c >> 4], hex[c & 15]};
            sb_add(b, e, 3);
        }
    }
}

static void put_value(sbuf_t *b, target_http_fill_t mode, bool in_str, const char *v)
{
    switch (mode) {
    case TARGET_HTTP_FILL_URL:
        put_url_escaped(b, v);
        break;
    case TARGET_HTTP_FILL_JSON:
        if (in_str) {
            put_json_escaped(b, v);
        } else if (is_json_literal(v)) {
            sb_puts(b, v);
        } else {
            sb_putc(b, '"');
            put_json_escaped(b, v);
            sb_putc(b, '"');
        }
        break;
    default: /* a header line: no line breaks may get in */
        for (; *v != '\0'; v++)
            sb_putc(b, *v == '\r' || *v == '\n' ? ' ' : *v);
    }
}

static const char *find_var(const char *const *vars, const char *name, size_t len)
{
    size_t i;

    for (i = 0; vars != NULL && vars[i] != NULL; i += 2)
        if (strlen(vars[i]) == len && memcmp(vars[i], name, len) == 0)
            return vars[i + 1];
    return NULL;
}

/* One element of ${values} from the item template: vars with ${value}
 * bound to v first. */
static int put_item(sbuf_t *b, const char *item, const char *const *vars, char *v,
                    char *err, size_t errlen)
{
    size_t n = 0;
    const char **v2;
    char *piece = NULL;
    int ret;

    while (vars != NULL && vars[n] != NULL)
        n += 2;
    v2 = calloc(n + 3, sizeof(*v2));
    if (v2 == NULL)
        return -ENOMEM;
    v2[0] = "value";
    v2[1] = v;
    if (n > 0)
        memcpy(v2 + 2, vars, n * sizeof(*v2));
    ret = target_http_fill(item, TARGET_HTTP_FILL_JSON, v2, &v, 1, NULL, &piece, err,
                           errlen);
    if (ret == 0)
        sb_puts(b, piece);
    free(piece);
    free(v2);
    return ret;
}

static int put_values(sbuf_t *b, target_http_fill_t mode, bool in_str,
                      const char *const *vars, char *const *values, size_t nvalues,
                      const char *item, char *err, size_t errlen)
{
    size_t i;
    int ret;

    if (mode == TARGET_HTTP_FILL_JSON && !in_str) {
        sb_putc(b, '[');
        for (i = 0; i < nvalues; i++) {
            if (i > 0)
                sb_puts(b, ", ");
            if (item != NULL) {
                ret = put_item(b, item, vars, values[i], err, errlen);
                if (ret < 0)
                    return ret;
            } else {
                sb_putc(b, '"');
                put_json_escaped(b, values[i]);
                sb_putc(b, '"');
            }
        }
        sb_putc(b, ']');
        return 0;
    }
    for (i = 0; i < nvalues; i++) {
        if (i > 0)
            put_value(b, mode, in_str, ",");
        put_value(b, mode, in_str, values[i]);
    }
    return 0;
}

int target_http_fill(const char *tmpl, target_http_fill_t mode, const char *const *vars,
                     char *const *values, size_t nvalues, const char *item, char **out,
                     char *err, size_t errlen)
{
    sbuf_t b = {0};
    const char *p = tmpl;
    bool in_str = false; /* JSON: inside a string literal */
    bool esc = false;    /* JSON: after a backslash in one */

    while (*p != '\0') {
        if (p[0] == '$' && p[1] == '{') {
            const char *name = p + 2;
            const char *end = strchr(name, '}');
            size_t len;
            if (end == NULL) {
                snprintf(err, errlen, "unterminated ${ in '%.100s'", p);
                free(b.p);
                return DP_EPARSE;
            }
            len = (size_t)(end - name);
            if (len == 6 && memcmp(name, "values", 6) == 0) {
                int ret = put_values(&b, mode, in_str, vars, values, nvalues, item, err,
                                     errlen);
                if (ret < 0) {
                    free(b.p);
                    return ret;
                }
            } else {
                const char *v = find_var(vars, name, len);
                if (v == NULL) {
                    snprintf(err, errlen, "${%.*s} is not set", (int)len, name);
                    free(b.p);
                    return DP_EPARSE;
                }
                put_value(&b, mode, in_str, v);
            }
            p = end + 1;
            continue;
        }
        if (mode == TARGET_HTTP_FILL_JSON) {
            if (!in_str)
                in_str = *p == '"';
            else if (esc)
                esc = false;
            else if (*p == '\\')
                esc = true;
            else if (*p == '"')
                in_str = false;
        }
        sb_putc(&b, *p++);
    }
    *out = sb_take(&b);
    return *out != NULL ? 0 : -ENOMEM;
}

/* ---- the [target NAME] keys, as the scenario reader hands them over --------- */

typedef struct {
    char *key;
    char *value;
} kv_t;

typedef struct {
    target_api_conf_t api; /* url, api_key, catalog */
    kv_t *kv;              /* every other key, in file order */
    size_t nkv, capkv;
} http_conf_t;

/* ---- configuration, shared by the target_t of one target_conf_t -------------- */

typedef struct {
    char *method;
    char *url;
    char *body;
    char *values;  /* one element of ${values} in body (NULL: the value) */
    char *pointer; /* serial only */
    char **cap;    /* capture: name, pointer pairs */
    size_t ncap;
    size_t capcap; /* cap's capacity (pointers) */
} tmpl_t;

/* Captured values of one zone (key "zone") or one record (key "zone name
 * type"), in a chained hash table. */
typedef struct scope {
    struct scope *next;
    char *key;
    size_t zlen; /* length of the zone part of key */
    char **vars; /* name, value pairs */
    size_t nvars;
    size_t capvars; /* vars' capacity (pointers) */
} scope_t;

typedef struct conf {
    struct conf *next; /* the registry */
    const target_conf_t *cfg;
    const http_conf_t *hc; /* cfg->conf */
    unsigned refs;
    tmpl_t tmpl[NSLOTS];
    target_http_status_conf_t st; /* status.* but the URLs (in tmpl) */
    bool watched;                 /* some K.status.url is set */
    char **headers;               /* filled header lines */
    size_t nheaders, capheaders;
    long timeout;
    pthread_mutex_t mu; /* the scopes */
    scope_t **buckets;
    size_t nbuckets;
    size_t nscopes;
} conf_t;

static pthread_mutex_t registry_mu = PTHREAD_MUTEX_INITIALIZER;
static conf_t *registry;

static void scope_free(scope_t *s)
{
    size_t i;

    for (i = 0; i < s->nvars * 2; i++)
        free(s->vars[i]);
    free(s->vars);
    free(s->key);
    free(s);
}

static scope_t *scope_find(conf_t *c, const char *key)
{
    scope_t *s;

    if (c->nbuckets == 0)
        return NULL;
    for (s = c->buckets[hash_fnv1a_str(HASH_FNV1A_INIT, key) % c->nbuckets]; s != NULL;
         s = s->next)
        if (strcmp(s->key, key) == 0)
            return s;
    return NULL;
}

/* Keep the chains short: double the table when it holds 2 scopes a bucket. */
static int scope_grow(conf_t *c)
{
    size_t n = c->nbuckets == 0 ? 64 : c->nbuckets * 2;
    scope_t **nb = calloc(n, sizeof(*nb));
    size_t i;

    if (nb == NULL)
        return -ENOMEM;
    for (i = 0; i < c->nbuckets; i++) {
        scope_t *s = c->buckets[i];
        while (s != NULL) {
            scope_t *next = s->next;
            size_t h = hash_fnv1a_str(HASH_FNV1A_INIT, s->key) % n;
            s->next = nb[h];
            nb[h] = s;
            s = next;
        }
    }
    free(c->buckets);
    c->buckets = nb;
    c->nbuckets = n;
    return 0;
}

static scope_t *scope_get(conf_t *c, const char *key, size_t zlen)
{
    scope_t *s = scope_find(c, key);
    size_t h;

    if (s != NULL)
        return s;
    if (c->nscopes >= c->nbuckets * 2 && scope_grow(c) < 0)
        return NULL;
    s = calloc(1, sizeof(*s));
    if (s == NULL)
        return NULL;
    s->key = strdup(key);
    if (s->key == NULL) {
        free(s);
        return NULL;
    }
    s->zlen = zlen;
    h = hash_fnv1a_str(HASH_FNV1A_INIT, key) % c->nbuckets;
    s->next = c->buckets[h];
    c->buckets[h] = s;
    c->nscopes++;
    return s;
}

/* Set name (replacing) in s; takes value. */
static int scope_set(scope_t *s, const char *name, char *value)
{
    size_t i;

    for (i = 0; i < s->nvars; i++) {
        if (strcmp(s->vars[2 * i], name) == 0) {
            free(s->vars[2 * i + 1]);
            s->vars[2 * i + 1] = value;
            return 0;
        }
    }
    if (VEC_RESERVE(s->vars, s->capvars, (s->nvars + 1) * 2) < 0)
        return -ENOMEM;
    s->vars[2 * s->nvars] = strdup(name);
    if (s->vars[2 * s->nvars] == NULL)
        return -ENOMEM;
    s->vars[2 * s->nvars + 1] = value;
    s->nvars++;
    return 0;
}

/* Drop the scope of key, if there is one. */
static void scope_drop(conf_t *c, const char *key)
{
    scope_t **pp;

    if (c->nbuckets == 0)
        return;
    for (pp = &c->buckets[hash_fnv1a_str(HASH_FNV1A_INIT, key) % c->nbuckets];
         *pp != NULL; pp = &(*pp)->next) {
        scope_t *s = *pp;
        if (strcmp(s->key, key) == 0) {
            *pp = s->next;
            scope_free(s);
            c->nscopes--;
            return;
        }
    }
}

/* Drop a zone's scope and its records': O(scopes), since records are
 * hashed by their whole key; zone creates and deletes are the rare ones. */
static void scope_drop_zone(conf_t *c, const char *zone)
{
    size_t zl = strlen(zone);
    size_t i;

    for (i = 0; i < c->nbuckets; i++) {
        scope_t **pp = &c->buckets[i];
        while (*pp != NULL) {
            scope_t *s = *pp;
            if (s->zlen == zl && memcmp(s->key, zone, zl) == 0) {
                *pp = s->next;
                scope_free(s);
                c->nscopes--;
            } else {
                pp = &s->next;
            }
        }
    }
}

static void conf_free(conf_t *c)
{
    size_t i;
    size_t k;

    target_http_status_conf_clear(&c->st);
    for (k = 0; k < NSLOTS; k++) {
        free(c->tmpl[k].method);
        free(c->tmpl[k].url);
        free(c->tmpl[k].body);
        free(c->tmpl[k].values);
        free(c->tmpl[k].pointer);
        for (i = 0; i < c->tmpl[k].ncap * 2; i++)
            free(c->tmpl[k].cap[i]);
        free(c->tmpl[k].cap);
    }
    for (i = 0; i < c->nheaders; i++)
        free(c->headers[i]);
    free(c->headers);
    for (i = 0; i < c->nbuckets; i++) {
        scope_t *s = c->buckets[i];
        while (s != NULL) {
            scope_t *next = s->next;
            scope_free(s);
            s = next;
        }
    }
    free(c->buckets);
    pthread_mutex_destroy(&c->mu);
    free(c);
}

/* ---- reading the templates -------------------------------------------------- */

/* status.KEY given, in file order of the last of each (see
 * target_http_status_conf_key). */
static const char *const status_keys[] = {"in_sync", "failed", "gone", "frequency",
                                          "timeout"};
#define NSTATUS_KEYS 5

typedef struct {
    char *headers;
    char *timeout;
    char *capture[OP_KINDS];
    char *status_url; /* status.url: every K without its own */
    char *status[NSTATUS_KEYS];
} raw_t;

/* The status.FIELD slot (key_slot's). */
static char **status_slot(conf_t *c, raw_t *r, const char *field)
{
    if (strcmp(field, "url") == 0)
        return &r->status_url;
    if (strcmp(field, "method") == 0)
        return &c->st.method;
    if (strcmp(field, "pointer") == 0)
        return &c->st.pointer;
    for (size_t i = 0; i < NSTATUS_KEYS; i++)
        if (strcmp(field, status_keys[i]) == 0)
            return &r->status[i];
    return NULL;
}

/* Where key's value goes; *multi: it may be continued with KEY+. */
static char **key_slot(conf_t *c, raw_t *r, const char *key, bool *multi)
{
    const char *dot = strchr(key, '.');
    char prefix[32];
    const char *field;
    op_kind_t k = OP_KINDS;

    *multi = false;
    if (strcmp(key, "headers") == 0) {
        *multi = true;
        return &r->headers;
    }
    if (strcmp(key, "timeout") == 0)
        return &r->timeout;
    if (dot == NULL || (size_t)(dot - key) >= sizeof(prefix))
        return NULL;
    memcpy(prefix, key, (size_t)(dot - key));
    prefix[dot - key] = '\0';
    field = dot + 1;
    if (strcmp(prefix, "status") == 0)
        return status_slot(c, r, field);
    if (strcmp(prefix, "serial") != 0 && op_kind_from_str(prefix, &k) < 0)
        return NULL;
    if (k < OP_KINDS && strcmp(field, "status.url") == 0)
        return &c->tmpl[STATUS_SLOT(k)].url;
    if (k < OP_KINDS && strcmp(field, "status.pointer") == 0)
        return &c->st.kpointer[k];
    if (strcmp(field, "method") == 0)
        return &c->tmpl[k].method;
    if (strcmp(field, "url") == 0)
        return &c->tmpl[k].url;
    if (k == SERIAL_SLOT)
        return strcmp(field, "pointer") == 0 ? &c->tmpl[k].pointer : NULL;
    *multi = true;
    if (strcmp(field, "body") == 0)
        return &c->tmpl[k].body;
    if (strcmp(field, "values") == 0)
        return &c->tmpl[k].values;
    if (strcmp(field, "capture") == 0)
        return &r->capture[k];
    return NULL;
}

static const char *slot_name(int k)
{
    static const char *const st[OP_KINDS] = {
        "zone_create.status",   "zone_update.status",   "zone_delete.status",
        "record_create.status", "record_update.status", "record_delete.status"};

    if (k > SERIAL_SLOT && k < NSLOTS)
        return st[k - SERIAL_SLOT - 1];
    return k == SERIAL_SLOT ? "serial" : op_kind_str((op_kind_t)k);
}

/* The operation kind whose captures a slot sees (serial: a zone's). */
static int slot_kind(int k)
{
    return k > SERIAL_SLOT ? k - SERIAL_SLOT - 1 : k == SERIAL_SLOT ? OP_ZONE_UPDATE : k;
}

static bool is_builtin(const char *name, size_t len)
{
    size_t i;

    for (i = 0; builtins[i] != NULL; i++)
        if (strlen(builtins[i]) == len && memcmp(builtins[i], name, len) == 0)
            return true;
    return false;
}

static bool valid_var_name(const char *s, size_t len)
{
    size_t i;

    if (len == 0 || is_digit(s[0]))
        return false;
    for (i = 0; i < len; i++) {
        char ch = s[i];
        if (!((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || is_digit(ch) ||
              ch == '_'))
            return false;
    }
    return true;
}

/* "var=/pointer var2=/pointer" (blanks or newlines between). */
static int parse_capture(conf_t *c, int k, const char *raw, char *err, size_t errlen)
{
    const char *p = raw;
    tmpl_t *t = &c->tmpl[k];
    const char *name = c->cfg->name;

    if (k == OP_ZONE_DELETE || k == OP_RECORD_DELETE) {
        snprintf(err, errlen,
                 "[target %s] %s.capture: nothing would keep it (a delete drops what was "
                 "captured for its %s)",
                 name, slot_name(k), k == OP_ZONE_DELETE ? "zone" : "record");
        return DP_EPARSE;
    }
    for (;;) {
        const char *start;
        const char *eq;
        size_t len;
        while (*p == ' ' || *p == '\t' || *p == '\n')
            p++;
        if (*p == '\0')
            break;
        start = p;
        while (*p != '\0' && *p != ' ' && *p != '\t' && *p != '\n')
            p++;
        len = (size_t)(p - start);
        eq = memchr(start, '=', len);
        if (eq == NULL || !valid_var_name(start, (size_t)(eq - start))) {
            snprintf(err, errlen,
                     "[target %s] %s.capture: '%.*s' is not NAME=/json/pointer (NAME: "
                     "letters, digits, _)",
                     name, slot_name(k), (int)len, start);
            return DP_EPARSE;
        }
        if (is_builtin(start, (size_t)(eq - start))) {
            snprintf(err, errlen, "[target %s] %s.capture: %.*s is a placeholder's name",
                     name, slot_name(k), (int)(eq - start), start);
            return DP_EPARSE;
        }
        if (VEC_RESERVE(t->cap, t->capcap, (t->ncap + 1) * 2) < 0)
            return -ENOMEM;
        t->cap[2 * t->ncap] = strndup(start, (size_t)(eq - start));
        t->cap[2 * t->ncap + 1] = strndup(eq + 1, (size_t)(p - eq - 1));
        t->ncap++;
        if (t->cap[2 * t->ncap - 2] == NULL || t->cap[2 * t->ncap - 1] == NULL)
            return -ENOMEM;
        if (target_http_pointer_check(t->cap[2 * t->ncap - 1]) < 0) {
            snprintf(err, errlen,
                     "[target %s] %s.capture: '%s' is not a JSON pointer (RFC 6901: \"\" "
                     "or /key/0/..., ~0 for ~ and ~1 for /)",
                     name, slot_name(k), t->cap[2 * t->ncap - 1]);
            return DP_EPARSE;
        }
    }
    if (t->ncap == 0) {
        snprintf(err, errlen, "[target %s] %s.capture: empty", name, slot_name(k));
        return DP_EPARSE;
    }
    return 0;
}

/* Where a captured variable can be seen: 1 zone operations too, 2 record
 * operations only, 0 nowhere. */
static int captured(const conf_t *c, const char *name, size_t len)
{
    int where = 0;
    int k;
    size_t i;

    for (k = 0; k < OP_KINDS; k++) {
        for (i = 0; i < c->tmpl[k].ncap; i++) {
            const char *v = c->tmpl[k].cap[2 * i];
            if (strlen(v) != len || memcmp(v, name, len) != 0)
                continue;
            if (k == OP_ZONE_CREATE || k == OP_ZONE_UPDATE)
                return 1;
            where = 2;
        }
    }
    return where;
}

/* Every ${x} in tmpl must be a placeholder or captured where k can see it. */
static int check_vars(const conf_t *c, int k, const char *field, const char *tmpl,
                      char *err, size_t errlen)
{
    const char *p = tmpl;
    bool record = slot_kind(k) >= OP_RECORD_CREATE;

    while ((p = strstr(p, "${")) != NULL) {
        const char *name = p + 2;
        const char *end = strchr(name, '}');
        size_t len;
        int where;
        if (end == NULL) {
            snprintf(err, errlen, "[target %s] %s.%s: unterminated ${ in '%.60s'",
                     c->cfg->name, slot_name(k), field, p);
            return DP_EPARSE;
        }
        len = (size_t)(end - name);
        where = captured(c, name, len);
        if (!is_builtin(name, len) && where == 0) {
            snprintf(err, errlen,
                     "[target %s] %s.%s: ${%.*s} is not a placeholder (${zone} "
                     "${zone_nodot} ${name} ${relname} ${type} ${ttl} ${value} ${values} "
                     "${now} ${api_key} ${catalog}), not captured by any K.capture, and "
                     "not set in the environment",
                     c->cfg->name, slot_name(k), field, (int)len, name);
            return DP_EPARSE;
        }
        if (!is_builtin(name, len) && where == 2 && !record) {
            snprintf(err, errlen,
                     "[target %s] %s.%s: ${%.*s} is captured per record (by "
                     "record_create/record_update.capture), and %s has no record",
                     c->cfg->name, slot_name(k), field, (int)len, name,
                     k == SERIAL_SLOT ? "serial" : "a zone operation");
            return DP_EPARSE;
        }
        p = end + 1;
    }
    return 0;
}

/* Placeholders with example values, to try the body templates out. */
static const char *const sample_builtins[2 * NBUILTIN] = {
    "zone",       "example.test.",
    "zone_nodot", "example.test",
    "name",       "www.example.test.",
    "relname",    "www",
    "type",       "A",
    "ttl",        "60",
    "value",      "192.0.2.1",
    "now",        "1700000000",
    "api_key",    "key",
    "catalog",    "catalog.example."};

/* A filled body must be JSON; err says where it is not. */
static int check_json(const char *what, const char *text, char *err, size_t errlen)
{
    json_error_t je;
    json_t *j = json_loads(text, JSON_DECODE_ANY, &je);
    size_t at;

    if (j != NULL) {
        json_decref(j);
        return 0;
    }
    at = je.position > 0 ? (size_t)je.position - 1 : 0;
    if (at > strlen(text))
        at = strlen(text);
    snprintf(err, errlen,
             "%s: not JSON once filled (%s, at %s%.40s%s); a placeholder goes inside a "
             "string literal or stands for a whole value",
             what, je.text, text[at] != '\0' ? "\"" : "the end", text + at,
             text[at] != '\0' ? "\"" : "");
    return DP_EPARSE;
}

static int check_body(const conf_t *c, int k, char *err, size_t errlen)
{
    const char **vars;
    char value[] = "192.0.2.1";
    char *sample[] = {value};
    size_t n = 2 * NBUILTIN + 1;
    size_t i;
    int j;
    char *out = NULL;
    char what[128];
    char sub[256];
    int ret;

    for (j = 0; j < OP_KINDS; j++)
        n += 2 * c->tmpl[j].ncap;
    vars = calloc(n, sizeof(*vars));
    if (vars == NULL)
        return -ENOMEM;
    n = 0;
    for (i = 0; i < 2 * NBUILTIN; i++)
        vars[n++] = sample_builtins[i];
    for (j = 0; j < OP_KINDS; j++) {
        for (i = 0; i < c->tmpl[j].ncap; i++) {
            vars[n++] = c->tmpl[j].cap[2 * i];
            vars[n++] = "sample-id";
        }
    }
    vars[n] = NULL;
    snprintf(what, sizeof(what), "[target %s] %s.body", c->cfg->name, slot_name(k));
    ret = target_http_fill(c->tmpl[k].body, TARGET_HTTP_FILL_JSON, vars, sample, 1,
                           c->tmpl[k].values, &out, sub, sizeof(sub));
    free(vars);
    if (ret == DP_EPARSE)
        snprintf(err, errlen, "%s: %s", what, sub);
    if (ret < 0)
        return ret;
    ret = check_json(what, out, err, errlen);
    free(out);
    return ret;
}

static bool is_absolute(const char *url)
{
    return strncasecmp(url, "http://", 7) == 0 || strncasecmp(url, "https://", 8) == 0;
}

static int check_slot(conf_t *c, int k, char *err, size_t errlen)
{
    tmpl_t *t = &c->tmpl[k];
    const char *name = c->cfg->name;
    const char *s = slot_name(k);
    const char *p;
    int ret;

    if (t->url == NULL) {
        if (t->method != NULL || t->body != NULL || t->values != NULL || t->ncap > 0 ||
            t->pointer != NULL) {
            snprintf(err, errlen, "[target %s] %s.url: missing (%s.%s is given)", name, s,
                     s,
                     t->method != NULL   ? "method"
                     : t->body != NULL   ? "body"
                     : t->values != NULL ? "values"
                     : t->ncap > 0       ? "capture"
                                         : "pointer");
            return DP_EPARSE;
        }
        return 0;
    }
    if (t->url[0] == '\0') {
        snprintf(err, errlen, "[target %s] %s.url: empty", name, s);
        return DP_EPARSE;
    }
    if (t->method == NULL) {
        if (k != SERIAL_SLOT) {
            snprintf(err, errlen, "[target %s] %s.method: missing (GET, POST, PUT, ...)",
                     name, s);
            return DP_EPARSE;
        }
        t->method = strdup("GET");
        if (t->method == NULL)
            return -ENOMEM;
    }
    for (p = t->method; *p != '\0' && *p >= 'A' && *p <= 'Z'; p++)
        ;
    if (*p != '\0' || p == t->method) {
        snprintf(err, errlen,
                 "[target %s] %s.method: '%s' is not an HTTP method (GET, POST, PUT, "
                 "PATCH, DELETE, ...: upper case)",
                 name, s, t->method);
        return DP_EPARSE;
    }
    if (c->hc->api.url == NULL && !is_absolute(t->url) && strncmp(t->url, "${", 2) != 0) {
        snprintf(err, errlen,
                 "[target %s] url: missing: %s.url '%.100s' is relative to it (or give "
                 "an http:// or https:// URL)",
                 name, s, t->url);
        return DP_EPARSE;
    }
    ret = check_vars(c, k, "url", t->url, err, errlen);
    if (ret == 0 && t->body != NULL)
        ret = check_vars(c, k, "body", t->body, err, errlen);
    if (ret == 0 && t->values != NULL)
        ret = check_vars(c, k, "values", t->values, err, errlen);
    if (ret == 0 && t->body != NULL)
        ret = check_body(c, k, err, errlen);
    if (ret == 0 && k == SERIAL_SLOT) {
        if (t->pointer == NULL) {
            snprintf(
                err, errlen,
                "[target %s] serial.pointer: missing (the JSON pointer to the serial "
                "in the response, e.g. /serial)",
                name);
            return DP_EPARSE;
        }
        if (target_http_pointer_check(t->pointer) < 0) {
            snprintf(err, errlen,
                     "[target %s] serial.pointer: '%s' is not a JSON pointer", name,
                     t->pointer);
            return DP_EPARSE;
        }
    }
    return ret;
}

/* The status poll's keys, once read: each K with a K.url gets status.url
 * unless it has its own K.status.url; every one set is checked as the
 * other templates are, with the captures K sees. */
static int check_status(conf_t *c, const raw_t *r, char *err, size_t errlen)
{
    target_http_status_conf_t *st = &c->st;
    const char *name = c->cfg->name;
    int ret = 0;
    int k;

    for (k = 0; k < NSTATUS_KEYS && ret == 0; k++) {
        char sub[200];
        if (r->status[k] == NULL)
            continue;
        ret = target_http_status_conf_key(st, status_keys[k], r->status[k], sub,
                                          sizeof(sub));
        if (ret == DP_EPARSE)
            snprintf(err, errlen, "[target %s] status.%s: %s", name, status_keys[k], sub);
    }
    for (k = 0; k < OP_KINDS && ret == 0; k++) {
        tmpl_t *t = &c->tmpl[STATUS_SLOT(k)];
        const char *ptr = st->kpointer[k] != NULL ? st->kpointer[k] : st->pointer;
        if (t->url == NULL && r->status_url != NULL && c->tmpl[k].url != NULL) {
            t->url = strdup(r->status_url);
            if (t->url == NULL)
                return -ENOMEM;
        }
        if (t->url == NULL)
            continue;
        c->watched = true;
        if (t->url[0] == '\0') {
            snprintf(err, errlen, "[target %s] %s.url: empty", name,
                     slot_name(STATUS_SLOT(k)));
            return DP_EPARSE;
        }
        if (ptr == NULL || target_http_pointer_check(ptr) < 0) {
            snprintf(err, errlen,
                     "[target %s] status.pointer: %s%s%s (the JSON pointer to the status "
                     "in the response, e.g. /status)",
                     name, ptr == NULL ? "missing" : "'", ptr == NULL ? "" : ptr,
                     ptr == NULL ? "" : "' is not a JSON pointer");
            return DP_EPARSE;
        }
        ret = check_vars(c, STATUS_SLOT(k), "url", t->url, err, errlen);
    }
    if (ret == 0 && c->watched && st->nin_sync == 0) {
        snprintf(err, errlen,
                 "[target %s] status.in_sync: missing (the value(s) at status.pointer "
                 "that mean the change is in sync, e.g. ACTIVE)",
                 name);
        ret = DP_EPARSE;
    }
    if (ret == 0 && !c->watched &&
        (st->method != NULL || st->pointer != NULL || st->nin_sync > 0 ||
         r->status_url != NULL)) {
        snprintf(err, errlen,
                 "[target %s] status.url: missing (or no K.url for it: status.* asks "
                 "the provider about the changes K makes)",
                 name);
        ret = DP_EPARSE;
    }
    if (ret == 0 && st->ngone == 0) {
        st->gone[0] = 404; /* a deleted zone or recordset: Not Found */
        st->ngone = 1;
    }
    return ret;
}

/* Header lines from "Name: value | Name: value" (| or newline between). */
static int parse_headers(conf_t *c, const char *raw, char *err, size_t errlen)
{
    const target_api_conf_t *a = &c->hc->api;
    const char *vars[] = {"api_key", a->api_key != NULL ? a->api_key : "", "catalog",
                          a->catalog != NULL ? a->catalog : "", NULL};
    const char *p = raw;

    while (*p != '\0') {
        const char *end = p + strcspn(p, "|\n");
        const char *q;
        char *one;
        char *filled = NULL;
        char **nh;
        char sub[256];
        int ret;
        while (p < end && (*p == ' ' || *p == '\t'))
            p++;
        q = end;
        while (q > p && (q[-1] == ' ' || q[-1] == '\t'))
            q--;
        if (q > p) {
            const char *colon = memchr(p, ':', (size_t)(q - p));
            if (colon == NULL || colon == p) {
                snprintf(err, errlen,
                         "[target %s] headers: '%.*s' is not 'Name: value' (headers are "
                         "separated by |)",
                         c->cfg->name, (int)(q - p), p);
                return DP_EPARSE;
            }
            one = strndup(p, (size_t)(q - p));
            if (one == NULL)
                return -ENOMEM;
            ret = target_http_fill(one, TARGET_HTTP_FILL_TEXT, vars, NULL, 0, NULL,
                                   &filled, sub, sizeof(sub));
            free(one);
            if (ret == DP_EPARSE)
                snprintf(err, errlen,
                         "[target %s] headers: %s (headers are filled once, from "
                         "${api_key}, ${catalog} and the environment)",
                         c->cfg->name, sub);
            if (ret < 0)
                return ret;
            nh = VEC_PUSH(c->headers, c->nheaders, c->capheaders);
            if (nh == NULL) {
                free(filled);
                return -ENOMEM;
            }
            *nh = filled;
        }
        p = *end != '\0' ? end + 1 : end;
    }
    return 0;
}

/* *slot, a newline, then v: KEY+ = v continues KEY. */
static int append_line(char **slot, const char *v)
{
    size_t ol = strlen(*slot);
    size_t vl = strlen(v);
    char *n = malloc(ol + vl + 2);

    if (n == NULL)
        return -ENOMEM;
    memcpy(n, *slot, ol);
    n[ol] = '\n';
    memcpy(n + ol + 1, v, vl + 1);
    free(*slot);
    *slot = n;
    return 0;
}

/* One KEY = value (or KEY+ = more) into its template. */
static int conf_kv(conf_t *c, raw_t *r, const char *key, const char *v, char *err,
                   size_t errlen)
{
    const char *name = c->cfg->name;
    char base[64];
    size_t kl = strlen(key);
    size_t bl = kl > 0 && key[kl - 1] == '+' ? kl - 1 : kl;
    bool append = bl < kl;
    bool multi = false;
    char **slot = NULL;

    if (bl < sizeof(base)) {
        memcpy(base, key, bl);
        base[bl] = '\0';
        slot = key_slot(c, r, base, &multi);
    }
    if (slot == NULL) {
        snprintf(err, errlen, "[target %s] %s: unknown key (%s; KEY+ continues a key)",
                 name, key, KEYS_HELP);
        return DP_EPARSE;
    }
    if (append && !multi) {
        snprintf(err, errlen,
                 "[target %s] %s: only headers, K.body, K.values and K.capture may be "
                 "continued with KEY+",
                 name, key);
        return DP_EPARSE;
    }
    if (append && *slot == NULL) {
        snprintf(err, errlen, "[target %s] %s: continues %s, which is not set above it",
                 name, key, base);
        return DP_EPARSE;
    }
    return append ? append_line(slot, v) : target_set_str(slot, v);
}

/* The templates as read into c and r, checked. */
static int conf_compile(conf_t *c, const raw_t *r, char *err, size_t errlen)
{
    const char *name = c->cfg->name;
    int ret = 0;
    int k;

    if (r->timeout != NULL) {
        uint32_t s;
        if (numparse_u32(r->timeout, &s) < 0 || s == 0 || s > 3600) {
            snprintf(err, errlen,
                     "[target %s] timeout: '%s' is not a number of seconds (1 to 3600)",
                     name, r->timeout);
            return DP_EPARSE;
        }
        c->timeout = (long)s;
    }
    for (k = 0; k < OP_KINDS && ret == 0; k++)
        if (r->capture[k] != NULL)
            ret = parse_capture(c, k, r->capture[k], err, errlen);
    if (ret == 0 && r->headers != NULL)
        ret = parse_headers(c, r->headers, err, errlen);
    for (k = 0; k <= OP_KINDS && ret == 0; k++)
        ret = check_slot(c, k, err, errlen);
    if (ret == 0)
        ret = check_status(c, r, err, errlen);
    if (ret == 0 && c->tmpl[SERIAL_SLOT].url == NULL &&
        (c->tmpl[OP_ZONE_CREATE].url != NULL || c->tmpl[OP_ZONE_UPDATE].url != NULL)) {
        snprintf(
            err, errlen,
            "[target %s] serial.url: missing: after %s the zone's serial is read, to "
            "wait for it on the nameservers (serial.method, serial.url, "
            "serial.pointer)",
            name, c->tmpl[OP_ZONE_CREATE].url != NULL ? "zone_create" : "zone_update");
        ret = DP_EPARSE;
    }
    if (ret == 0 && c->hc->nkv == 0) {
        snprintf(err, errlen,
                 "[target %s]: no templates (%s; see workloads/http/README.md)", name,
                 KEYS_HELP);
        ret = DP_EPARSE;
    }
    return ret;
}

static int conf_load(const target_conf_t *cfg, conf_t **out, char *err, size_t errlen)
{
    conf_t *c = calloc(1, sizeof(*c));
    raw_t r;
    size_t i;
    int k;
    int ret = 0;

    memset(&r, 0, sizeof(r));
    if (c == NULL)
        return -ENOMEM;
    c->cfg = cfg;
    c->hc = cfg->conf;
    c->timeout = 30;
    pthread_mutex_init(&c->mu, NULL);
    for (i = 0; i < c->hc->nkv && ret == 0; i++)
        ret = conf_kv(c, &r, c->hc->kv[i].key, c->hc->kv[i].value, err, errlen);
    if (ret == 0)
        ret = conf_compile(c, &r, err, errlen);
    free(r.headers);
    free(r.timeout);
    free(r.status_url);
    for (k = 0; k < OP_KINDS; k++)
        free(r.capture[k]);
    for (k = 0; k < NSTATUS_KEYS; k++)
        free(r.status[k]);
    if (ret < 0) {
        if (ret == -ENOMEM)
            snprintf(err, errlen, "[target %s]: out of memory", cfg->name);
        conf_free(c);
        return ret;
    }
    *out = c;
    return 0;
}

/* The configuration of cfg, shared with the other targets made from it. */
static int conf_get(const target_conf_t *cfg, conf_t **out, char *err, size_t errlen)
{
    conf_t *c;
    int ret = 0;

    pthread_mutex_lock(&registry_mu);
    for (c = registry; c != NULL && c->cfg != cfg; c = c->next)
        ;
    if (c == NULL) {
        ret = conf_load(cfg, &c, err, errlen);
        if (ret == 0) {
            c->next = registry;
            registry = c;
        }
    }
    if (ret == 0) {
        c->refs++;
        *out = c;
    }
    pthread_mutex_unlock(&registry_mu);
    return ret;
}

static void conf_put(conf_t *c)
{
    conf_t **pp;

    pthread_mutex_lock(&registry_mu);
    if (--c->refs == 0) {
        for (pp = &registry; *pp != NULL && *pp != c; pp = &(*pp)->next)
            ;
        if (*pp != NULL)
            *pp = c->next;
        conf_free(c);
    }
    pthread_mutex_unlock(&registry_mu);
}

/* ---- calls ------------------------------------------------------------------- */

typedef struct {
    target_t base;
    conf_t *c;
    CURL *curl;
    struct curl_slist *hdrs;
    buf_t resp; /* the response body */
} http_t;

/* The first SNIPPET bytes of the response on one line, or "no body". */
static void body_snippet(const http_t *t, char *out, size_t outlen)
{
    size_t i;
    size_t n = t->resp.len < SNIPPET ? t->resp.len : SNIPPET;

    if (n == 0) {
        snprintf(out, outlen, "no body");
        return;
    }
    snprintf(out, outlen, "%.*s", (int)n, t->resp.p);
    for (i = 0; out[i] != '\0'; i++)
        if ((unsigned char)out[i] < 0x20)
            out[i] = ' ';
}

/* What the server says went wrong: a message field of a JSON error body
 * (PowerDNS {"error"}, Designate {"message"}, ...), else the body. */
static void server_message(const http_t *t, char *out, size_t outlen)
{
    static const char *const where[] = {"/error", "/message", "/description",
                                        "/error/message"};
    json_error_t je;
    json_t *j = t->resp.len > 0 ? json_loads(t->resp.p, JSON_DECODE_ANY, &je) : NULL;
    size_t i;

    for (i = 0; j != NULL && i < sizeof(where) / sizeof(where[0]); i++) {
        json_t *m;
        if (target_http_json_pointer(j, where[i], &m) == 0 && json_is_string(m) &&
            json_string_length(m) > 0) {
            snprintf(out, outlen, "%.*s", SNIPPET, json_string_value(m));
            json_decref(j);
            return;
        }
    }
    json_decref(j);
    body_snippet(t, out, outlen);
}

/* One API call; *status gets the HTTP status. err holds the server's
 * message (or curl's) when the status is not 2xx. */
static int call(http_t *t, const char *method, const char *url, const char *body,
                long *status, char *err, size_t errlen)
{
    CURLcode rc;
    char msg[SNIPPET + 1];

    buf_clear(&t->resp);
    *status = 0;
    curl_easy_setopt(t->curl, CURLOPT_URL, url);
    if (body != NULL) {
        curl_easy_setopt(t->curl, CURLOPT_POSTFIELDS, body);
        curl_easy_setopt(t->curl, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)strlen(body));
        curl_easy_setopt(t->curl, CURLOPT_CUSTOMREQUEST, method);
    } else {
        /* back to a plain request without a body, then the method */
        curl_easy_setopt(t->curl, CURLOPT_HTTPGET, 1L);
        curl_easy_setopt(t->curl, CURLOPT_CUSTOMREQUEST,
                         strcmp(method, "GET") == 0 ? NULL : method);
    }
    rc = curl_easy_perform(t->curl);
    if (rc != CURLE_OK) {
        snprintf(err, errlen, "%s %.300s: %s", method, url, curl_easy_strerror(rc));
        return DP_EEMPTY;
    }
    curl_easy_getinfo(t->curl, CURLINFO_RESPONSE_CODE, status);
    if (*status < 200 || *status > 299) {
        server_message(t, msg, sizeof(msg));
        snprintf(err, errlen, "%s %.200s: HTTP %ld: %s", method, url, *status, msg);
        return DP_EEMPTY;
    }
    return 0;
}

/* call(), again after a growing pause while the server is busy (sqlite's
 * "database is locked", HTTP 500) or throttles (429, 503). */
static int call_retry(http_t *t, const char *method, const char *url, const char *body,
                      long *status, unsigned *retries, char *err, size_t errlen)
{
    int ret;

    *retries = 0;
    for (;;) {
        ret = call(t, method, url, body, status, err, errlen);
        if (ret == 0 || *retries >= MAX_RETRIES ||
            !(*status == 500 || *status == 429 || *status == 503))
            return ret;
        usleep(50000u << *retries);
        (*retries)++;
    }
}

/* The key of a record's scope: "zone name TYPE". NULL when out of memory. */
static char *record_key(const target_op_t *op)
{
    char tb[16];
    const char *type = rdata_type_to_str(op->type, tb);
    const char *name = op->name != NULL ? op->name : op->zone;
    size_t n = strlen(op->zone) + strlen(name) + strlen(type) + 3;
    char *k = malloc(n);

    if (k != NULL)
        snprintf(k, n, "%s %s %s", op->zone, name, type);
    return k;
}

/* The placeholders of op, except ${values} and the captured ones. */
typedef struct {
    char tb[16];
    char ttl[16];
    char now[24];
    char rel[RDATA_NAME_TEXT_MAX];
    char nodot[RDATA_NAME_TEXT_MAX];
    const char *vars[2 * NBUILTIN]; /* name, value pairs (pointing into the above) */
} builtins_t;

static void builtins_fill(builtins_t *bt, const target_op_t *op,
                          const target_api_conf_t *api)
{
    const char *name = op->name != NULL ? op->name : op->zone;
    size_t nl = strlen(name);
    size_t zl = strlen(op->zone);
    size_t n;
    size_t i;

    snprintf(bt->ttl, sizeof(bt->ttl), "%u", op->ttl);
    snprintf(bt->now, sizeof(bt->now), "%lld", (long long)timebase_real_s());
    snprintf(bt->nodot, sizeof(bt->nodot), "%s", op->zone);
    n = strlen(bt->nodot);
    if (n > 1 && bt->nodot[n - 1] == '.')
        bt->nodot[n - 1] = '\0';
    /* the name less ".zone." */
    if (nl > zl && strcmp(name + nl - zl, op->zone) == 0 && name[nl - zl - 1] == '.')
        snprintf(bt->rel, sizeof(bt->rel), "%.*s", (int)(nl - zl - 1), name);
    else
        snprintf(bt->rel, sizeof(bt->rel), "@");
    {
        const char *b[2 * NBUILTIN] = {
            "zone",       op->zone,
            "zone_nodot", bt->nodot,
            "name",       name,
            "relname",    bt->rel,
            "type",       op->type != 0 ? rdata_type_to_str(op->type, bt->tb) : "SOA",
            "ttl",        bt->ttl,
            "value",      op->nvalues > 0 ? op->values[0] : "",
            "now",        bt->now,
            "api_key",    api->api_key != NULL ? api->api_key : "",
            "catalog",    api->catalog != NULL ? api->catalog : ""};
        for (i = 0; i < 2 * NBUILTIN; i++)
            bt->vars[i] = b[i];
    }
}

/* base + "/" + rel, one slash between (none before "?"); NULL when out of
 * memory. */
static char *join_url(const char *base, const char *rel)
{
    size_t bl = strlen(base);
    sbuf_t b = {0};

    while (bl > 0 && base[bl - 1] == '/' && (rel[0] == '/' || rel[0] == '?'))
        bl--;
    sb_add(&b, base, bl);
    if (rel[0] != '/' && rel[0] != '?' && rel[0] != '\0' &&
        (bl == 0 || base[bl - 1] != '/'))
        sb_putc(&b, '/');
    sb_puts(&b, rel);
    return sb_take(&b);
}

/* Fill the URL (relative as written) and body of template k for op from
 * the builtins and the captured values of zs and rs (read in place: the
 * caller holds the scopes' lock). */
static int render_fill(const conf_t *c, const target_op_t *op, int k, const char *where,
                       const builtins_t *bt, const scope_t *rs, const scope_t *zs,
                       char **rel_url, char **body, char *err, size_t errlen)
{
    const tmpl_t *tp = &c->tmpl[k];
    const char **vars;
    char sub[256];
    size_t nv = 0;
    size_t i;
    int ret;

    vars =
        calloc(2 * NBUILTIN +
                   2 * ((rs != NULL ? rs->nvars : 0) + (zs != NULL ? zs->nvars : 0)) + 1,
               sizeof(*vars));
    if (vars == NULL)
        return -ENOMEM;
    for (i = 0; i < 2 * NBUILTIN; i++)
        vars[nv++] = bt->vars[i];
    /* a record's own values first, then its zone's */
    for (i = 0; rs != NULL && i < rs->nvars * 2; i++)
        vars[nv++] = rs->vars[i];
    for (i = 0; zs != NULL && i < zs->nvars * 2; i++)
        vars[nv++] = zs->vars[i];
    vars[nv] = NULL;
    ret = target_http_fill(tp->url, TARGET_HTTP_FILL_URL, vars, op->values, op->nvalues,
                           NULL, rel_url, sub, sizeof(sub));
    if (ret == DP_EPARSE)
        snprintf(err, errlen,
                 "[target %s] %s.url: %s for %s (captured values are kept per zone, and "
                 "per zone, name and type)",
                 c->cfg->name, slot_name(k), sub, where);
    if (ret == 0 && tp->body != NULL) {
        ret = target_http_fill(tp->body, TARGET_HTTP_FILL_JSON, vars, op->values,
                               op->nvalues, tp->values, body, sub, sizeof(sub));
        if (ret == DP_EPARSE)
            snprintf(err, errlen, "[target %s] %s.body: %s for %s", c->cfg->name,
                     slot_name(k), sub, where);
    }
    free(vars);
    return ret;
}

/* Fill the URL and body of template k for op (under the scopes' lock:
 * captured values are read in place). with_record: op's record scope
 * counts. err names the key when a placeholder is not set. */
static int render(http_t *t, const target_op_t *op, int k, bool with_record, char **url,
                  char **body, char *err, size_t errlen)
{
    conf_t *c = t->c;
    const char *name = c->cfg->name;
    const char *base = c->hc->api.url;
    builtins_t bt;
    char *rkey = NULL;
    char *rel_url = NULL;
    int ret;

    *url = NULL;
    *body = NULL;
    builtins_fill(&bt, op, &c->hc->api);
    if (with_record) {
        rkey = record_key(op);
        if (rkey == NULL)
            return -ENOMEM;
    }
    pthread_mutex_lock(&c->mu);
    ret = render_fill(c, op, k, with_record ? rkey : op->zone, &bt,
                      rkey != NULL ? scope_find(c, rkey) : NULL, scope_find(c, op->zone),
                      &rel_url, body, err, errlen);
    pthread_mutex_unlock(&c->mu);
    free(rkey);
    if (ret == 0 && *body != NULL) {
        char what[128];
        snprintf(what, sizeof(what), "[target %s] %s.body", name, slot_name(k));
        ret = check_json(what, *body, err, errlen);
    }
    if (ret == 0 && is_absolute(rel_url)) {
        *url = rel_url;
        rel_url = NULL;
    } else if (ret == 0 && base == NULL) {
        snprintf(err, errlen, "[target %s] url: missing: %s.url '%.100s' is relative",
                 name, slot_name(k), rel_url);
        ret = DP_EUSAGE;
    } else if (ret == 0) {
        *url = join_url(base, rel_url);
        if (*url == NULL)
            ret = -ENOMEM;
    }
    free(rel_url);
    if (ret < 0) {
        if (ret == -ENOMEM)
            snprintf(err, errlen, "[target %s] %s: out of memory", name, slot_name(k));
        free(*url);
        free(*body);
        *url = NULL;
        *body = NULL;
    }
    return ret;
}

/* After a 2xx answer to op: take the captures out of the response and
 * keep them where later operations look (see the top of the file). */
static int keep_captures(http_t *t, const target_op_t *op, char *err, size_t errlen)
{
    conf_t *c = t->c;
    const tmpl_t *tp = &c->tmpl[op->kind];
    bool record = op->kind >= OP_RECORD_CREATE;
    char **vals = NULL;
    char *rkey = NULL;
    json_t *doc = NULL;
    json_error_t je;
    char snip[SNIPPET + 1];
    size_t i;
    int ret = 0;

    if (tp->ncap > 0) {
        vals = calloc(tp->ncap, sizeof(*vals));
        if (vals == NULL)
            return -ENOMEM;
        doc = t->resp.len > 0 ? json_loads(t->resp.p, JSON_DECODE_ANY, &je) : NULL;
        if (doc == NULL) {
            body_snippet(t, snip, sizeof(snip));
            snprintf(err, errlen, "[target %s] %s.capture: the response is not JSON (%s)",
                     c->cfg->name, slot_name(op->kind), snip);
            ret = DP_EPARSE;
            goto out;
        }
        for (i = 0; i < tp->ncap; i++) {
            json_t *v;
            if (target_http_json_pointer(doc, tp->cap[2 * i + 1], &v) < 0) {
                body_snippet(t, snip, sizeof(snip));
                snprintf(err, errlen,
                         "[target %s] %s.capture: %s: nothing at '%s' in the response "
                         "(%s)",
                         c->cfg->name, slot_name(op->kind), tp->cap[2 * i],
                         tp->cap[2 * i + 1], snip);
                ret = DP_EPARSE;
                goto out;
            }
            vals[i] = target_http_json_text(v);
            if (vals[i] == NULL) {
                ret = -ENOMEM;
                goto out;
            }
        }
    }
    if (record) {
        rkey = record_key(op);
        if (rkey == NULL) {
            ret = -ENOMEM;
            goto out;
        }
    }
    pthread_mutex_lock(&c->mu);
    if (op->kind == OP_ZONE_CREATE || op->kind == OP_ZONE_DELETE)
        scope_drop_zone(c, op->zone); /* afresh / gone, with its records */
    else if (op->kind == OP_RECORD_DELETE)
        scope_drop(c, rkey);
    if (tp->ncap > 0) {
        scope_t *s = record ? scope_get(c, rkey, strlen(op->zone))
                            : scope_get(c, op->zone, strlen(op->zone));
        for (i = 0; s != NULL && i < tp->ncap && ret == 0; i++) {
            ret = scope_set(s, tp->cap[2 * i], vals[i]);
            if (ret == 0)
                vals[i] = NULL;
        }
        if (s == NULL)
            ret = -ENOMEM;
    }
    pthread_mutex_unlock(&c->mu);
    if (ret == -ENOMEM)
        snprintf(err, errlen, "[target %s] %s.capture: out of memory", c->cfg->name,
                 slot_name(op->kind));
out:
    for (i = 0; vals != NULL && i < tp->ncap; i++)
        free(vals[i]);
    free(vals);
    free(rkey);
    json_decref(doc);
    return ret;
}

/* The request for the provider's claim about op (target_ack_t.claim_req):
 * the op kind's digit, a blank, the filled K.status.url. Made before a
 * delete forgets the captures it needs, after a create keeps them. */
static int claim_request(http_t *t, const target_op_t *op, char **req, char *err,
                         size_t errlen)
{
    char *url = NULL;
    char *body = NULL;
    int ret;

    *req = NULL;
    if (t->c->tmpl[STATUS_SLOT(op->kind)].url == NULL)
        return 0;
    ret = render(t, op, STATUS_SLOT(op->kind), op->kind >= OP_RECORD_CREATE, &url, &body,
                 err, errlen);
    free(body);
    if (ret == 0) {
        size_t n = strlen(url) + 3;
        *req = malloc(n);
        if (*req == NULL)
            ret = -ENOMEM;
        else
            snprintf(*req, n, "%d %s", (int)op->kind, url);
    }
    free(url);
    return ret;
}

static int http_apply(target_t *base, const target_op_t *op, target_ack_t *ack)
{
    http_t *t = (http_t *)(void *)base;
    const tmpl_t *tp;
    char *url = NULL;
    char *body = NULL;
    bool acked = false;
    bool deleted;
    int ret;

    ack->retries = 0;
    ack->status = 0;
    ack->error[0] = '\0';
    ack->claim_req = NULL;
    ack->submit_time = timebase_real_s();
    if ((unsigned)op->kind >= OP_KINDS) {
        ret = DP_EUSAGE;
        goto out;
    }
    tp = &t->c->tmpl[op->kind];
    if (tp->url == NULL) {
        snprintf(ack->error, sizeof(ack->error),
                 "[target %s] has no %s.url: this operation needs %s.method and %s.url "
                 "(and %s.body to send one)",
                 base->cfg->name, slot_name(op->kind), slot_name(op->kind),
                 slot_name(op->kind), slot_name(op->kind));
        ret = DP_EUSAGE;
        goto out;
    }
    ret = render(t, op, op->kind, op->kind >= OP_RECORD_CREATE, &url, &body, ack->error,
                 sizeof(ack->error));
    if (ret < 0)
        goto out;
    ret = call_retry(t, tp->method, url, body, &ack->status, &ack->retries, ack->error,
                     sizeof(ack->error));
    ack->ack_time = timebase_real_s();
    acked = true;
    deleted = op->kind == OP_ZONE_DELETE || op->kind == OP_RECORD_DELETE;
    if (ret == 0 && deleted)
        ret = claim_request(t, op, &ack->claim_req, ack->error, sizeof(ack->error));
    if (ret == 0)
        ret = keep_captures(t, op, ack->error, sizeof(ack->error));
    if (ret == 0 && !deleted)
        ret = claim_request(t, op, &ack->claim_req, ack->error, sizeof(ack->error));
    if (ret < 0) {
        free(ack->claim_req);
        ack->claim_req = NULL;
    }
out:
    if (!acked)
        ack->ack_time = timebase_real_s();
    free(url);
    free(body);
    return ret;
}

static int http_zone_serial(target_t *base, const char *zone, uint32_t *serial)
{
    http_t *t = (http_t *)(void *)base;
    const tmpl_t *tp = &t->c->tmpl[SERIAL_SLOT];
    target_op_t op;
    char err[512];
    char *url = NULL;
    char *body = NULL;
    json_t *doc = NULL;
    json_t *v = NULL;
    json_error_t je;
    long status;
    unsigned retries;
    int ret;

    if (tp->url == NULL) {
        log_warn("[target %s] has no serial.url: cannot read the serial of %s",
                 base->cfg->name, zone);
        return DP_EUSAGE;
    }
    memset(&op, 0, sizeof(op));
    op.kind = OP_ZONE_UPDATE;
    op.zone = zone;
    op.name = zone;
    op.type = RDATA_T_SOA;
    ret = render(t, &op, SERIAL_SLOT, false, &url, &body, err, sizeof(err));
    if (ret == 0)
        ret = call_retry(t, tp->method, url, NULL, &status, &retries, err, sizeof(err));
    if (ret == 0) {
        doc = json_loads(t->resp.p != NULL ? t->resp.p : "", JSON_DECODE_ANY, &je);
        ret = doc != NULL ? target_http_json_pointer(doc, tp->pointer, &v) : DP_EPARSE;
        if (ret == 0 && json_is_integer(v) && json_integer_value(v) >= 0 &&
            json_integer_value(v) <= (json_int_t)UINT32_MAX)
            *serial = (uint32_t)json_integer_value(v);
        else if (ret == 0 && json_is_string(v))
            ret = numparse_u32(json_string_value(v), serial);
        else if (ret == 0)
            ret = DP_EPARSE;
        if (ret < 0) {
            char snip[SNIPPET + 1];
            body_snippet(t, snip, sizeof(snip));
            snprintf(
                err, sizeof(err),
                "serial.pointer: no serial (0 to 4294967295) at '%s' in the response "
                "(%s)",
                tp->pointer, snip);
            ret = DP_EPARSE;
        }
    }
    if (ret < 0)
        log_warn("[target %s] serial of %s: %s", base->cfg->name, zone, err);
    json_decref(doc);
    free(url);
    free(body);
    return ret;
}

static void http_destroy(target_t *base)
{
    http_t *t = (http_t *)(void *)base;

    curl_slist_free_all(t->hdrs);
    if (t->curl != NULL)
        curl_easy_cleanup(t->curl);
    buf_free(&t->resp);
    conf_put(t->c);
    free(t);
}

/* Does a user header name this header ("Name:" case-insensitive)? */
static bool has_header(const conf_t *c, const char *name)
{
    size_t nl = strlen(name);
    size_t i;

    for (i = 0; i < c->nheaders; i++)
        if (strncasecmp(c->headers[i], name, nl) == 0 &&
            (c->headers[i][nl] == ':' || c->headers[i][nl] == ' ' ||
             c->headers[i][nl] == ';'))
            return true;
    return false;
}

static struct curl_slist *add_header(struct curl_slist *l, const char *h, bool *oom)
{
    struct curl_slist *n = curl_slist_append(l, h);

    if (n == NULL)
        *oom = true;
    return n != NULL ? n : l;
}

static void watch_done(void *owner)
{
    conf_put(owner);
}

/* The provider's claims (target_http_status.h), when some K.status.url is
 * set: one watcher, with the templates' headers. */
static int http_watch_create(target_watch_t **out, const target_conf_t *cfg,
                             double timeout, target_claim_fn cb, void *arg, char *err,
                             size_t errlen)
{
    target_http_watch_opts_t o;
    const char **hdrs = NULL;
    size_t n = 0;
    conf_t *c;
    int ret = conf_get(cfg, &c, err, errlen);

    if (ret < 0)
        return ret;
    if (!c->watched) {
        conf_put(c);
        return DP_EEMPTY;
    }
    hdrs = calloc(c->nheaders + 1, sizeof(*hdrs));
    if (hdrs == NULL) {
        conf_put(c);
        return -ENOMEM;
    }
    for (n = 0; n < c->nheaders; n++)
        hdrs[n] = c->headers[n];
    if (!has_header(c, "Accept"))
        hdrs[n++] = "Accept: application/json";
    memset(&o, 0, sizeof(o));
    o.sc = &c->st;
    o.headers = hdrs;
    o.nheaders = n;
    o.call_timeout = c->timeout;
    o.timeout = timeout;
    o.cb = cb;
    o.arg = arg;
    o.done = watch_done;
    o.owner = c;
    ret = target_http_status_watch_create(out, &target_kind_http, &o, err, errlen);
    free(hdrs); /* (copied) */
    return ret; /* (on failure, destroy released c) */
}

static int http_create(target_t **out, const target_conf_t *cfg, char *err, size_t errlen)
{
    http_t *t = calloc(1, sizeof(*t));
    bool oom = false;
    size_t i;
    int ret;

    if (t == NULL)
        return -ENOMEM;
    t->base.cfg = cfg;
    ret = conf_get(cfg, &t->c, err, errlen);
    if (ret < 0) {
        free(t);
        return ret;
    }
    t->curl = curl_easy_init();
    if (t->curl == NULL) {
        snprintf(err, errlen, "[target %s]: cannot initialise libcurl", cfg->name);
        http_destroy(&t->base);
        return -ENOMEM;
    }
    for (i = 0; i < t->c->nheaders; i++)
        t->hdrs = add_header(t->hdrs, t->c->headers[i], &oom);
    if (!has_header(t->c, "Content-Type"))
        t->hdrs = add_header(t->hdrs, "Content-Type: application/json", &oom);
    if (!has_header(t->c, "Accept"))
        t->hdrs = add_header(t->hdrs, "Accept: application/json", &oom);
    /* no "100 Continue" round trip before a large body */
    if (!has_header(t->c, "Expect"))
        t->hdrs = add_header(t->hdrs, "Expect:", &oom);
    if (oom) {
        snprintf(err, errlen, "[target %s]: out of memory", cfg->name);
        http_destroy(&t->base);
        return -ENOMEM;
    }
    curl_easy_setopt(t->curl, CURLOPT_HTTPHEADER, t->hdrs);
    curl_easy_setopt(t->curl, CURLOPT_WRITEFUNCTION, buf_curl_write);
    curl_easy_setopt(t->curl, CURLOPT_WRITEDATA, &t->resp);
    curl_easy_setopt(t->curl, CURLOPT_TIMEOUT, t->c->timeout);
    curl_easy_setopt(t->curl, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(t->curl, CURLOPT_TCP_KEEPALIVE, 1L);
    *out = &t->base;
    return 0;
}

/* ---- reading the scenario ------------------------------------------------------ */

static bool is_api_key(const char *key)
{
    return strcmp(key, "url") == 0 || strcmp(key, "api_key") == 0 ||
           strcmp(key, "api_key_file") == 0 || strcmp(key, "catalog") == 0;
}

/* In the templates, a ${VAR} not set in the environment is a placeholder
 * (checked when the target is created). */
static bool http_keeps(const char *key, const char *var)
{
    return !is_api_key(key) && getenv(var) == NULL;
}

/* The keys of other kinds are mistakes here. */
static int other_kind_key(const char *key, char *err, size_t errlen)
{
    op_kind_t k;

    if (op_kind_from_str(key, &k) == 0) {
        snprintf(err, errlen,
                 "an http target takes %s.method, %s.url, %s.body and %s.capture, not a "
                 "command",
                 key, key, key, key);
        return DP_EPARSE;
    }
    if (strcmp(key, "serial") == 0 || strcmp(key, "server") == 0 ||
        strcmp(key, "zone_kind") == 0) {
        snprintf(err, errlen, "not used by http targets%s",
                 strcmp(key, "serial") == 0
                     ? " (serial.method, serial.url, serial.pointer)"
                     : "");
        return DP_EPARSE;
    }
    return 0;
}

static int http_conf_key(void *conf, const char *key, const char *value, char *err,
                         size_t errlen)
{
    http_conf_t *hc = conf;
    kv_t *kv;
    int ret;

    if (is_api_key(key))
        return target_api_conf_key(&hc->api, key, value, err, errlen);
    ret = other_kind_key(key, err, errlen);
    if (ret < 0)
        return ret;
    kv = VEC_PUSH(hc->kv, hc->nkv, hc->capkv);
    if (kv == NULL)
        return -ENOMEM;
    kv->key = strdup(key);
    kv->value = strdup(value);
    return kv->key != NULL && kv->value != NULL ? 0 : -ENOMEM;
}

static int http_conf_check(const void *conf, const char **key, char *err, size_t errlen)
{
    const http_conf_t *hc = conf;

    if (hc->api.url != NULL)
        return 0; /* the templates are checked when the target is created */
    *key = "url";
    snprintf(err, errlen, "missing");
    return DP_EPARSE;
}

/* The last value given for key. */
static const char *http_conf_get(const void *conf, const char *key)
{
    const http_conf_t *hc = conf;
    size_t i;

    if (is_api_key(key))
        return target_api_conf_get(&hc->api, key);
    for (i = hc->nkv; i > 0; i--)
        if (strcmp(hc->kv[i - 1].key, key) == 0)
            return hc->kv[i - 1].value;
    return NULL;
}

static void http_conf_clear(void *conf)
{
    http_conf_t *hc = conf;
    size_t i;

    target_api_conf_clear(&hc->api);
    for (i = 0; i < hc->nkv; i++) {
        free(hc->kv[i].key);
        free(hc->kv[i].value);
    }
    free(hc->kv);
}

const target_kind_t target_kind_http = {
    .name = "http",
    .keys = TARGET_API_KEYS ", " KEYS_HELP,
    .tsig = false,
    .conf_size = sizeof(http_conf_t),
    .keeps = http_keeps,
    .conf_key = http_conf_key,
    .conf_check = http_conf_check,
    .conf_get = http_conf_get,
    .conf_clear = http_conf_clear,
    .create = http_create,
    .apply = http_apply,
    .zone_serial = http_zone_serial,
    .destroy = http_destroy,
    .watch_create = http_watch_create,
    .watch_add = target_http_status_watch_add,
    .watch_destroy = target_http_status_watch_destroy,
};
