/*
 * target_http_status: the status.* keys and what one status answer says
 * (in sync, failed, ask again), the claim words stored with results.
 */
#include <criterion/criterion.h>
#include <string.h>

#include "harness/common/errcode.h"
#include "harness/targets/target.h"
#include "harness/targets/target_http_status.h"

static target_http_status_conf_t designate(void)
{
    target_http_status_conf_t sc;
    char err[200];

    memset(&sc, 0, sizeof(sc));
    sc.pointer = strdup("/status");
    cr_assert_eq(target_http_status_conf_key(&sc, "in_sync", "ACTIVE", err, sizeof(err)),
                 0);
    cr_assert_eq(target_http_status_conf_key(&sc, "failed", "ERROR, DELETED_FAILED", err,
                                             sizeof(err)),
                 0);
    cr_assert_eq(target_http_status_conf_key(&sc, "gone", "404 410", err, sizeof(err)),
                 0);
    return sc;
}

static target_http_status_answer_t ask(const target_http_status_conf_t *sc, op_kind_t k,
                                       long code, const char *body)
{
    char seen[160];

    return target_http_status_answer(sc, k, code, body, seen, sizeof(seen));
}

Test(http_status, designate_answers)
{
    target_http_status_conf_t sc = designate();

    cr_assert_eq(ask(&sc, OP_RECORD_CREATE, 200, "{\"status\": \"PENDING\"}"),
                 TARGET_HTTP_STATUS_PENDING);
    cr_assert_eq(ask(&sc, OP_RECORD_CREATE, 200, "{\"status\": \"ACTIVE\"}"),
                 TARGET_HTTP_STATUS_IN_SYNC);
    cr_assert_eq(ask(&sc, OP_ZONE_UPDATE, 200, "{\"status\": \"ERROR\"}"),
                 TARGET_HTTP_STATUS_FAILED);
    cr_assert_eq(ask(&sc, OP_ZONE_UPDATE, 200, "{\"status\": \"DELETED_FAILED\"}"),
                 TARGET_HTTP_STATUS_FAILED);
    /* words are compared whole and case-sensitively */
    cr_assert_eq(ask(&sc, OP_ZONE_CREATE, 200, "{\"status\": \"active\"}"),
                 TARGET_HTTP_STATUS_PENDING);
    cr_assert_eq(ask(&sc, OP_ZONE_CREATE, 200, "{\"status\": \"ACTIVEX\"}"),
                 TARGET_HTTP_STATUS_PENDING);
    target_http_status_conf_clear(&sc);
}

Test(http_status, gone_only_after_a_delete)
{
    target_http_status_conf_t sc = designate();

    cr_assert_eq(ask(&sc, OP_RECORD_DELETE, 404, "{\"code\": 404}"),
                 TARGET_HTTP_STATUS_IN_SYNC);
    cr_assert_eq(ask(&sc, OP_ZONE_DELETE, 410, ""), TARGET_HTTP_STATUS_IN_SYNC);
    /* a create's 404: the API lags behind its own 202, ask again */
    cr_assert_eq(ask(&sc, OP_RECORD_CREATE, 404, "{}"), TARGET_HTTP_STATUS_PENDING);
    /* a delete still pending reads 200 PENDING/DELETE */
    cr_assert_eq(
        ask(&sc, OP_ZONE_DELETE, 200, "{\"status\":\"PENDING\",\"action\":\"DELETE\"}"),
        TARGET_HTTP_STATUS_PENDING);
    cr_assert_eq(ask(&sc, OP_ZONE_DELETE, 500, "oops"), TARGET_HTTP_STATUS_PENDING);
    target_http_status_conf_clear(&sc);
}

