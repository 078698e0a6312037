/*
 * errcode: dnsprop's error codes.
 *
 * Every function returns 0 on success or a negative code: -errno values
 * (-ENOMEM, -EINVAL, ...) for system errors, and project codes below
 * DP_ERRBASE for everything else, as Knot DNS does. Library errors (c-ares,
 * jansson, libcsv) are translated at the module boundary. dp_strerror()
 * names any of them.
 *
 * Thread-safety: dp_strerror returns constant strings (never free them)
 * and keeps no state; any thread may call it.
 */
#ifndef DP_ERRCODE_H
#define DP_ERRCODE_H

#define DP_ERRBASE (-1000)

enum {
    DP_EOK = 0,
    DP_EPARSE = DP_ERRBASE - 1,     /* malformed user input */
    DP_EBADADDR = DP_ERRBASE - 2,   /* bad nameserver address */
    DP_EBADTYPE = DP_ERRBASE - 3,   /* unknown or unsupported RR type */
    DP_EBADVALUE = DP_ERRBASE - 4,  /* value does not parse for its type */
    DP_EBADNAME = DP_ERRBASE - 5,   /* bad domain name */
    DP_EMALFORMED = DP_ERRBASE - 6, /* malformed DNS message */
    DP_ECARES = DP_ERRBASE - 7,     /* c-ares failure */
    DP_ESHUTDOWN = DP_ERRBASE - 8,  /* pool is shutting down */
    DP_EEMPTY = DP_ERRBASE - 9,     /* nothing to return */
    DP_EUSAGE = DP_ERRBASE - 10,    /* command-line usage error */
    DP_ERANGE = DP_ERRBASE - 11,    /* number out of range */
};

/* Human-readable text for a 0/negative code. Never NULL, thread-safe. */
const char *dp_strerror(int code);

#endif
