/*
 * target_http: the pure parts of the templated REST target (target_http.c),
 * exported for unit tests: RFC 6901 JSON pointers over jansson, and the
 * placeholder filling of URL, header and JSON body templates. The target
 * itself is the kind target_kind_http (target.h), made by target_create().
 *
 * All functions here are pure and thread-safe; returned strings belong to
 * the caller (free()), returned json_t pointers are borrowed from doc.
 */
#ifndef DP_TARGET_HTTP_H
#define DP_TARGET_HTTP_H

#include <jansson.h>
#include <stddef.h>

/* 0 if ptr is a JSON pointer (RFC 6901 section 3: "" or "/" tokens, "~"
 * only as "~0" or "~1"), DP_EPARSE if not. */
int target_http_pointer_check(const char *ptr);

/* The value ptr designates in doc (RFC 6901 section 4: "~1" is "/", "~0"
 * is "~"; array indices are "0" or digits without a leading zero, "-" is
 * past the end). 0 and *out (borrowed from doc), DP_EPARSE for a
 * malformed pointer, DP_EEMPTY when nothing is there. */
int target_http_json_pointer(const json_t *doc, const char *ptr, json_t **out);

/* A JSON value as template text: a string as it is (unquoted), a number
 * in decimal, true/false/null, an object or array as compact JSON. NULL
 * when out of memory. */
char *target_http_json_text(const json_t *v);

typedef enum {
    TARGET_HTTP_FILL_TEXT = 0, /* headers: as is, CR and LF become blanks */
    TARGET_HTTP_FILL_URL,      /* percent-encoded (RFC 3986 2.1), except
                                  unreserved characters and / : @ */
    TARGET_HTTP_FILL_JSON,     /* JSON-escaped inside string literals; a
                                  whole value outside them */
} target_http_fill_t;

/* Fill the ${NAME} placeholders of tmpl. vars: NAME, value pairs, NULL-
 * ended (the first pair with the name wins). ${values} is the operation's
 * values: where a JSON value is due, a JSON array of them, each the JSON
 * template item filled with ${value} bound to it (item NULL: each as a
 * string); elsewhere the values joined with ",". Outside a JSON string
 * literal a value that is a JSON number, true, false or null goes in as it
 * is, any other as a JSON string. On success *out is the text (caller
 * frees); DP_EPARSE and err ("${x} is not set", "unterminated ${") when a
 * placeholder cannot be filled, -ENOMEM. */
int target_http_fill(const char *tmpl, target_http_fill_t mode, const char *const *vars,
                     char *const *values, size_t nvalues, const char *item, char **out,
                     char *err, size_t errlen);

#endif
