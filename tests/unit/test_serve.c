/*
 * serve: the request bodies `dnsprop serve` accepts (our shape and
 * Digaas's), the field every rejection names, and --listen addresses.
 * The HTTP side runs against the lab in tests/cli/test_serve.sh.
 */
#include <arpa/inet.h>
#include <math.h>
#include <criterion/criterion.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness/common/errcode.h"
#include "harness/serve/serve.h"
#include "harness/serve/serve_int.h"
#include "probes/rdata.h"

#define NOW 1700000000.0

typedef struct {
    probe_req_t req;
    json_t *rec;
    char field[64];
    char msg[1200];
    int ret;
} parsed_t;

static void parse(parsed_t *p, const char *text)
{
    json_error_t je;
    json_t *body = json_loads(text, 0, &je);

    cr_assert_not_null(body, "test body does not parse: %s", je.text);
    memset(p, 0, sizeof(*p));
    probe_req_init(&p->req);
    p->ret = serve_request_parse(body, NOW, &p->req, &p->rec, p->field, sizeof(p->field),
                                 p->msg, sizeof(p->msg));
    json_decref(body);
}

static void done(parsed_t *p)
{
    probe_req_clear(&p->req);
    json_decref(p->rec);
}

static void rejects(const char *text, const char *field)
{
    parsed_t p;

    parse(&p, text);
    cr_expect_eq(p.ret, DP_EPARSE, "accepted: %s", text);
    cr_expect_str_eq(p.field, field, "%s: field %s (%s)", text, p.field, p.msg);
    cr_expect_null(p.rec);
    done(&p);
}

Test(serve, digaas_readme_example)
{
    parsed_t p;

    parse(&p,
          "{\"nameserver\": \"192.0.2.20\", \"zone_name\": \"hello.com.\", \"serial\": "
          "1418336470, \"start_time\": 1421867419, \"timeout\": 7.3, \"frequency\": "
          "1.2, \"condition\": \"serial_not_lower\"}");
    cr_assert_eq(p.ret, 0, "%s: %s", p.field, p.msg);
    cr_expect_eq(p.req.cond, COND_SERIAL_NOT_LOWER);
    cr_expect(p.req.is_zone);
    cr_expect_eq(p.req.qtype, RDATA_T_SOA);
    cr_expect_str_eq(p.req.qname, "hello.com.");
    cr_expect_str_eq(p.req.ns.text, "192.0.2.20:53");
    cr_expect_eq(p.req.serial, 1418336470u);
    cr_expect_eq(p.req.start_time, 1421867419.0);
    cr_expect_eq(p.req.timeout, 7.3);
    cr_expect_eq(p.req.frequency, 1.2);
    /* the echo keeps what was sent, numbers as sent */
    cr_expect_eq(json_integer_value(json_object_get(p.rec, "serial")), 1418336470);
    cr_expect_eq(json_real_value(json_object_get(p.rec, "timeout")), 7.3);
    cr_expect_str_eq(json_string_value(json_object_get(p.rec, "zone_name")),
                     "hello.com.");
    cr_expect(json_is_null(json_object_get(p.rec, "rdatatype")));
    done(&p);
}

Test(serve, start_time_null_is_now)
{
    parsed_t p;

    parse(&p, "{\"nameserver\": \"::1\", \"zone_name\": \"a.test\", \"serial\": 5, "
              "\"start_time\": null, \"condition\": \"serial_not_lower\"}");
    cr_assert_eq(p.ret, 0, "%s: %s", p.field, p.msg);
    cr_expect_eq(p.req.start_time, NOW);
    cr_expect_eq(json_real_value(json_object_get(p.rec, "start_time")), NOW);
    cr_expect_eq(p.req.timeout, PROBE_DEFAULT_TIMEOUT);
    done(&p);
}

