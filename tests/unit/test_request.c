/*
 * request: nameserver parsing, request building and CSV loading. CSV
 * files are written to temporary files; error messages must say
 * "FILE:LINE: field 'X': ..." (request.h).
 */
#include <arpa/inet.h>
#include <criterion/criterion.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "harness/common/errcode.h"
#include "probes/request.h"

/* ---- helpers ------------------------------------------------------------ */

static char tmp_path[64];

static const char *write_tmp(const char *content)
{
    int fd;
    size_t len = strlen(content);

    snprintf(tmp_path, sizeof(tmp_path), "/tmp/dnsprop-unit-XXXXXX");
    fd = mkstemp(tmp_path);
    cr_assert_geq(fd, 0);
    cr_assert_eq(write(fd, content, len), (ssize_t)len);
    close(fd);
    return tmp_path;
}

static void cleanup_tmp(void)
{
    if (tmp_path[0] != '\0')
        unlink(tmp_path);
    tmp_path[0] = '\0';
}

typedef struct {
    int ret;
    probe_req_t *reqs;
    size_t n;
    char err[2048];
} load_t;

static void load(const char *content, load_t *l)
{
    const char *path = write_tmp(content);

    memset(l, 0, sizeof(*l));
    l->ret = probe_req_load_csv(path, &l->reqs, &l->n, l->err, sizeof(l->err));
}

/* The load must fail; the message must name the file, ":LINE:" and, when
 * given, the field. */
static void load_fails(const char *content, unsigned line, const char *field)
{
    load_t l;
    char where[96];

    load(content, &l);
    cr_assert_lt(l.ret, 0, "accepted:\n%s", content);
    cr_assert_null(l.reqs, "nothing returned on error");
    cr_assert_eq(l.n, 0);
    cr_assert_not_null(strstr(l.err, tmp_path), "no file name in '%s'", l.err);
    snprintf(where, sizeof(where), "%s:%u:", tmp_path, line);
    cr_expect_not_null(strstr(l.err, where), "want '%s' in '%s'", where, l.err);
    if (field != NULL)
        cr_expect_not_null(strstr(l.err, field), "want field '%s' in '%s'", field, l.err);
}

static void ns_ok(const char *in, int family, unsigned port, const char *text)
{
    probe_ns_t ns;
    int ret = probe_ns_parse(in, &ns);

    cr_assert_eq(ret, 0, "'%s': %d", in, ret);
    cr_assert_str_eq(ns.text, text, "'%s' -> '%s'", in, ns.text);
    cr_assert_eq(ns.sa.ss_family, family, "'%s'", in);
    if (family == AF_INET) {
        const struct sockaddr_in *v4 = (const struct sockaddr_in *)&ns.sa;
        cr_assert_eq(ns.len, sizeof(struct sockaddr_in));
        cr_assert_eq(ntohs(v4->sin_port), port, "'%s'", in);
    } else {
        const struct sockaddr_in6 *v6 = (const struct sockaddr_in6 *)&ns.sa;
        cr_assert_eq(ns.len, sizeof(struct sockaddr_in6));
        cr_assert_eq(ntohs(v6->sin6_port), port, "'%s'", in);
    }
}

static void ns_bad(const char *in)
{
    probe_ns_t ns;
    int ret = probe_ns_parse(in, &ns);

    cr_assert_eq(ret, DP_EBADADDR, "'%s' accepted as '%s'", in ? in : "(null)", ns.text);
    cr_assert_eq(ns.len, 0, "'%s'", in ? in : "(null)");
}

/* ---- nameservers -------------------------------------------------------- */

