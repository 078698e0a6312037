/*
 * metrics: statsd client (see metrics.h).
 *
 * Two locks split the work. mu guards the aggregate that the recording
 * calls write: a fixed-size open-addressing table of interned (name, type)
 * entries, the list of entries touched since the last flush, and the
 * array of timer values. A recording call sanitises and hashes the name
 * before taking mu, so the critical section is a table probe and an add
 * (plus, once per new name, one malloc). flush_mu makes flushes one at a
 * time and owns what only the flusher touches: the snapshot array, the
 * spare timer array and the datagram being packed. A flush takes mu only
 * to copy the touched entries (at most max_names) and swap the timer array
 * with the spare one; formatting and sending happen outside mu, so a slow
 * flush never holds up a probe thread.
 *
 * Entries are never removed and the table never grows (its size is fixed
 * by max_names at create), so an entry's address and name are stable and
 * the flusher may read them without mu once it has seen them under it.
 *
 * The socket is a connected, non-blocking UDP socket: connect() lets the
 * kernel report an ICMP port unreachable as ECONNREFUSED on a later send,
 * and MSG_DONTWAIT makes a full send buffer EAGAIN instead of a wait. Both,
 * and every other send error, count the datagram as dropped; the first one
 * is logged once per handle, so that an operator learns that the statsd
 * address is wrong without a log line per flush.
 */
#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <netdb.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "harness/common/errcode.h"
#include "harness/common/hash.h"
#include "harness/common/log.h"
#include "harness/serve/metrics.h"
#include "harness/common/numparse.h"
#include "harness/common/timebase.h"
#include "harness/common/vec.h"

/* Values whose "%.3f" would not fit a short field are not worth sending:
 * 1e15 ms is 31,000 years, and no gauge of ours comes near it. */
#define VALUE_ABS_MAX 1e15
/* Longest formatted value: sign, 16 digits, '.', 3 decimals, NUL. */
#define VALUE_LEN 32
/* Longest prefix kept: leaves names at least half of METRICS_NAME_MAX. */
#define PREFIX_MAX     (METRICS_NAME_MAX / 2)
#define TIMERS_INITIAL 1024
/* Bounds on the tunables, so that table sizes cannot overflow. */
#define MAX_NAMES_LIMIT  (1u << 20)
#define MAX_TIMERS_LIMIT (1u << 24)
#define INTERVAL_MS_MAX  60000
/* Asked of the kernel for the send buffer: a flush of a full timer array
 * is a burst of a few hundred datagrams. Best effort (capped by
 * net.core.wmem_max). */
#define SNDBUF_WANTED (1 << 20)

enum mtype { MT_COUNTER, MT_TIMER, MT_GAUGE };

static const char *const type_suffix[] = {"c", "ms", "g"};

typedef struct {
    char *name; /* sanitised, without the prefix; immutable once interned */
    size_t len;
    uint64_t hash;
    enum mtype type;
    bool dirty;   /* on the touched list */
    int64_t sum;  /* counter: sum since the last flush */
    double gauge; /* gauge: last value */
} entry_t;

typedef struct {
    const entry_t *e;
    double v;
} tval_t;

typedef struct {
    const entry_t *e;
    int64_t sum;
    double gauge;
} snap_t;

struct metrics {
    int fd;
    char where[300];             /* HOST:PORT as given, for the log */
    char prefix[PREFIX_MAX + 2]; /* sanitised, with its trailing '.', or "" */
    size_t prefixlen;
    size_t name_max; /* longest name after the prefix */
    int64_t interval_ns;
    size_t max_timers;
    size_t max_names;

    pthread_mutex_t mu; /* guards the fields up to flush_mu */
    entry_t *entries;   /* max_names, the first nentries in use */
    size_t nentries;
    uint32_t *slots; /* index + 1 into entries, 0 = free; nslots a power of 2 */
    size_t nslots;
    uint32_t *touched; /* entries with dirty set */
    size_t ntouched;
    tval_t *timers;
    size_t ntimers;
    size_t timers_cap;

