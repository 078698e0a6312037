/*
 * model: operations, zones, records and their values (see model.h).
 *
 * Zones and records grow through harness/common/vec.h (their indexes are
 * what other structures keep, never pointers into them). Operations live
 * in pages that never move, so that the probe pool's threads can find one
 * by its id without taking the driver's lock on every result.
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness/common/vec.h"
#include "harness/driver/model.h"
#include "probes/rdata.h"

int model_init(model_t *m, const scenario_t *sc)
{
    memset(m, 0, sizeof(*m));
    m->sc = sc;
    m->rng = sc->seed * UINT64_C(0x9E3779B97F4A7C15) + 1;
    m->cur_rate = NAN;
    m->npages = MODEL_OP_PAGES;
    m->pages = calloc(MODEL_OP_PAGES, sizeof(*m->pages));
    return m->pages != NULL ? 0 : -ENOMEM;
}

static void op_free(op_t *op)
{
    free(op->name);
    free(op->cut);
    free(op->value);
    for (size_t v = 0; v < op->nvals; v++)
        free(op->vals[v]);
    free(op->vals);
    free(op->ack.claim_req);
    json_decref(op->held);
    free(op);
}

void model_clear(model_t *m)
{
    size_t i;

    /* (page by page: ids wrap around the ring, and a page whose slots
     * are all empty has been freed already) */
    for (i = 0; m->pages != NULL && i < MODEL_OP_PAGES; i++) {
        for (size_t j = 0; m->pages[i] != NULL && j < MODEL_OP_PAGE; j++) {
            if (m->pages[i][j] != NULL)
                op_free(m->pages[i][j]);
        }
        free(m->pages[i]);
    }
    for (i = 0; i < m->nrecs; i++) {
        free(m->recs[i].name);
        free(m->recs[i].value);
    }
    for (i = 0; i < m->nzones; i++)
        free(m->zones[i].name);
    free(m->pages);
    free(m->recs);
    free(m->zones);
    free(m->rh);
    free(m->free_recs);
    free(m->free_zones);
    free(m->zlimbo);
    if (m->journal != NULL)
        fclose(m->journal);
    memset(m, 0, sizeof(*m));
}

/* xorshift64*: reproducible names and values from the scenario's seed. */
uint64_t model_rand(model_t *m)
{
    m->rng ^= m->rng >> 12;
    m->rng ^= m->rng << 25;
    m->rng ^= m->rng >> 27;
    return m->rng * UINT64_C(2685821657736338717);
}

char *model_gen_value(model_t *m, uint16_t type, uint64_t n)
{
    char buf[256];
    char *canon = NULL;
    uint64_t r = model_rand(m);

    switch (type) {
    case RDATA_T_A:
        snprintf(buf, sizeof(buf), "198.51.%u.%u", (unsigned)(100 + r % 2),
                 (unsigned)(1 + (r >> 8) % 254));
        break;
    case RDATA_T_AAAA:
        snprintf(buf, sizeof(buf), "2001:db8::%x:%x", (unsigned)(r & 0xffff),
                 (unsigned)((r >> 16) & 0xffff));
        break;
    case RDATA_T_TXT:
        snprintf(buf, sizeof(buf), "\"dnsprop %llu %llx\"", (unsigned long long)n,
                 (unsigned long long)(r & 0xffffffffu));
        break;
    case RDATA_T_MX:
        snprintf(buf, sizeof(buf), "%u mx%llu.example.", (unsigned)(r % 50) * 10,
                 (unsigned long long)n);
        break;
    case RDATA_T_SRV:
        snprintf(buf, sizeof(buf), "0 5 %u sip%llu.example.", (unsigned)(5000 + r % 1000),
                 (unsigned long long)n);
        break;
    default: /* CNAME NS PTR */
        snprintf(buf, sizeof(buf), "t%llu-%llx.example.", (unsigned long long)n,
                 (unsigned long long)(r & 0xffff));
        break;
    }
    if (rdata_from_text(type, buf, &canon) < 0)
        return NULL;
    return canon;
}

/* ---- operations ------------------------------------------------------------ */

/* The ring slot of operation id's page. Ids m->npages pages apart (64 M
 * operations) share one: the later takes it once every operation of the
 * earlier is freed, so that a monitor may run for years. */
