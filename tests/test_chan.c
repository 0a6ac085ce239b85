/*
 * test_chan.c - channels and select: Go's semantics, one test each.
 *
 * Every test runs as the main goroutine of one grt_run(); CHECK records a
 * failure (from any goroutine) and the test goes on. Fatal cases (panics,
 * deadlocks) run in a child: this executable re-executes itself with
 * "--fatal NAME", and the parent asserts the exit status (2) and the
 * message on stderr. Some tests peek at a channel's wait queues
 * (chan_internal.h) only to wait until a goroutine is really blocked before
 * the next step, so that the path under test is the one taken. No test
 * asserts a timing.
 *
 * Closing line: "N passed, M failed".
 */
#include <errno.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "chan_internal.h"
#include "grt.h"

/* after grt.h: check.h then declares stats_now() */
#include "check.h"

/* ---- helpers ------------------------------------------------------------ */

static size_t waitq_len(grt_chan *c, bool senders) {
    size_t n = 0;
    grt_chan_lock(c);
    for (grt_sudog *s = senders ? c->sendq.first : c->recvq.first; s;
         s = s->next)
        n++;
    grt_chan_unlock(c);
    return n;
}

/* Yield until n goroutines are queued on c's send (or receive) queue. */
static void wait_queued(grt_chan *c, bool senders, size_t n) {
    while (waitq_len(c, senders) < n)
        grt_gosched();
}

typedef struct job {
    grt_chan *c;
    grt_chan *c2;
    grt_waitgroup *wg;
    int64_t a, b;
    int64_t out;
    bool ok;
    _Atomic int done; /* set last: the goroutine no longer touches the job */
} job;

static void sender_range(void *arg) /* sends a .. b-1 on c */
{
    job *j = arg;
    grt_chan *c = j->c;
    int64_t b = j->b;
    for (int64_t v = j->a; v < b; v++)
        grt_chan_send(c, &v);
    if (j->wg)
        grt_waitgroup_done(j->wg);
    else
        atomic_store(&j->done, 1);
}

static void wait_done(job *j) {
    while (!atomic_load(&j->done))
        grt_gosched();
}

static void recv_one(void *arg) /* receives one value into out/ok */
{
    job *j = arg;
    grt_waitgroup *wg = j->wg;
    j->ok = grt_chan_recv(j->c, &j->out);
    if (wg)
        grt_waitgroup_done(wg);
    else
        atomic_store(&j->done, 1);
}

/* ---- tests -------------------------------------------------------------- */

static void t_unbuffered(void *arg) {
    (void)arg;
    grt_chan *c = grt_chan_make(sizeof(int64_t), 0);
    CHECK(grt_chan_cap(c) == 0 && grt_chan_len(c) == 0);
    job j = {.c = c, .a = 0, .b = 1000};
    grt_go(sender_range, &j);
    for (int64_t i = 0; i < 1000; i++) {
        int64_t v = -1;
        CHECK(grt_chan_recv(c, &v));
        CHECK(v == i);
    }
    /* Receiver first: a send finds it waiting and copies straight into
     * its destination. */
    job r = {.c = c};
    grt_go(recv_one, &r);
    wait_queued(c, false, 1);
    grt_stats s0 = stats_now();
    int64_t v = 42;
    grt_chan_send(c, &v);
    grt_stats s1 = stats_now();
    CHECK(s1.chan_direct > s0.chan_direct);
    wait_done(&r);
    CHECK(r.out == 42);
    wait_done(&j);
    grt_chan_free(c);
}

static void t_buffered_fifo(void *arg) {
    (void)arg;
    grt_chan *c = grt_chan_make(sizeof(int), 5);
    CHECK(grt_chan_cap(c) == 5);
    for (int i = 0; i < 5; i++) {
        grt_chan_send(c, &i);
        CHECK(grt_chan_len(c) == (size_t)i + 1);
    }
    int x = 99;
    CHECK(!grt_chan_trysend(c, &x));          /* full */
    for (int round = 0; round < 3; round++) { /* wrap the ring */
        int v;
        CHECK(grt_chan_recv(c, &v) && v == round);
        int w = 5 + round;
        CHECK(grt_chan_trysend(c, &w));
    }
    for (int i = 3; i < 8; i++) {
        int v = -1;
        CHECK(grt_chan_recv(c, &v));
        CHECK(v == i);
    }
    CHECK(grt_chan_len(c) == 0);
    bool ok = true;
    CHECK(!grt_chan_tryrecv(c, &x, &ok)); /* empty, open */
    grt_chan_free(c);
}

/* A receive from a full buffer with a sender waiting takes the head and
 * moves the sender's value to the tail. */
static void t_full_buffer_sender_waiting(void *arg) {
    (void)arg;
    grt_chan *c = grt_chan_make(sizeof(int64_t), 3);
    for (int64_t i = 0; i < 3; i++)
        grt_chan_send(c, &i);
    job s = {.c = c, .a = 3, .b = 6};
    grt_go(sender_range, &s);
    wait_queued(c, true, 1);
    grt_stats s0 = stats_now();
    int64_t v = -1;
    CHECK(grt_chan_recv(c, &v) && v == 0);
    grt_stats s1 = stats_now();
    CHECK(s1.chan_direct > s0.chan_direct);
    CHECK(grt_chan_len(c) == 3); /* the sender's value moved in */
    for (int64_t i = 1; i < 6; i++) {
        CHECK(grt_chan_recv(c, &v));
        CHECK(v == i);
    }
    wait_done(&s);
    grt_chan_free(c);
}

