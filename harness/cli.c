/*
 * cli.c - parsing the mechlab command line.
 *
 *   mechlab list
 *   mechlab describe EXP
 *   mechlab run EXP|all [--threads LIST] [--reps N] [--quick]
 *                       [--counters auto|papi|perf|rusage|none|sim] [--out DIR]
 *                       [--set NAME=LIST]... [--min-time S] [--warmup S]
 *                       [--machine NAME] [--host NAME]
 *                       [--no-plot] [--no-interleave] [--progress|--no-progress]
 *   mechlab counters
 *   mechlab compare EXP|all [--out DIR] [--wide]
 *   mechlab fleet run|status|collect|report ...   (fleet.c parses these)
 *
 * The commands themselves, their help and `--help` are the command table
 * (commands.c); this file parses the options the experiment commands
 * share. Parsing only checks the shape of the input (known flags, numbers in
 * range); the experiment-specific checks (parameter names and ranges) happen
 * in run.c's planning, also before anything is written. Every error names
 * the flag and what it accepts.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "commands.h"
#include "run.h"

static int want_value(int argc, char **argv, int *i, const char **val,
                      char *err, size_t len) {
    const char *a = argv[*i];
    const char *eq = strchr(a, '=');
    if (eq && strncmp(a, "--set", 5) != 0) {
        *val = eq + 1;
        return 0;
    }
    if (strncmp(a, "--set=", 6) == 0) {
        *val = a + 6;
        return 0;
    }
    if (*i + 1 >= argc) {
        snprintf(err, len, "%s needs a value", a);
        return -EINVAL;
    }
    *val = argv[++*i];
    return 0;
}

static bool flag_is(const char *a, const char *name) {
    size_t n = strlen(name);
    return strncmp(a, name, n) == 0 && (a[n] == 0 || a[n] == '=');
}

static int parse_int(const char *flag, const char *s, long lo, long hi,
                     long *out, char *err, size_t len) {
    char *end;
    errno = 0;
    long v = strtol(s, &end, 10);
    if (errno || end == s || *end || v < lo || v > hi) {
        snprintf(err, len, "%s '%s': expected an integer in %ld..%ld", flag, s,
                 lo, hi);
        return -EINVAL;
    }
    *out = v;
    return 0;
}

int hx_cli_parse(int argc, char **argv, hx_opts *o, char *err, size_t len) {
    memset(o, 0, sizeof *o);
    o->counters = "auto";
    o->out = "results";
    o->plot = true;
    o->interleave = true;
    o->progress = isatty(2);
    if (argc < 2) {
        snprintf(err, len, "no command given");
        return -EINVAL;
    }
    o->command = argv[1];
    if (!hx_command_find(o->command)) {
        char names[256];
        hx_command_names(names, sizeof names);
        snprintf(err, len, "unknown command '%s' (commands: %s)", o->command,
                 names);
        return -EINVAL;
    }
    for (int i = 2; i < argc; i++) {
        const char *a = argv[i];
        const char *v = NULL;
        long n;
        if (a[0] != '-') {
            if (o->exp) {
                snprintf(err, len, "unexpected argument '%s'", a);
                return -EINVAL;
            }
            o->exp = a;
        } else if (strcmp(a, "--quick") == 0) {
            o->quick = true;
        } else if (strcmp(a, "--no-plot") == 0) {
            o->plot = false;
        } else if (strcmp(a, "--no-interleave") == 0) {
            o->interleave = false;
        } else if (strcmp(a, "--progress") == 0) {
            o->progress = true;
        } else if (strcmp(a, "--no-progress") == 0) {
            o->progress = false;
        } else if (strcmp(a, "--wide") == 0) {
            o->wide = true;
        } else if (flag_is(a, "--threads")) {
            if (want_value(argc, argv, &i, &v, err, len))
                return -EINVAL;
            o->threads = v;
        } else if (flag_is(a, "--reps")) {
            if (want_value(argc, argv, &i, &v, err, len) ||
                parse_int("--reps", v, 1, 1000, &n, err, len))
                return -EINVAL;
            o->reps = (int)n;
        } else if (flag_is(a, "--min-time")) {
            if (want_value(argc, argv, &i, &v, err, len))
                return -EINVAL;
            char *end;
            double d = strtod(v, &end);
            if (end == v || *end || !(d >= 0.001 && d <= 60)) {
                snprintf(err, len,
                         "--min-time '%s': expected seconds in "
                         "0.001..60",
                         v);
                return -EINVAL;
            }
            o->min_time = d;
        } else if (flag_is(a, "--warmup")) {
            if (want_value(argc, argv, &i, &v, err, len))
                return -EINVAL;
            char *end;
            double d = strtod(v, &end);
            if (end == v || *end || !(d >= 0 && d <= 60)) {
                snprintf(err, len, "--warmup '%s': expected seconds in 0..60",
                         v);
                return -EINVAL;
            }
            o->warmup = d;
        } else if (flag_is(a, "--counters")) {
            if (want_value(argc, argv, &i, &v, err, len))
                return -EINVAL;
            static const char *const modes[] = {"auto",   "papi", "perf",
                                                "rusage", "none", "sim"};
            bool ok = false;
            for (size_t m = 0; m < sizeof modes / sizeof modes[0]; m++)
                ok |= strcmp(v, modes[m]) == 0;
            if (!ok) {
                snprintf(err, len,
                         "--counters '%s': expected auto, papi, "
                         "perf, rusage, none or sim",
                         v);
                return -EINVAL;
            }
            o->counters = v;
        } else if (flag_is(a, "--out")) {
            if (want_value(argc, argv, &i, &v, err, len))
                return -EINVAL;
            if (!*v) {
                snprintf(err, len, "--out needs a directory");
                return -EINVAL;
            }
            o->out = v;
        } else if (flag_is(a, "--machine")) {
            if (want_value(argc, argv, &i, &v, err, len))
                return -EINVAL;
            size_t k = strspn(v, "abcdefghijklmnopqrstuvwxyz"
                                 "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_.");
            if (!*v || v[k] || v[0] == '.' || strlen(v) > 64) {
                snprintf(err, len,
                         "--machine '%s': expected 1..64 of "
                         "[A-Za-z0-9._-], not starting with '.'",
                         v);
                return -EINVAL;
            }
            o->machine = v;
        } else if (flag_is(a, "--host")) {
            if (want_value(argc, argv, &i, &v, err, len))
                return -EINVAL;
            size_t k = strspn(v, "abcdefghijklmnopqrstuvwxyz"
                                 "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_.");
            if (!*v || v[k] || v[0] == '.' || strlen(v) > 64) {
                snprintf(err, len,
                         "--host '%s': expected 1..64 of "
                         "[A-Za-z0-9._-], not starting with '.'",
                         v);
                return -EINVAL;
            }
            o->host = v;
        } else if (flag_is(a, "--set")) {
            if (want_value(argc, argv, &i, &v, err, len))
                return -EINVAL;
            if (!strchr(v, '=') || v[0] == '=') {
                snprintf(err, len,
                         "--set '%s': expected NAME=LIST, e.g. "
                         "stride=8,64",
                         v);
                return -EINVAL;
            }
            if (o->nsets == HX_MAX_SETS) {
                snprintf(err, len, "--set: at most %d", HX_MAX_SETS);
                return -EINVAL;
            }
            o->sets[o->nsets++] = v;
        } else {
            snprintf(err, len, "unknown option '%s' (see mechlab help)", a);
            return -EINVAL;
        }
    }
    bool needs_exp = strcmp(o->command, "describe") == 0 ||
                     strcmp(o->command, "run") == 0 ||
                     strcmp(o->command, "compare") == 0;
    if (needs_exp && !o->exp) {
        snprintf(err, len, "%s needs an experiment name", o->command);
        return -EINVAL;
    }
    return 0;
}
