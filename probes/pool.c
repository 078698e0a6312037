/*
 * pool: the probe engine (see pool.h).
 *
 * Layout: probe_pool_t holds N workers. A worker is a thread with an epoll
 * instance, an eventfd for wake-ups, an inbox of submitted polls (mutex),
 * its channels (UDP sockets of its own and a c-ares TCP channel per
 * nameserver), a min-heap of polls keyed by their next event (query due
 * or deadline), and statistics only it writes (read with relaxed atomics,
 * merged in probe_pool_stats).
 *
 * A loop: expire queries, send what is due (batched into one sendmmsg per
 * socket), wait in epoll, read answers (recvmmsg). Each channel keeps its
 * in-flight queries in send order, so the oldest one tells when a query
 * expires: O(1) per loop (c-ares 1.18's ares_timeout walks them all).
 * Timing: a query is stamped just before the system call that sends it,
 * an answer just after the one that read it (one clock read per batch),
 * so lower bounds are never too late and durations never too short.
 */
#include <ares.h>
#include <errno.h>
#include <math.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <netinet/udp.h>
#include <sys/socket.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include "harness/common/errcode.h"
#include "harness/common/fmt.h"
#include "harness/common/log.h"
#include "harness/common/timebase.h"
#include "harness/common/vec.h"
#include "probes/dnsmsg.h"
#include "probes/dnssec.h"
#include "probes/heap.h"
#include "probes/pool.h"

#define LAG_BUCKET_NS (25 * 1000) /* 25 us */
#define LAG_BUCKETS   4000        /* up to 100 ms; beyond goes to the last */
#define MAX_EVENTS    256
#define QBUF_MAX      (DNSMSG_HDR_LEN + 255 + 4 + DNSMSG_OPT_LEN)

struct worker;
struct chan;
struct group;

typedef struct poll {
    heap_node_t hn;         /* first: heap nodes map back to polls */
    struct group *grp;      /* its nameserver's channels, once taken in */
    probe_ns_t *pending_ns; /* the nameserver until then */
    char *id;
    uint64_t tag;
    char *qname;
    uint16_t qtype;
    bool is_zone;
    bool done;
    bool waiting;       /* due, but its group was at max_inflight */
    struct poll *wprev; /* the group's wait list */
    struct poll *wnext;
    cond_spec_t spec;
    char **want; /* owned storage behind spec.values */
    unsigned char *qbuf;
    int qlen;
    double start_time;
    int64_t start_mono;
    int64_t deadline;
    int64_t next_send;
    int64_t period;
    /* progress */
    uint32_t queries;
    uint32_t answers;
    uint32_t inflight;
    uint32_t n_refused; /* REFUSED or NOTAUTH */
    uint32_t n_servfail;
    uint32_t n_malformed;
    uint32_t n_truncated; /* TC set: never evidence (RFC 2181 9) */
    int last_rcode;
    int last_status; /* c-ares status of the last failed query */
    bool have_unsat;
    int64_t last_unsat_send;
    bool have_serial;
    uint32_t serial;
    char **obs;
    size_t nobs;
    unsigned obs_nmatch;
    bool keep_queries;
    double *qlog; /* (sent, rtt) pairs: probe_result_t.query_log */
    uint32_t nqlog;
    size_t qlogcap;           /* doubles */
    int qend;                 /* where qbuf's question ends: the OPT follows */
    bool edns;                /* qbuf ends with an OPT record */
    bool nsid_asked;          /* ... asking for the NSID */
    const char *nsid_last;    /* of the last unsatisfied answer (nsidtab) */
    const char *nsid_sat;     /* of the satisfying answer */
    struct dnssec_keys *keys; /* DNSSEC: the zone's keys (a reference) */
    int64_t plain_at;         /* ... when the data was first served, signed or not */
    uint32_t n_badsig;        /* ... answers whose data held but did not validate */
    char *sigwhy;             /* ... why the last of them did not */
} poll_t;

typedef struct qctx {
    poll_t *p;
    struct chan *ch;
    int64_t sent;
    int64_t deadline;
    uint16_t id;          /* UDP: the message ID, its low bits the channel's slot */
    unsigned char idw[2]; /* the ID as sent (network order) */
    struct qctx *prev;
    struct qctx *next;
} qctx_t;

/* A channel is one UDP socket of ours, or a c-ares channel for TCP.
 *
 * UDP is the engine's own (connect()ed socket, sendmmsg/recvmmsg in
 * batches): c-ares 1.18 costs a send and a receive system call, a malloc
 * and an O(n) walk of its queries per query, which made the engine's CPU
 * per query higher than dnsperf's. A connected socket receives only
 * datagrams from the nameserver's address and port; an answer is matched
 * by ID to its slot, then by question (RFC 5452 9.1, as c-ares does).
 * TCP, for answers truncated over UDP (RFC 7766 5), stays c-ares's
 * (ARES_FLAG_USEVC), as do its timeouts. */
typedef struct chan {
    struct worker *w;
    struct group *g;
    ares_channel ares; /* TCP: the c-ares channel; NULL for UDP */
    int fd;            /* UDP: the socket; -1 for TCP */
    int err;           /* UDP: errno of connect(), 0 when connected */
    qctx_t **slots;    /* UDP: in-flight queries by ID & UDP_SLOT_MASK */
    uint16_t *free_slots;
    unsigned nfree;
    qctx_t *head; /* in-flight queries, oldest first */
    qctx_t *tail;
    unsigned inflight;
} chan_t;

/* The channels of one worker to one nameserver: UDP sockets of up to
 * CHAN_MAX_INFLIGHT queries each (more are opened as load needs them),
 * and one c-ares TCP channel opened for the first truncated answer. */
typedef struct group {
    probe_ns_t ns;
    chan_t **chans;
    size_t nchans, capchans;
    chan_t *tcp;
    unsigned inflight;
    struct poll *whead; /* polls waiting for room, oldest first */
    struct poll *wtail;
} group_t;

/* Slots of a UDP channel: the low 10 bits of a query's ID; the high 6
 * are random. */
#define UDP_SLOT_BITS     10
#define CHAN_MAX_INFLIGHT (1u << UDP_SLOT_BITS)
#define UDP_SLOT_MASK     (CHAN_MAX_INFLIGHT - 1)
/* Datagrams per sendmmsg/recvmmsg, and the receive buffer of each: no
 * EDNS in our queries, so 512 octets suffice (RFC 1035 4.2.1); more room
 * for a server that sends larger anyway. */
#define IO_BATCH 64
/* coalesce(): how long answers may gather, from how many in flight */
#define COALESCE_NS           (100 * 1000)
#define COALESCE_MIN_INFLIGHT 16
#define RBUF_LEN              4096

/* Slots of a worker's inbox when it is first used after being taken. */
#define INBOX_MIN 64

/* The NSIDs a worker has seen, as text. An anycast address hides a few
 * instances, so there are few distinct values; polls and results point
 * at them, so they live until the pool is destroyed. Bounded: past
 * NSID_MAX_DISTINCT, new ones read as NSID_TOO_MANY. */
#define NSID_MAX_DISTINCT 1024
#define NSID_TOO_MANY     "!too-many-nsids"
#define NSID_MALFORMED    "!malformed"
typedef struct {
    char **s;
    size_t n, cap;
    size_t last; /* the last one found: answers come in runs */
} nsidtab_t;

/* Counters written by the owning worker only. */
typedef struct {
    _Atomic uint64_t completed, timeouts, errors, cancelled;
    _Atomic uint64_t queries, answers, query_timeouts, query_errors, malformed;
    _Atomic uint64_t skipped_slots, deferred;
    _Atomic uint64_t lag_samples, lag_max_ns;
    _Atomic uint32_t lag[LAG_BUCKETS];
} wstats_t;

typedef struct worker {
    probe_pool_t *pool;
    pthread_t thread;
    bool started;
    int epfd;
    int evfd;
    pthread_mutex_t mu; /* guards inbox and stop */
    poll_t **inbox;
    size_t ninbox;
    size_t inbox_cap;
    bool stop;
    heap_t heap;
    group_t **groups;
    size_t ngroups, capgroups;
    chan_t **fdtab; /* socket fd -> channel, fdtab_len slots (NULL: none) */
    size_t fdtab_len;
    qctx_t *free_q;        /* recycled query contexts */
    uint64_t rng;          /* xorshift64 state for query IDs */
    unsigned udp_inflight; /* UDP queries in flight, every channel */
    unsigned last_read;    /* answers read at the last wake-up */
    /* UDP queries waiting for one sendmmsg, all on channel sch */
    chan_t *sch;
    unsigned nsend;
    qctx_t *sq[IO_BATCH];
    struct mmsghdr smsg[IO_BATCH];
    struct iovec siov[IO_BATCH];
    unsigned char sbuf[IO_BATCH][QBUF_MAX];
    size_t slen[IO_BATCH];
    unsigned mfirst[IO_BATCH + 1];
    bool no_gso; /* the kernel refused UDP_SEGMENT */
    union {
        struct cmsghdr align;
        unsigned char b[CMSG_SPACE(sizeof(uint16_t))];
    } cbuf[IO_BATCH];
    unsigned char (*rbuf)[RBUF_LEN]; /* IO_BATCH receive buffers */
    nsidtab_t nsids;
    wstats_t st;
} worker_t;

