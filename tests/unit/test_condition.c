/*
 * condition: cond_eval() over hand-filled answers, the value matcher and
 * the name tables.
 */
#include <criterion/criterion.h>
#include <string.h>

#include "harness/common/errcode.h"
#include "probes/condition.h"

/* A writable string (the API takes char *const *; -Wwrite-strings). */
#define V(s) ((char[]){s})

enum {
    NOERROR = 0,
    FORMERR = 1,
    SERVFAIL = 2,
    NXDOMAIN = 3,
    NOTIMP = 4,
    REFUSED = 5,
    NOTAUTH = 9
};

static dnsmsg_answer_t answer(int rcode)
{
    dnsmsg_answer_t a;

    memset(&a, 0, sizeof(a));
    a.rcode = rcode;
    a.aa = true;
    a.qmatch = true;
    return a;
}

static dnsmsg_answer_t soa_answer(int rcode, uint32_t serial)
{
    dnsmsg_answer_t a = answer(rcode);

    a.have_soa = true;
    a.soa_serial = serial;
    a.ancount = 1;
    a.nmatch = 1;
    return a;
}

static cond_spec_t serial_spec(uint32_t serial)
{
    cond_spec_t s;

    memset(&s, 0, sizeof(s));
    s.kind = COND_SERIAL_NOT_LOWER;
    s.is_zone = true;
    s.serial = serial;
    return s;
}

static cond_spec_t values_spec(char *const *values, size_t n, bool exact)
{
    cond_spec_t s;

    memset(&s, 0, sizeof(s));
    s.kind = COND_VALUE_PRESENT;
    s.values = values;
    s.nvalues = n;
    s.exact = exact;
    return s;
}

static cond_spec_t empty_spec(bool is_zone)
{
    cond_spec_t s;

    memset(&s, 0, sizeof(s));
    s.kind = COND_EMPTY_RESPONSE;
    s.is_zone = is_zone;
    return s;
}

/* ---- serial_not_lower --------------------------------------------------- */

Test(condition, serial_not_lower_basic)
{
    cond_spec_t s = serial_spec(2024010102u);
    cond_empty_t e = COND_EMPTY_NXDOMAIN;
    dnsmsg_answer_t a;

    a = soa_answer(NOERROR, 2024010101u);
    cr_assert_not(cond_eval(&s, &a, &e), "older serial");
    cr_assert_eq(e, COND_EMPTY_NONE, "empty is reset for other conditions");
    a = soa_answer(NOERROR, 2024010102u);
    cr_assert(cond_eval(&s, &a, &e), "equal serial");
    a = soa_answer(NOERROR, 2024010200u);
    cr_assert(cond_eval(&s, &a, &e), "newer serial");
    cr_assert_eq(e, COND_EMPTY_NONE);
}

Test(condition, serial_not_lower_wrap)
{
    cond_spec_t s = serial_spec(4294967290u);
    cond_empty_t e;
    dnsmsg_answer_t a;

    a = soa_answer(NOERROR, 100);
    cr_assert(cond_eval(&s, &a, &e), "100 follows 4294967290 after the wrap");
    a = soa_answer(NOERROR, 4294967289u);
    cr_assert_not(cond_eval(&s, &a, &e));
    /* exactly 2^31 away: undefined, not satisfied */
    a = soa_answer(NOERROR, 4294967290u + 0x80000000u);
    cr_assert_not(cond_eval(&s, &a, &e));

    s = serial_spec(100);
    a = soa_answer(NOERROR, 4294967290u);
    cr_assert_not(cond_eval(&s, &a, &e), "4294967290 is before 100");
}

Test(condition, serial_needs_soa_and_noerror)
{
    cond_spec_t s = serial_spec(1);
    cond_empty_t e;
    dnsmsg_answer_t a;

    a = answer(NOERROR); /* no SOA in the answer (e.g. NODATA) */
    a.soa_serial = 5;    /* garbage that must be ignored */
    cr_assert_not(cond_eval(&s, &a, &e));
    a = soa_answer(NXDOMAIN, 5);
    cr_assert_not(cond_eval(&s, &a, &e));
    a = soa_answer(SERVFAIL, 5);
    cr_assert_not(cond_eval(&s, &a, &e));
    a = soa_answer(REFUSED, 5);
    cr_assert_not(cond_eval(&s, &a, &e));
    a = soa_answer(NOERROR, 5);
    cr_assert(cond_eval(&s, &a, &e));
}

/* ---- value_present ------------------------------------------------------ */

Test(condition, value_present_subset)
{
    char *have[] = {V("192.0.2.1"), V("192.0.2.2"), V("192.0.2.3")};
    char *want1[] = {V("192.0.2.2")};
    char *want2[] = {V("192.0.2.1"), V("192.0.2.3")};
    char *want_missing[] = {V("192.0.2.2"), V("192.0.2.9")};
    cond_empty_t e;
    dnsmsg_answer_t a = answer(NOERROR);
    cond_spec_t s;

    a.values = have;
    a.nvalues = 3;
    a.nmatch = 3;
    a.ancount = 3;

    s = values_spec(want1, 1, false);
    cr_assert(cond_eval(&s, &a, &e), "second value of a 3-value RRset");
    cr_assert_eq(e, COND_EMPTY_NONE);
    s = values_spec(want2, 2, false);
    cr_assert(cond_eval(&s, &a, &e), "first and last values");
    s = values_spec(want_missing, 2, false);
    cr_assert_not(cond_eval(&s, &a, &e), "one expected value missing");
    s = values_spec(have, 3, false);
    cr_assert(cond_eval(&s, &a, &e), "the whole set is a subset of itself");
}