Test(serve, digaas_data_condition)
{
    parsed_t p;

    parse(&p,
          "{\"nameserver\": \"[2001:db8::1]:5353\", \"query_name\": \"www.a.test.\", "
          "\"serial\": 0, \"rdatatype\": \"AAAA\", \"condition\": "
          "\"data=2001:DB8:0::5\", \"start_time\": 1, \"timeout\": 4, \"frequency\": 1}");
    cr_assert_eq(p.ret, 0, "%s: %s", p.field, p.msg);
    cr_expect_eq(p.req.cond, COND_VALUE_PRESENT);
    cr_expect(!p.req.is_zone);
    cr_expect_eq(p.req.qtype, RDATA_T_AAAA);
    cr_assert_eq(p.req.nvalues, 1);
    cr_expect_str_eq(p.req.values[0], "2001:db8::5");
    cr_expect_str_eq(json_string_value(json_object_get(p.rec, "query_name")),
                     "www.a.test.");
    cr_expect_str_eq(json_string_value(json_object_get(p.rec, "condition")),
                     "data=2001:DB8:0::5");
    done(&p);
}

Test(serve, zone_removed_and_empty_response)
{
    parsed_t p;

    parse(&p, "{\"nameserver\": \"192.0.2.1\", \"query_name\": \"gone.test\", "
              "\"condition\": \"zone_removed\"}");
    cr_assert_eq(p.ret, 0, "%s: %s", p.field, p.msg);
    cr_expect_eq(p.req.cond, COND_EMPTY_RESPONSE);
    cr_expect(p.req.is_zone);
    done(&p);
    parse(&p,
          "{\"nameserver\": \"192.0.2.1\", \"zone_name\": \"a.test\", \"name\": "
          "\"old.a.test\", \"rdatatype\": \"TXT\", \"condition\": \"empty_response\"}");
    cr_assert_eq(p.ret, 0, "%s: %s", p.field, p.msg);
    cr_expect(!p.req.is_zone);
    cr_expect_str_eq(p.req.qname, "old.a.test.");
    cr_expect_eq(p.req.qtype, RDATA_T_TXT);
    done(&p);
}

Test(serve, value_present_values)
{
    parsed_t p;

    parse(&p,
          "{\"nameserver\": \"192.0.2.1\", \"zone_name\": \"a.test\", \"name\": "
          "\"mx.a.test\", \"rdatatype\": \"MX\", \"value\": [\"10 Mail.a.test\", "
          "\"20 b.a.test.\"], \"match\": \"exact\", \"condition\": \"value_present\"}");
    cr_assert_eq(p.ret, 0, "%s: %s", p.field, p.msg);
    cr_expect(p.req.exact);
    cr_assert_eq(p.req.nvalues, 2);
    cr_expect_str_eq(p.req.values[0], "10 mail.a.test.");
    done(&p);
}

