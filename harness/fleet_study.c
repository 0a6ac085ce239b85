/*
 * fleet_study.c - the study file: what a fleet study runs, and where.
 *
 * A study is plain text a person edits, one setting per line, `#` to the
 * end of a line is a comment:
 *
 *     # caches: the memory hierarchy, machine by machine
 *     nodes      3            array tasks, one node each (1..1024)
 *     partition  batch        Slurm partition (default: the cluster's)
 *     nodelist   node[01-03]  run on these nodes only
 *     constraint avx512       Slurm --constraint
 *     account    perf         Slurm --account
 *     time       60           minutes per task (1..10080)
 *     reps       9            repetitions per point (1..1000)
 *     quick      no           yes: fewer points and repetitions
 *     min_time   0.05         seconds per repetition (0.001..60)
 *     counters   auto         auto|papi|perf|rusage|none
 *     plot       yes          no: skip gnuplot on the nodes
 *     run staircase
 *     run traversal stride=64,4096 threads=1
 *
 * `run EXP NAME=LIST ...` names an experiment and, optionally, the points
 * of its parameters in the syntax of `mechlab run --set` ("8,64",
 * "4K..64M", "1..4:1").
 *
 * Why not JSON: line numbers. Every value is checked here, before anything
 * is written or submitted, and an error names the file and the line of the
 * bad value and what is accepted ("studies/x.study:7: stride=4: 4 is out
 * of range 8..4096 ..."); a JSON parser keeps no line per value, and a
 * person writing a study should not have to balance braces.
 *
 * Trust: the file is input from a person and ends up in a shell script that
 * Slurm runs as that person on every node. So nothing of its text is
 * copied into the script: experiment names come from the registry (an
 * unknown name is an error, whatever it holds), parameter points are
 * parsed into integers and written back from those, Slurm names are
 * checked against Slurm's own alphabets (hx_sbatch_safe), and the script
 * quotes them all the same (fleet_script.c). A study naming an experiment
 * "x; rm -rf ~" stops here with "not an experiment", and nothing is
 * submitted.
 */
#define _GNU_SOURCE
#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "fleet.h"
#include "plan.h"
#include "points.h"
#include "registry.h"
#include "run.h"

#define STUDY_LINE_MAX 4096 /* bytes per line; longer is an error */

typedef struct study_ctx {
    const char *path;
    int line;
    char *err;
    size_t len;
} study_ctx;

