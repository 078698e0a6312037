/*
 * Unit tests for the driver's pieces that need no threads or servers: the
 * operation and zone model (harness/driver/model.h: reproducible values,
 * one change at a time per name, operations by id across pages, the
 * intended state) and the open-loop schedule (harness/driver/schedule.h:
 * rates, ramps, the end of a phase, monotonic sleeping).
 */
#include <criterion/criterion.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "harness/common/vec.h"
#include "harness/driver/drv_int.h"
#include "harness/driver/model.h"
#include "harness/driver/polls.h"
#include "harness/driver/sampler.h"
#include "harness/driver/schedule.h"
#include "probes/dnssec.h"
#include "probes/rdata.h"

static target_conf_t g_target;
static scen_phase_t g_phase;
static char g_pname[] = "p";
static char g_suffix[] = "example.test.";
static scenario_t g_sc;

static void setup(void)
{
    memset(&g_sc, 0, sizeof(g_sc));
    memset(&g_phase, 0, sizeof(g_phase));
    g_sc.seed = 42;
    g_sc.targets = &g_target;
    g_sc.ntargets = 1;
    g_phase.name = g_pname;
    g_phase.zone_suffix = g_suffix;
    g_phase.types[0] = RDATA_T_A;
    g_phase.ntypes = 1;
}

TestSuite(driver_model, .init = setup);

Test(driver_model, values_are_reproducible_from_the_seed)
{
    model_t a;
    model_t b;

    cr_assert_eq(model_init(&a, &g_sc), 0);
    cr_assert_eq(model_init(&b, &g_sc), 0);
    for (uint64_t n = 1; n < 50; n++) {
        char *x = model_gen_value(&a, RDATA_T_TXT, n);
        char *y = model_gen_value(&b, RDATA_T_TXT, n);
        cr_assert_not_null(x);
        cr_assert_str_eq(x, y);
        free(x);
        free(y);
    }
    model_clear(&a);
    model_clear(&b);
}

Test(driver_model, a_zone_takes_one_change_at_a_time)
{
    model_t m;
    op_t *create;
    op_t *upd;

    cr_assert_eq(model_init(&m, &g_sc), 0);
    create = model_make_op(&m, &g_phase, OP_ZONE_CREATE);
    cr_assert_not_null(create);
    cr_assert_str_eq(create->name, "d002a-p-1.example.test.");
    cr_assert_eq(create->id, 1);
    cr_assert(m.zones[create->zone].busy);
    /* not alive yet: nothing to update or to put records in */
    cr_assert_null(model_make_op(&m, &g_phase, OP_ZONE_UPDATE));
    cr_assert_null(model_make_op(&m, &g_phase, OP_RECORD_CREATE));
    model_op_applied(&m, create, 0, true);
    cr_assert(m.zones[create->zone].alive);
    /* alive but still propagating: busy */
    cr_assert_null(model_make_op(&m, &g_phase, OP_ZONE_UPDATE));
    model_op_release(&m, create);
    upd = model_make_op(&m, &g_phase, OP_ZONE_UPDATE);
    cr_assert_not_null(upd);
    cr_assert_eq(upd->type, RDATA_T_TXT);
    cr_assert_not_null(upd->value);
    cr_assert(model_busy(&m));
    model_op_applied(&m, upd, -1, false); /* failed: released at once */
    cr_assert_not(model_busy(&m));
    model_clear(&m);
}

/* A record may go into a zone while the zone changes, never while it is
 * deleted (Designate answered such creates with a missing ${zone_id} once
 * the delete had dropped the zone's captures). */