Test(serve, rejections_name_the_field)
{
    const char *ok = "\"nameserver\": \"192.0.2.1\", \"zone_name\": \"a.test\"";
    char b[512];

    rejects("[1]", "body");
    rejects("{\"zone_name\": \"a.test\", \"condition\": \"serial_not_lower\"}",
            "nameserver");
    rejects("{\"nameserver\": \"300.0.0.1\", \"zone_name\": \"a.test\"}", "nameserver");
    rejects("{\"nameserver\": \"host.example\", \"zone_name\": \"a.test\"}",
            "nameserver");
    rejects("{\"nameserver\": \"192.0.2.1\", \"condition\": \"serial_not_lower\"}",
            "zone_name");
    rejects("{\"nameserver\": \"192.0.2.1\", \"zone_name\": 5}", "zone_name");
    snprintf(b, sizeof(b), "{%s}", ok);
    rejects(b, "condition");
    snprintf(b, sizeof(b), "{%s, \"condition\": \"soon\"}", ok);
    rejects(b, "condition");
    snprintf(b, sizeof(b), "{%s, \"condition\": \"serial_not_lower\"}", ok);
    rejects(b, "serial");
    snprintf(b, sizeof(b), "{%s, \"condition\": \"serial_not_lower\", \"serial\": -1}",
             ok);
    rejects(b, "serial");
    snprintf(b, sizeof(b), "{%s, \"condition\": \"serial_not_lower\", \"serial\": 1.5}",
             ok);
    rejects(b, "serial");
    snprintf(b, sizeof(b),
             "{%s, \"condition\": \"serial_not_lower\", \"serial\": 1, \"timeout\": 0}",
             ok);
    rejects(b, "timeout");
    snprintf(
        b, sizeof(b),
        "{%s, \"condition\": \"serial_not_lower\", \"serial\": 1, \"timeout\": true}",
        ok);
    rejects(b, "timeout");
    snprintf(b, sizeof(b),
             "{%s, \"condition\": \"serial_not_lower\", \"serial\": 1, \"frequency\": "
             "0.0001}",
             ok);
    rejects(b, "frequency");
    snprintf(b, sizeof(b),
             "{%s, \"condition\": \"serial_not_lower\", \"serial\": 1, \"start_time\": "
             "\"now\"}",
             ok);
    rejects(b, "start_time");
    snprintf(
        b, sizeof(b),
        "{%s, \"condition\": \"serial_not_lower\", \"serial\": 1, \"rdatatype\": \"A\"}",
        ok);
    rejects(b, "rdatatype");
    snprintf(b, sizeof(b), "{%s, \"condition\": \"value_present\"}", ok);
    rejects(b, "value");
    snprintf(b, sizeof(b), "{%s, \"condition\": \"value_present\", \"value\": []}", ok);
    rejects(b, "value");
    snprintf(b, sizeof(b),
             "{%s, \"condition\": \"value_present\", \"rdatatype\": \"SOA\", \"value\": "
             "\"x\"}",
             ok);
    rejects(b, "value");
    snprintf(b, sizeof(b),
             "{%s, \"condition\": \"data=1.2.3.4\", \"value\": \"1.2.3.4\"}", ok);
    rejects(b, "value");
    snprintf(b, sizeof(b), "{%s, \"condition\": \"data=not-an-ip\"}", ok);
    rejects(b, "condition");
    snprintf(b, sizeof(b), "{%s, \"condition\": \"empty_response\", \"match\": \"all\"}",
             ok);
    rejects(b, "match");
}

Test(serve, listen_addresses)
{
    struct sockaddr_storage ss;
    socklen_t len = 0;

    cr_assert_eq(serve_parse_listen("127.0.0.1:9090", &ss, &len), 0);
    cr_expect_eq(ss.ss_family, AF_INET);
    cr_expect_eq(ntohs(((struct sockaddr_in *)&ss)->sin_port), 9090);
    cr_assert_eq(serve_parse_listen("[::1]:0", &ss, &len), 0);
    cr_expect_eq(ss.ss_family, AF_INET6);
    cr_expect_eq(len, sizeof(struct sockaddr_in6));
    cr_expect_lt(serve_parse_listen("127.0.0.1", &ss, &len), 0);
    cr_expect_lt(serve_parse_listen("::1:9090", &ss, &len), 0);
    cr_expect_lt(serve_parse_listen("[::1]9090", &ss, &len), 0);
    cr_expect_lt(serve_parse_listen("localhost:9090", &ss, &len), 0);
    cr_expect_lt(serve_parse_listen("127.0.0.1:65536", &ss, &len), 0);
    cr_expect_lt(serve_parse_listen(NULL, &ss, &len), 0);
}

Test(serve, stats_bodies)
{
    char field[64];
    char msg[512];
    double start, end;
    json_t *b;

    b = json_loads("{\"start_time\": 10, \"end_time\": 20.5}", 0, NULL);
    cr_assert_eq(
        serve_stats_parse(b, &start, &end, field, sizeof(field), msg, sizeof(msg)), 0,
        "%s: %s", field, msg);
    cr_expect_eq(start, 10.0);
    cr_expect_eq(end, 20.5);
    json_decref(b);
    b = json_loads("[1]", 0, NULL);
    cr_expect_eq(
        serve_stats_parse(b, &start, &end, field, sizeof(field), msg, sizeof(msg)),
        DP_EPARSE);
    cr_expect_str_eq(field, "body");
    json_decref(b);
    b = json_loads("{\"start_time\": 1}", 0, NULL);
    cr_expect_eq(
        serve_stats_parse(b, &start, &end, field, sizeof(field), msg, sizeof(msg)),
        DP_EPARSE);
    cr_expect_str_eq(field, "end_time");
    json_decref(b);
    b = json_loads("{\"start_time\": null, \"end_time\": 1}", 0, NULL);
    cr_expect_eq(
        serve_stats_parse(b, &start, &end, field, sizeof(field), msg, sizeof(msg)),
        DP_EPARSE);
    cr_expect_str_eq(field, "start_time");
    json_decref(b);
    b = json_loads("{\"start_time\": \"x\", \"end_time\": 5}", 0, NULL);
    cr_expect_eq(
        serve_stats_parse(b, &start, &end, field, sizeof(field), msg, sizeof(msg)),
        DP_EPARSE);
    cr_expect_str_eq(field, "start_time");
    json_decref(b);
    b = json_loads("{\"start_time\": 10, \"end_time\": 5}", 0, NULL);
    cr_expect_eq(
        serve_stats_parse(b, &start, &end, field, sizeof(field), msg, sizeof(msg)),
        DP_EPARSE);
    cr_expect_str_eq(field, "end_time");
    cr_expect_str_eq(msg, "must come after start_time");
    json_decref(b);
}

