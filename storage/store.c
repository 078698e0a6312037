/*
 * store: Redis results store with spooling (see store.h).
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <hiredis.h>
#include <limits.h>
#include <math.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "harness/common/buf.h"
#include "harness/common/errcode.h"
#include "harness/common/fsutil.h"
#include "harness/common/jsonw.h"
#include "harness/common/log.h"
#include "harness/common/timebase.h"
#include "harness/common/vec.h"
#include "storage/record.h"
#include "storage/store.h"
#include "storage/store_int.h"
#include "storage/url.h"

#define BATCH_MAX    2048
#define RECONNECT_NS (500 * TB_NS_PER_MS)
#define IO_TIMEOUT_S 2
/* How long a restarted server may take to read its data back (a large
 * append-only file: about a second per few hundred thousand results). */
#define STORE_LOAD_WAIT_S 300

/* A queued result is already in its compact form (storage/record.h; made
 * by the caller's thread, so the writer only formats and sends);
 * campaign metadata stays JSON. */
typedef struct qitem {
    struct qitem *next;
    json_t *meta; /* campaign metadata, or NULL for a result */
    long long seq;
    const char *campaign;
    size_t len;
    char *json; /* the result's record (points into this allocation) */
} qitem_t;

struct store {
    store_url_t url;
    bool embedded;
    bool owner; /* we started the embedded server */
    pid_t server_pid;
    char where[800];
    char *spool_path;
    long long retention; /* s; 0: keep forever */
    /* writer */
    pthread_t thread;
    bool started;
    pthread_mutex_t mu;
    pthread_cond_t cond;      /* queue not empty, stop, flush */
    pthread_cond_t idle_cond; /* queue drained */
    qitem_t *head;
    qitem_t *tail;
    size_t queued;
    bool busy; /* the writer holds a batch */
    bool stop;
    bool paused;            /* store_pause: hold the queue */
    int64_t drain_deadline; /* flush: try Redis until then */
    redisContext *wctx;     /* writer's own */
    char writer_id[96];     /* unique per store: names its batch markers */
    int64_t next_connect;
    _Atomic bool spool_nonempty;
    store_stats_t st; /* under mu */
    /* campaign (caller thread) */
    char campaign[256];
    uint64_t seq;
};

/* ---- connections ------------------------------------------------------------ */

static redisContext *connect_url(const store_url_t *u, char *err, size_t errlen)
{
    struct timeval tv = {IO_TIMEOUT_S, 0};
    redisContext *c;
    redisReply *r;

    c = u->is_unix ? redisConnectUnixWithTimeout(u->path, tv)
                   : redisConnectWithTimeout(u->host, u->port, tv);
    if (c == NULL) {
        snprintf(err, errlen, "%s: cannot allocate a connection", u->redacted);
        return NULL;
    }
    if (c->err != 0) {
        snprintf(err, errlen, "%s: cannot connect: %s", u->redacted, c->errstr);
        redisFree(c);
        return NULL;
    }
    redisSetTimeout(c, tv);
    if (u->password[0] != '\0') {
        r = redisCommand(c, "AUTH %s", u->password);
        if (r == NULL || r->type == REDIS_REPLY_ERROR) {
            snprintf(err, errlen, "%s: AUTH failed: %s", u->redacted,
                     r != NULL ? r->str : c->errstr);
            freeReplyObject(r);
            redisFree(c);
            return NULL;
        }
        freeReplyObject(r);
    }
    r = redisCommand(c, "SELECT %d", u->db);
    if (r == NULL || r->type == REDIS_REPLY_ERROR) {
        snprintf(err, errlen, "%s: SELECT %d failed: %s", u->redacted, u->db,
                 r != NULL ? r->str : c->errstr);
        freeReplyObject(r);
        redisFree(c);
        return NULL;
    }
    freeReplyObject(r);
    return c;
}

/* ---- embedded server ----------------------------------------------------------- */

/* What a server is doing: not there, loading its data set, or ready. */
enum { SERVER_DOWN = 0, SERVER_LOADING, SERVER_READY };

static int server_state(const store_url_t *u)
{
    char err[256];
    redisContext *c = connect_url(u, err, sizeof(err));
    redisReply *r;
    int state = SERVER_READY;

    if (c == NULL)
        return SERVER_DOWN;
    /* A restarted server accepts connections (and SELECT) while it reads
     * its append-only file back, but answers every write "-LOADING": a
     * campaign started then would only fill its spool. PING is refused
     * the same way, so it tells loading from ready. */
    r = redisCommand(c, "PING");
    if (r == NULL)
        state = SERVER_DOWN;
    else if (r->type == REDIS_REPLY_ERROR && strncmp(r->str, "LOADING", 7) == 0)
        state = SERVER_LOADING;
    freeReplyObject(r);
    redisFree(c);
    return state;
}

static bool server_answers(const store_url_t *u)
{
    return server_state(u) != SERVER_DOWN;
}

/* Wait until a server that answers has its data loaded: at most
 * STORE_LOAD_WAIT_S, polled every 100 ms on the monotonic clock. */
static int server_wait_loaded(const store_url_t *u, const char *where, char *err,
                              size_t errlen)
{
    int64_t until = timebase_mono_ns() + (int64_t)STORE_LOAD_WAIT_S * 1000000000;
    bool said = false;
    int state;

    while ((state = server_state(u)) == SERVER_LOADING) {
        if (!said)
            log_info("%s is loading its data; waiting (at most %d s)", where,
                     STORE_LOAD_WAIT_S);
        said = true;
        if (timebase_mono_ns() >= until) {
            snprintf(err, errlen, "%s: still loading its data after %d s", where,
                     STORE_LOAD_WAIT_S);
            return -ETIMEDOUT;
        }
        usleep(100 * 1000);
    }
    if (state == SERVER_DOWN) {
        snprintf(err, errlen, "%s: stopped answering while loading its data", where);
        return DP_EEMPTY;
    }
    return 0;
}

