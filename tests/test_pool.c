/*
 * test_pool.c - grt_pool (Go's sync.Pool), one test each (ctest label:
 * runtime; also built against the ASan+UBSan runtime).
 *
 * What is checked, by counts the design guarantees (never by timing):
 *   - Get/Put semantics: an empty pool without new_fn gives NULL; Put(NULL)
 *     is ignored; the private slot is served first, then the P's own chain
 *     newest first; new_fn is called only when the pool is empty; the
 *     counters say where each Get was served.
 *   - chain growth: thousands of objects in and out, each exactly once.
 *   - stealing: objects put on one P are had by a goroutine on another P
 *     from the first P's chain (pool_get_stolen), the private slot never.
 *   - concurrency: goroutines on every P trade tokens through one pool
 *     while collections rotate the generations; no token is ever handed
 *     to two holders at once (an ownership flag per token).
 *   - the victim cache: an object put before a collection is still had,
 *     intact, after it (pool_get_victim); after two collections it is
 *     gone (pool_get_new), and its memory is reclaimed by the heap.
 *
 * Every test is the main goroutine of its own grt_run(). Closing line:
 * "N passed, M failed".
 */
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "grt.h"

/* after grt.h: check.h then declares stats_now() */
#include "check.h"

#define DELTA(a, b, f) ((b).f - (a).f)

/* Park once, so that the test runs on a P below GOMAXPROCS: after a test
 * with more Ps, a surplus P may still run a new goroutine until its thread
 * next visits the scheduler, and a P's private slot is its own. */
static void settle(void) {
    grt_sleep(1000000);
}

/* 64-byte objects with one pointer word (the first) and a pattern. */
struct obj {
    struct obj *link;
    uint64_t word[7];
};
static const uint64_t obj_mask[] = {0x1};
static const grt_type obj_type = GRT_TYPE(struct obj, obj_mask);

static struct obj *obj_make(uint64_t seed) {
    struct obj *o = grt_new(&obj_type);
    for (int i = 0; i < 7; i++)
        o->word[i] = seed * 0x9e3779b97f4a7c15ull + (uint64_t)i;
    return o;
}
static int obj_intact(const struct obj *o, uint64_t seed) {
    for (int i = 0; i < 7; i++)
        if (o->word[i] != seed * 0x9e3779b97f4a7c15ull + (uint64_t)i)
            return 0;
    return 1;
}

static _Atomic int news;
static void *make_new(void) {
    atomic_fetch_add(&news, 1);
    return obj_make(0xfeed);
}

/* ---- Get and Put on one P -------------------------------------------------- */

static void t_get_put(void *arg) {
    (void)arg;
    settle();
    static grt_pool p = GRT_POOL_INIT(NULL);
    int a, b, c;
    grt_stats s0 = stats_now();
    CHECK(grt_pool_get(&p) == NULL);
    grt_pool_put(&p, NULL);
    grt_stats s1 = stats_now();
    CHECK(DELTA(s0, s1, pool_get_new) == 1);
    CHECK(DELTA(s0, s1, pool_puts) == 0);

    grt_pool_put(&p, &a); /* private */
    grt_pool_put(&p, &b); /* chain */
    grt_pool_put(&p, &c); /* chain, newest */
    CHECK(grt_pool_get(&p) == &a);
    CHECK(grt_pool_get(&p) == &c);
    CHECK(grt_pool_get(&p) == &b);
    CHECK(grt_pool_get(&p) == NULL);
    grt_stats s2 = stats_now();
    CHECK(DELTA(s1, s2, pool_puts) == 3);
    CHECK(DELTA(s1, s2, pool_get_private) == 1);
    CHECK(DELTA(s1, s2, pool_get_shared) == 2);
    CHECK(DELTA(s1, s2, pool_get_new) == 1);
    CHECK(DELTA(s1, s2, pool_get_stolen) == 0);
    CHECK(DELTA(s1, s2, pool_get_victim) == 0);

    static grt_pool q = GRT_POOL_INIT(make_new);
    atomic_store(&news, 0);
    struct obj *o = grt_pool_get(&q);
    CHECK(o != NULL && obj_intact(o, 0xfeed));
    CHECK(atomic_load(&news) == 1);
    grt_pool_put(&q, o);
    CHECK(grt_pool_get(&q) == o);
    CHECK(atomic_load(&news) == 1);
}

