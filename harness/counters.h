/*
 * counters.h - hardware and software event counters with honest fallback.
 *
 * For each requested event the plan picks the first backend that can
 * really count it on this machine, in the order of DESIGN.md:
 *   1. PAPI (counters_papi.c): when a PAPI component is active and the
 *      event (a PAPI preset) adds to an event set;
 *   2. perf_event_open (counters_perf.c): hardware events where a PMU is
 *      exposed, software events (task-clock, page-faults, context-switches,
 *      cpu-migrations) nearly everywhere; tried by really opening the event;
 *   3. getrusage(RUSAGE_THREAD) (counters_rusage.c): faults, context
 *      switches, CPU time.
 * An event no backend can count is *unavailable*, with the reason of each
 * backend that refused it; it is reported as empty / "n/a", never 0.
 *
 * Event names are perf's generic names: cycles, instructions,
 * cache-references, cache-misses, branch-misses, L1-dcache-load-misses,
 * LLC-load-misses, dTLB-load-misses, task-clock (ns), page-faults,
 * minor-faults, major-faults, context-switches, cpu-migrations.
 *
 * Sampling is per thread: each worker opens its own hx_counter_thread at
 * the start of a repetition (PAPI thread registration / perf fds bound to
 * the calling thread / RUSAGE_THREAD), reads before and after the timed
 * loop, and closes it. Backends are chosen by file, behind counters.c.
 */
#ifndef MECHLAB_COUNTERS_H
#define MECHLAB_COUNTERS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

typedef enum hx_backend {
    HX_BACKEND_NONE = 0,
    HX_BACKEND_PAPI,
    HX_BACKEND_PERF,
    HX_BACKEND_RUSAGE,
} hx_backend;

/* Modes: "auto" (the chain), "papi", "perf", "rusage" (that backend only),
 * "none" (every event unavailable, reason "counters disabled"). */
typedef struct hx_counters hx_counters;
typedef struct hx_counter_thread hx_counter_thread;

#define HX_EVENT_NAME_MAX 48
#define HX_REASON_MAX     200

/* Builds a plan. events: NULL-terminated list; NULL means the default set
 * (cycles, instructions, cache-misses, task-clock, page-faults,
 * context-switches). Returns 0 or a negative errno (-EINVAL for an unknown
 * mode or event name, with a message in err). */
int hx_counters_plan(hx_counters **out, const char *mode,
                     const char *const *events, char *err, size_t errlen);
void hx_counters_free(hx_counters *c);

size_t hx_counters_count(const hx_counters *c);
const char *hx_counters_name(const hx_counters *c, size_t i);
bool hx_counters_available(const hx_counters *c, size_t i);
hx_backend hx_counters_backend(const hx_counters *c, size_t i);
/* Why unavailable, or why the earlier backends were not used ("" if the
 * first backend took it). */
const char *hx_counters_reason(const hx_counters *c, size_t i);
const char *
hx_backend_name(hx_backend b); /* "papi", "perf", "rusage", "none" */

/* One cumulative reading of one event, raw: the count, and the time (ns)
 * the event was enabled and actually running on a counter. A backend that
 * never time-shares its counters leaves enabled == running == 0. */
typedef struct hx_counter_raw {
    uint64_t value, enabled, running;
} hx_counter_raw;

/* Per-thread sampling. open/close on the worker thread itself. read fills
 * vals[i] for available events (cumulative since open, raw: never scaled);
 * unavailable entries are left untouched. Returns NULL / negative errno on
 * failure. */
hx_counter_thread *hx_counters_thread_open(const hx_counters *c);
int hx_counters_thread_read(hx_counter_thread *t, hx_counter_raw *vals);
void hx_counters_thread_close(hx_counter_thread *t);

/* The count between two readings of one event, a (before) and b (after).
 * Multiplexing: perf may time-share hardware counters, so an event counts
 * only part of the time it is enabled. The deltas of the raw value, of
 * enabled and of running are taken first and then scaled, value x
 * d_enabled / d_running; *scaled says whether that estimate was needed
 * (d_running < d_enabled). Scaling each cumulative reading before the
 * subtraction would be wrong: two estimates made over different windows
 * can decrease, and the unsigned difference wraps to ~1.8e19. Returns 0,
 * or -ENODATA when the event never ran in the interval (no estimate is
 * possible: unavailable, not 0), or -EINVAL when b is not later than a (a
 * count or a time went backwards). */
int hx_counter_delta(const hx_counter_raw *a, const hx_counter_raw *b,
                     double *out, bool *scaled);

/* `mechlab counters`: every known event, which backend counts it here, and
 * for each backend why it is or is not usable (PAPI components, perf's
 * paranoid level, PMU presence). */
void hx_counters_report(FILE *out);

#endif