Test(condition, value_present_exact)
{
    char *have[] = {V("192.0.2.1"), V("192.0.2.2")};
    char *want_one[] = {V("192.0.2.2")};
    char *want_both[] = {V("192.0.2.1"), V("192.0.2.2")};
    char *want_other[] = {V("192.0.2.1"), V("192.0.2.3")};
    char *want_more[] = {V("192.0.2.1"), V("192.0.2.2"), V("192.0.2.3")};
    cond_empty_t e;
    dnsmsg_answer_t a = answer(NOERROR);
    cond_spec_t s;

    a.values = have;
    a.nvalues = 2;
    a.nmatch = 2;

    s = values_spec(want_one, 1, true);
    cr_assert_not(cond_eval(&s, &a, &e), "exact: RRset has an extra value");
    s = values_spec(want_one, 1, false);
    cr_assert(cond_eval(&s, &a, &e), "subset: extra values allowed");
    s = values_spec(want_both, 2, true);
    cr_assert(cond_eval(&s, &a, &e), "exact: same set");
    s = values_spec(want_other, 2, true);
    cr_assert_not(cond_eval(&s, &a, &e), "exact: same size, different set");
    s = values_spec(want_more, 3, true);
    cr_assert_not(cond_eval(&s, &a, &e));
    s = values_spec(want_more, 3, false);
    cr_assert_not(cond_eval(&s, &a, &e), "subset: more wanted than present");
}

Test(condition, value_present_non_noerror_never)
{
    char *have[] = {V("192.0.2.1")};
    static const int rcodes[] = {FORMERR, SERVFAIL, NXDOMAIN, NOTIMP, REFUSED, NOTAUTH};
    cond_empty_t e;
    size_t i;

    for (i = 0; i < sizeof(rcodes) / sizeof(rcodes[0]); i++) {
        dnsmsg_answer_t a = answer(rcodes[i]);
        cond_spec_t s = values_spec(have, 1, false);
        a.values = have;
        a.nvalues = 1;
        a.nmatch = 1;
        cr_assert_not(cond_eval(&s, &a, &e), "rcode %d", rcodes[i]);
        s.exact = true;
        cr_assert_not(cond_eval(&s, &a, &e), "rcode %d exact", rcodes[i]);
    }
}

Test(condition, value_present_empty_rrset)
{
    char *want[] = {V("192.0.2.1")};
    cond_empty_t e;
    dnsmsg_answer_t a = answer(NOERROR); /* NODATA */
    cond_spec_t s = values_spec(want, 1, false);

    cr_assert_not(cond_eval(&s, &a, &e));
    s.exact = true;
    cr_assert_not(cond_eval(&s, &a, &e));
}

Test(condition, values_match_merge)
{
    char *have[] = {V("a"), V("c"), V("e"), V("g")};
    char *w_ce[] = {V("c"), V("e")};
    char *w_b[] = {V("b")};
    char *w_h[] = {V("h")};
    char *w_ag[] = {V("a"), V("g")};
    char *w_0[] = {V("0")};

    cr_assert(cond_values_match(w_ce, 2, have, 4, false));
    cr_assert_not(cond_values_match(w_b, 1, have, 4, false), "between two values");
    cr_assert_not(cond_values_match(w_h, 1, have, 4, false), "after the last");
    cr_assert_not(cond_values_match(w_0, 1, have, 4, false), "before the first");
    cr_assert(cond_values_match(w_ag, 2, have, 4, false));
    cr_assert(cond_values_match(have, 4, have, 4, true));
    cr_assert_not(cond_values_match(w_ag, 2, have, 4, true));
    cr_assert_not(cond_values_match(w_ce, 2, have, 0, false), "nothing present");
    /* Nothing expected: satisfied by "some value", never by nothing. */
    cr_assert(cond_values_match(NULL, 0, have, 4, false));
    cr_assert_not(cond_values_match(NULL, 0, NULL, 0, false));
}

/* ---- empty_response ----------------------------------------------------- */

Test(condition, empty_nxdomain)
{
    cond_empty_t e = COND_EMPTY_NONE;
    dnsmsg_answer_t a = answer(NXDOMAIN);
    cond_spec_t s = empty_spec(false);

    cr_assert(cond_eval(&s, &a, &e));
    cr_assert_eq(e, COND_EMPTY_NXDOMAIN);
    s = empty_spec(true);
    cr_assert(cond_eval(&s, &a, &e));
    cr_assert_eq(e, COND_EMPTY_NXDOMAIN);
    cr_assert_str_eq(cond_empty_str(e), "NXDOMAIN");
}