Test(request, ns_parse_ok)
{
    ns_ok("127.0.0.1", AF_INET, 53, "127.0.0.1:53");
    ns_ok("127.0.0.1:5300", AF_INET, 5300, "127.0.0.1:5300");
    ns_ok("192.0.2.1:65535", AF_INET, 65535, "192.0.2.1:65535");
    ns_ok("::1", AF_INET6, 53, "[::1]:53");
    ns_ok("[::1]:5300", AF_INET6, 5300, "[::1]:5300");
    ns_ok("[::1]", AF_INET6, 53, "[::1]:53");
    ns_ok("[2001:DB8::1]", AF_INET6, 53, "[2001:db8::1]:53");
    ns_ok("2001:DB8:0:0::1", AF_INET6, 53, "[2001:db8::1]:53");
    ns_ok("[2001:0db8:0000::0001]:1", AF_INET6, 1, "[2001:db8::1]:1");
    ns_ok("::ffff:192.0.2.1", AF_INET6, 53, "[::ffff:192.0.2.1]:53");
}

Test(request, ns_parse_address_bytes)
{
    probe_ns_t ns;
    const struct sockaddr_in *v4 = (const struct sockaddr_in *)&ns.sa;
    const struct sockaddr_in6 *v6 = (const struct sockaddr_in6 *)&ns.sa;
    static const unsigned char want6[16] = {0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0,
                                            0,    0,    0,    0,    0, 0, 0, 0x35};

    cr_assert_eq(probe_ns_parse("192.0.2.7:853", &ns), 0);
    cr_assert_eq(ntohl(v4->sin_addr.s_addr), 0xc0000207u);
    cr_assert_eq(probe_ns_parse("[2001:db8::35]:853", &ns), 0);
    cr_assert_eq(memcmp(&v6->sin6_addr, want6, 16), 0);
}

Test(request, ns_parse_bad)
{
    ns_bad("300.1.1.1");
    ns_bad("1.2.3.4:0");
    ns_bad("1.2.3.4:70000");
    ns_bad("1.2.3.4:65536");
    ns_bad("1.2.3.4:");
    ns_bad("1.2.3.4:-1");
    ns_bad("1.2.3.4:53x");
    ns_bad("1.2.3");
    ns_bad("[::1");
    ns_bad("[::1]:");
    ns_bad("[::1]x");
    ns_bad("[::1]:0");
    ns_bad("[::1]:70000");
    ns_bad("[]");
    ns_bad("host.example");
    ns_bad("host.example:53");
    ns_bad("localhost");
    ns_bad("2001:db8::g");
    ns_bad("");
    ns_bad(NULL);
    ns_bad("[0000:0000:0000:0000:0000:0000:0000:0000:0000:0000:0001]");
}

/* ---- requests built by hand --------------------------------------------- */

Test(request, build_and_finish)
{
    probe_req_t r;
    char err[256];

    probe_req_init(&r);
    cr_assert_eq(r.cond, COND_SERIAL_NOT_LOWER);
    cr_assert_float_eq(r.frequency, PROBE_DEFAULT_FREQUENCY, 1e-12);
    cr_assert_float_eq(r.timeout, PROBE_DEFAULT_TIMEOUT, 1e-12);
    cr_assert_lt(r.start_time, 0);

    cr_assert_eq(probe_req_finish(&r, err, sizeof(err)), DP_EUSAGE);
    cr_assert_not_null(strstr(err, "nameserver"), "%s", err);
    cr_assert_eq(probe_ns_parse("192.0.2.1", &r.ns), 0);
    cr_assert_eq(probe_req_finish(&r, err, sizeof(err)), DP_EUSAGE);
    cr_assert_not_null(strstr(err, "name"), "%s", err);

    cr_assert_eq(probe_req_set_name(&r, "a..b", false, err, sizeof(err)), DP_EBADNAME);
    cr_assert_not_null(strstr(err, "a..b"), "%s", err);
    cr_assert_eq(probe_req_set_name(&r, "WWW.Example", false, err, sizeof(err)), 0);
    cr_assert_str_eq(r.qname, "www.example.");
    cr_assert_not(r.is_zone);

    r.cond = COND_VALUE_PRESENT;
    cr_assert_eq(probe_req_finish(&r, err, sizeof(err)), DP_EUSAGE, "no value");
    cr_assert_not_null(strstr(err, "value"), "%s", err);

    /* type unset for a record: A */
    cr_assert_eq(probe_req_add_value(&r, "192.0.2.9", err, sizeof(err)), 0);
    cr_assert_eq(probe_req_add_value(&r, "192.0.2.10", err, sizeof(err)), 0);
    cr_assert_eq(probe_req_add_value(&r, " 192.0.2.9", err, sizeof(err)), 0);
    cr_assert_eq(probe_req_add_value(&r, "192.0.2.300", err, sizeof(err)), DP_EBADVALUE);
    cr_assert_not_null(strstr(err, "192.0.2.300"), "%s", err);
    cr_assert_eq(r.nvalues, 3);
    cr_assert_eq(probe_req_finish(&r, err, sizeof(err)), 0, "%s", err);
    cr_assert_eq(r.qtype, RDATA_T_A);
    cr_assert_eq(r.nvalues, 2, "duplicates dropped");
    cr_assert_str_eq(r.values[0], "192.0.2.10");
    cr_assert_str_eq(r.values[1], "192.0.2.9");
    probe_req_clear(&r);
    cr_assert_null(r.values);
    cr_assert_eq(r.nvalues, 0);
}

