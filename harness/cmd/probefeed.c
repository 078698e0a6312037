/*
 * probefeed: requests in, results out, a bounded number in flight (see
 * probefeed.h).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness/cmd/cmd.h"
#include "harness/cmd/probefeed.h"
#include "harness/common/errcode.h"
#include "harness/common/vec.h"
#include "probes/result.h"
#include "storage/record.h"

void pfeed_init(pfeed_t *f)
{
    memset(f, 0, sizeof(*f));
    f->max_pending = PROBEFEED_MAX_PENDING;
    f->worst = DP_EXIT_OK;
}

static void slot_clear(pfeed_slot_t *s)
{
    for (size_t i = 0; i < s->nvalues; i++)
        free(s->values[i]);
    free(s->values);
    memset(s, 0, sizeof(*s));
}

void pfeed_free(pfeed_t *f)
{
    for (size_t i = 0; i < f->nslots; i++)
        slot_clear(&f->slots[i]);
    free(f->slots);
    free(f->freelist);
    buf_free(&f->rec);
    memset(f, 0, sizeof(*f));
}

/* A result's record, made straight from it (storage/record.h), and stored. */
static int store_one(pfeed_t *f, const probe_result_t *r, const pfeed_slot_t *sl)
{
    record_probe_t x = {f->host,    sl->frequency, sl->timeout, sl->serial_cond,
                        sl->serial, sl->values,    sl->nvalues};
    int ret;

    buf_clear(&f->rec);
    ret = record_encode_probe(r, &x, &f->rec);
    if (ret == 0)
        ret = store_put_record(f->store, f->rec.p, f->rec.len);
    return ret;
}

/* One result, printed and stored; its slot freed. -ETIMEDOUT when none
 * came within timeout_ms, another negative code when the pool is done. */
static int take_one(pfeed_t *f, int timeout_ms)
{
    probe_result_t r;
    int ret;

    if (*f->signal != 0)
        probe_pool_shutdown(f->pool);
    ret = probe_pool_next(f->pool, &r, timeout_ms);
    if (ret < 0)
        return ret;
    probe_result_print(stdout, &r, f->json);
    fflush(stdout); /* a line at a time, for whoever reads the pipe */
    if (f->store != NULL && r.tag < f->nslots && store_one(f, &r, &f->slots[r.tag]) < 0)
        fprintf(stderr, "dnsprop probe: out of memory storing a result\n");
    if (r.tag < f->nslots && f->slots[r.tag].used) {
        slot_clear(&f->slots[r.tag]);
        f->freelist[f->nfree++] = (size_t)r.tag;
        f->pending--;
    }
    if (r.status == PROBE_ERROR)
        f->worst = DP_EXIT_ERROR;
    else if (r.status == PROBE_TIMEOUT && f->worst == DP_EXIT_OK)
        f->worst = DP_EXIT_TIMEOUT;
    probe_result_clear(&r);
    return 0;
}

/* A free slot's index (reused first: the slots stay as many as the most
 * requests ever pending). -ENOMEM. */
static long slot_take(pfeed_t *f)
{
    if (f->nfree > 0)
        return (long)f->freelist[--f->nfree];
    if (VEC_RESERVE(f->slots, f->cap, f->nslots + 1) < 0 ||
        VEC_RESERVE(f->freelist, f->freecap, f->nslots + 1) < 0)
        return -ENOMEM;
    memset(&f->slots[f->nslots], 0, sizeof(f->slots[0]));
    return (long)f->nslots++;
}

int pfeed_submit(pfeed_t *f, probe_req_t *req)
{
    pfeed_slot_t *s;
    long k;
    int ret;

    while (f->pending >= f->max_pending && *f->signal == 0) {
        ret = take_one(f, 200);
        if (ret < 0 && ret != -ETIMEDOUT)
            break;
    }
    if (*f->signal != 0) {
        probe_req_clear(req);
        return PROBE_REQ_STOP;
    }
    k = slot_take(f);
    if (k < 0) {
        probe_req_clear(req);
        return (int)k;
    }
    s = &f->slots[k];
    s->used = true;
    s->serial_cond = req->cond == COND_SERIAL_NOT_LOWER;
    s->serial = req->serial;
    s->frequency = req->frequency;
    s->timeout = req->timeout;
    req->tag = (uint64_t)k;
    ret = probe_pool_submit(f->pool, req);
    if (ret < 0) {
        fprintf(stderr, "dnsprop probe: request %s: %s\n",
                req->id != NULL ? req->id : "1", dp_strerror(ret));
        f->worst = DP_EXIT_ERROR;
        s->used = false;
        f->freelist[f->nfree++] = (size_t)k;
    } else {
        /* the expected values move to the slot (the pool has its copy) */
        s->values = req->values;
        s->nvalues = req->nvalues;
        req->values = NULL;
        req->nvalues = req->capvalues = 0;
        f->pending++;
    }
    probe_req_clear(req);
    return 0;
}

void pfeed_drain(pfeed_t *f)
{
    while (f->pending > 0) {
        int ret = take_one(f, 200);
        if (ret < 0 && ret != -ETIMEDOUT)
            break;
    }
}