typedef struct fifo_job {
    grt_chan *c;
    int id, n;
    grt_waitgroup *wg;
} fifo_job;

static void fifo_sender(void *arg) {
    fifo_job *j = arg;
    for (int i = 0; i < j->n; i++) {
        int64_t v = ((int64_t)j->id << 32) | i;
        grt_chan_send(j->c, &v);
        if (i % 7 == 0)
            grt_gosched();
    }
    grt_waitgroup_done(j->wg);
}

/* Values from one sender arrive in order, whatever the interleaving. */
static void t_fifo_per_sender(void *arg) {
    (void)arg;
    const size_t caps[] = {0, 1, 3, 64};
    enum { S = 6, N = 2000 };
    for (size_t k = 0; k < sizeof caps / sizeof caps[0]; k++) {
        grt_chan *c = grt_chan_make(sizeof(int64_t), caps[k]);
        grt_waitgroup wg = GRT_WAITGROUP_INIT;
        fifo_job jobs[S];
        grt_waitgroup_add(&wg, S);
        for (int i = 0; i < S; i++) {
            jobs[i] = (fifo_job){c, i, N, &wg};
            grt_go(fifo_sender, &jobs[i]);
        }
        int next[S] = {0};
        for (int i = 0; i < S * N; i++) {
            int64_t v;
            CHECK(grt_chan_recv(c, &v));
            int id = (int)(v >> 32), seq = (int)(v & 0xffffffff);
            CHECK(id >= 0 && id < S);
            if (id >= 0 && id < S) {
                CHECK(seq == next[id]);
                next[id] = seq + 1;
            }
        }
        grt_waitgroup_wait(&wg);
        for (int i = 0; i < S; i++)
            CHECK(next[i] == N);
        grt_chan_free(c);
    }
}

static void t_closed_drain(void *arg) {
    (void)arg;
    grt_chan *c = grt_chan_make(sizeof(int), 4);
    for (int i = 1; i <= 3; i++)
        grt_chan_send(c, &i);
    grt_chan_close(c);
    CHECK(grt_chan_len(c) == 3);
    for (int i = 1; i <= 3; i++) {
        int v = 0;
        CHECK(grt_chan_recv(c, &v));
        CHECK(v == i);
    }
    int v = 77;
    CHECK(!grt_chan_recv(c, &v));
    CHECK(v == 0); /* the zero value */
    v = 77;
    bool ok = true;
    CHECK(grt_chan_tryrecv(c, &v, &ok)); /* closed: completes at once */
    CHECK(!ok && v == 0);
    CHECK(!grt_chan_recv(c, NULL));
    grt_chan_free(c);

    /* Unbuffered: closed means ok == false at once. */
    c = grt_chan_make(sizeof(int), 0);
    grt_chan_close(c);
    v = 5;
    CHECK(!grt_chan_recv(c, &v) && v == 0);
    grt_chan_free(c);
}

/* Close wakes every blocked receiver with the zero value and ok == false. */
static void t_close_wakes_receivers(void *arg) {
    (void)arg;
    enum { R = 20 };
    const size_t caps[] = {0, 4};
    for (size_t k = 0; k < 2; k++) {
        grt_chan *c = grt_chan_make(sizeof(int64_t), caps[k]);
        grt_waitgroup wg = GRT_WAITGROUP_INIT;
        job js[R];
        grt_waitgroup_add(&wg, R);
        for (int i = 0; i < R; i++) {
            js[i] = (job){.c = c, .wg = &wg, .out = 123, .ok = true};
            grt_go(recv_one, &js[i]);
        }
        wait_queued(c, false, R);
        grt_chan_close(c);
        grt_waitgroup_wait(&wg);
        for (int i = 0; i < R; i++)
            CHECK(!js[i].ok && js[i].out == 0);
        grt_chan_free(c);
    }
}

typedef struct sendrecv_sel {
    grt_chan *c;
    int idx;
    bool ok;
    int64_t got;
    _Atomic int done;
} sendrecv_sel;

static void select_send_and_recv(void *arg) {
    sendrecv_sel *j = arg;
    int64_t out = 5, in = 7;
    grt_select_case k[2] = {grt_select_send(j->c, &out),
                            grt_select_recv(j->c, &in)};
    j->idx = grt_select(k, 2, false);
    j->ok = k[1].ok;
    j->got = in;
    atomic_store(&j->done, 1);
}

/* Close while a select waits both to send and to receive on the same
 * channel (the one way a channel holds waiters on both queues): the
 * receive case wins (close serves receivers first, as Go's closechan
 * does), so the select reports ok == false instead of panicking, and its
 * send sudog is gone too. */
