/*
 * The compact stored record (storage/record.h): every JSON result the
 * store is given comes back equal, field for field, whatever its values;
 * the compact form is a fraction of the JSON; damaged text is refused, not
 * misread.
 */
#include <criterion/criterion.h>
#include <math.h>
#include <string.h>

#include "harness/common/errcode.h"
#include "plot/dataset.h"
#include "storage/record.h"

static json_t *round_trip(const char *json, size_t *clen)
{
    json_error_t je;
    json_t *o = json_loads(json, 0, &je);
    buf_t b = {0};
    json_t *back;

    cr_assert_not_null(o, "%s: %s", json, je.text);
    cr_assert_eq(record_encode(o, false, &b), 0);
    cr_assert(record_is_compact(b.p, b.len));
    cr_assert_null(memchr(b.p, '\n', b.len), "one line");
    back = record_text_to_json(b.p, b.len,
                               json_string_value(json_object_get(o, "campaign")));
    cr_assert_not_null(back, "decodes: %s", b.p);
    if (!json_equal(o, back)) {
        char *x = json_dumps(back, JSON_COMPACT | JSON_SORT_KEYS);
        char *y = json_dumps(o, JSON_COMPACT | JSON_SORT_KEYS);
        cr_assert_fail("round trip differs:\n got  %s\n want %s\n via  %s", x, y, b.p);
    }
    if (clen != NULL)
        *clen = b.len;
    json_decref(back);
    buf_free(&b);
    return o;
}

#define PROBE_REC                                                                        \
    "{\"id\":\"r12\",\"status\":\"COMPLETED\",\"nameserver\":\"127.0.0.1:5300\","        \
    "\"name\":\"i12.bench.test.\",\"type\":\"A\",\"condition\":\"value_present\","       \
    "\"start_time\":1764850000.123456,\"observed_at\":1764850000.223456,"                \
    "\"duration\":0.1,\"lower_bound\":0.05,\"queries\":2,\"answers\":2,"                 \
    "\"rcode\":\"NOERROR\",\"reason\":\"\",\"serial\":null,\"values\":[\"192.0.2.1\"],"  \
    "\"empty\":null,\"op_kind\":\"probe\",\"op_id\":\"r12\",\"ns_name\":\"127.0.0.1:"    \
    "5300\","                                                                            \
    "\"vantage\":\"host1\",\"frequency\":0.5,\"timeout\":60.0,"                          \
    "\"expected\":[\"192.0.2.1\"],\"campaign\":\"probe-20261204T000000Z\",\"seq\":12}"

Test(record, probe_result_round_trips_and_is_small)
{
    size_t clen = 0;
    json_t *o = round_trip(PROBE_REC, &clen);

    /* the JSON is about 560 bytes; the record must be well under half */
    cr_assert_lt(clen, strlen(PROBE_REC) / 2, "compact: %zu of %zu", clen,
                 strlen(PROBE_REC));
    json_decref(o);
}

Test(record, driver_result_with_odd_values_round_trips)
{
    const char *recs[] = {
        /* a driver result: integer op_id, nulls, the claim, a zone cut */
        "{\"id\":null,\"status\":\"TIMEOUT\",\"nameserver\":\"[::1]:53\",\"name\":\"a.b."
        "\","
        "\"type\":\"SOA\",\"condition\":\"serial_not_lower\",\"start_time\":1.5,"
        "\"observed_at\":null,\"duration\":null,\"lower_bound\":30.0,\"queries\":61,"
        "\"answers\":0,\"rcode\":null,\"reason\":\"serial 4 < 5\\tand a tab\\nnewline\","
        "\"serial\":4,\"values\":[],\"empty\":null,\"op_id\":7,\"op_kind\":\"zone_"
        "create\","
        "\"zone\":\"b.\",\"ns_name\":\"knot\",\"vantage\":\"h\",\"submit_time\":1.25,"
        "\"ack_time\":1.5,\"api_retries\":0,\"phase\":\"\",\"offered_rate\":null,"
        "\"frequency\":0.1,\"timeout\":30.0,\"expected\":5,\"claim_status\":\"in_sync\","
        "\"claimed_at\":2.0,\"measured_by\":\"referral\",\"cut\":\"c.b.\","
        "\"rrset_name\":\"x.c.b.\",\"rrset_type\":\"AAAA\",\"seq\":3}",
        /* values that look like the format's own escapes, unknown fields,
         * strings where numbers usually are and the reverse */
        "{\"seq\":1,\"id\":\"\\\\N\",\"status\":\"\\\\e\",\"nameserver\":\"\\\\=\","
        "\"name\":\"\\\\0\",\"type\":\"TYPE65534\",\"reason\":\"\\\\j{}\","
        "\"start_time\":\"soon\",\"queries\":true,\"vantage\":42,\"phase\":[1,2],"
        "\"agent\":\"a\\\\b\",\"tag\":12345,\"nested\":{\"k\":[1,\"\\t\"]},"
        "\"rcode\":\"YXDOMAIN\",\"values\":[\"v=spf1 \\\"q\\\" \\\\ \\t\"]}",
        /* a result with a query log and an empty record */
        "{\"seq\":2,\"start_time\":0.0,\"query_log\":[[0.0,0.001],[0.1,0.0012]]}",
        "{}",
    };

    for (size_t i = 0; i < sizeof(recs) / sizeof(recs[0]); i++)
        json_decref(round_trip(recs[i], NULL));
}

