/*
 * counters.c - the counter plan, the fallback chain, per-thread sampling
 * dispatch and the `mechlab counters` report.
 *
 * The plan. hx_counters_plan() resolves each requested event name once,
 * on the calling thread, before any worker starts: for every event it asks
 * the backends of the mode, in chain order (auto: PAPI, perf, rusage; or
 * the single named backend), "can you really count this here?". The first
 * yes takes the event; each no leaves a one-line reason that starts with
 * the backend's label. Reasons are joined with "; " in chain order, so an
 * event perf took carries PAPI's refusal, and an unavailable event carries
 * every backend's. A probe is a real attempt - PAPI adds the preset to an
 * event set and starts it, perf opens the event on this thread and reads
 * it - never a guess from a table, because a VM without a PMU lists the
 * events and then cannot count them. The plan is immutable afterwards and
 * may be shared by any number of threads without locks.
 *
 * Unavailable is a state, not a number: hx_counters_available() is false,
 * hx_counters_backend() is HX_BACKEND_NONE, hx_counters_thread_read()
 * leaves those slots untouched, and nothing here ever writes 0 for them.
 * Mode "none" makes every event unavailable with the reason
 * "counters disabled (--counters none)" without probing anything.
 *
 * Sampling. hx_counters_thread_open() runs on the worker: for each backend
 * that owns at least one event it opens that backend's thread state with
 * the events in plan order (and the probe's cookies), remembering which
 * plan slot each backend position maps to. A read asks each backend for
 * cumulative values and scatters them into the caller's array. If any
 * backend cannot open on this thread the whole open fails (NULL, errno):
 * a half-counted repetition would be worse than an honest "n/a".
 * The thread handle belongs to the thread that opened it: read and close
 * there (RUSAGE_THREAD and PAPI event sets are per thread; reading from
 * another thread is refused with -EINVAL).
 *
 * Multiplexing. perf may time-share hardware counters. Reads are raw
 * (count, time enabled, time running); hx_counter_delta() subtracts the
 * three and only then scales, value x d_enabled / d_running, and says it
 * did, so data.csv can mark the estimate. An interval in which the event
 * never ran is -ENODATA (unavailable for that sample), never 0.
 *
 * Rejected: probing lazily on the first worker (the plan would differ per
 * thread and errors would surface mid-run); one global "backend per run"
 * (a VM where perf counts page-faults but not cycles would lose both).
 */
#include "counters.h"

#include "counters_backend.h"

#include <errno.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

/* Indexed by hx_event_id; perf's generic names. */
static const char *const event_names[HX_EV_COUNT] = {
    [HX_EV_CYCLES] = "cycles",
    [HX_EV_INSTRUCTIONS] = "instructions",
    [HX_EV_CACHE_REFERENCES] = "cache-references",
    [HX_EV_CACHE_MISSES] = "cache-misses",
    [HX_EV_BRANCH_MISSES] = "branch-misses",
    [HX_EV_L1D_LOAD_MISSES] = "L1-dcache-load-misses",
    [HX_EV_LLC_LOAD_MISSES] = "LLC-load-misses",
    [HX_EV_DTLB_LOAD_MISSES] = "dTLB-load-misses",
    [HX_EV_TASK_CLOCK] = "task-clock",
    [HX_EV_PAGE_FAULTS] = "page-faults",
    [HX_EV_MINOR_FAULTS] = "minor-faults",
    [HX_EV_MAJOR_FAULTS] = "major-faults",
    [HX_EV_CONTEXT_SWITCHES] = "context-switches",
    [HX_EV_CPU_MIGRATIONS] = "cpu-migrations",
};

/* The default set when the experiment names none. */
static const hx_event_id default_events[] = {
    HX_EV_CYCLES,     HX_EV_INSTRUCTIONS, HX_EV_CACHE_MISSES,
    HX_EV_TASK_CLOCK, HX_EV_PAGE_FAULTS,  HX_EV_CONTEXT_SWITCHES,
};

/* Chain order (DESIGN.md): index = position in the chain. */
#define NBACKENDS 3
static const hx_counter_backend *const chain[NBACKENDS] = {
    &hx_counters_papi,
    &hx_counters_perf,
    &hx_counters_rusage,
};

#define NONE_REASON "counters disabled (--counters none)"

/* One planned event. Written only by hx_counters_plan(). */
typedef struct plan_event {
    hx_event_id ev;
    hx_backend backend; /* HX_BACKEND_NONE: unavailable */
    unsigned how;       /* the taking backend's probe cookie */
    char reason[HX_REASON_MAX];
} plan_event;