static void t_close_wakes_mixed(void *arg) {
    (void)arg;
    grt_chan *c = grt_chan_make(sizeof(int64_t), 0);
    sendrecv_sel sel = {.c = c, .idx = -1, .ok = true};
    grt_go(select_send_and_recv, &sel);
    wait_queued(c, false, 1);
    wait_queued(c, true, 1);
    grt_chan_close(c);
    while (!atomic_load(&sel.done))
        grt_gosched();
    CHECK(sel.idx == 1 && !sel.ok && sel.got == 0);
    CHECK(waitq_len(c, false) == 0 && waitq_len(c, true) == 0);
    grt_chan_free(c);
}

static void t_nil_channel(void *arg) {
    (void)arg;
    int v = 1;
    bool ok = true;
    CHECK(!grt_chan_trysend(NULL, &v));
    CHECK(!grt_chan_tryrecv(NULL, &v, &ok));
    CHECK(grt_chan_len(NULL) == 0 && grt_chan_cap(NULL) == 0);
    grt_select_case k[2] = {grt_select_recv(NULL, &v),
                            grt_select_send(NULL, &v)};
    CHECK(grt_select(k, 2, true) == -1);
    /* A nil case next to a ready one is never chosen. */
    grt_chan *c = grt_chan_make(sizeof(int), 1);
    grt_chan_send(c, &v);
    grt_select_case k2[2] = {grt_select_recv(NULL, &v), grt_select_recv(c, &v)};
    for (int i = 0; i < 20; i++) {
        int r = grt_select(k2, 2, false);
        CHECK(r == 1);
        grt_chan_send(c, &v);
    }
    grt_chan_free(c);
}

static void nil_blocker(void *arg) {
    int v = 0;
    if (arg)
        grt_chan_send(NULL, &v);
    else
        grt_chan_recv(NULL, &v);
    CHECK_FAIL("a goroutine blocked on a nil channel went on");
}

/* Goroutines blocked forever on nil channels do not stop the program. */
static void t_nil_blocks_forever(void *arg) {
    (void)arg;
    grt_go(nil_blocker, NULL);
    grt_go(nil_blocker, (void *)1);
    grt_sleep(2000000);
}

static void t_len_cap_zero_size(void *arg) {
    (void)arg;
    grt_chan *c = grt_chan_make(0, 3); /* chan struct{} */
    CHECK(grt_chan_cap(c) == 3);
    grt_chan_send(c, NULL);
    grt_chan_send(c, NULL);
    CHECK(grt_chan_len(c) == 2);
    CHECK(grt_chan_recv(c, NULL));
    CHECK(grt_chan_len(c) == 1);
    grt_chan_close(c);
    CHECK(grt_chan_recv(c, NULL));
    CHECK(!grt_chan_recv(c, NULL));
    grt_chan_free(c);
}

typedef struct big {
    char bytes[1000];
} big;

static void big_sender(void *arg) {
    job *j = arg;
    big b;
    for (int i = 0; i < 50; i++) {
        memset(b.bytes, i, sizeof b.bytes);
        grt_chan_send(j->c, &b);
    }
}

static void t_large_elements(void *arg) {
    (void)arg;
    const size_t caps[] = {0, 2};
    for (size_t k = 0; k < 2; k++) {
        grt_chan *c = grt_chan_make(sizeof(big), caps[k]);
        job j = {.c = c};
        grt_go(big_sender, &j);
        for (int i = 0; i < 50; i++) {
            big b;
            CHECK(grt_chan_recv(c, &b));
            bool same = true;
            for (size_t x = 0; x < sizeof b.bytes; x++)
                same &= b.bytes[x] == (char)i;
            CHECK(same);
        }
        grt_chan_free(c);
    }
}

static void t_try_ops(void *arg) {
    (void)arg;
    grt_chan *u = grt_chan_make(sizeof(int64_t), 0);
    int64_t v = 1;
    bool ok;
    CHECK(!grt_chan_trysend(u, &v)); /* nobody receiving */
    CHECK(!grt_chan_tryrecv(u, &v, &ok));
    job r = {.c = u};
    grt_go(recv_one, &r);
    wait_queued(u, false, 1);
    v = 9;
    CHECK(grt_chan_trysend(u, &v)); /* a receiver waits */
    wait_done(&r);
    CHECK(r.out == 9);
    job s = {.c = u, .a = 5, .b = 6};
    grt_go(sender_range, &s);
    wait_queued(u, true, 1);
    CHECK(grt_chan_tryrecv(u, &v, &ok) && ok && v == 5);
    wait_done(&s);
    grt_chan_free(u);
}

/* ---- select ------------------------------------------------------------- */

static void t_select_default(void *arg) {
    (void)arg;
    grt_chan *a = grt_chan_make(sizeof(int), 0);
    grt_chan *b = grt_chan_make(sizeof(int), 1);
    int x = 1, y = 0;
    grt_select_case k[2] = {grt_select_recv(a, &y), grt_select_recv(b, &y)};
    grt_stats s0 = stats_now();
    CHECK(grt_select(k, 2, true) == -1);
    grt_chan_send(b, &x);
    CHECK(grt_select(k, 2, true) == 1 && k[1].ok && y == 1);
    grt_select_case ks[2] = {grt_select_send(a, &x), grt_select_send(b, &x)};
    CHECK(grt_select(ks, 2, true) == 1);  /* a has no receiver */
    CHECK(grt_select(ks, 2, true) == -1); /* b is full now */
    CHECK(grt_select(NULL, 0, true) == -1);
    grt_stats s1 = stats_now();
    CHECK(s1.select_fast >= s0.select_fast + 2);
    grt_chan_free(a);
    grt_chan_free(b);
}