Test(record, damaged_records_are_refused)
{
    const char *bad[] = {
        "R1\t1\t\\9",            /* status has no 10th usual value */
        "R1\t1\t\\=",            /* id has no partner */
        "{\"not\":\"compact\"}", /* JSON is not a record */
        "R1",                    /* no magic tab */
    };
    record_t r = {0};

    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
        cr_assert_lt(record_decode(&r, bad[i], strlen(bad[i])), 0, "%s", bad[i]);
    /* more fields than the format knows, past the extras */
    {
        buf_t b = {0};
        buf_add(&b, "R1\t1", 4);
        for (int f = 1; f < RF_COUNT + 3; f++)
            buf_add(&b, "\tx", 2);
        cr_assert_lt(record_decode(&r, b.p, b.len), 0);
        buf_free(&b);
    }
    record_clear(&r);
}

Test(record, the_dataset_reads_compact_and_json_alike)
{
    json_error_t je;
    json_t *o = json_loads(PROBE_REC, 0, &je);
    buf_t b = {0};
    dataset_t a, c;

    ds_init(&a);
    ds_init(&c);
    cr_assert_eq(record_encode(o, false, &b), 0);
    cr_assert_eq(ds_add_stored(&a, b.p, b.len), 0);
    cr_assert_eq(ds_add_stored(&c, PROBE_REC, strlen(PROBE_REC)), 0);
    cr_assert_eq(a.n, 1);
    cr_assert_eq(c.n, 1);
    cr_assert_eq(a.ops[a.res[0].op].id, 12, "a probe's change is its seq");
    cr_assert_float_eq(a.res[0].start_time, c.res[0].start_time, 1e-9);
    cr_assert_float_eq(a.res[0].duration, 0.1, 1e-12);
    cr_assert_float_eq(a.res[0].lower_bound, c.res[0].lower_bound, 1e-12);
    cr_assert_eq(a.res[0].queries, 2);
    cr_assert_str_eq(a.ops[0].name, "i12.bench.test.");
    cr_assert_str_eq(a.ops[0].type, "A");
    cr_assert_str_eq(a.kinds.v[a.ops[0].kind], "probe");
    cr_assert_str_eq(a.ns[a.res[0].ns].name, "127.0.0.1:5300");
    cr_assert_str_eq(a.vantages.v[a.res[0].vantage], "host1");
    cr_assert_eq(a.res[0].status, DS_COMPLETED);
    ds_clear(&a);
    ds_clear(&c);
    buf_free(&b);
    json_decref(o);
}

/* A probe's record made straight from its result is byte for byte the one
 * made from its JSON, whatever the result holds. */
