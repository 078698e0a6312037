/*
 * mhd_bare: the anchors of the service's figures in tests/bench/bench.sh.
 * libmicrohttpd run as `dnsprop serve` runs it (its own polling threads,
 * poll(2), a pool of two, suspend/resume allowed) answering every POST
 * with a 202 and a given body, and doing nothing else: what one POST
 * costs this machine in HTTP alone, before any of the service's work
 * (JSON, Redis, the poll, its final state).
 *
 *   mhd_bare PORT BODY_FILE [handoff | loop REDIS_PORT]
 *
 * With "handoff", each POST's connection is suspended and handed to
 * another thread, which resumes it, before its answer, as the service's
 * connections wait for the putter (harness/serve/handlers.c): the cost of
 * that one hand-off between threads.
 * With "loop", the design without hand-offs: one thread runs HTTP (MHD
 * in external epoll mode) and Redis (a non-blocking pipeline) in one
 * event loop, and each POST's JSON is read, given an id and stored with
 * the service's own put (storage/requests.h, store_req_put_append)
 * before its 202; no poll, no final state. The floor of a service built
 * that way. BODY_FILE is not used then.
 * It stops on SIGINT or SIGTERM.
 */
#include <fcntl.h>
#include <hiredis.h>
#include <jansson.h>
#include <microhttpd.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>

#include "harness/common/numparse.h"
#include "harness/common/timebase.h"
#include "harness/serve/serve_int.h"
#include "storage/requests.h"

typedef struct bare_wait {
    struct MHD_Connection *conn;
    struct bare_wait *next;
} bare_wait_t;

/* A POST's state: 0 reading, 1 handed off (or its put sent), 2 resumed. */
typedef struct bare_req {
    int state;
    bare_wait_t wait;
    /* loop mode: the body, the record stored and answered, its put */
    char *body;
    size_t len;
    char *text;
    char id[SERVE_ID_LEN + 1];
    store_req_put_t put;
    int left;              /* replies still to come for the put */
    struct bare_req *next; /* the puts Redis has still to answer */
} bare_req_t;

typedef struct {
    char *body;
    size_t len;
    bool handoff;
    pthread_mutex_t mu;
    pthread_cond_t cond;
    bare_wait_t *head;
    bool stop;
    /* loop mode */
    bool loop;
    redisContext *redis;
    char sha[41];
    bare_req_t *qhead;
    bare_req_t *qtail;
    _Atomic bool quit;
    struct MHD_Daemon *daemon;
} bare_t;

/* The other thread: resume whatever was handed over, a batch at a time
 * (as the putter answers its batch). */
static void *bare_resumer(void *arg)
{
    bare_t *b = arg;
    bare_wait_t *w;

    pthread_mutex_lock(&b->mu);
    while (!b->stop || b->head != NULL) {
        if (b->head == NULL) {
            pthread_cond_wait(&b->cond, &b->mu);
            continue;
        }
        w = b->head;
        b->head = NULL;
        pthread_mutex_unlock(&b->mu);
        while (w != NULL) {
            bare_wait_t *next = w->next;
            MHD_resume_connection(w->conn);
            w = next;
        }
        pthread_mutex_lock(&b->mu);
    }
    pthread_mutex_unlock(&b->mu);
    return NULL;
}

/* ---- loop mode ---------------------------------------------------------- */

static int bare_add_body(bare_req_t *rq, const char *data, size_t n)
{
    char *p = realloc(rq->body, rq->len + n + 1);

    if (p == NULL)
        return -1;
    memcpy(p + rq->len, data, n);
    rq->len += n;
    p[rq->len] = '\0';
    rq->body = p;
    return 0;
}

/* A JSON answer: text[0..len), copied (MUST_COPY) or the caller's for as
 * long as MHD needs it (PERSISTENT: the fixed body, no copy to measure). */
static enum MHD_Result bare_reply(struct MHD_Connection *conn, unsigned status,
                                  const char *text, size_t len,
                                  enum MHD_ResponseMemoryMode mode)
{
    struct MHD_Response *resp = MHD_create_response_from_buffer(len, (void *)text, mode);
    enum MHD_Result ret;

