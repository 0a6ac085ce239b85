/*
 * gcwork.c - the shared GC workloads of gcbench.c and gogc.c (gcwork.h
 * says what and why). The tree is built bottom-up like Go's binary-trees
 * (&node{l, r}): both children exist before their parent, so the parent is
 * allocated and filled while nothing else can reach it.
 */
#include "gcwork.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "grt.h"

double gw_clock(clockid_t c) {
    struct timespec ts;
    clock_gettime(c, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

double gw_status_bytes(const char *key) {
    FILE *f = fopen("/proc/self/status", "r");
    if (f == NULL)
        return NAN;
    char line[256];
    size_t kl = strlen(key);
    double v = NAN;
    while (fgets(line, sizeof line, f) != NULL)
        if (strncmp(line, key, kl) == 0 && line[kl] == ':') {
            v = strtod(line + kl + 1, NULL) * 1024.0;
            break;
        }
    fclose(f);
    return v;
}

bool gw_reset_hwm(void) {
    FILE *f = fopen("/proc/self/clear_refs", "w");
    if (f == NULL)
        return false;
    bool ok = fputs("5", f) >= 0;
    return fclose(f) == 0 && ok;
}

int gw_depth(int64_t bytes) {
    int d = 0;
    while (gw_tree_nodes(d + 1) <= (uint64_t)bytes / sizeof(gw_node))
        d++;
    return d;
}

/* A safepoint per node: the walk of a 2 MiB tree takes a millisecond or
 * more, and a stop-the-world waits for it otherwise (Go preempts such a
 * loop asynchronously; ours only at safepoints). Outside the runtime (the
 * Boehm child) it is one load of a word that stays zero. */
uint64_t gw_check(const gw_node *n) {
    GRT_SAFEPOINT();
    return n->left == NULL ? 1 : 1 + gw_check(n->left) + gw_check(n->right);
}

static const uint64_t gw_node_mask[] = {0x3};
static const grt_type gw_node_type = GRT_TYPE(gw_node, gw_node_mask);

gw_node *gw_ours_tree(int depth) {
    if (depth <= 0)
        return grt_new(&gw_node_type);
    gw_node *l = gw_ours_tree(depth - 1), *r = gw_ours_tree(depth - 1);
    gw_node *n = grt_new(&gw_node_type);
    n->left = l;
    n->right = r;
    return n;
}