typedef struct rnode {
    probe_result_t r;
    struct rnode *next;
} rnode_t;

struct probe_pool {
    worker_t *w;
    unsigned nw;
    atomic_uint rr; /* round-robin over workers */
    atomic_uint_fast64_t submitted;
    int64_t query_timeout_ns;
    unsigned max_inflight;
    probe_result_cb cb;
    void *cb_arg;
    pthread_mutex_t qmu; /* result queue */
    pthread_cond_t qcond;
    rnode_t *qhead;
    rnode_t *qtail;
    atomic_bool stopping;
    bool stopped;
};

static inline void st_inc(_Atomic uint64_t *c, uint64_t n)
{
    /* single writer: a relaxed load and store, no locked instruction */
    atomic_store_explicit(c, atomic_load_explicit(c, memory_order_relaxed) + n,
                          memory_order_relaxed);
}

static void free_strv(char **v, size_t n)
{
    size_t i;

    for (i = 0; v != NULL && i < n; i++)
        free(v[i]);
    free(v);
}

static void poll_free(poll_t *p)
{
    free(p->id);
    free(p->qname);
    free_strv(p->want, p->spec.nvalues);
    free(p->qbuf);
    free_strv(p->obs, p->nobs);
    free(p->pending_ns);
    free(p->qlog);
    free(p->sigwhy);
    dnssec_keys_unref(p->keys);
    free(p);
}

static void wait_unlink(struct group *g, poll_t *p);

/* ---- results ------------------------------------------------------------ */

static void describe_timeout(const poll_t *p, char *buf, size_t len)
{
    char rb[16];
    const char *rc = p->last_rcode >= 0 ? rdata_rcode_str(p->last_rcode, rb) : "none";

    switch (p->spec.kind) {
    case COND_SERIAL_NOT_LOWER:
        if (p->have_serial)
            snprintf(buf, len, "serial %u is still lower than %u", p->serial,
                     p->spec.serial);
        else
            snprintf(buf, len, "no SOA for the zone in the answers (last rcode %s)", rc);
        break;
    case COND_VALUE_PRESENT:
        snprintf(buf, len,
                 "RRset never held the expected value%s (last answer: rcode %s, %zu "
                 "value%s)",
                 p->spec.nvalues > 1 ? "s" : "", rc, p->nobs, p->nobs == 1 ? "" : "s");
        break;
    case COND_EMPTY_RESPONSE:
        snprintf(buf, len, "name still answered (last answer: rcode %s, %u RR%s)", rc,
                 p->obs_nmatch, p->obs_nmatch == 1 ? "" : "s");
        break;
    }
}

/* Status and reason of a poll that ran out of time. */
static probe_status_t classify_timeout(const poll_t *p, char *buf, size_t len)
{
    if (p->answers == 0 && p->n_malformed > 0) {
        snprintf(buf, len, "malformed: %u malformed answer%s, no valid one",
                 p->n_malformed, p->n_malformed == 1 ? "" : "s");
        return PROBE_ERROR;
    }
    if (p->answers == 0) {
        snprintf(buf, len, "unreachable: no answer to %u quer%s (%s)", p->queries,
                 p->queries == 1 ? "y" : "ies",
                 p->queries == 0 ? "none sent" : ares_strerror(p->last_status));
        return PROBE_ERROR;
    }
    if (p->n_refused == p->answers) {
        snprintf(buf, len, "refused: all %u answer%s were REFUSED or NOTAUTH", p->answers,
                 p->answers == 1 ? "" : "s");
        return PROBE_ERROR;
    }
    if (p->n_truncated == p->answers) {
        snprintf(buf, len,
                 "truncated: all %u answer%s had TC set (over TCP too); a truncated "
                 "answer is no evidence",
                 p->answers, p->answers == 1 ? "" : "s");
        return PROBE_ERROR;
    }
    if (p->n_servfail == p->answers) {
        snprintf(buf, len, "servfail: all %u answer%s were SERVFAIL", p->answers,
                 p->answers == 1 ? "" : "s");
        return PROBE_ERROR;
    }
    describe_timeout(p, buf, len);
    if (p->n_badsig > 0 && p->sigwhy != NULL)
        /* the data was there, never validly signed: a signing lag, not a pass */
        snprintf(
            buf, len,
            "served %.1f s after the start but never validly signed (%u answer%s): %s",
            (double)(p->plain_at - p->start_mono) / 1e9, p->n_badsig,
            p->n_badsig == 1 ? "" : "s", p->sigwhy);
    return PROBE_TIMEOUT;
}

static void deliver(probe_pool_t *pool, probe_result_t *r)
{
    rnode_t *n;

    if (pool->cb != NULL) {
        pool->cb(r, pool->cb_arg);
        probe_result_clear(r);
        return;
    }
    n = malloc(sizeof(*n));
    if (n == NULL) {
        log_err("out of memory: a %s result for %s is lost", probe_status_str(r->status),
                r->qname != NULL ? r->qname : "?");
        probe_result_clear(r);
        return;
    }
    n->r = *r;
    n->next = NULL;
    pthread_mutex_lock(&pool->qmu);
    if (pool->qtail != NULL)
        pool->qtail->next = n;
    else
        pool->qhead = n;
    pool->qtail = n;
    pthread_cond_signal(&pool->qcond);
    pthread_mutex_unlock(&pool->qmu);
}

/* Finish a poll: build and deliver its result. The poll itself is freed
 * now, or by the last in-flight query's callback. */
static void poll_finish(worker_t *w, poll_t *p, probe_status_t status, int64_t observed,
                        cond_empty_t empty, const char *reason)
{
    probe_result_t r;
    int64_t lb;

    memset(&r, 0, sizeof(r));
    p->done = true;
    heap_remove(&w->heap, &p->hn);
    if (p->waiting)
        wait_unlink(p->grp, p);
    r.id = p->id;
    p->id = NULL;
    r.qname = p->qname;
    p->qname = NULL;
    r.values = p->obs;
    r.nvalues = p->nobs;
    p->obs = NULL;
    p->nobs = 0;
    r.tag = p->tag;
    fmt_copy(r.ns, sizeof(r.ns), p->grp != NULL ? p->grp->ns.text : p->pending_ns->text);
    r.qtype = p->qtype;
    r.is_zone = p->is_zone;
    r.cond = p->spec.kind;
    r.status = status;
    r.start_time = p->start_time;
    r.queries = p->queries;
    r.answers = p->answers;
    r.rcode = p->last_rcode;
    r.have_serial = p->have_serial;
    r.serial = p->serial;
    r.empty = empty;
    r.query_log = p->qlog;
    r.nquery_log = p->nqlog;
    p->qlog = NULL;
    p->nqlog = 0;
    r.dnssec = p->keys != NULL;
    r.plain_duration =
        p->plain_at > 0 ? (double)(p->plain_at - p->start_mono) / 1e9 : NAN;
    r.nsid_asked = p->nsid_asked;
    r.nsid = status == PROBE_COMPLETED ? p->nsid_sat : NULL;
    r.nsid_last = p->nsid_last;
    r.duration = NAN;
    lb = p->have_unsat ? p->last_unsat_send - p->start_mono : 0;
    r.lower_bound = lb > 0 ? (double)lb / 1e9 : 0.0;
    if (status == PROBE_COMPLETED) {
        r.duration = (double)(observed - p->start_mono) / 1e9;
        r.observed_at = p->start_time + r.duration;
    }
    if (reason != NULL)
        fmt_copy(r.reason, sizeof(r.reason), reason);

    switch (status) {
    case PROBE_COMPLETED:
        st_inc(&w->st.completed, 1);
        break;
    case PROBE_TIMEOUT:
        st_inc(&w->st.timeouts, 1);
        break;
    case PROBE_ERROR:
        st_inc(&w->st.errors, 1);
        break;
    case PROBE_CANCELLED:
        st_inc(&w->st.cancelled, 1);
        break;
    }
    deliver(w->pool, &r);
    if (p->inflight == 0)
        poll_free(p);
}

/* ---- channels and sockets ------------------------------------------------- */

