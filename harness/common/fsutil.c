/*
 * fsutil: file-system helpers (see fsutil.h).
 */
#include <errno.h>
#include <fcntl.h>
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
        n = read(fd, *data + *len, want);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0)
            return -errno;
        if (n == 0)
            break;
        *len += (size_t)n;
    }
    (*data)[*len] = '\0';
    return 0;
}

int fsutil_read_input(const char *path, size_t max, char **data, size_t *len,
                      struct stat *st, char *why, size_t whylen)
{
    struct stat s;
    int fd;
    int ret;

    *data = NULL;
    *len = 0;
    why[0] = '\0';
    fd = open(path, O_RDONLY | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);
    if (fd < 0) {
        ret = -errno;
        snprintf(why, whylen, "cannot open: %s", strerror(-ret));
        return ret;
    }
    if (fstat(fd, &s) < 0) {
        ret = -errno;
        snprintf(why, whylen, "cannot stat: %s", strerror(-ret));
        goto out;
    }
    if (!S_ISREG(s.st_mode)) {
        ret = -EINVAL;
        snprintf(why, whylen, "not a regular file (%s): give a file",
                 file_kind(s.st_mode));
        goto out;
    }
    if (s.st_size < 0 || (unsigned long long)s.st_size > max) {
        ret = -EFBIG;
        snprintf(why, whylen, "is %lld bytes, over the limit of %zu bytes",
                 (long long)s.st_size, max);
        goto out;
    }
    ret = read_bounded(fd, max, (size_t)s.st_size, data, len);
    if (ret == -EFBIG)
        snprintf(why, whylen, "grew over the limit of %zu bytes while being read", max);
    else if (ret < 0)
        snprintf(why, whylen, "cannot read: %s", strerror(-ret));
    if (ret == 0 && st != NULL)
        *st = s;
out:
    if (ret < 0) {
        free(*data);
        *data = NULL;
        *len = 0;
    }
    close(fd);
    return ret;
}
