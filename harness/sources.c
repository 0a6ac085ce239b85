/*
 * sources.c - process-wide counter sources: the runtime's statistics and
 * the process's own resource counters, sampled around each repetition.
 *
 * Why. Perf counters are per thread, and that is right for a thread that
 * does the work. In a runtime experiment the timed thread only waits in
 * grt_run() while the runtime's own threads (its Ms) do the work, so the
 * figures that explain a result (goroutine parks, direct channel
 * handoffs, steals, context switches, committed stack bytes) are
 * process-wide: the runtime's statistics snapshot (grt_stats_read) and
 * getrusage(RUSAGE_SELF). Experiments used to read such snapshots around
 * their loop and divide by hand; a source makes them declarations:
 *
 *     {"parks_per_item", "parks", "goroutine parks per item",
 *      .source = "rt:parks"}
 *
 * Mechanism. A source offers named counters and reads all of them at once
 * (one grt_stats_read: it costs a mincore() per stack slab, so it is
 * never read inside the timing). Thread 0 of a point takes a snapshot
 * just before its clock starts and another just after it stops (the
 * Google Benchmark shim), and each sourced metric becomes, by its kind:
 *   HX_METRIC_PER_OP   (after - before) / ops of the repetition, ops being
 *                      the iterations of all the point's threads
 *   HX_METRIC_DELTA    after - before
 *   HX_METRIC_LEVEL    after (a gauge: resident bytes, goroutines alive)
 * Only thread 0 samples: the counters are process-wide, and the other
 * threads' work falls between the two snapshots except for the start and
 * stop barrier skew (a few microseconds), which a per-op figure over
 * 10^5+ ops does not see.
 *
 * Sources. "proc" is built in (below): context switches, page faults, CPU
 * time and resident set of the whole process. The runtime's "rt" source
 * lives with the experiments (experiments/rtsource.c), because the
 * harness library does not link the runtime; an experiment names it in
 * hx_experiment.source. A counter a source cannot read (e.g. /proc not
 * mounted) reads NAN, which becomes an empty cell, never 0.
 */
#include "sources.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

#include "run.h"

/* ---- the built-in "proc" source ----------------------------------------- */

static const char *const proc_names[] = {
    "ctxsw",        /* voluntary + involuntary context switches, all threads */
    "vctxsw",       /* voluntary only: a thread blocked (futex, sleep, I/O) */
    "minflt",       /* minor page faults (a page committed or mapped) */
    "majflt",       /* major page faults */
    "cpu_ns",       /* user + system CPU time of every thread */
    "rss_bytes",    /* resident set now (/proc/self/statm) */
    "maxrss_bytes", /* peak resident set */
    NULL};

static double tv_ns(struct timeval tv) {
    return (double)tv.tv_sec * 1e9 + (double)tv.tv_usec * 1e3;
}

static void proc_read(double *v) {
    struct rusage ru;
    if (getrusage(RUSAGE_SELF, &ru) == 0) {
        v[0] = (double)(ru.ru_nvcsw + ru.ru_nivcsw);
        v[1] = (double)ru.ru_nvcsw;
        v[2] = (double)ru.ru_minflt;
        v[3] = (double)ru.ru_majflt;
        v[4] = tv_ns(ru.ru_utime) + tv_ns(ru.ru_stime);
        v[6] = (double)ru.ru_maxrss * 1024.0;
    } else {
        v[0] = v[1] = v[2] = v[3] = v[4] = v[6] = NAN;
    }
    v[5] = NAN;
    FILE *f = fopen("/proc/self/statm", "r");
    if (f) {
        unsigned long size, res;
        if (fscanf(f, "%lu %lu", &size, &res) == 2)
            v[5] = (double)res * (double)sysconf(_SC_PAGESIZE);
        fclose(f);
    }
}

static const hx_source proc_source = {
    .prefix = "proc", .names = proc_names, .read = proc_read};

/* ---- planning -------------------------------------------------------------- */

static int count_names(const hx_source *s) {
    int n = 0;
    while (s && s->names[n])
        n++;
    return n;
}

/* The sources of a run in snapshot order: proc first, then the
 * experiment's. */
static int sources_of(const hx_experiment *e, const hx_source **out) {
    int n = 0;
    out[n++] = &proc_source;
    if (e->source)
        out[n++] = e->source;
    return n;
}

int hx_sources_plan(hx_run *r, char *err, size_t len) {
    const hx_experiment *e = r->exp;
    const hx_source *src[2];
    int ns = sources_of(e, src);
    r->nsrcvals = 0;
    for (int i = 0; i < ns; i++)
        r->nsrcvals += count_names(src[i]);
    if (r->nsrcvals > HX_MAX_SRCVALS) {
        snprintf(err, len, "internal: %s: more than %d source counters",
                 e->name, HX_MAX_SRCVALS);
        return -EINVAL;
    }
    for (int m = 0; m < HX_MAX_METRICS; m++)
        r->msrc[m] = -1;
    for (int m = 0; m < e->nmetrics && m < HX_MAX_METRICS; m++) {
        const char *s = e->metrics[m].source;
        if (!s)
            continue;
        const char *colon = strchr(s, ':');
        int base = 0;
        for (int i = 0; i < ns && colon; i++) {
            int k = count_names(src[i]);
            if (strlen(src[i]->prefix) == (size_t)(colon - s) &&
                strncmp(src[i]->prefix, s, (size_t)(colon - s)) == 0)
                for (int j = 0; j < k; j++)
                    if (strcmp(src[i]->names[j], colon + 1) == 0)
                        r->msrc[m] = base + j;
            base += k;
        }
        if (r->msrc[m] < 0) {
            size_t n = (size_t)snprintf(
                err, len,
                "internal: %s: metric '%s' names source counter '%s', "
                "which does not exist; there are:",
                e->name, e->metrics[m].name, s);
            for (int i = 0; i < ns && n < len; i++)
                for (int j = 0; src[i]->names[j] && n < len; j++)
                    n += (size_t)snprintf(err + n, len - n, " %s:%s",
                                          src[i]->prefix, src[i]->names[j]);
            return -EINVAL;
        }
    }
    return 0;
}

bool hx_sources_used(const hx_run *r) {
    for (int m = 0; m < r->exp->nmetrics && m < HX_MAX_METRICS; m++)
        if (r->msrc[m] >= 0)
            return true;
    return false;
}

void hx_sources_read(const hx_run *r, double *vals) {
    const hx_source *src[2];
    int ns = sources_of(r->exp, src);
    int base = 0;
    for (int i = 0; i < ns; i++) {
        src[i]->read(vals + base);
        base += count_names(src[i]);
    }
}

double hx_sources_value(const hx_run *r, int m, const double *before,
                        const double *after, uint64_t ops) {
    int k = r->msrc[m];
    if (k < 0)
        return NAN;
    switch (r->exp->metrics[m].kind & HX_METRIC_KIND_MASK) {
    case HX_METRIC_LEVEL:
        return after[k];
    case HX_METRIC_DELTA:
        return after[k] - before[k];
    default:
        return ops ? (after[k] - before[k]) / (double)ops : NAN;
    }
}

void hx_sources_describe(const hx_experiment *e, FILE *out) {
    const hx_source *src[2];
    int ns = sources_of(e, src);
    for (int i = 0; i < ns; i++) {
        fprintf(out, "  %s:", src[i]->prefix);
        for (int j = 0; src[i]->names[j]; j++)
            fprintf(out, " %s", src[i]->names[j]);
        fprintf(out, "\n");
    }
}