static size_t op_page(const model_t *m, uint64_t id)
{
    return (size_t)((id - 1) / MODEL_OP_PAGE % m->npages);
}

op_t *model_op_at(const model_t *m, uint64_t id)
{
    op_t **page = m->pages[op_page(m, id)];
    op_t *op = page != NULL ? page[(id - 1) % MODEL_OP_PAGE] : NULL;

    return op != NULL && op->id == id ? op : NULL;
}

void model_op_free(model_t *m, uint64_t id)
{
    size_t p = op_page(m, id);
    op_t **page = m->pages[p];
    size_t i;

    if (model_op_at(m, id) == NULL)
        return;
    op_free(page[(id - 1) % MODEL_OP_PAGE]);
    page[(id - 1) % MODEL_OP_PAGE] = NULL;
    /* a page whose operations were all made and all freed goes too */
    if (((id - 1) / MODEL_OP_PAGE + 1) * MODEL_OP_PAGE > m->nops)
        return;
    for (i = 0; i < MODEL_OP_PAGE && page[i] == NULL; i++)
        ;
    if (i == MODEL_OP_PAGE) {
        free(page);
        m->pages[p] = NULL;
    }
}

op_t *model_op_new(model_t *m, op_kind_t kind)
{
    size_t page = op_page(m, m->nops + 1);
    op_t *op;

    if (m->pages[page] == NULL) {
        m->pages[page] = calloc(MODEL_OP_PAGE, sizeof(op_t *));
        if (m->pages[page] == NULL)
            return NULL;
    } else if (m->nops % MODEL_OP_PAGE == 0) {
        return NULL; /* the page of a ring ago still holds a live operation */
    }
    op = calloc(1, sizeof(*op));
    if (op == NULL) {
        if (m->nops % MODEL_OP_PAGE == 0) { /* the page made for it, empty */
            free(m->pages[page]);
            m->pages[page] = NULL;
        }
        return NULL;
    }
    op->id = m->nops + 1;
    op->change = op->id;
    op->nchange = 1;
    op->kind = kind;
    op->phase = m->cur_phase != NULL ? m->cur_phase : "";
    op->rate = m->cur_rate;
    op->rec = -1;
    op->claimed_at = NAN;
    m->pages[page][m->nops % MODEL_OP_PAGE] = op;
    m->nops++;
    return op;
}

/* Undo model_op_new for its newest operation, before anyone saw it. */
static void op_unmake(model_t *m, op_t *op)
{
    uint64_t id = op->id;
    size_t p = op_page(m, id);

    if (id != m->nops)
        return;
    m->pages[p][(id - 1) % MODEL_OP_PAGE] = NULL;
    op_free(op);
    m->nops--;
    if ((id - 1) % MODEL_OP_PAGE == 0) { /* the page it began */
        free(m->pages[p]);
        m->pages[p] = NULL;
    }
}

/* ---- zones and records ------------------------------------------------------- */

/* A slot for a zone: a free one (model_collect) or a new one. */
static zone_t *zone_slot(model_t *m, size_t *zi)
{
    zone_t *z;

    if (m->nfree_zones > 0) {
        *zi = m->free_zones[--m->nfree_zones];
        z = &m->zones[*zi];
        memset(z, 0, sizeof(*z));
        return z;
    }
    z = VEC_PUSH(m->zones, m->nzones, m->capzones);
    *zi = m->nzones - 1;
    return z;
}

size_t model_zone_add(model_t *m, const char *name, const target_conf_t *t)
{
    size_t zi;
    zone_t *z = zone_slot(m, &zi);

    if (z == NULL)
        return SIZE_MAX;
    m->zones_made++;
    z->seq = m->zones_made;
    z->name = strdup(name);
    z->target = t;
    z->tmask = UINT64_C(1) << scenario_target_index(m->sc, t);
    if (m->cur_tmask != 0) {
        z->tmask = m->cur_tmask;
        z->target = &m->sc->targets[__builtin_ctzll(m->cur_tmask)];
    }
    return zi;
}

/* FNV-1a of a record's name and type: its bucket in m->rh. */
static size_t rec_bucket(const model_t *m, const char *name, uint16_t type)
{
    uint64_t h = UINT64_C(0xcbf29ce484222325) ^ type;

    for (const unsigned char *p = (const unsigned char *)name; *p != '\0'; p++)
        h = (h ^ *p) * UINT64_C(0x100000001b3);
    return (size_t)(h ^ (h >> 32)) & (m->nrh - 1);
}