Test(driver_model, no_record_into_a_zone_being_deleted)
{
    model_t m;
    op_t *create;
    op_t *del;
    op_t *rec;

    cr_assert_eq(model_init(&m, &g_sc), 0);
    create = model_make_op(&m, &g_phase, OP_ZONE_CREATE);
    cr_assert_not_null(create);
    model_op_applied(&m, create, 0, true);
    model_op_release(&m, create);
    del = model_make_op(&m, &g_phase, OP_ZONE_DELETE);
    cr_assert_not_null(del);
    cr_assert_null(model_make_op(&m, &g_phase, OP_RECORD_CREATE));
    /* the delete failed: the zone takes records again */
    model_op_applied(&m, del, -1, false);
    rec = model_make_op(&m, &g_phase, OP_RECORD_CREATE);
    cr_assert_not_null(rec);
    model_clear(&m);
}

/* A change to a zone on two targets is two operations (model_op_sibling):
 * the record takes no next change until both are done, and a failed one
 * releases only itself. */
Test(driver_model, a_change_on_two_targets_holds_the_record_until_both_are_done)
{
    target_conf_t two[2];
    model_t m;
    op_t *create;
    op_t *rec;
    op_t *sib;
    long ri;

    memset(two, 0, sizeof(two));
    g_sc.targets = two;
    g_sc.ntargets = 2;
    cr_assert_eq(model_init(&m, &g_sc), 0);
    m.cur_tmask = 3;
    create = model_make_op(&m, &g_phase, OP_ZONE_CREATE);
    cr_assert_not_null(create);
    cr_assert_eq(m.zones[create->zone].tmask, 3);
    cr_assert_eq(m.zones[create->zone].target, &two[0]);
    model_op_applied(&m, create, 0, true);
    model_op_release(&m, create);
    rec = model_make_op(&m, &g_phase, OP_RECORD_CREATE);
    cr_assert_not_null(rec);
    rec->target = &two[0];
    sib = model_op_sibling(&m, rec, &two[1]);
    cr_assert_not_null(sib);
    cr_assert_eq(sib->change, rec->id);
    cr_assert_eq(sib->id, rec->id + 1);
    cr_assert_eq(sib->target, &two[1]);
    cr_assert_str_eq(sib->name, rec->name);
    cr_assert_str_eq(sib->value, rec->value);
    ri = rec->rec;
    cr_assert_eq(m.recs[ri].busy, 2);
    model_op_applied(&m, rec, 0, false);
    model_op_release(&m, rec);
    cr_assert(model_busy(&m));            /* the other target has not seen it yet */
    model_op_applied(&m, sib, -1, false); /* refused there: released */
    cr_assert_not(model_busy(&m));
    cr_assert(m.recs[ri].alive);
    model_clear(&m);
}

Test(driver_model, records_and_the_intended_state)
{
    model_t m;
    op_t *z;
    op_t *r;
    json_t *st;
    json_t *rec;

    cr_assert_eq(model_init(&m, &g_sc), 0);
    z = model_zone_create_op(&m, "z.test.");
    model_op_applied(&m, z, 0, true);
    model_op_release(&m, z);
    r = model_record_op(&m, z->zone, "www.z.test.", RDATA_T_A, "192.0.2.1");
    cr_assert_not_null(r);
    cr_assert(model_zone_recs_busy(&m, z->zone));
    model_op_applied(&m, r, 0, false);
    model_op_release(&m, r);
    cr_assert_not(model_zone_recs_busy(&m, z->zone));
    cr_assert_eq(model_find_rec(&m, "www.z.test.", RDATA_T_A), r->rec);
    cr_assert_eq(model_find_zone(&m, "z.test."), (long)z->zone);
    st = model_intended_state(&m);
    cr_assert_eq(json_array_size(json_object_get(st, "zones")), 1);
    rec = json_array_get(json_object_get(st, "records"), 0);
    cr_assert_str_eq(json_string_value(json_object_get(rec, "presence")), "PRESENT");
    cr_assert_str_eq(json_string_value(json_array_get(json_object_get(rec, "values"), 0)),
                     "192.0.2.1");
    cr_assert_null(json_object_get(st, "incomplete"));
    json_decref(st);
    /* a journal that cannot be read back (a write-only stream stands in
     * for a failed disk): the live part still, and "incomplete" says why */
    m.journal = fopen("/dev/null", "w");
    m.nretired = 1;
    st = model_intended_state(&m);
    cr_assert_not_null(st);
    cr_assert_eq(json_array_size(json_object_get(st, "zones")), 1);
    cr_assert_eq(json_array_size(json_object_get(st, "records")), 1);
    cr_assert_not_null(strstr(json_string_value(json_object_get(st, "incomplete")),
                              "could not be read back"));
    json_decref(st);
    model_clear(&m);
}

