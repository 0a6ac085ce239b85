/*
 * context.h - the machine fingerprint and run settings (context.json).
 *
 * Everything a reader needs to trust or compare a result: CPU vendor,
 * family, model, name; cores, PUs, SMT, caches per level (size, line, ways);
 * NUMA nodes; kernel; THP mode; CPU governor (or "absent"); 
 * perf_event_paranoid; virtualization (hypervisor, from cpuid/DMI/systemd);
 * compiler, flags and build type; git revision; Google Benchmark's library
 * build type; counter backend per event and why the others were not used;
 * load average; date (UTC, ISO 8601).
 */
#ifndef MECHLAB_CONTEXT_H
#define MECHLAB_CONTEXT_H

#include <jansson.h>

#include "counters.h"
#include "hx.h"

/* A new JSON object with the machine part of the context (no run settings).
 * counters may be NULL. Never NULL on return (fields that cannot be read are
 * "unknown" with no guessing). */
json_t *hx_context_machine(const hx_topo *t, const hx_counters *c);

/* One-line human description for plot titles and the summary header:
 * "AMD EPYC (2 cores, 2 PUs, L1d 48 KiB, L2 1 MiB, L3 508 MiB), Linux 6.1". */
void hx_context_oneline(const hx_topo *t, char *buf, size_t len);

/* A sentence about the cache sizes hx_context_oneline marks with '?'
 * (hwloc's report, implausible for a real cache); "" when none is. */
void hx_context_cache_note(const hx_topo *t, char *buf, size_t len);

#endif
