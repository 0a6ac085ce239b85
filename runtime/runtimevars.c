/*
 * runtimevars.c - the runtime's tuning and debug variables, parsed once
 * (Go's runtime1.go parsedebugvars and readGOGC/readGOMEMLIMIT).
 *
 * One table names every GODEBUG key the runtime understands, with where
 * its value goes and the range it accepts. The environment is read once,
 * at the first grt_run() (or the first heap call before it): GODEBUG,
 * GOGC, GOMEMLIMIT and GOMAXPROCS. Later changes to the environment have
 * no effect, as in Go.
 *
 * Bad values get Go's treatment: never a crash. A GODEBUG key we do not
 * know is ignored silently (Go does the same, so that a GODEBUG written for
 * a newer runtime works with an older one); a known key with a value that
 * is not an integer in range is ignored with a one-line message on stderr
 * naming the key and the accepted range. GOGC takes a non-negative integer
 * percent or "off"; GOMEMLIMIT a byte count with an optional B, KiB, MiB,
 * GiB or TiB suffix, or "off"; anything else leaves the default (GOGC 100,
 * no limit) and prints a message (Go's readGOMEMLIMIT throws at start-up;
 * here the runtime may be started late inside a benchmark process, so we
 * keep going with the default and say so). GOMAXPROCS takes a positive
 * integer (capped at GRT_MAXPROCS); anything else is ignored, as Go does.
 */
#include "grt_internal.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

grt_debugvars grt_debug = {
    .gogc = 100,
    .gomemlimit = INT64_MAX,
};

struct dbvar {
    const char *name;
    int64_t *value;
    int64_t min, max;
};

static const struct dbvar dbvars[] = {
    {"schedtrace", &grt_debug.schedtrace, 0, INT32_MAX},
    {"gctrace", &grt_debug.gctrace, 0, 2},
    {"gccheckmark", &grt_debug.gccheckmark, 0, 1},
    {"gcstoptheworld", &grt_debug.gcstoptheworld, 0, 2},
    {"gcpacertrace", &grt_debug.gcpacertrace, 0, 1},
    {"gccollectevery", &grt_debug.gccollectevery, 0, INT32_MAX},
    {"gcverify", &grt_debug.gcverify, 0, 2},
    {"madvdontneed", &grt_debug.madvdontneed, 0, 1},
};

static bool parse_int(const char *s, size_t n, int64_t *out) {
    char buf[32];
    if (n == 0 || n >= sizeof buf)
        return false;
    memcpy(buf, s, n);
    buf[n] = 0;
    char *end;
    errno = 0;
    long long v = strtoll(buf, &end, 10);
    if (errno != 0 || *end != 0)
        return false;
    *out = v;
    return true;
}

static void parse_godebug(const char *e) {
    while (e != NULL && *e != 0) {
        const char *comma = strchr(e, ',');
        size_t len = comma != NULL ? (size_t)(comma - e) : strlen(e);
        const char *eq = memchr(e, '=', len);
        if (eq != NULL) {
            size_t klen = (size_t)(eq - e);
            for (size_t i = 0; i < sizeof dbvars / sizeof dbvars[0]; i++) {
                const struct dbvar *v = &dbvars[i];
                if (strlen(v->name) != klen || memcmp(v->name, e, klen) != 0)
                    continue;
                int64_t x;
                if (parse_int(eq + 1, len - klen - 1, &x) && x >= v->min &&
                    x <= v->max)
                    *v->value = x;
                else
                    fprintf(stderr,
                            "grt: GODEBUG: ignoring %.*s: %s must be an "
                            "integer in [%lld, %lld]\n",
                            (int)len, e, v->name, (long long)v->min,
                            (long long)v->max);
            }
        }
        e = comma != NULL ? comma + 1 : NULL;
    }
}

int64_t grt_parse_gogc(const char *s, bool *ok) {
    *ok = true;
    if (s == NULL || *s == 0)
        return 100;
    if (strcmp(s, "off") == 0)
        return -1;
    int64_t v;
    if (parse_int(s, strlen(s), &v) && v >= 0 && v <= INT32_MAX)
        return v;
    *ok = false;
    return 100;
}

int64_t grt_parse_memlimit(const char *s, bool *ok) {
    *ok = true;
    if (s == NULL || *s == 0 || strcmp(s, "off") == 0)
        return INT64_MAX;
    static const struct {
        const char *suffix;
        int shift;
    } units[] = {{"TiB", 40}, {"GiB", 30}, {"MiB", 20},
                 {"KiB", 10}, {"B", 0},    {"", 0}};
    size_t n = strlen(s);
    for (size_t u = 0; u < sizeof units / sizeof units[0]; u++) {
        size_t sl = strlen(units[u].suffix);
        if (n <= sl || strcmp(s + n - sl, units[u].suffix) != 0)
            continue;
        int64_t v;
        if (!parse_int(s, n - sl, &v) || v < 0)
            break;
        if (v > (INT64_MAX >> units[u].shift))
            return INT64_MAX; /* Go saturates overflowing limits */
        return v << units[u].shift;
    }
    *ok = false;
    return INT64_MAX;
}

static void parse_all(void) {
    parse_godebug(getenv("GODEBUG"));
    bool ok;
    const char *e = getenv("GOGC");
    grt_debug.gogc = grt_parse_gogc(e, &ok);
    if (!ok)
        fprintf(stderr,
                "grt: GOGC=%s ignored: want a non-negative integer percent "
                "or \"off\"; using 100\n",
                e);
    e = getenv("GOMEMLIMIT");
    grt_debug.gomemlimit = grt_parse_memlimit(e, &ok);
    if (!ok)
        fprintf(stderr,
                "grt: GOMEMLIMIT=%s ignored: want bytes with an optional "
                "B/KiB/MiB/GiB/TiB suffix, or \"off\"; no limit\n",
                e);
    e = getenv("GOMAXPROCS");
    int64_t p;
    if (e != NULL && parse_int(e, strlen(e), &p) && p > 0)
        grt_debug.gomaxprocs = p;
}

static _Atomic int vars_state; /* 0 unread, 1 reading, 2 done */

void grt_vars_init(void) {
    if (atomic_load_explicit(&vars_state, memory_order_acquire) == 2)
        return;
    int zero = 0;
    if (atomic_compare_exchange_strong(&vars_state, &zero, 1)) {
        parse_all();
        atomic_store_explicit(&vars_state, 2, memory_order_release);
        return;
    }
    while (atomic_load_explicit(&vars_state, memory_order_acquire) != 2)
        ;
}
