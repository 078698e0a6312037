/*
 * url: Redis URL parsing (see url.h).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness/common/errcode.h"
#include "harness/common/fsutil.h"
#include "harness/common/numparse.h"
#include "storage/url.h"

static void redact(const char *url, char *out, size_t outlen)
{
    const char *scheme = strstr(url, "://");
    const char *at = scheme != NULL ? strchr(scheme + 3, '@') : NULL;

    if (at == NULL) {
        snprintf(out, outlen, "%s", url);
        return;
    }
    snprintf(out, outlen, "%.*s***%s", (int)(scheme + 3 - url), url, at);
}

static int parse_db(const char *s, int *db)
{
    uint32_t v;

    if (numparse_u32(s, &v) < 0 || v > 100000)
        return DP_EPARSE;
    *db = (int)v;
    return 0;
}

int store_url_parse(const char *url, store_url_t *out, char *err, size_t errlen)
{
    char buf[600];
    char *p;
    char *slash;
    char *colon;

    memset(out, 0, sizeof(*out));
    if (url == NULL || strlen(url) >= sizeof(buf)) {
        snprintf(err, errlen, "redis URL missing or too long");
        return DP_EPARSE;
    }
    redact(url, out->redacted, sizeof(out->redacted));
    snprintf(buf, sizeof(buf), "%s", url);
    if (strncmp(buf, "unix://", 7) == 0) {
        char *q = strchr(buf + 7, '?');
        out->is_unix = true;
        if (q != NULL) {
            *q++ = '\0';
            if (strncmp(q, "db=", 3) != 0 || parse_db(q + 3, &out->db) < 0) {
                snprintf(err, errlen, "%s: want unix:///path/to.sock[?db=N]",
                         out->redacted);
                return DP_EPARSE;
            }
        }
        if (buf[7] != '/' || strlen(buf + 7) >= sizeof(out->path)) {
            snprintf(err, errlen, "%s: the socket path must be absolute (unix:///path)",
                     out->redacted);
            return DP_EPARSE;
        }
        snprintf(out->path, sizeof(out->path), "%s", buf + 7);
        return 0;
    }
    if (strncmp(buf, "redis://", 8) != 0) {
        snprintf(err, errlen,
                 "%s: unknown scheme (want redis://[:password@]host[:port][/db] or "
                 "unix:///path[?db=N])",
                 out->redacted);
        return DP_EPARSE;
    }
    p = buf + 8;
    {
        char *at = strrchr(p, '@');
        if (at != NULL) {
            char *pw = p;
            *at = '\0';
            /* "[user]:password" — Redis 6 ACL users are not used here. */
            colon = strchr(pw, ':');
            pw = colon != NULL ? colon + 1 : pw;
            snprintf(out->password, sizeof(out->password), "%s", pw);
            p = at + 1;
        }
    }
    slash = strchr(p, '/');
    if (slash != NULL) {
        *slash = '\0';
        if (slash[1] != '\0' && parse_db(slash + 1, &out->db) < 0) {
            snprintf(err, errlen, "%s: '%s' is not a database number", out->redacted,
                     slash + 1);
            return DP_EPARSE;
        }
    }
    out->port = 6379;
    if (p[0] == '[') {
        char *close = strchr(p, ']');
        if (close == NULL) {
            snprintf(err, errlen, "%s: unterminated [IPv6] host", out->redacted);
            return DP_EPARSE;
        }
        *close = '\0';
        snprintf(out->host, sizeof(out->host), "%s", p + 1);
        colon = close[1] == ':' ? close + 1 : NULL;
    } else {
        colon = strchr(p, ':');
        if (colon != NULL)
            *colon = '\0';
        snprintf(out->host, sizeof(out->host), "%s", p);
    }
    if (colon != NULL) {
        uint16_t port;
        if (numparse_u16(colon + 1, &port) < 0 || port == 0) {
            snprintf(err, errlen, "%s: '%s' is not a port", out->redacted, colon + 1);
            return DP_EPARSE;
        }
        out->port = port;
    }
    if (out->host[0] == '\0') {
        snprintf(err, errlen, "%s: no host", out->redacted);
        return DP_EPARSE;
    }
    return 0;
}

int store_url_password(store_url_t *u, const char *file, char *err, size_t errlen)
{
    const char *env = getenv("REDISCLI_AUTH");
    char why[256];
    int ret;

    if (u->password[0] != '\0')
        return 0;
    if (file != NULL) {
        ret =
            fsutil_read_secret(file, u->password, sizeof(u->password), why, sizeof(why));
        if (ret < 0)
            snprintf(err, errlen, "redis password file %s: %s", file, why);
        return ret;
    }
    if (env != NULL)
        snprintf(u->password, sizeof(u->password), "%s", env);
    return 0;
}