static int embedded_start(store_t *s, const char *given, char *err, size_t errlen)
{
    char dir[PATH_MAX];
    char sock[PATH_MAX + 16];
    char srv_sock[PATH_MAX + 16];
    char logf[PATH_MAX + 16];
    char pidf[PATH_MAX + 16];
    size_t max = sizeof(((struct sockaddr_un *)0)->sun_path) - 1;
    pid_t pid;
    int i;
    int ret;

    ret = fsutil_mkdirs(given, 0700);
    if (ret < 0 || realpath(given, dir) == NULL) {
        snprintf(err, errlen, "embedded redis: cannot create %s: %s", given,
                 strerror(ret < 0 ? -ret : errno));
        return ret < 0 ? ret : -errno;
    }
    /* redis-server changes into --dir before it binds the socket, so it
     * gets absolute paths (or, when the absolute socket path is longer
     * than a sockaddr_un holds, the bare name inside --dir). dnsprop
     * connects by whichever of the absolute and the given path fits. */
    snprintf(sock, sizeof(sock), "%s/redis.sock", dir);
    snprintf(srv_sock, sizeof(srv_sock), "%s", strlen(sock) <= max ? sock : "redis.sock");
    if (strlen(sock) > max)
        snprintf(sock, sizeof(sock), "%s/redis.sock", given);
    if (strlen(sock) > max) {
        snprintf(err, errlen, "embedded redis: socket path %s is too long", sock);
        return -ENAMETOOLONG;
    }
    s->url.is_unix = true;
    snprintf(s->url.path, sizeof(s->url.path), "%.200s", sock); /* <= 107 */
    snprintf(s->url.redacted, sizeof(s->url.redacted), "unix://%.200s", sock);
    snprintf(s->where, sizeof(s->where), "embedded redis-server (%.200s)", sock);
    s->embedded = true;
    if (server_answers(&s->url)) /* another dnsprop's server: use it, leave it running */
        return server_wait_loaded(&s->url, s->where, err, errlen);
    unlink(sock);
    snprintf(logf, sizeof(logf), "%s/redis.log", dir);
    snprintf(pidf, sizeof(pidf), "%s/redis.pid", dir);
    pid = fork();
    if (pid < 0) {
        ret = -errno;
        snprintf(err, errlen, "embedded redis: fork: %s", strerror(errno));
        return ret;
    }
    if (pid == 0) {
        /* Own session: a Ctrl-C meant for dnsprop must not kill the server
         * before dnsprop has flushed its results into it. */
        setsid();
        execlp("redis-server", "redis-server", "--port", "0", "--unixsocket", srv_sock,
               "--unixsocketperm", "700", "--dir", dir, "--appendonly", "yes",
               "--appendfsync", "always", "--save", "", "--daemonize", "no", "--logfile",
               logf, "--pidfile", pidf, (char *)NULL);
        _exit(127);
    }
    for (i = 0; i < 100; i++) {
        int status;
        if (waitpid(pid, &status, WNOHANG) == pid) {
            snprintf(err, errlen,
                     "embedded redis: redis-server exited at start (is it installed? "
                     "'make deps'); see %s",
                     logf);
            return DP_EEMPTY;
        }
        if (server_answers(&s->url)) {
            s->owner = true;
            s->server_pid = pid;
            return server_wait_loaded(&s->url, s->where, err, errlen);
        }
        usleep(50 * 1000);
    }
    kill(pid, SIGKILL);
    waitpid(pid, NULL, 0);
    snprintf(err, errlen, "embedded redis: no answer on %s after 5 s; see %s", sock,
             logf);
    return -ETIMEDOUT;
}

static void embedded_stop(store_t *s)
{
    char err[256];
    redisContext *c;
    int i;

    if (!s->owner)
        return;
    c = connect_url(&s->url, err, sizeof(err));
    if (c != NULL) {
        /* SHUTDOWN fsyncs the append-only file; no reply when it works. */
        redisReply *r = redisCommand(c, "SHUTDOWN");
        freeReplyObject(r);
        redisFree(c);
    } else {
        kill(s->server_pid, SIGTERM);
    }
    for (i = 0; i < 100; i++) {
        if (waitpid(s->server_pid, NULL, WNOHANG) == s->server_pid)
            return;
        usleep(50 * 1000);
    }
    kill(s->server_pid, SIGKILL);
    waitpid(s->server_pid, NULL, 0);
}

/* ---- commands for a batch ------------------------------------------------------- */

/* A growing buffer of RESP (the Redis protocol): the whole batch is
 * formatted here and handed to hiredis in one redisAppendFormattedCommand
 * call, which only copies it to the output buffer. */
typedef buf_t resp_t;

static void resp_raw(resp_t *b, const char *s, size_t n)
{
    buf_add(b, s, n);
}

/* "$<len>\r\n<bytes>\r\n" */
static void resp_bulk(resp_t *b, const char *s, size_t n)
{
    char hdr[32];
    int h = snprintf(hdr, sizeof(hdr), "$%zu\r\n", n);

    resp_raw(b, hdr, (size_t)h);
    resp_raw(b, s, n);
    resp_raw(b, "\r\n", 2);
}

static void resp_str(resp_t *b, const char *s)
{
    resp_bulk(b, s, strlen(s));
}

static void resp_array(resp_t *b, size_t n)
{
    char hdr[32];
    int h = snprintf(hdr, sizeof(hdr), "*%zu\r\n", n);

    resp_raw(b, hdr, (size_t)h);
}

/* One RPUSH per campaign's list, its members gathered over the batch. */
typedef struct {
    char key[700];
    resp_t members;
    size_t n;
} zindex_t;

static zindex_t *zindex_for(zindex_t **idx, size_t *n, size_t *cap, const char *key)
{
    zindex_t *z;
    size_t i;

    for (i = 0; i < *n; i++) {
        if (strcmp((*idx)[i].key, key) == 0)
            return &(*idx)[i];
    }
    z = VEC_PUSH(*idx, *n, *cap);
    if (z != NULL)
        snprintf(z->key, sizeof(z->key), "%s", key);
    return z;
}