Test(record, probe_result_encoded_directly_as_from_json)
{
    static char v0[] = "192.0.2.1", v1[] = "v=spf1 \"q\" \\ \t", v2[] = "\\N", v3[] = "";
    static char *vals[] = {v0, v1, v2, v3};
    static char id[] = "r1\tx", qname[] = "www.example.test.";
    unsigned seed = 7;

    for (int i = 0; i < 2000; i++) {
        probe_result_t r;
        record_probe_t x;
        buf_t a = {0}, b = {0};
        json_t *o;
        unsigned k = (unsigned)rand_r(&seed);

        memset(&r, 0, sizeof(r));
        r.id = k % 5 == 0 ? NULL : id;
        snprintf(r.ns, sizeof(r.ns), "%s", k % 3 ? "127.0.0.1:5300" : "[::1]:53");
        r.qname = k % 7 == 0 ? NULL : qname;
        r.qtype = (uint16_t)(k % 4 == 0 ? 6 : k % 4 == 1 ? 1 : k % 4 == 2 ? 16 : 65534);
        r.cond = (cond_kind_t)(k % 3);
        r.status = (probe_status_t)(k % 4);
        snprintf(r.reason, sizeof(r.reason), "%s", k % 2 ? "" : "saw serial 4\n< 5");
        r.start_time = 1764850000.0 + (double)rand_r(&seed) / 1e6;
        r.observed_at = r.start_time + (double)(k % 1000) / 997.0;
        r.duration = r.status == PROBE_COMPLETED ? (double)(k % 1000) / 997.0 : NAN;
        r.lower_bound = (double)(k % 100) / 1000.0;
        r.queries = k % 50;
        r.answers = k % 40;
        r.rcode = (int)(k % 6) - 1;
        r.have_serial = k % 2;
        r.serial = k;
        r.values = vals;
        r.nvalues = k % 5;
        r.empty = (cond_empty_t)(k % 5);
        r.nsid_asked = k % 3 != 0;
        r.nsid = k % 2 ? "fra1" : NULL;
        r.nsid_last = k % 5 ? "ams\\2\t" : NULL;
        r.dnssec = k % 7 == 0;
        r.plain_duration = k % 2 ? (double)(k % 100) / 997.0 : NAN;
        x.vantage = k % 2 ? "host-a" : "";
        x.frequency = 0.5;
        x.timeout = k % 3 ? 30.0 : 0.125;
        x.serial_cond = k % 4 == 0;
        x.serial = k * 3;
        x.values = vals;
        x.nvalues = (k / 3) % 5;
        o = record_probe_json(&r, &x);
        cr_assert_not_null(o);
        cr_assert_eq(record_encode(o, true, &a), 0);
        cr_assert_eq(record_encode_probe(&r, &x, &b), 0);
        cr_assert(a.len == b.len && memcmp(a.p, b.p, a.len) == 0,
                  "case %d differs:\n from JSON %s\n directly  %s", i, a.p, b.p);
        json_decref(o);
        buf_free(&a);
        buf_free(&b);
    }
}

/* R2 added fields after R1's last, where R1 kept its extras: an R1
 * record is still read with its extras, an R2 one with its NSIDs. */
Test(record, r1_records_keep_their_extras)
{
    buf_t b = {0};
    json_t *o;
    json_error_t je;

    buf_add(&b, "R1\t7", 5);
    for (int f = RF_SEQ; f < RF_R1_COUNT; f++)
        buf_add(&b, "\t", 1);
    buf_add(&b, "{\"agent_host\":\"h1\"}", 19);
    o = record_text_to_json(b.p, b.len, NULL);
    cr_assert_not_null(o, "decodes: %s", b.p);
    cr_assert_eq(json_integer_value(json_object_get(o, "seq")), 7);
    cr_assert_str_eq(json_string_value(json_object_get(o, "agent_host")), "h1");
    cr_assert_null(json_object_get(o, "nsid"));
    json_decref(o);
    buf_free(&b);

    o = json_loads("{\"seq\":8,\"nsid\":\"fra1\",\"nsid_last\":null,\"zz\":1}", 0, &je);
    cr_assert_eq(record_encode(o, false, &b), 0);
    cr_assert_eq(memcmp(b.p, "R3\t", 3), 0);
    json_decref(o);
    o = record_text_to_json(b.p, b.len, NULL);
    cr_assert_str_eq(json_string_value(json_object_get(o, "nsid")), "fra1");
    cr_assert(json_is_null(json_object_get(o, "nsid_last")));
    cr_assert_eq(json_integer_value(json_object_get(o, "zz")), 1);
    json_decref(o);
    buf_free(&b);
}

/* R3 added target and change after R2's last, where R2 kept its extras:
 * an R2 record is still read with its extras, an R3 one with its target. */
Test(record, r2_records_keep_their_extras)
{
    buf_t b = {0};
    json_t *o;
    json_error_t je;

    buf_add(&b, "R2\t9", 5);
    for (int f = RF_SEQ; f < RF_R2_COUNT; f++)
        buf_add(&b, "\t", 1);
    buf_add(&b, "{\"target\":\"x\"}", 14);
    o = record_text_to_json(b.p, b.len, NULL);
    cr_assert_not_null(o, "decodes: %s", b.p);
    cr_assert_eq(json_integer_value(json_object_get(o, "seq")), 9);
    cr_assert_str_eq(json_string_value(json_object_get(o, "target")), "x");
    json_decref(o);
    buf_free(&b);

    o = json_loads("{\"seq\":3,\"target\":\"bind\",\"change\":12,\"change_targets\":2}",
                   0, &je);
    cr_assert_eq(record_encode(o, false, &b), 0);
    cr_assert_eq(memcmp(b.p, "R3\t", 3), 0);
    cr_assert_null(strchr(b.p, '{'), "no extras: %s", b.p);
    json_decref(o);
    o = record_text_to_json(b.p, b.len, NULL);
    cr_assert_str_eq(json_string_value(json_object_get(o, "target")), "bind");
    cr_assert_eq(json_integer_value(json_object_get(o, "change")), 12);
    cr_assert_eq(json_integer_value(json_object_get(o, "change_targets")), 2);
    json_decref(o);
    buf_free(&b);
}
