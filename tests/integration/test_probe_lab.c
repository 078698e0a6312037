/*
 * Integration tests of the probe engine against the real lab: PowerDNS
 * primary, Knot, BIND and NSD secondaries (tests/lab/lab.sh). Every test
 * changes data through the PowerDNS API and watches it arrive.
 */
#include <criterion/criterion.h>
#include <math.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "harness/common/timebase.h"
#include "tests/integration/labenv.h"

#define NSEC 3 /* knot, bind, nsd */

static const char *secondary(int i)
{
    static const char *const vars[NSEC] = {"LAB_KNOT_ADDR", "LAB_BIND_ADDR",
                                           "LAB_NSD_ADDR"};
    return lab_get(vars[i]);
}

static void add_value(probe_req_t *req, const char *v)
{
    char err[1100];
    cr_assert_eq(probe_req_add_value(req, v, err, sizeof(err)), 0, "%s", err);
}

static void clear_all(probe_req_t *reqs, probe_result_t *res, size_t n)
{
    size_t i;
    for (i = 0; i < n; i++) {
        probe_req_clear(&reqs[i]);
        probe_result_clear(&res[i]);
    }
}

/* A unique label per test run, so reruns on one lab do not collide. */
static const char *uniq(const char *prefix)
{
    static char buf[128];
    snprintf(buf, sizeof(buf), "%s-%ld-%d", prefix, (long)time(NULL), (int)getpid());
    return buf;
}

Test(lab, serial_not_lower_completes_and_times_out, .timeout = 60)
{
    probe_req_t reqs[NSEC];
    probe_result_t res[NSEC];
    uint32_t seen[NSEC];
    int i;

    for (i = 0; i < NSEC; i++) {
        lab_req(&reqs[i], secondary(i), "lab.test.", true, COND_SERIAL_NOT_LOWER, 0.1,
                10);
        reqs[i].serial = 1;
        reqs[i].has_serial = true;
    }
    cr_assert_eq(lab_run(reqs, NSEC, res, 30), 0);
    for (i = 0; i < NSEC; i++) {
        cr_assert_eq(res[i].status, PROBE_COMPLETED, "%s: %s", res[i].ns, res[i].reason);
        cr_assert(res[i].have_serial);
        seen[i] = res[i].serial;
    }
    clear_all(reqs, res, NSEC);

    /* 1000 ahead of what each serves (wrapping if need be): never reached. */
    for (i = 0; i < NSEC; i++) {
        lab_req(&reqs[i], secondary(i), "lab.test.", true, COND_SERIAL_NOT_LOWER, 0.1,
                1.0);
        reqs[i].serial = seen[i] + 1000u;
        reqs[i].has_serial = true;
        reqs[i].keep_queries = i == 0; /* dnsprop serve's query_log */
    }
    cr_assert_eq(lab_run(reqs, NSEC, res, 30), 0);
    for (i = 0; i < NSEC; i++) {
        cr_expect_eq(res[i].status, PROBE_TIMEOUT, "%s: %s %s", res[i].ns,
                     probe_status_str(res[i].status), res[i].reason);
        cr_expect_geq(res[i].queries, 5, "fixed schedule: 1 s at 0.1 s");
        cr_expect_leq(res[i].queries, 11);
        cr_expect(isnan(res[i].duration));
        cr_expect(strstr(res[i].reason, "still lower") != NULL, "%s", res[i].reason);
    }
    /* each answered query: when sent (in schedule order) and its response time */
    cr_expect_eq(res[0].nquery_log, res[0].answers);
    for (uint32_t q = 0; q < res[0].nquery_log; q++) {
        double at = res[0].query_log[2 * q];
        double rtt = res[0].query_log[2 * q + 1];
        cr_expect(at >= 0 && at < 1.5 && rtt > 0 && rtt < 0.5, "query %u: %f %f", q, at,
                  rtt);
        cr_expect(q == 0 || at > res[0].query_log[2 * q - 2], "query %u sent before", q);
    }
    cr_expect_null(res[1].query_log, "not asked for");
    clear_all(reqs, res, NSEC);
}