Test(condition, empty_nodata)
{
    cond_empty_t e = COND_EMPTY_NONE;
    dnsmsg_answer_t a = answer(NOERROR); /* nmatch 0, no CNAME */
    cond_spec_t s = empty_spec(false);

    cr_assert(cond_eval(&s, &a, &e));
    cr_assert_eq(e, COND_EMPTY_NODATA);
    cr_assert_str_eq(cond_empty_str(e), "NODATA");

    /* Other RRs in the answer (not at qname/qtype) still mean NODATA for
     * the pair asked about. */
    a.ancount = 2;
    cr_assert(cond_eval(&s, &a, &e));
    cr_assert_eq(e, COND_EMPTY_NODATA);
}

Test(condition, records_present_is_not_empty)
{
    char *have[] = {V("192.0.2.1")};
    cond_empty_t e = COND_EMPTY_NXDOMAIN;
    dnsmsg_answer_t a = answer(NOERROR);
    cond_spec_t s = empty_spec(true);

    a.nmatch = 1;
    a.ancount = 1;
    a.values = have;
    a.nvalues = 1;
    cr_assert_not(cond_eval(&s, &a, &e));
    cr_assert_eq(e, COND_EMPTY_NONE);
    cr_assert_null(cond_empty_str(e));
}

Test(condition, cname_present_is_not_empty)
{
    cond_empty_t e = COND_EMPTY_NXDOMAIN;
    dnsmsg_answer_t a = answer(NOERROR);
    cond_spec_t s = empty_spec(false);

    a.have_cname = true;
    a.ancount = 1;
    cr_assert_not(cond_eval(&s, &a, &e), "a CNAME at qname: the name exists");
    cr_assert_eq(e, COND_EMPTY_NONE);
}

Test(condition, empty_refused_notauth_only_for_zones)
{
    cond_empty_t e = COND_EMPTY_NONE;
    dnsmsg_answer_t a = answer(REFUSED);
    cond_spec_t zone = empty_spec(true);
    cond_spec_t rec = empty_spec(false);

    cr_assert(cond_eval(&zone, &a, &e));
    cr_assert_eq(e, COND_EMPTY_REFUSED);
    cr_assert_str_eq(cond_empty_str(e), "REFUSED");
    cr_assert_not(cond_eval(&rec, &a, &e), "REFUSED for a record is not 'gone'");
    cr_assert_eq(e, COND_EMPTY_NONE);

    a = answer(NOTAUTH);
    cr_assert(cond_eval(&zone, &a, &e));
    cr_assert_eq(e, COND_EMPTY_NOTAUTH);
    cr_assert_str_eq(cond_empty_str(e), "NOTAUTH");
    cr_assert_not(cond_eval(&rec, &a, &e));
    cr_assert_eq(e, COND_EMPTY_NONE);
}

Test(condition, empty_servfail_and_others_never)
{
    static const int rcodes[] = {SERVFAIL, FORMERR, NOTIMP, 6, 7, 8, 10, 15};
    cond_spec_t zone = empty_spec(true);
    cond_spec_t rec = empty_spec(false);
    size_t i;

    for (i = 0; i < sizeof(rcodes) / sizeof(rcodes[0]); i++) {
        cond_empty_t e = COND_EMPTY_NXDOMAIN;
        dnsmsg_answer_t a = answer(rcodes[i]);
        cr_assert_not(cond_eval(&zone, &a, &e), "rcode %d zone", rcodes[i]);
        cr_assert_eq(e, COND_EMPTY_NONE);
        cr_assert_not(cond_eval(&rec, &a, &e), "rcode %d record", rcodes[i]);
        cr_assert_eq(e, COND_EMPTY_NONE);
    }
}

/* ---- names -------------------------------------------------------------- */

Test(condition, kind_names_round_trip)
{
    static const char *const names[] = {"serial_not_lower", "value_present",
                                        "empty_response"};
    static const cond_kind_t kinds[] = {COND_SERIAL_NOT_LOWER, COND_VALUE_PRESENT,
                                        COND_EMPTY_RESPONSE};
    size_t i;

    for (i = 0; i < 3; i++) {
        cond_kind_t k = (cond_kind_t)99;
        cr_assert_eq(cond_kind_from_str(names[i], &k), 0);
        cr_assert_eq(k, kinds[i]);
        cr_assert_str_eq(cond_kind_str(kinds[i]), names[i]);
    }
}

Test(condition, kind_from_str_rejects)
{
    cond_kind_t k = COND_VALUE_PRESENT;

    cr_assert_eq(cond_kind_from_str("", &k), DP_EPARSE);
    cr_assert_eq(cond_kind_from_str("serial", &k), DP_EPARSE);
    cr_assert_eq(cond_kind_from_str("empty_response ", &k), DP_EPARSE);
    cr_assert_eq(cond_kind_from_str(NULL, &k), DP_EPARSE);
    cr_assert_eq(k, COND_VALUE_PRESENT, "untouched on error");
    cr_assert_str_eq(cond_kind_str((cond_kind_t)42), "unknown");
    cr_assert_null(cond_empty_str(COND_EMPTY_NONE));
}