static int fdtab_set(worker_t *w, int fd, chan_t *ch)
{
    if ((size_t)fd >= w->fdtab_len) {
        /* every slot of the table is valid: the new ones say "no channel" */
        size_t old = w->fdtab_len;
        if (VEC_RESERVE(w->fdtab, w->fdtab_len, (size_t)fd + 1) < 0)
            return -ENOMEM;
        memset(w->fdtab + old, 0, (w->fdtab_len - old) * sizeof(*w->fdtab));
    }
    w->fdtab[fd] = ch;
    return 0;
}

/* c-ares tells which sockets it wants watched (ARES_OPT_SOCK_STATE_CB). */
static void sock_state_cb(void *data, ares_socket_t fd, int readable, int writable)
{
    chan_t *ch = data;
    worker_t *w = ch->w;
    struct epoll_event ev;
    bool known = (size_t)fd < w->fdtab_len && w->fdtab[fd] != NULL;

    memset(&ev, 0, sizeof(ev));
    ev.data.fd = fd;
    ev.events = (readable ? EPOLLIN : 0) | (writable ? EPOLLOUT : 0);
    if (!readable && !writable) {
        if (known) {
            epoll_ctl(w->epfd, EPOLL_CTL_DEL, fd, NULL);
            w->fdtab[fd] = NULL;
        }
        return;
    }
    if (fdtab_set(w, fd, ch) < 0) {
        log_err("out of memory watching socket %d", fd);
        return;
    }
    if (epoll_ctl(w->epfd, known ? EPOLL_CTL_MOD : EPOLL_CTL_ADD, fd, &ev) < 0 &&
        errno == ENOENT)
        epoll_ctl(w->epfd, EPOLL_CTL_ADD, fd, &ev);
}

/* The group's TCP channel: c-ares with ARES_FLAG_USEVC, asked only for
 * queries whose UDP answer was truncated. */
static int chan_create_tcp(worker_t *w, const probe_ns_t *ns, chan_t **out)
{
    struct ares_options opts;
    struct ares_addr_port_node srv;
    chan_t *ch;
    int optmask;
    int ret;

    ch = calloc(1, sizeof(*ch));
    if (ch == NULL)
        return -ENOMEM;
    ch->w = w;
    ch->fd = -1;

    memset(&opts, 0, sizeof(opts));
    /* RD clear (we ask authoritative servers); NOCHECKRESP so REFUSED and
     * SERVFAIL reach the condition instead of being retried elsewhere. */
    opts.flags = ARES_FLAG_NORECURSE | ARES_FLAG_NOCHECKRESP | ARES_FLAG_STAYOPEN |
                 ARES_FLAG_NOSEARCH | ARES_FLAG_NOALIASES | ARES_FLAG_USEVC;
    opts.timeout = (int)(w->pool->query_timeout_ns / TB_NS_PER_MS);
    opts.tries = 1;
    opts.sock_state_cb = sock_state_cb;
    opts.sock_state_cb_data = ch;
    optmask =
        ARES_OPT_FLAGS | ARES_OPT_TIMEOUTMS | ARES_OPT_TRIES | ARES_OPT_SOCK_STATE_CB;
    ret = ares_init_options(&ch->ares, &opts, optmask);
    if (ret != ARES_SUCCESS) {
        log_err("c-ares: cannot create a channel: %s", ares_strerror(ret));
        free(ch);
        return DP_ECARES;
    }

    memset(&srv, 0, sizeof(srv));
    if (ns->sa.ss_family == AF_INET) {
        const struct sockaddr_in *sin = (const struct sockaddr_in *)&ns->sa;
        srv.family = AF_INET;
        memcpy(&srv.addr.addr4, &sin->sin_addr, sizeof(srv.addr.addr4));
        srv.udp_port = srv.tcp_port = ntohs(sin->sin_port);
    } else {
        const struct sockaddr_in6 *sin6 = (const struct sockaddr_in6 *)&ns->sa;
        srv.family = AF_INET6;
        memcpy(&srv.addr.addr6, &sin6->sin6_addr, sizeof(srv.addr.addr6));
        srv.udp_port = srv.tcp_port = ntohs(sin6->sin6_port);
    }
    ret = ares_set_servers_ports(ch->ares, &srv);
    if (ret != ARES_SUCCESS) {
        log_err("c-ares: cannot set server %s: %s", ns->text, ares_strerror(ret));
        ares_destroy(ch->ares);
        free(ch);
        return DP_ECARES;
    }
    *out = ch;
    return 0;
}

/* A UDP channel's socket (out of the worker's table, closed) and query
 * slots freed; ch itself stays. */
static void udp_chan_close(worker_t *w, chan_t *ch)
{
    if (ch->fd >= 0) {
        if ((size_t)ch->fd < w->fdtab_len)
            w->fdtab[ch->fd] = NULL;
        close(ch->fd);
    }
    free(ch->slots);
    free(ch->free_slots);
}

/* A UDP channel: a socket connect()ed to the nameserver, watched for
 * reading. A connect() that fails (no route) leaves a channel whose
 * queries fail at once, as c-ares's did. */
