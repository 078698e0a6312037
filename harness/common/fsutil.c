/*
 * fsutil: file-system helpers (see fsutil.h).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "harness/common/fsutil.h"

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
