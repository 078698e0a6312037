/*
 * zonesync_tool: the zonesync module from the command line, for
 * tests/cli/test_zonesync.sh (built by that script, not by the Makefile).
 *
 *   zonesync_tool load FILE [ORIGIN]
 *   zonesync_tool axfr [--tsig SPEC] SERVER ZONE
 *   zonesync_tool plan [--tsig SPEC] [--json] [--force] [--max-update PCT]
 *                      [--max-delete PCT] SERVER ZONE DESIRED_FILE
 *   zonesync_tool diff FILE_WANT FILE_HAVE ORIGIN
 *
 * load and axfr print the zone, one RRset a line ("NAME TYPE TTL V1 | V2"),
 * then "origin=O serial=S sets=N skipped=K". plan AXFRs ZONE from SERVER,
 * plans DESIRED_FILE against it and prints the plan (text, or JSON with
 * --json), then checks it against the thresholds (octoDNS's 30/30 unless
 * given): an unsafe plan prints "unsafe: WHY" on stderr and exits 3 unless
 * --force. diff plans two files. Errors: "error: ..." on stderr, exit 1;
 * usage: exit 2.
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness/common/errcode.h"
#include "harness/common/numparse.h"
#include "harness/scenario/zonesync.h"
#include "probes/rdata.h"

static int usage(void)
{
    fprintf(
        stderr,
        "usage: zonesync_tool load FILE [ORIGIN]\n"
        "       zonesync_tool axfr [--tsig SPEC] SERVER ZONE\n"
        "       zonesync_tool plan [--tsig SPEC] [--json] [--force] [--max-update PCT]\n"
        "                          [--max-delete PCT] SERVER ZONE DESIRED_FILE\n"
        "       zonesync_tool diff FILE_WANT FILE_HAVE ORIGIN\n");
    return 2;
}

static void print_zone(const zs_zone_t *z)
{
    char tb[16];
    size_t i;
    size_t k;

    for (i = 0; i < z->n; i++) {
        const zs_rrset_t *s = &z->sets[i];
        printf("%s %s %u ", s->name, rdata_type_to_str(s->type, tb), (unsigned)s->ttl);
        for (k = 0; k < s->nvalues; k++)
            printf("%s%s", k > 0 ? " | " : "", s->values[k]);
        putchar('\n');
    }
    printf("origin=%s serial=%u sets=%zu skipped=%zu\n", z->origin, (unsigned)z->serial,
           z->n, z->nskipped);
}

/* Print the plan of want against have and check it. */
static int plan_and_check(const zs_zone_t *want, const zs_zone_t *have, bool json,
                          bool force, double max_update, double max_delete)
{
    zs_plan_t plan;
    char why[512];
    int ret;

    ret = zs_plan(want, have, &plan);
    if (ret < 0) {
        fprintf(stderr, "error: cannot plan: %s\n", dp_strerror(ret));
        return 1;
    }
    if (json) {
        json_t *j = zs_plan_json(&plan);
        if (j == NULL ||
            json_dumpf(j, stdout, JSON_INDENT(2) | JSON_PRESERVE_ORDER) < 0) {
            json_decref(j);
            zs_plan_free(&plan);
            return 1;
        }
        putchar('\n');
        json_decref(j);
    } else {
        zs_plan_print(stdout, &plan);
    }
    ret = zs_plan_check(&plan, max_update, max_delete, why, sizeof(why));
    zs_plan_free(&plan);
    if (ret == DP_EUSAGE && !force) {
        fprintf(stderr, "unsafe: %s\n", why);
        return 3;
    }
    if (ret < 0 && ret != DP_EUSAGE) {
        fprintf(stderr, "error: %s\n", why);
        return 1;
    }
    return 0;
}

int main(int argc, char **argv)
{
    zs_zone_t want;
    zs_zone_t have;
    const char *tsig = NULL;
    double max_update = ZS_DEFAULT_MAX_UPDATE_PCT;
    double max_delete = ZS_DEFAULT_MAX_DELETE_PCT;
    bool json = false;
    bool force = false;
    char err[1024];
    const char *cmd;
    int argi = 2;
    int rc = 1;

    signal(SIGPIPE, SIG_IGN);
    memset(&want, 0, sizeof(want));
    memset(&have, 0, sizeof(have));
    if (argc < 2)
        return usage();
    cmd = argv[1];
    while (argi < argc && strncmp(argv[argi], "--", 2) == 0) {
        const char *opt = argv[argi];
        if (strcmp(opt, "--json") == 0) {
            json = true;
        } else if (strcmp(opt, "--force") == 0) {
            force = true;
        } else if (argi + 1 < argc && strcmp(opt, "--tsig") == 0) {
            tsig = argv[++argi];
        } else if (argi + 1 < argc && strcmp(opt, "--max-update") == 0) {
            if (numparse_double(argv[++argi], 0, 100, &max_update) < 0)
                return usage();
        } else if (argi + 1 < argc && strcmp(opt, "--max-delete") == 0) {
            if (numparse_double(argv[++argi], 0, 100, &max_delete) < 0)
                return usage();
        } else {
            return usage();
        }
        argi++;
    }
    if (strcmp(cmd, "load") == 0 && (argc - argi == 1 || argc - argi == 2)) {
        size_t skipped = 0;
        if (zs_zone_load(argv[argi], argc - argi == 2 ? argv[argi + 1] : NULL, &want,
                         &skipped, err, sizeof(err)) < 0) {
            fprintf(stderr, "error: %s\n", err);
            goto out;
        }
        print_zone(&want);
        rc = skipped == want.nskipped ? 0 : 1;
    } else if (strcmp(cmd, "axfr") == 0 && argc - argi == 2) {
        if (zs_zone_axfr(argv[argi], argv[argi + 1], tsig, &have, err, sizeof(err)) < 0) {
            fprintf(stderr, "error: %s\n", err);
            goto out;
        }
        print_zone(&have);
        rc = 0;
    } else if (strcmp(cmd, "plan") == 0 && argc - argi == 3) {
        if (zs_zone_axfr(argv[argi], argv[argi + 1], tsig, &have, err, sizeof(err)) < 0 ||
            zs_zone_load(argv[argi + 2], argv[argi + 1], &want, NULL, err, sizeof(err)) <
                0) {
            fprintf(stderr, "error: %s\n", err);
            goto out;
        }
        rc = plan_and_check(&want, &have, json, force, max_update, max_delete);
    } else if (strcmp(cmd, "diff") == 0 && argc - argi == 3) {
        if (zs_zone_load(argv[argi], argv[argi + 2], &want, NULL, err, sizeof(err)) < 0 ||
            zs_zone_load(argv[argi + 1], argv[argi + 2], &have, NULL, err, sizeof(err)) <
                0) {
            fprintf(stderr, "error: %s\n", err);
            goto out;
        }
        rc = plan_and_check(&want, &have, json, force, max_update, max_delete);
    } else {
        return usage();
    }
out:
    zs_zone_free(&want);
    zs_zone_free(&have);
    return rc;
}