static int chan_create_udp(worker_t *w, group_t *g, chan_t **out)
{
    struct epoll_event ev;
    chan_t *ch;
    int rcv = 4 << 20;
    int snd = 1 << 20;
    unsigned i;

    ch = calloc(1, sizeof(*ch));
    if (ch == NULL)
        return -ENOMEM;
    ch->w = w;
    ch->g = g;
    ch->slots = calloc(CHAN_MAX_INFLIGHT, sizeof(*ch->slots));
    ch->free_slots = malloc(CHAN_MAX_INFLIGHT * sizeof(*ch->free_slots));
    ch->fd = socket(g->ns.sa.ss_family, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (ch->slots == NULL || ch->free_slots == NULL || ch->fd < 0)
        goto fail;
    /* the oldest slot last: IDs are reused as late as possible */
    for (i = 0; i < CHAN_MAX_INFLIGHT; i++)
        ch->free_slots[i] = (uint16_t)(CHAN_MAX_INFLIGHT - 1 - i);
    ch->nfree = CHAN_MAX_INFLIGHT;
    /* bursts of answers wait in the kernel while the loop sends */
    setsockopt(ch->fd, SOL_SOCKET, SO_RCVBUF, &rcv, sizeof(rcv));
    setsockopt(ch->fd, SOL_SOCKET, SO_SNDBUF, &snd, sizeof(snd));
    if (connect(ch->fd, (const struct sockaddr *)&g->ns.sa, g->ns.len) < 0)
        ch->err = errno;
    memset(&ev, 0, sizeof(ev));
    ev.events = EPOLLIN;
    ev.data.fd = ch->fd;
    if (fdtab_set(w, ch->fd, ch) < 0 ||
        epoll_ctl(w->epfd, EPOLL_CTL_ADD, ch->fd, &ev) < 0)
        goto fail;
    *out = ch;
    return 0;
fail:
    udp_chan_close(w, ch);
    free(ch);
    return -ENOMEM;
}

static bool ns_equal(const probe_ns_t *a, const probe_ns_t *b)
{
    return a->len == b->len && memcmp(&a->sa, &b->sa, a->len) == 0;
}

static int group_get(worker_t *w, const probe_ns_t *ns, group_t **out)
{
    group_t *g;
    size_t i;

    for (i = 0; i < w->ngroups; i++) {
        if (ns_equal(&w->groups[i]->ns, ns)) {
            *out = w->groups[i];
            return 0;
        }
    }
    if (VEC_RESERVE(w->groups, w->capgroups, w->ngroups + 1) < 0)
        return -ENOMEM;
    g = calloc(1, sizeof(*g));
    if (g == NULL)
        return -ENOMEM;
    g->ns = *ns;
    w->groups[w->ngroups++] = g;
    *out = g;
    return 0;
}

/* A channel of g with room for one more query, opening one if needed;
 * NULL when the group is at max_inflight. */
static chan_t *group_pick(worker_t *w, group_t *g)
{
    size_t i;

    if (g->inflight >= w->pool->max_inflight)
        return NULL;
    for (i = 0; i < g->nchans; i++) {
        if (g->chans[i]->inflight < CHAN_MAX_INFLIGHT)
            return g->chans[i];
    }
    if (VEC_RESERVE(g->chans, g->capchans, g->nchans + 1) < 0)
        return NULL;
    if (chan_create_udp(w, g, &g->chans[g->nchans]) < 0)
        return NULL;
    return g->chans[g->nchans++];
}

static void qlist_unlink(chan_t *ch, qctx_t *q)
{
    if (q->prev != NULL)
        q->prev->next = q->next;
    else
        ch->head = q->next;
    if (q->next != NULL)
        q->next->prev = q->prev;
    else
        ch->tail = q->prev;
    q->prev = q->next = NULL;
}

static void qlist_append(chan_t *ch, qctx_t *q)
{
    q->next = NULL;
    q->prev = ch->tail;
    if (ch->tail != NULL)
        ch->tail->next = q;
    else
        ch->head = q;
    ch->tail = q;
}

/* ---- queries ----------------------------------------------------------------- */

static void take_values(poll_t *p, dnsmsg_answer_t *ans)
{
    free_strv(p->obs, p->nobs);
    p->obs = ans->values;
    p->nobs = ans->nvalues;
    ans->values = NULL;
    ans->nvalues = 0;
}

/* An answered query into the poll's log (Digaas keeps every query's
 * response time); past PROBE_QUERY_LOG_MAX, or out of memory, it is not
 * logged (the counts still are). */
static void log_query(poll_t *p, int64_t sent, int64_t now)
{
    if (p->nqlog >= PROBE_QUERY_LOG_MAX ||
        VEC_RESERVE(p->qlog, p->qlogcap, 2 * (size_t)p->nqlog + 2) < 0)
        return;
    p->qlog[2 * p->nqlog] = (double)(sent - p->start_mono) / 1e9;
    p->qlog[2 * p->nqlog + 1] = (double)(now - sent) / 1e9;
    p->nqlog++;
}

/* Take q off its channel: the in-flight list and, for UDP, its slot. */
static void q_release(chan_t *ch, qctx_t *q)
{
    qlist_unlink(ch, q);
    ch->inflight--;
    if (ch->fd >= 0) {
        ch->w->udp_inflight--;
        ch->slots[q->id & UDP_SLOT_MASK] = NULL;
        ch->free_slots[ch->nfree++] = (uint16_t)(q->id & UDP_SLOT_MASK);
    }
}

/* The answer's NSID as one of the worker's interned texts; NULL when it
 * has none. */
static const char *nsid_intern(worker_t *w, const dnsmsg_answer_t *ans)
{
    nsidtab_t *t = &w->nsids;
    char text[DNSMSG_NSID_TEXT_MAX];
    size_t i;

    if (ans->nsid_state == DNSMSG_NSID_NONE)
        return NULL;
    if (ans->nsid_state == DNSMSG_NSID_MALFORMED)
        snprintf(text, sizeof(text), "%s", NSID_MALFORMED);
    else
        dnsmsg_nsid_text(ans->nsid, ans->nsid_len, text);
    if (t->last < t->n && strcmp(t->s[t->last], text) == 0)
        return t->s[t->last];
    for (i = 0; i < t->n; i++) {
        if (strcmp(t->s[i], text) == 0) {
            t->last = i;
            return t->s[i];
        }
    }
    if (t->n >= NSID_MAX_DISTINCT - 1) {
        /* the last slot holds NSID_TOO_MANY */
        if (t->n == NSID_MAX_DISTINCT)
            return t->s[t->n - 1];
        snprintf(text, sizeof(text), "%s", NSID_TOO_MANY);
    }
    if (VEC_RESERVE(t->s, t->cap, t->n + 1) < 0)
        return NULL;
    if ((t->s[t->n] = strdup(text)) == NULL)
        return NULL;
    t->last = t->n;
    return t->s[t->n++];
}

/* DNSSEC: the data the condition saw is there (now, if first); is it
 * signed by the zone's keys (dnssec.h)? A zone a server dropped
 * (REFUSED, NOTAUTH) proves nothing and needs no proof. */
static bool signed_too(poll_t *p, const unsigned char *abuf, size_t alen, int rcode,
                       int64_t now)
{
    bool denial = p->spec.kind == COND_EMPTY_RESPONSE;
    char why[256];

    if (p->plain_at == 0)
        p->plain_at = now;
    if (denial && rcode != 0 && rcode != 3)
        return true;
    if (dnssec_check(p->keys, abuf, alen, p->qname, p->qtype, denial, why, sizeof(why)))
        return true;
    p->n_badsig++;
    free(p->sigwhy);
    p->sigwhy = strdup(why);
    return false;
}

/* A query ended: status ARES_SUCCESS with its answer (abuf, alen) that
 * arrived by now, or the failure. */
static void q_done(qctx_t *q, int status, const unsigned char *abuf, size_t alen,
                   int64_t now)
{
    poll_t *p = q->p;
    chan_t *ch = q->ch;
    worker_t *w = ch->w;
    int64_t sent = q->sent;
    dnsmsg_answer_t ans;
    cond_empty_t empty;
    bool satisfied;
    int ret;

    q_release(ch, q);
    p->grp->inflight--;
    p->inflight--;
    q->next = w->free_q;
    w->free_q = q;

    if (p->done) {
        if (p->inflight == 0)
            poll_free(p);
        return;
    }
    if (status != ARES_SUCCESS) {
        p->last_status = status;
        if (status == ARES_ETIMEOUT)
            st_inc(&w->st.query_timeouts, 1);
        else
            st_inc(&w->st.query_errors, 1);
        return;
    }
    if (p->keep_queries)
        log_query(p, sent, now);
    /* the question of the query is the name in wire form */
    ret = dnsmsg_parse_wire(abuf, alen, p->qbuf + DNSMSG_HDR_LEN, p->qtype,
                            p->spec.kind == COND_VALUE_PRESENT, &ans);
    if (ret < 0) {
        p->n_malformed++;
        st_inc(&w->st.malformed, 1);
        return;
    }
    st_inc(&w->st.answers, 1);
    p->answers++;
    p->last_rcode = ans.rcode;
    if (p->edns && !ans.edns && ans.rcode == 1) {
        /* FORMERR without OPT: a server that does not know EDNS (RFC 6891
         * 7); the next queries go without it, and this answer is no
         * evidence of anything */
        p->qlen = dnsmsg_strip_opt(p->qbuf, p->qlen);
        p->edns = false;
        dnsmsg_answer_clear(&ans);
        return;
    }
    if (ans.tc) {
        /* a truncated UDP answer was asked again over TCP (to_tcp); TC
         * even then means the server could not send it all. RFC 2181 section 9: a
         * truncated answer is not to be used, nor is its empty answer
         * section a NODATA. */
        p->n_truncated++;
        dnsmsg_answer_clear(&ans);
        return;
    }
    if (ans.rcode == 5 || ans.rcode == 9)
        p->n_refused++;
    else if (ans.rcode == 2)
        p->n_servfail++;
    if (ans.have_soa) {
        p->have_serial = true;
        p->serial = ans.soa_serial;
    }
    p->obs_nmatch = ans.nmatch;
    satisfied = cond_eval(&p->spec, &ans, &empty);
    if (satisfied && p->keys != NULL)
        satisfied = signed_too(p, abuf, alen, ans.rcode, now);
    if (p->nsid_asked) {
        const char *id = nsid_intern(w, &ans);
        if (satisfied)
            p->nsid_sat = id;
        else if (!p->have_unsat || sent > p->last_unsat_send)
            p->nsid_last = id;
    }
    take_values(p, &ans);
    if (satisfied) {
        char reason[64] = "";
        if (empty != COND_EMPTY_NONE)
            snprintf(reason, sizeof(reason), "%s", cond_empty_str(empty));
        poll_finish(w, p, PROBE_COMPLETED, now, empty, reason);
    } else if (!p->have_unsat || sent > p->last_unsat_send) {
        p->have_unsat = true;
        p->last_unsat_send = sent;
    }
    dnsmsg_answer_clear(&ans);
}

/* c-ares's callback (TCP): the answer arrives now. */
static void on_answer(void *arg, int status, int timeouts, unsigned char *abuf, int alen)
{
    (void)timeouts;
    q_done(arg, status, abuf, alen > 0 ? (size_t)alen : 0, timebase_mono_ns());
}

static uint16_t next_id(worker_t *w, unsigned slot)
{
    /* xorshift64 (Marsaglia 2003): the random high bits of an ID */
    w->rng ^= w->rng << 13;
    w->rng ^= w->rng >> 7;
    w->rng ^= w->rng << 17;
    return (uint16_t)(((w->rng >> 32) << UDP_SLOT_BITS) | slot);
}

/* The messages for the batched queries from the k-th (in order of
 * length) on: with gso, each run of queries of one length is one
 * message that the kernel cuts into datagrams of that length (UDP GSO,
 * UDP_SEGMENT, Linux 4.18): one pass down the stack for the run instead
 * of one per query, and the same datagrams on the wire. Message j holds
 * queries mfirst[j] .. mfirst[j + 1] - 1. Returns the number of messages. */
static unsigned build_msgs(worker_t *w, unsigned k, unsigned n, bool gso)
{
    unsigned nm = 0;

    while (k < n) {
        struct mmsghdr *m = &w->smsg[nm];
        size_t len = w->siov[k].iov_len;
        unsigned e = k + 1;

        while (gso && e < n && w->siov[e].iov_len == len)
            e++;
        memset(m, 0, sizeof(*m));
        m->msg_hdr.msg_iov = &w->siov[k];
        m->msg_hdr.msg_iovlen = e - k;
        if (e - k > 1) {
            struct cmsghdr *c = &w->cbuf[nm].align;
            uint16_t seg = (uint16_t)len;
            m->msg_hdr.msg_control = w->cbuf[nm].b;
            m->msg_hdr.msg_controllen = CMSG_SPACE(sizeof(seg));
            c->cmsg_level = SOL_UDP;
            c->cmsg_type = UDP_SEGMENT;
            c->cmsg_len = CMSG_LEN(sizeof(seg));
            memcpy(CMSG_DATA(c), &seg, sizeof(seg));
        }
        w->mfirst[nm++] = k;
        k = e;
    }
    w->mfirst[nm] = n;
    return nm;
}

/* Order the batch by length (stable: an insertion sort of at most
 * IO_BATCH), into siov and sq. */
static void order_batch(worker_t *w, unsigned n)
{
    qctx_t *sq[IO_BATCH];
    unsigned ord[IO_BATCH];
    unsigned i;

    for (i = 0; i < n; i++) {
        unsigned k = i;
        while (k > 0 && w->slen[ord[k - 1]] > w->slen[i]) {
            ord[k] = ord[k - 1];
            k--;
        }
        ord[k] = i;
    }
    memcpy(sq, w->sq, n * sizeof(*sq));
    for (i = 0; i < n; i++) {
        w->sq[i] = sq[ord[i]];
        w->siov[i].iov_base = w->sbuf[ord[i]];
        w->siov[i].iov_len = w->slen[ord[i]];
    }
}

/* Send the batched UDP queries with sendmmsg, stamping them just before:
 * no answer can come earlier, so a lower bound from the stamp holds. A
 * message the kernel refuses ends its queries (ECONNREFUSED is the ICMP
 * error of an earlier datagram, reported once: that one is tried again;
 * a kernel without UDP GSO gets the rest one datagram a message). */
static void flush_sends(worker_t *w)
{
    chan_t *ch = w->sch;
    unsigned n = w->nsend;
    unsigned i;
    unsigned k = 0;
    int64_t now;
    bool retried = false;

    w->nsend = 0;
    w->sch = NULL;
    if (n == 0)
        return;
    order_batch(w, n);
    now = timebase_mono_ns();
    for (i = 0; i < n; i++) {
        w->sq[i]->sent = now;
        w->sq[i]->deadline = now + w->pool->query_timeout_ns;
    }
    while (k < n) {
        unsigned nm = build_msgs(w, k, n, !w->no_gso);
        unsigned j = 0;
        while (j < nm) {
            int r = ch->err != 0 ? -1 : sendmmsg(ch->fd, w->smsg + j, nm - j, 0);
            int e = ch->err != 0 ? ch->err : errno;
            if (r > 0) {
                j += (unsigned)r;
                continue;
            }
            if (ch->err == 0 && e == ECONNREFUSED && !retried) {
                retried = true;
                continue;
            }
            if (ch->err == 0 && !w->no_gso && w->mfirst[j + 1] - w->mfirst[j] > 1 &&
                (e == EIO || e == EINVAL || e == EOPNOTSUPP || e == ENOPROTOOPT)) {
                w->no_gso = true;
                break;
            }
            for (i = w->mfirst[j]; i < w->mfirst[j + 1]; i++)
                q_done(w->sq[i], ARES_ECONNREFUSED, NULL, 0, now);
            j++;
        }
        k = w->mfirst[j];
    }
}

/* Queue q for flush_sends: the poll's query with q's ID. */
static void batch_add(worker_t *w, chan_t *ch, qctx_t *q)
{
    unsigned n;

    if (w->nsend == IO_BATCH || (w->nsend > 0 && w->sch != ch))
        flush_sends(w);
    n = w->nsend++;
    w->sch = ch;
    w->sq[n] = q;
    q->idw[0] = (unsigned char)(q->id >> 8);
    q->idw[1] = (unsigned char)(q->id & 0xff);
    memcpy(w->sbuf[n], q->p->qbuf, (size_t)q->p->qlen);
    memcpy(w->sbuf[n], q->idw, 2);
    w->slen[n] = (size_t)q->p->qlen;
}

static void send_query(worker_t *w, poll_t *p, chan_t *ch, int64_t now)
{
    qctx_t *q = w->free_q;
    unsigned slot;

    if (q != NULL) {
        w->free_q = q->next;
    } else {
        q = malloc(sizeof(*q));
        if (q == NULL) {
            st_inc(&w->st.query_errors, 1);
            return;
        }
    }
    slot = ch->free_slots[--ch->nfree];
    ch->slots[slot] = q;
    q->p = p;
    q->ch = ch;
    q->sent = now;
    q->deadline = now + w->pool->query_timeout_ns;
    q->id = next_id(w, slot);
    qlist_append(ch, q);
    ch->inflight++;
    w->udp_inflight++;
    p->grp->inflight++;
    p->inflight++;
    p->queries++;
    st_inc(&w->st.queries, 1);
    batch_add(w, ch, q);
}

static void record_lag(worker_t *w, int64_t lag)
{
    size_t b;

    if (lag < 0)
        lag = 0;
    b = (size_t)(lag / LAG_BUCKET_NS);
    if (b >= LAG_BUCKETS)
        b = LAG_BUCKETS - 1;
    atomic_store_explicit(&w->st.lag[b],
                          atomic_load_explicit(&w->st.lag[b], memory_order_relaxed) + 1,
                          memory_order_relaxed);
    st_inc(&w->st.lag_samples, 1);
    if ((uint64_t)lag > atomic_load_explicit(&w->st.lag_max_ns, memory_order_relaxed))
        atomic_store_explicit(&w->st.lag_max_ns, (uint64_t)lag, memory_order_relaxed);
}

static void wait_unlink(group_t *g, poll_t *p)
{
    if (p->wprev != NULL)
        p->wprev->wnext = p->wnext;
    else
        g->whead = p->wnext;
    if (p->wnext != NULL)
        p->wnext->wprev = p->wprev;
    else
        g->wtail = p->wprev;
    p->wprev = p->wnext = NULL;
    p->waiting = false;
}

/* Send p's due query on ch and move it to its next slot. */
static void send_and_advance(worker_t *w, poll_t *p, chan_t *ch, int64_t now)
{
    int64_t next;

    record_lag(w, now - p->next_send);
    send_query(w, p, ch, now); /* a synchronous callback only ever reports
                                * a failure: p is still live */
    /* Fixed schedule: the next slot, skipping those already missed. */
    next = p->next_send + p->period;
    if (next <= now) {
        int64_t missed = (now - next) / p->period + 1;
        st_inc(&w->st.skipped_slots, (uint64_t)missed);
        next += missed * p->period;
    }
    p->next_send = next;
    heap_update(&w->heap, &p->hn, next < p->deadline ? next : p->deadline);
}

/* Send the queries that waited for room, oldest first. */
static void run_waiting(worker_t *w, int64_t now)
{
    size_t i;

    for (i = 0; i < w->ngroups; i++) {
        group_t *g = w->groups[i];
        chan_t *ch;

        while (g->whead != NULL && (ch = group_pick(w, g)) != NULL) {
            poll_t *p = g->whead;
            wait_unlink(g, p);
            send_and_advance(w, p, ch, now);
        }
    }
}

/* Run every poll whose next event is due. */
static void run_timers(worker_t *w, int64_t now)
{
    heap_node_t *top;

    while ((top = heap_top(&w->heap)) != NULL && top->key <= now) {
        poll_t *p = (poll_t *)top;
        chan_t *ch;

        if (now >= p->deadline) {
            char reason[256];
            probe_status_t st = classify_timeout(p, reason, sizeof(reason));
            poll_finish(w, p, st, 0, COND_EMPTY_NONE, reason);
            continue;
        }
        ch = group_pick(w, p->grp);
        if (ch != NULL) {
            send_and_advance(w, p, ch, now);
            continue;
        }
        /* The group is at max_inflight: the query waits (keeping its slot)
         * until an answer makes room; the heap keeps only its deadline. */
        st_inc(&w->st.deferred, 1);
        p->waiting = true;
        p->wnext = NULL;
        p->wprev = p->grp->wtail;
        if (p->grp->wtail != NULL)
            p->grp->wtail->wnext = p;
        else
            p->grp->whead = p;
        p->grp->wtail = p;
        heap_update(&w->heap, &p->hn, p->deadline);
    }
}

/* Expire ch's queries whose per-query timeout has passed: UDP ones here,
 * TCP ones by c-ares. */
static void chan_timeouts(worker_t *w, chan_t *ch, int64_t now)
{
    if (ch == NULL || ch->head == NULL || ch->head->deadline > now)
        return;
    if (ch->fd >= 0) {
        while (ch->head != NULL && ch->head->deadline <= now)
            q_done(ch->head, ARES_ETIMEOUT, NULL, 0, now);
        return;
    }
    ares_process_fd(ch->ares, ARES_SOCKET_BAD, ARES_SOCKET_BAD);
    /* Still there (c-ares has its own timer): look again one timeout
     * later, without spinning. */
    while (ch->head != NULL && ch->head->deadline <= now) {
        qctx_t *q = ch->head;
        qlist_unlink(ch, q);
        q->deadline = now + w->pool->query_timeout_ns;
        qlist_append(ch, q);
    }
}

static void run_query_timeouts(worker_t *w, int64_t now)
{
    size_t i;
    size_t k;

    for (i = 0; i < w->ngroups; i++) {
        for (k = 0; k < w->groups[i]->nchans; k++)
            chan_timeouts(w, w->groups[i]->chans[k], now);
        chan_timeouts(w, w->groups[i]->tcp, now);
    }
}

static int64_t chan_deadline(const chan_t *ch, int64_t t)
{
    return ch != NULL && ch->head != NULL && ch->head->deadline < t ? ch->head->deadline
                                                                    : t;
}

static int64_t next_wakeup(worker_t *w)
{
    heap_node_t *top = heap_top(&w->heap);
    int64_t t = top != NULL ? top->key : INT64_MAX;
    size_t i;
    size_t k;

    for (i = 0; i < w->ngroups; i++) {
        for (k = 0; k < w->groups[i]->nchans; k++)
            t = chan_deadline(w->groups[i]->chans[k], t);
        t = chan_deadline(w->groups[i]->tcp, t);
    }
    return t;
}

/* ---- UDP answers ---------------------------------------------------------------- */

/* Ask q's question again over TCP: its UDP answer was truncated (RFC 7766
 * 5). q keeps its sending time; the TCP query gets a fresh timeout. */
static void to_tcp(worker_t *w, chan_t *ch, qctx_t *q, int64_t now)
{
    group_t *g = ch->g;

    if (g->tcp == NULL && chan_create_tcp(w, &g->ns, &g->tcp) < 0) {
        q_done(q, ARES_ENOMEM, NULL, 0, now);
        return;
    }
    q_release(ch, q);
    q->ch = g->tcp;
    q->deadline = now + w->pool->query_timeout_ns;
    qlist_append(g->tcp, q);
    g->tcp->inflight++;
    /* may call on_answer before returning (a failure) */
    ares_send(g->tcp->ares, q->p->qbuf, q->p->qlen, on_answer, q);
}

/* Is msg the answer to q: a response with q's ID and q's question (the
 * name compared case-insensitively, RFC 4343: label lengths are below
 * 'A', so a byte-wise comparison of the wire name is one). */
static bool udp_matches(const qctx_t *q, const unsigned char *msg, size_t len)
{
    const poll_t *p = q->p;
    size_t i;

    if (len < (size_t)p->qend || (msg[2] & 0x80) == 0 || msg[4] != 0 || msg[5] != 1 ||
        msg[0] != q->idw[0] || msg[1] != q->idw[1])
        return false;
    /* the name, then QTYPE and QCLASS octet for octet */
    for (i = DNSMSG_HDR_LEN; i + 4 < (size_t)p->qend; i++) {
        unsigned char a = msg[i];
        unsigned char b = p->qbuf[i];
        if (a != b && ((a | 0x20) != (b | 0x20) || (a | 0x20) < 'a' || (a | 0x20) > 'z'))
            return false;
    }
    return memcmp(msg + i, p->qbuf + i, 4) == 0;
}

static void udp_answer(worker_t *w, chan_t *ch, const unsigned char *msg, size_t len,
                       int64_t now)
{
    qctx_t *q;

    if (len < DNSMSG_HDR_LEN)
        return;
    q = ch->slots[(((unsigned)msg[0] << 8) | msg[1]) & UDP_SLOT_MASK];
    /* not ours (late, or forged): dropped, as c-ares does */
    if (q == NULL || !udp_matches(q, msg, len))
        return;
    if ((msg[2] & 0x02) != 0)
        to_tcp(w, ch, q, now);
    else
        q_done(q, ARES_SUCCESS, msg, len, now);
}

/* Read ch's answers in batches until none is left. One arrival stamp per
 * batch, taken after recvmmsg returned: each answer of it arrived no
 * later, so a duration from it is never too short. An ICMP error
 * (ECONNREFUSED: nobody listens) ends every query of the socket, as
 * c-ares did. */
static void udp_read(worker_t *w, chan_t *ch)
{
    struct mmsghdr m[IO_BATCH];
    struct iovec iov[IO_BATCH];
    unsigned i;
    int n;

    for (i = 0; i < IO_BATCH; i++) {
        iov[i].iov_base = w->rbuf[i];
        iov[i].iov_len = RBUF_LEN;
        memset(&m[i], 0, sizeof(m[i]));
        m[i].msg_hdr.msg_iov = &iov[i];
        m[i].msg_hdr.msg_iovlen = 1;
    }
    for (;;) {
        int64_t now;

        n = recvmmsg(ch->fd, m, IO_BATCH, MSG_DONTWAIT, NULL);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK) {
            now = timebase_mono_ns();
            while (ch->head != NULL)
                q_done(ch->head, ARES_ECONNREFUSED, NULL, 0, now);
            continue;
        }
        if (n <= 0)
            return;
        now = timebase_mono_ns();
        w->last_read += (unsigned)n;
        for (i = 0; i < (unsigned)n; i++)
            udp_answer(w, ch, w->rbuf[i], m[i].msg_len, now);
        if (n < IO_BATCH)
            return;
    }
}