Test(request, add_value_type_checks)
{
    probe_req_t r;
    char err[512];

    probe_req_init(&r);
    cr_assert_eq(probe_req_set_name(&r, "example.com", true, err, sizeof(err)), 0);
    /* a zone defaults to SOA: compared like any type, "x" is no SOA */
    cr_assert_eq(probe_req_add_value(&r, "x", err, sizeof(err)), DP_EBADVALUE);
    cr_assert_not_null(strstr(err, "SOA"), "%s", err);
    /* a meta type (RFC 6895 3.1) forms no RRset */
    r.qtype = 255;
    cr_assert_eq(probe_req_add_value(&r, "x", err, sizeof(err)), DP_EBADTYPE);
    cr_assert_not_null(strstr(err, "ANY"), "%s", err);
    r.qtype = RDATA_T_MX;
    cr_assert_eq(probe_req_add_value(&r, "mail.example.com", err, sizeof(err)),
                 DP_EBADVALUE);
    cr_assert_not_null(strstr(err, "MX"), "%s", err);
    cr_assert_eq(probe_req_add_value(&r, "10 Mail.Example.Com", err, sizeof(err)), 0);
    cr_assert_str_eq(r.values[0], "10 mail.example.com.");
    probe_req_clear(&r);
}

Test(request, finish_checks)
{
    probe_req_t r;
    char err[512];

    probe_req_init(&r);
    cr_assert_eq(probe_ns_parse("192.0.2.1", &r.ns), 0);
    cr_assert_eq(probe_req_set_name(&r, "example.com", true, err, sizeof(err)), 0);
    cr_assert_eq(probe_req_finish(&r, err, sizeof(err)), DP_EUSAGE, "no serial");
    cr_assert_not_null(strstr(err, "serial"), "%s", err);
    r.has_serial = true;
    r.serial = 7;
    r.qtype = RDATA_T_A;
    cr_assert_eq(probe_req_finish(&r, err, sizeof(err)), DP_EUSAGE, "serial on A");
    cr_assert_not_null(strstr(err, "type"), "%s", err);
    r.qtype = 0;
    r.frequency = 0;
    cr_assert_eq(probe_req_finish(&r, err, sizeof(err)), DP_ERANGE);
    cr_assert_not_null(strstr(err, "frequency"), "%s", err);
    r.frequency = 1;
    r.timeout = 0;
    cr_assert_eq(probe_req_finish(&r, err, sizeof(err)), DP_ERANGE);
    cr_assert_not_null(strstr(err, "timeout"), "%s", err);
    r.timeout = 5;
    cr_assert_eq(probe_req_finish(&r, err, sizeof(err)), 0, "%s", err);
    cr_assert_eq(r.qtype, RDATA_T_SOA);
    probe_req_clear(&r);

    /* empty_response on a record: A by default, no values needed */
    probe_req_init(&r);
    cr_assert_eq(probe_ns_parse("192.0.2.1", &r.ns), 0);
    cr_assert_eq(probe_req_set_name(&r, "gone.example.com", false, err, sizeof(err)), 0);
    r.cond = COND_EMPTY_RESPONSE;
    cr_assert_eq(probe_req_finish(&r, err, sizeof(err)), 0, "%s", err);
    cr_assert_eq(r.qtype, RDATA_T_A);
    probe_req_clear(&r);
}