/* Text of a JSON value for a hash field. */
static char *field_text(json_t *v)
{
    if (json_is_string(v))
        return strdup(json_string_value(v));
    if (json_is_null(v))
        return strdup("");
    return jsonw_dumps(v);
}

/* The hash fields of a campaign hold JSON text (numbers, objects) or
 * plain strings: field_text's inverse. */
json_t *store_field_parse(const char *text)
{
    json_error_t je;
    json_t *v = json_loads(text, JSON_DECODE_ANY, &je);

    return v != NULL ? v : json_string(text);
}

json_t *store_meta_normalise(const json_t *meta)
{
    json_t *o = json_object();
    const char *k;
    json_t *v;

    json_object_foreach((json_t *)meta, k, v)
    {
        char *t = field_text(v);
        json_object_set_new(o, k, t != NULL ? store_field_parse(t) : json_null());
        free(t);
    }
    return o;
}

/* EXPIRE key ttl: retention ([storage] retention, --retention) counts from
 * a campaign's last write, since every batch that writes its keys sets
 * it again; a campaign that is never written to again is gone ttl later,
 * its results and its hash together. */
static void expire_cmd(resp_t *b, const char *key, long long ttl, size_t *ncmds)
{
    char t[32];

    if (ttl <= 0)
        return;
    snprintf(t, sizeof(t), "%lld", ttl);
    resp_array(b, 3);
    resp_str(b, "EXPIRE");
    resp_str(b, key);
    resp_str(b, t);
    (*ncmds)++;
}

static void meta_cmds(resp_t *b, json_t *meta, long long ttl, size_t *ncmds)
{
    const char *camp = json_string_value(json_object_get(meta, "campaign"));
    char key[600];
    const char *k;
    json_t *v;

    snprintf(key, sizeof(key), STORE_PREFIX "campaign:%s",
             camp != NULL ? camp : "unknown");
    resp_array(b, 2 + 2 * json_object_size(meta));
    resp_str(b, "HSET");
    resp_str(b, key);
    json_object_foreach(meta, k, v)
    {
        char *t = field_text(v);
        resp_str(b, k);
        resp_str(b, t != NULL ? t : "");
        free(t);
    }
    (*ncmds)++;
    expire_cmd(b, key, ttl, ncmds);
    if (json_is_number(json_object_get(meta, "start"))) {
        char score[64];
        snprintf(score, sizeof(score), "%.6f",
                 json_number_value(json_object_get(meta, "start")));
        resp_array(b, 4);
        resp_str(b, "ZADD");
        resp_str(b, STORE_PREFIX "campaigns");
        resp_str(b, score);
        resp_str(b, camp != NULL ? camp : "unknown");
        (*ncmds)++;
    }
}

/* A batch on its way: the items stay with it until Redis acknowledged
 * them, so that a failure can spool exactly what is not stored. */
typedef struct {
    qitem_t *items;
    char marker[160];    /* dnsprop:batch:<writer>:<n> */
    long long retention; /* s: EXPIRE of the campaign keys written; 0 none */
    size_t nresults;
    size_t nreplies;
} batch_t;

/* A batch marker "dnsprop:batch:<writer>:<n>" as the bit that records
 * it: bit n of the bitmap dnsprop:batches:<writer>. A bit, not a key of
 * its own: a writer that sends its results two at a time (a slow
 * producer) made tens of thousands of marker keys, about 70 bytes of Redis
 * per result; a bitmap costs n / 8 bytes. 0, or -1 when marker is not of
 * that form. */
static int marker_bit(const char *marker, char *bits, size_t bitslen, char *nth,
                      size_t nthlen)
{
    const char *colon = strrchr(marker, ':');
    size_t pre = strlen(STORE_PREFIX "batch:");

    if (strncmp(marker, STORE_PREFIX "batch:", pre) != 0 || colon == NULL ||
        colon < marker + pre || colon[1] == '\0' ||
        strspn(colon + 1, "0123456789") != strlen(colon + 1))
        return -1;
    snprintf(bits, bitslen, STORE_PREFIX "batches:%.*s", (int)(colon - marker - pre),
             marker + pre);
    snprintf(nth, nthlen, "%s", colon + 1);
    return 0;
}

/* Format a batch as one transaction:
 *   MULTI, SETBIT <writer's bitmap> <n> 1, EXPIRE <it> 30d, [HSET/ZADD
 *   campaign metadata], RPUSH <campaign's results list> <records>..., EXEC
 * A transaction applies whole or not at all, and the marker bit says it
 * was applied: a batch replayed after an outage whose EXEC did run (but whose
 * reply was lost) is recognised and skipped, so the list, which an append
 * does not make idempotent, never gets a result twice. One list of
 * compact records (storage/record.h) per campaign, not a key per result:
 * a key costs Redis about 90 bytes of its own (its dict entry, object and
 * name) where a list element costs two or three, and one RPUSH of a
 * thousand records costs it a fraction of a thousand SETs. */