/* ---- the worker loop ----------------------------------------------------------- */

static void take_inbox(worker_t *w, bool *stop)
{
    poll_t **in;
    size_t n;
    size_t i;
    uint64_t junk;
    int64_t now;

    if (read(w->evfd, &junk, sizeof(junk)) < 0 && errno != EAGAIN)
        log_debug("eventfd read: %s", strerror(errno));
    pthread_mutex_lock(&w->mu);
    in = w->inbox;
    n = w->ninbox;
    w->inbox = NULL;
    w->ninbox = 0;
    w->inbox_cap = 0;
    *stop = w->stop;
    pthread_mutex_unlock(&w->mu);

    now = timebase_mono_ns();
    for (i = 0; i < n; i++) {
        poll_t *p = in[i];
        int ret = group_get(w, p->pending_ns, &p->grp);
        if (ret < 0) {
            poll_finish(w, p, PROBE_ERROR, 0, COND_EMPTY_NONE, dp_strerror(ret));
            continue;
        }
        free(p->pending_ns);
        p->pending_ns = NULL;
        p->next_send = now;
        p->hn.key = now;
        if (heap_insert(&w->heap, &p->hn) < 0)
            poll_finish(w, p, PROBE_ERROR, 0, COND_EMPTY_NONE, "out of memory");
    }
    free(in);
}

