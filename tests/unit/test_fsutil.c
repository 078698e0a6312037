/*
 * fsutil: input files and secrets read bounded, from files and pipes,
 * never from devices; a secret is never cut short.
 */
#include <criterion/criterion.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "harness/common/fsutil.h"

static void write_text(const char *path, const char *text)
{
    FILE *f = fopen(path, "w");
    cr_assert_not_null(f);
    fputs(text, f);
    fclose(f);
}

Test(fsutil, secret_first_line_without_line_end_and_blanks)
{
    char path[] = "/tmp/dnsprop-secret-XXXXXX";
    char buf[16];
    char why[256];
    int fd = mkstemp(path);

    cr_assert_geq(fd, 0);
    close(fd);
    write_text(path, "s3cret \t\r\nsecond line\n");
    cr_expect_eq(fsutil_read_secret(path, buf, sizeof(buf), why, sizeof(why)), 0, "%s",
                 why);
    cr_expect_str_eq(buf, "s3cret");
    /* 16 bytes do not fit in 16 (the NUL): refused, never cut */
    write_text(path, "0123456789abcdef\n");
    cr_expect_eq(fsutil_read_secret(path, buf, sizeof(buf), why, sizeof(why)),
                 -ENAMETOOLONG);
    cr_expect(strstr(why, "16 bytes, over the limit of 15") != NULL, "%s", why);
    cr_expect_str_eq(buf, "");
    write_text(path, "");
    cr_expect_eq(fsutil_read_secret(path, buf, sizeof(buf), why, sizeof(why)), 0);
    cr_expect_str_eq(buf, "");
    unlink(path);
}

Test(fsutil, secret_from_devices_and_silent_fifos_refused)
{
    char dir[] = "/tmp/dnsprop-fifo-XXXXXX";
    char fifo[64];
    char buf[64];
    char why[256];

    cr_expect_eq(fsutil_read_secret("/dev/zero", buf, sizeof(buf), why, sizeof(why)),
                 -EINVAL);
    cr_expect(strstr(why, "not a regular file (a character device)") != NULL, "%s", why);
    cr_assert_not_null(mkdtemp(dir));
    snprintf(fifo, sizeof(fifo), "%s/f", dir);
    cr_assert_eq(mkfifo(fifo, 0600), 0);
    /* used to block in open(2) for ever */
    cr_expect_eq(fsutil_read_secret(fifo, buf, sizeof(buf), why, sizeof(why)), -ENODATA);
    unlink(fifo);
    rmdir(dir);
}

/* A pipe with a writer is read like a file. */
Test(fsutil, input_from_a_pipe)
{
    char path[64];
    char *data = NULL;
    size_t len = 0;
    char why[256];
    int p[2];
    pid_t pid;

    cr_assert_eq(pipe(p), 0);
    pid = fork();
    cr_assert_geq(pid, 0);
    if (pid == 0) {
        close(p[0]);
        for (int i = 0; i < 1000; i++)
            cr_assert_eq(write(p[1], "0123456789\n", 11), 11);
        _exit(0);
    }
    close(p[1]);
    snprintf(path, sizeof(path), "/proc/self/fd/%d", p[0]);
    cr_expect_eq(fsutil_read_input(path, 1 << 20, &data, &len, NULL, why, sizeof(why)), 0,
                 "%s", why);
    cr_expect_eq(len, 11000);
    free(data);
    close(p[0]);
    waitpid(pid, NULL, 0);
}