/* ---- CSV: good files ---------------------------------------------------- */

static const probe_req_t *find_id(const load_t *l, const char *id)
{
    size_t i;

    for (i = 0; i < l->n; i++)
        if (l->reqs[i].id != NULL && strcmp(l->reqs[i].id, id) == 0)
            return &l->reqs[i];
    cr_assert_fail("no request with id '%s'", id);
    return NULL;
}

Test(request, csv_good_file, .fini = cleanup_tmp)
{
    load_t l;
    const probe_req_t *r;

    load("# requests for the unit test\n"
         "type,condition,zone_name,name,nameserver,value,value,id,serial,frequency,"
         "timeout,start_time,match\n"
         "A,value_present,,WWW.Example.COM,192.0.2.53,192.0.2.2,192.0.2.1,web,,1,60,,"
         "exact\n"
         "\n"
         "# TXT: commas and doubled quotes inside quoted fields\n"
         "TXT,value_present,,txt.example,127.0.0.1:5300,\"hello, world\","
         "\"\"\"quoted\"\" \"\"two\"\"\",txt,,,,,\n"
         ",serial_not_lower,Example.COM,,[2001:db8::53]:5300,,,zone1,2024010101,,,"
         "1700000000.5,\n"
         ",empty_response,,gone.example,::1\n",
         &l);
    cr_assert_eq(l.ret, 0, "%s", l.err);
    cr_assert_eq(l.n, 4);

    r = find_id(&l, "web");
    cr_assert_str_eq(r->qname, "www.example.com.");
    cr_assert_eq(r->qtype, RDATA_T_A);
    cr_assert_not(r->is_zone);
    cr_assert_eq(r->cond, COND_VALUE_PRESENT);
    cr_assert(r->exact);
    cr_assert_str_eq(r->ns.text, "192.0.2.53:53");
    cr_assert_eq(r->nvalues, 2, "both value columns");
    cr_assert_str_eq(r->values[0], "192.0.2.1");
    cr_assert_str_eq(r->values[1], "192.0.2.2");
    cr_assert_float_eq(r->frequency, 1.0, 1e-12);
    cr_assert_float_eq(r->timeout, 60.0, 1e-12);
    cr_assert_lt(r->start_time, 0, "empty cell: default (now)");

    r = find_id(&l, "txt");
    cr_assert_eq(r->qtype, RDATA_T_TXT);
    cr_assert_not(r->exact);
    cr_assert_str_eq(r->ns.text, "127.0.0.1:5300");
    cr_assert_eq(r->nvalues, 2);
    cr_assert_str_eq(r->values[0], "\"hello, world\"");
    cr_assert_str_eq(r->values[1], "\"quoted\" \"two\"");
    cr_assert_float_eq(r->frequency, PROBE_DEFAULT_FREQUENCY, 1e-12);

    r = find_id(&l, "zone1");
    cr_assert(r->is_zone);
    cr_assert_str_eq(r->qname, "example.com.");
    cr_assert_eq(r->qtype, RDATA_T_SOA);
    cr_assert_eq(r->cond, COND_SERIAL_NOT_LOWER);
    cr_assert(r->has_serial);
    cr_assert_eq(r->serial, 2024010101u);
    cr_assert_str_eq(r->ns.text, "[2001:db8::53]:5300");
    cr_assert_float_eq(r->start_time, 1700000000.5, 1e-6);

    /* no id column value: the line number (line 8 of the file) */
    r = find_id(&l, "8");
    cr_assert_str_eq(r->qname, "gone.example.");
    cr_assert_eq(r->cond, COND_EMPTY_RESPONSE);
    cr_assert_eq(r->qtype, RDATA_T_A);
    cr_assert_str_eq(r->ns.text, "[::1]:53");

    probe_req_free_array(l.reqs, l.n);
}

