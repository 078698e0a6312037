/*
 * storeopt: shared results-store options (see storeopt.h).
 */
#include <stdio.h>

#include "harness/cmd/storeopt.h"

void storeopt_init(storeopt_t *o)
{
    o->redis = NULL;
    o->password_file = NULL;
    o->results = "results";
    o->retention = 0;
}

int storeopt_getopt(storeopt_t *o, int c, const char *arg)
{
    switch (c) {
    case STOREOPT_REDIS:
        o->redis = arg;
        return 1;
    case STOREOPT_PWFILE:
        o->password_file = arg;
        return 1;
    case STOREOPT_RESULTS:
        o->results = arg;
        return 1;
    default:
        return 0;
    }
}

int storeopt_open(const storeopt_t *o, const char *prog, store_t **out)
{
    store_opts_t so = {0};
    char dir[1024];
    char err[1024];
    int ret;

    snprintf(dir, sizeof(dir), "%s/.redis", o->results);
    so.url = o->redis;
    so.password_file = o->password_file;
    so.embedded_dir = dir;
    so.retention = o->retention;
    ret = store_open(out, &so, err, sizeof(err));
    if (ret < 0)
        fprintf(stderr, "%s: results store: %s\n", prog, err);
    return ret;
}