/* A journal line JSON cannot hold (not UTF-8) is that line unread: the
 * others still come back, "incomplete" says so, and the next read (the
 * end reads it twice) finds the same. */
Test(driver_model, a_bad_journal_line_is_that_line_alone)
{
    model_t m;

    cr_assert_eq(model_init(&m, &g_sc), 0);
    m.journal = tmpfile();
    cr_assert_not_null(m.journal);
    fputs("Z\tgood.test.\nZ\tbad\xff.test.\nR\twww.good.test.\tgood.test.\tA\n",
          m.journal);
    m.nretired = 3;
    for (int pass = 0; pass < 2; pass++) {
        json_t *st = model_intended_state(&m);
        json_t *z = json_array_get(json_object_get(st, "zones"), 0);
        cr_assert_not_null(st);
        cr_assert_eq(json_array_size(json_object_get(st, "zones")), 1, "pass %d", pass);
        cr_assert_str_eq(json_string_value(json_object_get(z, "zone")), "good.test.");
        cr_assert_eq(json_array_size(json_object_get(st, "records")), 1);
        cr_assert_not_null(json_object_get(st, "incomplete"), "pass %d", pass);
        json_decref(st);
    }
    model_clear(&m);
}

/* One step of a steady mix (under test: no polls, each change applied
 * and released at once, its operation freed): zones come and go, records
 * are made, updated and deleted. */
static void churn_step(model_t *m, unsigned i)
{
    static const op_kind_t kinds[] = {OP_RECORD_CREATE, OP_RECORD_CREATE,
                                      OP_RECORD_UPDATE, OP_RECORD_DELETE,
                                      OP_RECORD_CREATE, OP_RECORD_DELETE};
    /* four zones at first, then one made and one deleted every 64 */
    op_kind_t k = i < 4 || i % 64 == 0 ? OP_ZONE_CREATE
                  : i % 64 == 63       ? OP_ZONE_DELETE
                                       : kinds[i % 6];
    op_t *op = model_make_op(m, &g_phase, k);

    if (op == NULL)
        return;
    /* every 50th record create fails: a record never made is retired too */
    model_op_applied(m, op, (op->kind == OP_RECORD_CREATE && op->id % 50 == 0) ? -1 : 0,
                     op->kind == OP_ZONE_CREATE);
    if (op->applied && !op->failed)
        model_op_release(m, op);
    model_op_free(m, op->id);
    m->first_live = m->nops + 1; /* every one freed (polls_retire's job) */
    model_collect(m);
}

/* A campaign of any length holds what is there or still changing: a
 * mix's deleted records and zones are written down and their slots
 * reused, and the intended state still names every one of them. */
