/*
 * test_chan_stress.c - channels and select under load: many producers and
 * consumers on every buffer size, selects racing on shared channels, close
 * racing with blocked goroutines, timers in selects.
 *
 * What is checked is conservation: every value sent is received exactly
 * once (a per-value counter, plus the count and the sum), and every blocked
 * goroutine comes back. Sizes scale with CHAN_STRESS_SCALE (default 1; the
 * sanitizer build runs the same sizes). No timing is asserted.
 *
 * Closing line: "N passed, M failed".
 */
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "chan_internal.h" /* grt_select_fastpass */
#include "grt.h"

/* after grt.h: check.h then declares stats_now() */
#include "check.h"

static int scale = 1;

/* ---- many producers, many consumers, one channel -------------------------- */

typedef struct mpmc {
    grt_chan *c;
    int per_producer;
    _Atomic uint8_t *seen; /* seen[id]: times value id was received */
    _Atomic int64_t sum, count;
    grt_waitgroup producers, consumers;
} mpmc;

typedef struct prod_arg {
    mpmc *m;
    int id;
} prod_arg;

static void mpmc_producer(void *arg) {
    prod_arg *a = arg;
    mpmc *m = a->m;
    for (int i = 0; i < m->per_producer; i++) {
        int64_t v = (int64_t)a->id * m->per_producer + i;
        grt_chan_send(m->c, &v);
    }
    grt_waitgroup_done(&m->producers);
}

static void mpmc_consumer(void *arg) {
    mpmc *m = arg;
    int64_t v, sum = 0, count = 0;
    while (grt_chan_recv(m->c, &v)) {
        atomic_fetch_add(&m->seen[v], 1);
        sum += v;
        count++;
    }
    atomic_fetch_add(&m->sum, sum);
    atomic_fetch_add(&m->count, count);
    grt_waitgroup_done(&m->consumers);
}

static void check_seen(_Atomic uint8_t *seen, int64_t n, int64_t sum,
                       int64_t count) {
    int64_t bad = 0;
    for (int64_t i = 0; i < n; i++)
        bad += atomic_load(&seen[i]) != 1;
    CHECK(bad == 0);
    CHECK(count == n);
    CHECK(sum == n * (n - 1) / 2);
}

static void t_mpmc(void *arg) {
    (void)arg;
    const size_t caps[] = {0, 1, 2, 7, 64, 1024};
    enum { P = 8, C = 8 };
    for (size_t k = 0; k < sizeof caps / sizeof caps[0]; k++) {
        mpmc m = {.per_producer = 50000 * scale};
        int64_t n = (int64_t)P * m.per_producer;
        m.c = grt_chan_make(sizeof(int64_t), caps[k]);
        m.seen = calloc((size_t)n, 1);
        prod_arg pa[P];
        grt_waitgroup_add(&m.producers, P);
        grt_waitgroup_add(&m.consumers, C);
        for (int i = 0; i < C; i++)
            grt_go(mpmc_consumer, &m);
        for (int i = 0; i < P; i++) {
            pa[i] = (prod_arg){&m, i};
            grt_go(mpmc_producer, &pa[i]);
        }
        grt_waitgroup_wait(&m.producers);
        grt_chan_close(m.c); /* consumers drain, then see ok == false */
        grt_waitgroup_wait(&m.consumers);
        check_seen(m.seen, n, atomic_load(&m.sum), atomic_load(&m.count));
        printf("  cap %4zu: %lld values\n", caps[k], (long long)n);
        free(m.seen);
        grt_chan_free(m.c);
    }
}

/* ---- the same through selects over several channels ------------------------ */

enum { SK = 4 }; /* channels per select */

typedef struct selmp {
    grt_chan *c[SK];
    grt_chan *tick; /* a ticker in every consumer's select */
    int per_producer;
    _Atomic uint8_t *seen;
    _Atomic int64_t sum, count, ticks;
    grt_waitgroup producers, consumers;
} selmp;

typedef struct selprod_arg {
    selmp *m;
    int id;
} selprod_arg;

static void sel_producer(void *arg) {
    selprod_arg *a = arg;
    selmp *m = a->m;
    for (int i = 0; i < m->per_producer; i++) {
        int64_t v = (int64_t)a->id * m->per_producer + i;
        grt_select_case k[SK];
        for (int j = 0; j < SK; j++)
            k[j] = grt_select_send(m->c[j], &v);
        int x = grt_select(k, SK, false);
        CHECK(x >= 0 && x < SK);
    }
    grt_waitgroup_done(&m->producers);
}