/* Thousands of objects: the chain grows from 8 slots by doubling; each
 * object comes back exactly once. */
#define MANY 20000
static void t_many(void *arg) {
    (void)arg;
    settle();
    static grt_pool p = GRT_POOL_INIT(NULL);
    static unsigned char seen[MANY];
    static char base[MANY];
    memset(seen, 0, sizeof seen);
    grt_stats s0 = stats_now();
    for (int i = 0; i < MANY; i++)
        grt_pool_put(&p, &base[i]);
    int got = 0;
    for (void *x; (x = grt_pool_get(&p)) != NULL; got++) {
        ptrdiff_t i = (char *)x - base;
        CHECK(i >= 0 && i < MANY);
        if (i >= 0 && i < MANY) {
            CHECK(!seen[i]);
            seen[i] = 1;
        }
    }
    grt_stats s1 = stats_now();
    CHECK(got == MANY);
    CHECK(DELTA(s0, s1, pool_puts) == MANY);
    CHECK(DELTA(s0, s1, pool_get_private) == 1);
    CHECK(DELTA(s0, s1, pool_get_shared) == MANY - 1);
    /* The chain empties from the head: a later Put still works. */
    grt_pool_put(&p, &base[7]);
    CHECK(grt_pool_get(&p) == &base[7]);
}

/* ---- stealing ------------------------------------------------------------------ */

#define STEAL_N 1000
typedef struct steal_ctx {
    grt_pool *p;
    char *base;
    _Atomic int done;
    int got, distinct;
    unsigned char seen[STEAL_N];
} steal_ctx;

static void thief(void *arg) {
    steal_ctx *c = arg;
    for (void *x; (x = grt_pool_get(c->p)) != NULL; c->got++) {
        ptrdiff_t i = (char *)x - c->base;
        if (i >= 0 && i < STEAL_N && !c->seen[i]) {
            c->seen[i] = 1;
            c->distinct++;
        }
    }
    atomic_store(&c->done, 1);
}