static int batch_format(batch_t *bt, resp_t *b)
{
    zindex_t *idx = NULL;
    size_t nidx = 0;
    size_t idxcap = 0;
    size_t ncmds = 0;
    size_t i;
    qitem_t *it;
    int ret = 0;
    char key[700];
    char bits[200];
    char nth[32];

    bt->nresults = 0;
    resp_array(b, 1);
    resp_str(b, "MULTI");
    if (marker_bit(bt->marker, bits, sizeof(bits), nth, sizeof(nth)) == 0) {
        resp_array(b, 4);
        resp_str(b, "SETBIT");
        resp_str(b, bits);
        resp_str(b, nth);
        resp_str(b, "1");
        expire_cmd(b, bits, 2592000, &ncmds);
    } else {
        resp_array(b, 5); /* (a marker of another form: its own key) */
        resp_str(b, "SET");
        resp_str(b, bt->marker);
        resp_str(b, "1");
        resp_str(b, "EX");
        resp_str(b, "2592000");
    }
    ncmds++;
    for (it = bt->items; it != NULL; it = it->next) {
        zindex_t *z;

        if (it->meta != NULL) {
            meta_cmds(b, it->meta, bt->retention, &ncmds);
            continue;
        }
        bt->nresults++;
        snprintf(key, sizeof(key), STORE_PREFIX "campaign:%s:results", it->campaign);
        z = zindex_for(&idx, &nidx, &idxcap, key);
        if (z == NULL) {
            ret = -ENOMEM;
            goto out;
        }
        resp_bulk(&z->members, it->json, it->len);
        z->n++;
    }
    for (i = 0; i < nidx; i++) {
        resp_array(b, 2 + idx[i].n);
        resp_str(b, "RPUSH");
        resp_str(b, idx[i].key);
        resp_raw(b, idx[i].members.p, idx[i].members.len);
        b->oom |= idx[i].members.oom;
        ncmds++;
        expire_cmd(b, idx[i].key, bt->retention, &ncmds);
        if (bt->retention > 0) {
            /* the campaign's hash: the list's key without ":results" */
            char *colon = strrchr(idx[i].key, ':');
            *colon = '\0';
            expire_cmd(b, idx[i].key, bt->retention, &ncmds);
            *colon = ':';
        }
    }
    resp_array(b, 1);
    resp_str(b, "EXEC");
    bt->nreplies = ncmds + 2; /* +OK, QUEUED..., the EXEC array */
    if (b->oom)
        ret = -ENOMEM;
out:
    for (i = 0; i < nidx; i++)
        free(idx[i].members.p);
    free(idx);
    return ret;
}

/* Hand a formatted batch to hiredis and write it out now, so that Redis
 * works on it while the next batch is formatted. */
static int batch_send(redisContext *c, const resp_t *b)
{
    int done = 0;

    if (redisAppendFormattedCommand(c, b->p, b->len) != REDIS_OK)
        return -EPIPE;
    while (!done) {
        if (redisBufferWrite(c, &done) != REDIS_OK)
            return -EPIPE;
    }
    return 0;
}

/* Read a batch's replies: 0 when the transaction ran, < 0 when the
 * connection failed or Redis refused it (nothing of it is stored then). */
static int batch_collect(redisContext *c, const batch_t *bt)
{
    size_t i;
    int ret = 0;

    for (i = 0; i < bt->nreplies; i++) {
        redisReply *r = NULL;
        if (redisGetReply(c, (void **)&r) != REDIS_OK)
            return -EPIPE;
        if (r->type == REDIS_REPLY_ERROR) {
            /* OOM, READONLY, EXECABORT: not stored; spooled for later. */
            log_warn("redis refused a write: %s", r->str);
            ret = DP_EEMPTY;
        } else if (i + 1 == bt->nreplies && r->type != REDIS_REPLY_ARRAY) {
            ret = DP_EEMPTY; /* EXEC returned nil: the transaction did not run */
        }
        freeReplyObject(r);
    }
    return ret;
}

/* Format, send and collect one batch, synchronously (the replay). */
static int batch_write(redisContext *c, batch_t *bt)
{
    resp_t b = {0};
    int ret = batch_format(bt, &b);

    if (ret == 0)
        ret = batch_send(c, &b);
    if (ret == 0)
        ret = batch_collect(c, bt);
    free(b.p);
    return ret;
}

/* A queue item for a result's record, head then rec (head: what goes in
 * front of a record made without its seq; NULL for none); the strings
 * live in its own allocation. */
static qitem_t *item_new(const char *head, const char *rec, size_t len, long long seq,
                         const char *campaign)
{
    size_t hl = head != NULL ? strlen(head) : 0;
    size_t cl = strlen(campaign) + 1;
    qitem_t *it = malloc(sizeof(*it) + hl + len + 1 + cl);
    char *p;

    if (it == NULL)
        return NULL;
    memset(it, 0, sizeof(*it));
    p = (char *)(it + 1);
    it->json = p;
    if (hl > 0) /* (memcpy from NULL is undefined, even of 0 bytes) */
        memcpy(p, head, hl);
    memcpy(p + hl, rec, len);
    p[hl + len] = '\0';
    p += hl + len + 1;
    it->campaign = memcpy(p, campaign, cl);
    it->len = hl + len;
    it->seq = seq;
    return it;
}

/* A result record (JSON) into a queue item, in its compact form. */
static qitem_t *item_from_result(json_t *rec)
{
    const char *camp = json_string_value(json_object_get(rec, "campaign"));
    buf_t b = {0};
    qitem_t *it = NULL;

    if (record_encode(rec, false, &b) == 0)
        it = item_new(NULL, b.p, b.len,
                      (long long)json_integer_value(json_object_get(rec, "seq")),
                      camp != NULL ? camp : "unknown");
    buf_free(&b);
    return it;
}

/* ---- spool ---------------------------------------------------------------------- */

/* The spool path may be set by the caller's thread (store_set_spool):
 * the writer reads it under the lock. Empty when there is none. */
static void spool_path(store_t *s, char *buf, size_t len)
{
    pthread_mutex_lock(&s->mu);
    snprintf(buf, len, "%s", s->spool_path != NULL ? s->spool_path : "");
    pthread_mutex_unlock(&s->mu);
}

/* A result's spool line: "r" and its JSON text (the spool stays JSON
 * lines, readable by people and by earlier versions' replays). */
static int spool_result(FILE *f, const qitem_t *it)
{
    json_t *o = record_text_to_json(it->json, it->len, it->campaign);
    char *js = o != NULL ? json_dumps(o, JSON_COMPACT | JSON_REAL_PRECISION(16)) : NULL;
    int ret = js != NULL && fprintf(f, "r%s\n", js) >= 0 ? 0 : -EIO;

    free(js);
    json_decref(o);
    return ret;
}

/* Append a batch to the spool: a "b<marker>" line, then its items ("m"
 * campaign metadata, "r" a result, one JSON text per line). The marker
 * travels with the batch so that its replay is recognised. */