Test(driver_model, a_steady_mix_holds_what_is_there_not_what_it_ever_made)
{
    model_t m;
    json_t *st;
    size_t nzones_at = 0, nrecs_at = 0, zabs = 0, rabs = 0, rpres = 0;
    size_t made_zones, made_recs = 0;
    json_t *seen = json_object();

    cr_assert_eq(model_init(&m, &g_sc), 0);
    for (unsigned i = 0; i < 200000; i++) {
        churn_step(&m, i);
        if (i == 20000) {
            nzones_at = m.nzones;
            nrecs_at = m.nrecs;
        }
    }
    made_zones = m.zones_made;
    cr_assert_gt(made_zones, 1000, "zones made: %zu", made_zones);
    cr_assert_gt(m.nretired, 10000, "retired: %llu", (unsigned long long)m.nretired);
    /* the tables grow with what is there at once, not with time */
    cr_assert_leq(m.nzones, nzones_at * 2 + 64, "zones %zu (%zu at 1/10)", m.nzones,
                  nzones_at);
    cr_assert_leq(m.nrecs, nrecs_at * 2 + 64, "records %zu (%zu at 1/10)", m.nrecs,
                  nrecs_at);
    st = model_intended_state(&m);
    cr_assert_not_null(st);
    json_t *zs = json_object_get(st, "zones");
    json_t *rs = json_object_get(st, "records");
    for (size_t k = 0; k < json_array_size(zs); k++) {
        json_t *e = json_array_get(zs, k);
        const char *name = json_string_value(json_object_get(e, "zone"));
        cr_assert_null(json_object_get(seen, name), "zone %s twice", name);
        json_object_set_new(seen, name, json_true());
        zabs += strcmp(json_string_value(json_object_get(e, "presence")), "ABSENT") == 0;
    }
    cr_assert_eq(json_array_size(zs), made_zones, "zones listed %zu of %zu",
                 json_array_size(zs), made_zones);
    for (size_t k = 0; k < json_array_size(rs); k++) {
        json_t *e = json_array_get(rs, k);
        const char *name = json_string_value(json_object_get(e, "name"));
        cr_assert_null(json_object_get(seen, name), "record %s twice", name);
        json_object_set_new(seen, name, json_true());
        if (strcmp(json_string_value(json_object_get(e, "presence")), "ABSENT") == 0)
            rabs++;
        else {
            rpres++;
            cr_assert_not_null(json_object_get(e, "values"));
        }
        made_recs++;
    }
    cr_assert_gt(zabs, 1000);
    cr_assert_gt(rabs, 10000);
    cr_assert_gt(rpres, 0);
    /* a live record is PRESENT, a retired one ABSENT; each found by its
     * name and type, a retired one not */
    for (size_t i = 0; i < m.nrecs; i++) {
        if (m.recs[i].name == NULL)
            continue;
        cr_assert_eq(model_find_rec(&m, m.recs[i].name, m.recs[i].type), (long)i);
        if (m.recs[i].alive && m.zones[m.recs[i].zidx].alive)
            cr_assert_not_null(json_object_get(seen, m.recs[i].name));
    }
    for (size_t k = 0; k < json_array_size(rs); k += 97) {
        json_t *e = json_array_get(rs, k);
        const char *name = json_string_value(json_object_get(e, "name"));
        uint16_t type = 0;
        cr_assert_eq(
            rdata_type_from_str(json_string_value(json_object_get(e, "type")), &type), 0);
        long ri = model_find_rec(&m, name, type);
        if (strcmp(json_string_value(json_object_get(e, "presence")), "ABSENT") == 0 &&
            ri < 0)
            continue; /* retired */
        cr_assert_geq(ri, 0, "%s not found", name);
        cr_assert_str_eq(m.recs[ri].name, name);
    }
    cr_assert_gt(made_recs, 10000);
    json_decref(seen);
    json_decref(st);
    model_clear(&m);
}

/* Slots are reused once retired: the newest zone of a name is found, not
 * the one in the highest slot, and what a phase holds (model_keep) is
 * never retired under it. */
