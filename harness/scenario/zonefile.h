/*
 * zonefile: a zone file as people write it, made into text that ldns
 * parses. ldns 1.8.3 implements neither $INCLUDE ("not implemented") nor
 * BIND's $GENERATE, so this module expands both first, and keeps a line
 * map so that an error anywhere (its own, or ldns's in the expanded text)
 * names the FILE:LINE that was written.
 *
 *   $INCLUDE <file> [<origin>] [;comment]   (RFC 1035 5.1)
 *     The file's records are read in place. A relative path is relative to
 *     the directory of the file that includes it (not the working
 *     directory, as BIND has it: a zone's files travel together). With an
 *     origin (relative to the current $ORIGIN unless it ends in a dot),
 *     the included file starts with that $ORIGIN; whatever the included
 *     file does to the origin, the including file's origin is restored
 *     after it ("$INCLUDE ... does not change the origin in the parent
 *     file", RFC 1035 5.1). $TTL is not restored (BIND does not either).
 *     Nesting is at most ZF_MAX_DEPTH deep; a file that includes itself,
 *     directly or not, is an error.
 *
 *   $GENERATE <start>-<stop>[/<step>] <lhs> [<ttl>] [<class>] <type> <rhs>
 *     BIND's directive (BIND 9 ARM, "The $GENERATE Directive"): one record
 *     per value of the iterator, from start to stop (inclusive) by step
 *     (default 1). In lhs and in everything after it on the line:
 *       $                the iterator, in decimal;
 *       ${off[,width[,base]]}  iterator + off, zero-padded to width, in
 *                        base d (decimal), o (octal), x / X (hex, lower /
 *                        upper case), n / N (nibbles: hex digits, least
 *                        significant first, one per label, as ip6.arpa.
 *                        names are; width counts the dots too);
 *       $$               a literal $;
 *       \X               kept as written (\$ is a literal $ to ldns).
 *     At most ZF_GENERATE_MAX records per directive; a negative value, a
 *     width over 255 or a base other than doxXnN is an error.
 *
 * Everything else (records, $ORIGIN, $TTL, comments, parentheses, quoted
 * strings) is passed through line for line; directives are recognised only
 * at the start of a line and outside parentheses and quoted strings.
 * The whole expansion is bounded by opts->max_bytes.
 *
 * Errors are 0 or negative codes (harness/common/errcode.h): DP_EPARSE (a
 * bad directive, a cycle, too deep, too big), -errno (a file that cannot
 * be read) or -ENOMEM; err gets "FILE:LINE: what, and what to do".
 *
 * Ownership: a zf_text_t owns its text, line map and file names
 * (zf_text_destroy). No global state; one zf_text_t is not to be shared
 * between threads while one of them expands it.
 */
#ifndef DP_ZONEFILE_H
#define DP_ZONEFILE_H

#include <stdbool.h>
#include <stddef.h>

/* $INCLUDE nesting depth (the top file is depth 0). */
#define ZF_MAX_DEPTH 16
/* Records one $GENERATE may make (a /14 of PTRs, a /18 of A records). */
#define ZF_GENERATE_MAX 262144u
/* Default bound of the expanded text. */
#define ZF_DEFAULT_MAX_BYTES ((size_t)64 << 20)

typedef struct zf_text zf_text_t;

typedef struct {
    size_t max_bytes; /* 0: ZF_DEFAULT_MAX_BYTES */
    bool no_include;  /* $INCLUDE is an error (fuzzing: no file system) */
} zf_opts_t;

/* Expand the zone file at path. origin (may be NULL: the root) is the
 * $ORIGIN in effect at its start, the one relative $ORIGIN, $INCLUDE
 * origins and $GENERATE names are taken relative to. opts may be NULL.
 * *out is NULL on error. */
int zf_expand(const char *path, const char *origin, const zf_opts_t *opts,
              zf_text_t **out, char *err, size_t errlen);

/* As zf_expand, with the top file's text given (len bytes, need not be
 * NUL-terminated); name is what messages call it, and the directory
 * relative $INCLUDE paths are taken from. */
int zf_expand_mem(const char *name, const char *data, size_t len, const char *origin,
                  const zf_opts_t *opts, zf_text_t **out, char *err, size_t errlen);

/* The expanded text (NUL-terminated; *len without the NUL). */
const char *zf_text_data(const zf_text_t *t, size_t *len);

/* Line line (1-based) of the expanded text as written: *file (owned by t)
 * and *fline. A line past the end maps to the last line. Returns 0, or
 * -ERANGE for a line < 1 or an empty text. */
int zf_text_where(const zf_text_t *t, long line, const char **file, long *fline);

/* Does the record that ends on line line (1-based) of the expanded text
 * hold a character-string over 255 octets (RFC 1035 3.3): a quoted string,
 * or a word after TXT or SPF? ldns 1.8.3 only says "could not parse the
 * RR's rdata"; this is how a caller says what is wrong. The record is
 * taken to start at the nearest line up that does not start with a
 * blank (at most 64 lines up). */
bool zf_text_long_string(const zf_text_t *t, long line);

void zf_text_destroy(zf_text_t *t);

#endif