    pthread_mutex_t flush_mu; /* one flush at a time; guards the fields below */
    snap_t *snap;             /* max_names */
    tval_t *spare;
    size_t spare_cap;
    char dgram[METRICS_DGRAM_MAX];
    size_t dlen;
    size_t dlines;
    bool logged_failure;

    pthread_mutex_t ctl_mu; /* the flusher thread's wake-ups */
    pthread_cond_t ctl_cv;  /* on CLOCK_MONOTONIC */
    bool stop;
    bool kick; /* flush before the interval ends: timers half full */
    pthread_t thread;
    bool started;

    atomic_uint_fast64_t sent_datagrams;
    atomic_uint_fast64_t sent_lines;
    atomic_uint_fast64_t dropped_datagrams;
    atomic_uint_fast64_t dropped_lines;
    atomic_uint_fast64_t dropped_values;
};

size_t metrics_sanitize(const char *name, char *out, size_t outlen)
{
    size_t i;

    if (outlen == 0)
        return 0;
    for (i = 0; name != NULL && name[i] != '\0' && i < outlen - 1; i++) {
        unsigned char c = (unsigned char)name[i];
        bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
                  (c >= '0' && c <= '9') || c == '_' || c == '.' || c == '-';
        out[i] = ok ? (char)c : '_';
    }
    out[i] = '\0';
    return i;
}

static void drop_value(metrics_t *m)
{
    atomic_fetch_add_explicit(&m->dropped_values, 1, memory_order_relaxed);
}

/* FNV-1a over the name, then the type, so that a counter and a timer of the
 * same name are two entries. */
static uint64_t name_hash(const char *s, size_t len, enum mtype type)
{
    uint64_t h = hash_fnv1a(HASH_FNV1A_INIT, s, len);

    h ^= (uint64_t)type + 1;
    return h * HASH_FNV1A_PRIME;
}

/* Find or add the entry; NULL when the table is full or out of memory.
 * Called with mu held. The table has at least twice as many slots as
 * entries can exist, so the probe always meets a free slot. */
static entry_t *intern(metrics_t *m, const char *key, size_t len, uint64_t h,
                       enum mtype type)
{
    size_t mask = m->nslots - 1;
    size_t i = (size_t)h & mask;
    entry_t *e;

    while (m->slots[i] != 0) {
        e = &m->entries[m->slots[i] - 1];
        if (e->hash == h && e->type == type && e->len == len &&
            memcmp(e->name, key, len) == 0)
            return e;
        i = (i + 1) & mask;
    }
    if (m->nentries == m->max_names)
        return NULL;
    e = &m->entries[m->nentries];
    e->name = malloc(len + 1);
    if (e->name == NULL)
        return NULL;
    memcpy(e->name, key, len + 1);
    e->len = len;
    e->hash = h;
    e->type = type;
    m->nentries++;
    m->slots[i] = (uint32_t)m->nentries;
    return e;
}

/* Sanitise name into key (at least METRICS_NAME_MAX + 1 bytes), cut to what
 * fits after the prefix. false for a NULL or empty name. */
static bool make_key(const metrics_t *m, const char *name, char *key, size_t *len)
{
    if (name == NULL || name[0] == '\0')
        return false;
    *len = metrics_sanitize(name, key, m->name_max + 1);
    return true;
}

static void kick_flusher(metrics_t *m)
{
    pthread_mutex_lock(&m->ctl_mu);
    m->kick = true;
    pthread_cond_signal(&m->ctl_cv);
    pthread_mutex_unlock(&m->ctl_mu);
}

/* Counters and gauges: add n to the counter, or set the gauge to v. Sharing
 * it costs a tail call and one compare on type; the key is still made and
 * hashed before mu. */