Test(serve, condition_kinds_of_the_statistics)
{
    cr_expect_str_eq(serve_cond_kind("zone_removed"), "empty_response");
    cr_expect_str_eq(serve_cond_kind("data=192.0.2.1"), "value_present");
    cr_expect_str_eq(serve_cond_kind("serial_not_lower"), "serial_not_lower");
    cr_expect_str_eq(serve_cond_kind(NULL), "unknown");
}

/* ---- Digaas master's /observers (serve_observer_parse) ---------------------------- */

static void oparse(parsed_t *p, const char *text)
{
    json_error_t je;
    json_t *body = json_loads(text, 0, &je);

    cr_assert_not_null(body, "test body does not parse: %s", je.text);
    memset(p, 0, sizeof(*p));
    probe_req_init(&p->req);
    p->ret = serve_observer_parse(body, NOW, &p->req, &p->rec, p->field, sizeof(p->field),
                                  p->msg, sizeof(p->msg));
    json_decref(body);
}

#define OBS(type, extra)                                                                 \
    "{\"name\": \"example.com.\", \"nameserver\": \"8.8.8.8\", \"start_time\": "         \
    "1469118683, \"type\": \"" type "\", \"timeout\": 10, \"interval\": 1" extra "}"

Test(serve, observer_types_map_to_conditions)
{
    static const struct {
        const char *body;
        cond_kind_t cond;
        bool is_zone;
        uint16_t qtype;
        bool any_serial;
    } cases[] = {
        {OBS("ZONE_CREATE", ""), COND_SERIAL_NOT_LOWER, true, RDATA_T_SOA, true},
        {OBS("ZONE_UPDATE", ", \"serial\": 1469110000"), COND_SERIAL_NOT_LOWER, true,
         RDATA_T_SOA, false},
        {OBS("ZONE_UPDATE", ", \"serial\": 0"), COND_SERIAL_NOT_LOWER, true, RDATA_T_SOA,
         true},
        {OBS("ZONE_DELETE", ""), COND_EMPTY_RESPONSE, true, RDATA_T_SOA, false},
        {OBS("RECORD_CREATE", ", \"rdata\": \"10.1.2.3\", \"rdatatype\": \"A\""),
         COND_VALUE_PRESENT, false, RDATA_T_A, false},
        {OBS("RECORD_UPDATE",
             ", \"rdata\": \"10 Mail.Example.com.\", \"rdatatype\": \"MX\""),
         COND_VALUE_PRESENT, false, RDATA_T_MX, false},
        {OBS("RECORD_DELETE", ", \"rdata\": \"10.1.2.3\", \"rdatatype\": \"A\""),
         COND_EMPTY_RESPONSE, false, RDATA_T_A, false},
    };
    size_t i;

    for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        parsed_t p;
        oparse(&p, cases[i].body);
        cr_assert_eq(p.ret, 0, "%s: %s: %s", cases[i].body, p.field, p.msg);
        cr_expect_eq(p.req.cond, cases[i].cond, "%s", cases[i].body);
        cr_expect_eq(p.req.is_zone, cases[i].is_zone, "%s", cases[i].body);
        cr_expect_eq(p.req.qtype, cases[i].qtype, "%s", cases[i].body);
        cr_expect_eq(p.req.cond == COND_SERIAL_NOT_LOWER && p.req.any_serial,
                     cases[i].any_serial, "%s", cases[i].body);
        cr_expect_eq(p.req.start_time, 1469118683.0);
        cr_expect_eq(p.req.frequency, 1.0);
        /* Digaas's echo: numbers as sent, null for what was not sent */
        cr_expect(json_is_integer(json_object_get(p.rec, "start_time")));
        cr_expect(json_is_integer(json_object_get(p.rec, "interval")));
        cr_expect_str_eq(json_string_value(json_object_get(p.rec, "name")),
                         "example.com.");
        done(&p);
    }
}

