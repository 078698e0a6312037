/*
 * store_int: what the store's own modules share (not for other callers).
 */
#ifndef DP_STORE_INT_H
#define DP_STORE_INT_H

#include <hiredis.h>

#include "storage/store.h"

/* A new connection to the store's server for the calling thread. */
redisContext *store_connect_reader(store_t *s, char *err, size_t errlen);

#endif
