/*
 * fsutil: small file-system helpers shared by the store and the commands,
 * and the one way dnsprop reads an input file (scenarios and their
 * includes, operation and request tables, zone files and their
 * $INCLUDEs): a regular file, read whole, bounded.
 *
 * Why bounded, and files and pipes only: a path is user input. /dev/zero
 * never ends, a FIFO without a writer blocks a plain open, a pipe or a
 * growing log can be any size; a reader that trusts the file spins or eats
 * memory (issue 12). A pipe is welcome (`dnsprop run <(...)`): it is read
 * to the same bound, and given up after 30 s without a byte.
 *
 * Thread-safety: no state; two threads creating the same folder at once
 * both succeed (EEXIST is not an error).
 */
#ifndef DP_FSUTIL_H
#define DP_FSUTIL_H

#include <errno.h>
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
 *   -EINVAL   not a regular file or a pipe (device, socket, directory);
 *   -ENODATA  a FIFO that gave no byte (nobody writes to it);
 *   -ETIMEDOUT a pipe silent for 30 s;
 *   -EFBIG    over max (by its size, or by what a read returned: a file
 *             that grows or a pipe that gives more is cut there).
 * The open never blocks (O_NONBLOCK: a FIFO without a writer). */
int fsutil_read_input(const char *path, size_t max, char **data, size_t *len,
                      struct stat *st, char *why, size_t whylen);

/* The same input read a piece at a time (a table too large to hold whole
 * while it is used): fsutil_open_input makes fsutil_read_input's checks
 * (a regular file or a pipe, at most max bytes by its size) and
 * fsutil_read_next gives the next bytes, 0 at the end, or one of
 * fsutil_read_input's negative codes with why set (-EFBIG past max bytes
 * in all, -ENODATA for a FIFO that gave nothing, -ETIMEDOUT for a pipe
 * silent 30 s). */
typedef struct {
    int fd;
    struct stat st;
    size_t max, got;
} fsutil_in_t;

int fsutil_open_input(const char *path, size_t max, fsutil_in_t *in, char *why,
                      size_t whylen);
ssize_t fsutil_read_next(fsutil_in_t *in, char *buf, size_t len, char *why,
                         size_t whylen);
void fsutil_close_input(fsutil_in_t *in);

/* A secret kept in a file (an API key, a password, a token): the first
 * line of path, without its line end and trailing blanks, into buf (len
 * bytes). Read as fsutil_read_input reads (a file or a pipe, never a
 * device; at most 64 KiB). 0; -ENAMETOOLONG when the line does not fit
 * (why says so: a secret is never cut short); another negative code with
 * why set. An empty first line gives "" and 0: the caller decides. */
int fsutil_read_secret(const char *path, char *buf, size_t len, char *why, size_t whylen);

/* Whether fsutil_read_input's ret is the input's fault (why says what to
 * do: a device, a silent or empty pipe, too big), not the system's. */
static inline int fsutil_input_refused(int ret)
{
    return ret == -EINVAL || ret == -EFBIG || ret == -ENODATA || ret == -ETIMEDOUT;
}

#endif
