/*
 * record: the compact form of a stored result.
 *
 * A result is a JSON object (probes/result.h, plus what the store, the
 * driver and the agents add). Stored as JSON text it cost Redis about
 * 700 bytes, most of it field names and quotes repeated in every result.
 * The compact form keeps every field and every value, positionally:
 *
 *   R2 <TAB> seq <TAB> id <TAB> status <TAB> nameserver <TAB> ... [<TAB> extras]
 *
 * in the order of record_fields[] (record.c), trailing absent fields cut
 * off. Each field is one of
 *   (empty)     the field is absent
 *   \N          JSON null
 *   \e          the empty string
 *   \0 .. \9    the field's n-th usual value ("COMPLETED", "NOERROR", ...)
 *   \=          the same value as its partner field (ns_name as
 *               nameserver, op_id as id, expected as values)
 *   \j<json>    a JSON value where the field usually holds a string
 *   \s<text>    a string where the field usually holds a number
 *   otherwise   the value: a string's text with \\ \t \n \r escaped, a
 *               number's or other JSON value's JSON text
 * and the last position, after every known field, holds a JSON object of
 * any field the table does not know, so nothing is ever dropped. The
 * campaign is not repeated in each record: the key holding the record
 * names it, and record_to_json() puts it back.
 *
 * Thread-safety: no state; any thread may call any function on its own
 * arguments.
 */
#ifndef DP_RECORD_H
#define DP_RECORD_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "harness/common/buf.h"
#include "probes/result.h"

/* "R3": R2 with the fields from RF_TARGET on; R2 was R1 with those from
 * RF_NSID on. An R1 record's extras come after RF_QUERY_LOG, an R2's
 * after RF_PLAIN_DURATION, so both are still read (record_decode). */
#define REC_MAGIC     "R3\t"
#define REC_MAGIC_R2  "R2\t"
#define REC_MAGIC_R1  "R1\t"
#define REC_MAGIC_LEN 3

typedef enum {
    RF_SEQ = 0,
    RF_ID,
    RF_STATUS,
    RF_NAMESERVER,
    RF_NAME,
    RF_TYPE,
    RF_CONDITION,
    RF_START_TIME,
    RF_OBSERVED_AT,
    RF_DURATION,
    RF_LOWER_BOUND,
    RF_QUERIES,
    RF_ANSWERS,
    RF_RCODE,
    RF_REASON,
    RF_SERIAL,
    RF_VALUES,
    RF_EMPTY,
    RF_OP_ID,
    RF_OP_KIND,
    RF_NS_NAME,
    RF_VANTAGE,
    RF_AGENT,
    RF_FREQUENCY,
    RF_TIMEOUT,
    RF_EXPECTED,
    RF_ZONE,
    RF_SUBMIT_TIME,
    RF_ACK_TIME,
    RF_API_RETRIES,
    RF_PHASE,
    RF_OFFERED_RATE,
    RF_CLAIM_STATUS,
    RF_CLAIMED_AT,
    RF_MEASURED_BY,
    RF_CUT,
    RF_RRSET_NAME,
    RF_RRSET_TYPE,
    RF_QUERY_LOG,
    RF_R1_COUNT, /* R1 had the fields before this one */
    RF_NSID = RF_R1_COUNT,
    RF_NSID_LAST,
    RF_DNSSEC,
    RF_PLAIN_DURATION,
    RF_R2_COUNT, /* R2 had the fields before this one */
    RF_TARGET = RF_R2_COUNT,
    RF_CHANGE,
    RF_CHANGE_TARGETS,
    RF_COUNT,
} record_field_t;

typedef enum {
    RK_ABSENT = 0,
    RK_NULL,
    RK_STR,  /* text is the string */
    RK_JSON, /* text is a JSON value (number, array, object, true, false) */
} record_kind_t;

/* A decoded record: views into buf (owned; record_clear() frees it). */
typedef struct {
    record_kind_t kind[RF_COUNT];
    const char *text[RF_COUNT];
    const char *extras; /* JSON object text, or NULL */
    char *buf;
    size_t cap;
} record_t;

/* The field's name in the JSON form ("start_time"). */
const char *record_field_name(record_field_t f);

/* True when text (len bytes) is a compact record, not JSON. */
bool record_is_compact(const char *text, size_t len);

/* Append o's compact form to out, without "campaign" and, when skip_seq,
 * without "seq" and without the magic (what streams.c's script
 * completes: REC_MAGIC, the seq, a tab, then this). 0 or -ENOMEM (out
 * then says so through its oom flag too). */
int record_encode(const json_t *o, bool skip_seq, buf_t *out);

/* Decode len bytes of a compact record into r (reusing its buffer).
 * 0, or DP_EPARSE when it is not one. */
int record_decode(record_t *r, const char *text, size_t len);
void record_clear(record_t *r);

/* A field as a string ("" unless RK_STR) or as a number (NAN unless a
 * number). */
const char *record_str(const record_t *r, record_field_t f);
double record_num(const record_t *r, record_field_t f);
/* True when the field is a JSON integer; *v its value. */
bool record_int(const record_t *r, record_field_t f, int64_t *v);

/* The record as the JSON object it was made from, "campaign" included
 * when campaign is not NULL. NULL on ENOMEM. */
json_t *record_to_json(const record_t *r, const char *campaign);

/* Any stored result text (compact or JSON) as a JSON object; NULL when it
 * is neither. */
json_t *record_text_to_json(const char *text, size_t len, const char *campaign);

/* ---- a probe's result, straight to its record ------------------------------ */

/* What `dnsprop probe` stores beside a result's own fields. */
typedef struct {
    const char *vantage;
    double frequency, timeout;
    bool serial_cond; /* expected: serial, else values */
    uint32_t serial;
    char *const *values;
    size_t nvalues;
} record_probe_t;

/* The stored record of a `dnsprop probe` result as JSON (what
 * probe_result_json gives, and op_kind "probe", op_id, ns_name, vantage,
 * frequency, timeout, expected). NULL on ENOMEM. */
json_t *record_probe_json(const probe_result_t *r, const record_probe_t *x);
/* The same record's compact form, without its seq and magic (the store
 * puts them in front: store_put_record), appended to out, without making
 * its JSON first: byte for byte what record_encode(record_probe_json(),
 * true) gives (tests/unit/test_record.c checks), at a tenth of the cost. */
int record_encode_probe(const probe_result_t *r, const record_probe_t *x, buf_t *out);

#endif