/* End ch's queries (their polls are finished: this frees them) and close
 * it. */
static void chan_destroy(worker_t *w, chan_t *ch)
{
    if (ch == NULL)
        return;
    if (ch->ares != NULL) {
        /* calls back every outstanding query (ARES_EDESTRUCTION) */
        ares_destroy(ch->ares);
    } else {
        while (ch->head != NULL)
            q_done(ch->head, ARES_EDESTRUCTION, NULL, 0, 0);
        udp_chan_close(w, ch);
    }
    free(ch);
}

static void cancel_all(worker_t *w)
{
    heap_node_t *top;
    size_t i;

    while ((top = heap_top(&w->heap)) != NULL)
        poll_finish(w, (poll_t *)top, PROBE_CANCELLED, 0, COND_EMPTY_NONE,
                    "cancelled: the probe pool is shutting down");
    /* every outstanding query ends (ARES_EDESTRUCTION), which frees the
     * polls still referenced by them */
    for (i = 0; i < w->ngroups; i++) {
        group_t *g = w->groups[i];
        size_t k;
        for (k = 0; k < g->nchans; k++)
            chan_destroy(w, g->chans[k]);
        chan_destroy(w, g->tcp);
        free(g->chans);
        free(g);
    }
    free(w->groups);
    w->groups = NULL;
    w->ngroups = 0;
    w->capgroups = 0;
}

