/*
 * repeat.c - the warm-up and the stop-together quota of one repetition;
 * see repeat.h for the protocol and why.
 *
 * Nothing here reads a clock or touches a thread: the caller passes the
 * time in, so the rules (when a warm-up has settled, when a thread stops)
 * are tested with made-up times (tests/test_repeat.c). The only shared
 * state is the point's stop flag, written once per repetition by the first
 * thread that reaches its quota and read at every chunk boundary.
 */
#include "repeat.h"

#include <math.h>

/* ---- warm-up ----------------------------------------------------------- */

void hx_warmup_init(hx_warmup *w, double budget_s) {
    *w = (hx_warmup){.budget_s = budget_s, .last_pass = -1};
}

static uint64_t warm_chunk(hx_warmup *w, uint64_t pass_ops) {
    uint64_t left = pass_ops - w->done;
    w->chunk = left < HX_WARM_CHUNK ? left : HX_WARM_CHUNK;
    return w->chunk;
}

uint64_t hx_warmup_next(hx_warmup *w, uint64_t pass_ops, double now) {
    if (w->end != HX_WARM_RUNNING || pass_ops == 0)
        return 0;
    if (!w->started) {
        w->started = true;
        w->t0 = w->pass_t0 = now;
        return warm_chunk(w, pass_ops);
    }
    w->done += w->chunk;
    w->ops += w->chunk;
    w->chunk = 0;
    if (w->done >= pass_ops) {
        double t = now - w->pass_t0;
        w->passes++;
        /* Settled: this pass was not more than HX_WARM_SETTLE faster than
         * the one before, so what is resident has stopped changing. */
        if (w->last_pass >= 0 && t >= w->last_pass * (1 - HX_WARM_SETTLE)) {
            w->end = HX_WARM_SETTLED;
            return 0;
        }
        w->last_pass = t;
        w->done = 0;
        w->pass_t0 = now;
        if (w->passes >= HX_WARM_MAX_PASSES) {
            w->end = HX_WARM_MAXED;
            return 0;
        }
    }
    if (now - w->t0 >= w->budget_s) {
        w->end = HX_WARM_BUDGET;
        return 0;
    }
    return warm_chunk(w, pass_ops);
}

double hx_warmup_passes(const hx_warmup *w, uint64_t pass_ops) {
    if (pass_ops == 0)
        return 0;
    return (double)w->ops / (double)pass_ops;
}

/* ---- the timed quota --------------------------------------------------- */

void hx_quota_init(hx_quota *q, uint64_t quota, int *stop, bool together,
                   uint64_t pass_ops, double min_time) {
    *q = (hx_quota){.quota = quota, .stop = stop, .together = together};
    q->chunk = quota;
    if (together && quota >= HX_QUOTA_CHUNKS)
        q->chunk = quota / HX_QUOTA_CHUNKS;
    if (q->chunk == 0)
        q->chunk = 1;
    if (pass_ops > 0 && pass_ops <= UINT64_MAX / HX_MIN_PASSES) {
        q->min_ops = pass_ops * HX_MIN_PASSES;
        q->cap_s = HX_PASS_TIME_CAP * min_time;
    }
}

uint64_t hx_quota_first(hx_quota *q, double t0) {
    q->t0 = t0;
    q->done = 0;
    q->last = q->chunk < q->quota ? q->chunk : q->quota;
    if (q->last == 0)
        q->last = 1;
    return q->last;
}

static void raise_stop(hx_quota *q) {
    if (q->together && q->stop)
        __atomic_store_n(q->stop, 1, __ATOMIC_RELEASE);
}

uint64_t hx_quota_next(hx_quota *q, double now) {
    q->done += q->last;
    q->last = 0;
    if (q->together && q->stop && __atomic_load_n(q->stop, __ATOMIC_ACQUIRE))
        return 0; /* another thread finished its quota */
    uint64_t want = q->quota;
    if (q->done >= want && q->min_ops > want && q->done < q->min_ops &&
        now - q->t0 < q->cap_s)
        want = q->min_ops; /* too few passes yet: go on while time allows */
    if (q->done >= want) {
        raise_stop(q);
        return 0;
    }
    uint64_t left = want - q->done, c = q->chunk;
    if (q->done >= q->quota && c < HX_QUOTA_CHUNKS * 1024u)
        c = HX_QUOTA_CHUNKS * 1024u; /* past the quota: bigger steps */
    q->last = left < c ? left : c;
    return q->last;
}

/* ---- spread -------------------------------------------------------------- */

double hx_spread(const double *v, int n) {
    double lo = INFINITY, hi = 0;
    int k = 0;
    for (int i = 0; i < n; i++) {
        if (!(v[i] > 0) || isinf(v[i]))
            continue;
        lo = v[i] < lo ? v[i] : lo;
        hi = v[i] > hi ? v[i] : hi;
        k++;
    }
    return k < 2 ? 1.0 : hi / lo;
}