static uint64_t now_ns(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* Two Ps: we fill the pool, then keep our P busy (no safepoint, no
 * runtime call) so the thief can only run on the other P. It gets the
 * chain's objects by stealing; our private slot stays ours. */
static void t_steal(void *arg) {
    (void)arg;
    settle();
    static grt_pool p = GRT_POOL_INIT(NULL);
    static char base[STEAL_N];
    static steal_ctx c;
    memset(&c, 0, sizeof c);
    c.p = &p;
    c.base = base;
    for (int i = 0; i < STEAL_N; i++)
        grt_pool_put(&p, &base[i]);
    grt_stats s0 = stats_now();
    grt_go(thief, &c);
    uint64_t t0 = now_ns();
    while (!atomic_load(&c.done) && now_ns() - t0 < 20000000000ull)
        __asm__ volatile("" ::: "memory");
    CHECK(atomic_load(&c.done));
    if (!atomic_load(&c.done)) {
        fprintf(stderr, "  thief never ran on the other P\n");
        return;
    }
    grt_stats s1 = stats_now();
    CHECK(c.got == STEAL_N - 1);
    CHECK(c.distinct == STEAL_N - 1);
    CHECK(DELTA(s0, s1, pool_get_stolen) == STEAL_N - 1);
    CHECK(DELTA(s0, s1, pool_get_new) == 1);
    CHECK(DELTA(s0, s1, pool_get_private) == 0);
    CHECK(grt_pool_get(&p) == &base[0]); /* our private slot */
    CHECK(grt_pool_get(&p) == NULL);
}

/* ---- concurrency with collections ----------------------------------------------- */

#define TOKENS  512
#define TRADERS 8
#define TRADES  20000
typedef struct token {
    _Atomic int held;
    int id;
} token;
typedef struct trade_ctx {
    grt_pool *p;
    token *tok;
    _Atomic int dup, bad;
    _Atomic uint64_t gets_hit;
    grt_waitgroup wg;  /* traders */
    grt_waitgroup cwg; /* the collector */
    _Atomic int stop;
} trade_ctx;

static void trader(void *arg) {
    trade_ctx *c = arg;
    token *mine[16];
    int n = 0;
    uint64_t r = (uint64_t)(uintptr_t)&n | 1;
    for (int i = 0; i < TRADES; i++) {
        r ^= r << 13, r ^= r >> 7, r ^= r << 17;
        if (n > 0 && (n == 16 || (r & 1))) {
            token *t = mine[--n];
            atomic_store(&t->held, 0);
            grt_pool_put(c->p, t);
        } else {
            token *t = grt_pool_get(c->p);
            if (t == NULL)
                continue;
            if (t < c->tok || t >= c->tok + TOKENS) {
                atomic_fetch_add(&c->bad, 1);
                continue;
            }
            if (atomic_exchange(&t->held, 1) != 0)
                atomic_fetch_add(&c->dup, 1);
            atomic_fetch_add(&c->gets_hit, 1);
            mine[n++] = t;
        }
        if ((i & 63) == 0)
            grt_gosched();
    }
    while (n > 0) {
        token *t = mine[--n];
        atomic_store(&t->held, 0);
        grt_pool_put(c->p, t);
    }
    grt_waitgroup_done(&c->wg);
}

static void collector(void *arg) {
    trade_ctx *c = arg;
    while (!atomic_load(&c->stop)) {
        grt_gc();
        grt_sleep(200000);
    }
    grt_waitgroup_done(&c->cwg);
}

static void t_concurrent(void *arg) {
    (void)arg;
    static grt_pool p = GRT_POOL_INIT(NULL);
    static token tok[TOKENS];
    static trade_ctx c;
    memset(&c, 0, sizeof c);
    memset(tok, 0, sizeof tok);
    c.p = &p;
    c.tok = tok;
    for (int i = 0; i < TOKENS; i++) {
        tok[i].id = i;
        grt_pool_put(&p, &tok[i]);
    }
    grt_waitgroup_add(&c.wg, TRADERS);
    for (int i = 0; i < TRADERS; i++)
        grt_go(trader, &c);
    grt_waitgroup_wait(&c.wg);
    /* And again, on a fresh pool (the first still holds the tokens), with
     * collections rotating the generations meanwhile (tokens dropped by a
     * rotation are simply gone from the pool). */
    static grt_pool p2 = GRT_POOL_INIT(NULL);
    c.p = &p2;
    for (int i = 0; i < TOKENS; i++)
        grt_pool_put(&p2, &tok[i]);
    grt_waitgroup_add(&c.cwg, 1);
    grt_go(collector, &c);
    grt_waitgroup_add(&c.wg, TRADERS);
    for (int i = 0; i < TRADERS; i++)
        grt_go(trader, &c);
    grt_waitgroup_wait(&c.wg);
    atomic_store(&c.stop, 1);
    grt_waitgroup_wait(&c.cwg);
    CHECK(atomic_load(&c.dup) == 0);
    CHECK(atomic_load(&c.bad) == 0);
    CHECK(atomic_load(&c.gets_hit) > 0);
    for (int i = 0; i < TOKENS; i++)
        CHECK(atomic_load(&tok[i].held) == 0);
    /* Whatever is left comes out once each. */
    int left = 0;
    for (token *t; (t = grt_pool_get(&p2)) != NULL; left++)
        CHECK(atomic_exchange(&t->held, 1) == 0);
    CHECK(left <= TOKENS);
    /* This test runs twice (2 and 4 Ps): start from empty pools. */
    grt_pool_destroy(&p);
    grt_pool_destroy(&p2);
    CHECK(grt_pool_get(&p) == NULL);
    grt_pool_destroy(&p);
}

/* ---- the victim cache ------------------------------------------------------------- */

/* One P, so that the victim's private slot is ours after the collection. */
static void t_victim(void *arg) {
    (void)arg;
    settle();
    static grt_pool p = GRT_POOL_INIT(make_new);
    atomic_store(&news, 0);
    struct obj *x = obj_make(1), *y = obj_make(2);
    int gogc = grt_set_gc_percent(-1); /* only our collections rotate */
    grt_pool_put(&p, x);               /* private */
    grt_pool_put(&p, y);               /* chain */
    grt_set_gc_percent(gogc);
    x = y = NULL;
    grt_gc();
    /* Churn the heap: had the pool's objects been freed, their memory would
     * be handed out (zeroed) again. With collections off: one more would
     * rotate the pool again. */
    gogc = grt_set_gc_percent(-1);
    for (int i = 0; i < 100000; i++)
        grt_keepalive(grt_new(&obj_type));
    grt_set_gc_percent(gogc);
    grt_stats s0 = stats_now();
    struct obj *a = grt_pool_get(&p);
    struct obj *b = grt_pool_get(&p);
    grt_stats s1 = stats_now();
    CHECK(a != NULL && obj_intact(a, 1));
    CHECK(b != NULL && obj_intact(b, 2));
    CHECK(DELTA(s0, s1, pool_get_victim) == 2);
    CHECK(atomic_load(&news) == 0);
    struct obj *c = grt_pool_get(&p);
    CHECK(atomic_load(&news) == 1 && c != NULL && obj_intact(c, 0xfeed));

    /* Two collections: gone. */
    gogc = grt_set_gc_percent(-1);
    grt_pool_put(&p, a);
    grt_pool_put(&p, b);
    grt_set_gc_percent(gogc);
    a = b = c = NULL;
    grt_gc();
    grt_gc();
    grt_stats s2 = stats_now();
    struct obj *d = grt_pool_get(&p);
    grt_stats s3 = stats_now();
    CHECK(DELTA(s2, s3, pool_get_new) == 1);
    CHECK(DELTA(s2, s3, pool_get_victim) == 0);
    CHECK(d != NULL && obj_intact(d, 0xfeed));
}

/* The memory itself: 8 MiB of large objects held only by pools is still
 * marked after one collection and freed by the second. Spread over 8
 * pools of 8 objects: the stacks are scanned conservatively, and a stale
 * copy of a ring's address would pin all of its objects; with small rings
 * one such copy pins at most 7 of the 64 (the check allows a fifth). */
#define BIG_POOLS 8
#define BIG_N     64
#define BIG_BYTES (128u << 10)
static grt_pool big_pool[BIG_POOLS];

/* In a goroutine of its own: no stale copy of a pointer to the pools'
 * storage stays in the test goroutine's stack. */
static void fill_big(void *arg) {
    for (int i = 0; i < BIG_N; i++)
        grt_pool_put(&big_pool[i % BIG_POOLS], grt_new_bytes(BIG_BYTES));
    grt_waitgroup_done(arg);
}

static void t_victim_memory(void *arg) {
    (void)arg;
    int f0 = hx_check_failures();
    settle();
    grt_gc();
    grt_stats s0 = stats_now();
    int gogc = grt_set_gc_percent(-1); /* only our collections rotate */
    grt_waitgroup wg = GRT_WAITGROUP_INIT;
    grt_waitgroup_add(&wg, 1);
    grt_go(fill_big, &wg);
    grt_waitgroup_wait(&wg);
    grt_set_gc_percent(gogc);
    grt_gc();
    grt_stats s1 = stats_now();
    grt_gc();
    grt_stats s2 = stats_now();
    uint64_t held = (uint64_t)BIG_N * BIG_BYTES;
    CHECK(s1.gc_last_heap_live >= s0.gc_last_heap_live + held * 9 / 10);
    CHECK(s2.gc_last_heap_live + held * 8 / 10 <= s1.gc_last_heap_live);
    for (int i = 0; i < BIG_POOLS; i++)
        CHECK(grt_pool_get(&big_pool[i]) == NULL);
    if (hx_check_failures() != f0)
        fprintf(stderr, "  live: before %llu, after one gc %llu, two %llu\n",
                (unsigned long long)s0.gc_last_heap_live,
                (unsigned long long)s1.gc_last_heap_live,
                (unsigned long long)s2.gc_last_heap_live);
}

/* ---- driver --------------------------------------------------------------------- */

static const struct test {
    const char *name;
    void (*fn)(void *);
    int procs; /* GOMAXPROCS for this test; 0: default */
} tests[] = {
    {"get_put", t_get_put, 1},
    {"many", t_many, 1},
    {"steal", t_steal, 2},
    {"concurrent", t_concurrent, 0},
    {"concurrent_4p", t_concurrent, 4},
    {"victim", t_victim, 1},
    {"victim_memory", t_victim_memory, 1},
};

int main(void) {
    int defprocs = grt_gomaxprocs();
    if (defprocs < 2)
        defprocs = 2;
    for (size_t i = 0; i < sizeof tests / sizeof *tests; i++) {
        int f0 = hx_check_failures();
        grt_setmaxprocs(tests[i].procs ? tests[i].procs : defprocs);
        grt_run(tests[i].fn, NULL);
        hx_check_case(hx_check_failures() == f0, "%s", tests[i].name);
    }
    return hx_check_done();
}
