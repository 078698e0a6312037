/*
 * libFuzzer target: the zone-file preprocessor (harness/scenario/zonefile.h:
 * $GENERATE, $ORIGIN tracking, parentheses and quotes; $INCLUDE refused, as
 * the fuzzer has no files to offer). Any input expands or fails naming
 * "fuzz.zone:LINE"; an expansion stays within its byte bound, is NUL-free
 * text ending in a newline, and every line of it maps back to a line of the
 * input.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness/scenario/zonefile.h"

#define FUZZ_MAX_BYTES ((size_t)1 << 20)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_text(const zf_text_t *t, size_t size)
{
    size_t len = 0;
    const char *s = zf_text_data(t, &len);
    long lines = 0;
    const char *file = NULL;
    long fline = 0;
    size_t i;

    if (len > FUZZ_MAX_BYTES || strlen(s) != len || (len > 0 && s[len - 1] != '\n'))
        abort();
    for (i = 0; i < len; i++)
        lines += s[i] == '\n';
    for (long l = 1; l <= lines; l++) {
        if (zf_text_where(t, l, &file, &fline) != 0 || strcmp(file, "fuzz.zone") != 0 ||
            fline < 1 || (size_t)fline > size + 1)
            abort();
    }
    (void)zf_text_long_string(t, lines);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    zf_opts_t opts = {FUZZ_MAX_BYTES, true};
    zf_text_t *t = NULL;
    char err[1024];

    err[0] = '\0';
    if (zf_expand_mem("fuzz.zone", (const char *)data, size, "example.test.", &opts, &t,
                      err, sizeof(err)) == 0) {
        if (t == NULL)
            abort();
        check_text(t, size);
        zf_text_destroy(t);
    } else if (t != NULL || strncmp(err, "fuzz.zone", 9) != 0) {
        abort();
    }
    return 0;
}
