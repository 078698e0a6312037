/*
 * mhd_bare: the anchor of the service's figures in tests/bench/bench.sh.
 * libmicrohttpd run as `dnsprop serve` runs it (its own polling threads,
 * poll(2), a pool of two, suspend/resume allowed) answering every POST
 * with a 202 and a given body, and doing nothing else: what one POST
 * costs this machine in HTTP alone, before any of the service's work
 * (JSON, Redis, the poll, its final state).
 *
 *   mhd_bare PORT BODY_FILE [handoff]
 *
 * With "handoff", each POST's connection is suspended and handed to
 * another thread, which resumes it, before its answer, as the service's
 * connections wait for the putter (harness/serve/handlers.c): the cost of
 * that one hand-off between threads. It stops on SIGINT or SIGTERM.
 */
#include <microhttpd.h>
#include <pthread.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness/common/numparse.h"

typedef struct bare_wait {
    struct MHD_Connection *conn;
    struct bare_wait *next;
} bare_wait_t;

/* A POST's state: 0 reading, 1 handed off, 2 resumed. */
typedef struct {
    int state;
    bare_wait_t wait;
} bare_req_t;

typedef struct {
    char *body;
    size_t len;
    bool handoff;
    pthread_mutex_t mu;
    pthread_cond_t cond;
    bare_wait_t *head;
    bool stop;
} bare_t;

/* The other thread: resume whatever was handed over, a batch at a time
 * (as the putter answers its batch). */
static void *bare_resumer(void *arg)
{
    bare_t *b = arg;
    bare_wait_t *w;

    pthread_mutex_lock(&b->mu);
    while (!b->stop) {
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

static enum MHD_Result bare_access(void *cls, struct MHD_Connection *conn,
                                   const char *url, const char *method,
                                   const char *version, const char *upload,
                                   size_t *upload_len, void **con_cls)
{
    bare_t *b = cls;
    bare_req_t *rq = *con_cls;
    struct MHD_Response *resp;
    enum MHD_Result ret;

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
        *upload_len = 0;
        return MHD_YES;
    }
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
    resp = MHD_create_response_from_buffer(b->len, b->body, MHD_RESPMEM_PERSISTENT);
    if (resp == NULL)
        return MHD_NO;
    MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE, "application/json");
    ret = MHD_queue_response(conn, MHD_HTTP_ACCEPTED, resp);
    MHD_destroy_response(resp);
    return ret;
}

static void bare_completed(void *cls, struct MHD_Connection *conn, void **con_cls,
                           enum MHD_RequestTerminationCode why)
{
    (void)cls;
    (void)conn;
    (void)why;
    free(*con_cls);
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

int main(int argc, char **argv)
{
    bare_t b = {.mu = PTHREAD_MUTEX_INITIALIZER, .cond = PTHREAD_COND_INITIALIZER};
    struct MHD_Daemon *d = NULL;
    pthread_t resumer;
    bool started = false;
    sigset_t set;
    uint32_t port;
    int sig;
    int ret = 2;

    if (argc < 3 || argc > 4 || numparse_u32(argv[1], &port) < 0 || port > 65535 ||
        (argc == 4 && strcmp(argv[3], "handoff") != 0)) {
        fprintf(stderr, "usage: mhd_bare PORT BODY_FILE [handoff]\n");
        return 64;
    }
    b.handoff = argc == 4;
    if (bare_read_body(&b, argv[2]) < 0) {
        fprintf(stderr, "mhd_bare: %s: cannot read a body\n", argv[2]);
        goto out;
    }
    /* the signals waited for below, blocked in every thread made after */
    sigemptyset(&set);
    sigaddset(&set, SIGINT);
    sigaddset(&set, SIGTERM);
    pthread_sigmask(SIG_BLOCK, &set, NULL);
    if (pthread_create(&resumer, NULL, bare_resumer, &b) != 0)
        goto out;
    started = true;
    d = MHD_start_daemon(MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_POLL |
                             MHD_ALLOW_SUSPEND_RESUME | MHD_USE_ERROR_LOG,
                         (uint16_t)port, NULL, NULL, bare_access, &b,
                         MHD_OPTION_THREAD_POOL_SIZE, 2u, MHD_OPTION_NOTIFY_COMPLETED,
                         bare_completed, &b, MHD_OPTION_END);
    if (d == NULL) {
        fprintf(stderr, "mhd_bare: cannot listen on port %u\n", (unsigned)port);
        goto out;
    }
    sigwait(&set, &sig);
    ret = 0;
out:
    /* every handed-off connection is resumed before MHD stops (it aborts
     * on a suspended one); wrk has finished by the time of the signal */
    if (d != NULL)
        MHD_stop_daemon(d);
    if (started) {
        pthread_mutex_lock(&b.mu);
        b.stop = true;
        pthread_cond_signal(&b.cond);
        pthread_mutex_unlock(&b.mu);
        pthread_join(resumer, NULL);
    }
    free(b.body);
    return ret;
}
