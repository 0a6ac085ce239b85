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

/* Per-thread sampling. open/close on the worker thread itself. read fills
 * vals[i] for available events (cumulative since open); unavailable entries
 * are left untouched. Returns NULL / negative errno on failure. */
hx_counter_thread *hx_counters_thread_open(const hx_counters *c);
int hx_counters_thread_read(hx_counter_thread *t, uint64_t *vals);
void hx_counters_thread_close(hx_counter_thread *t);
/* Whether event i of the last read on t was multiplexed by the kernel
 * (perf time-shared the counter) and its value is therefore an estimate,
 * scaled by time enabled / time running. A read where an event never ran
 * at all fails with -ENODATA instead. */
bool hx_counters_thread_multiplexed(const hx_counter_thread *t, size_t i);

/* `mechlab counters`: every known event, which backend counts it here, and
 * for each backend why it is or is not usable (PAPI components, perf's
 * paranoid level, PMU presence). */
void hx_counters_report(FILE *out);

#endif