Test(driver_model, retired_slots_reused_newest_found_kept_ones_stay)
{
    model_t m;
    op_t *a;
    op_t *b;
    op_t *del;
    op_t *rec;
    long zx;

    cr_assert_eq(model_init(&m, &g_sc), 0);
    /* a mix zone made and deleted: retired, its slot free once collected */
    a = model_make_op(&m, &g_phase, OP_ZONE_CREATE);
    model_op_applied(&m, a, 0, true);
    model_op_release(&m, a);
    b = model_zone_create_op(&m, "x.test."); /* a table's zone, slot 1 */
    model_op_applied(&m, b, 0, true);
    model_op_release(&m, b);
    del = model_zone_op(&m, OP_ZONE_DELETE, a->zone);
    model_op_applied(&m, del, 0, false);
    model_op_release(&m, del);
    cr_assert(m.zones[a->zone].retired);
    m.first_live = m.nops + 1;
    model_collect(&m);
    cr_assert_eq(m.nfree_zones, 1);
    /* x.test. deleted, then made again: into the free slot 0, below the
     * old one, and found all the same */
    m.zones[b->zone].alive = false;
    zx = (long)model_zone_add(&m, "x.test.", &g_target);
    cr_assert_eq(zx, (long)a->zone, "the free slot is reused");
    cr_assert_eq(model_find_zone(&m, "x.test."), zx);
    /* a mix record a phase holds is not retired when deleted */
    m.zones[zx].alive = true;
    rec = model_record_op(&m, (size_t)zx, "r.x.test.", RDATA_T_A, "192.0.2.1");
    m.recs[rec->rec].mix = true;
    model_keep(&m, -1, rec->rec);
    model_op_applied(&m, rec, -1, false); /* never made: would be retired */
    cr_assert_not_null(m.recs[rec->rec].name);
    cr_assert_eq(model_find_rec(&m, "r.x.test.", RDATA_T_A), rec->rec);
    model_clear(&m);
}

Test(driver_model, operations_are_found_by_id_across_pages)
{
    model_t m;
    size_t n = MODEL_OP_PAGE * 2 + 3;

    cr_assert_eq(model_init(&m, &g_sc), 0);
    for (size_t i = 0; i < n; i++)
        cr_assert_not_null(model_op_new(&m, OP_RECORD_UPDATE));
    cr_assert_eq(m.nops, n);
    for (uint64_t id = 1; id <= n; id += 997)
        cr_assert_eq(model_op_at(&m, id)->id, id);
    cr_assert_eq(model_op_at(&m, n)->id, n);
    cr_assert(isnan(model_op_at(&m, 1)->rate));
    model_clear(&m);
}

/* The operation table is a ring of pages: with 2 pages, a third page's
 * first operation waits until every operation of the first is freed, then
 * takes its slot; many rings later ids are still found, freed ones not. */
Test(driver_model, the_operation_table_is_a_ring)
{
    model_t m;
    uint64_t id;

    cr_assert_eq(model_init(&m, &g_sc), 0);
    m.npages = 2;
    for (id = 1; id <= 2 * MODEL_OP_PAGE; id++)
        cr_assert_not_null(model_op_new(&m, OP_RECORD_UPDATE));
    cr_assert_null(model_op_new(&m, OP_RECORD_UPDATE), "the ring is full");
    for (id = 1; id < MODEL_OP_PAGE; id++)
        model_op_free(&m, id);
    cr_assert_null(model_op_new(&m, OP_RECORD_UPDATE), "one operation still holds it");
    model_op_free(&m, MODEL_OP_PAGE);
    m.first_live = MODEL_OP_PAGE + 1;
    cr_assert_eq(model_op_new(&m, OP_RECORD_UPDATE)->id, 2 * MODEL_OP_PAGE + 1);
    cr_assert_null(model_op_at(&m, 1), "freed, its slot taken");
    cr_assert_eq(model_op_at(&m, 2 * MODEL_OP_PAGE + 1)->id, 2 * MODEL_OP_PAGE + 1);
    cr_assert_eq(model_op_at(&m, MODEL_OP_PAGE + 1)->id, MODEL_OP_PAGE + 1);
    model_op_free(&m, MODEL_OP_PAGE + 1);
    /* ten rings more, each operation freed a page after it was made */
    for (id = 2 * MODEL_OP_PAGE + 2; id <= 12 * (uint64_t)MODEL_OP_PAGE; id++) {
        op_t *op = model_op_new(&m, OP_RECORD_UPDATE);
        cr_assert_not_null(op, "operation %lu", (unsigned long)id);
        cr_assert_eq(op->id, id);
        model_op_free(&m, id - MODEL_OP_PAGE);
        m.first_live = id - MODEL_OP_PAGE + 1;
    }
    cr_assert_null(model_op_at(&m, id - MODEL_OP_PAGE - 1));
    cr_assert_eq(model_op_at(&m, id - 1)->id, id - 1);
    cr_assert_eq(model_op_at(&m, id - MODEL_OP_PAGE)->id, id - MODEL_OP_PAGE);
    model_clear(&m);
}