/* Every record into a table of n buckets (a power of two): -ENOMEM and
 * the old table kept when there is no memory for it. */
static int rec_rehash(model_t *m, size_t n)
{
    long *rh = malloc(n * sizeof(*rh));

    if (rh == NULL)
        return -ENOMEM;
    for (size_t i = 0; i < n; i++)
        rh[i] = -1;
    free(m->rh);
    m->rh = rh;
    m->nrh = n;
    /* (each bucket in any order: model_find_rec takes the highest seq) */
    for (size_t i = 0; i < m->nrecs; i++) {
        rec_t *r = &m->recs[i];
        if (r->name == NULL)
            continue;
        size_t b = rec_bucket(m, r->name, r->type);
        r->hnext = rh[b];
        rh[b] = (long)i;
    }
    return 0;
}

/* Record ri into its bucket. */
static int rec_index(model_t *m, size_t ri)
{
    rec_t *r = &m->recs[ri];
    size_t b;

    if (m->nrh < 2 * (m->nrecs + 1) && rec_rehash(m, m->nrh > 0 ? 2 * m->nrh : 64) < 0 &&
        m->nrh == 0)
        return -ENOMEM;
    if (r->hnext != -2) /* (put there by the rehash already) */
        return 0;
    b = rec_bucket(m, r->name, r->type);
    r->hnext = m->rh[b];
    m->rh[b] = (long)ri;
    return 0;
}

/* Record ri out of its bucket (before its name goes). */
static void rec_unindex(model_t *m, size_t ri)
{
    long *at;

    if (m->nrh == 0)
        return;
    at = &m->rh[rec_bucket(m, m->recs[ri].name, m->recs[ri].type)];
    while (*at >= 0 && (size_t)*at != ri)
        at = &m->recs[*at].hnext;
    if (*at >= 0)
        *at = m->recs[ri].hnext;
}

long model_rec_add(model_t *m, size_t zone, const char *name, uint16_t type,
                   const char *value)
{
    size_t ri;
    rec_t *r;
    bool reused = m->nfree_recs > 0;

    if (reused) {
        ri = m->free_recs[--m->nfree_recs];
        r = &m->recs[ri];
        memset(r, 0, sizeof(*r));
    } else {
        r = VEC_PUSH(m->recs, m->nrecs, m->caprecs);
        ri = m->nrecs - 1;
    }
    if (r == NULL)
        return -1;
    r->name = strdup(name);
    r->zone = m->zones[zone].name;
    r->zidx = zone;
    r->type = type;
    r->value = value != NULL ? strdup(value) : NULL;
    r->seq = ++m->recs_made;
    r->hnext = -2; /* not in a bucket yet */
    if (r->name == NULL || rec_index(m, ri) < 0) {
        /* (a slot with no name is a free one to every reader) */
        free(r->name);
        free(r->value);
        memset(r, 0, sizeof(*r));
        if (reused)
            m->nfree_recs++; /* back where it was: the list had room for it */
        else
            m->nrecs--; /* the last slot, just made: unmade */
        return -1;
    }
    return (long)ri;
}

long model_find_zone(const model_t *m, const char *name)
{
    long best = -1;

    for (size_t i = 0; i < m->nzones; i++) {
        const zone_t *z = &m->zones[i];
        if (!z->retired && z->name != NULL && strcmp(z->name, name) == 0 &&
            (best < 0 || z->seq > m->zones[best].seq))
            best = (long)i;
    }
    return best;
}

long model_find_rec(const model_t *m, const char *name, uint16_t type)
{
    long i;
    long best = -1;

    if (m->nrh == 0)
        return -1;
    for (i = m->rh[rec_bucket(m, name, type)]; i >= 0; i = m->recs[i].hnext) {
        if (m->recs[i].type == type && strcmp(m->recs[i].name, name) == 0 &&
            (best < 0 || m->recs[i].seq > m->recs[best].seq))
            best = i;
    }
    return best;
}

void model_keep(model_t *m, long zi, long ri)
{
    if (zi >= 0)
        m->zones[zi].mix = false;
    if (ri >= 0)
        m->recs[ri].mix = false;
}