Test(serve, observer_rejections_name_the_field)
{
    static const struct {
        const char *body;
        const char *field;
    } cases[] = {
        {OBS("ZONE_MOVE", ""), "type"},
        {OBS("ZONE_UPDATE", ""), "serial"},
        {OBS("ZONE_UPDATE", ", \"serial\": -1"), "serial"},
        {OBS("RECORD_CREATE", ", \"rdatatype\": \"A\""), "rdata"},
        {OBS("RECORD_CREATE", ", \"rdata\": \"10.1.2.3\""), "rdatatype"},
        {OBS("RECORD_CREATE", ", \"rdata\": \"10.1.2.300\", \"rdatatype\": \"A\""),
         "rdata"},
        {"{\"name\": \"example.com.\", \"type\": \"ZONE_CREATE\"}", "nameserver"},
        {"{\"nameserver\": \"8.8.8.8\", \"type\": \"ZONE_CREATE\"}", "name"},
        {"{\"name\": \"a\", \"nameserver\": \"8.8.8.8\", \"type\": \"ZONE_CREATE\", "
         "\"interval\": 0}",
         "interval"},
        {OBS("ZONE_CREATE", ", \"start_time\": 1e10"), "start_time"},
    };
    size_t i;

    for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        parsed_t p;
        oparse(&p, cases[i].body);
        cr_expect_eq(p.ret, DP_EPARSE, "accepted: %s", cases[i].body);
        cr_expect_str_eq(p.field, cases[i].field, "%s: %s (%s)", cases[i].body, p.field,
                         p.msg);
        cr_expect_null(p.rec);
        done(&p);
    }
}

/* serial 0 on the service's endpoints is "any serial"; RFC 1982 stays for
 * every other serial */
Test(serve, serial_zero_is_any_serial)
{
    parsed_t p;

    parse(&p,
          "{\"nameserver\": \"192.0.2.1\", \"query_name\": \"a.test.\", \"serial\": 0, "
          "\"condition\": \"serial_not_lower\"}");
    cr_assert_eq(p.ret, 0, "%s: %s", p.field, p.msg);
    cr_expect(p.req.any_serial);
    done(&p);
    parse(&p,
          "{\"nameserver\": \"192.0.2.1\", \"query_name\": \"a.test.\", \"serial\": 1, "
          "\"condition\": \"serial_not_lower\"}");
    cr_assert_eq(p.ret, 0, "%s: %s", p.field, p.msg);
    cr_expect_not(p.req.any_serial);
    done(&p);
}

Test(serve, digaas_stats_bodies)
{
    double start;
    double end;
    char field[64];
    char msg[512];
    json_t *b;

    b = json_loads("{\"start\": 1469100000, \"end\": 1469120000}", 0, NULL);
    cr_expect_eq(
        serve_dstats_parse(b, &start, &end, field, sizeof(field), msg, sizeof(msg)), 0);
    cr_expect_eq(end, 1469120000.0);
    json_decref(b);
    /* Digaas master's spec posts start == end (201) and refuses end < start */
    b = json_loads("{\"start\": 5, \"end\": 5}", 0, NULL);
    cr_expect_eq(
        serve_dstats_parse(b, &start, &end, field, sizeof(field), msg, sizeof(msg)), 0);
    json_decref(b);
    b = json_loads("{\"start\": 6, \"end\": 5}", 0, NULL);
    cr_expect_eq(
        serve_dstats_parse(b, &start, &end, field, sizeof(field), msg, sizeof(msg)),
        DP_EPARSE);
    cr_expect_str_eq(field, "end");
    json_decref(b);
    /* old-master refused end_time <= start_time */
    b = json_loads("{\"start_time\": 5, \"end_time\": 5}", 0, NULL);
    cr_expect_eq(
        serve_stats_parse(b, &start, &end, field, sizeof(field), msg, sizeof(msg)),
        DP_EPARSE);
    cr_expect_str_eq(field, "end_time");
    json_decref(b);
}