static void record(metrics_t *m, const char *name, enum mtype type, int64_t n, double v)
{
    char key[METRICS_NAME_MAX + 1];
    size_t len;
    uint64_t h;
    entry_t *e;

    if (!make_key(m, name, key, &len)) {
        drop_value(m);
        return;
    }
    h = name_hash(key, len, type);
    pthread_mutex_lock(&m->mu);
    e = intern(m, key, len, h, type);
    if (e != NULL) {
        if (type == MT_COUNTER) {
            /* Saturate rather than wrap: a wrapped sum would be a wrong
             * value, a saturated one is at least an obvious one. */
            if (__builtin_add_overflow(e->sum, n, &e->sum))
                e->sum = n > 0 ? INT64_MAX : INT64_MIN;
        } else {
            e->gauge = v;
        }
        if (!e->dirty) {
            e->dirty = true;
            m->touched[m->ntouched++] = (uint32_t)(e - m->entries);
        }
    }
    pthread_mutex_unlock(&m->mu);
    if (e == NULL)
        drop_value(m);
}

void metrics_count(metrics_t *m, const char *name, int64_t n)
{
    if (m == NULL)
        return;
    record(m, name, MT_COUNTER, n, 0);
}

void metrics_gauge(metrics_t *m, const char *name, double v)
{
    if (m == NULL)
        return;
    if (!isfinite(v) || fabs(v) >= VALUE_ABS_MAX) {
        drop_value(m);
        return;
    }
    record(m, name, MT_GAUGE, 0, v);
}

void metrics_timing_ms(metrics_t *m, const char *name, double ms)
{
    char key[METRICS_NAME_MAX + 1];
    size_t len;
    uint64_t h;
    entry_t *e;
    bool kick = false;
    bool kept = false;

    if (m == NULL)
        return;
    if (!isfinite(ms) || fabs(ms) >= VALUE_ABS_MAX || !make_key(m, name, key, &len)) {
        drop_value(m);
        return;
    }
    h = name_hash(key, len, MT_TIMER);
    pthread_mutex_lock(&m->mu);
    e = intern(m, key, len, h, MT_TIMER);
    if (e == NULL || m->ntimers >= m->max_timers)
        goto out;
    /* Doubling under mu: at most log2(max_timers / TIMERS_INITIAL) times
     * per array, and the two arrays swap, so it stops soon. The last
     * doubling may pass max_timers (by less than twice); the count above
     * is what bounds the values kept. */
    if (m->ntimers == m->timers_cap &&
        VEC_RESERVE(m->timers, m->timers_cap,
                    m->ntimers < TIMERS_INITIAL ? TIMERS_INITIAL : m->ntimers + 1) < 0)
        goto out;
    m->timers[m->ntimers].e = e;
    m->timers[m->ntimers].v = ms;
    m->ntimers++;
    kept = true;
    /* Half full: wake the flusher now rather than drop the second half if
     * the rate keeps up until the interval ends. Once per interval. */
    kick = m->ntimers == (m->max_timers + 1) / 2;
out:
    pthread_mutex_unlock(&m->mu);
    if (!kept)
        drop_value(m);
    if (kick)
        kick_flusher(m);
}

/* ---- flushing (flush_mu held) ------------------------------------------ */

static void send_dgram(metrics_t *m)
{
    ssize_t r;

    if (m->dlen == 0)
        return;
    do {
        r = send(m->fd, m->dgram, m->dlen, MSG_DONTWAIT | MSG_NOSIGNAL);
    } while (r < 0 && errno == EINTR);
    if (r == (ssize_t)m->dlen) {
        atomic_fetch_add_explicit(&m->sent_datagrams, 1, memory_order_relaxed);
        atomic_fetch_add_explicit(&m->sent_lines, m->dlines, memory_order_relaxed);
    } else {
        int e = r < 0 ? errno : EMSGSIZE;
        atomic_fetch_add_explicit(&m->dropped_datagrams, 1, memory_order_relaxed);
        atomic_fetch_add_explicit(&m->dropped_lines, m->dlines, memory_order_relaxed);
        if (!m->logged_failure) {
            m->logged_failure = true;
            log_warn("statsd %s: %s; metrics are dropped (and counted) until it "
                     "accepts them; this is logged once",
                     m->where, dp_strerror(-e));
        }
    }
    m->dlen = 0;
    m->dlines = 0;
}

/* Append text (nlines complete lines) to the datagram, sending the
 * datagram first when it would not fit. A line never spans datagrams:
 * statsd parses each datagram on its own. */