static void sel_consumer(void *arg) {
    selmp *m = arg;
    grt_chan *c[SK];
    memcpy(c, m->c, sizeof c);
    int open = SK;
    int64_t v, sum = 0, count = 0, ticks = 0;
    uint64_t when;
    while (open > 0) {
        grt_select_case k[SK + 1];
        for (int j = 0; j < SK; j++)
            k[j] = grt_select_recv(c[j], &v); /* nil once closed */
        k[SK] = grt_select_recv(m->tick, &when);
        int x = grt_select(k, SK + 1, false);
        if (x == SK) {
            ticks++;
            continue;
        }
        if (!k[x].ok) {
            c[x] = NULL; /* Go's idiom: a closed case becomes nil */
            open--;
            continue;
        }
        atomic_fetch_add(&m->seen[v], 1);
        sum += v;
        count++;
    }
    atomic_fetch_add(&m->sum, sum);
    atomic_fetch_add(&m->count, count);
    atomic_fetch_add(&m->ticks, ticks);
    grt_waitgroup_done(&m->consumers);
}

static void t_select_mpmc(void *arg) {
    (void)arg;
    const size_t caps[] = {0, 1, 16};
    enum { P = 6, C = 6 };
    for (size_t k = 0; k < sizeof caps / sizeof caps[0]; k++) {
        selmp m = {.per_producer = 30000 * scale};
        int64_t n = (int64_t)P * m.per_producer;
        for (int j = 0; j < SK; j++)
            m.c[j] = grt_chan_make(sizeof(int64_t), caps[k]);
        m.tick = grt_ticker(200000); /* 0.2 ms */
        m.seen = calloc((size_t)n, 1);
        selprod_arg pa[P];
        grt_waitgroup_add(&m.producers, P);
        grt_waitgroup_add(&m.consumers, C);
        for (int i = 0; i < C; i++)
            grt_go(sel_consumer, &m);
        for (int i = 0; i < P; i++) {
            pa[i] = (selprod_arg){&m, i};
            grt_go(sel_producer, &pa[i]);
        }
        grt_waitgroup_wait(&m.producers);
        for (int j = 0; j < SK; j++)
            grt_chan_close(m.c[j]);
        grt_waitgroup_wait(&m.consumers);
        check_seen(m.seen, n, atomic_load(&m.sum), atomic_load(&m.count));
        printf("  select cap %2zu: %lld values, %lld ticks\n", caps[k],
               (long long)n, (long long)atomic_load(&m.ticks));
        free(m.seen);
        grt_chan_free(m.tick);
        for (int j = 0; j < SK; j++)
            grt_chan_free(m.c[j]);
    }
}

/* The same with every select going through the locked pass 1. */
static void t_select_mpmc_locked(void *arg) {
    grt_select_fastpass = false;
    t_select_mpmc(arg);
    grt_select_fastpass = true;
}

/* ---- select on both ends: relays ------------------------------------------ */

/* Relays move values from `in` to `out` with a select that receives and
 * sends in the same call (the pending value, if any, as a send case). */
typedef struct relay {
    grt_chan *in, *out;
    grt_waitgroup *wg;
} relay;

static void relay_run(void *arg) {
    relay *r = arg;
    int64_t held = 0, v = 0;
    bool have = false;
    grt_chan *in = r->in;
    for (;;) {
        grt_select_case k[2] = {grt_select_recv(have ? NULL : in, &v),
                                grt_select_send(have ? r->out : NULL, &held)};
        int x = grt_select(k, 2, false);
        if (x == 0) {
            if (!k[0].ok)
                break;
            held = v;
            have = true;
        } else {
            have = false;
        }
    }
    grt_waitgroup_done(r->wg);
}

static void relay_feed(void *arg) {
    relay *r = arg;
    for (int64_t i = 0; i < (int64_t)200000 * scale; i++)
        grt_chan_send(r->in, &i);
    grt_chan_close(r->in);
}

static void t_select_relay(void *arg) {
    (void)arg;
    enum { R = 4 };
    int64_t n = (int64_t)200000 * scale;
    grt_chan *in = grt_chan_make(sizeof(int64_t), 0);
    grt_chan *out = grt_chan_make(sizeof(int64_t), 3);
    grt_waitgroup wg = GRT_WAITGROUP_INIT;
    relay r = {in, out, &wg};
    grt_waitgroup_add(&wg, R);
    for (int i = 0; i < R; i++)
        grt_go(relay_run, &r);
    grt_go(relay_feed, &r);
    _Atomic uint8_t *seen = calloc((size_t)n, 1);
    int64_t sum = 0;
    for (int64_t i = 0; i < n; i++) {
        int64_t v;
        CHECK(grt_chan_recv(out, &v));
        if (v >= 0 && v < n)
            atomic_fetch_add(&seen[v], 1);
        sum += v;
    }
    grt_waitgroup_wait(&wg);
    check_seen(seen, n, sum, n);
    free(seen);
    grt_chan_free(in);
    grt_chan_free(out);
}