bool model_zone_recs_busy(const model_t *m, size_t zi)
{
    size_t i;

    for (i = 0; i < m->nrecs; i++) {
        if (m->recs[i].zidx == zi && m->recs[i].busy)
            return true;
    }
    return false;
}

bool model_busy(const model_t *m)
{
    size_t i;

    for (i = 0; i < m->nzones; i++) {
        if (m->zones[i].busy)
            return true;
    }
    for (i = 0; i < m->nrecs; i++) {
        if (m->recs[i].busy)
            return true;
    }
    return false;
}

/* A random idle, live record (or -1), for updates and deletes. */
static long pick_rec(model_t *m)
{
    size_t tries;

    for (tries = 0; tries < 64 && m->nrecs > 0; tries++) {
        size_t i = model_rand(m) % m->nrecs;
        const rec_t *r = &m->recs[i];
        if (r->alive && !r->busy && m->zones[r->zidx].alive && !m->zones[r->zidx].busy)
            return (long)i;
    }
    return -1;
}

static long pick_zone(model_t *m, bool idle)
{
    size_t tries;

    for (tries = 0; tries < 64 && m->nzones > 0; tries++) {
        size_t i = model_rand(m) % m->nzones;
        /* a record may be created while its zone changes, never while it
         * is deleted: the provider refuses it, or worse, keeps it */
        if (m->zones[i].alive && !m->zones[i].deleting && (!idle || !m->zones[i].busy))
            return (long)i;
    }
    return -1;
}

/* ---- the operations of a phase's mix ------------------------------------------- */

op_t *model_zone_create_op(model_t *m, const char *name)
{
    op_t *op = model_op_new(m, OP_ZONE_CREATE);

    if (op == NULL)
        return NULL;
    op->zone = model_zone_add(m, name, &m->sc->targets[0]);
    if (op->zone == SIZE_MAX) {
        /* unmade: an operation never queued would never be freed, and
         * first_live would stop at it (no retired slot reused again) */
        op_unmake(m, op);
        return NULL;
    }
    m->zones[op->zone].busy = true;
    op->name = strdup(name);
    op->type = RDATA_T_SOA;
    return op;
}

static op_t *zone_op(model_t *m, const scen_phase_t *ph, op_kind_t k)
{
    char name[600];
    long zi;

    if (k == OP_ZONE_CREATE) {
        snprintf(name, sizeof(name), "d%04llx-%s-%zu.%s",
                 (unsigned long long)(m->sc->seed & 0xffff), ph->name, m->zones_made + 1,
                 ph->zone_suffix);
        op_t *op = model_zone_create_op(m, name);
        if (op != NULL && op->zone != SIZE_MAX)
            m->zones[op->zone].mix = true;
        return op;
    }
    zi = pick_zone(m, true);
    if (zi < 0 || (k == OP_ZONE_DELETE &&
                   (m->zones[zi].existing || model_zone_recs_busy(m, (size_t)zi))))
        return NULL;
    return model_zone_op(m, k, (size_t)zi);
}

op_t *model_zone_op(model_t *m, op_kind_t k, size_t zi)
{
    op_t *op = model_op_new(m, k);

    if (op == NULL)
        return NULL;
    op->zone = zi;
    m->zones[zi].busy = true;
    m->zones[zi].deleting = k == OP_ZONE_DELETE;
    op->name = strdup(m->zones[zi].name);
    op->type = k == OP_ZONE_UPDATE ? RDATA_T_TXT : RDATA_T_SOA;
    if (k == OP_ZONE_UPDATE)
        op->value = model_gen_value(m, RDATA_T_TXT, op->id);
    return op;
}

static op_t *record_create(model_t *m, const scen_phase_t *ph)
{
    char name[600];
    long zi = pick_zone(m, false);
    op_t *op;

    if (zi < 0)
        return NULL;
    op = model_op_new(m, OP_RECORD_CREATE);
    if (op == NULL)
        return NULL;
    op->zone = (size_t)zi;
    op->type = ph->types[model_rand(m) % ph->ntypes];
    snprintf(name, sizeof(name), "r%llu.%s", (unsigned long long)op->id,
             m->zones[zi].name);
    op->name = strdup(name);
    op->value = model_gen_value(m, op->type, op->id);
    op->rec = model_rec_add(m, op->zone, name, op->type, op->value);
    if (op->rec >= 0) {
        m->recs[op->rec].busy = true;
        m->recs[op->rec].mix = true;
    }
    return op;
}

