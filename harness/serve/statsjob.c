/*
 * statsjob: the stats worker (see serve_int.h). A POST /stats names a
 * time range; the worker reads the requests whose start_time is in it,
 * turns them into a dataset of plot/ (statistics and plots, as a campaign
 * gets) and stores the stats request COMPLETED with its summary. Plots run
 * gnuplot (a second or so): they get their own thread, off MHD's.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "harness/common/errcode.h"
#include "harness/common/log.h"
#include "harness/common/timebase.h"
#include "harness/serve/parse.h"
#include "harness/serve/serve_int.h"
#include "plot/dataset.h"
#include "plot/plots.h"
#include "plot/stats.h"

#define TRIES    3
#define RETRY_MS 500

struct serve_sjob {
    struct serve_sjob *next;
    char id[SERVE_ID_LEN + 1];
};

static void sleep_ms(int ms)
{
    struct timespec ts = {ms / 1000, (long)(ms % 1000) * 1000000L};

    while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
        ;
}

/* One stored request as a result of the dataset (plot/dataset.h): the
 * condition is the operation kind, the nameserver its address. */
static json_t *ds_record(json_t *rec, uint64_t op_id)
{
    const char *ns_s = json_string_value(json_object_get(rec, "nameserver"));
    const char *name = json_string_value(json_object_get(rec, "name"));
    const char *type = json_string_value(json_object_get(rec, "rdatatype"));
    const char *result = json_string_value(json_object_get(rec, "result"));
    const char *reason = json_string_value(json_object_get(rec, "reason"));
    json_t *lb = json_object_get(rec, "lower_bound");
    json_t *dur = json_object_get(rec, "duration");
    probe_ns_t ns;

    if (name == NULL)
        name = json_string_value(json_object_get(rec, "zone_name"));
    if (name == NULL)
        name = json_string_value(json_object_get(rec, "query_name"));
    if (ns_s == NULL || probe_ns_parse(ns_s, &ns) < 0)
        snprintf(ns.text, sizeof(ns.text), "%s", ns_s != NULL ? ns_s : "unknown");
    return json_pack(
        "{s:I, s:s, s:s, s:s, s:s, s:o, s:f, s:o, s:I, s:s, s:s, s:s}", "op_id",
        (json_int_t)op_id, "op_kind",
        serve_cond_kind(json_string_value(json_object_get(rec, "condition"))), "ns_name",
        ns.text, "nameserver", ns.text, "status", result != NULL ? result : "ERROR",
        "start_time", json_deep_copy(json_object_get(rec, "start_time")), "lower_bound",
        json_is_number(lb) ? json_number_value(lb) : 0.0, "duration",
        json_is_number(dur) ? json_deep_copy(dur) : json_null(), "queries",
        json_integer_value(json_object_get(rec, "queries")), "reason",
        reason != NULL ? reason : "", "name", name != NULL ? name : "", "type",
        type != NULL ? type : "");
}

/* The requests of a range on their way into the dataset. */
typedef struct {
    dataset_t *ds;
    size_t pending; /* still ACCEPTED: not in the dataset */
    uint64_t op;    /* op ids stay dense: the dataset finds them in O(1) */
} range_t;

static int add_request(const char *text, size_t len, void *arg)
{
    range_t *rg = arg;
    json_t *rec = json_loadb(text, len, 0, NULL);
    const char *st = json_string_value(json_object_get(rec, "status"));
    json_t *dr;
    char *t;
    int ret = 0;

    if (st == NULL || strcmp(st, "ACCEPTED") == 0) {
        if (st != NULL)
            rg->pending++;
        json_decref(rec);
        return 0;
    }
    dr = ds_record(rec, rg->op + 1);
    t = dr != NULL ? jsonw_dumps(dr) : NULL;
    if (dr != NULL && t == NULL)
        ret = -ENOMEM;
    else if (t != NULL && ds_add_text(rg->ds, t) == -ENOMEM)
        ret = -ENOMEM;
    else if (t != NULL)
        rg->op++;
    free(t);
    json_decref(dr);
    json_decref(rec);
    return ret;
}

/* The plots of the dataset under RESULTS/serve/stats-<id>/, their image
 * ids into images; perr says why there are none. */