    if (resp == NULL)
        return MHD_NO;
    MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE, "application/json");
    ret = MHD_queue_response(conn, status, resp);
    MHD_destroy_response(resp);
    return ret;
}

static const char not_json[] = "{\"message\": \"not JSON\"}";

/* A whole POST: its record (the body, an id, when it was accepted)
 * stored with the service's put, the connection suspended until Redis
 * answers; then the 202 with the record. */
static enum MHD_Result bare_loop_access(bare_t *b, struct MHD_Connection *conn,
                                        bare_req_t *rq)
{
    json_error_t jerr;
    json_t *o;
    double now;

    if (rq->state != 0)
        return bare_reply(conn, rq->state == 2 ? MHD_HTTP_ACCEPTED : 503, rq->text,
                          strlen(rq->text), MHD_RESPMEM_MUST_COPY);
    o = rq->body != NULL ? json_loadb(rq->body, rq->len, 0, &jerr) : NULL;
    if (o == NULL || !json_is_object(o)) {
        json_decref(o);
        return bare_reply(conn, MHD_HTTP_BAD_REQUEST, not_json, sizeof(not_json) - 1,
                          MHD_RESPMEM_PERSISTENT);
    }
    now = timebase_real_s();
    serve_new_id(rq->id); /* the service's own ids */
    json_object_set_new(o, "id", json_string(rq->id));
    json_object_set_new(o, "accepted_at", json_real(now));
    json_object_set_new(o, "status", json_string("ACCEPTED"));
    rq->text = json_dumps(o, JSON_COMPACT);
    json_decref(o);
    if (rq->text == NULL)
        return MHD_NO;
    rq->put.kind = STORE_REQ_POLL;
    rq->put.id = rq->id;
    rq->put.text = rq->text;
    rq->put.start = now;
    rq->left = store_req_put_append(b->redis, b->sha, 0, &rq->put);
    if (rq->left < 0)
        return MHD_NO; /* out of memory: nothing appended */
    rq->state = 1;
    rq->wait.conn = conn;
    rq->next = NULL;
    if (b->qtail != NULL)
        b->qtail->next = rq;
    else
        b->qhead = rq;
    b->qtail = rq;
    MHD_suspend_connection(conn);
    return MHD_YES;
}

/* Redis's answers, in the order of the puts: each resumes its POST
 * (stored: state 2; anything else: 3, a 503). -1 when Redis is gone. */
static int bare_loop_replies(bare_t *b)
{
    void *r;

    if (redisBufferRead(b->redis) != REDIS_OK)
        return -1;
    while (b->qhead != NULL) {
        bare_req_t *rq = b->qhead;
        r = NULL;
        if (redisGetReplyFromReader(b->redis, &r) != REDIS_OK)
            return -1;
        if (r == NULL)
            break;
        if (--rq->left > 0) {
            freeReplyObject(r); /* MULTI's and QUEUED's; EXEC's tells */
            continue;
        }
        rq->state = store_req_put_result(r, &rq->put) == 0 ? 2 : 3;
        freeReplyObject(r);
        b->qhead = rq->next;
        if (b->qhead == NULL)
            b->qtail = NULL;
        MHD_resume_connection(rq->wait.conn);
    }
    return 0;
}

/* The loop: MHD's epoll set and the Redis connection in one epoll, until
 * quit and no put is waiting. */
