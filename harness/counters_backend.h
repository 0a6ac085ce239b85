/*
 * counters_backend.h - the internal interface between counters.c and the
 * three counter backends (counters_papi.c, counters_perf.c,
 * counters_rusage.c). Never included by counters.h.
 *
 * counters.c owns the event names, the plan and the fallback chain; a
 * backend only answers two questions, each on the calling thread:
 *
 *   probe:  "can you really count this event here?" - asked once per event
 *           while a plan is built, inside a probe session (begin/probe/end)
 *           so that a backend with a shared resource (PAPI's event set:
 *           a few physical counters) can check the events in combination.
 *           Answers 0, with an optional `how` cookie the backend wants back
 *           at thread open (perf: whether kernel counting had to be
 *           excluded), or a negative errno and a one-line reason that
 *           begins with the backend's label ("PAPI: ...", "perf: ...").
 *   thread: open on a worker thread for the events the plan gave it,
 *           read cumulative values since open, close. Backend state is
 *           per thread and owned by that thread; nothing is shared between
 *           threads, so no locks (PAPI's own init is once-only, inside
 *           counters_papi.c).
 *
 * Each backend also prints its section of the `mechlab counters` report.
 * The backend is chosen by file (STYLE.md): each file defines one const
 * hx_counter_backend and counters.c lists them in chain order.
 */
#ifndef MECHLAB_COUNTERS_BACKEND_H
#define MECHLAB_COUNTERS_BACKEND_H

#include "counters.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

/* Every event the harness knows, in report order. The names (perf's
 * generic names) live in counters.c; backends map ids to their own
 * encodings (a PAPI preset, a perf type/config, a getrusage field). */
typedef enum hx_event_id {
    HX_EV_CYCLES,
    HX_EV_INSTRUCTIONS,
    HX_EV_CACHE_REFERENCES,
    HX_EV_CACHE_MISSES,
    HX_EV_BRANCH_MISSES,
    HX_EV_L1D_LOAD_MISSES,
    HX_EV_LLC_LOAD_MISSES,
    HX_EV_DTLB_LOAD_MISSES,
    HX_EV_TASK_CLOCK,
    HX_EV_PAGE_FAULTS,
    HX_EV_MINOR_FAULTS,
    HX_EV_MAJOR_FAULTS,
    HX_EV_CONTEXT_SWITCHES,
    HX_EV_CPU_MIGRATIONS,
    HX_EV_COUNT
} hx_event_id;

/* perf's generic name of an event ("cycles"), for reasons and reports. */
const char *hx_event_name(hx_event_id ev);

/* Appends "; "-separated text to a reason buffer, truncating with "..."
 * when it does not fit. `buf` is always NUL-terminated. */
void hx_reason_append(char *buf, size_t len, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

typedef struct hx_counter_backend {
    hx_backend id;
    const char *label; /* "PAPI", "perf", "rusage": starts every reason */

    /* A probe session on the calling thread. begin returns an opaque
     * session (never NULL on success) or NULL with a reason that applies
     * to every event (e.g. PAPI failed to initialise). */
    void *(*probe_begin)(char *why, size_t len);
    /* 0 and *how, or a negative errno and a reason. */
    int (*probe)(void *session, hx_event_id ev, unsigned *how, char *why,
                 size_t len);
    void (*probe_end)(void *session);

    /* Starts counting evs[0..n) (with the probe's cookies) on the calling
     * thread. NULL with errno set on failure. n > 0. */
    void *(*thread_open)(const hx_event_id *evs, const unsigned *hows,
                         size_t n);
    /* vals[k] for evs[k]: cumulative since open, raw (hx_counter_raw:
     * count, and time enabled / running where the backend multiplexes;
     * 0 and 0 where it never does). Scaling is counters.c's job, on
     * deltas. Returns 0 or a negative errno. */
    int (*thread_read)(void *state, hx_counter_raw *vals);
    void (*thread_close)(void *state);

    /* The backend's section of `mechlab counters`. */
    void (*report)(FILE *out);
} hx_counter_backend;

extern const hx_counter_backend hx_counters_papi;
extern const hx_counter_backend hx_counters_perf;
extern const hx_counter_backend hx_counters_rusage;

#endif
