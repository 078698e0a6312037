/*
 * tsig: TSIG key parsing for ldns (see tsig.h).
 */
#include <errno.h>
#include <ldns/ldns.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "harness/common/errcode.h"
#include "probes/tsig.h"

/* The algorithms ldns 1.8.3 computes (tsig.c, ldns_digest_function), under
 * the names it wants: RFC 8945 6 names hmac-md5 by its long legacy name.
 * (ldns misspells hmac-sha384 internally, so it cannot be offered.) */
static const struct {
    const char *name;
    const char *ldns_name;
} tsig_algs[] = {
    {"hmac-sha256", "hmac-sha256."},
    {"hmac-sha512", "hmac-sha512."},
    {"hmac-sha1", "hmac-sha1."},
    {"hmac-md5", "hmac-md5.sig-alg.reg.int."},
    {"hmac-md5.sig-alg.reg.int", "hmac-md5.sig-alg.reg.int."},
};

static const char *alg_lookup(const char *name)
{
    size_t n = strlen(name);
    size_t i;

    if (n > 0 && name[n - 1] == '.')
        n--;
    for (i = 0; i < sizeof(tsig_algs) / sizeof(tsig_algs[0]); i++) {
        if (strlen(tsig_algs[i].name) == n &&
            strncasecmp(tsig_algs[i].name, name, n) == 0)
            return tsig_algs[i].ldns_name;
    }
    return NULL;
}

static bool b64_char(char c)
{
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
           c == '+' || c == '/';
}

/* Strict base64 (RFC 4648 4) of at least one octet. Checked here because
 * ldns only finds out while signing, and its error path there leaks. */
static bool b64_valid(const char *s)
{
    size_t n = strlen(s);
    size_t pad = 0;
    size_t i;

    if (n == 0 || n % 4 != 0)
        return false;
    for (i = 0; i < n; i++) {
        if (s[i] == '=') {
            pad++;
        } else if (pad > 0 || !b64_char(s[i])) {
            return false;
        }
    }
    return pad <= 2 && n / 4 * 3 - pad >= 1;
}

/* A key's parts, in a copy of the spec. */
typedef struct {
    char *copy;
    const char *alg; /* ldns's name */
    const char *name;
    const char *secret;
} key_parts_t;

/* Split and check spec into *k (k->copy to free, also on error). */
static int key_parse(const char *spec, const char *what, size_t keylen, key_parts_t *k,
                     char *err, size_t errlen)
{
    const char *alg_in = "hmac-sha256";
    char *start;
    char *end;
    char *colon;
    ldns_rdf *dname = NULL;
    int ret = DP_EPARSE;

    memset(k, 0, sizeof(*k));
    k->copy = strdup(spec);
    if (k->copy == NULL)
        return -ENOMEM;
    start = k->copy;
    while (*start == ' ' || *start == '\t')
        start++;
    end = start + strlen(start);
    while (end > start &&
           (end[-1] == ' ' || end[-1] == '\t' || end[-1] == '\r' || end[-1] == '\n'))
        *--end = '\0';
    colon = strrchr(start, ':'); /* base64 has no ':'; a key name might */
    if (*start == '\0' || colon == NULL) {
        snprintf(err, errlen, "%s: %s; %s", what,
                 *start == '\0' ? "empty" : "no ':' in it", TSIG_FORMAT);
        goto out;
    }
    *colon = '\0';
    k->secret = colon + 1;
    colon = strchr(start, ':');
    if (colon != NULL) {
        *colon = '\0';
        alg_in = start;
        k->name = colon + 1;
    } else {
        k->name = start;
    }
    k->alg = alg_lookup(alg_in);
    if (k->alg == NULL) {
        snprintf(err, errlen,
                 "%s: algorithm '%.40s' is not one ldns can sign with (hmac-sha256, "
                 "hmac-sha512, hmac-sha1, hmac-md5)",
                 what, alg_in);
        goto out;
    }
    dname = *k->name != '\0' && strlen(k->name) < keylen ? ldns_dname_new_frm_str(k->name)
                                                         : NULL;
    if (dname == NULL) {
        snprintf(err, errlen, "%s: the key name '%.80s' is not a domain name; %s", what,
                 k->name, TSIG_FORMAT);
        goto out;
    }
    if (!b64_valid(k->secret)) {
        snprintf(
            err, errlen,
            "%s: the secret of key '%.80s' is not base64 (RFC 4648); copy it from the "
            "primary's key",
            what, k->name);
        goto out;
    }
    ret = 0;
out:
    ldns_rdf_deep_free(dname);
    return ret;
}

int tsig_resolver_set(ldns_resolver *res, const char *spec, const char *what,
                      char *keyname, size_t keylen, char *err, size_t errlen)
{
    key_parts_t k;
    int ret = key_parse(spec, what, keylen, &k, err, errlen);

    if (ret == 0) {
        ldns_resolver_set_tsig_algorithm(res, k.alg);
        ldns_resolver_set_tsig_keyname(res, k.name);
        ldns_resolver_set_tsig_keydata(res, k.secret);
        snprintf(keyname, keylen, "%s", k.name);
    }
    free(k.copy);
    return ret;
}

int tsig_check(const char *spec, const char *what, char *err, size_t errlen)
{
    key_parts_t k;
    int ret = key_parse(spec, what, 256, &k, err, errlen);

    free(k.copy);
    return ret;
}

unsigned tsig_answer_error(const ldns_pkt *r)
{
    const ldns_rr *tsig = ldns_pkt_tsig(r);

    if (tsig == NULL || ldns_rr_rd_count(tsig) < 6)
        return 0;
    return ldns_rdf2native_int16(ldns_rr_rdf(tsig, 5));
}

const char *tsig_error_text(unsigned te, char buf[32])
{
    static const char *const names[] = {"BADSIG",  "BADKEY", "BADTIME", "BADMODE",
                                        "BADNAME", "BADALG", "BADTRUNC"};

    if (te == 0)
        buf[0] = '\0';
    else if (te >= 16 && te < 16 + sizeof(names) / sizeof(names[0]))
        snprintf(buf, 32, " (TSIG %s)", names[te - 16]);
    else
        snprintf(buf, 32, " (TSIG error %u)", te);
    return buf;
}
