/*
 * hash: FNV-1a (Fowler, Noll, Vo; 64-bit), the hash of the project's own
 * chained tables: ids, names, keys. Not for anything an attacker may
 * steer towards collisions at scale; cheap, and the same on every
 * platform.
 *
 * Ownership: none. Thread-safety: pure functions.
 */
#ifndef DP_HASH_H
#define DP_HASH_H

#include <stddef.h>
#include <stdint.h>

#define HASH_FNV1A_INIT  UINT64_C(14695981039346656037)
#define HASH_FNV1A_PRIME UINT64_C(1099511628211)

/* h (HASH_FNV1A_INIT, or a hash to go on from) over n bytes of p. */
static inline uint64_t hash_fnv1a(uint64_t h, const void *p, size_t n)
{
    const unsigned char *s = p;

    for (size_t i = 0; i < n; i++) {
        h ^= s[i];
        h *= HASH_FNV1A_PRIME;
    }
    return h;
}

/* The same over a NUL-terminated string. */
static inline uint64_t hash_fnv1a_str(uint64_t h, const char *s)
{
    for (; *s != '\0'; s++) {
        h ^= (unsigned char)*s;
        h *= HASH_FNV1A_PRIME;
    }
    return h;
}

#endif