struct hx_counters {
    size_t n;
    plan_event ev[HX_EV_COUNT]; /* each event at most once */
};

/* Per-thread state: one backend state per backend in use. Owned by the
 * opening thread; nothing in it is shared. */
typedef struct thread_backend {
    const hx_counter_backend *be;
    void *state;              /* NULL: this backend counts nothing here */
    size_t n;                 /* events it counts */
    size_t slot[HX_EV_COUNT]; /* plan index of its k-th event */
    hx_event_id evs[HX_EV_COUNT];
    unsigned hows[HX_EV_COUNT];
} thread_backend;

struct hx_counter_thread {
    const hx_counters *plan;
    pthread_t owner;
    thread_backend tb[NBACKENDS];
};

/* ---- names and reasons ---------------------------------------------- */

const char *hx_event_name(hx_event_id ev) {
    return (unsigned)ev < HX_EV_COUNT ? event_names[ev] : "?";
}

const char *hx_backend_name(hx_backend b) {
    switch (b) {
    case HX_BACKEND_PAPI:
        return "papi";
    case HX_BACKEND_PERF:
        return "perf";
    case HX_BACKEND_RUSAGE:
        return "rusage";
    case HX_BACKEND_NONE:
        break;
    }
    return "none";
}

void hx_reason_append(char *buf, size_t len, const char *fmt, ...) {
    if (buf == NULL || len == 0)
        return;
    size_t used = strnlen(buf, len);
    if (used >= len - 1) {
        buf[len - 1] = '\0';
        return;
    }
    if (used > 0) {
        snprintf(buf + used, len - used, "; ");
        used = strnlen(buf, len);
    }
    va_list ap;
    va_start(ap, fmt);
    int w = vsnprintf(buf + used, len - used, fmt, ap);
    va_end(ap);
    if (w >= 0 && (size_t)w >= len - used && len >= 4)
        memcpy(buf + len - 4, "...", 4); /* mark the cut */
}

static int lookup_event(const char *name, hx_event_id *out) {
    for (int i = 0; i < HX_EV_COUNT; i++) {
        if (strcmp(name, event_names[i]) == 0) {
            *out = (hx_event_id)i;
            return 0;
        }
    }
    return -EINVAL;
}

static void accepted_events(char *buf, size_t len) {
    buf[0] = '\0';
    size_t used = 0;
    for (int i = 0; i < HX_EV_COUNT && used < len; i++) {
        int w = snprintf(buf + used, len - used, "%s%s", i ? ", " : "",
                         event_names[i]);
        if (w < 0)
            break;
        used += (size_t)w;
    }
}

static void set_err(char *err, size_t errlen, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void set_err(char *err, size_t errlen, const char *fmt, ...) {
    if (err == NULL || errlen == 0)
        return;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err, errlen, fmt, ap);
    va_end(ap);
}

/* ---- the plan --------------------------------------------------------- */

/* Mode -> which chain positions to try; returns the count, -1 if unknown,
 * 0 for "none". */
static int mode_backends(const char *mode, const hx_counter_backend **out) {
    if (strcmp(mode, "auto") == 0) {
        for (int i = 0; i < NBACKENDS; i++)
            out[i] = chain[i];
        return NBACKENDS;
    }
    for (int i = 0; i < NBACKENDS; i++) {
        if (strcmp(mode, hx_backend_name(chain[i]->id)) == 0) {
            out[0] = chain[i];
            return 1;
        }
    }
    return strcmp(mode, "none") == 0 ? 0 : -1;
}