static void pack(metrics_t *m, const char *text, size_t len, size_t nlines)
{
    if (len == 0 || len > METRICS_DGRAM_MAX) {
        /* Cannot happen with names cut to METRICS_NAME_MAX. */
        atomic_fetch_add_explicit(&m->dropped_lines, nlines, memory_order_relaxed);
        return;
    }
    if (m->dlen + len > METRICS_DGRAM_MAX)
        send_dgram(m);
    memcpy(m->dgram + m->dlen, text, len);
    m->dlen += len;
    m->dlines += nlines;
}

/* One line "prefix.name:value|type\n" into line; returns its length, 0 if
 * it does not fit. */
static size_t format_line(const metrics_t *m, char *line, size_t linelen,
                          const entry_t *e, const char *value)
{
    int n = snprintf(line, linelen, "%s%s:%s|%s\n", m->prefix, e->name, value,
                     type_suffix[e->type]);

    return n < 0 || (size_t)n >= linelen ? 0 : (size_t)n;
}

static void flush_locked(metrics_t *m)
{
    /* Two lines: a negative gauge is sent as a reset to 0 and a change. */
    char text[2 * (METRICS_NAME_MAX + VALUE_LEN + 8)];
    char value[VALUE_LEN];
    size_t nsnap = 0;
    size_t ntim;
    size_t timcap;
    size_t i;
    size_t len;
    tval_t *tim;

    pthread_mutex_lock(&m->mu);
    for (i = 0; i < m->ntouched; i++) {
        entry_t *e = &m->entries[m->touched[i]];
        m->snap[nsnap].e = e;
        m->snap[nsnap].sum = e->sum;
        m->snap[nsnap].gauge = e->gauge;
        nsnap++;
        e->sum = 0;
        e->dirty = false;
    }
    m->ntouched = 0;
    tim = m->timers;
    timcap = m->timers_cap;
    ntim = m->ntimers;
    m->timers = m->spare;
    m->timers_cap = m->spare_cap;
    m->ntimers = 0;
    m->spare = tim;
    m->spare_cap = timcap;
    pthread_mutex_unlock(&m->mu);

    for (i = 0; i < nsnap; i++) {
        const snap_t *s = &m->snap[i];
        if (s->e->type == MT_COUNTER) {
            snprintf(value, sizeof(value), "%" PRId64, s->sum);
            len = format_line(m, text, sizeof(text), s->e, value);
            pack(m, text, len, 1);
        } else {
            size_t nlines = 1;
            snprintf(value, sizeof(value), "%.3f", s->gauge);
            len = 0;
            if (value[0] == '-') {
                /* statsd reads "-5|g" as "decrease by 5"; setting 0 first
                 * makes it the value. Same datagram, so the order holds. */
                len = format_line(m, text, sizeof(text), s->e, "0");
                nlines = 2;
            }
            {
                size_t l2 = format_line(m, text + len, sizeof(text) - len, s->e, value);
                len = l2 == 0 || (nlines == 2 && len == 0) ? 0 : len + l2;
            }
            pack(m, text, len, nlines);
        }
    }
    for (i = 0; i < ntim; i++) {
        snprintf(value, sizeof(value), "%.3f", tim[i].v);
        len = format_line(m, text, sizeof(text), tim[i].e, value);
        pack(m, text, len, 1);
    }
    send_dgram(m);
}

void metrics_flush(metrics_t *m)
{
    if (m == NULL)
        return;
    pthread_mutex_lock(&m->flush_mu);
    flush_locked(m);
    pthread_mutex_unlock(&m->flush_mu);
}

static void *flusher_main(void *arg)
{
    metrics_t *m = arg;
    int64_t next = timebase_mono_ns() + m->interval_ns;
    struct timespec ts;

    pthread_mutex_lock(&m->ctl_mu);
    while (!m->stop) {
        if (!m->kick && timebase_mono_ns() < next) {
            ts.tv_sec = (time_t)(next / TB_NS_PER_S);
            ts.tv_nsec = (long)(next % TB_NS_PER_S);
            /* Woken early by destroy or a kick, or spuriously: the loop
             * checks again. */
            pthread_cond_timedwait(&m->ctl_cv, &m->ctl_mu, &ts);
            continue;
        }
        m->kick = false;
        pthread_mutex_unlock(&m->ctl_mu);
        metrics_flush(m);
        next = timebase_mono_ns() + m->interval_ns;
        pthread_mutex_lock(&m->ctl_mu);
    }
    pthread_mutex_unlock(&m->ctl_mu);
    return NULL;
}