/* start_time past a day ahead of the service's clock is refused, naming
 * it (issue 12: 1e10 overflowed the monotonic conversion and crashed the
 * service at every restart); a day ahead (a skewed client) and the past
 * (Digaas's README example of 2015) are taken. */
Test(serve, start_time_far_ahead_is_refused)
{
    char b[512];
    parsed_t p;

    rejects("{\"nameserver\": \"::1\", \"zone_name\": \"a.test\", \"serial\": 5, "
            "\"start_time\": 1e10, \"condition\": \"serial_not_lower\"}",
            "start_time");
    snprintf(b, sizeof(b),
             "{\"nameserver\": \"::1\", \"zone_name\": \"a.test\", \"serial\": 5, "
             "\"start_time\": %.3f, \"condition\": \"serial_not_lower\"}",
             NOW + 86400.5);
    rejects(b, "start_time");
    snprintf(b, sizeof(b),
             "{\"nameserver\": \"::1\", \"zone_name\": \"a.test\", \"serial\": 5, "
             "\"start_time\": %.3f, \"condition\": \"serial_not_lower\"}",
             NOW + 86000);
    parse(&p, b);
    cr_expect_eq(p.ret, 0, "%s: %s", p.field, p.msg);
    done(&p);
}

/* The table keeps a request as text (table.c): what GET shows before and
 * after its poll ends is JSON, the echo kept, the poll's fields last,
 * strings escaped, text JSON cannot hold null, as jansson would have. */
static json_t *table_record(serve_table_t *t, const char *id)
{
    char *text = serve_table_text(t, id);
    json_error_t je;
    json_t *o;

    cr_assert_not_null(text);
    o = json_loads(text, JSON_REJECT_DUPLICATES, &je);
    cr_assert_not_null(o, "not JSON (%s): %s", je.text, text);
    free(text);
    return o;
}