op_t *model_make_op(model_t *m, const scen_phase_t *ph, op_kind_t k)
{
    op_t *op;
    long ri;

    switch (k) {
    case OP_ZONE_CREATE:
    case OP_ZONE_UPDATE:
    case OP_ZONE_DELETE:
        return zone_op(m, ph, k);
    case OP_RECORD_CREATE:
        return record_create(m, ph);
    case OP_RECORD_UPDATE:
    case OP_RECORD_DELETE:
        ri = pick_rec(m);
        if (ri < 0)
            return NULL;
        op = model_op_new(m, k);
        if (op == NULL)
            return NULL;
        op->rec = ri;
        m->recs[ri].busy = true;
        op->zone = m->recs[ri].zidx;
        op->name = strdup(m->recs[ri].name);
        op->type = m->recs[ri].type;
        if (k == OP_RECORD_UPDATE)
            op->value = model_gen_value(m, op->type, op->id);
        return op;
    default:
        return NULL;
    }
}

op_t *model_record_op(model_t *m, size_t zi, const char *name, uint16_t type,
                      const char *text)
{
    op_t *op = model_op_new(m, OP_RECORD_CREATE);

    if (op == NULL)
        return NULL;
    op->zone = zi;
    op->type = type;
    op->name = strdup(name);
    if (rdata_from_text(type, text, &op->value) < 0)
        op->value = strdup(text);
    op->rec = model_rec_add(m, zi, name, type, op->value);
    if (op->rec >= 0)
        m->recs[op->rec].busy = true;
    return op;
}

/* ---- retirement ------------------------------------------------------------------ */

/* The journal, made on first use (a temporary file, gone with the
 * process); NULL when it cannot be: nothing is retired then. */
static FILE *journal(model_t *m)
{
    if (m->journal == NULL)
        m->journal = tmpfile();
    return m->journal;
}

/* Record ri is gone for good (deleted, never made, or in a deleted zone)
 * and idle: written down as ABSENT, its slot free. */
static void rec_retire(model_t *m, size_t ri)
{
    rec_t *r = &m->recs[ri];
    FILE *f = journal(m);
    size_t *slot;
    char tb[16];

    if (f == NULL ||
        (slot = VEC_PUSH(m->free_recs, m->nfree_recs, m->capfree_recs)) == NULL)
        return;
    if (fprintf(f, "R\t%s\t%s\t%s\n", r->name, r->zone, rdata_type_to_str(r->type, tb)) <
        0) {
        m->nfree_recs--;
        return;
    }
    *slot = ri;
    m->nretired++;
    rec_unindex(m, ri);
    free(r->name);
    free(r->value);
    memset(r, 0, sizeof(*r));
}

/* Zone zi, a mix's, deleted (or never made) and idle, with its records:
 * written down; its slot waits for model_collect. A zone holding a
 * record made otherwise (a table's) stays. */
static void zone_retire(model_t *m, size_t zi)
{
    zone_t *z = &m->zones[zi];
    struct model_limbo *l;
    bool kept = false;
    size_t i;

    if (!z->mix || z->alive || z->busy || z->existing || z->retired || journal(m) == NULL)
        return;
    for (i = 0; i < m->nrecs; i++) {
        const rec_t *r = &m->recs[i];
        if (r->name != NULL && r->zidx == zi && (!r->mix || r->busy))
            return;
    }
    l = VEC_PUSH(m->zlimbo, m->nzlimbo, m->capzlimbo);
    if (l == NULL)
        return;
    for (i = 0; i < m->nrecs; i++) {
        if (m->recs[i].name != NULL && m->recs[i].zidx == zi) {
            rec_retire(m, i);
            kept |= m->recs[i].name != NULL; /* (a retired one's slot is cleared) */
        }
    }
    if (kept) {
        m->nzlimbo--; /* (no memory to write one down: the zone stays) */
        return;
    }
    if (fprintf(m->journal, "Z\t%s\n", z->name) < 0) {
        m->nzlimbo--;
        return;
    }
    m->nretired++;
    m->retired_tmask |= z->tmask;
    z->retired = true;
    l->zone = zi;
    l->below = m->nops + 1;
}