typedef struct sel_job {
    grt_chan *c[4];
    int idx;
    int64_t val;
    bool ok;
    _Atomic int done;
} sel_job;

static void select_recv_blocker(void *arg) {
    sel_job *j = arg;
    int64_t v[3] = {-1, -1, -1};
    grt_select_case k[3] = {grt_select_recv(j->c[0], &v[0]),
                            grt_select_recv(j->c[1], &v[1]),
                            grt_select_recv(j->c[2], &v[2])};
    j->idx = grt_select(k, 3, false);
    j->val = v[j->idx];
    j->ok = k[j->idx].ok;
    atomic_store(&j->done, 1);
}

/* A blocked select is woken by the first channel that gets a value; the
 * other channels no longer hold it (the losers were dequeued). */
static void t_select_blocked_recv(void *arg) {
    (void)arg;
    for (int which = 0; which < 3; which++) {
        sel_job j = {.idx = -1};
        for (int i = 0; i < 3; i++)
            j.c[i] = grt_chan_make(sizeof(int64_t), i == 2 ? 1 : 0);
        grt_go(select_recv_blocker, &j);
        for (int i = 0; i < 3; i++)
            wait_queued(j.c[i], false, 1);
        grt_stats s0 = stats_now();
        int64_t v = 100 + which;
        grt_chan_send(j.c[which], &v);
        while (!atomic_load(&j.done))
            grt_gosched();
        CHECK(j.idx == which && j.val == 100 + which && j.ok);
        grt_stats s1 = stats_now();
        CHECK(s1.select_blocked >= s0.select_blocked);
        for (int i = 0; i < 3; i++) {
            CHECK(waitq_len(j.c[i], false) == 0);
            CHECK(!grt_chan_trysend(j.c[i], &v) || j.c[i]->cap > 0);
        }
        for (int i = 0; i < 3; i++)
            grt_chan_free(j.c[i]);
    }
    /* Woken by close: ok == false, zero value. */
    sel_job j = {.idx = -1};
    for (int i = 0; i < 3; i++)
        j.c[i] = grt_chan_make(sizeof(int64_t), 0);
    grt_go(select_recv_blocker, &j);
    for (int i = 0; i < 3; i++)
        wait_queued(j.c[i], false, 1);
    grt_chan_close(j.c[1]);
    while (!atomic_load(&j.done))
        grt_gosched();
    CHECK(j.idx == 1 && !j.ok && j.val == 0);
    for (int i = 0; i < 3; i++)
        grt_chan_free(j.c[i]);
}

static void select_send_blocker(void *arg) {
    sel_job *j = arg;
    int64_t v[2] = {10, 20};
    grt_select_case k[2] = {grt_select_send(j->c[0], &v[0]),
                            grt_select_send(j->c[1], &v[1])};
    j->idx = grt_select(k, 2, false);
    atomic_store(&j->done, 1);
}

static void t_select_blocked_send(void *arg) {
    (void)arg;
    for (int which = 0; which < 2; which++) {
        sel_job j = {.idx = -1};
        j.c[0] = grt_chan_make(sizeof(int64_t), 0);
        j.c[1] = grt_chan_make(sizeof(int64_t), 0);
        grt_go(select_send_blocker, &j);
        wait_queued(j.c[0], true, 1);
        wait_queued(j.c[1], true, 1);
        int64_t v = -1;
        CHECK(grt_chan_recv(j.c[which], &v));
        CHECK(v == (which ? 20 : 10));
        while (!atomic_load(&j.done))
            grt_gosched();
        CHECK(j.idx == which);
        CHECK(waitq_len(j.c[0], true) == 0 && waitq_len(j.c[1], true) == 0);
        grt_chan_free(j.c[0]);
        grt_chan_free(j.c[1]);
    }
}

/* The same channel in several cases, and a select that both sends and
 * receives on one unbuffered channel (it can never pair with itself). */
static void t_select_same_channel(void *arg) {
    (void)arg;
    grt_chan *c = grt_chan_make(sizeof(int), 2);
    int a = 1, b = 2, r = 0;
    grt_select_case k[3] = {grt_select_send(c, &a), grt_select_send(c, &b),
                            grt_select_recv(c, &r)};
    int sends = 0, recvs = 0;
    for (int i = 0; i < 1000; i++) {
        int x = grt_select(k, 3, false);
        CHECK(x >= 0 && x < 3);
        if (x == 2)
            recvs++;
        else
            sends++;
        CHECK(grt_chan_len(c) == (size_t)(sends - recvs));
    }
    CHECK(sends > 0 && recvs > 0);
    grt_chan_free(c);

    grt_chan *u = grt_chan_make(sizeof(int), 0);
    grt_select_case ku[2] = {grt_select_send(u, &a), grt_select_recv(u, &r)};
    CHECK(grt_select(ku, 2, true) == -1);
    grt_chan_free(u);
}