/* [probe] dnssec's key cache forgets a deleted zone on its target alone. */
Test(driver_model, a_deleted_zone_leaves_the_key_cache)
{
    static const target_conf_t t1, t2;
    const struct {
        const target_conf_t *t;
        const char *zone;
    } put[] = {{&t1, "a.test."}, {&t2, "a.test."}, {&t1, "b.test."}};
    drv_t d;
    dnssec_keys_t *k;

    memset(&d, 0, sizeof(d));
    pthread_mutex_init(&d.zk_mu, NULL);
    for (size_t i = 0; i < 3; i++) {
        cr_assert_eq(dnssec_keys_none(put[i].zone, "test", &k), 0);
        cr_assert_eq(polls_zkeys_put(&d, put[i].t, put[i].zone, k), 0);
        dnssec_keys_unref(k);
    }
    polls_zkeys_drop(&d, &t1, "a.test.");
    cr_assert_eq(d.nzkeys, 2);
    cr_assert_null(polls_zkeys_get(&d, &t1, "a.test."));
    for (size_t i = 0; i < d.nzkeys; i++)
        cr_assert(!(d.zkeys[i].target == &t1 && strcmp(d.zkeys[i].zone, "a.test.") == 0));
    polls_zkeys_drop(&d, &t1, "c.test."); /* not there: nothing */
    polls_zkeys_drop(&d, &t2, "a.test.");
    cr_assert_eq(d.nzkeys, 1);
    cr_assert_str_eq(d.zkeys[0].zone, "b.test.");
    k = polls_zkeys_get(&d, &t1, "b.test.");
    cr_assert_not_null(k);
    dnssec_keys_unref(k);
    polls_zkeys_drop(&d, &t1, "b.test.");
    cr_assert_eq(d.nzkeys, 0);
    free(d.zkeys);
    free(d.zk_buckets);
    pthread_mutex_destroy(&d.zk_mu);
}

/* Thousands of signed zones: the cache is hashed, grows, and finds each
 * zone on its own target after others were dropped (entries move into
 * the holes they leave). */
Test(driver_model, the_key_cache_at_thousands_of_zones)
{
    static const target_conf_t t1, t2;
    const target_conf_t *ts[2] = {&t1, &t2};
    dnssec_keys_t *none;
    dnssec_keys_t *k;
    char zone[64];
    drv_t d;
    size_t n = 0;

    memset(&d, 0, sizeof(d));
    pthread_mutex_init(&d.zk_mu, NULL);
    cr_assert_eq(dnssec_keys_none("x.", "test", &none), 0);
    for (int i = 0; i < 3000; i++) {
        snprintf(zone, sizeof(zone), "z%d.test.", i);
        cr_assert_eq(polls_zkeys_put(&d, ts[i % 2], zone, none), 0);
    }
    cr_assert_eq(d.nzkeys, 3000);
    cr_assert_geq(d.zk_nbuckets, 3000);
    for (int i = 0; i < 3000; i += 3) {
        snprintf(zone, sizeof(zone), "z%d.test.", i);
        polls_zkeys_drop(&d, ts[(i + 1) % 2], zone); /* the other target's: none */
        polls_zkeys_drop(&d, ts[i % 2], zone);
    }
    cr_assert_eq(d.nzkeys, 2000);
    for (int i = 0; i < 3000; i++) {
        snprintf(zone, sizeof(zone), "z%d.test.", i);
        k = polls_zkeys_get(&d, ts[i % 2], zone);
        cr_assert_eq(k != NULL, i % 3 != 0, "%s", zone);
        cr_assert_null(polls_zkeys_get(&d, ts[(i + 1) % 2], zone), "%s", zone);
        n += k != NULL;
        dnssec_keys_unref(k);
    }
    cr_assert_eq(n, 2000);
    while (d.nzkeys > 0) {
        struct drv_zkeys *z = &d.zkeys[d.nzkeys / 2];
        snprintf(zone, sizeof(zone), "%s", z->zone);
        polls_zkeys_drop(&d, z->target, zone);
    }
    dnssec_keys_unref(none);
    free(d.zkeys);
    free(d.zk_buckets);
    pthread_mutex_destroy(&d.zk_mu);
}