/* Many queries in flight and few answers read last time: let answers
 * gather for COALESCE_NS (never past the next timer) so that one wake-up,
 * one recvmmsg and one sendmmsg serve several. Each wake-up costs a
 * context switch and three system calls, which at a few answers per
 * wake-up was a fifth of the CPU per query (measured against Knot: 4.2
 * us per query without the pause, 3.0 with 100 us, 2.7 with 200 us). The
 * price: an answer is stamped up to COALESCE_NS (plus the timer slack,
 * 50 us by default: prctl(2) PR_SET_TIMERSLACK) after it arrived: a
 * duration a little long, never short. (A slack of 1 us made the loop
 * wake for each due poll on its own, which cost more than it gave.) Below
 * COALESCE_MIN_INFLIGHT (any small campaign) there is no pause at all. Returns the time
 * after the pause. */
static int64_t coalesce(worker_t *w, int64_t now, int64_t wake)
{
    int64_t until = now + COALESCE_NS;
    struct timespec ts;

    if (w->udp_inflight < COALESCE_MIN_INFLIGHT || w->last_read >= IO_BATCH / 2)
        return now;
    if (until > wake)
        until = wake;
    if (until <= now)
        return now;
    ts.tv_sec = 0;
    ts.tv_nsec = until - now;
    nanosleep(&ts, NULL);
    return timebase_mono_ns();
}

static void *worker_main(void *arg)
{
    worker_t *w = arg;
    struct epoll_event evs[MAX_EVENTS];
    bool stop = false;
    bool have_pwait2 = true;

    while (!stop) {
        int64_t now = timebase_mono_ns();
        int64_t wake;
        struct timespec ts;
        int n;
        int i;

        run_query_timeouts(w, now);
        run_waiting(w, now);
        run_timers(w, now);
        flush_sends(w);
        wake = next_wakeup(w);
        now = coalesce(w, timebase_mono_ns(), wake);
        if (wake == INT64_MAX) {
            ts.tv_sec = 1;
            ts.tv_nsec = 0;
        } else {
            int64_t d = wake > now ? wake - now : 0;
            ts.tv_sec = d / TB_NS_PER_S;
            ts.tv_nsec = d % TB_NS_PER_S;
        }
        /* epoll_pwait2 (Linux 5.11) waits to the microsecond, which keeps
         * the schedule tight; older kernels (and valgrind) get epoll_wait,
         * rounding up to the millisecond. */
        n = -1;
        errno = ENOSYS;
        if (have_pwait2)
            n = epoll_pwait2(w->epfd, evs, MAX_EVENTS, &ts, NULL);
        if (n < 0 && errno == ENOSYS) {
            int ms = (int)(ts.tv_sec * 1000 + (ts.tv_nsec + 999999) / 1000000);
            have_pwait2 = false;
            n = epoll_wait(w->epfd, evs, MAX_EVENTS, ms);
        }
        if (n < 0) {
            if (errno != EINTR)
                log_err("epoll: %s", strerror(errno));
            continue;
        }
        w->last_read = 0;
        for (i = 0; i < n; i++) {
            int fd = evs[i].data.fd;
            chan_t *ch;
            if (fd == w->evfd) {
                take_inbox(w, &stop);
                continue;
            }
            ch = (size_t)fd < w->fdtab_len ? w->fdtab[fd] : NULL;
            if (ch == NULL)
                continue; /* closed earlier in this batch */
            if (ch->fd >= 0) {
                udp_read(w, ch);
                continue;
            }
            ares_process_fd(
                ch->ares,
                evs[i].events & (EPOLLIN | EPOLLERR | EPOLLHUP) ? fd : ARES_SOCKET_BAD,
                evs[i].events & EPOLLOUT ? fd : ARES_SOCKET_BAD);
        }
    }
    cancel_all(w);
    return NULL;
}

/* ---- public API ------------------------------------------------------------- */

static void worker_cleanup(worker_t *w)
{
    size_t i;
    qctx_t *q;

    for (i = 0; i < w->ninbox; i++)
        poll_free(w->inbox[i]);
    free(w->inbox);
    heap_clear(&w->heap);
    free(w->fdtab);
    free(w->rbuf);
    free_strv(w->nsids.s, w->nsids.n);
    while ((q = w->free_q) != NULL) {
        w->free_q = q->next;
        free(q);
    }
    if (w->epfd >= 0)
        close(w->epfd);
    if (w->evfd >= 0)
        close(w->evfd);
    pthread_mutex_destroy(&w->mu);
}

int probe_pool_create(probe_pool_t **out, const probe_pool_opts_t *opts)
{
    probe_pool_t *pool;
    unsigned i;
    int ret = 0;
    long ncpu;

    pool = calloc(1, sizeof(*pool));
    if (pool == NULL)
        return -ENOMEM;
    pool->nw = opts != NULL ? opts->threads : 0;
    if (pool->nw == 0) {
        ncpu = sysconf(_SC_NPROCESSORS_ONLN);
        pool->nw = ncpu > 0 ? (unsigned)ncpu : 1;
    }
    pool->query_timeout_ns =
        (opts != NULL && opts->query_timeout_ms > 0 ? opts->query_timeout_ms : 1000) *
        TB_NS_PER_MS;
    pool->max_inflight =
        opts != NULL && opts->max_inflight > 0 ? opts->max_inflight : 256;
    pool->cb = opts != NULL ? opts->on_result : NULL;
    pool->cb_arg = opts != NULL ? opts->cb_arg : NULL;
    pthread_mutex_init(&pool->qmu, NULL);
    pthread_cond_init(&pool->qcond, NULL);
    pool->w = calloc(pool->nw, sizeof(*pool->w));
    if (pool->w == NULL) {
        ret = -ENOMEM;
        goto out;
    }
    for (i = 0; i < pool->nw; i++) {
        worker_t *w = &pool->w[i];

        w->pool = pool;
        w->epfd = -1;
        w->evfd = -1;
        w->rng = (uint64_t)timebase_mono_ns() ^ ((uint64_t)(uintptr_t)w << 16) ^ i;
        if (w->rng == 0)
            w->rng = 1;
        w->rbuf = malloc(IO_BATCH * sizeof(*w->rbuf));
        if (w->rbuf == NULL)
            ret = -ENOMEM;
        pthread_mutex_init(&w->mu, NULL);
        heap_init(&w->heap);
    }
    if (ret < 0)
        goto out;
    for (i = 0; i < pool->nw; i++) {
        worker_t *w = &pool->w[i];
        struct epoll_event ev;

        w->epfd = epoll_create1(EPOLL_CLOEXEC);
        w->evfd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
        if (w->epfd < 0 || w->evfd < 0) {
            ret = -errno;
            goto out;
        }
        memset(&ev, 0, sizeof(ev));
        ev.events = EPOLLIN;
        ev.data.fd = w->evfd;
        if (epoll_ctl(w->epfd, EPOLL_CTL_ADD, w->evfd, &ev) < 0) {
            ret = -errno;
            goto out;
        }
        ret = -pthread_create(&w->thread, NULL, worker_main, w);
        if (ret < 0)
            goto out;
        pthread_setname_np(w->thread, "dp-probe");
        w->started = true;
    }
out:
    if (ret < 0) {
        probe_pool_destroy(pool);
        return ret;
    }
    *out = pool;
    return 0;
}

static int poll_from_req(const probe_req_t *req, poll_t **out)
{
    unsigned char qbuf[QBUF_MAX];
    poll_t *p;
    probe_ns_t *ns;
    size_t i;
    int64_t now;

    /* they become nanoseconds in int64: a year of polling at most, and no
     * NaN (the callers check their users' input; this is the last guard) */
    if (!(req->timeout >= 0 && req->timeout <= PROBE_MAX_TIMEOUT_S) ||
        !(req->frequency > 0 && req->frequency <= PROBE_MAX_TIMEOUT_S))
        return -EINVAL;
    p = calloc(1, sizeof(*p));
    ns = malloc(sizeof(*ns));
    if (p == NULL || ns == NULL)
        goto nomem;
    *ns = req->ns;
    p->pending_ns = ns;
    ns = NULL;
    p->hn.idx = HEAP_NONE;
    p->keys = dnssec_keys_ref(req->keys);
    p->qlen = dnsmsg_build_query_opt(req->qname, req->qtype,
                                     req->edns | (req->keys != NULL ? DNSMSG_Q_DO : 0),
                                     qbuf, sizeof(qbuf));
    p->edns = req->edns != 0 || req->keys != NULL;
    p->qend = p->qlen >= 0 ? dnsmsg_question_end(qbuf, p->qlen) : 0;
    p->nsid_asked = (req->edns & DNSMSG_Q_NSID) != 0;
    if (p->qlen < 0) {
        int ret = p->qlen;
        poll_free(p);
        return ret;
    }
    p->qbuf = malloc((size_t)p->qlen);
    p->qname = strdup(req->qname);
    if (req->id != NULL)
        p->id = strdup(req->id);
    if (p->qbuf == NULL || p->qname == NULL || (req->id != NULL && p->id == NULL))
        goto nomem;
    memcpy(p->qbuf, qbuf, (size_t)p->qlen);
    if (req->nvalues > 0) {
        p->want = calloc(req->nvalues, sizeof(char *));
        if (p->want == NULL)
            goto nomem;
        p->spec.nvalues = req->nvalues;
        for (i = 0; i < req->nvalues; i++) {
            p->want[i] = strdup(req->values[i]);
            if (p->want[i] == NULL)
                goto nomem;
        }
    }
    p->spec.kind = req->cond;
    p->spec.is_zone = req->is_zone;
    p->spec.serial = req->serial;
    p->spec.any_serial = req->any_serial;
    p->spec.values = p->want;
    p->spec.exact = req->exact;
    p->tag = req->tag;
    p->qtype = req->qtype;
    p->is_zone = req->is_zone;
    p->keep_queries = req->keep_queries;
    p->last_rcode = -1;
    p->period = (int64_t)(req->frequency * 1e9);
    if (p->period < 1000)
        p->period = 1000;
    now = timebase_mono_ns();
    p->start_time = req->start_time >= 0 ? req->start_time : timebase_real_s();
    p->start_mono = req->start_time >= 0 ? timebase_real_to_mono(req->start_time) : now;
    p->deadline = now + (int64_t)(req->timeout * 1e9);
    *out = p;
    return 0;
nomem:
    if (p != NULL)
        poll_free(p);
    free(ns);
    return -ENOMEM;
}