Test(serve, table_texts_before_and_after_the_poll)
{
    serve_table_t t;
    json_t *rec =
        json_pack("{s:s, s:s, s:n, s:f, s:s, s:s, s:i}", "nameserver", "127.0.0.1:53",
                  "zone_name", "lab.test.", "rdatatype", "start_time", NOW, "status",
                  "COMPLETED", "id", "r1", "queries", 7);
    double log[4] = {0.5, 0.001, 1.0, 0.0025};
    probe_result_t r;
    char id1[] = "r1";
    char id2[] = "r2";
    char *base;
    char *text;
    char *fin;
    json_t *o;
    const char *k;
    json_t *v;
    int i = 0;

    cr_assert_eq(serve_table_init(&t), 0);
    cr_assert_eq(serve_record_texts(rec, &base, &text), 0);
    json_decref(rec);
    cr_assert_eq(serve_table_insert(&t, "r1", base, text), 0);
    o = table_record(&t, "r1");
    /* what a client sent as a poll field is the service's until it ends */
    cr_assert_str_eq(json_string_value(json_object_get(o, "status")), "ACCEPTED");
    cr_assert(json_is_null(json_object_get(o, "queries")));
    cr_assert(json_is_null(json_object_get(o, "duration")));
    cr_assert_str_eq(json_string_value(json_object_get(o, "zone_name")), "lab.test.");
    json_decref(o);

    memset(&r, 0, sizeof(r));
    r.id = id1;
    r.status = PROBE_COMPLETED;
    r.start_time = NOW;
    r.observed_at = NOW + 0.25;
    r.duration = 0.25;
    r.lower_bound = 0.125;
    r.queries = 3;
    r.answers = 2;
    r.query_log = log;
    r.nquery_log = 2;
    snprintf(r.reason, sizeof(r.reason), "said \"no\"\tthen\\yes\n");
    fin = serve_table_finish(&t, &r);
    cr_assert_not_null(fin);
    cr_assert_null(serve_table_finish(&t, &r), "a poll ends once");
    o = table_record(&t, "r1");
    cr_assert_str_eq(json_string_value(json_object_get(o, "status")), "COMPLETED");
    cr_assert_str_eq(json_string_value(json_object_get(o, "result")), "COMPLETED");
    cr_assert_str_eq(json_string_value(json_object_get(o, "reason")),
                     "said \"no\"\tthen\\yes\n");
    cr_assert_float_eq(json_real_value(json_object_get(o, "duration")), 0.25, 1e-12);
    cr_assert_float_eq(json_real_value(json_object_get(o, "observed_at")), NOW + 0.25,
                       1e-6);
    cr_assert_eq(json_integer_value(json_object_get(o, "queries")), 3);
    cr_assert_eq(json_integer_value(json_object_get(o, "answers")), 2);
    v = json_object_get(o, "query_times");
    cr_assert_eq(json_array_size(v), 2);
    cr_assert_float_eq(json_real_value(json_array_get(json_array_get(v, 1), 0)),
                       NOW + 1.0, 1e-6);
    cr_assert_float_eq(json_real_value(json_array_get(json_array_get(v, 1), 1)), 0.0025,
                       1e-9);
    cr_assert_str_eq(json_string_value(json_object_get(o, "id")), "r1");
    /* the poll's fields come last, in their order */
    json_object_foreach(o, k, v)
    {
        static const char *const order[] = {
            "nameserver", "zone_name", "rdatatype",   "start_time", "id",
            "status",     "duration",  "result",      "reason",     "lower_bound",
            "queries",    "answers",   "observed_at", "query_times"};
        cr_assert_lt(i, 14);
        cr_assert_str_eq(k, order[i], "key %d: %s", i, k);
        i++;
    }
    cr_assert_eq(i, 14);
    json_decref(o);
    free(fin);

    /* a timeout: no duration, no observed_at; a reason that is not UTF-8 */
    cr_assert_eq(serve_record_texts(rec = json_object(), &base, &text), 0);
    json_decref(rec);
    cr_assert_str_eq(base, "{");
    cr_assert_eq(serve_table_insert(&t, "r2", base, text), 0);
    o = table_record(&t, "r2");
    cr_assert_eq(json_object_size(o), 7);
    json_decref(o);
    r.id = id2;
    r.status = PROBE_TIMEOUT;
    r.duration = NAN;
    r.nquery_log = 0;
    snprintf(r.reason, sizeof(r.reason), "bad \xff byte");
    fin = serve_table_finish(&t, &r);
    cr_assert_not_null(fin);
    o = table_record(&t, "r2");
    cr_assert_str_eq(json_string_value(json_object_get(o, "status")), "ERROR");
    cr_assert_str_eq(json_string_value(json_object_get(o, "result")), "TIMEOUT");
    cr_assert(json_is_null(json_object_get(o, "duration")));
    cr_assert(json_is_null(json_object_get(o, "observed_at")));
    cr_assert(json_is_null(json_object_get(o, "reason")));
    cr_assert_eq(json_array_size(json_object_get(o, "query_times")), 0);
    json_decref(o);
    free(fin);
    serve_table_clear(&t);
}

/* A POST /requests record is written as text from its echo
 * (serve_request_parse_text, serve_echo_texts): the same bytes as the
 * tree of the same request given its id and time (serve_accepted_fields)
 * and written by serve_record_texts, in every shape and condition. */
