/*
 * target_exec: run a command per operation, from an argv template (no
 * shell), e.g. `knsupdate` or `pdnsutil`:
 *
 *   [target cmd]
 *   type = exec
 *   record_create = pdnsutil --config-dir=/etc/pdns replace-rrset ${zone} ${name}
 *                   ${type} ${ttl} ${value}          (one line)
 *   record_delete = pdnsutil --config-dir=/etc/pdns delete-rrset ${zone} ${name} ${type}
 *   serial = dig +short @127.0.0.1 ${zone} SOA   ; stdout: the SOA (serial = 3rd
 *                                                ; word) or a number
 *
 * Keys: one per operation kind (zone_create ... record_delete; at least
 * one), serial, and the generic tsig_key (zone sync's AXFR). ${VAR} in a
 * template comes from the environment when the scenario is read, except
 * the placeholders filled here per operation.
 *
 * The template is split into words once (double and single quotes group,
 * as in a shell, but nothing else is interpreted); ${zone} ${name}
 * ${relname} (the name relative to the zone, "@" at the apex, as
 * pdnsutil wants it) ${type} ${ttl} ${value} are replaced inside each word, so a value
 * with spaces ("10 mail.example.", a quoted TXT) stays one argument. Exit status 0 is the
 * acknowledgement; otherwise the error carries the command's stderr.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "harness/common/errcode.h"
#include "harness/common/numparse.h"
#include "harness/targets/target.h"
#include "harness/common/timebase.h"
#include "probes/rdata.h"

#define MAX_WORDS 64
#define SERIAL    OP_KINDS /* cmd[SERIAL], words[SERIAL]: serial = */

typedef struct {
    char *cmd[OP_KINDS + 1]; /* an argv template per operation kind, and serial */
} exec_conf_t;

typedef struct {
    target_t base;
    char *words[OP_KINDS + 1][MAX_WORDS + 1]; /* [OP_KINDS]: serial */
} exec_t;

/* Split a template into words: blanks separate, '...' and "..." group. */
static int split(const char *tmpl, char **words, char *err, size_t errlen)
{
    size_t n = 0;
    const char *p = tmpl;

    while (*p != '\0') {
        char buf[4096];
        size_t o = 0;
        while (*p == ' ' || *p == '\t')
            p++;
        if (*p == '\0')
            break;
        while (*p != '\0' && *p != ' ' && *p != '\t') {
            if (*p == '"' || *p == '\'') {
                char q = *p++;
                while (*p != '\0' && *p != q && o + 1 < sizeof(buf))
                    buf[o++] = *p++;
                if (*p != q) {
                    snprintf(err, errlen, "unterminated %c in '%s'", q, tmpl);
                    return DP_EPARSE;
                }
                p++;
            } else if (o + 1 < sizeof(buf)) {
                buf[o++] = *p++;
            } else {
                p++;
            }
        }
        buf[o] = '\0';
        if (n == MAX_WORDS) {
            snprintf(err, errlen, "more than %d words in '%s'", MAX_WORDS, tmpl);
            return DP_EPARSE;
        }
        words[n] = strdup(buf);
        if (words[n] == NULL)
            return -ENOMEM;
        n++;
    }
    words[n] = NULL;
    if (n == 0) {
        snprintf(err, errlen, "empty command");
        return DP_EPARSE;
    }
    return 0;
}

/* One word with its placeholders filled. */
static char *fill(const char *w, const target_op_t *op, const char *value)
{
    char tb[16];
    char ttl[16];
    const char *keys[] = {"${zone}", "${name}",  "${type}",
                          "${ttl}",  "${value}", "${relname}"};
    const char *vals[6];
    char rel[RDATA_NAME_TEXT_MAX];
    size_t cap = strlen(w) + 1;
    char *out;
    size_t o = 0;
    int k;

    snprintf(ttl, sizeof(ttl), "%u", op->ttl);
    vals[0] = op->zone;
    vals[1] = op->name != NULL ? op->name : op->zone;
    vals[2] = op->type != 0 ? rdata_type_to_str(op->type, tb) : "SOA";
    vals[3] = ttl;
    vals[4] = value != NULL ? value : "";
    {
        /* the name less ".zone." */
        size_t nl = strlen(vals[1]);
        size_t zl = strlen(op->zone);
        if (nl > zl && strcmp(vals[1] + nl - zl, op->zone) == 0 &&
            vals[1][nl - zl - 1] == '.')
            snprintf(rel, sizeof(rel), "%.*s", (int)(nl - zl - 1), vals[1]);
        else
            snprintf(rel, sizeof(rel), "@");
        vals[5] = rel;
    }
    for (k = 0; k < 6; k++)
        cap += strlen(vals[k]) * 8;
    out = malloc(cap);
    if (out == NULL)
        return NULL;
    while (*w != '\0') {
        bool hit = false;
        for (k = 0; k < 6; k++) {
            size_t kl = strlen(keys[k]);
            if (strncmp(w, keys[k], kl) == 0 && o + strlen(vals[k]) < cap) {
                memcpy(out + o, vals[k], strlen(vals[k]));
                o += strlen(vals[k]);
                w += kl;
                hit = true;
                break;
            }
        }
        if (!hit && o + 1 < cap)
            out[o++] = *w++;
        else if (!hit)
            w++;
    }
    out[o] = '\0';
    return out;
}