static int spool_append(store_t *s, const batch_t *bt, size_t *nresults)
{
    FILE *f;
    qitem_t *it;
    char path[1024];
    int ret = 0;

    *nresults = 0;
    spool_path(s, path, sizeof(path));
    if (path[0] == '\0')
        return DP_EEMPTY;
    f = fopen(path, "a");
    if (f == NULL)
        return -errno;
    /* not while another process replays it (spool_replay_file) */
    if (flock(fileno(f), LOCK_EX) < 0) {
        ret = -errno;
        fclose(f);
        return ret;
    }
    if (fprintf(f, "b%s\n", bt->marker) < 0)
        ret = -EIO;
    for (it = bt->items; it != NULL; it = it->next) {
        if (it->meta != NULL) {
            char *js = json_dumps(it->meta, JSON_COMPACT | JSON_REAL_PRECISION(16));
            if (js == NULL || fprintf(f, "m%s\n", js) < 0)
                ret = js == NULL ? -ENOMEM : -EIO;
            free(js);
            continue;
        }
        if (spool_result(f, it) < 0)
            ret = -EIO;
        (*nresults)++;
    }
    if (fflush(f) != 0 || fsync(fileno(f)) != 0)
        ret = -EIO;
    fclose(f);
    s->spool_nonempty = true;
    return ret;
}

static void free_items(qitem_t *it)
{
    while (it != NULL) {
        qitem_t *n = it->next;
        json_decref(it->meta);
        free(it);
        it = n;
    }
}

/* 1 when the batch's bit is set or its key (earlier versions) exists. */
static const char *const marker_lua =
    "if redis.call('GETBIT', KEYS[1], ARGV[1]) == 1 then return 1 end "
    "return redis.call('EXISTS', KEYS[2])";

/* Replay one spooled batch unless its marker says it is already in. */
static int replay_batch(redisContext *c, batch_t *bt, size_t *written)
{
    char bits[200];
    char nth[32];
    redisReply *r;
    bool applied;
    int ret;

    *written = 0;
    if (bt->items == NULL)
        return 0;
    /* the marker's bit, or (a spool of an earlier version) its key */
    if (marker_bit(bt->marker, bits, sizeof(bits), nth, sizeof(nth)) == 0)
        r = redisCommand(c, "EVAL %s 2 %s %s %s", marker_lua, bits, bt->marker, nth);
    else
        r = redisCommand(c, "EXISTS %s", bt->marker);
    if (r == NULL)
        return -EPIPE;
    applied = r->type == REDIS_REPLY_INTEGER && r->integer == 1;
    freeReplyObject(r);
    if (applied) {
        /* stored by a transaction whose reply was lost: count, skip */
        qitem_t *it;
        for (it = bt->items; it != NULL; it = it->next)
            *written += it->meta == NULL;
        return 0;
    }
    ret = batch_write(c, bt);
    if (ret == 0)
        *written = bt->nresults;
    return ret;
}

/* Replay the spool file at path into Redis (on c) batch by batch, under
 * an exclusive flock(2) that spool_append takes too, so that no batch can
 * be appended between the read and the truncation; truncate it when all
 * went in. A failure leaves it whole: replaying it again is harmless (the
 * batch markers). *total gets the results written or found stored. */
static int spool_replay_file(redisContext *c, const char *path, long long retention,
                             size_t *total)
{
    FILE *f;
    char *line = NULL;
    size_t cap = 0;
    ssize_t n;
    batch_t bt;
    qitem_t **tail = &bt.items;
    size_t w;
    int ret = 0;

    *total = 0;
    memset(&bt, 0, sizeof(bt));
    bt.retention = retention;
    f = fopen(path, "r");
    if (f == NULL)
        return errno == ENOENT ? 0 : -errno;
    if (flock(fileno(f), LOCK_EX) < 0) {
        ret = -errno;
        fclose(f);
        return ret;
    }
    while ((n = getline(&line, &cap, f)) > 0) {
        json_error_t jerr;
        qitem_t *it;
        json_t *rec;

        line[strcspn(line, "\n")] = '\0';
        if (line[0] == 'b') {
            ret = replay_batch(c, &bt, &w);
            free_items(bt.items);
            bt.items = NULL;
            tail = &bt.items;
            if (ret < 0)
                break;
            *total += w;
            snprintf(bt.marker, sizeof(bt.marker), "%s", line + 1);
            continue;
        }
        rec = json_loads(line + 1, 0, &jerr);
        if (rec == NULL) {
            log_warn("%s: skipping a damaged line: %s", path, jerr.text);
            continue;
        }
        if (line[0] == 'm') {
            it = calloc(1, sizeof(*it));
            if (it != NULL)
                it->meta = rec;
            else
                json_decref(rec);
        } else {
            it = item_from_result(rec);
            json_decref(rec);
        }
        if (it == NULL) {
            ret = -ENOMEM;
            break;
        }
        *tail = it;
        tail = &it->next;
    }
    if (ret == 0) {
        ret = replay_batch(c, &bt, &w);
        *total += w;
    }
    free_items(bt.items);
    free(line);
    /* Everything is in Redis: the spool is done with. */
    if (ret == 0 && truncate(path, 0) < 0)
        log_warn("%s: cannot truncate: %s", path, strerror(errno));
    fclose(f); /* (and the lock) */
    return ret;
}

/* The writer's replay of its own spool. */
static int spool_replay(store_t *s)
{
    char path[1024];
    size_t total = 0;
    int ret;

    spool_path(s, path, sizeof(path));
    ret = spool_replay_file(s->wctx, path, s->retention, &total);
    if (ret < 0)
        return ret;
    s->spool_nonempty = false;
    pthread_mutex_lock(&s->mu);
    s->st.written += total;
    s->st.in_spool = 0;
    pthread_mutex_unlock(&s->mu);
    if (total > 0)
        log_info("replayed %zu spooled results into %s", total, s->where);
    return 0;
}

/* ---- the writer ------------------------------------------------------------------ */

static void writer_disconnect(store_t *s, const char *why)
{
    if (s->wctx != NULL) {
        char path[1024];
        spool_path(s, path, sizeof(path));
        log_warn("lost %s (%s): results go to %s until it is back", s->where, why,
                 path[0] != '\0' ? path : "memory");
        redisFree(s->wctx);
        s->wctx = NULL;
        pthread_mutex_lock(&s->mu);
        s->st.outages++;
        pthread_mutex_unlock(&s->mu);
    }
    s->next_connect = timebase_mono_ns() + RECONNECT_NS;
}