typedef struct many_job {
    grt_chan **cs;
    int n;
    int got;
    int64_t val;
    _Atomic int done;
} many_job;

static void select_many(void *arg) {
    many_job *j = arg;
    grt_select_case *k = calloc((size_t)j->n, sizeof *k);
    int64_t v = -1;
    for (int i = 0; i < j->n; i++)
        k[i] = grt_select_recv(j->cs[i], &v);
    j->got = grt_select(k, j->n, false);
    j->val = v;
    free(k);
    atomic_store(&j->done, 1);
}

/* More cases than fit on the stack (heap sort, allocated sudogs). */
static void t_select_many_cases(void *arg) {
    (void)arg;
    enum { N = 40 };
    grt_chan *cs[N];
    for (int i = 0; i < N; i++)
        cs[i] = grt_chan_make(sizeof(int64_t), (size_t)(i % 3));
    for (int target = 0; target < N; target += 13) {
        many_job j = {.cs = cs, .n = N, .got = -1};
        grt_go(select_many, &j);
        for (int i = 0; i < N; i++)
            wait_queued(cs[i], false, 1);
        int64_t v = 1000 + target;
        grt_chan_send(cs[target], &v);
        while (!atomic_load(&j.done))
            grt_gosched();
        CHECK(j.got == target && j.val == 1000 + target);
        for (int i = 0; i < N; i++)
            CHECK(waitq_len(cs[i], false) == 0);
    }
    /* Fast path with many: exactly one ready. */
    int64_t v = 7;
    grt_chan_send(cs[N - 2], &v); /* capacity (N - 2) % 3 == 2 */
    many_job j = {.cs = cs, .n = N, .got = -1};
    select_many(&j);
    CHECK(j.got == N - 2 && j.val == 7);
    for (int i = 0; i < N; i++)
        grt_chan_free(cs[i]);
}

/* Two always-ready cases: each chosen 40-60% of 100,000 times. Twice:
 * with buffered channels refilled after each choice, and with two closed
 * channels. */
static void t_select_fairness(void *arg) {
    (void)arg;
    enum { N = 100000 };
    grt_chan *a = grt_chan_make(sizeof(int), 1);
    grt_chan *b = grt_chan_make(sizeof(int), 1);
    int one = 1, r;
    grt_chan_send(a, &one);
    grt_chan_send(b, &one);
    grt_select_case k[2] = {grt_select_recv(a, &r), grt_select_recv(b, &r)};
    int count[2] = {0, 0};
    for (int i = 0; i < N; i++) {
        int x = grt_select(k, 2, false);
        count[x]++;
        grt_chan_send(x == 0 ? a : b, &one);
    }
    printf("  fairness (buffered): %d / %d\n", count[0], count[1]);
    CHECK(count[0] >= N * 4 / 10 && count[0] <= N * 6 / 10);
    CHECK(count[0] + count[1] == N);

    grt_chan_close(a);
    grt_chan_close(b);
    /* drain the buffered values first */
    CHECK(grt_chan_recv(a, &r) && grt_chan_recv(b, &r));
    count[0] = count[1] = 0;
    for (int i = 0; i < N; i++) {
        int x = grt_select(k, 2, false);
        CHECK(!k[x].ok);
        count[x]++;
    }
    printf("  fairness (closed): %d / %d\n", count[0], count[1]);
    CHECK(count[0] >= N * 4 / 10 && count[0] <= N * 6 / 10);
    /* Sends: two buffered channels with room, drained after each choice. */
    grt_chan *c = grt_chan_make(sizeof(int), 1);
    grt_chan *d = grt_chan_make(sizeof(int), 1);
    grt_select_case ks[2] = {grt_select_send(c, &one),
                             grt_select_send(d, &one)};
    count[0] = count[1] = 0;
    for (int i = 0; i < N; i++) {
        int x = grt_select(ks, 2, false);
        count[x]++;
        grt_chan_recv(x == 0 ? c : d, &r);
    }
    printf("  fairness (send): %d / %d\n", count[0], count[1]);
    CHECK(count[0] >= N * 4 / 10 && count[0] <= N * 6 / 10);
    grt_chan_free(a);
    grt_chan_free(b);
    grt_chan_free(c);
    grt_chan_free(d);
}

typedef struct mix_feed {
    grt_chan *in;
    grt_chan *sink;
    grt_chan *quit;
    grt_waitgroup wg;
    int64_t sent, sunk;
} mix_feed;

static void mix_producer(void *arg) {
    mix_feed *f = arg;
    for (int64_t v = 1;; v++) {
        grt_select_case k[2] = {grt_select_send(f->in, &v),
                                grt_select_recv(f->quit, NULL)};
        if (grt_select(k, 2, false) == 1)
            break;
        f->sent += v;
    }
    grt_waitgroup_done(&f->wg);
}

static void mix_consumer(void *arg) {
    mix_feed *f = arg;
    int64_t v;
    while (grt_chan_recv(f->sink, &v))
        f->sunk += v;
    grt_waitgroup_done(&f->wg);
}

