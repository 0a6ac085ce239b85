/*
 * setup_cache.c - a variant's setup, kept across repetitions.
 *
 * A variant's setup (a buffer, a pointer chain) runs once per point and is
 * kept across repetitions, because random interleaving visits every point
 * once per round and rebuilding a 1 GiB chain each time would dominate the
 * run. Kept setups are budgeted (hx_run.cache_budget: a quarter of RAM);
 * past the budget the least recently used other point is torn down and
 * rebuilt when next needed. Only thread 0 of the running point touches the
 * cache (the runner calls hx_point_prepare before the point's workers
 * start), so it needs no lock.
 */
#include <stdarg.h>
#include <stdio.h>

#include "setup_cache.h"

/* ---- the setup cache ---------------------------------------------------- */

static void release(hx_run *r, hx_point *pt) {
    if (!pt->ready)
        return;
    if (pt->var->teardown && pt->shared)
        pt->var->teardown(pt->shared);
    pt->shared = NULL;
    pt->ready = false;
    r->cache_bytes -= pt->bytes;
    pt->bytes = 0;
}

static hx_point *least_recent(hx_run *r, const hx_point *keep) {
    hx_point *best = NULL;
    for (int f = 0; f < r->nfams; f++)
        for (int i = 0; i < r->fams[f].npoints; i++) {
            hx_point *p = &r->fams[f].points[i];
            if (p == keep || !p->ready || p->bytes == 0)
                continue;
            if (!best || p->last_use < best->last_use)
                best = p;
        }
    return best;
}

int hx_point_prepare(hx_point *pt) {
    hx_run *r = pt->run;
    if (pt->skip[0])
        return 1;
    pt->last_use = ++r->use_clock;
    if (pt->ready)
        return 0;
    if (!pt->var->setup) {
        pt->ready = true;
        return 0;
    }
    size_t bytes = 0;
    void *sh = pt->var->setup(pt, &bytes);
    if (pt->skip[0]) {
        if (sh && pt->var->teardown) /* skipped, but made something */
            pt->var->teardown(sh);
        return 1;
    }
    if (!sh) {
        hx_point_skip(pt, "setup failed (out of memory?)");
        return 1;
    }
    pt->shared = sh;
    pt->bytes = bytes;
    pt->ready = true;
    r->cache_bytes += bytes;
    while (r->cache_bytes > r->cache_budget) {
        hx_point *old = least_recent(r, pt);
        if (!old)
            break;
        release(r, old);
    }
    return 0;
}

void hx_point_release_all(hx_run *r) {
    for (int f = 0; f < r->nfams; f++)
        for (int i = 0; i < r->fams[f].npoints; i++)
            release(r, &r->fams[f].points[i]);
}