static void writer_try_connect(store_t *s)
{
    char err[512];

    if (s->wctx != NULL || timebase_mono_ns() < s->next_connect)
        return;
    s->wctx = connect_url(&s->url, err, sizeof(err));
    if (s->wctx == NULL) {
        s->next_connect = timebase_mono_ns() + RECONNECT_NS;
        return;
    }
    if (s->spool_nonempty && spool_replay(s) < 0)
        writer_disconnect(s, "during replay");
}

/* A batch that could not be written: to the spool, or (no spool file)
 * back to the head of the queue for a later try. */
static void batch_fail(store_t *s, batch_t *bt)
{
    size_t nsp = 0;
    qitem_t *it;
    int ret;

    if (bt->items == NULL)
        return;
    ret = spool_append(s, bt, &nsp);
    if (ret == DP_EEMPTY) {
        pthread_mutex_lock(&s->mu);
        for (it = bt->items; it->next != NULL; it = it->next)
            ;
        it->next = s->head;
        s->head = bt->items;
        if (s->tail == NULL)
            s->tail = it;
        pthread_mutex_unlock(&s->mu);
        bt->items = NULL;
        return;
    }
    if (ret < 0)
        log_err("cannot write the spool: %s: results may be lost", dp_strerror(ret));
    pthread_mutex_lock(&s->mu);
    s->st.spooled += nsp;
    s->st.in_spool += nsp;
    pthread_mutex_unlock(&s->mu);
    free_items(bt->items);
    bt->items = NULL;
}

static void batch_done(store_t *s, batch_t *bt)
{
    pthread_mutex_lock(&s->mu);
    s->st.written += bt->nresults;
    s->st.batches++;
    pthread_mutex_unlock(&s->mu);
    free_items(bt->items);
    bt->items = NULL;
}

/* The writer keeps one batch in flight: while Redis executes it, the next
 * one is taken and formatted, then sent, and only then are the replies of
 * the first read. */
static void *writer_main(void *arg)
{
    store_t *s = arg;
    batch_t inflight;
    unsigned long long nbatch = 0;

    memset(&inflight, 0, sizeof(inflight));
    pthread_mutex_lock(&s->mu);
    for (;;) {
        batch_t bt;
        qitem_t *it;
        size_t n = 0;
        bool stopping;
        resp_t b = {0};

        while ((s->head == NULL || s->paused) && !s->stop && s->drain_deadline == 0 &&
               inflight.items == NULL) {
            timebase_cond_wait_ms(&s->cond, &s->mu, 200);
            if (s->spool_nonempty)
                break; /* look for Redis again */
        }
        memset(&bt, 0, sizeof(bt));
        bt.retention = s->retention;
        if (!s->paused || s->stop || s->drain_deadline != 0) {
            bt.items = s->head;
            for (it = bt.items; it != NULL && n < BATCH_MAX - 1; it = it->next)
                n++;
            if (it != NULL) {
                s->head = it->next;
                it->next = NULL;
            } else {
                s->head = NULL;
            }
            if (s->head == NULL)
                s->tail = NULL;
            if (bt.items != NULL)
                s->queued -= n + (it != NULL ? 1 : 0);
        }
        s->busy = bt.items != NULL || inflight.items != NULL;
        stopping = s->stop;
        pthread_mutex_unlock(&s->mu);

        if (inflight.items == NULL)
            writer_try_connect(s);
        if (bt.items != NULL) {
            snprintf(bt.marker, sizeof(bt.marker), STORE_PREFIX "batch:%s:%llu",
                     s->writer_id, ++nbatch);
            if (s->wctx == NULL || s->spool_nonempty || batch_format(&bt, &b) < 0 ||
                batch_send(s->wctx, &b) < 0) {
                if (s->wctx != NULL && !s->spool_nonempty)
                    writer_disconnect(s, s->wctx->errstr[0] != '\0' ? s->wctx->errstr
                                                                    : "write failed");
                /* what was in flight cannot be acknowledged either now */
                batch_fail(s, &inflight);
                batch_fail(s, &bt);
            }
            free(b.p);
        }
        if (inflight.items != NULL) {
            int ret = s->wctx != NULL ? batch_collect(s->wctx, &inflight) : -EPIPE;
            if (ret == 0) {
                batch_done(s, &inflight);
            } else {
                if (s->wctx != NULL)
                    writer_disconnect(s, s->wctx->errstr[0] != '\0' ? s->wctx->errstr
                                                                    : "write refused");
                batch_fail(s, &inflight);
                batch_fail(s, &bt); /* sent behind it on the same connection */
            }
        }
        inflight = bt;

        pthread_mutex_lock(&s->mu);
        s->busy = inflight.items != NULL;
        if (s->head == NULL && inflight.items == NULL)
            pthread_cond_broadcast(&s->idle_cond);
        if (stopping && s->head == NULL && inflight.items == NULL)
            break;
    }
    pthread_mutex_unlock(&s->mu);
    return NULL;
}

/* ---- public ------------------------------------------------------------------------ */

