/*
 * fsutil: small file-system helpers shared by the store and the commands.
 * Thread-safety: no state; two threads creating the same folder at once
 * both succeed (EEXIST is not an error).
 */
#ifndef DP_FSUTIL_H
#define DP_FSUTIL_H

#include <sys/types.h>

/* mkdir -p: create path and its missing parents with mode; 0 or -errno. */
int fsutil_mkdirs(const char *path, mode_t mode);

#endif