/* One select mixing a send, a receive, a timer and a closed channel. */
static void t_select_mixed(void *arg) {
    (void)arg;
    mix_feed f = {0};
    f.in = grt_chan_make(sizeof(int64_t), 0);
    f.sink = grt_chan_make(sizeof(int64_t), 4);
    f.quit = grt_chan_make(0, 0);
    grt_chan *closed = grt_chan_make(sizeof(int64_t), 0);
    grt_chan_close(closed);
    grt_waitgroup_add(&f.wg, 2);
    grt_go(mix_producer, &f);
    grt_go(mix_consumer, &f);
    uint64_t fired = 0, t0 = grt_nanotime();
    grt_chan *timer = grt_after(3000000); /* 3 ms */
    grt_chan *tcase = timer;              /* nil once fired, as Go code does */
    int hits[4] = {0};
    int64_t got = 0, put = 0, out = 1, in = 0, cl = 5;
    /* Until the timer fired and every other case ran at least once. */
    while (tcase != NULL || !hits[0] || !hits[1] || !hits[3]) {
        grt_select_case k[4] = {
            grt_select_send(f.sink, &out), grt_select_recv(f.in, &in),
            grt_select_recv(tcase, &fired), grt_select_recv(closed, &cl)};
        int x = grt_select(k, 4, false);
        CHECK(x >= 0 && x < 4);
        if (x < 0 || x >= 4)
            break;
        hits[x]++;
        if (x == 0) {
            put += out;
            out++;
        } else if (x == 1) {
            CHECK(k[1].ok);
            got += in;
        } else if (x == 2) {
            CHECK(k[2].ok && fired >= t0 + 3000000);
            tcase = NULL;
        } else {
            CHECK(!k[3].ok && cl == 0);
            cl = 5;
        }
    }
    printf("  mixed: send %d recv %d timer %d closed %d\n", hits[0], hits[1],
           hits[2], hits[3]);
    CHECK(hits[2] == 1);
    grt_chan_close(f.quit);
    grt_chan_close(f.sink);
    /* The producer leaves on quit (everything it sent was received by
     * us); the consumer drains the sink and leaves on its close. */
    grt_waitgroup_wait(&f.wg);
    CHECK(f.sent == got);
    CHECK(f.sunk == put);
    grt_chan_free(timer);
    grt_chan_free(closed);
    grt_chan_free(f.in);
    grt_chan_free(f.quit);
    grt_chan_free(f.sink);
}

/* ---- timers --------------------------------------------------------------- */

static void t_timer_after(void *arg) {
    (void)arg;
    uint64_t t0 = grt_nanotime(), when = 0;
    grt_chan *c = grt_after(2000000);
    CHECK(grt_chan_cap(c) == 1);
    CHECK(grt_chan_recv(c, &when));
    CHECK(when >= t0 + 2000000);
    CHECK(grt_nanotime() >= t0 + 2000000);
    CHECK(!grt_chan_stop(c)); /* already fired */
    grt_chan_free(c);

    /* Stopped before it fires: never sends. */
    c = grt_after(50000000);
    CHECK(grt_chan_stop(c));
    grt_sleep(1000000);
    CHECK(!grt_chan_tryrecv(c, &when, NULL));
    grt_chan_free(c);

    /* Fires with nobody waiting: the value waits in the buffer. */
    c = grt_after(1000);
    grt_sleep(2000000);
    CHECK(grt_chan_len(c) == 1);
    bool ok;
    CHECK(grt_chan_tryrecv(c, &when, &ok) && ok);
    grt_chan_free(c);

    /* Freed while pending: nothing fires into freed memory (ASan). */
    for (int i = 0; i < 50; i++)
        grt_chan_free(grt_after((uint64_t)i * 20000));
    grt_sleep(2000000);
}

static void t_timer_ticker(void *arg) {
    (void)arg;
    grt_chan *t = grt_ticker(1000000); /* 1 ms */
    uint64_t prev = 0, now;
    for (int i = 0; i < 5; i++) {
        CHECK(grt_chan_recv(t, &now));
        CHECK(now > prev);
        prev = now;
    }
    /* A slow reader: ticks are dropped, never more than one buffered. */
    grt_sleep(5000000);
    CHECK(grt_chan_len(t) == 1);
    grt_chan_stop(t);
    grt_chan_tryrecv(t, &now, NULL); /* at most one left from before */
    grt_sleep(4000000);
    CHECK(!grt_chan_tryrecv(t, &now, NULL));
    grt_chan_free(t);

    /* Tickers freed while running (callbacks in flight): ASan checks. */
    for (int i = 0; i < 20; i++) {
        grt_chan *x = grt_ticker(20000);
        grt_sleep(100000);
        grt_chan_free(x);
    }
}

static void t_select_timeout(void *arg) {
    (void)arg;
    grt_chan *never = grt_chan_make(sizeof(int), 0);
    grt_chan *timer = grt_after(1000000);
    int v;
    uint64_t when;
    grt_select_case k[3] = {grt_select_recv(never, &v),
                            grt_select_send(never, &v),
                            grt_select_recv(timer, &when)};
    CHECK(grt_select(k, 3, false) == 2);
    CHECK(waitq_len(never, false) == 0 && waitq_len(never, true) == 0);
    grt_chan_free(timer);
    grt_chan_free(never);
}