/* Run argv; 0 when it exits 0. Its stdout goes to out (when not NULL),
 * its stderr to err on failure. */
static int run(char *const *argv, char *out, size_t outlen, char *err, size_t errlen)
{
    int opipe[2];
    int epipe[2];
    pid_t pid;
    int status = 0;
    char ebuf[1024];
    size_t en = 0;
    size_t on = 0;
    ssize_t r;

    if (pipe(opipe) < 0 || pipe(epipe) < 0)
        return -errno;
    pid = fork();
    if (pid < 0)
        return -errno;
    if (pid == 0) {
        int devnull = open("/dev/null", O_RDONLY);
        dup2(devnull, 0);
        dup2(opipe[1], 1);
        dup2(epipe[1], 2);
        close(opipe[0]);
        close(epipe[0]);
        execvp(argv[0], argv);
        /* into the pipe the parent reads the error from; no stdio (its
         * locks may be held by another thread of the parent) */
        dprintf(STDERR_FILENO, "cannot run %s: %s", argv[0], strerror(errno));
        _exit(127);
    }
    close(opipe[1]);
    close(epipe[1]);
    while ((r = read(opipe[0], out != NULL && on + 1 < outlen ? out + on : ebuf,
                     out != NULL && on + 1 < outlen ? outlen - on - 1 : sizeof(ebuf))) >
           0) {
        if (out != NULL && on + 1 < outlen)
            on += (size_t)r;
    }
    if (out != NULL)
        out[on] = '\0';
    while ((r = read(epipe[0], ebuf + en, sizeof(ebuf) - en - 1)) > 0)
        en += (size_t)r;
    ebuf[en] = '\0';
    close(opipe[0]);
    close(epipe[0]);
    waitpid(pid, &status, 0);
    if (WIFEXITED(status) && WEXITSTATUS(status) == 0)
        return 0;
    ebuf[strcspn(ebuf, "\n")] = '\0';
    snprintf(err, errlen, "%.100s exited %d%s%.300s", argv[0],
             WIFEXITED(status) ? WEXITSTATUS(status) : -1, en > 0 ? ": " : "", ebuf);
    return DP_EEMPTY;
}

static int run_template(exec_t *t, int which, const target_op_t *op, const char *value,
                        char *out, size_t outlen, char *err, size_t errlen)
{
    char *argv[MAX_WORDS + 1];
    size_t i;
    int ret;

    for (i = 0; t->words[which][i] != NULL; i++) {
        argv[i] = fill(t->words[which][i], op, value);
        if (argv[i] == NULL) {
            argv[i] = NULL;
            ret = -ENOMEM;
            goto out;
        }
    }
    argv[i] = NULL;
    ret = run(argv, out, outlen, err, errlen);
out:
    for (i = 0; argv[i] != NULL; i++)
        free(argv[i]);
    return ret;
}

static int exec_apply(target_t *base, const target_op_t *op, target_ack_t *ack)
{
    exec_t *t = (exec_t *)(void *)base;
    int ret;

    ack->submit_time = timebase_real_s();
    if (t->words[op->kind][0] == NULL) {
        snprintf(ack->error, sizeof(ack->error), "[target %s] has no %s command",
                 base->cfg->name, op_kind_str(op->kind));
        ack->ack_time = timebase_real_s();
        return DP_EUSAGE;
    }
    ret = run_template(t, op->kind, op, op->nvalues > 0 ? op->values[0] : NULL, NULL, 0,
                       ack->error, sizeof(ack->error));
    ack->ack_time = timebase_real_s();
    ack->status = ret == 0 ? 0 : 1;
    return ret;
}

