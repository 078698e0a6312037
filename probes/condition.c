/*
 * condition: evaluation of poll conditions (see condition.h).
 */
#include <string.h>

#include "harness/common/errcode.h"
#include "probes/condition.h"

#define RCODE_NOERROR  0
#define RCODE_NXDOMAIN 3
#define RCODE_REFUSED  5
#define RCODE_NOTAUTH  9

static const char *const kind_names[] = {"serial_not_lower", "value_present",
                                         "empty_response"};

int cond_kind_from_str(const char *s, cond_kind_t *out)
{
    size_t i;

    for (i = 0; s != NULL && i < sizeof(kind_names) / sizeof(kind_names[0]); i++) {
        if (strcmp(s, kind_names[i]) == 0) {
            *out = (cond_kind_t)i;
            return 0;
        }
    }
    return DP_EPARSE;
}

const char *cond_kind_str(cond_kind_t kind)
{
    if ((size_t)kind < sizeof(kind_names) / sizeof(kind_names[0]))
        return kind_names[kind];
    return "unknown";
}

const char *cond_empty_str(cond_empty_t empty)
{
    switch (empty) {
    case COND_EMPTY_NXDOMAIN:
        return "NXDOMAIN";
    case COND_EMPTY_NODATA:
        return "NODATA";
    case COND_EMPTY_REFUSED:
        return "REFUSED";
    case COND_EMPTY_NOTAUTH:
        return "NOTAUTH";
    default:
        return NULL;
    }
}

int cond_serial_cmp(uint32_t a, uint32_t b)
{
    /* RFC 1982 3.2 with SERIAL_BITS = 32: i1 < i2 if (i1 < i2 and
     * i2 - i1 < 2^31) or (i1 > i2 and i1 - i2 > 2^31). Unsigned
     * subtraction gives the distance modulo 2^32 directly. */
    uint32_t d = b - a;

    if (a == b)
        return 0;
    if (d == UINT32_C(0x80000000))
        return 2;
    return d < UINT32_C(0x80000000) ? -1 : 1;
}

bool cond_serial_not_lower(uint32_t observed, uint32_t expected)
{
    int c = cond_serial_cmp(observed, expected);

    return c == 0 || c == 1;
}

bool cond_values_match(char *const *want, size_t n, char *const *have, size_t m,
                       bool exact)
{
    size_t i = 0;
    size_t j = 0;

    if (exact && n != m)
        return false;
    if (n == 0)
        return m > 0; /* "some value present" when nothing is expected */
    /* Both sorted: one merge pass. */
    while (i < n && j < m) {
        int c = strcmp(want[i], have[j]);
        if (c == 0) {
            i++;
            j++;
        } else if (c > 0) {
            j++;
        } else {
            return false;
        }
    }
    return i == n;
}

bool cond_eval(const cond_spec_t *spec, const dnsmsg_answer_t *ans, cond_empty_t *empty)
{
    *empty = COND_EMPTY_NONE;
    switch (spec->kind) {
    case COND_SERIAL_NOT_LOWER:
        /* any_serial: Digaas's clients send serial 0 for "the zone is
         * served" (README, "dnsprop serve"); RFC 1982 would call 0 newer
         * than half of all serials */
        return ans->rcode == RCODE_NOERROR && ans->have_soa &&
               (spec->any_serial || cond_serial_not_lower(ans->soa_serial, spec->serial));
    case COND_VALUE_PRESENT:
        return ans->rcode == RCODE_NOERROR &&
               cond_values_match(spec->values, spec->nvalues, ans->values, ans->nvalues,
                                 spec->exact);
    case COND_EMPTY_RESPONSE:
        if (ans->rcode == RCODE_NXDOMAIN) {
            *empty = COND_EMPTY_NXDOMAIN;
        } else if (ans->rcode == RCODE_NOERROR && ans->nmatch == 0 && !ans->have_cname &&
                   !ans->referral_at_qname) {
            /* RFC 2308 2.2: NODATA. A referral from a cut above qname means
             * qname is not served here (occluded, or its glue gone); a
             * referral AT qname is the delegation itself, still there. */
            *empty = COND_EMPTY_NODATA;
        } else if (spec->is_zone && ans->rcode == RCODE_REFUSED) {
            *empty = COND_EMPTY_REFUSED;
        } else if (spec->is_zone && ans->rcode == RCODE_NOTAUTH) {
            *empty = COND_EMPTY_NOTAUTH;
        }
        return *empty != COND_EMPTY_NONE;
    }
    return false;
}