Test(driver_schedule, ramps_and_the_end_of_a_phase)
{
    scen_phase_t ph;
    sched_t s;

    memset(&ph, 0, sizeof(ph));
    ph.rate_from = 10;
    ph.rate_to = 30;
    ph.count = 4;
    cr_assert_float_eq(sched_phase_rate(&ph, 0), 10, 1e-9);
    cr_assert_float_eq(sched_phase_rate(&ph, 0.5), 20, 1e-9);
    cr_assert_float_eq(sched_phase_rate(&ph, 2), 30, 1e-9); /* held past the end */
    sched_start(&s);
    for (int i = 0; i < 4; i++) {
        cr_assert_not(sched_over(&s, &ph));
        cr_assert_float_eq(sched_frac(&s, &ph), i / 4.0, 1e-9);
        sched_next(&s, 10);
    }
    cr_assert(sched_over(&s, &ph));
    /* open loop: due times are fixed by the rate, not by when we got there */
    cr_assert_float_eq(s.due - s.t0, 0.4, 1e-9);
}

Test(driver_schedule, sleeps_on_the_monotonic_clock)
{
    double t0 = sched_now();

    sched_sleep_until(t0 + 0.05);
    cr_assert_geq(sched_now() - t0, 0.05);
    sched_sleep_until(t0 - 10); /* past: at once */
    cr_assert_lt(sched_now() - t0, 1.0);
}

/* The timeline (harness/driver/sampler.h): a week of samples in a fixed
 * table, the rows kept exact and evenly spaced, the last one always. */
Test(driver_model, timeline_is_bounded_and_exact)
{
    sampler_t s;
    uint64_t n = 7 * 86400; /* a week of one-second samples */
    double v[SAMPLER_COLS] = {0};

    memset(&s, 0, sizeof(s));
    cr_assert_eq(sampler_rows_init(&s), 0);
    for (uint64_t i = 0; i < n; i++) {
        v[0] = (double)i;
        v[1] = (double)(3 * i); /* a cumulative counter */
        sampler_keep(&s, v, i + 1 == n);
        cr_assert_leq(s.nrows, SAMPLER_ROWS);
    }
    cr_assert_geq(s.nrows, SAMPLER_ROWS / 2);
    cr_assert_eq(s.stride, 512, "stride %lu", (unsigned long)s.stride);
    for (size_t r = 0; r + 1 < s.nrows; r++) {
        cr_assert_eq(s.rows[r][0], (double)(r * s.stride), "row %zu", r);
        cr_assert_eq(s.rows[r][1], 3 * s.rows[r][0]);
    }
    cr_assert_eq(s.rows[s.nrows - 1][0], (double)(n - 1), "the end's row is kept");
    free(s.rows);
}

Test(driver_model, timeline_short_keeps_every_sample)
{
    sampler_t s;
    double v[SAMPLER_COLS] = {0};

    memset(&s, 0, sizeof(s));
    cr_assert_eq(sampler_rows_init(&s), 0);
    for (int i = 0; i < 100; i++) {
        v[0] = i;
        sampler_keep(&s, v, i == 99);
    }
    cr_assert_eq(s.nrows, 100);
    cr_assert_eq(s.stride, 1);
    free(s.rows);
}