/* ---- statistics --------------------------------------------------------- */

void metrics_stats_get(metrics_t *m, metrics_stats_t *out)
{
    memset(out, 0, sizeof(*out));
    if (m == NULL)
        return;
    out->sent_datagrams = atomic_load_explicit(&m->sent_datagrams, memory_order_relaxed);
    out->sent_lines = atomic_load_explicit(&m->sent_lines, memory_order_relaxed);
    out->dropped_datagrams =
        atomic_load_explicit(&m->dropped_datagrams, memory_order_relaxed);
    out->dropped_lines = atomic_load_explicit(&m->dropped_lines, memory_order_relaxed);
    out->dropped_values = atomic_load_explicit(&m->dropped_values, memory_order_relaxed);
}

void metrics_stats(metrics_t *m, uint64_t *sent_datagrams, uint64_t *dropped)
{
    metrics_stats_t st;

    metrics_stats_get(m, &st);
    if (sent_datagrams != NULL)
        *sent_datagrams = st.sent_datagrams;
    if (dropped != NULL)
        *dropped = st.dropped_values + st.dropped_lines;
}

/* ---- create / destroy --------------------------------------------------- */

/* Split "HOST:PORT" / "[V6]:PORT". The port is required: statsd has a
 * customary port (8125) but the issue asks for it to be explicit, and a
 * bare IPv6 literal's last group could not be told from a port. */
static int parse_hostport(const char *s, char *host, size_t hostlen, char *port,
                          size_t portlen, bool *bracketed, char *err, size_t errlen)
{
    const char *h;
    const char *colon;
    size_t hl;
    uint16_t pnum;
    int ret;

    *bracketed = false;
    if (s == NULL || s[0] == '\0') {
        snprintf(err, errlen, "statsd address is empty; expected HOST:PORT");
        return DP_EPARSE;
    }
    if (s[0] == '[') {
        const char *close = strchr(s, ']');
        if (close == NULL || close[1] != ':') {
            snprintf(err, errlen,
                     "statsd address '%.200s': expected [IPV6]:PORT, e.g. [::1]:8125", s);
            return DP_EPARSE;
        }
        h = s + 1;
        hl = (size_t)(close - h);
        colon = close + 1;
        *bracketed = true;
    } else {
        colon = strrchr(s, ':');
        if (colon == NULL) {
            snprintf(err, errlen,
                     "statsd address '%.200s': no port; expected HOST:PORT, e.g. "
                     "127.0.0.1:8125",
                     s);
            return DP_EPARSE;
        }
        if (strchr(s, ':') != colon) {
            snprintf(err, errlen,
                     "statsd address '%.200s': an IPv6 address needs brackets: "
                     "[ADDR]:PORT, e.g. [::1]:8125",
                     s);
            return DP_EPARSE;
        }
        h = s;
        hl = (size_t)(colon - s);
    }
    if (hl == 0 || hl >= hostlen) {
        snprintf(err, errlen, "statsd address '%.200s': %s host", s,
                 hl == 0 ? "empty" : "too long a");
        return DP_EPARSE;
    }
    memcpy(host, h, hl);
    host[hl] = '\0';
    ret = numparse_u16(colon + 1, &pnum);
    if (ret == 0 && pnum == 0)
        ret = DP_ERANGE;
    if (ret < 0) {
        snprintf(err, errlen, "statsd address '%.200s': port '%.20s' is not in 1..65535",
                 s, colon + 1);
        return ret;
    }
    snprintf(port, portlen, "%u", (unsigned)pnum);
    return 0;
}

/* Resolve once and connect a non-blocking UDP socket to the first address
 * that takes it. */
