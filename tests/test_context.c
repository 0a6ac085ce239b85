/*
 * test_context.c - unit tests of harness/context.c.
 *
 * The machine context must carry every key context.c documents, each with
 * its type (or the string "unknown" where a value may be unreadable), and
 * nothing null anywhere: a reader of context.json should never have to
 * guess. Checked on this machine's real topology (values cross-checked with
 * uname, gethostname and the clock) and on a hand-built one whose unknown
 * fields must come out "unknown" rather than as zeros. The counters list is
 * checked with no plan, and with the plans of modes "none" and "auto".
 * The one-line description is checked exactly on the hand-built topology.
 *
 * Prints one line per failure and a closing "N passed, M failed"; exits
 * non-zero when anything failed.
 */
#define _GNU_SOURCE
#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>
#include <time.h>
#include <unistd.h>

#include "context.h"
#include "topo.h"

static int passed, failed;

static void check(int ok, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static void check(int ok, const char *fmt, ...) {
    if (ok) {
        passed++;
        return;
    }
    failed++;
    va_list ap;
    va_start(ap, fmt);
    fputs("FAIL: ", stdout);
    vprintf(fmt, ap);
    fputc('\n', stdout);
    va_end(ap);
}

enum kind {
    STR,
    INT,
    BOOL,
    OBJ,
    ARR,
    NUM,
    INT_OR_UNKNOWN,
    BOOL_OR_UNKNOWN,
    NUM_OR_UNKNOWN
};

static int is_unknown(const json_t *v) {
    return json_is_string(v) && strcmp(json_string_value(v), "unknown") == 0;
}

static const json_t *expect(const json_t *obj, const char *key, enum kind k) {
    const json_t *v = json_object_get(obj, key);
    int ok = 0;
    switch (k) {
    case STR:
        ok = json_is_string(v);
        break;
    case INT:
        ok = json_is_integer(v);
        break;
    case BOOL:
        ok = json_is_boolean(v);
        break;
    case OBJ:
        ok = json_is_object(v);
        break;
    case ARR:
        ok = json_is_array(v);
        break;
    case NUM:
        ok = json_is_number(v);
        break;
    case INT_OR_UNKNOWN:
        ok = json_is_integer(v) || is_unknown(v);
        break;
    case BOOL_OR_UNKNOWN:
        ok = json_is_boolean(v) || is_unknown(v);
        break;
    case NUM_OR_UNKNOWN:
        ok = json_is_number(v) || is_unknown(v);
        break;
    }
    check(ok, "key '%s' present with the right type", key);
    return ok ? v : NULL;
}

static int count_nulls(const json_t *v) {
    int n = json_is_null(v) || v == NULL;
    const char *k;
    json_t *x;
    size_t i;
    if (json_is_object(v)) {
        json_object_foreach((json_t *)v, k, x) n += count_nulls(x);
    } else if (json_is_array(v)) {
        json_array_foreach(v, i, x) n += count_nulls(x);
    }
    return n;
}

static const char *sval(const json_t *o, const char *key) {
    const json_t *v = json_object_get(o, key);
    return json_is_string(v) ? json_string_value(v) : "";
}

/* Every documented key, with its type. */
static void check_shape(const json_t *ctx, const hx_topo *t) {
    const json_t *cpu = expect(ctx, "cpu", OBJ);
    if (cpu != NULL) {
        expect(cpu, "vendor", STR);
        expect(cpu, "family", INT_OR_UNKNOWN);
        expect(cpu, "model", INT_OR_UNKNOWN);
        expect(cpu, "stepping", INT_OR_UNKNOWN);
        expect(cpu, "name", STR);
        expect(cpu, "short_name", STR);
        expect(cpu, "cpuinfo_name", STR);
    }
    expect(ctx, "machine", STR);
    expect(ctx, "cores", INT);
    expect(ctx, "pus", INT);
    expect(ctx, "smt", BOOL);
    expect(ctx, "packages", INT);
    expect(ctx, "numa_nodes", INT);
    const json_t *order = expect(ctx, "pu_order", ARR);
    check(order != NULL && (int)json_array_size(order) == t->pus,
          "pu_order has one entry per PU");

    const json_t *caches = expect(ctx, "caches", ARR);
    check(caches != NULL && (int)json_array_size(caches) == t->ncaches,
          "caches has one entry per level");
    size_t i;
    json_t *c;
    json_array_foreach(caches, i, c) {
        expect(c, "level", INT);
        const json_t *ty = expect(c, "type", STR);
        check(ty != NULL && (strcmp(json_string_value(ty), "data") == 0 ||
                             strcmp(json_string_value(ty), "unified") == 0),
              "cache type is data or unified");
        const json_t *size = expect(c, "size", INT);
        check(size != NULL && json_integer_value(size) > 0, "cache size > 0");
        expect(c, "line", INT_OR_UNKNOWN);
        const json_t *assoc = json_object_get(c, "assoc");
        check(json_is_integer(assoc) || is_unknown(assoc) ||
                  (json_is_string(assoc) &&
                   strcmp(json_string_value(assoc), "full") == 0),
              "cache assoc is ways, \"full\" or \"unknown\"");
        expect(c, "shared_pus", INT);
    }
    expect(ctx, "line_size", INT);
    expect(ctx, "page_size", INT_OR_UNKNOWN);
    expect(ctx, "huge_page_size", INT_OR_UNKNOWN);
    expect(ctx, "mem_total", INT_OR_UNKNOWN);

    const json_t *k = expect(ctx, "kernel", OBJ);
    if (k != NULL) {
        expect(k, "sysname", STR);
        expect(k, "release", STR);
        expect(k, "version", STR);
        expect(k, "machine", STR);
    }
    const json_t *thp = expect(ctx, "thp", OBJ);
    if (thp != NULL) {
        expect(thp, "enabled", STR);
        expect(thp, "defrag", STR);
    }
    expect(ctx, "governor", STR);
    expect(ctx, "perf_event_paranoid", INT_OR_UNKNOWN);
    const json_t *virt = expect(ctx, "virtualization", OBJ);
    if (virt != NULL) {
        expect(virt, "hypervisor", STR);
        expect(virt, "cpuid_bit", BOOL_OR_UNKNOWN);
        expect(virt, "cpuid_vendor", STR);
        expect(virt, "dmi_vendor", STR);
        expect(virt, "dmi_product", STR);
    }
    expect(ctx, "compiler", STR);
    expect(ctx, "flags", STR);
    expect(ctx, "build_type", STR);
    const json_t *git = expect(ctx, "git", OBJ);
    if (git != NULL) {
        const json_t *rev = expect(git, "revision", STR);
        int ok = rev != NULL;
        if (ok && !is_unknown(rev)) {
            const char *r = json_string_value(rev);
            ok = strlen(r) >= 40;
            for (const char *p = r; ok && *p; p++)
                ok = isxdigit((unsigned char)*p);
        }
        check(ok, "git revision is a hash or \"unknown\": %s",
              rev != NULL ? json_string_value(rev) : "(none)");
        expect(git, "dirty", BOOL_OR_UNKNOWN);
    }
    expect(ctx, "counters", ARR);
    const json_t *la = expect(ctx, "loadavg", OBJ);
    if (la != NULL) {
        expect(la, "1min", NUM_OR_UNKNOWN);
        expect(la, "5min", NUM_OR_UNKNOWN);
        expect(la, "15min", NUM_OR_UNKNOWN);
    }
    expect(ctx, "date", STR);
    expect(ctx, "hostname", STR);
    check(count_nulls(ctx) == 0, "no null anywhere");

    char *s = json_dumps(ctx, JSON_INDENT(2));
    json_error_t jerr;
    json_t *back = s != NULL ? json_loads(s, 0, &jerr) : NULL;
    check(back != NULL && json_equal(back, ctx), "dumps and loads back");
    json_decref(back);
    free(s);
}

/* This machine: values cross-checked where the test can know them. */
static void test_real(void) {
    hx_topo t;
    check(hx_topo_load(&t) == 0, "hx_topo_load");
    json_t *ctx = hx_context_machine(&t, NULL);
    check(ctx != NULL, "hx_context_machine returns an object");
    if (ctx == NULL)
        return;
    check_shape(ctx, &t);

    check(json_integer_value(json_object_get(ctx, "pus")) == t.pus,
          "pus matches the topology");
    check(json_array_size(json_object_get(ctx, "counters")) == 0,
          "no plan: no counters");
    struct utsname u;
    uname(&u);
    const json_t *k = json_object_get(ctx, "kernel");
    check(strcmp(sval(k, "release"), u.release) == 0, "kernel release");
    char host[256] = "";
    gethostname(host, sizeof host);
    check(strcmp(sval(ctx, "hostname"), host) == 0, "hostname");

    /* the date is now, in UTC */
    const char *d = sval(ctx, "date");
    struct tm tm;
    memset(&tm, 0, sizeof tm);
    const char *end = strptime(d, "%Y-%m-%dT%H:%M:%SZ", &tm);
    check(end != NULL && *end == '\0', "date '%s' is ISO 8601 UTC", d);
    if (end != NULL) {
        long skew = (long)(timegm(&tm) - time(NULL));
        check(skew > -60 && skew < 60, "date is now (%ld s off)", skew);
    }

    /* THP mode is one of the kernel's words where the file exists */
    if (access("/sys/kernel/mm/transparent_hugepage/enabled", R_OK) == 0) {
        const char *m = sval(json_object_get(ctx, "thp"), "enabled");
        check(strcmp(m, "always") == 0 || strcmp(m, "madvise") == 0 ||
                  strcmp(m, "never") == 0,
              "thp enabled '%s'", m);
    }
    if (access("/sys/devices/system/cpu/cpu0/cpufreq/scaling_governor", R_OK) !=
        0)
        check(strcmp(sval(ctx, "governor"), "absent") == 0,
              "no cpufreq: governor \"absent\"");

    char *s = json_dumps(ctx, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
    if (s != NULL)
        printf("%s\n", s);
    free(s);
    json_decref(ctx);

    char line[256];
    hx_context_oneline(&t, line, sizeof line);
    printf("oneline: %s\n", line);
    check(strlen(line) < 120, "one line is short (%zu)", strlen(line));
    check(strstr(line, u.release) != NULL, "one line names the kernel");
    char tail[64];
    snprintf(tail, sizeof tail, "(%d cores/%d PUs", t.cores, t.pus);
    check(strstr(line, tail) != NULL, "one line says '%s'", tail);
}

/* Counter plans: mode "none" is fully predictable; "auto" only in shape. */
static void test_counters(const hx_topo *t) {
    static const char *const modes[] = {"none", "auto"};
    for (int m = 0; m < 2; m++) {
        hx_counters *c = NULL;
        char err[256] = "";
        int r = hx_counters_plan(&c, modes[m], NULL, err, sizeof err);
        check(r == 0 && c != NULL, "counter plan '%s': %s", modes[m], err);
        if (c == NULL)
            continue;
        json_t *ctx = hx_context_machine(t, c);
        const json_t *a = json_object_get(ctx, "counters");
        check(json_is_array(a) && json_array_size(a) == hx_counters_count(c),
              "mode %s: one entry per event", modes[m]);
        size_t i;
        json_t *e;
        json_array_foreach(a, i, e) {
            const json_t *ev = expect(e, "event", STR);
            const json_t *av = expect(e, "available", BOOL);
            const json_t *be = expect(e, "backend", STR);
            expect(e, "reason", STR);
            check(ev != NULL && strcmp(json_string_value(ev),
                                       hx_counters_name(c, i)) == 0,
                  "event name");
            if (m == 0)
                check(av != NULL && !json_boolean_value(av) && be != NULL &&
                          strcmp(json_string_value(be), "none") == 0 &&
                          strlen(sval(e, "reason")) > 0,
                      "mode none: %s unavailable with a reason",
                      hx_counters_name(c, i));
        }
        json_decref(ctx);
        hx_counters_free(c);
    }
}

/* A hand-built topology: unknowns stay "unknown", and the exact one line. */
static void test_fake(void) {
    hx_topo t;
    memset(&t, 0, sizeof t);
    snprintf(t.cpu_vendor, sizeof t.cpu_vendor, "AuthenticAMD");
    snprintf(t.cpu_model, sizeof t.cpu_model, "AMD EPYC");
    t.cpu_family = 26;
    t.cpu_model_num = -1;
    t.cpu_stepping = -1;
    t.packages = t.numa_nodes = 1;
    t.cores = t.pus = 2;
    t.pu_order[0] = 0;
    t.pu_order[1] = 1;
    t.ncaches = 3;
    t.caches[0] = (hx_cache){1, 'd', 48 * 1024, 64, 12, 1};
    t.caches[1] = (hx_cache){2, 'u', 1024 * 1024, 0, 0, 1};
    t.caches[2] = (hx_cache){3, 'u', 508u * 1024 * 1024, 64, -1, 1};
    t.line_size = 64;
    t.page_size = 4096;

    json_t *ctx = hx_context_machine(&t, NULL);
    check_shape(ctx, &t);
    const json_t *cpu = json_object_get(ctx, "cpu");
    check(json_integer_value(json_object_get(cpu, "family")) == 26,
          "family 26");
    check(is_unknown(json_object_get(cpu, "model")), "model -1: unknown");
    check(is_unknown(json_object_get(cpu, "stepping")), "stepping -1: unknown");
    check(is_unknown(json_object_get(ctx, "mem_total")), "mem_total 0");
    check(is_unknown(json_object_get(ctx, "huge_page_size")),
          "huge_page_size 0");
    check(strcmp(sval(ctx, "machine"), "amd-epyc-2c") == 0, "machine name");
    const json_t *l2 = json_array_get(json_object_get(ctx, "caches"), 1);
    check(is_unknown(json_object_get(l2, "line")), "line 0: unknown");
    check(is_unknown(json_object_get(l2, "assoc")), "assoc 0: unknown");
    const json_t *l3 = json_array_get(json_object_get(ctx, "caches"), 2);
    check(strcmp(sval(l3, "assoc"), "full") == 0, "assoc -1: full");
    check(strcmp(sval(l3, "type"), "unified") == 0, "L3 unified");
    json_decref(ctx);

    struct utsname u;
    uname(&u);
    char want[256], line[256];
    snprintf(want, sizeof want,
             "AMD EPYC (2 cores/2 PUs, L1d 48 KiB, L2 1 MiB, L3 508 MiB?, "
             "64 B lines, %s %s)",
             u.sysname, u.release);
    hx_context_oneline(&t, line, sizeof line);
    check(strcmp(line, want) == 0, "one line '%s', want '%s'", line, want);
    /* the '?' is explained: 508 MiB for 2 PUs is no real cache */
    char note[300];
    hx_context_cache_note(&t, note, sizeof note);
    check(strncmp(note, "L3 508 MiB?: what hwloc reports", 31) == 0,
          "implausible L3 explained: '%s'", note);
    char small[10];
    hx_context_oneline(&t, small, sizeof small);
    check(strlen(small) == sizeof small - 1, "one line truncates");

    t.packages = 2;
    t.ncaches = 0;
    snprintf(want, sizeof want, "AMD EPYC (2 cores/2 PUs, 2 sockets, %s %s)",
             u.sysname, u.release);
    hx_context_oneline(&t, line, sizeof line);
    check(strcmp(line, want) == 0, "one line '%s', want '%s'", line, want);
}

int main(void) {
    test_real();
    hx_topo t;
    if (hx_topo_load(&t) == 0)
        test_counters(&t);
    test_fake();
    printf("%d passed, %d failed\n", passed, failed);
    return failed != 0;
}