/* ---- statistics ----------------------------------------------------------- */

static void t_stats(void *arg) {
    (void)arg;
    grt_stats s0 = stats_now();
    grt_chan *b = grt_chan_make(sizeof(int), 2);
    int v = 1;
    grt_chan_send(b, &v);
    grt_chan_recv(b, &v);
    grt_chan *u = grt_chan_make(sizeof(int64_t), 0);
    job r = {.c = u};
    grt_go(recv_one, &r); /* blocks, then a direct handoff */
    wait_queued(u, false, 1);
    int64_t w = 3;
    grt_chan_send(u, &w);
    grt_select_case k[1] = {grt_select_recv(b, &v)};
    grt_chan_send(b, &v);
    CHECK(grt_select(k, 1, false) == 0);
    grt_stats s1 = stats_now();
    CHECK(s1.chan_buffered >= s0.chan_buffered + 4);
    CHECK(s1.chan_direct >= s0.chan_direct + 1);
    CHECK(s1.chan_blocked >= s0.chan_blocked + 1);
    CHECK(s1.select_fast >= s0.select_fast + 1);
    wait_done(&r);
    grt_chan_free(b);
    grt_chan_free(u);
}

/* ---- fatal cases (children) ------------------------------------------------ */

static void f_send_closed(void *arg) {
    (void)arg;
    grt_chan *c = grt_chan_make(sizeof(int), 1);
    grt_chan_close(c);
    int v = 1;
    grt_chan_send(c, &v);
}

static void f_close_closed(void *arg) {
    (void)arg;
    grt_chan *c = grt_chan_make(sizeof(int), 0);
    grt_chan_close(c);
    grt_chan_close(c);
}

static void f_close_nil(void *arg) {
    (void)arg;
    grt_chan_close(NULL);
}

static void blocked_sender(void *arg) {
    int64_t v = 1;
    grt_chan_send(arg, &v);
}

static void f_close_blocked_sender(void *arg) {
    (void)arg;
    grt_chan *c = grt_chan_make(sizeof(int64_t), 0);
    grt_go(blocked_sender, c);
    wait_queued(c, true, 1);
    grt_chan_close(c);
    grt_sleep(2000000000ull); /* the sender's panic ends the process */
}

static void f_select_send_closed(void *arg) {
    (void)arg;
    grt_chan *c = grt_chan_make(sizeof(int), 0);
    grt_chan *d = grt_chan_make(sizeof(int), 0);
    grt_chan_close(c);
    int v = 0;
    grt_select_case k[2] = {grt_select_send(c, &v), grt_select_recv(d, &v)};
    grt_select(k, 2, false);
}

static void f_select_send_closed_locked(void *arg) {
    grt_select_fastpass = false;
    f_select_send_closed(arg);
}

static void select_sender(void *arg) {
    grt_chan **cs = arg;
    int64_t v = 0;
    grt_select_case k[2] = {grt_select_send(cs[0], &v),
                            grt_select_send(cs[1], &v)};
    grt_select(k, 2, false);
}

static void f_close_blocked_select_sender(void *arg) {
    (void)arg;
    static grt_chan *cs[2];
    cs[0] = grt_chan_make(sizeof(int64_t), 0);
    cs[1] = grt_chan_make(sizeof(int64_t), 0);
    grt_go(select_sender, cs);
    wait_queued(cs[0], true, 1);
    wait_queued(cs[1], true, 1);
    grt_chan_close(cs[1]);
    grt_sleep(2000000000ull);
}

static void f_nil_recv(void *arg) {
    (void)arg;
    int v;
    grt_chan_recv(NULL, &v);
}

static void f_nil_send(void *arg) {
    (void)arg;
    int v = 0;
    grt_chan_send(NULL, &v);
}

static void f_select_no_cases(void *arg) {
    (void)arg;
    grt_select(NULL, 0, false);
}

static void f_select_all_nil(void *arg) {
    (void)arg;
    int v;
    grt_select_case k[2] = {grt_select_recv(NULL, &v),
                            grt_select_send(NULL, &v)};
    grt_select(k, 2, false);
}

static void f_recv_deadlock(void *arg) {
    (void)arg;
    grt_chan *c = grt_chan_make(sizeof(int), 0);
    int v;
    grt_chan_recv(c, &v);
}

typedef struct fatal_case {
    const char *name;
    void (*fn)(void *);
    const char *msg;  /* must appear on stderr */
    const char *msg2; /* and this too (the goroutine's wait reason), or NULL */
} fatal_case;