static int open_socket(metrics_t *m, const char *hostport, char *err, size_t errlen)
{
    char host[256];
    char port[8];
    bool bracketed;
    struct addrinfo hints;
    struct addrinfo *res = NULL;
    struct addrinfo *ai;
    int ret;
    int gai;
    int last_errno = 0;

    ret = parse_hostport(hostport, host, sizeof(host), port, sizeof(port), &bracketed,
                         err, errlen);
    if (ret < 0)
        return ret;
    memset(&hints, 0, sizeof(hints));
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_DGRAM;
    hints.ai_protocol = IPPROTO_UDP;
    hints.ai_flags = AI_NUMERICSERV | (bracketed ? AI_NUMERICHOST : 0);
    gai = getaddrinfo(host, port, &hints, &res);
    if (gai != 0) {
        snprintf(err, errlen, "statsd address '%.200s': cannot resolve '%s': %s",
                 hostport, host,
                 gai == EAI_SYSTEM ? dp_strerror(-errno) : gai_strerror(gai));
        ret = DP_EBADADDR;
        goto out;
    }
    for (ai = res; ai != NULL; ai = ai->ai_next) {
        int fd = socket(ai->ai_family, ai->ai_socktype | SOCK_NONBLOCK | SOCK_CLOEXEC,
                        ai->ai_protocol);
        if (fd < 0) {
            last_errno = errno;
            continue;
        }
        if (connect(fd, ai->ai_addr, ai->ai_addrlen) < 0) {
            last_errno = errno;
            close(fd);
            continue;
        }
        {
            int sz = SNDBUF_WANTED;
            (void)setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &sz, sizeof(sz));
        }
        m->fd = fd;
        break;
    }
    if (m->fd < 0) {
        ret = last_errno != 0 ? -last_errno : DP_EBADADDR;
        snprintf(err, errlen,
                 "statsd address '%.200s': cannot open a UDP socket to it: %s", hostport,
                 last_errno != 0 ? dp_strerror(-last_errno) : "no address");
        goto out;
    }
    ret = 0;
out:
    if (res != NULL)
        freeaddrinfo(res);
    return ret;
}

static void free_all(metrics_t *m)
{
    size_t i;

    if (m->fd >= 0)
        close(m->fd);
    for (i = 0; i < m->nentries; i++)
        free(m->entries[i].name);
    free(m->entries);
    free(m->slots);
    free(m->touched);
    free(m->snap);
    free(m->timers);
    free(m->spare);
    pthread_mutex_destroy(&m->mu);
    pthread_mutex_destroy(&m->flush_mu);
    pthread_mutex_destroy(&m->ctl_mu);
    pthread_cond_destroy(&m->ctl_cv);
    free(m);
}

static int check_opts(const metrics_opts_t *o, char *err, size_t errlen)
{
    if (o->flush_interval_ms < 0 || o->flush_interval_ms > INTERVAL_MS_MAX) {
        snprintf(err, errlen, "statsd flush interval %d ms is not in 1..%d",
                 o->flush_interval_ms, INTERVAL_MS_MAX);
        return DP_ERANGE;
    }
    if (o->max_timers > MAX_TIMERS_LIMIT) {
        snprintf(err, errlen, "statsd timer bound %zu is above %u", o->max_timers,
                 MAX_TIMERS_LIMIT);
        return DP_ERANGE;
    }
    if (o->max_names > MAX_NAMES_LIMIT) {
        snprintf(err, errlen, "statsd name bound %zu is above %u", o->max_names,
                 MAX_NAMES_LIMIT);
        return DP_ERANGE;
    }
    return 0;
}

