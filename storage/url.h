/*
 * url: where the results store lives.
 *
 *   redis://[:password@]host[:port][/db]     TCP (port 6379, db 0)
 *   unix:///path/to.sock[?db=N]              unix socket
 *
 * The password may also come from REDISCLI_AUTH or a file. Text shown to
 * users never carries the password (store_url_t.redacted).
 *
 * A store_url_t is a plain value filled by the caller's call (no hidden
 * allocation, nothing to free). Both calls are reentrant; the password
 * lookup reads the environment and a file, nothing else.
 */
#ifndef DP_STORE_URL_H
#define DP_STORE_URL_H

#include <stdbool.h>
#include <stddef.h>

typedef struct {
    bool is_unix;
    char host[600];
    int port;
    char path[600]; /* unix socket */
    int db;
    char password[600]; /* empty: none */
    char redacted[700]; /* the URL with the password replaced by *** */
} store_url_t;

/* Parse url; err names the URL (redacted) and what is wrong. */
int store_url_parse(const char *url, store_url_t *out, char *err, size_t errlen);
/* Fill the password from REDISCLI_AUTH, or the first line of file when
 * file is not NULL, unless the URL had one. */
int store_url_password(store_url_t *u, const char *file, char *err, size_t errlen);

#endif
