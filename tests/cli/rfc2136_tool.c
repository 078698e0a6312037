/*
 * rfc2136_tool: one operation through target_rfc2136, for
 * tests/cli/test_rfc2136.sh (built by that script, not by the Makefile).
 *
 *   rfc2136_tool [--ttl N] SERVER TSIG OP ZONE NAME TYPE [VALUE...]
 *
 * SERVER is ADDR[:PORT]; TSIG is ALG:KEYNAME:SECRET as in [target NAME]
 * tsig_key, or "-" for none (unsigned). OP is an operation name
 * (zone_create, zone_update, zone_delete, record_create, record_update,
 * record_delete) or "serial" (only read the serial). Values are in
 * zone-file form and are made canonical first, as the driver does.
 *
 * Prints "ok serial=N" (the zone's serial on the primary afterwards) and
 * exits 0, or "error: ..." on stderr and exits 1 (2: usage).
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness/common/errcode.h"
#include "harness/common/numparse.h"
#include "harness/targets/target.h"
#include "probes/rdata.h"

static int usage(void)
{
    fprintf(stderr, "usage: rfc2136_tool [--ttl N] SERVER TSIG|- OP ZONE NAME TYPE "
                    "[VALUE...]\n");
    return 2;
}

int main(int argc, char **argv)
{
    target_conf_t cfg;
    target_t *t = NULL;
    target_op_t op;
    target_ack_t ack;
    char zone[RDATA_NAME_TEXT_MAX];
    char name[RDATA_NAME_TEXT_MAX];
    char err[512];
    char **values = NULL;
    size_t nvalues = 0;
    uint32_t ttl = 60;
    uint32_t serial;
    uint16_t type;
    bool serial_only = false;
    op_kind_t kind = OP_KINDS;
    int argi = 1;
    int rc = 1;
    int i;

    /* A primary that closes the connection must give an error, not kill
     * us (dnsprop ignores SIGPIPE too). */
    signal(SIGPIPE, SIG_IGN);
    memset(&cfg, 0, sizeof(cfg));
    if (argc > 2 && strcmp(argv[1], "--ttl") == 0) {
        if (numparse_u32(argv[2], &ttl) < 0)
            return usage();
        argi = 3;
    }
    if (argc - argi < 6)
        return usage();
    if (strcmp(argv[argi + 2], "serial") == 0) {
        serial_only = true;
    } else if (op_kind_from_str(argv[argi + 2], &kind) < 0) {
        return usage();
    }
    if (rdata_name_canon(argv[argi + 3], zone, sizeof(zone)) < 0 ||
        rdata_name_canon(argv[argi + 4], name, sizeof(name)) < 0 ||
        rdata_type_from_str(argv[argi + 5], &type) < 0) {
        fprintf(stderr, "error: bad zone, name or type\n");
        return 2;
    }
    /* the section [target tool] type = rfc2136, server = SERVER, tsig_key
     * = TSIG would make; the server and key are checked by the target */
    if (target_conf_init(&cfg, "tool") < 0 ||
        target_conf_set_kind(&cfg, "rfc2136", err, sizeof(err)) < 0 ||
        target_conf_key(&cfg, "server", argv[argi], err, sizeof(err)) < 0 ||
        (strcmp(argv[argi + 1], "-") != 0 &&
         target_conf_key(&cfg, "tsig_key", argv[argi + 1], err, sizeof(err)) < 0)) {
        fprintf(stderr, "error: cannot configure the target\n");
        goto out;
    }
    if (target_create(&t, &cfg, err, sizeof(err)) < 0) {
        fprintf(stderr, "error: %s\n", err);
        goto out;
    }
    if (argc - argi > 6) {
        values = calloc((size_t)(argc - argi - 6), sizeof(*values));
        if (values == NULL)
            goto out;
    }
    for (i = argi + 6; i < argc; i++) {
        if (rdata_from_text(type, argv[i], &values[nvalues]) < 0) {
            fprintf(stderr, "error: value '%s' does not parse for type %s\n", argv[i],
                    argv[argi + 5]);
            goto out;
        }
        nvalues++;
    }
    if (!serial_only) {
        memset(&op, 0, sizeof(op));
        memset(&ack, 0, sizeof(ack));
        op.kind = kind;
        op.zone = zone;
        op.name = name;
        op.type = type;
        op.ttl = ttl;
        op.values = values;
        op.nvalues = nvalues;
        if (target_apply(t, &op, &ack) < 0) {
            fprintf(stderr, "error: %s\n", ack.error);
            goto out;
        }
        if (ack.ack_time < ack.submit_time || ack.submit_time <= 0) {
            fprintf(stderr, "error: ack times %.6f < %.6f\n", ack.ack_time,
                    ack.submit_time);
            goto out;
        }
    }
    if (target_zone_serial(t, zone, &serial) < 0) {
        fprintf(stderr, "error: cannot read the serial of %s\n", zone);
        goto out;
    }
    printf("ok serial=%u\n", (unsigned)serial);
    rc = 0;
out:
    for (i = 0; (size_t)i < nvalues; i++)
        free(values[i]);
    free(values);
    target_destroy(t);
    target_conf_clear(&cfg);
    return rc;
}