int metrics_create_opts(metrics_t **out, const char *hostport, const char *prefix,
                        const metrics_opts_t *opts, char *err, size_t errlen)
{
    static const metrics_opts_t none;
    metrics_t *m;
    pthread_condattr_t ca;
    sigset_t all;
    sigset_t old;
    char pfx[PREFIX_MAX + 1];
    size_t pl;
    int ret;

    *out = NULL;
    if (opts == NULL)
        opts = &none;
    ret = check_opts(opts, err, errlen);
    if (ret < 0)
        return ret;
    m = calloc(1, sizeof(*m));
    if (m == NULL) {
        snprintf(err, errlen, "statsd: out of memory");
        return -ENOMEM;
    }
    m->fd = -1;
    pthread_mutex_init(&m->mu, NULL);
    pthread_mutex_init(&m->flush_mu, NULL);
    pthread_mutex_init(&m->ctl_mu, NULL);
    pthread_condattr_init(&ca);
    pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
    pthread_cond_init(&m->ctl_cv, &ca);
    pthread_condattr_destroy(&ca);
    m->interval_ns = (opts->flush_interval_ms > 0 ? opts->flush_interval_ms
                                                  : METRICS_DEFAULT_INTERVAL_MS) *
                     TB_NS_PER_MS;
    m->max_timers = opts->max_timers > 0 ? opts->max_timers : METRICS_DEFAULT_MAX_TIMERS;
    m->max_names = opts->max_names > 0 ? opts->max_names : METRICS_DEFAULT_MAX_NAMES;
    snprintf(m->where, sizeof(m->where), "%.290s", hostport != NULL ? hostport : "");

    /* The prefix's own trailing dots go: "a.b." must not give "a.b..name". */
    pl = metrics_sanitize(prefix, pfx, sizeof(pfx));
    while (pl > 0 && pfx[pl - 1] == '.')
        pl--;
    if (pl > 0) {
        memcpy(m->prefix, pfx, pl);
        m->prefix[pl++] = '.';
    }
    m->prefix[pl] = '\0';
    m->prefixlen = pl;
    m->name_max = METRICS_NAME_MAX - pl;

    m->nslots = 2;
    while (m->nslots < 2 * m->max_names)
        m->nslots *= 2;
    m->entries = calloc(m->max_names, sizeof(*m->entries));
    m->slots = calloc(m->nslots, sizeof(*m->slots));
    m->touched = calloc(m->max_names, sizeof(*m->touched));
    m->snap = calloc(m->max_names, sizeof(*m->snap));
    if (m->entries == NULL || m->slots == NULL || m->touched == NULL || m->snap == NULL) {
        snprintf(err, errlen, "statsd: out of memory");
        ret = -ENOMEM;
        goto out;
    }

    ret = open_socket(m, hostport, err, errlen);
    if (ret < 0)
        goto out;

    /* The flusher takes no signal: SIGINT and SIGTERM must reach a thread
     * whose blocking calls they are meant to interrupt. */
    sigfillset(&all);
    pthread_sigmask(SIG_SETMASK, &all, &old);
    ret = -pthread_create(&m->thread, NULL, flusher_main, m);
    pthread_sigmask(SIG_SETMASK, &old, NULL);
    if (ret < 0) {
        snprintf(err, errlen, "statsd: cannot start the flush thread: %s",
                 dp_strerror(ret));
        goto out;
    }
    m->started = true;
    pthread_setname_np(m->thread, "dp-metrics");
out:
    if (ret < 0) {
        free_all(m);
        return ret;
    }
    *out = m;
    return 0;
}

int metrics_create(metrics_t **out, const char *hostport, const char *prefix, char *err,
                   size_t errlen)
{
    return metrics_create_opts(out, hostport, prefix, NULL, err, errlen);
}

void metrics_destroy(metrics_t *m)
{
    if (m == NULL)
        return;
    if (m->started) {
        pthread_mutex_lock(&m->ctl_mu);
        m->stop = true;
        pthread_cond_signal(&m->ctl_cv);
        pthread_mutex_unlock(&m->ctl_mu);
        pthread_join(m->thread, NULL);
    }
    metrics_flush(m);
    free_all(m);
}

void metrics_poll(metrics_t *m, probe_status_t status, const char *ns, double duration_s)
{
    char name[METRICS_NAME_MAX + 32];

    if (m == NULL)
        return;
    metrics_count(m,
                  status == PROBE_COMPLETED ? "polls.completed"
                  : status == PROBE_TIMEOUT ? "polls.timeouts"
                  : status == PROBE_ERROR   ? "polls.errors"
                                            : "polls.cancelled",
                  1);
    if (status == PROBE_COMPLETED) {
        snprintf(name, sizeof(name), "ns.%s.propagation_ms", ns);
        metrics_timing_ms(m, name, duration_s * 1e3);
    }
}