void model_collect(model_t *m)
{
    size_t i = 0;

    while (i < m->nzlimbo) {
        struct model_limbo *l = &m->zlimbo[i];
        size_t *slot;
        if (m->first_live < l->below ||
            (slot = VEC_PUSH(m->free_zones, m->nfree_zones, m->capfree_zones)) == NULL) {
            i++;
            continue;
        }
        *slot = l->zone;
        free(m->zones[l->zone].name);
        m->zones[l->zone].name = NULL;
        *l = m->zlimbo[--m->nzlimbo];
    }
}

/* ---- what the changes did ------------------------------------------------------ */

op_t *model_op_sibling(model_t *m, const op_t *op, const target_conf_t *t)
{
    op_t *s = model_op_new(m, op->kind);
    size_t i;

    if (s == NULL)
        return NULL;
    s->change = op->change;
    s->zone = op->zone;
    s->zname = op->zname;
    s->target = t;
    s->rec = op->rec;
    s->name = op->name != NULL ? strdup(op->name) : NULL;
    s->type = op->type;
    s->value = op->value != NULL ? strdup(op->value) : NULL;
    if (op->vals != NULL) {
        s->vals = calloc(op->nvals, sizeof(*s->vals));
        for (i = 0; s->vals != NULL && i < op->nvals; i++)
            s->vals[i] = strdup(op->vals[i]);
        s->nvals = s->vals != NULL ? op->nvals : 0;
    }
    s->ttl = op->ttl;
    s->ttl_set = op->ttl_set;
    s->due = op->due;
    s->phase = op->phase;
    s->rate = op->rate;
    s->measure = op->measure;
    s->cut = op->cut != NULL ? strdup(op->cut) : NULL;
    if (op->rec >= 0)
        m->recs[op->rec].busy++;
    else
        m->zones[op->zone].busy++;
    return s;
}

void model_op_release(model_t *m, op_t *op)
{
    if (op->rec >= 0) {
        rec_t *r = &m->recs[op->rec];
        if (r->busy > 0)
            r->busy--;
        if (r->busy == 0 && r->mix && (!r->alive || !m->zones[r->zidx].alive))
            rec_retire(m, (size_t)op->rec);
    } else {
        zone_t *z = &m->zones[op->zone];
        if (z->busy > 0)
            z->busy--;
        if (z->busy == 0) {
            z->deleting = false; /* deleted, or its delete failed */
            zone_retire(m, op->zone);
        }
    }
}

void model_op_applied(model_t *m, op_t *op, int ret, bool created)
{
    op->applied = true;
    op->failed = ret < 0;
    if (created)
        m->zones[op->zone].alive = true; /* exists, even if its serial could not be read:
                                          * cleanup must delete it */
    if (ret < 0) {
        model_op_release(m, op); /* else when its polls are done */
        return;
    }
    if (op->kind == OP_ZONE_CREATE) {
        m->zones[op->zone].alive = true;
    } else if (op->kind == OP_ZONE_DELETE) {
        m->zones[op->zone].alive = false;
    } else if (op->kind == OP_RECORD_CREATE && op->rec >= 0) {
        m->recs[op->rec].alive = true;
    } else if (op->kind == OP_RECORD_DELETE) {
        m->recs[op->rec].alive = false;
    } else if (op->kind == OP_RECORD_UPDATE) {
        free(m->recs[op->rec].value);
        m->recs[op->rec].value = strdup(op->value);
    }
}

/* The entries of the journal not made again since (seen: the live ones'
 * keys), appended to zones and recs. */