static void *bare_loop_main(void *arg)
{
    bare_t *b = arg;
    struct epoll_event ev = {.events = EPOLLIN};
    int mfd = MHD_get_daemon_info(b->daemon, MHD_DAEMON_INFO_EPOLL_FD)->epoll_fd;
    int ep = epoll_create1(EPOLL_CLOEXEC);

    ev.data.fd = mfd;
    epoll_ctl(ep, EPOLL_CTL_ADD, mfd, &ev);
    ev.data.fd = b->redis->fd;
    epoll_ctl(ep, EPOLL_CTL_ADD, b->redis->fd, &ev);
    while (!atomic_load(&b->quit) || b->qhead != NULL) {
        struct epoll_event evs[4];
        MHD_UNSIGNED_LONG_LONG to = 100;
        int done = 0;
        int n;

        if (MHD_get_timeout(b->daemon, &to) != MHD_YES || to > 100)
            to = 100;
        n = epoll_wait(ep, evs, 4, (int)to);
        for (int i = 0; i < n; i++) {
            if (evs[i].data.fd == b->redis->fd && bare_loop_replies(b) < 0) {
                fprintf(stderr, "mhd_bare: redis: %s\n", b->redis->errstr);
                exit(2);
            }
        }
        MHD_run(b->daemon);
        while (!done) {
            if (redisBufferWrite(b->redis, &done) != REDIS_OK) {
                fprintf(stderr, "mhd_bare: redis: %s\n", b->redis->errstr);
                exit(2);
            }
        }
    }
    close(ep);
    return NULL;
}

/* Redis for the loop: the put's script loaded, the socket non-blocking
 * (hiredis 0.14 reads and writes without waiting once REDIS_BLOCK is
 * off). */
static int bare_loop_redis(bare_t *b, uint32_t port)
{
    redisReply *r;

    b->redis = redisConnect("127.0.0.1", (int)port);
    if (b->redis == NULL || b->redis->err != 0)
        return -1;
    r = redisCommand(b->redis, "SCRIPT LOAD %s", store_req_put_script());
    if (r == NULL || r->type != REDIS_REPLY_STRING || r->len != 40) {
        freeReplyObject(r);
        return -1;
    }
    memcpy(b->sha, r->str, 41);
    freeReplyObject(r);
    if (fcntl(b->redis->fd, F_SETFL, fcntl(b->redis->fd, F_GETFL) | O_NONBLOCK) < 0)
        return -1;
    b->redis->flags &= ~REDIS_BLOCK;
    return 0;
}

static enum MHD_Result bare_access(void *cls, struct MHD_Connection *conn,
                                   const char *url, const char *method,
                                   const char *version, const char *upload,
                                   size_t *upload_len, void **con_cls)
{
    bare_t *b = cls;
    bare_req_t *rq = *con_cls;

    (void)url;
    (void)method;
    (void)version;
    (void)upload;
    if (rq == NULL) {
        rq = calloc(1, sizeof(*rq));
        *con_cls = rq;
        return rq != NULL ? MHD_YES : MHD_NO;
    }
    if (*upload_len > 0) {
        if (b->loop && bare_add_body(rq, upload, *upload_len) < 0)
            return MHD_NO;
        *upload_len = 0;
        return MHD_YES;
    }
    if (b->loop)
        return bare_loop_access(b, conn, rq);
    if (b->handoff && rq->state == 0) {
        rq->state = 1;
        rq->wait.conn = conn;
        MHD_suspend_connection(conn);
        pthread_mutex_lock(&b->mu);
        rq->wait.next = b->head;
        b->head = &rq->wait;
        pthread_cond_signal(&b->cond);
        pthread_mutex_unlock(&b->mu);
        return MHD_YES;
    }
    return bare_reply(conn, MHD_HTTP_ACCEPTED, b->body, b->len, MHD_RESPMEM_PERSISTENT);
}

static void bare_completed(void *cls, struct MHD_Connection *conn, void **con_cls,
                           enum MHD_RequestTerminationCode why)
{
    bare_req_t *rq = *con_cls;

    (void)cls;
    (void)conn;
    (void)why;
    if (rq != NULL) {
        free(rq->body);
        free(rq->text);
    }
    free(rq);
    *con_cls = NULL;
}

static int bare_read_body(bare_t *b, const char *path)
{
    FILE *f = fopen(path, "rb");
    size_t cap = 0;
    size_t n;
    char chunk[4096];
    char *p;

    if (f == NULL)
        return -1;
    while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0) {
        if (b->len + n > cap) {
            cap = (b->len + n) * 2;
            p = realloc(b->body, cap);
            if (p == NULL) {
                fclose(f);
                return -1;
            }
            b->body = p;
        }
        memcpy(b->body + b->len, chunk, n);
        b->len += n;
    }
    fclose(f);
    return b->len > 0 ? 0 : -1;
}