/* ---- close racing with blocked goroutines --------------------------------- */

typedef struct closer {
    grt_chan *c;
    _Atomic int woke;
    grt_waitgroup wg;
} closer;

static void blocked_receiver(void *arg) {
    closer *cl = arg;
    int64_t v = 1;
    bool ok = grt_chan_recv(cl->c, &v);
    CHECK(!ok && v == 0);
    atomic_fetch_add(&cl->woke, 1);
    grt_waitgroup_done(&cl->wg);
}

static void blocked_selector(void *arg) {
    closer *cl = arg;
    int64_t v = 1;
    grt_select_case k[2] = {grt_select_recv(cl->c, &v),
                            grt_select_recv(NULL, &v)};
    int x = grt_select(k, 2, false);
    CHECK(x == 0 && !k[0].ok && v == 0);
    atomic_fetch_add(&cl->woke, 1);
    grt_waitgroup_done(&cl->wg);
}

static void t_close_races(void *arg) {
    (void)arg;
    enum { W = 16 };
    for (int round = 0; round < 3000 * scale; round++) {
        closer cl = {.c = grt_chan_make(sizeof(int64_t), round % 3)};
        grt_waitgroup_add(&cl.wg, W);
        for (int i = 0; i < W; i++)
            grt_go(i % 2 ? blocked_selector : blocked_receiver, &cl);
        if (round % 2)
            grt_gosched(); /* sometimes close before all have blocked */
        grt_chan_close(cl.c);
        grt_waitgroup_wait(&cl.wg);
        CHECK(atomic_load(&cl.woke) == W);
        grt_chan_free(cl.c);
    }
}

/* ---- timers in selects ------------------------------------------------------ */

typedef struct tsel {
    grt_chan *never;
    _Atomic int timeouts;
    grt_waitgroup wg;
} tsel;

static void timeout_waiter(void *arg) {
    tsel *t = arg;
    for (int i = 0; i < 20; i++) {
        grt_chan *tm = grt_after((uint64_t)(i % 5 + 1) * 50000);
        int64_t v;
        uint64_t when;
        grt_select_case k[2] = {grt_select_recv(t->never, &v),
                                grt_select_recv(tm, &when)};
        if (grt_select(k, 2, false) == 1)
            atomic_fetch_add(&t->timeouts, 1);
        grt_chan_free(tm);
    }
    grt_waitgroup_done(&t->wg);
}

static void t_timer_selects(void *arg) {
    (void)arg;
    enum { G = 50 };
    tsel t = {.never = grt_chan_make(sizeof(int64_t), 0)};
    grt_waitgroup_add(&t.wg, G);
    for (int i = 0; i < G; i++)
        grt_go(timeout_waiter, &t);
    grt_waitgroup_wait(&t.wg);
    CHECK(atomic_load(&t.timeouts) == G * 20);
    grt_chan_free(t.never);
}

/* ---- driver ------------------------------------------------------------------- */

typedef struct test_case {
    const char *name;
    void (*fn)(void *);
} test_case;

static const test_case tests[] = {
    {"mpmc", t_mpmc},
    {"select_mpmc", t_select_mpmc},
    {"select_mpmc_locked", t_select_mpmc_locked},
    {"select_relay", t_select_relay},
    {"close_races", t_close_races},
    {"timer_selects", t_timer_selects},
};

int main(int argc, char **argv) {
    const char *s = getenv("CHAN_STRESS_SCALE");
    if (s != NULL && strtol(s, NULL, 10) > 0)
        scale = (int)strtol(s, NULL, 10);
    const char *only = argc > 1 ? argv[1] : NULL;
    setvbuf(stdout, NULL, _IOLBF, 0);
    for (size_t i = 0; i < sizeof tests / sizeof *tests; i++) {
        if (only && !strstr(tests[i].name, only))
            continue;
        int f0 = hx_check_failures();
        int rc = grt_run(tests[i].fn, NULL);
        hx_check_case(rc == 0 && hx_check_failures() == f0, "%s",
                      tests[i].name);
    }
    return hx_check_done();
}