Test(serve, echo_texts_are_the_trees)
{
    static const char *const bodies[] = {
        "{\"nameserver\": \"192.0.2.20\", \"zone_name\": \"hello.com.\", \"serial\": "
        "1418336470, \"start_time\": 1421867419, \"timeout\": 7.3, \"frequency\": 1.2, "
        "\"condition\": \"serial_not_lower\"}",
        "{\"nameserver\": \"[2001:db8::1]:5353\", \"zone_name\": \"lab.test\", \"name\": "
        "\"Multi.lab.test\", \"rdatatype\": \"A\", \"value\": [\"192.0.2.10\", "
        "\"192.0.2.11\"], \"match\": \"exact\", \"start_time\": null, \"timeout\": 5, "
        "\"frequency\": 0.1, \"condition\": \"value_present\"}",
        "{\"nameserver\": \"192.0.2.1\", \"query_name\": \"www.example.com.\", "
        "\"rdatatype\": \"TXT\", \"condition\": \"data=\\\"caf\\u00e9 \\\\\\\" x\\\"\", "
        "\"start_time\": 1421867419.25, \"timeout\": 1e1, \"frequency\": 2}",
        "{\"nameserver\": \"192.0.2.1\", \"zone_name\": \"gone.test.\", \"condition\": "
        "\"zone_removed\"}",
        "{\"nameserver\": \"192.0.2.1\", \"zone_name\": \"lab.test.\", \"name\": "
        "\"gone.lab.test\", \"serial\": null, \"condition\": \"empty_response\"}",
    };
    static const char *const ids[] = {"0b5d5f4e-3c1e-4b7e-9a0b-2f4a1c9e8d7f", "42"};

    for (size_t i = 0; i < sizeof(bodies) / sizeof(bodies[0]); i++) {
        for (size_t j = 0; j < sizeof(ids) / sizeof(ids[0]); j++) {
            json_t *body = json_loads(bodies[i], 0, NULL);
            char field[64], msg[1200];
            probe_req_t r1, r2;
            json_t *rec = NULL;
            char *echo = NULL;
            char *b1, *t1, *b2, *t2;

            cr_assert_not_null(body, "%s", bodies[i]);
            probe_req_init(&r1);
            probe_req_init(&r2);
            cr_assert_eq(serve_request_parse_text(body, NOW, &r1, &echo, field,
                                                  sizeof(field), msg, sizeof(msg)),
                         0, "%s: %s %s", bodies[i], field, msg);
            cr_assert_eq(serve_request_parse(body, NOW, &r2, &rec, field, sizeof(field),
                                             msg, sizeof(msg)),
                         0);
            serve_accepted_fields(rec, ids[j], NOW + 0.5);
            cr_assert_eq(serve_record_texts(rec, &b1, &t1), 0);
            cr_assert_eq(serve_echo_texts(echo, ids[j], NOW + 0.5, &b2, &t2), 0);
            cr_assert_str_eq(b2, b1);
            cr_assert_str_eq(t2, t1);
            free(b1);
            free(t1);
            free(b2);
            free(t2);
            json_decref(rec);
            json_decref(body);
            probe_req_clear(&r1);
            probe_req_clear(&r2);
        }
    }
}

/* One record pinned byte for byte: Digaas's README request, its numbers
 * as sent, start_time as a real, the id a string. */
Test(serve, echo_text_of_the_digaas_example)
{
    json_t *body = json_loads(
        "{\"nameserver\": \"192.0.2.20\", \"zone_name\": \"hello.com.\", \"serial\": "
        "1418336470, \"start_time\": 1421867419, \"timeout\": 7.3, \"frequency\": 1.2, "
        "\"condition\": \"serial_not_lower\"}",
        0, NULL);
    char field[64], msg[1200];
    probe_req_t req;
    char *echo = NULL;
    char *base, *text;

    probe_req_init(&req);
    cr_assert_eq(serve_request_parse_text(body, NOW, &req, &echo, field, sizeof(field),
                                          msg, sizeof(msg)),
                 0);
    cr_assert_eq(serve_echo_texts(echo, "r-1", NOW + 0.000001, &base, &text), 0);
    cr_assert_str_eq(base, "{\"nameserver\":\"192.0.2.20\",\"zone_name\":\"hello.com.\","
                           "\"rdatatype\":null,\"serial\":1418336470,\"condition\":"
                           "\"serial_not_lower\",\"start_time\":1421867419.0,"
                           "\"timeout\":7.3,\"frequency\":1.2,\"id\":\"r-1\","
                           "\"accepted_at\":1700000000.000001,");
    cr_assert_str_eq(text + strlen(base),
                     "\"status\":\"ACCEPTED\",\"duration\":null,\"result\":null,"
                     "\"reason\":null,\"lower_bound\":null,\"queries\":null,"
                     "\"observed_at\":null}");
    free(base);
    free(text);
    json_decref(body);
    probe_req_clear(&req);
}