Test(http_status, malformed_answers_are_pending)
{
    target_http_status_conf_t sc = designate();
    char seen[160];

    cr_assert_eq(ask(&sc, OP_RECORD_UPDATE, 200, "not json"), TARGET_HTTP_STATUS_PENDING);
    cr_assert_eq(ask(&sc, OP_RECORD_UPDATE, 200, NULL), TARGET_HTTP_STATUS_PENDING);
    cr_assert_eq(target_http_status_answer(&sc, OP_RECORD_UPDATE, 200, "{\"state\": 1}",
                                           seen, sizeof(seen)),
                 TARGET_HTTP_STATUS_PENDING);
    cr_assert_str_eq(seen, "HTTP 200, nothing at /status");
    target_http_status_conf_clear(&sc);
}

Test(http_status, per_kind_pointer_and_non_strings)
{
    target_http_status_conf_t sc;
    char err[200];

    /* Route 53 GetChange (/ChangeInfo/Status INSYNC), a boolean "done" */
    memset(&sc, 0, sizeof(sc));
    sc.pointer = strdup("/ChangeInfo/Status");
    sc.kpointer[OP_ZONE_CREATE] = strdup("/done");
    cr_assert_eq(
        target_http_status_conf_key(&sc, "in_sync", "INSYNC true", err, sizeof(err)), 0);
    cr_assert_eq(
        ask(&sc, OP_RECORD_CREATE, 200, "{\"ChangeInfo\":{\"Status\":\"INSYNC\"}}"),
        TARGET_HTTP_STATUS_IN_SYNC);
    cr_assert_eq(ask(&sc, OP_ZONE_CREATE, 200, "{\"done\": true}"),
                 TARGET_HTTP_STATUS_IN_SYNC);
    cr_assert_eq(ask(&sc, OP_ZONE_CREATE, 200, "{\"done\": false}"),
                 TARGET_HTTP_STATUS_PENDING);
    /* no gone codes given: a delete's 404 is not taken as gone */
    cr_assert_eq(ask(&sc, OP_RECORD_DELETE, 404, ""), TARGET_HTTP_STATUS_PENDING);
    target_http_status_conf_clear(&sc);
}

Test(http_status, keys)
{
    target_http_status_conf_t sc;
    char err[200];

    memset(&sc, 0, sizeof(sc));
    cr_assert_eq(target_http_status_conf_key(&sc, "in_sync", " , ", err, sizeof(err)),
                 DP_EPARSE);
    cr_assert(strstr(err, "empty") != NULL, "%s", err);
    cr_assert_eq(target_http_status_conf_key(&sc, "gone", "404 abc", err, sizeof(err)),
                 DP_EPARSE);
    cr_assert(strstr(err, "'abc' is not an HTTP status code") != NULL, "%s", err);
    cr_assert_eq(target_http_status_conf_key(&sc, "gone", "99", err, sizeof(err)),
                 DP_EPARSE);
    cr_assert_eq(target_http_status_conf_key(&sc, "frequency", "0", err, sizeof(err)),
                 DP_EPARSE);
    cr_assert_eq(target_http_status_conf_key(&sc, "frequency", "0.25", err, sizeof(err)),
                 0);
    cr_assert_float_eq(sc.frequency, 0.25, 1e-12);
    cr_assert_eq(target_http_status_conf_key(&sc, "timeout", "120", err, sizeof(err)), 0);
    cr_assert_float_eq(sc.timeout, 120, 1e-12);
    cr_assert_eq(target_http_status_conf_key(&sc, "url", "/x", err, sizeof(err)),
                 DP_EEMPTY);
    target_http_status_conf_clear(&sc);
}

Test(http_status, claim_words)
{
    for (int c = TARGET_CLAIM_NONE; c <= TARGET_CLAIM_CANCELLED; c++)
        cr_assert_eq(target_claim_from_str(target_claim_str((target_claim_t)c)), c);
    cr_assert_str_eq(target_claim_str(TARGET_CLAIM_IN_SYNC), "in_sync");
    cr_assert_eq(target_claim_from_str("ACTIVE"), TARGET_CLAIM_NONE);
    cr_assert_eq(target_claim_from_str(NULL), TARGET_CLAIM_NONE);
}