Test(request, csv_aliases_crlf_and_value_before_type, .fini = cleanup_tmp)
{
    load_t l;

    load("value,type,ns,zone,condition\r\n"
         "10 Mail.Example,MX,127.0.0.1,example.com,value_present\r\n"
         "ns1.example.com.,NS,127.0.0.1,example.com,value_present\r\n",
         &l);
    cr_assert_eq(l.ret, 0, "%s", l.err);
    cr_assert_eq(l.n, 2);
    cr_assert_eq(l.reqs[0].qtype, RDATA_T_MX);
    cr_assert(l.reqs[0].is_zone);
    cr_assert_eq(l.reqs[0].nvalues, 1);
    cr_assert_str_eq(l.reqs[0].values[0], "10 mail.example.");
    cr_assert_str_eq(l.reqs[0].id, "2");
    cr_assert_str_eq(l.reqs[1].values[0], "ns1.example.com.");
    cr_assert_str_eq(l.reqs[1].id, "3");
    probe_req_free_array(l.reqs, l.n);
}

Test(request, csv_header_only_and_no_final_newline, .fini = cleanup_tmp)
{
    load_t l;

    load("nameserver,zone_name,condition,serial\n", &l);
    cr_assert_eq(l.ret, 0, "%s", l.err);
    cr_assert_eq(l.n, 0);
    probe_req_free_array(l.reqs, l.n);
    cleanup_tmp();

    load(
        "nameserver,zone_name,condition,serial\n127.0.0.1,example.com,serial_not_lower,5",
        &l);
    cr_assert_eq(l.ret, 0, "%s", l.err);
    cr_assert_eq(l.n, 1);
    cr_assert_eq(l.reqs[0].serial, 5);
    probe_req_free_array(l.reqs, l.n);
}

Test(request, csv_multiline_quoted_field, .fini = cleanup_tmp)
{
    load_t l;

    load("nameserver,name,condition,id\n"
         "127.0.0.1,a.example,empty_response,\"two\nlines\"\n"
         "127.0.0.1,b.example,empty_response\n",
         &l);
    cr_assert_eq(l.ret, 0, "%s", l.err);
    cr_assert_eq(l.n, 2);
    cr_assert_str_eq(l.reqs[0].id, "two\nlines");
    cr_assert_str_eq(l.reqs[1].id, "4", "the record after it starts on line 4");
    probe_req_free_array(l.reqs, l.n);
}

Test(request, csv_hash_inside_quoted_field_is_data, .fini = cleanup_tmp)
{
    load_t l;

    load("nameserver,name,condition,id\n"
         "127.0.0.1,a.example,empty_response,\"x\n"
         "# not a comment\"\n",
         &l);
    cr_assert_eq(l.ret, 0, "%s", l.err);
    cr_assert_eq(l.n, 1);
    cr_assert_str_eq(l.reqs[0].id, "x\n# not a comment");
    probe_req_free_array(l.reqs, l.n);
}

/* ---- CSV: errors -------------------------------------------------------- */

Test(request, csv_unknown_column, .fini = cleanup_tmp)
{
    load_fails("nameserver,zone_name,colour\n127.0.0.1,example.com,red\n", 1, "colour");
}

Test(request, csv_header_missing_columns, .fini = cleanup_tmp)
{
    load_fails("zone_name,condition\nexample.com,serial_not_lower\n", 1, "nameserver");
    cleanup_tmp();
    load_fails("nameserver,condition\n127.0.0.1,empty_response\n", 1, "name");
}

Test(request, csv_bad_type_line_3, .fini = cleanup_tmp)
{
    load_t l;

    load_fails("nameserver,name,type,condition\n"
               "127.0.0.1,a.example,A,empty_response\n"
               "127.0.0.1,b.example,BOGUS,empty_response\n",
               3, "type");
    /* the message quotes the bad text too */
    cleanup_tmp();
    load("nameserver,name,type,condition\n"
         "127.0.0.1,a.example,A,empty_response\n"
         "127.0.0.1,b.example,BOGUS,empty_response\n",
         &l);
    cr_assert_not_null(strstr(l.err, ":3:"), "%s", l.err);
    cr_assert_not_null(strstr(l.err, "BOGUS"), "%s", l.err);
}