Test(lab, value_present_second_value_and_timeout, .timeout = 60)
{
    probe_req_t reqs[2 * NSEC];
    probe_result_t res[2 * NSEC];
    int i;

    for (i = 0; i < NSEC; i++) {
        lab_req(&reqs[i], secondary(i), "multi.lab.test.", false, COND_VALUE_PRESENT, 0.1,
                10);
        add_value(&reqs[i], "192.0.2.11"); /* the second of two */
        lab_req(&reqs[NSEC + i], secondary(i), "multi.lab.test.", false,
                COND_VALUE_PRESENT, 0.1, 1.0);
        add_value(&reqs[NSEC + i], "192.0.2.11");
        reqs[NSEC + i].exact = true; /* the RRset has two: never exact */
    }
    cr_assert_eq(lab_run(reqs, 2 * NSEC, res, 30), 0);
    for (i = 0; i < NSEC; i++) {
        cr_expect_eq(res[i].status, PROBE_COMPLETED, "%s: %s", res[i].ns, res[i].reason);
        cr_expect_eq(res[i].nvalues, 2, "%s: observed RRset has %zu values", res[i].ns,
                     res[i].nvalues);
        cr_expect_eq(res[NSEC + i].status, PROBE_TIMEOUT, "%s: %s", res[NSEC + i].ns,
                     res[NSEC + i].reason);
    }
    clear_all(reqs, res, 2 * NSEC);
}

Test(lab, empty_response_nxdomain_nodata, .timeout = 60)
{
    probe_req_t reqs[3 * NSEC];
    probe_result_t res[3 * NSEC];
    int i;

    for (i = 0; i < NSEC; i++) {
        lab_req(&reqs[i], secondary(i), "no-such-name.lab.test.", false,
                COND_EMPTY_RESPONSE, 0.1, 5);
        lab_req(&reqs[NSEC + i], secondary(i), "www.lab.test.", false,
                COND_EMPTY_RESPONSE, 0.1, 5);
        reqs[NSEC + i].qtype = RDATA_T_TXT; /* www has an A only */
        lab_req(&reqs[2 * NSEC + i], secondary(i), "www.lab.test.", false,
                COND_EMPTY_RESPONSE, 0.1, 1.0);
        reqs[2 * NSEC + i].qtype = RDATA_T_A; /* present: never empty */
    }
    cr_assert_eq(lab_run(reqs, 3 * NSEC, res, 30), 0);
    for (i = 0; i < NSEC; i++) {
        cr_expect_eq(res[i].status, PROBE_COMPLETED, "%s: %s", res[i].ns, res[i].reason);
        cr_expect_eq(res[i].empty, COND_EMPTY_NXDOMAIN, "%s", res[i].ns);
        cr_expect_eq(res[NSEC + i].status, PROBE_COMPLETED, "%s", res[NSEC + i].ns);
        cr_expect_eq(res[NSEC + i].empty, COND_EMPTY_NODATA, "%s", res[NSEC + i].ns);
        cr_expect_eq(res[2 * NSEC + i].status, PROBE_TIMEOUT, "%s: %s",
                     res[2 * NSEC + i].ns, res[2 * NSEC + i].reason);
    }
    clear_all(reqs, res, 3 * NSEC);
}

/* A change made at a known moment through the API: the moment lies
 * inside (lower_bound, duration] on the primary, and each secondary sees
 * it no earlier than the change was made. */
Test(lab, change_at_known_moment_is_inside_band, .timeout = 90)
{
    probe_req_t reqs[NSEC + 1];
    probe_result_t res[NSEC + 1];
    char name[256];
    const char *val = "192.0.2.77";
    double start = timebase_real_s();
    double t0, t1;
    probe_pool_opts_t opts;
    probe_pool_t *pool = NULL;
    char err[1100];
    size_t got = 0;
    int i;

    snprintf(name, sizeof(name), "%s.lab.test.", uniq("moment"));
    for (i = 0; i <= NSEC; i++) {
        lab_req(&reqs[i], i == NSEC ? lab_get("LAB_PDNS_ADDR") : secondary(i), name,
                false, COND_VALUE_PRESENT, 0.05, 30);
        add_value(&reqs[i], val);
        reqs[i].start_time = start;
        reqs[i].tag = (uint64_t)i;
        cr_assert_eq(probe_req_finish(&reqs[i], err, sizeof(err)), 0, "%s", err);
    }
    memset(&opts, 0, sizeof(opts));
    opts.threads = 2;
    cr_assert_eq(probe_pool_create(&pool, &opts), 0);
    for (i = 0; i <= NSEC; i++)
        cr_assert_eq(probe_pool_submit(pool, &reqs[i]), 0);
    usleep(700 * 1000); /* let every server answer "not there" a few times */
    t0 = timebase_real_s();
    {
        const char *contents[] = {val};
        cr_assert_eq(lab_rrset("lab.test.", name, "A", contents, 1), 204);
    }
    t1 = timebase_real_s();
    while (got < NSEC + 1) {
        probe_result_t r;
        if (probe_pool_next(pool, &r, 1000) != 0)
            continue;
        res[r.tag] = r;
        got++;
    }
    probe_pool_destroy(pool);

    for (i = 0; i <= NSEC; i++) {
        cr_expect_eq(res[i].status, PROBE_COMPLETED, "%s: %s", res[i].ns, res[i].reason);
        cr_expect_gt(res[i].lower_bound, 0.5, "%s: queries before the change", res[i].ns);
        cr_expect_lt(res[i].lower_bound, res[i].duration);
        /* Not visible before the API call started, anywhere. */
        cr_expect_geq(res[i].duration, t0 - start - 0.001, "%s: duration %.3f < %.3f",
                      res[i].ns, res[i].duration, t0 - start);
        cr_expect_geq(res[i].observed_at, t0 - 0.001);
    }
    /* The primary serves it once the API returned: its band holds [t0, t1]. */
    cr_expect_lt(res[NSEC].lower_bound, t1 - start, "primary lower_bound %.3f >= %.3f",
                 res[NSEC].lower_bound, t1 - start);
    cr_expect_leq(res[NSEC].duration, t1 - start + 0.2, "primary duration %.3f",
                  res[NSEC].duration);
    for (i = 0; i < NSEC; i++)
        cr_log_info("propagation to %s: (%.3f, %.3f] s", res[i].ns,
                    res[i].lower_bound - (t0 - start), res[i].duration - (t0 - start));
    clear_all(reqs, res, NSEC + 1);
}

