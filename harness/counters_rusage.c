/*
 * counters_rusage.c - the last backend of the chain: getrusage(RUSAGE_THREAD).
 *
 * Works on every Linux, needs no privilege and no PMU, and counts only
 * what the kernel keeps in a thread's rusage:
 *
 *   minor-faults      ru_minflt
 *   major-faults      ru_majflt
 *   page-faults       ru_minflt + ru_majflt (perf's page-faults is the sum)
 *   context-switches  ru_nvcsw + ru_nivcsw (voluntary + involuntary)
 *   task-clock        ru_utime + ru_stime, in ns (microsecond resolution)
 *
 * Hardware events and cpu-migrations have no rusage field and are refused
 * with that reason. Values are cumulative since thread open: open takes a
 * baseline, read returns current - baseline. RUSAGE_THREAD describes the
 * calling thread only, which is why open and read must happen on the worker
 * (counters.c enforces it for read). The state is one struct rusage per
 * thread, owned by that thread.
 */
#define _GNU_SOURCE /* RUSAGE_THREAD */
#include "counters_backend.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/time.h>

typedef struct rusage_state {
    size_t n;
    hx_event_id evs[HX_EV_COUNT];
    struct rusage base; /* at open */
} rusage_state;

static bool rusage_counts(hx_event_id ev) {
    switch (ev) {
    case HX_EV_MINOR_FAULTS:
    case HX_EV_MAJOR_FAULTS:
    case HX_EV_PAGE_FAULTS:
    case HX_EV_CONTEXT_SWITCHES:
    case HX_EV_TASK_CLOCK:
        return true;
    default:
        return false;
    }
}

static uint64_t tv_ns(struct timeval tv) {
    return (uint64_t)tv.tv_sec * 1000000000u + (uint64_t)tv.tv_usec * 1000u;
}

/* The counter value of ev in r (ru_* fields are longs, never negative). */
static uint64_t field(const struct rusage *r, hx_event_id ev) {
    switch (ev) {
    case HX_EV_MINOR_FAULTS:
        return (uint64_t)r->ru_minflt;
    case HX_EV_MAJOR_FAULTS:
        return (uint64_t)r->ru_majflt;
    case HX_EV_PAGE_FAULTS:
        return (uint64_t)r->ru_minflt + (uint64_t)r->ru_majflt;
    case HX_EV_CONTEXT_SWITCHES:
        return (uint64_t)r->ru_nvcsw + (uint64_t)r->ru_nivcsw;
    case HX_EV_TASK_CLOCK:
        return tv_ns(r->ru_utime) + tv_ns(r->ru_stime);
    default:
        return 0; /* not reached: the probe refused it */
    }
}

static void *rusage_probe_begin(char *why, size_t len) {
    struct rusage r;
    if (getrusage(RUSAGE_THREAD, &r) != 0) {
        snprintf(why, len, "rusage: getrusage(RUSAGE_THREAD): %s",
                 strerror(errno));
        return NULL;
    }
    static int session; /* no state: any non-NULL token */
    return &session;
}

static int rusage_probe(void *session, hx_event_id ev, unsigned *how, char *why,
                        size_t len) {
    (void)session;
    *how = 0;
    if (rusage_counts(ev))
        return 0;
    snprintf(why, len, "rusage: not a getrusage counter");
    return -ENOENT;
}

static void rusage_probe_end(void *session) {
    (void)session;
}

static void *rusage_thread_open(const hx_event_id *evs, const unsigned *hows,
                                size_t n) {
    (void)hows;
    if (n > HX_EV_COUNT) {
        errno = EINVAL;
        return NULL;
    }
    rusage_state *s = calloc(1, sizeof *s);
    if (s == NULL)
        return NULL;
    s->n = n;
    memcpy(s->evs, evs, n * sizeof *evs);
    if (getrusage(RUSAGE_THREAD, &s->base) != 0) {
        int e = errno;
        free(s);
        errno = e;
        return NULL;
    }
    return s;
}

static int rusage_thread_read(void *state, hx_counter_raw *vals) {
    rusage_state *s = state;
    struct rusage now;
    if (getrusage(RUSAGE_THREAD, &now) != 0)
        return -errno;
    for (size_t k = 0; k < s->n; k++) {
        vals[k] = (hx_counter_raw){
            field(&now, s->evs[k]) - field(&s->base, s->evs[k]), 0, 0};
    }
    return 0;
}

static void rusage_thread_close(void *state) {
    free(state);
}

static void rusage_report(FILE *out) {
    struct rusage r;
    fprintf(out, "getrusage(RUSAGE_THREAD)\n");
    if (getrusage(RUSAGE_THREAD, &r) != 0) {
        fprintf(out, "  not usable: %s\n", strerror(errno));
        return;
    }
    fprintf(out,
            "  usable (no privilege, no PMU needed); counts per thread:\n"
            "    minor-faults, major-faults, page-faults (minor + major),\n"
            "    context-switches (voluntary + involuntary),\n"
            "    task-clock (user + system CPU time, ns, microsecond "
            "resolution)\n");
}

const hx_counter_backend hx_counters_rusage = {
    .id = HX_BACKEND_RUSAGE,
    .label = "rusage",
    .probe_begin = rusage_probe_begin,
    .probe = rusage_probe,
    .probe_end = rusage_probe_end,
    .thread_open = rusage_thread_open,
    .thread_read = rusage_thread_read,
    .thread_close = rusage_thread_close,
    .report = rusage_report,
};