Test(request, csv_line_numbers_count_comments_and_blanks, .fini = cleanup_tmp)
{
    load_fails("# c\n"
               "nameserver,name,type,condition\n"
               "\n"
               "# c\n"
               "127.0.0.1,b.example,AAAAA,empty_response\n",
               5, "type");
}

Test(request, csv_bad_nameserver, .fini = cleanup_tmp)
{
    load_fails("nameserver,zone_name,condition,serial\n"
               "300.1.1.1,example.com,serial_not_lower,1\n",
               2, "nameserver");
    cleanup_tmp();
    load_fails("ns,zone_name,condition,serial\n"
               "127.0.0.1:0,example.com,serial_not_lower,1\n",
               2, "ns");
}

Test(request, csv_bad_name, .fini = cleanup_tmp)
{
    load_fails("nameserver,zone_name,condition,serial\n"
               "127.0.0.1,a..example,serial_not_lower,1\n",
               2, "zone_name");
}

Test(request, csv_value_present_without_value, .fini = cleanup_tmp)
{
    load_fails("nameserver,name,condition,value\n"
               "127.0.0.1,a.example,value_present,\n",
               2, "value");
}

Test(request, csv_bad_value, .fini = cleanup_tmp)
{
    load_fails("nameserver,name,condition,type,value\n"
               "127.0.0.1,a.example,value_present,A,192.0.2.1\n"
               "127.0.0.1,a.example,value_present,A,192.0.2.256\n",
               3, "value");
}

Test(request, csv_serial_errors, .fini = cleanup_tmp)
{
    load_fails("nameserver,zone_name,condition\n"
               "127.0.0.1,example.com,serial_not_lower\n",
               2, "serial");
    cleanup_tmp();
    load_fails("nameserver,zone_name,condition,serial\n"
               "127.0.0.1,example.com,serial_not_lower,4294967296\n",
               2, "serial");
    cleanup_tmp();
    load_fails("nameserver,zone_name,condition,serial\n"
               "127.0.0.1,example.com,serial_not_lower,12abc\n",
               2, "serial");
    cleanup_tmp();
    load_fails("nameserver,zone_name,condition,serial,type\n"
               "127.0.0.1,example.com,serial_not_lower,1,A\n",
               2, "type");
}

Test(request, csv_other_field_errors, .fini = cleanup_tmp)
{
    load_fails("nameserver,zone_name,condition,serial\n"
               "127.0.0.1,example.com,serial_higher,1\n",
               2, "condition");
    cleanup_tmp();
    load_fails("nameserver,zone_name,condition,serial,frequency\n"
               "127.0.0.1,example.com,serial_not_lower,1,0\n",
               2, "frequency");
    cleanup_tmp();
    load_fails("nameserver,zone_name,condition,serial,timeout\n"
               "127.0.0.1,example.com,serial_not_lower,1,-5\n",
               2, "timeout");
    cleanup_tmp();
    load_fails("nameserver,zone_name,condition,serial,start_time\n"
               "127.0.0.1,example.com,serial_not_lower,1,yesterday\n",
               2, "start_time");
    cleanup_tmp();
    load_fails("nameserver,name,condition,value,match\n"
               "127.0.0.1,a.example,value_present,192.0.2.1,fuzzy\n",
               2, "match");
    cleanup_tmp();
    load_fails("nameserver,zone_name,name,condition\n"
               "127.0.0.1,example.com,www.example.com,empty_response\n",
               2, "name");
}

Test(request, csv_unterminated_quote, .fini = cleanup_tmp)
{
    load_fails("nameserver,zone_name,condition,serial\n"
               "127.0.0.1,\"example.com,serial_not_lower,1\n",
               2, NULL);
}

Test(request, csv_text_after_closing_quote, .fini = cleanup_tmp)
{
    load_fails("nameserver,zone_name,condition,serial\n"
               "127.0.0.1,\"example.com\"x,serial_not_lower,1\n",
               2, NULL);
}