Test(lab, deleted_name_reports_nxdomain_vs_nodata, .timeout = 90)
{
    probe_req_t reqs[2 * NSEC];
    probe_result_t res[2 * NSEC];
    char gone[256];
    char half[256];
    const char *a[] = {"192.0.2.55"};
    const char *txt[] = {"\"keep me\""};
    int i;

    snprintf(gone, sizeof(gone), "%s.lab.test.", uniq("gone"));
    snprintf(half, sizeof(half), "%s.lab.test.", uniq("half"));
    cr_assert_eq(lab_rrset("lab.test.", gone, "A", a, 1), 204);
    cr_assert_eq(lab_rrset("lab.test.", half, "A", a, 1), 204);
    cr_assert_eq(lab_rrset("lab.test.", half, "TXT", txt, 1), 204);
    /* wait until every secondary has both */
    for (i = 0; i < NSEC; i++) {
        lab_req(&reqs[i], secondary(i), gone, false, COND_VALUE_PRESENT, 0.1, 20);
        add_value(&reqs[i], a[0]);
        lab_req(&reqs[NSEC + i], secondary(i), half, false, COND_VALUE_PRESENT, 0.1, 20);
        reqs[NSEC + i].qtype = RDATA_T_TXT;
        add_value(&reqs[NSEC + i], "keep me");
    }
    cr_assert_eq(lab_run(reqs, 2 * NSEC, res, 40), 0);
    for (i = 0; i < 2 * NSEC; i++)
        cr_assert_eq(res[i].status, PROBE_COMPLETED, "%s %s: %s", res[i].ns, res[i].qname,
                     res[i].reason);
    clear_all(reqs, res, 2 * NSEC);

    cr_assert_eq(lab_rrset("lab.test.", gone, "A", NULL, 0), 204);
    cr_assert_eq(lab_rrset("lab.test.", half, "A", NULL, 0), 204);
    for (i = 0; i < NSEC; i++) {
        lab_req(&reqs[i], secondary(i), gone, false, COND_EMPTY_RESPONSE, 0.1, 20);
        lab_req(&reqs[NSEC + i], secondary(i), half, false, COND_EMPTY_RESPONSE, 0.1, 20);
    }
    cr_assert_eq(lab_run(reqs, 2 * NSEC, res, 40), 0);
    for (i = 0; i < NSEC; i++) {
        cr_expect_eq(res[i].status, PROBE_COMPLETED, "%s: %s", res[i].ns, res[i].reason);
        cr_expect_eq(res[i].empty, COND_EMPTY_NXDOMAIN, "%s: %s", res[i].ns,
                     cond_empty_str(res[i].empty));
        cr_expect_eq(res[NSEC + i].status, PROBE_COMPLETED, "%s: %s", res[NSEC + i].ns,
                     res[NSEC + i].reason);
        cr_expect_eq(res[NSEC + i].empty, COND_EMPTY_NODATA, "%s: %s", res[NSEC + i].ns,
                     cond_empty_str(res[NSEC + i].empty));
    }
    clear_all(reqs, res, 2 * NSEC);
}