int store_open(store_t **out, const store_opts_t *opts, char *err, size_t errlen)
{
    store_t *s;
    int ret = 0;

    s = calloc(1, sizeof(*s));
    if (s == NULL)
        return -ENOMEM;
    {
        /* A write to a Redis that just died must fail with EPIPE (and spool
         * the batch), not kill the process: ignore SIGPIPE unless the
         * program handles it already. */
        struct sigaction old;
        if (sigaction(SIGPIPE, NULL, &old) == 0 && old.sa_handler == SIG_DFL)
            signal(SIGPIPE, SIG_IGN);
    }
    pthread_mutex_init(&s->mu, NULL);
    pthread_cond_init(&s->cond, NULL);
    pthread_cond_init(&s->idle_cond, NULL);
    {
        char host[64] = "host";
        gethostname(host, sizeof(host) - 1);
        snprintf(s->writer_id, sizeof(s->writer_id), "%.40s-%ld-%lld", host,
                 (long)getpid(), (long long)timebase_real_ns());
    }
    s->retention = opts->retention > 0 ? (long long)ceil(opts->retention) : 0;
    if (opts->spool_path != NULL) {
        s->spool_path = strdup(opts->spool_path);
        if (s->spool_path == NULL) {
            ret = -ENOMEM;
            goto out;
        }
        /* Left over from an earlier run that ended with Redis away. */
        struct stat sb;
        s->spool_nonempty = stat(s->spool_path, &sb) == 0 && sb.st_size > 0;
    }
    if (opts->url != NULL) {
        ret = store_url_parse(opts->url, &s->url, err, errlen);
        if (ret == 0)
            ret = store_url_password(&s->url, opts->password_file, err, errlen);
        if (ret < 0)
            goto out;
        snprintf(s->where, sizeof(s->where), "%s", s->url.redacted);
        if (!server_answers(&s->url)) {
            redisContext *c = connect_url(&s->url, err, errlen);
            redisFree(c);
            ret = DP_EEMPTY;
            goto out;
        }
        ret = server_wait_loaded(&s->url, s->where, err, errlen);
        if (ret < 0)
            goto out;
    } else {
        ret = embedded_start(s,
                             opts->embedded_dir != NULL ? opts->embedded_dir
                                                        : STORE_DEFAULT_EMBEDDED_DIR,
                             err, errlen);
        if (ret < 0)
            goto out;
    }
    ret = -pthread_create(&s->thread, NULL, writer_main, s);
    if (ret < 0) {
        snprintf(err, errlen, "cannot start the store writer: %s", strerror(-ret));
        goto out;
    }
    pthread_setname_np(s->thread, "dp-store");
    s->started = true;
out:
    if (ret < 0) {
        store_close(s);
        return ret;
    }
    *out = s;
    return 0;
}

const char *store_where(const store_t *s)
{
    return s->where;
}

redisContext *store_redis_connect(store_t *s, char *err, size_t errlen)
{
    return connect_url(&s->url, err, errlen);
}

static int enqueue(store_t *s, qitem_t *it)
{
    if (it == NULL)
        return -ENOMEM;
    pthread_mutex_lock(&s->mu);
    if (s->tail != NULL)
        s->tail->next = it;
    else
        s->head = it;
    s->tail = it;
    s->queued++;
    if (it->meta == NULL)
        s->st.produced++;
    /* Wake the writer only when it may be waiting: a busy writer takes
     * everything queued on its next round. */
    if (s->queued == 1 || !s->busy)
        pthread_cond_signal(&s->cond);
    pthread_mutex_unlock(&s->mu);
    return 0;
}

static int enqueue_meta(store_t *s, json_t *meta)
{
    qitem_t *it = calloc(1, sizeof(*it));

    if (it == NULL) {
        json_decref(meta);
        return -ENOMEM;
    }
    it->meta = meta;
    return enqueue(s, it);
}

void store_campaign_id(const char *name, double start, char *id, size_t idlen)
{
    time_t t = timebase_epoch_time(start);
    struct tm tm;
    char stamp[32];

    gmtime_r(&t, &tm);
    strftime(stamp, sizeof(stamp), "%Y%m%dT%H%M%SZ", &tm);
    snprintf(id, idlen, "%s-%s", name, stamp);
}

int store_campaign_begin(store_t *s, const char *name, double start, json_t *meta,
                         char *id, size_t idlen)
{
    char base[512];
    char err[256];
    redisContext *c;
    json_t *rec;
    int i;

    store_campaign_id(name, start, base, sizeof(base));
    snprintf(id, idlen, "%s", base);
    /* Unique among stored campaigns: name-time, then name-time-2, ... */
    c = connect_url(&s->url, err, sizeof(err));
    for (i = 2; c != NULL && i < 1000; i++) {
        redisReply *r =
            redisCommand(c, "HSETNX " STORE_PREFIX "campaign:%s created %f", id, start);
        bool taken = r == NULL || r->type != REDIS_REPLY_INTEGER || r->integer == 0;
        bool failed = r == NULL || r->type != REDIS_REPLY_INTEGER;
        freeReplyObject(r);
        if (!taken || failed)
            break;
        snprintf(id, idlen, "%s-%d", base, i);
    }
    if (c == NULL)
        snprintf(id, idlen, "%s-%ld", base, (long)getpid());
    redisFree(c);
    snprintf(s->campaign, sizeof(s->campaign), "%s", id);
    s->seq = 0;
    rec = meta != NULL ? json_deep_copy(meta) : json_object();
    if (rec == NULL)
        return -ENOMEM;
    json_object_set_new(rec, "campaign", json_string(id));
    json_object_set_new(rec, "name", json_string(name));
    json_object_set_new(rec, "start", json_real(start));
    return enqueue_meta(s, rec);
}

void store_pause(store_t *s, bool paused)
{
    pthread_mutex_lock(&s->mu);
    s->paused = paused;
    pthread_cond_signal(&s->cond);
    pthread_mutex_unlock(&s->mu);
}

int store_set_spool(store_t *s, const char *path)
{
    char *p = path != NULL ? strdup(path) : NULL;
    struct stat sb;

    if (path != NULL && p == NULL)
        return -ENOMEM;
    pthread_mutex_lock(&s->mu);
    free(s->spool_path);
    s->spool_path = p;
    if (p != NULL && stat(p, &sb) == 0 && sb.st_size > 0)
        s->spool_nonempty = true;
    pthread_mutex_unlock(&s->mu);
    return 0;
}

int store_put_result(store_t *s, json_t *rec)
{
    qitem_t *it;
    uint64_t seq;

    pthread_mutex_lock(&s->mu);
    seq = ++s->seq;
    pthread_mutex_unlock(&s->mu);
    json_object_set_new(rec, "campaign", json_string(s->campaign));
    json_object_set_new(rec, "seq", json_integer((json_int_t)seq));
    it = item_from_result(rec);
    json_decref(rec);
    return enqueue(s, it);
}

