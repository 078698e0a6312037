/*
 * Redis URL parsing: forms, defaults, errors that name the URL without
 * the password.
 */
#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "storage/url.h"

Test(url, tcp_defaults)
{
    store_url_t u;
    char err[256];

    cr_assert_eq(store_url_parse("redis://127.0.0.1", &u, err, sizeof(err)), 0, "%s",
                 err);
    cr_expect(!u.is_unix);
    cr_expect_str_eq(u.host, "127.0.0.1");
    cr_expect_eq(u.port, 6379);
    cr_expect_eq(u.db, 0);
    cr_expect_str_eq(u.password, "");
}

Test(url, tcp_full)
{
    store_url_t u;
    char err[256];

    cr_assert_eq(
        store_url_parse("redis://:s3cret@localhost:6380/7", &u, err, sizeof(err)), 0,
        "%s", err);
    cr_expect_str_eq(u.host, "localhost");
    cr_expect_eq(u.port, 6380);
    cr_expect_eq(u.db, 7);
    cr_expect_str_eq(u.password, "s3cret");
    cr_expect(strstr(u.redacted, "s3cret") == NULL, "%s", u.redacted);
    cr_expect_str_eq(u.redacted, "redis://***@localhost:6380/7");
}

Test(url, ipv6_host)
{
    store_url_t u;
    char err[256];

    cr_assert_eq(store_url_parse("redis://[::1]:6390/2", &u, err, sizeof(err)), 0, "%s",
                 err);
    cr_expect_str_eq(u.host, "::1");
    cr_expect_eq(u.port, 6390);
    cr_expect_eq(u.db, 2);
}

Test(url, unix_socket)
{
    store_url_t u;
    char err[256];

    cr_assert_eq(store_url_parse("unix:///run/redis/r.sock?db=4", &u, err, sizeof(err)),
                 0, "%s", err);
    cr_expect(u.is_unix);
    cr_expect_str_eq(u.path, "/run/redis/r.sock");
    cr_expect_eq(u.db, 4);
    cr_assert_eq(store_url_parse("unix:///tmp/x.sock", &u, err, sizeof(err)), 0);
    cr_expect_eq(u.db, 0);
}

Test(url, errors_name_the_url_not_the_password)
{
    store_url_t u;
    char err[256];

    cr_expect_lt(store_url_parse("http://x", &u, err, sizeof(err)), 0);
    cr_expect(strstr(err, "http://x") != NULL, "%s", err);
    cr_expect_lt(store_url_parse("redis://:pw@host:99999", &u, err, sizeof(err)), 0);
    cr_expect(strstr(err, "pw") == NULL && strstr(err, "99999") != NULL, "%s", err);
    cr_expect_lt(store_url_parse("redis://host/abc", &u, err, sizeof(err)), 0);
    cr_expect_lt(store_url_parse("unix://relative.sock", &u, err, sizeof(err)), 0);
    cr_expect_lt(store_url_parse("unix:///x.sock?database=1", &u, err, sizeof(err)), 0);
    cr_expect_lt(store_url_parse("redis://", &u, err, sizeof(err)), 0);
}

Test(url, password_sources)
{
    store_url_t u;
    char err[256];
    char path[] = "/tmp/dnsprop-pw-XXXXXX";
    int fd = mkstemp(path);

    cr_assert_geq(fd, 0);
    cr_assert_eq(write(fd, "fromfile\n", 9), 9);
    close(fd);
    setenv("REDISCLI_AUTH", "fromenv", 1);
    cr_assert_eq(store_url_parse("redis://h", &u, err, sizeof(err)), 0);
    cr_assert_eq(store_url_password(&u, NULL, err, sizeof(err)), 0);
    cr_expect_str_eq(u.password, "fromenv");
    cr_assert_eq(store_url_parse("redis://h", &u, err, sizeof(err)), 0);
    cr_assert_eq(store_url_password(&u, path, err, sizeof(err)), 0);
    cr_expect_str_eq(u.password, "fromfile");
    /* the URL's own password wins */
    cr_assert_eq(store_url_parse("redis://:inurl@h", &u, err, sizeof(err)), 0);
    cr_assert_eq(store_url_password(&u, path, err, sizeof(err)), 0);
    cr_expect_str_eq(u.password, "inurl");
    cr_assert_eq(store_url_parse("redis://h", &u, err, sizeof(err)), 0);
    cr_expect_lt(store_url_password(&u, "/nonexistent/pw", err, sizeof(err)), 0);
    cr_expect(strstr(err, "/nonexistent/pw") != NULL, "%s", err);
    unsetenv("REDISCLI_AUTH");
    unlink(path);
}
