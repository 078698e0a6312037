/*
 * fsutil: file-system helpers (see fsutil.h).
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "harness/common/fsutil.h"
#include "harness/common/vec.h"

int fsutil_mkdirs(const char *path, mode_t mode)
{
    char *buf = strdup(path);
    size_t i;
    int ret = 0;

    if (buf == NULL)
        return -ENOMEM;
    for (i = 1; buf[i] != '\0'; i++) {
        if (buf[i] != '/')
            continue;
        buf[i] = '\0';
        if (mkdir(buf, mode) < 0 && errno != EEXIST) {
            ret = -errno;
            goto out;
        }
        buf[i] = '/';
    }
    if (mkdir(buf, mode) < 0 && errno != EEXIST)
        ret = -errno;
out:
    free(buf);
    return ret;
}

static const char *file_kind(mode_t m)
{
    return S_ISDIR(m)    ? "a directory"
           : S_ISCHR(m)  ? "a character device"
           : S_ISBLK(m)  ? "a block device"
           : S_ISFIFO(m) ? "a FIFO"
           : S_ISSOCK(m) ? "a socket"
                         : "not a plain file";
}

/* How long a pipe may stay silent before the read gives up: a writer
 * that never writes (or never closes) must not hang a campaign's start. */
#define FSUTIL_PIPE_IDLE_MS 30000

/* One read of fd; on a pipe with nothing yet, wait for bytes (at most the
 * idle bound). The fd is O_NONBLOCK: a regular file never gives EAGAIN. */
static ssize_t read_some(int fd, char *buf, size_t want)
{
    struct pollfd p = {.fd = fd, .events = POLLIN};
    ssize_t n;
    int r;

    for (;;) {
        n = read(fd, buf, want);
        if (n >= 0)
            return n;
        if (errno == EINTR)
            continue;
        if (errno != EAGAIN && errno != EWOULDBLOCK)
            return -errno;
        r = poll(&p, 1, FSUTIL_PIPE_IDLE_MS);
        if (r == 0)
            return -ETIMEDOUT;
        if (r < 0 && errno != EINTR)
            return -errno;
    }
}

/* Up to max + 1 bytes of fd (one more than allowed tells "over"). */
static int read_bounded(int fd, size_t max, size_t hint, char **data, size_t *len)
{
    size_t cap = 0;
    ssize_t n;

    *data = NULL;
    *len = 0;
    for (;;) {
        size_t want;
        if (*len > max)
            return -EFBIG;
        if (*len + 1 >= cap) {
            /* the size stat gave first, then doubling; never past max + 2 */
            size_t grow = cap == 0 ? (hint < max ? hint : max) + 2 : cap * 2;
            if (grow > max + 2)
                grow = max + 2;
            if (VEC_RESERVE(*data, cap, grow) < 0)
                return -ENOMEM;
        }
        want = cap - 1 - *len;
        n = read_some(fd, *data + *len, want);
        if (n < 0)
            return (int)n;
        if (n == 0)
            break;
        *len += (size_t)n;
    }
    (*data)[*len] = '\0';
    return 0;
}

int fsutil_open_input(const char *path, size_t max, fsutil_in_t *in, char *why,
                      size_t whylen)
{
    int ret;

    memset(in, 0, sizeof(*in));
    in->fd = -1;
    in->max = max;
    why[0] = '\0';
    in->fd = open(path, O_RDONLY | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);
    if (in->fd < 0) {
        ret = -errno;
        snprintf(why, whylen, "cannot open: %s", strerror(-ret));
        return ret;
    }
    if (fstat(in->fd, &in->st) < 0) {
        ret = -errno;
        snprintf(why, whylen, "cannot stat: %s", strerror(-ret));
        goto fail;
    }
    /* A pipe (`dnsprop run <(...)`, `... | dnsprop run /dev/stdin`) is
     * read like a file, to the same bound; devices, sockets and
     * directories are refused: /dev/zero never ends. */
    if (!S_ISREG(in->st.st_mode) && !S_ISFIFO(in->st.st_mode)) {
        ret = -EINVAL;
        snprintf(why, whylen, "not a regular file (%s): give a file",
                 file_kind(in->st.st_mode));
        goto fail;
    }
    if (S_ISREG(in->st.st_mode) &&
        (in->st.st_size < 0 || (unsigned long long)in->st.st_size > max)) {
        ret = -EFBIG;
        snprintf(why, whylen, "is %lld bytes, over the limit of %zu bytes",
                 (long long)in->st.st_size, max);
        goto fail;
    }
    return 0;
fail:
    close(in->fd);
    in->fd = -1;
    return ret;
}