static void draw(serve_t *s, const char *id, dataset_t *ds, const json_t *st,
                 json_t *images, char *perr, size_t perrlen)
{
    json_t *index = NULL;
    plot_opts_t po;
    char dir[4096];
    bool rendered = false;
    size_t i;
    json_t *e;

    snprintf(dir, sizeof(dir), "%s/serve/stats-%s", s->results, id);
    memset(&po, 0, sizeof(po));
    if (ds->n == 0) {
        /* nothing finished in the range: Digaas still drew its plot, and
         * its clients fetch image_id whatever it is */
        if (serve_scatter_png(dir, "propagation", "API-to-nameserver propagation times",
                              "Timestamp of API request", "Propagation time (seconds)",
                              NULL, 0, perr, perrlen) == 0) {
            char img[SERVE_ID_LEN + 80];
            snprintf(img, sizeof(img), "%s-propagation", id);
            json_array_append_new(images, json_string(img));
        }
        return;
    }
    if (plot_campaign(ds, st, dir, &po, &index, &rendered, perr, perrlen) == 0) {
        json_array_foreach(index, i, e)
        {
            const char *name = json_string_value(json_object_get(e, "name"));
            char img[SERVE_ID_LEN + 80];
            if (name == NULL || !json_is_string(json_object_get(e, "png")))
                continue;
            snprintf(img, sizeof(img), "%s-%s", id, name);
            json_array_append_new(images, json_string(img));
        }
    }
    json_decref(index);
}

/* The stats request COMPLETED (rec) and its summary, as texts. */
static int results_text(const char *id, json_t *rec, const json_t *st, json_t *images,
                        size_t n, size_t pending, const char *perr, char **text,
                        char **stext)
{
    double start = json_number_value(json_object_get(rec, "start_time"));
    double end = json_number_value(json_object_get(rec, "end_time"));
    json_t *summary;

    json_object_set_new(rec, "status", json_string("COMPLETED"));
    json_object_set(rec, "image_ids", images);
    /* Digaas had one image: the propagation plot, drawn first */
    json_object_set_new(rec, "image_id",
                        json_array_size(images) > 0 ? json_copy(json_array_get(images, 0))
                                                    : json_null());
    json_object_set_new(rec, "requests", json_integer((json_int_t)n));
    json_object_set_new(rec, "pending", json_integer((json_int_t)pending));
    json_object_set_new(rec, "reason", json_string(perr));
    summary = json_pack(
        "{s:s, s:f, s:f, s:I, s:I, s:O, s:O, s:O}", "id", id, "start_time", start,
        "end_time", end, "requests", (json_int_t)n, "pending", (json_int_t)pending,
        "overall", json_object_get(st, "overall"), "nameservers",
        json_object_get(st, "nameservers"), "conditions", json_object_get(st, "kinds"));
    *text = jsonw_dumps(rec);
    *stext = summary != NULL ? jsonw_dumps(summary) : NULL;
    json_decref(summary);
    return *text != NULL && *stext != NULL ? 0 : -ENOMEM;
}

/* Compute what rec (the stats request) asks for and store it. */
static int compute(serve_t *s, const char *id, json_t *rec, char *err, size_t errlen)
{
    dataset_t ds;
    range_t rg = {&ds, 0, 0};
    json_t *meta = NULL;
    json_t *st = NULL;
    json_t *images = json_array();
    char perr[1024] = "";
    char *text = NULL;
    char *stext = NULL;
    int ret;

    ds_init(&ds);
    ret = store_req_range(s->rq, json_number_value(json_object_get(rec, "start_time")),
                          json_number_value(json_object_get(rec, "end_time")),
                          add_request, &rg, err, errlen);
    if (ret < 0)
        goto out;
    /* no "start": the x axes count from the first request of the range
     * (plot/dataset.h ds_start) */
    meta = json_pack("{s:s, s:s}", "name", "dnsprop serve", "campaign", id);
    ds_set_campaign(&ds, meta);
    st = stats_json(&ds);
    if (st == NULL || images == NULL) {
        ret = -ENOMEM;
        goto out;
    }
    draw(s, id, &ds, st, images, perr, sizeof(perr));
    ret = results_text(id, rec, st, images, ds.n, rg.pending, perr, &text, &stext);
    if (ret == 0)
        ret = store_req_stats_done(s->rq, id, text, stext, err, errlen);
out:
    free(text);
    free(stext);
    json_decref(meta);
    json_decref(st);
    json_decref(images);
    ds_clear(&ds);
    return ret;
}

