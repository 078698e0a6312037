/*
 * fsutil: small file-system helpers shared by the store and the commands,
 * and the one way dnsprop reads an input file (scenarios and their
 * includes, operation and request tables, zone files and their
 * $INCLUDEs): a regular file, read whole, bounded.
 *
 * Why bounded and regular only: a path is user input. /dev/zero never
 * ends, a FIFO blocks the open, /dev/stdin or a growing log can be any
 * size; a reader that trusts the file spins or eats memory (issue 12).
 *
 * Thread-safety: no state; two threads creating the same folder at once
 * both succeed (EEXIST is not an error).
 */
#ifndef DP_FSUTIL_H
#define DP_FSUTIL_H

#include <stddef.h>
#include <sys/stat.h>
#include <sys/types.h>

/* mkdir -p: create path and its missing parents with mode; 0 or -errno. */
int fsutil_mkdirs(const char *path, mode_t mode);

/* The regular file at path, whole, into *data (malloc'ed, NUL-terminated
 * after its *len bytes; the caller frees it), at most max bytes. st (may
 * be NULL) gets the file's stat (its dev/ino tell include cycles). 0, or
 * a negative code with why set to what went wrong, without the path
 * ("not a regular file (a character device)", "is 2000000 bytes, over the
 * limit of 1048576 bytes", "cannot open: ..."):
 *   -errno    cannot open or read;
 *   -EINVAL   not a regular file (device, FIFO, socket, directory);
 *   -EFBIG    over max (by its size, or by what a read returned: a file
 *             that grows while read is cut there, never read on).
 * The open never blocks (O_NONBLOCK: a FIFO without a writer). */
int fsutil_read_input(const char *path, size_t max, char **data, size_t *len,
                      struct stat *st, char *why, size_t whylen);

#endif
