/*
 * topo.h - machine topology (hwloc) and thread placement.
 *
 * hx_topo_load fills the hx_topo of hx.h from hwloc: packages, NUMA nodes,
 * cores, PUs, SMT, data/unified caches per level (size, line, ways, PUs
 * sharing), the placement order (one PU per core first, then siblings),
 * page sizes, RAM, and the CPU's vendor/model from hwloc's info attributes
 * (or /proc/cpuinfo). What hwloc reports is recorded as reported: some VMs
 * present synthetic cache sizes; the staircase experiment measures the truth.
 */
#ifndef MECHLAB_TOPO_H
#define MECHLAB_TOPO_H

#include "hx.h"

/* Returns 0, or a negative errno with a message on stderr. */
int hx_topo_load(hx_topo *t);

/* Pin the calling thread to the PU of worker index i (i % pus). Returns the
 * PU's OS index, or a negative errno (pinning failures are reported by the
 * caller and recorded, never silently ignored). */
int hx_topo_pin(const hx_topo *t, int i);

/* A short file-system-safe machine name: "<cpu-model-slug>-<N>c",
 * e.g. "amd-epyc-2c". */
void hx_topo_machine_name(const hx_topo *t, char *buf, size_t len);

/* The CPU's name for people, without trademark marks, "CPU", "Processor",
 * core counts or frequency; the vendor first: "Intel Xeon Platinum 8480+",
 * "AMD EPYC 7763". "unknown" when neither vendor nor model is known. */
void hx_topo_cpu_name(const hx_topo *t, char *buf, size_t len);

/* Whether hwloc's size for cache c is implausible as a real cache: more
 * than HX_CACHE_PER_PU_MAX bytes for each PU sharing it (the largest real
 * parts, 3D V-Cache EPYCs, have about 12 MiB per core; VMs that invent an
 * L3 report hundreds of MiB for a few PUs). Such a size is never stated
 * as a fact: the machine line and the plots say it is hwloc's report. */
#define HX_CACHE_PER_PU_MAX (16ull << 20)
bool hx_topo_cache_unlikely(const hx_cache *c);

#endif
