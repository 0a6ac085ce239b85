/*
 * gcwork.h - the garbage-collection workloads gcbench and gogc share: the
 * binary-trees node (two pointers, 16 bytes) built in our runtime's heap,
 * its checksum walk, the depth that fits a byte budget, and the process
 * figures both read around a workload (clocks, VmRSS/VmHWM and its reset).
 * One copy, so that "the churn" means the same op in both experiments and
 * in their Go twins (scripts/gobench/gc_test.go's bottomUp and check).
 */
#ifndef MECHLAB_GCWORK_H
#define MECHLAB_GCWORK_H

#include <stdbool.h>
#include <stdint.h>
#include <time.h>

#define GW_SHORT_DEPTH 16 /* 2^17-1 nodes of 16 bytes: 2 MiB */
#define GW_MIB         (1024.0 * 1024.0)

typedef struct gw_node {
    struct gw_node *left, *right;
} gw_node;

/* Seconds on clock c. */
double gw_clock(clockid_t c);
/* VmRSS or VmHWM from /proc/self/status, bytes; NAN when unreadable. */
double gw_status_bytes(const char *key);
/* Reset VmHWM to the current resident set (Linux >= 4.0); false if not. */
bool gw_reset_hwm(void);
/* Nodes of a complete tree of depth d: 2^(d+1)-1. */
static inline uint64_t gw_tree_nodes(int depth) {
    return ((uint64_t)2 << depth) - 1;
}
/* Depth of the largest complete tree of 16-byte nodes within bytes. */
int gw_depth(int64_t bytes);
/* Nodes reachable from n (a complete tree: leaves have no children). */
uint64_t gw_check(const gw_node *n);
/* A complete tree of depth d in our heap (grt_new; on a goroutine),
 * children first so the parent's stores go into an unpublished object. */
gw_node *gw_ours_tree(int depth);
/* xorshift64: the random links of the pointer-rich heaps. */
static inline uint64_t gw_rng(uint64_t *s) {
    *s ^= *s << 13;
    *s ^= *s >> 7;
    *s ^= *s << 17;
    return *s;
}

#endif /* MECHLAB_GCWORK_H */