int hx_counters_plan(hx_counters **out, const char *mode,
                     const char *const *events, char *err, size_t errlen) {
    if (err && errlen)
        err[0] = '\0';
    if (out == NULL) {
        set_err(err, errlen, "hx_counters_plan: no output pointer");
        return -EINVAL;
    }
    *out = NULL;
    if (mode == NULL)
        mode = "auto";
    const hx_counter_backend *use[NBACKENDS];
    int nuse = mode_backends(mode, use);
    if (nuse < 0) {
        set_err(err, errlen,
                "unknown counters mode '%s'; accepted: auto, papi, perf, "
                "rusage, none",
                mode);
        return -EINVAL;
    }

    hx_counters *c = calloc(1, sizeof *c);
    if (c == NULL) {
        set_err(err, errlen, "out of memory");
        return -ENOMEM;
    }
    if (events == NULL) {
        for (size_t i = 0; i < sizeof default_events / sizeof *default_events;
             i++)
            c->ev[c->n++].ev = default_events[i];
    } else {
        for (size_t i = 0; events[i] != NULL; i++) {
            hx_event_id id;
            if (lookup_event(events[i], &id) != 0) {
                char acc[400];
                accepted_events(acc, sizeof acc);
                set_err(err, errlen, "unknown counter event '%s'; accepted: %s",
                        events[i], acc);
                free(c);
                return -EINVAL;
            }
            for (size_t j = 0; j < c->n; j++) {
                if (c->ev[j].ev == id) {
                    set_err(err, errlen, "counter event '%s' listed twice",
                            events[i]);
                    free(c);
                    return -EINVAL;
                }
            }
            c->ev[c->n++].ev = id; /* n < HX_EV_COUNT: no duplicates */
        }
    }

    if (nuse == 0) {
        for (size_t i = 0; i < c->n; i++) {
            c->ev[i].backend = HX_BACKEND_NONE;
            snprintf(c->ev[i].reason, sizeof c->ev[i].reason, NONE_REASON);
        }
        *out = c;
        return 0;
    }

    /* One probe session per backend, events in plan order, so a backend
     * with shared resources sees them in the combination they will be
     * opened in. */
    for (int b = 0; b < nuse; b++) {
        char whole[HX_REASON_MAX] = "";
        void *session = NULL;
        bool pending = false;
        for (size_t i = 0; i < c->n; i++)
            pending |= c->ev[i].backend == HX_BACKEND_NONE;
        if (!pending)
            break;
        session = use[b]->probe_begin(whole, sizeof whole);
        for (size_t i = 0; i < c->n; i++) {
            plan_event *pe = &c->ev[i];
            if (pe->backend != HX_BACKEND_NONE)
                continue;
            if (session == NULL) {
                hx_reason_append(pe->reason, sizeof pe->reason, "%s", whole);
                continue;
            }
            char why[HX_REASON_MAX] = "";
            unsigned how = 0;
            if (use[b]->probe(session, pe->ev, &how, why, sizeof why) == 0) {
                pe->backend = use[b]->id;
                pe->how = how;
            } else {
                if (why[0] == '\0')
                    snprintf(why, sizeof why, "%s: cannot count %s",
                             use[b]->label, hx_event_name(pe->ev));
                hx_reason_append(pe->reason, sizeof pe->reason, "%s", why);
            }
        }
        if (session)
            use[b]->probe_end(session);
    }
    /* An available event keeps the reasons of the backends before its own;
     * a missing reason for an unavailable one would be a bug. */
    for (size_t i = 0; i < c->n; i++)
        if (c->ev[i].backend == HX_BACKEND_NONE && c->ev[i].reason[0] == '\0')
            snprintf(c->ev[i].reason, sizeof c->ev[i].reason,
                     "no backend can count %s here",
                     hx_event_name(c->ev[i].ev));
    *out = c;
    return 0;
}

void hx_counters_free(hx_counters *c) {
    free(c);
}

size_t hx_counters_count(const hx_counters *c) {
    return c ? c->n : 0;
}

const char *hx_counters_name(const hx_counters *c, size_t i) {
    return c && i < c->n ? hx_event_name(c->ev[i].ev) : NULL;
}

bool hx_counters_available(const hx_counters *c, size_t i) {
    return c && i < c->n && c->ev[i].backend != HX_BACKEND_NONE;
}

hx_backend hx_counters_backend(const hx_counters *c, size_t i) {
    return c && i < c->n ? c->ev[i].backend : HX_BACKEND_NONE;
}

const char *hx_counters_reason(const hx_counters *c, size_t i) {
    return c && i < c->n ? c->ev[i].reason : "";
}

/* ---- per-thread sampling ---------------------------------------------- */

static const hx_counter_backend *backend_of(hx_backend id) {
    for (int b = 0; b < NBACKENDS; b++)
        if (chain[b]->id == id)
            return chain[b];
    return NULL;
}

hx_counter_thread *hx_counters_thread_open(const hx_counters *c) {
    if (c == NULL) {
        errno = EINVAL;
        return NULL;
    }
    hx_counter_thread *t = calloc(1, sizeof *t);
    if (t == NULL)
        return NULL;
    t->plan = c;
    t->owner = pthread_self();
    for (int b = 0; b < NBACKENDS; b++)
        t->tb[b].be = chain[b];
    for (size_t i = 0; i < c->n; i++) {
        const hx_counter_backend *be = backend_of(c->ev[i].backend);
        if (be == NULL)
            continue;
        for (int b = 0; b < NBACKENDS; b++) {
            thread_backend *tb = &t->tb[b];
            if (tb->be != be)
                continue;
            tb->slot[tb->n] = i;
            tb->evs[tb->n] = c->ev[i].ev;
            tb->hows[tb->n] = c->ev[i].how;
            tb->n++;
        }
    }
    for (int b = 0; b < NBACKENDS; b++) {
        thread_backend *tb = &t->tb[b];
        if (tb->n == 0)
            continue;
        tb->state = tb->be->thread_open(tb->evs, tb->hows, tb->n);
        if (tb->state == NULL) {
            int e = errno ? errno : EIO;
            hx_counters_thread_close(t);
            errno = e;
            return NULL;
        }
    }
    return t;
}