/* One stats request: -EIO when Redis failed (worth another try). */
static int stats_run(serve_t *s, const char *id)
{
    json_t *rec = NULL;
    char err[1024] = "";
    char *text = NULL;
    int ret = store_req_stats_get(s->rq, id, false, &text, err, sizeof(err));

    if (ret <= 0)
        goto out; /* gone (0): nothing to do */
    rec = json_loads(text, 0, NULL);
    if (rec == NULL)
        ret = 0; /* not ours to fix: left as it is */
    else if (serve_id_is_num(id))
        ret = serve_dstats_compute(s, id, rec, err, sizeof(err));
    else
        ret = compute(s, id, rec, err, sizeof(err));
out:
    if (ret < 0)
        log_warn("serve: stats %s: %s", id, err[0] != '\0' ? err : dp_strerror(ret));
    free(text);
    json_decref(rec);
    return ret;
}

static void *stats_main(void *arg)
{
    serve_t *s = arg;
    serve_statsq_t *q = &s->stats;

    pthread_mutex_lock(&q->mu);
    for (;;) {
        serve_sjob_t *j;
        int tries;
        while (q->head == NULL && !q->stop)
            pthread_cond_wait(&q->cond, &q->mu);
        if (q->stop)
            break; /* what is left stays pending in Redis */
        j = q->head;
        q->head = j->next;
        if (q->head == NULL)
            q->tail = NULL;
        snprintf(q->busy, sizeof(q->busy), "%s", j->id);
        pthread_mutex_unlock(&q->mu);
        for (tries = 0; tries < TRIES; tries++) {
            if (stats_run(s, j->id) != -EIO)
                break;
            sleep_ms(RETRY_MS);
        }
        free(j);
        pthread_mutex_lock(&q->mu);
        q->busy[0] = '\0';
        pthread_cond_broadcast(&q->done);
    }
    pthread_mutex_unlock(&q->mu);
    return NULL;
}

void serve_stats_push(serve_t *s, const char *id)
{
    serve_statsq_t *q = &s->stats;
    serve_sjob_t *j = calloc(1, sizeof(*j));

    if (j == NULL)
        return; /* stays pending in Redis, for the next start */
    snprintf(j->id, sizeof(j->id), "%s", id);
    pthread_mutex_lock(&q->mu);
    if (q->tail != NULL)
        q->tail->next = j;
    else
        q->head = j;
    q->tail = j;
    pthread_cond_signal(&q->cond);
    pthread_mutex_unlock(&q->mu);
}

/* Is job id queued or being computed? (under q->mu) */
static bool pending(const serve_statsq_t *q, const char *id)
{
    if (strcmp(q->busy, id) == 0)
        return true;
    for (const serve_sjob_t *j = q->head; j != NULL; j = j->next) {
        if (strcmp(j->id, id) == 0)
            return true;
    }
    return false;
}

bool serve_stats_wait(serve_t *s, const char *id, int ms)
{
    serve_statsq_t *q = &s->stats;
    int64_t end = timebase_mono_ns() + (int64_t)ms * 1000000;
    bool done;

    pthread_mutex_lock(&q->mu);
    while (pending(q, id) && !q->stop) {
        int64_t left = (end - timebase_mono_ns()) / 1000000;
        if (left <= 0)
            break;
        timebase_cond_wait_mono_ms(&q->done, &q->mu, (int)left);
    }
    done = !pending(q, id);
    pthread_mutex_unlock(&q->mu);
    return done;
}

int serve_stats_start(serve_t *s, char *err, size_t errlen)
{
    serve_statsq_t *q = &s->stats;
    int ret;

    memset(q, 0, sizeof(*q));
    pthread_mutex_init(&q->mu, NULL);
    pthread_cond_init(&q->cond, NULL);
    timebase_cond_init_mono(&q->done);
    ret = -pthread_create(&q->thread, NULL, stats_main, s);
    if (ret < 0) {
        snprintf(err, errlen, "cannot start the stats worker: %s", strerror(-ret));
        return ret;
    }
    pthread_setname_np(q->thread, "dp-stats");
    q->started = true;
    return 0;
}

void serve_stats_stop(serve_t *s)
{
    serve_statsq_t *q = &s->stats;

    if (q->started) {
        pthread_mutex_lock(&q->mu);
        q->stop = true;
        pthread_cond_signal(&q->cond);
        pthread_cond_broadcast(&q->done);
        pthread_mutex_unlock(&q->mu);
        pthread_join(q->thread, NULL);
    }
    while (q->head != NULL) {
        serve_sjob_t *j = q->head;
        q->head = j->next;
        free(j);
    }
    pthread_mutex_destroy(&q->mu);
    pthread_cond_destroy(&q->cond);
    pthread_cond_destroy(&q->done);
}