/* What a failed read of in means, in why. */
static void read_why(const fsutil_in_t *in, int ret, char *why, size_t whylen)
{
    bool fifo = S_ISFIFO(in->st.st_mode);

    if (ret == -ENODATA)
        snprintf(why, whylen,
                 "a FIFO that gave nothing to read (no writer?): give a "
                 "file or write to it");
    else if (ret == -ETIMEDOUT)
        snprintf(why, whylen, "a FIFO silent for %d s: give a file",
                 FSUTIL_PIPE_IDLE_MS / 1000);
    else if (ret == -EFBIG)
        snprintf(why, whylen, "%s over the limit of %zu bytes while being read",
                 fifo ? "gave" : "grew", in->max);
    else
        snprintf(why, whylen, "cannot read: %s", strerror(-ret));
}

ssize_t fsutil_read_next(fsutil_in_t *in, char *buf, size_t len, char *why, size_t whylen)
{
    ssize_t n = read_some(in->fd, buf, len);

    if (n > 0 && (size_t)n > in->max - in->got)
        n = -EFBIG;
    else if (n > 0)
        in->got += (size_t)n;
    else if (n == 0 && in->got == 0 && S_ISFIFO(in->st.st_mode))
        n = -ENODATA; /* a named FIFO nobody writes to reads as EOF at once */
    if (n < 0)
        read_why(in, (int)n, why, whylen);
    return n;
}

void fsutil_close_input(fsutil_in_t *in)
{
    if (in->fd >= 0)
        close(in->fd);
    in->fd = -1;
}

int fsutil_read_input(const char *path, size_t max, char **data, size_t *len,
                      struct stat *st, char *why, size_t whylen)
{
    fsutil_in_t in;
    int ret;

    *data = NULL;
    *len = 0;
    ret = fsutil_open_input(path, max, &in, why, whylen);
    if (ret < 0)
        return ret;
    ret = read_bounded(in.fd, max, (size_t)in.st.st_size, data, len);
    if (ret == 0 && *len == 0 && S_ISFIFO(in.st.st_mode))
        ret = -ENODATA;
    if (ret < 0) {
        read_why(&in, ret, why, whylen);
        free(*data);
        *data = NULL;
        *len = 0;
    } else if (st != NULL) {
        *st = in.st;
    }
    fsutil_close_input(&in);
    return ret;
}

int fsutil_read_secret(const char *path, char *buf, size_t len, char *why, size_t whylen)
{
    char *data = NULL;
    size_t n = 0;
    int ret;

    if (len > 0)
        buf[0] = '\0';
    ret = fsutil_read_input(path, 64 * 1024, &data, &n, NULL, why, whylen);
    if (ret < 0)
        return ret;
    n = strcspn(data, "\r\n");
    while (n > 0 && (data[n - 1] == ' ' || data[n - 1] == '\t'))
        n--;
    if (n >= len) {
        snprintf(why, whylen, "its first line is %zu bytes, over the limit of %zu", n,
                 len - 1);
        ret = -ENAMETOOLONG;
    } else {
        memcpy(buf, data, n);
        buf[n] = '\0';
    }
    /* the copy in data was the secret too */
    memset(data, 0, strlen(data));
    free(data);
    return ret;
}