static int exec_zone_serial(target_t *base, const char *zone, uint32_t *serial)
{
    exec_t *t = (exec_t *)(void *)base;
    target_op_t op;
    char out[1024];
    char err[512];
    char *tok;
    char *save = NULL;
    int word = 0;
    int ret;

    if (t->words[OP_KINDS][0] == NULL)
        return DP_EUSAGE;
    memset(&op, 0, sizeof(op));
    op.zone = zone;
    ret = run_template(t, OP_KINDS, &op, NULL, out, sizeof(out), err, sizeof(err));
    if (ret < 0)
        return ret;
    /* a bare number, or an SOA's RDATA (serial is the third word) */
    for (tok = strtok_r(out, " \t\r\n", &save); tok != NULL;
         tok = strtok_r(NULL, " \t\r\n", &save)) {
        word++;
        if (numparse_u32(tok, serial) == 0 && (word == 1 || word == 3))
            return 0;
    }
    return DP_EPARSE;
}

static void exec_destroy(target_t *base)
{
    exec_t *t = (exec_t *)(void *)base;
    size_t k;
    size_t i;

    for (k = 0; k <= OP_KINDS; k++)
        for (i = 0; t->words[k][i] != NULL; i++)
            free(t->words[k][i]);
    free(t);
}

static int exec_create(target_t **out, const target_conf_t *cfg, char *err, size_t errlen)
{
    exec_t *t = calloc(1, sizeof(*t));
    const exec_conf_t *ec = cfg->conf;
    char sub[512];
    int k;

    if (t == NULL)
        return -ENOMEM;
    t->base.cfg = cfg;
    for (k = 0; k <= OP_KINDS; k++) {
        const char *tmpl = ec->cmd[k];
        if (tmpl == NULL)
            continue;
        if (split(tmpl, t->words[k], sub, sizeof(sub)) < 0) {
            snprintf(err, errlen, "[target %s] %s: %s", cfg->name,
                     k < OP_KINDS ? op_kind_str((op_kind_t)k) : "serial", sub);
            exec_destroy(&t->base);
            return DP_EPARSE;
        }
    }
    *out = &t->base;
    return 0;
}

/* ---- configuration ----------------------------------------------------------- */

/* The slot of key: an operation kind, or SERIAL; -1 for none. */
static int cmd_slot(const char *key)
{
    op_kind_t k;

    if (strcmp(key, "serial") == 0)
        return SERIAL;
    return op_kind_from_str(key, &k) == 0 ? (int)k : -1;
}

/* The placeholders fill() replaces stay in the templates. */
static bool exec_keeps(const char *key, const char *var)
{
    return cmd_slot(key) >= 0 &&
           (strcmp(var, "zone") == 0 || strcmp(var, "name") == 0 ||
            strcmp(var, "type") == 0 || strcmp(var, "ttl") == 0 ||
            strcmp(var, "value") == 0 || strcmp(var, "relname") == 0);
}

static int exec_conf_key(void *conf, const char *key, const char *value, char *err,
                         size_t errlen)
{
    exec_conf_t *ec = conf;
    int k = cmd_slot(key);

    (void)err;
    (void)errlen;
    if (k < 0)
        return DP_EEMPTY;
    return target_set_str(&ec->cmd[k], value);
}

static int exec_conf_check(const void *conf, const char **key, char *err, size_t errlen)
{
    const exec_conf_t *ec = conf;
    int k;

    for (k = 0; k < OP_KINDS; k++)
        if (ec->cmd[k] != NULL)
            return 0;
    *key = "record_create";
    snprintf(err, errlen,
             "an exec target needs a command for at least one operation kind");
    return DP_EPARSE;
}

static const char *exec_conf_get(const void *conf, const char *key)
{
    const exec_conf_t *ec = conf;
    int k = cmd_slot(key);

    return k >= 0 ? ec->cmd[k] : NULL;
}

static void exec_conf_clear(void *conf)
{
    exec_conf_t *ec = conf;
    int k;

    for (k = 0; k <= OP_KINDS; k++)
        free(ec->cmd[k]);
}

const target_kind_t target_kind_exec = {
    .name = "exec",
    .keys = "zone_create, zone_update, zone_delete, record_create, record_update, "
            "record_delete, serial",
    .tsig = true,
    .conf_size = sizeof(exec_conf_t),
    .keeps = exec_keeps,
    .conf_key = exec_conf_key,
    .conf_check = exec_conf_check,
    .conf_get = exec_conf_get,
    .conf_clear = exec_conf_clear,
    .create = exec_create,
    .apply = exec_apply,
    .zone_serial = exec_zone_serial,
    .destroy = exec_destroy,
};
