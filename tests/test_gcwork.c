/*
 * test_gcwork.c - the collector's work buffers (runtime/mgcwork.c): the
 * per-P pairs and the lock-free full and empty lists, without a heap.
 *
 * Threads play markers: each owns a grt_gcw and puts object ids through
 * it, shares work through the full list (balance) and takes work back,
 * often from the other threads' buffers; every id is put exactly once, so
 * at the end every id must have been got exactly once: a lost update in
 * the lock-free stacks (ABA, a torn link) shows as a missing or repeated
 * id. Single-threaded cases check the buffer pair's order and the
 * boundaries (a buffer filled exactly, one object past it).
 *
 * No timing is asserted. Closing line: "N passed, M failed".
 */
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "grt_gcwork.h"

#include "check.h"

/* One owner: LIFO within the pair, across buffer boundaries. */
static void t_single(void) {
    int f0 = hx_check_failures();
    grt_gcw w;
    memset(&w, 0, sizeof w);
    CHECK(grt_gcwork_empty(&w));
    CHECK(grt_gcwork_get(&w) == 0);
    enum { N = 3 * GRT_WBUF_OBJS + 7 };
    for (uintptr_t i = 1; i <= N; i++)
        grt_gcwork_put(&w, i * 8);
    CHECK(!grt_gcwork_empty(&w));
    static unsigned char seen[N + 1];
    memset(seen, 0, sizeof seen);
    size_t got = 0;
    for (uintptr_t v; (v = grt_gcwork_get(&w)) != 0; got++) {
        CHECK(v % 8 == 0 && v / 8 >= 1 && v / 8 <= N);
        if (v % 8 == 0 && v / 8 >= 1 && v / 8 <= N) {
            CHECK(seen[v / 8] == 0);
            seen[v / 8] = 1;
        }
    }
    CHECK(got == N);
    CHECK(grt_gcwork_empty(&w));
    CHECK(grt_wbuf_full_empty());
    /* Exactly one buffer's worth, then balance: half goes to the full
     * list, and comes back. */
    for (uintptr_t i = 1; i <= GRT_WBUF_OBJS; i++)
        grt_gcwork_put(&w, i * 8);
    CHECK(grt_gcwork_balance(&w));
    CHECK(!grt_wbuf_full_empty());
    got = 0;
    while (grt_gcwork_get(&w) != 0)
        got++;
    CHECK(got == GRT_WBUF_OBJS);
    CHECK(grt_wbuf_full_empty());
    /* Dispose hands everything over; release gives the buffers back. */
    for (uintptr_t i = 1; i <= 10; i++)
        grt_gcwork_put(&w, i * 8);
    grt_gcwork_release(&w);
    CHECK(w.b1 == NULL && w.b2 == NULL);
    CHECK(!grt_wbuf_full_empty());
    grt_gcw w2;
    memset(&w2, 0, sizeof w2);
    got = 0;
    while (grt_gcwork_get(&w2) != 0)
        got++;
    CHECK(got == 10);
    grt_gcwork_release(&w2);
    CHECK(grt_wbuf_full_empty());
    hx_check_case(hx_check_failures() == f0, "single_owner");
}

enum { THREADS = 4, PER = 1000000 };
static _Atomic uint8_t counts[THREADS * PER];
static _Atomic int producers_left;

static void take(uintptr_t v, bool *ok) {
    size_t id = v / 8 - 1;
    if (v % 8 != 0 || id >= (size_t)THREADS * PER) {
        *ok = false; /* checked by the main thread */
        return;
    }
    atomic_fetch_add(&counts[id], 1);
}

struct worker {
    int t;
    bool ok;
};

static void *worker_main(void *arg) {
    struct worker *wk = arg;
    grt_gcw w;
    memset(&w, 0, sizeof w);
    uint64_t r = 0x9e3779b97f4a7c15ull * (uint64_t)(wk->t + 1);
    size_t next = 0;
    for (;;) {
        r ^= r << 13, r ^= r >> 7, r ^= r << 17;
        unsigned op = (unsigned)(r % 8);
        if (op < 4 && next < PER) {
            /* Put a run of ids. */
            size_t n = 1 + (r >> 8) % 700;
            for (size_t k = 0; k < n && next < PER; k++, next++)
                grt_gcwork_put(&w, ((size_t)wk->t * PER + next + 1) * 8);
            if (next == PER)
                atomic_fetch_sub(&producers_left, 1);
        } else if (op < 7) {
            size_t n = 1 + (r >> 8) % 900;
            for (size_t k = 0; k < n; k++) {
                uintptr_t v = grt_gcwork_get(&w);
                if (v == 0)
                    break;
                take(v, &wk->ok);
            }
        } else if (grt_wbuf_full_empty()) {
            grt_gcwork_balance(&w);
        } else {
            grt_gcwork_dispose(&w);
        }
        if (next == PER && atomic_load(&producers_left) == 0) {
            uintptr_t v;
            while ((v = grt_gcwork_get(&w)) != 0)
                take(v, &wk->ok);
            if (grt_gcwork_empty(&w) && grt_wbuf_full_empty())
                break;
        }
    }
    grt_gcwork_release(&w);
    return NULL;
}

static void t_concurrent(void) {
    int f0 = hx_check_failures();
    atomic_store(&producers_left, THREADS);
    pthread_t th[THREADS];
    struct worker wk[THREADS];
    for (int t = 0; t < THREADS; t++) {
        wk[t] = (struct worker){t, true};
        CHECK(pthread_create(&th[t], NULL, worker_main, &wk[t]) == 0);
    }
    for (int t = 0; t < THREADS; t++) {
        pthread_join(th[t], NULL);
        CHECK(wk[t].ok);
    }
    size_t missing = 0, repeated = 0;
    for (size_t i = 0; i < (size_t)THREADS * PER; i++) {
        uint8_t c = atomic_load(&counts[i]);
        missing += c == 0;
        repeated += c > 1;
    }
    if (missing || repeated)
        fprintf(stderr, "  %zu ids missing, %zu repeated\n", missing, repeated);
    CHECK(missing == 0 && repeated == 0);
    CHECK(grt_wbuf_full_empty());
    hx_check_case(hx_check_failures() == f0, "concurrent_markers");
}

int main(void) {
    t_single();
    t_concurrent();
    return hx_check_done();
}