static int intended_retired(const model_t *m, json_t *seen, json_t *zones, json_t *recs)
{
    char *line = NULL;
    size_t cap = 0;
    ssize_t n;
    bool bad = false;
    int ret = 0;

    if (m->journal == NULL || m->nretired == 0)
        return 0;
    if (fflush(m->journal) != 0 || fseek(m->journal, 0, SEEK_SET) != 0)
        return -errno;
    while (ret == 0 && (n = getline(&line, &cap, m->journal)) > 0) {
        char *f[4] = {NULL};
        char *save = NULL;
        size_t k = 0;
        line[n - 1] = line[n - 1] == '\n' ? '\0' : line[n - 1];
        for (char *t = strtok_r(line, "\t", &save); t != NULL && k < 4;
             t = strtok_r(NULL, "\t", &save))
            f[k++] = t;
        json_t *e = NULL;
        json_t *to = zones;
        if (k == 2 && f[0][0] == 'Z' && json_object_get(seen, f[1]) == NULL) {
            e = json_pack("{s:s, s:s}", "zone", f[1], "presence", "ABSENT");
        } else if (k == 4 && f[0][0] == 'R') {
            char key[2 * RDATA_NAME_TEXT_MAX + 32];
            snprintf(key, sizeof(key), "%s\t%s", f[1], f[3]);
            if (json_object_get(seen, key) != NULL)
                continue;
            e = json_pack("{s:s, s:s, s:s, s:s}", "name", f[1], "zone", f[2], "type",
                          f[3], "presence", "ABSENT");
            to = recs;
        } else {
            continue;
        }
        if (e == NULL)
            bad = true; /* a line JSON cannot hold (not UTF-8): that one unread */
        else if (json_array_append_new(to, e) < 0)
            ret = -ENOMEM;
    }
    free(line);
    if (ret == 0 && ferror(m->journal))
        ret = -EIO;
    else if (ret == 0 && bad)
        ret = -EILSEQ;
    clearerr(m->journal);           /* (the next reader starts afresh) */
    fseek(m->journal, 0, SEEK_END); /* (more may be written after) */
    return ret;
}

/* Every target a zone of the campaign was made on: each provider's
 * nameservers are assessed against the intended state (assess_live.h). */
static json_t *intended_targets(const model_t *m)
{
    json_t *tn = json_array();
    uint64_t mask = m->retired_tmask;
    size_t i;

    for (i = 0; i < m->nzones; i++)
        mask |= m->zones[i].tmask;
    for (i = 0; tn != NULL && i < m->sc->ntargets && i < 64; i++) {
        if (mask & (UINT64_C(1) << i))
            json_array_append_new(tn, json_string(m->sc->targets[i].name));
    }
    return tn;
}

json_t *model_intended_state(const model_t *m)
{
    json_t *o = json_object();
    json_t *zones = json_array();
    json_t *recs = json_array();
    json_t *seen = json_object(); /* the live ones, by name (and type) */
    size_t i;
    int ret;
    char tb[16];
    char key[2 * RDATA_NAME_TEXT_MAX + 32];

    if (o == NULL || zones == NULL || recs == NULL || seen == NULL)
        goto fail;
    for (i = 0; i < m->nzones; i++) {
        const zone_t *z = &m->zones[i];
        if (z->name == NULL || z->retired)
            continue;
        json_array_append_new(zones, json_pack("{s:s, s:s}", "zone", z->name, "presence",
                                               z->alive ? "PRESENT" : "ABSENT"));
        json_object_set_new(seen, z->name, json_true());
    }
    for (i = 0; i < m->nrecs; i++) {
        const rec_t *r = &m->recs[i];
        if (r->name == NULL)
            continue;
        json_t *e = json_pack("{s:s, s:s, s:s, s:s}", "name", r->name, "zone", r->zone,
                              "type", rdata_type_to_str(r->type, tb), "presence",
                              r->alive && m->zones[r->zidx].alive ? "PRESENT" : "ABSENT");
        if (r->alive && r->value != NULL)
            json_object_set_new(e, "values", json_pack("[s]", r->value));
        json_array_append_new(recs, e);
        snprintf(key, sizeof(key), "%s\t%s", r->name, tb);
        json_object_set_new(seen, key, json_true());
    }
    ret = intended_retired(m, seen, zones, recs);
    if (ret == -ENOMEM)
        goto fail;
    /* the journal unread (a disk that failed under it): the rest is still
     * worth assessing, the retired ones' absence is not checked */
    if (ret < 0)
        json_object_set_new(o, "incomplete",
                            json_sprintf("the journal of retired zones and records "
                                         "could not be read back (%s): their absence "
                                         "is not assessed",
                                         strerror(-ret)));
    json_decref(seen);
    json_object_set_new(o, "zones", zones);
    json_object_set_new(o, "records", recs);
    json_object_set_new(o, "targets", intended_targets(m));
    return o;
fail:
    json_decref(o);
    json_decref(zones);
    json_decref(recs);
    json_decref(seen);
    return NULL;
}