static int fail(study_ctx *c, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
static int fail(study_ctx *c, const char *fmt, ...) {
    int n = snprintf(c->err, c->len, "%s:%d: ", c->path, c->line);
    if (n < 0 || (size_t)n >= c->len)
        return -EINVAL;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(c->err + n, c->len - (size_t)n, fmt, ap);
    va_end(ap);
    return -EINVAL;
}

/* Printable, for echoing a bad token back: at most 40 bytes, with
 * anything outside printable ASCII shown as '?'. */
static const char *shown(const char *s, char *buf, size_t len) {
    size_t n = 0;
    for (; *s && n + 1 < len && n < 40; s++)
        buf[n++] = (*s >= 0x20 && *s < 0x7f) ? *s : '?';
    if (*s && n + 4 < len) {
        memcpy(buf + n, "...", 3);
        n += 3;
    }
    buf[n] = 0;
    return buf;
}

static bool only(const char *s, const char *alphabet) {
    return *s && s[strspn(s, alphabet)] == 0;
}

#define ALNUM "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"

static int int_value(study_ctx *c, const char *key, const char *v, long lo,
                     long hi, int *out) {
    char *end, b[64];
    errno = 0;
    long n = strtol(v, &end, 10);
    if (errno || end == v || *end || n < lo || n > hi)
        return fail(c, "%s '%s': expected an integer in %ld..%ld", key,
                    shown(v, b, sizeof b), lo, hi);
    *out = (int)n;
    return 0;
}

static int name_value(study_ctx *c, const char *key, const char *v,
                      const char *alphabet, const char *what, char *out,
                      size_t outlen) {
    char b[64];
    if (!only(v, alphabet) || strlen(v) >= outlen || v[0] == '-')
        return fail(c,
                    "%s '%s': expected 1..%zu characters of %s, not "
                    "starting with '-'",
                    key, shown(v, b, sizeof b), outlen - 1, what);
    snprintf(out, outlen, "%s", v);
    return 0;
}

/* `run EXP NAME=LIST ...`: tokens after "run". */
static int parse_run(study_ctx *c, hx_study *s, char **tok, int ntok) {
    char b[64];
    if (ntok < 1)
        return fail(c, "run needs an experiment name (see `mechlab list`)");
    if (s->nruns == HX_FLEET_MAX_RUNS)
        return fail(c, "at most %d run lines in one study", HX_FLEET_MAX_RUNS);
    const char *name = tok[0];
    const hx_experiment *e = hx_find_experiment(name);
    if (!e) {
        size_t m = (size_t)fail(
            c, "run '%s': not an experiment (known:", shown(name, b, sizeof b));
        (void)m;
        size_t n = strlen(c->err);
        for (int i = 0; i < hx_experiment_count() && n + 2 < c->len; i++)
            n += (size_t)snprintf(c->err + n, c->len - n, " %s",
                                  hx_experiment_at(i)->name);
        if (n + 2 < c->len)
            snprintf(c->err + n, c->len - n, ")");
        return -EINVAL;
    }
    for (int i = 0; i < s->nruns; i++)
        if (s->runs[i].exp == e)
            return fail(c,
                        "run %s: already run at line %d; give each "
                        "experiment once, with lists of points",
                        e->name, s->runs[i].line);
    hx_study_run *r = &s->runs[s->nruns];
    memset(r, 0, sizeof *r);
    r->exp = e;
    r->line = c->line;
    unsigned seen = 0;
    for (int t = 1; t < ntok; t++) {
        const char *eq = strchr(tok[t], '=');
        char pname[64];
        size_t pn = eq ? (size_t)(eq - tok[t]) : 0;
        if (!eq || pn == 0 || pn >= sizeof pname)
            return fail(c, "run %s: '%s': expected NAME=LIST, e.g. %s=%s",
                        e->name, shown(tok[t], b, sizeof b), e->params[0].name,
                        e->params[0].def ? e->params[0].def : "1,2");
        memcpy(pname, tok[t], pn);
        pname[pn] = 0;
        int pi = hx_param_index(e, pname);
        if (pi < 0) {
            fail(c, "run %s: no parameter '%s'; its parameters are:", e->name,
                 shown(pname, b, sizeof b));
            size_t n = strlen(c->err);
            for (int k = 0; k < e->nparams && n + 2 < c->len; k++)
                n += (size_t)snprintf(c->err + n, c->len - n, " %s",
                                      e->params[k].name);
            return -EINVAL;
        }
        if (seen & (1u << pi))
            return fail(c,
                        "run %s: '%s' is set twice; give one list, e.g. "
                        "%s=A,B",
                        e->name, pname, pname);
        seen |= 1u << pi;
        const hx_param *p = &e->params[pi];
        int64_t v[HX_MAX_POINTS];
        char perr[256] = "";
        int n = hx_points_parse(eq + 1, p->min, p->max, v, HX_MAX_POINTS, perr,
                                sizeof perr);
        if (n <= 0)
            return fail(c,
                        "run %s: %s=%s: %s (parameter '%s', %s, accepts "
                        "%lld..%lld)",
                        e->name, pname, shown(eq + 1, b, sizeof b),
                        perr[0] ? perr : "no values", p->name,
                        p->unit ? p->unit : "", (long long)p->min,
                        (long long)p->max);
        char *o = r->sets[r->nsets];
        size_t cap = sizeof r->sets[0];
        size_t w = (size_t)snprintf(o, cap, "%s=", p->name);
        for (int k = 0; k < n && w < cap; k++)
            w += (size_t)snprintf(o + w, cap - w, "%s%lld", k ? "," : "",
                                  (long long)v[k]);
        r->nsets++;
    }
    s->nruns++;
    return 0;
}

static int parse_line(study_ctx *c, hx_study *s, char *line) {
    char b[64];
    char *hash = strchr(line, '#');
    if (hash)
        *hash = 0;
    for (char *p = line; *p; p++)
        if ((unsigned char)*p < 0x20 && *p != '\t' && *p != '\n' && *p != '\r')
            return fail(c, "control character 0x%02x: a study is plain text",
                        (unsigned)(unsigned char)*p);
        else if ((unsigned char)*p >= 0x7f)
            return fail(c, "byte 0x%02x: a study is plain ASCII text",
                        (unsigned)(unsigned char)*p);
    char *tok[HX_MAX_PARAMS + 8];
    int ntok = 0;
    for (char *save = NULL, *t = strtok_r(line, " \t\r\n", &save); t;
         t = strtok_r(NULL, " \t\r\n", &save)) {
        if (ntok == HX_COUNT(tok))
            return fail(c, "too many words on one line (at most %d)",
                        HX_COUNT(tok));
        tok[ntok++] = t;
    }
    if (ntok == 0)
        return 0;
    const char *k = tok[0];
    if (strcmp(k, "run") == 0)
        return parse_run(c, s, tok + 1, ntok - 1);
    if (ntok != 2)
        return fail(c, "'%s' takes one value, found %d", shown(k, b, sizeof b),
                    ntok - 1);
    const char *v = tok[1];
    if (strcmp(k, "nodes") == 0) {
        s->nodes_set = true;
        return int_value(c, k, v, 1, HX_FLEET_MAX_TASKS, &s->nodes);
    }
    if (strcmp(k, "time") == 0)
        return int_value(c, "time (minutes per task)", v, 1, 10080,
                         &s->time_min);
    if (strcmp(k, "reps") == 0)
        return int_value(c, k, v, 1, 1000, &s->reps);
    if (strcmp(k, "partition") == 0)
        return name_value(c, k, v, ALNUM "._-", "[A-Za-z0-9._-]", s->partition,
                          sizeof s->partition);
    if (strcmp(k, "account") == 0)
        return name_value(c, k, v, ALNUM "._-", "[A-Za-z0-9._-]", s->account,
                          sizeof s->account);
    if (strcmp(k, "nodelist") == 0)
        return name_value(c, k, v, ALNUM "._-,[]", "[A-Za-z0-9._-,[]]",
                          s->nodelist, sizeof s->nodelist);
    if (strcmp(k, "constraint") == 0)
        return name_value(c, k, v, ALNUM "._-,&|[]*", "[A-Za-z0-9._-,&|[]*]",
                          s->constraint, sizeof s->constraint);
    if (strcmp(k, "quick") == 0 || strcmp(k, "plot") == 0) {
        bool yes = strcmp(v, "yes") == 0, no = strcmp(v, "no") == 0;
        if (!yes && !no)
            return fail(c, "%s '%s': expected yes or no", k,
                        shown(v, b, sizeof b));
        *(k[0] == 'q' ? &s->quick : &s->plot) = yes;
        return 0;
    }
    if (strcmp(k, "min_time") == 0) {
        char *end;
        double d = strtod(v, &end);
        if (end == v || *end || !(d >= 0.001 && d <= 60))
            return fail(c, "min_time '%s': expected seconds in 0.001..60",
                        shown(v, b, sizeof b));
        s->min_time = d;
        return 0;
    }
    if (strcmp(k, "counters") == 0) {
        static const char *const modes[] = {"auto", "papi", "perf", "rusage",
                                            "none"};
        for (size_t m = 0; m < HX_COUNT(modes); m++)
            if (strcmp(v, modes[m]) == 0) {
                snprintf(s->counters, sizeof s->counters, "%s", v);
                return 0;
            }
        return fail(c,
                    "counters '%s': expected auto, papi, perf, rusage or "
                    "none",
                    shown(v, b, sizeof b));
    }
    return fail(c,
                "unknown setting '%s' (settings: nodes, partition, "
                "nodelist, constraint, account, time, reps, quick, "
                "min_time, counters, plot, run)",
                shown(k, b, sizeof b));
}

void hx_study_path(const char *arg, char *buf, size_t len) {
    struct stat st;
    if (strchr(arg, '/') || (stat(arg, &st) == 0 && S_ISREG(st.st_mode)))
        snprintf(buf, len, "%s", arg);
    else
        snprintf(buf, len, "studies/%s.study", arg);
}

int hx_study_load(const char *path, hx_study *s, char *err, size_t len) {
    memset(s, 0, sizeof *s);
    s->nodes = 1;
    s->time_min = 60;
    s->plot = true;
    snprintf(s->counters, sizeof s->counters, "auto");
    snprintf(s->path, sizeof s->path, "%s", path);
    study_ctx c = {path, 0, err, len};

    /* the name: the file's stem */
    const char *base = strrchr(path, '/');
    base = base ? base + 1 : path;
    size_t n = strcspn(base, ".");
    char b[64];
    if (n == 0 || n >= sizeof s->name) {
        snprintf(err, len, "%s: a study file is named NAME.study", path);
        return -EINVAL;
    }
    memcpy(s->name, base, n);
    s->name[n] = 0;
    if (!only(s->name, "abcdefghijklmnopqrstuvwxyz0123456789_-") ||
        s->name[0] == '-') {
        snprintf(err, len,
                 "%s: study name '%s': expected [a-z0-9_-] (it names the "
                 "Slurm job and a directory)",
                 path, shown(s->name, b, sizeof b));
        return -EINVAL;
    }
    FILE *f = fopen(path, "r");
    if (!f) {
        int e = errno;
        snprintf(err, len, "%s: %s", path, strerror(e));
        return -e;
    }
    char *line = NULL;
    size_t cap = 0;
    ssize_t got;
    int rc = 0;
    while (rc == 0 && (got = getline(&line, &cap, f)) >= 0) {
        c.line++;
        if (got > STUDY_LINE_MAX)
            rc = fail(&c, "line longer than %d bytes", STUDY_LINE_MAX);
        else if (strlen(line) != (size_t)got)
            rc = fail(&c, "NUL byte: a study is plain text");
        else
            rc = parse_line(&c, s, line);
    }
    if (rc == 0 && ferror(f)) {
        snprintf(err, len, "%s: read error", path);
        rc = -EIO;
    }
    free(line);
    fclose(f);
    if (rc == 0 && s->nruns == 0) {
        snprintf(err, len,
                 "%s: no `run EXP` line: a study runs at least one "
                 "experiment",
                 path);
        rc = -EINVAL;
    }
    return rc;
}