Test(lab, new_zone_arrives_and_removed_zone_is_refused, .timeout = 120)
{
    probe_req_t reqs[NSEC];
    probe_result_t res[NSEC];
    char zone[256];
    int i;

    snprintf(zone, sizeof(zone), "%s.test.", uniq("zone"));
    cr_assert_eq(lab_zone_create(zone), 0, "lab.sh zone-create %s failed", zone);
    for (i = 0; i < NSEC; i++) {
        lab_req(&reqs[i], secondary(i), zone, true, COND_SERIAL_NOT_LOWER, 0.1, 30);
        reqs[i].serial = 1;
        reqs[i].has_serial = true;
    }
    cr_assert_eq(lab_run(reqs, NSEC, res, 60), 0);
    for (i = 0; i < NSEC; i++)
        cr_expect_eq(res[i].status, PROBE_COMPLETED, "%s: new zone never arrived: %s",
                     res[i].ns, res[i].reason);
    clear_all(reqs, res, NSEC);

    cr_assert_eq(lab_zone_delete(zone), 0);
    for (i = 0; i < NSEC; i++)
        lab_req(&reqs[i], secondary(i), zone, true, COND_EMPTY_RESPONSE, 0.1, 30);
    cr_assert_eq(lab_run(reqs, NSEC, res, 60), 0);
    for (i = 0; i < NSEC; i++) {
        cr_expect_eq(res[i].status, PROBE_COMPLETED, "%s: %s", res[i].ns, res[i].reason);
        cr_expect_eq(res[i].empty, COND_EMPTY_REFUSED, "%s: saw %s", res[i].ns,
                     cond_empty_str(res[i].empty) ? cond_empty_str(res[i].empty)
                                                  : "none");
    }
    clear_all(reqs, res, NSEC);
}

Test(lab, nameserver_down_is_an_error_with_reason, .timeout = 30)
{
    probe_req_t req;
    probe_result_t res;

    /* A port nobody listens on: ICMP port unreachable on loopback. */
    lab_req(&req, "127.0.0.1:9", "lab.test.", true, COND_SERIAL_NOT_LOWER, 0.2, 1.0);
    req.serial = 1;
    req.has_serial = true;
    cr_assert_eq(lab_run(&req, 1, &res, 10), 0);
    cr_expect_eq(res.status, PROBE_ERROR, "%s", probe_status_str(res.status));
    cr_expect(strstr(res.reason, "unreachable") != NULL, "reason: %s", res.reason);
    cr_expect_eq(res.answers, 0);
    cr_expect_geq(res.queries, 3);
    probe_req_clear(&req);
    probe_result_clear(&res);
}

Test(lab, ipv6_nameserver, .timeout = 30)
{
    probe_req_t req;
    probe_result_t res;

    lab_req(&req, lab_get("LAB_KNOT_ADDR6"), "www.lab.test.", false, COND_VALUE_PRESENT,
            0.1, 5);
    add_value(&req, "192.0.2.1");
    cr_assert_eq(lab_run(&req, 1, &res, 10), 0);
    cr_expect_eq(res.status, PROBE_COMPLETED, "%s", res.reason);
    cr_expect(res.ns[0] == '[', "ns text %s", res.ns);
    probe_req_clear(&req);
    probe_result_clear(&res);
}

/* An RRset too big for 512 octets of UDP: the answer is truncated and
 * c-ares retries over TCP (RFC 7766); the set still compares whole. */
Test(lab, truncated_answer_retried_over_tcp, .timeout = 90)
{
    char name[256];
    char vals[12][300];
    const char *contents[12];
    probe_req_t reqs[NSEC + 1];
    probe_result_t res[NSEC + 1];
    int i, k;

    snprintf(name, sizeof(name), "%s.lab.test.", uniq("big"));
    for (k = 0; k < 12; k++) {
        snprintf(vals[k], sizeof(vals[k]), "\"%02d-%0200d\"", k, 0);
        contents[k] = vals[k];
    }
    cr_assert_eq(lab_rrset("lab.test.", name, "TXT", contents, 12), 204);
    for (i = 0; i <= NSEC; i++) {
        lab_req(&reqs[i], i == NSEC ? lab_get("LAB_PDNS_ADDR") : secondary(i), name,
                false, COND_VALUE_PRESENT, 0.1, 20);
        reqs[i].qtype = RDATA_T_TXT;
        reqs[i].exact = true;
        for (k = 0; k < 12; k++)
            add_value(&reqs[i], vals[k]);
    }
    cr_assert_eq(lab_run(reqs, NSEC + 1, res, 40), 0);
    for (i = 0; i <= NSEC; i++) {
        cr_expect_eq(res[i].status, PROBE_COMPLETED, "%s: %s", res[i].ns, res[i].reason);
        cr_expect_eq(res[i].nvalues, 12, "%s: %zu values", res[i].ns, res[i].nvalues);
    }
    clear_all(reqs, res, NSEC + 1);
}