/* The daemon as the mode wants it: the service's threads, or one event
 * loop of ours (loop mode); a connection's memory as the service's. */
static struct MHD_Daemon *bare_start(bare_t *b, uint32_t port)
{
    unsigned flags = MHD_ALLOW_SUSPEND_RESUME | MHD_USE_ERROR_LOG;

    if (b->loop)
        return MHD_start_daemon(flags | MHD_USE_EPOLL, (uint16_t)port, NULL, NULL,
                                bare_access, b, MHD_OPTION_NOTIFY_COMPLETED,
                                bare_completed, b, MHD_OPTION_CONNECTION_MEMORY_LIMIT,
                                (size_t)SERVE_CONN_POOL, MHD_OPTION_END);
    return MHD_start_daemon(flags | MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_POLL,
                            (uint16_t)port, NULL, NULL, bare_access, b,
                            MHD_OPTION_THREAD_POOL_SIZE, 2u, MHD_OPTION_NOTIFY_COMPLETED,
                            bare_completed, b, MHD_OPTION_CONNECTION_MEMORY_LIMIT,
                            (size_t)SERVE_CONN_POOL, MHD_OPTION_END);
}

static int bare_usage(void)
{
    fprintf(stderr, "usage: mhd_bare PORT BODY_FILE [handoff | loop REDIS_PORT]\n");
    return 64;
}

int main(int argc, char **argv)
{
    bare_t b = {.mu = PTHREAD_MUTEX_INITIALIZER, .cond = PTHREAD_COND_INITIALIZER};
    pthread_t worker;
    bool started = false;
    sigset_t set;
    uint32_t port;
    uint32_t rport = 0;
    int sig;
    int ret = 2;

    if (argc < 3 || argc > 5 || numparse_u32(argv[1], &port) < 0 || port > 65535)
        return bare_usage();
    b.handoff = argc == 4 && strcmp(argv[3], "handoff") == 0;
    b.loop = argc == 5 && strcmp(argv[3], "loop") == 0 &&
             numparse_u32(argv[4], &rport) == 0 && rport <= 65535;
    if (argc > 3 && !b.handoff && !b.loop)
        return bare_usage();
    if (!b.loop && bare_read_body(&b, argv[2]) < 0) {
        fprintf(stderr, "mhd_bare: %s: cannot read a body\n", argv[2]);
        goto out;
    }
    if (b.loop && bare_loop_redis(&b, rport) < 0) {
        fprintf(stderr, "mhd_bare: no Redis on 127.0.0.1:%u\n", (unsigned)rport);
        goto out;
    }
    /* the signals waited for below, blocked in every thread made after */
    sigemptyset(&set);
    sigaddset(&set, SIGINT);
    sigaddset(&set, SIGTERM);
    pthread_sigmask(SIG_BLOCK, &set, NULL);
    b.daemon = bare_start(&b, port);
    if (b.daemon == NULL) {
        fprintf(stderr, "mhd_bare: cannot listen on port %u\n", (unsigned)port);
        goto out;
    }
    if (pthread_create(&worker, NULL, b.loop ? bare_loop_main : bare_resumer, &b) != 0)
        goto out;
    started = true;
    sigwait(&set, &sig);
    ret = 0;
out:
    /* no connection may be suspended when MHD stops (it aborts): the loop
     * ends once every put is answered, the resumer once told; wrk has
     * finished by the time of the signal */
    atomic_store(&b.quit, true);
    pthread_mutex_lock(&b.mu);
    b.stop = true;
    pthread_cond_signal(&b.cond);
    pthread_mutex_unlock(&b.mu);
    if (started)
        pthread_join(worker, NULL);
    if (b.daemon != NULL)
        MHD_stop_daemon(b.daemon);
    if (b.redis != NULL)
        redisFree(b.redis);
    free(b.body);
    return ret;
}
