/*
 * libFuzzer target: what `dnsprop report` and `dnsprop assess --scenario`
 * read back, which a user (or another tool) may have written: stored
 * results (ds_add_stored, one compact record or JSON text per line, then statistics and
 * the report document over them) and intended-state files (assess_intended_load and its
 * records). Any input must load or be refused, never crash or leak.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "plot/assess/assess.h"
#include "plot/assess/assess_live.h"
#include "plot/dataset.h"
#include "plot/report.h"
#include "plot/stats.h"
#include "storage/record.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void results(const uint8_t *data, size_t size)
{
    char *text = malloc(size + 1);
    char *line;
    char *nl;
    dataset_t ds;
    json_t *doc;

    if (text == NULL)
        return;
    memcpy(text, data, size);
    text[size] = '\0';
    ds_init(&ds);
    for (line = text; line != NULL; line = nl != NULL ? nl + 1 : NULL) {
        nl = strchr(line, '\n');
        if (nl != NULL)
            *nl = '\0';
        /* a compact record (storage/record.h) or a JSON text, as Redis
         * gives either back; and as `dnsprop export` turns it into JSON */
        ds_add_stored(&ds, line, strlen(line));
        json_decref(record_text_to_json(line, strlen(line), "fuzz"));
    }
    doc = report_build(&ds, NULL, NULL);
    json_decref(doc);
    ds_clear(&ds);
    free(text);
}

static void intended(const uint8_t *data, size_t size)
{
    char path[] = "/tmp/dnsprop-fuzz-intended-XXXXXX";
    char err[1024];
    json_t *in = NULL;
    assess_set_t set;
    int fd = mkstemp(path);

    if (fd < 0)
        return;
    if (write(fd, data, size) != (ssize_t)size) {
        close(fd);
        unlink(path);
        return;
    }
    close(fd);
    memset(&set, 0, sizeof(set));
    if (assess_intended_load(path, &in, err, sizeof(err)) == 0) {
        assess_intended_records(in, "", &set, err, sizeof(err));
        json_decref(in);
    }
    assess_set_free(&set);
    unlink(path);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    results(data, size);
    intended(data, size);
    return 0;
}