Test(request, csv_more_fields_than_header, .fini = cleanup_tmp)
{
    load_fails("nameserver,zone_name,condition,serial\n"
               "127.0.0.1,example.com,serial_not_lower,1\n"
               "127.0.0.1,example.com,serial_not_lower,1,extra\n",
               3, NULL);
}

Test(request, csv_empty_and_missing_files, .fini = cleanup_tmp)
{
    load_t l;
    char err[512];
    probe_req_t *reqs = (probe_req_t *)1;
    size_t n = 99;

    load("", &l);
    cr_assert_lt(l.ret, 0);
    cr_assert_not_null(strstr(l.err, tmp_path), "%s", l.err);
    cr_assert_not_null(strstr(l.err, "empty"), "%s", l.err);
    cr_assert_null(l.reqs);
    cleanup_tmp();

    load("# only a comment\n\n", &l);
    cr_assert_lt(l.ret, 0, "no header");
    cr_assert_not_null(strstr(l.err, "empty"), "%s", l.err);
    cleanup_tmp();

    cr_assert_lt(
        probe_req_load_csv("/nonexistent/dnsprop.csv", &reqs, &n, err, sizeof(err)), 0);
    cr_assert_null(reqs);
    cr_assert_eq(n, 0);
    cr_assert_not_null(strstr(err, "/nonexistent/dnsprop.csv"), "%s", err);
}

Test(request, csv_error_line_of_multiline_record, .fini = cleanup_tmp)
{
    /* The record starts on line 3; its first field spans lines 3-4. The
     * error must name the line the record started on (request.c keeps
     * rec_line for that). */
    load_fails("id,nameserver,name,condition,type\n"
               "ok,127.0.0.1,a.example,empty_response,A\n"
               "\"multi\n"
               "line\",127.0.0.1,b.example,empty_response,BOGUS\n",
               3, "type");
}

/* A request that travels to a probe agent comes back the same. */
Test(request, json_round_trip)
{
    probe_req_t a, b;
    char err[256];
    json_t *j;

    probe_req_init(&a);
    cr_assert_eq(probe_ns_parse("[::1]:5300", &a.ns), 0);
    cr_assert_eq(probe_req_set_name(&a, "WWW.Example.TEST", false, err, sizeof(err)), 0);
    a.qtype = 16; /* TXT */
    a.cond = COND_VALUE_PRESENT;
    a.exact = true;
    cr_assert_eq(probe_req_add_value(&a, "\"hello, world\"", err, sizeof(err)), 0, "%s",
                 err);
    cr_assert_eq(probe_req_add_value(&a, "second", err, sizeof(err)), 0, "%s", err);
    a.start_time = 1795318000.25;
    a.frequency = 0.05;
    a.timeout = 12;
    a.tag = (UINT64_C(77) << 16) | 3;
    cr_assert_eq(probe_req_finish(&a, err, sizeof(err)), 0, "%s", err);
    j = probe_req_to_json(&a);
    cr_assert_eq(probe_req_from_json(j, &b, err, sizeof(err)), 0, "%s", err);
    cr_assert_str_eq(b.ns.text, a.ns.text);
    cr_assert_str_eq(b.qname, "www.example.test.");
    cr_assert_eq(b.qtype, 16);
    cr_assert_eq(b.cond, COND_VALUE_PRESENT);
    cr_assert(b.exact);
    cr_assert_eq(b.nvalues, 2);
    cr_assert_str_eq(b.values[0], a.values[0]);
    cr_assert_str_eq(b.values[1], a.values[1]);
    cr_assert_float_eq(b.start_time, a.start_time, 1e-6);
    cr_assert_eq(b.tag, a.tag);
    json_decref(j);
    probe_req_clear(&b);
    /* a broken one names the field */
    j = json_pack("{s:s, s:s, s:s}", "nameserver", "not an address", "name", "x.test.",
                  "condition", "value_present");
    cr_assert_lt(probe_req_from_json(j, &b, err, sizeof(err)), 0);
    cr_assert(strstr(err, "nameserver") != NULL, "%s", err);
    probe_req_clear(&b);
    json_decref(j);
    probe_req_clear(&a);
}
