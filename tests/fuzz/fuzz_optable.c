/*
 * libFuzzer target: operation tables (libcsv + dnsprop's checks). Any
 * input loads or fails naming FILE:LINE; rows come back sorted by `at`.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "harness/scenario/optable.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char path[] = "/tmp/dnsprop-fuzz-ops-XXXXXX";
    char err[1024];
    optable_row_t *rows = NULL;
    size_t n = 0;
    size_t i;
    int fd = mkstemp(path);

    if (fd < 0)
        return 0;
    if (write(fd, data, size) != (ssize_t)size) {
        close(fd);
        unlink(path);
        return 0;
    }
    close(fd);
    err[0] = '\0';
    if (optable_load(path, &rows, &n, err, sizeof(err)) == 0) {
        for (i = 1; i < n; i++)
            if (rows[i - 1].at > rows[i].at)
                abort(); /* not sorted */
        optable_free(rows, n);
    } else if (strstr(err, path) == NULL) {
        abort();
    }
    unlink(path);
    return 0;
}
