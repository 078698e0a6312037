/*
 * libFuzzer target: scenario files (inih + dnsprop's checks). Any input
 * must load or fail with a message naming the file, never crash or leak.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "harness/scenario/scenario.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char path[] = "/tmp/dnsprop-fuzz-scen-XXXXXX";
    char err[1024];
    scenario_t sc;
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
    if (scenario_load(path, &sc, err, sizeof(err)) == 0)
        scenario_free(&sc);
    else if (strstr(err, path) == NULL && strstr(err, "include") == NULL &&
             strstr(err, "cannot") == NULL)
        abort(); /* an error that does not say where */
    unlink(path);
    return 0;
}