int probe_pool_submit(probe_pool_t *pool, const probe_req_t *req)
{
    worker_t *w;
    poll_t *p = NULL;
    bool wake;
    int ret;

    if (atomic_load(&pool->stopping))
        return DP_ESHUTDOWN;
    ret = poll_from_req(req, &p);
    if (ret < 0)
        return ret;
    w = &pool->w[atomic_fetch_add(&pool->rr, 1) % pool->nw];
    pthread_mutex_lock(&w->mu);
    if (w->stop) {
        pthread_mutex_unlock(&w->mu);
        poll_free(p);
        return DP_ESHUTDOWN;
    }
    /* the worker takes the whole inbox at once (take_inbox): it starts
     * again from INBOX_MIN slots, enough for a burst without regrowing */
    if (w->ninbox == w->inbox_cap &&
        VEC_RESERVE(w->inbox, w->inbox_cap,
                    w->ninbox < INBOX_MIN ? INBOX_MIN : w->ninbox + 1) < 0) {
        pthread_mutex_unlock(&w->mu);
        poll_free(p);
        return -ENOMEM;
    }
    w->inbox[w->ninbox++] = p;
    wake = w->ninbox == 1;
    pthread_mutex_unlock(&w->mu);
    atomic_fetch_add(&pool->submitted, 1);
    if (wake) {
        uint64_t one = 1;
        if (write(w->evfd, &one, sizeof(one)) < 0)
            log_debug("eventfd write: %s", strerror(errno));
    }
    return 0;
}

int probe_pool_next(probe_pool_t *pool, probe_result_t *out, int timeout_ms)
{
    rnode_t *n;
    int ret = 0;

    pthread_mutex_lock(&pool->qmu);
    if (pool->qhead == NULL && timeout_ms != 0 && !pool->stopped) {
        if (timeout_ms < 0) {
            while (pool->qhead == NULL && !pool->stopped)
                pthread_cond_wait(&pool->qcond, &pool->qmu);
        } else {
            /* A spurious wake-up restarts the wait: at worst a little long. */
            while (pool->qhead == NULL && !pool->stopped) {
                if (timebase_cond_wait_ms(&pool->qcond, &pool->qmu, timeout_ms) ==
                    ETIMEDOUT)
                    break;
            }
        }
    }
    n = pool->qhead;
    if (n != NULL) {
        pool->qhead = n->next;
        if (pool->qhead == NULL)
            pool->qtail = NULL;
        *out = n->r;
        free(n);
    } else {
        ret = pool->stopped ? DP_EEMPTY : -ETIMEDOUT;
    }
    pthread_mutex_unlock(&pool->qmu);
    return ret;
}

static uint64_t ld(_Atomic uint64_t *c)
{
    return atomic_load_explicit(c, memory_order_relaxed);
}

void probe_pool_stats(probe_pool_t *pool, probe_stats_t *out)
{
    static uint64_t lag[LAG_BUCKETS];
    static pthread_mutex_t lag_mu = PTHREAD_MUTEX_INITIALIZER;
    uint64_t max_ns = 0;
    uint64_t total = 0;
    uint64_t acc = 0;
    unsigned i;
    size_t b;
    bool p50 = false;

    memset(out, 0, sizeof(*out));
    pthread_mutex_lock(&lag_mu);
    memset(lag, 0, sizeof(lag));
    for (i = 0; i < pool->nw; i++) {
        wstats_t *s = &pool->w[i].st;
        out->completed += ld(&s->completed);
        out->timeouts += ld(&s->timeouts);
        out->errors += ld(&s->errors);
        out->cancelled += ld(&s->cancelled);
        out->queries += ld(&s->queries);
        out->answers += ld(&s->answers);
        out->query_timeouts += ld(&s->query_timeouts);
        out->query_errors += ld(&s->query_errors);
        out->malformed += ld(&s->malformed);
        out->skipped_slots += ld(&s->skipped_slots);
        out->deferred += ld(&s->deferred);
        out->lag_samples += ld(&s->lag_samples);
        if (ld(&s->lag_max_ns) > max_ns)
            max_ns = ld(&s->lag_max_ns);
        for (b = 0; b < LAG_BUCKETS; b++) {
            uint32_t v = atomic_load_explicit(&s->lag[b], memory_order_relaxed);
            lag[b] += v;
            total += v;
        }
    }
    out->submitted = atomic_load(&pool->submitted);
    out->active =
        out->submitted - (out->completed + out->timeouts + out->errors + out->cancelled);
    out->lag_max_ms = (double)max_ns / 1e6;
    for (b = 0; b < LAG_BUCKETS && total > 0; b++) {
        acc += lag[b];
        /* report a bucket's upper edge: conservative */
        if (!p50 && acc * 100 >= total * 50) {
            out->lag_p50_ms = (double)((b + 1) * LAG_BUCKET_NS) / 1e6;
            p50 = true;
        }
        if (acc * 100 >= total * 99) {
            out->lag_p99_ms = (double)((b + 1) * LAG_BUCKET_NS) / 1e6;
            break;
        }
    }
    if (out->lag_p99_ms > out->lag_max_ms && total > 0)
        out->lag_p99_ms = out->lag_max_ms;
    if (out->lag_p50_ms > out->lag_max_ms && total > 0)
        out->lag_p50_ms = out->lag_max_ms;
    pthread_mutex_unlock(&lag_mu);
}

void probe_pool_shutdown(probe_pool_t *pool)
{
    unsigned i;

    if (pool == NULL || pool->w == NULL)
        return;
    atomic_store(&pool->stopping, true);
    for (i = 0; i < pool->nw; i++) {
        worker_t *w = &pool->w[i];
        uint64_t one = 1;

        if (!w->started)
            continue;
        pthread_mutex_lock(&w->mu);
        w->stop = true;
        pthread_mutex_unlock(&w->mu);
        if (write(w->evfd, &one, sizeof(one)) < 0)
            log_debug("eventfd write: %s", strerror(errno));
    }
    for (i = 0; i < pool->nw; i++) {
        worker_t *w = &pool->w[i];
        size_t k;

        if (!w->started)
            continue;
        pthread_join(w->thread, NULL);
        w->started = false;
        /* Polls submitted after the worker's last look at its inbox. */
        for (k = 0; k < w->ninbox; k++) {
            poll_t *p = w->inbox[k];
            poll_finish(w, p, PROBE_CANCELLED, 0, COND_EMPTY_NONE,
                        "cancelled: the probe pool is shutting down");
        }
        w->ninbox = 0;
    }
    pthread_mutex_lock(&pool->qmu);
    pool->stopped = true;
    pthread_cond_broadcast(&pool->qcond);
    pthread_mutex_unlock(&pool->qmu);
}

void probe_pool_destroy(probe_pool_t *pool)
{
    unsigned i;
    rnode_t *n;

    if (pool == NULL)
        return;
    probe_pool_shutdown(pool);
    for (i = 0; pool->w != NULL && i < pool->nw; i++)
        worker_cleanup(&pool->w[i]);
    free(pool->w);
    while ((n = pool->qhead) != NULL) {
        pool->qhead = n->next;
        probe_result_clear(&n->r);
        free(n);
    }
    pthread_mutex_destroy(&pool->qmu);
    pthread_cond_destroy(&pool->qcond);
    free(pool);
}
