/*
 * store_int: the one thing storage's other modules (export.c, streams.c,
 * requests.c) take from store.c beyond store.h: a connection to the
 * store's server. Not for callers outside storage/, which never see a
 * hiredis context. Includes flow one way: store.c includes none of the
 * modules that use it.
 */
#ifndef DP_STORE_INT_H
#define DP_STORE_INT_H

#include <hiredis.h>

#include "storage/store.h"

/* A new connection to the store's server (URL, password and database of
 * store_open), for the calling thread: a hiredis context belongs to one
 * thread, and the caller redisFree()s it. NULL with err saying why (the
 * URL redacted). Thread-safe: reads only what store_open set. */
redisContext *store_redis_connect(store_t *s, char *err, size_t errlen);
/* n of the campaign's results removed by age (aging.c): the count check
 * at the end takes them as stored. Thread-safe. */
void store_count_expired(store_t *s, uint64_t n);

#endif