#define DEADLOCK "fatal error: all goroutines are asleep - deadlock!"
static const fatal_case fatal_cases[] = {
    {"send_closed", f_send_closed, "panic: send on closed channel", NULL},
    {"close_closed", f_close_closed, "panic: close of closed channel", NULL},
    {"close_nil", f_close_nil, "panic: close of nil channel", NULL},
    {"close_blocked_sender", f_close_blocked_sender,
     "panic: send on closed channel", NULL},
    {"select_send_closed", f_select_send_closed,
     "panic: send on closed channel", NULL},
    {"select_send_closed_locked", f_select_send_closed_locked,
     "panic: send on closed channel", NULL},
    {"close_blocked_select_sender", f_close_blocked_select_sender,
     "panic: send on closed channel", NULL},
    {"nil_recv", f_nil_recv, DEADLOCK, "[chan receive (nil chan)]"},
    {"nil_send", f_nil_send, DEADLOCK, "[chan send (nil chan)]"},
    {"select_no_cases", f_select_no_cases, DEADLOCK, "[select (no cases)]"},
    {"select_all_nil", f_select_all_nil, DEADLOCK, "[select]"},
    {"recv_deadlock", f_recv_deadlock, DEADLOCK, "[chan receive]"},
};

/* Runs `self --fatal name`; checks exit status 2 and the message. */
static bool run_fatal(const char *self, const fatal_case *fc) {
    int p[2];
    if (pipe(p) != 0)
        return false;
    pid_t pid = fork();
    if (pid == 0) {
        dup2(p[1], 2);
        close(p[0]);
        close(p[1]);
        execl(self, self, "--fatal", fc->name, (char *)NULL);
        _exit(127);
    }
    close(p[1]);
    char buf[8192];
    size_t len = 0;
    for (;;) {
        ssize_t r = read(p[0], buf + len, sizeof buf - 1 - len);
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0)
            break;
        len += (size_t)r;
        if (len == sizeof buf - 1)
            break;
    }
    buf[len] = 0;
    close(p[0]);
    int st = 0;
    waitpid(pid, &st, 0);
    bool status_ok = WIFEXITED(st) && WEXITSTATUS(st) == 2;
    bool msg_ok = strstr(buf, fc->msg) != NULL &&
                  (fc->msg2 == NULL || strstr(buf, fc->msg2) != NULL);
    bool gor_ok =
        strncmp(fc->msg, "panic:", 6) != 0 || strstr(buf, "goroutine ") != NULL;
    if (!status_ok || !msg_ok || !gor_ok)
        fprintf(stderr, "  child %s: status %d (want exit 2), stderr:\n%s\n",
                fc->name, st, buf);
    return status_ok && msg_ok && gor_ok;
}

/* ---- driver ----------------------------------------------------------------- */

typedef struct test_case {
    const char *name;
    void (*fn)(void *);
} test_case;

static const test_case tests[] = {
    {"unbuffered", t_unbuffered},
    {"buffered_fifo", t_buffered_fifo},
    {"full_buffer_sender_waiting", t_full_buffer_sender_waiting},
    {"fifo_per_sender", t_fifo_per_sender},
    {"closed_drain", t_closed_drain},
    {"close_wakes_receivers", t_close_wakes_receivers},
    {"close_wakes_mixed", t_close_wakes_mixed},
    {"nil_channel", t_nil_channel},
    {"nil_blocks_forever", t_nil_blocks_forever},
    {"len_cap_zero_size", t_len_cap_zero_size},
    {"large_elements", t_large_elements},
    {"try_ops", t_try_ops},
    {"select_default", t_select_default},
    {"select_blocked_recv", t_select_blocked_recv},
    {"select_blocked_send", t_select_blocked_send},
    {"select_same_channel", t_select_same_channel},
    {"select_many_cases", t_select_many_cases},
    {"select_fairness", t_select_fairness},
    {"select_mixed", t_select_mixed},
    {"timer_after", t_timer_after},
    {"timer_ticker", t_timer_ticker},
    {"select_timeout", t_select_timeout},
    {"stats", t_stats},
};

int main(int argc, char **argv) {
    if (argc == 3 && strcmp(argv[1], "--fatal") == 0) {
        for (size_t i = 0; i < sizeof fatal_cases / sizeof *fatal_cases; i++)
            if (strcmp(argv[2], fatal_cases[i].name) == 0) {
                grt_run(fatal_cases[i].fn, NULL);
                fprintf(stderr, "fatal case %s returned\n", argv[2]);
                return 0;
            }
        return 3;
    }
    const char *only = argc > 1 ? argv[1] : NULL;
    setvbuf(stdout, NULL, _IOLBF, 0);
    for (size_t i = 0; i < sizeof tests / sizeof *tests; i++) {
        if (only && !strstr(tests[i].name, only))
            continue;
        /* Select tests run twice: as is, and with the fast pass off so
         * that pass 1 (every channel locked) does the work. */
        bool sel = strncmp(tests[i].name, "select_", 7) == 0;
        for (int locked = 0; locked <= (int)sel; locked++) {
            grt_select_fastpass = !locked;
            int f0 = hx_check_failures();
            int rc = grt_run(tests[i].fn, NULL);
            hx_check_case(rc == 0 && hx_check_failures() == f0, "%s%s",
                          tests[i].name, locked ? " (locked pass)" : "");
        }
        grt_select_fastpass = true;
    }
    for (size_t i = 0; i < sizeof fatal_cases / sizeof *fatal_cases; i++) {
        if (only && !strstr(fatal_cases[i].name, only))
            continue;
        hx_check_case(run_fatal("/proc/self/exe", &fatal_cases[i]), "fatal_%s",
                      fatal_cases[i].name);
    }
    return hx_check_done();
}