int hx_counters_thread_read(hx_counter_thread *t, hx_counter_raw *vals) {
    if (t == NULL || vals == NULL)
        return -EINVAL;
    if (!pthread_equal(t->owner, pthread_self()))
        return -EINVAL;
    hx_counter_raw v[HX_EV_COUNT];
    for (int b = 0; b < NBACKENDS; b++) {
        thread_backend *tb = &t->tb[b];
        if (tb->state == NULL)
            continue;
        memset(v, 0, sizeof v);
        int rc = tb->be->thread_read(tb->state, v);
        if (rc != 0)
            return rc;
        for (size_t k = 0; k < tb->n; k++)
            vals[tb->slot[k]] = v[k];
    }
    return 0;
}

int hx_counter_delta(const hx_counter_raw *a, const hx_counter_raw *b,
                     double *out, bool *scaled) {
    *scaled = false;
    if (b->value < a->value || b->enabled < a->enabled ||
        b->running < a->running)
        return -EINVAL;
    uint64_t dv = b->value - a->value, de = b->enabled - a->enabled,
             dr = b->running - a->running;
    if (dr >= de) { /* ran all the time it was enabled (or keeps no times) */
        *out = (double)dv;
        return 0;
    }
    if (dr == 0)
        return -ENODATA;
    *out = (double)((long double)dv * (long double)de / (long double)dr);
    *scaled = true;
    return 0;
}

void hx_counters_thread_close(hx_counter_thread *t) {
    if (t == NULL)
        return;
    for (int b = 0; b < NBACKENDS; b++)
        if (t->tb[b].state)
            t->tb[b].be->thread_close(t->tb[b].state);
    free(t);
}

/* ---- `mechlab counters` ------------------------------------------------ */

/* Prints a reason with one "; "-separated part per line, the first after
 * the columns and the rest aligned under it. */
static void print_reason(FILE *out, const char *reason, int indent) {
    const char *p = reason;
    bool first = true;
    while (*p) {
        const char *end = strstr(p, "; ");
        size_t len = end ? (size_t)(end - p) : strlen(p);
        if (!first)
            fprintf(out, "\n%*s", indent, "");
        fprintf(out, "%.*s", (int)len, p);
        first = false;
        p += len;
        if (end)
            p += 2;
    }
    fputc('\n', out);
}

void hx_counters_report(FILE *out) {
    if (out == NULL)
        out = stdout;
    const char *all[HX_EV_COUNT + 1];
    for (int i = 0; i < HX_EV_COUNT; i++)
        all[i] = event_names[i];
    all[HX_EV_COUNT] = NULL;

    fprintf(out, "Counters on this machine (mode auto: PAPI, then "
                 "perf_event_open, then getrusage)\n\n");
    hx_counters *c = NULL;
    char err[256];
    if (hx_counters_plan(&c, "auto", all, err, sizeof err) != 0) {
        fprintf(out, "cannot build a counter plan: %s\n", err);
        return;
    }
    const int namew = 22, bew = 12;
    fprintf(out, "%-*s %-*s %s\n", namew, "event", bew, "counted by",
            "why not by an earlier backend / why unavailable");
    for (size_t i = 0; i < c->n; i++) {
        fprintf(out, "%-*s %-*s ", namew, hx_counters_name(c, i), bew,
                hx_counters_available(c, i)
                    ? hx_backend_name(hx_counters_backend(c, i))
                    : "unavailable");
        const char *r = hx_counters_reason(c, i);
        print_reason(out, r[0] ? r : "-", namew + bew + 2);
    }
    size_t navail = 0;
    for (size_t i = 0; i < c->n; i++)
        navail += hx_counters_available(c, i);
    fprintf(out,
            "\n%zu of %zu events can be counted here; the others are "
            "reported as n/a, never 0.\n",
            navail, c->n);
    hx_counters_free(c);

    for (int b = 0; b < NBACKENDS; b++) {
        fputc('\n', out);
        chain[b]->report(out);
    }
}