int store_put_record(store_t *s, const char *body, size_t len)
{
    char head[48];
    uint64_t seq;

    pthread_mutex_lock(&s->mu);
    seq = ++s->seq;
    pthread_mutex_unlock(&s->mu);
    snprintf(head, sizeof(head), REC_MAGIC "%llu\t", (unsigned long long)seq);
    return enqueue(s, item_new(head, body, len, (long long)seq, s->campaign));
}

/* Wait until the queue is empty and, until deadline, the spool too. */
static void drain(store_t *s, double timeout_s)
{
    int64_t deadline = timebase_mono_ns() + (int64_t)(timeout_s * 1e9);

    pthread_mutex_lock(&s->mu);
    s->drain_deadline = deadline;
    pthread_cond_signal(&s->cond);
    while ((s->head != NULL || s->busy || s->spool_nonempty) &&
           timebase_mono_ns() < deadline) {
        timebase_cond_wait_ms(&s->idle_cond, &s->mu, 100);
        pthread_cond_signal(&s->cond);
    }
    s->drain_deadline = 0;
    pthread_mutex_unlock(&s->mu);
}

int store_flush(store_t *s, double timeout_s)
{
    bool left;

    drain(s, timeout_s);
    pthread_mutex_lock(&s->mu);
    left = s->head != NULL || s->busy || s->spool_nonempty;
    pthread_mutex_unlock(&s->mu);
    return left ? -ETIMEDOUT : 0;
}

void store_add_produced(store_t *s, uint64_t n)
{
    pthread_mutex_lock(&s->mu);
    s->st.produced += n;
    pthread_mutex_unlock(&s->mu);
}

int store_campaign_end(store_t *s, json_t *meta, double end, double timeout_s,
                       store_stats_t *st)
{
    json_t *rec = meta != NULL ? json_deep_copy(meta) : json_object();
    char err[512];
    redisContext *c;
    int ret = 0;

    if (rec == NULL)
        return -ENOMEM;
    pthread_mutex_lock(&s->mu);
    json_object_set_new(rec, "produced", json_integer((json_int_t)s->st.produced));
    pthread_mutex_unlock(&s->mu);
    json_object_set_new(rec, "campaign", json_string(s->campaign));
    json_object_set_new(rec, "end", json_real(end));
    enqueue_meta(s, rec);
    drain(s, timeout_s);

    pthread_mutex_lock(&s->mu);
    *st = s->st;
    pthread_mutex_unlock(&s->mu);
    st->stored = 0;
    /* The count check: what Redis holds for this campaign. */
    c = connect_url(&s->url, err, sizeof(err));
    if (c != NULL) {
        redisReply *r =
            redisCommand(c, "LLEN " STORE_PREFIX "campaign:%s:results", s->campaign);
        if (r != NULL && r->type == REDIS_REPLY_INTEGER)
            st->stored = (uint64_t)r->integer;
        freeReplyObject(r);
        r = redisCommand(c, "HSET " STORE_PREFIX "campaign:%s stored %llu expired %llu",
                         s->campaign, (unsigned long long)st->stored,
                         (unsigned long long)st->expired);
        freeReplyObject(r);
        redisFree(c);
    } else {
        log_warn("%s", err);
    }
    if (st->stored + st->expired != st->produced) {
        log_warn("campaign %s: %llu results produced, %llu stored in %s%s%s", s->campaign,
                 (unsigned long long)st->produced, (unsigned long long)st->stored,
                 s->where, st->in_spool > 0 ? "; the rest is in " : "",
                 st->in_spool > 0 ? s->spool_path : "");
        ret = DP_EEMPTY;
    }
    return ret;
}

int store_replay_spool(store_t *s, const char *path, size_t *nresults, char *err,
                       size_t errlen)
{
    struct stat sb;
    redisContext *c;
    int ret;

    *nresults = 0;
    if (stat(path, &sb) < 0 || sb.st_size == 0)
        return 0; /* nothing left there */
    c = connect_url(&s->url, err, errlen);
    if (c == NULL)
        return DP_EEMPTY;
    ret = spool_replay_file(c, path, s->retention, nresults);
    if (ret < 0)
        snprintf(err, errlen, "cannot replay %s into %s: %s", path, s->where,
                 c->errstr[0] != '\0' ? c->errstr : dp_strerror(ret));
    redisFree(c);
    return ret;
}

int store_replay_spools(store_t *s, const char *results, size_t *nresults,
                        size_t *nspools, char *err, size_t errlen)
{
    DIR *dir = opendir(results);
    struct dirent *e;
    char path[4096];
    size_t n;
    int ret = 0;

    *nresults = 0;
    *nspools = 0;
    if (dir == NULL)
        return errno == ENOENT ? 0 : -errno;
    while ((e = readdir(dir)) != NULL) {
        if (e->d_name[0] == '.')
            continue; /* ., .., .redis */
        snprintf(path, sizeof(path), "%s/%s/spool.jsonl", results, e->d_name);
        ret = store_replay_spool(s, path, &n, err, errlen);
        if (ret < 0)
            break;
        *nresults += n;
        *nspools += n > 0;
    }
    closedir(dir);
    return ret;
}

void store_close(store_t *s)
{
    if (s == NULL)
        return;
    if (s->started) {
        pthread_mutex_lock(&s->mu);
        s->stop = true;
        pthread_cond_signal(&s->cond);
        pthread_mutex_unlock(&s->mu);
        pthread_join(s->thread, NULL);
    }
    free_items(s->head);
    if (s->wctx != NULL)
        redisFree(s->wctx);
    embedded_stop(s);
    free(s->spool_path);
    pthread_mutex_destroy(&s->mu);
    pthread_cond_destroy(&s->cond);
    pthread_cond_destroy(&s->idle_cond);
    free(s);
}

void store_count_expired(store_t *s, uint64_t n)
{
    pthread_mutex_lock(&s->mu);
    s->st.expired += n;
    pthread_mutex_unlock(&s->mu);
}
