/*
 * test_gc.c - the garbage-collected heap: allocation, reachability from
 * every kind of root, tuning, tracing (ctest label: runtime; the torture
 * variant, label torture, runs the same checks collecting every few span
 * refills with gccheckmark on).
 *
 * The central property is "no reachable object is ever freed": each test
 * builds objects that carry a checksum of their own identity, holds them
 * through one kind of root only (a goroutine's stack, a registered global,
 * a callee-saved register across a goroutine switch, a channel buffer, the
 * heap itself through interior pointers), forces collections, then
 * allocates heavily so that any freed slot is reused (reuse zeroes it and
 * the churn writes a pattern over it), and verifies every checksum. The
 * converse (garbage is collected) is checked through the heap staying
 * bounded over a long churn and the sweeper's freed-object counter.
 *
 * chan_barrier checks the other half of "never freed": the write barrier
 * of channel element copies, which a concurrent mark needs as much as it
 * needs GRT_STORE_PTR's (chan_barrier_checkmark runs it under
 * gccheckmark, the oracle).
 *
 * Environment-driven behaviour (GOGC, GOMEMLIMIT, GODEBUG=gctrace=1) is
 * read once per process, so those tests re-execute this binary with
 * "--child NAME" under the environment they need and check its output.
 *
 * No timing is asserted. Closing line: "N passed, M failed".
 */
#include <inttypes.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "grt.h"

/* after grt.h: check.h then declares stats_now() */
#include "check.h"

static const char *self_path;
static int scale = 1; /* GC_TEST_SCALE: the torture run uses less work */

/* ---- types ------------------------------------------------------------------ */

struct node {
    struct node *l, *r; /* words 0, 1: pointers */
    uint64_t *in;       /* word 2: interior pointer (to another's id) */
    uint64_t id;
    uint64_t sum;
    uint64_t pad[3];
};
static const uint64_t node_mask[] = {0x7};
static const grt_type node_type = GRT_TYPE(struct node, node_mask);
static const uint64_t ptr_mask[] = {0x1};
static const grt_type ptr_type = {sizeof(void *), ptr_mask, "ptr"};

static uint64_t sum_of(uint64_t id) {
    return id * 0x9e3779b97f4a7c15ull ^ 0x5bd1e995ull;
}

static struct node *new_node(uint64_t id) {
    struct node *n = grt_new(&node_type);
    CHECK(n->l == NULL && n->r == NULL && n->in == NULL && n->id == 0);
    n->id = id;
    n->sum = sum_of(id);
    return n;
}

static bool node_ok(const struct node *n) {
    return n != NULL && n->sum == sum_of(n->id);
}

static uint64_t rng_state = 88172645463325252ull;
static uint64_t rnd(void) {
    rng_state ^= rng_state << 13;
    rng_state ^= rng_state >> 7;
    rng_state ^= rng_state << 17;
    return rng_state;
}

/* Allocate about `bytes` of garbage in assorted sizes and fill it, so that
 * any freed slot gets reused and overwritten. */
static void churn(size_t bytes) {
    static const size_t sizes[] = {8, 16, 24, 48, 64, 96, 200, 1024, 5000};
    size_t done = 0;
    while (done < bytes) {
        size_t sz = sizes[rnd() % (sizeof sizes / sizeof sizes[0])];
        if (rnd() % 512 == 0)
            sz = 40000 + rnd() % 100000; /* a large object now and then */
        unsigned char *p = grt_new_bytes(sz);
        memset(p, 0xAB, sz);
        done += sz;
    }
}

/* ---- allocation basics ------------------------------------------------------- */

static void t_alloc_basics(void *arg) {
    (void)arg;
    /* Every size from 1 to 2 KiB and some large ones: zeroed, distinct,
     * writable, 8-byte aligned. */
    void *prev = NULL;
    for (size_t sz = 1; sz <= 2048; sz++) {
        unsigned char *p = grt_new_bytes(sz);
        CHECK(((uintptr_t)p & 7) == 0 || sz < 8);
        bool zero = true;
        for (size_t i = 0; i < sz; i++)
            zero &= p[i] == 0;
        CHECK(zero);
        memset(p, 0xCD, sz);
        CHECK(p != prev);
        prev = p;
    }
    for (size_t sz = 32 * 1024; sz <= 4u << 20; sz *= 3) {
        unsigned char *p = grt_new_bytes(sz);
        CHECK(p[0] == 0 && p[sz - 1] == 0 && p[sz / 2] == 0);
        memset(p, 0xEF, sz);
    }
    /* Objects written with garbage, dropped, collected, reallocated: the
     * new ones are zero again. */
    grt_gc();
    churn(8u << 20);
    grt_gc();
    for (int i = 0; i < 10000; i++) {
        uint64_t *q = grt_new_bytes(64);
        for (int k = 0; k < 8; k++)
            CHECK(q[k] == 0);
    }
    grt_stats s = stats_now();
    CHECK(s.gc_cycles >= 2);
    CHECK(s.heap_freed_objects > 0);
}

/* ---- a random graph with interior pointers ------------------------------------ */

static void t_random_graph(void *arg) {
    (void)arg;
    size_t n = 20000 / (size_t)scale;
    struct node **all = grt_new_array(&ptr_type, n);
    for (size_t i = 0; i < n; i++)
        GRT_STORE_PTR(&all[i], new_node(i + 1));
    for (size_t i = 0; i < n; i++) {
        struct node *a = all[i];
        GRT_STORE_PTR(&a->l, all[rnd() % n]);
        GRT_STORE_PTR(&a->r, all[rnd() % n]);
        GRT_STORE_PTR(&a->in, &all[rnd() % n]->id); /* interior */
    }
    /* Drop the root array's hold on most nodes: reachability now runs
     * through l, r and interior pointers. */
    for (size_t i = 0; i < n; i++)
        if (i % 16 != 0)
            GRT_STORE_PTR(&all[i], NULL);
    for (int round = 0; round < 3; round++) {
        grt_gc();
        churn((16u << 20) / (size_t)scale);
        /* Rewire a few edges between cycles. */
        for (size_t i = 0; i < n; i += 16) {
            struct node *a = all[i];
            GRT_STORE_PTR(&a->l, a->r != NULL ? a->r->l : NULL);
        }
    }
    grt_gc();
    churn((8u << 20) / (size_t)scale);
    /* Walk everything reachable and check it. */
    size_t cap = n * 2, top = 0, seen = 0;
    struct node **stack = malloc(cap * sizeof *stack);
    uint8_t *visited = calloc(n + 2, 1);
    for (size_t i = 0; i < n; i += 16)
        stack[top++] = all[i];
    bool ok = true;
    while (top > 0) {
        struct node *a = stack[--top];
        if (a == NULL)
            continue;
        if (!node_ok(a) || a->id == 0 || a->id > n) {
            ok = false;
            break;
        }
        if (visited[a->id])
            continue;
        visited[a->id] = 1;
        seen++;
        if (a->in != NULL) {
            struct node *t =
                (struct node *)((char *)a->in - offsetof(struct node, id));
            ok &= node_ok(t);
            if (top + 3 > cap)
                break;
            stack[top++] = t;
        }
        if (top + 2 > cap)
            break;
        stack[top++] = a->l;
        stack[top++] = a->r;
    }
    CHECK(ok);
    CHECK(seen >= n / 16);
    free(stack);
    free(visited);
    grt_keepalive(all);
}

/* ---- pointers only on goroutine stacks ------------------------------------------ */

struct stack_holder {
    grt_chan *start, *done;
    _Atomic int bad;
};

static __attribute__((noinline)) void hold_on_stack(struct stack_holder *h) {
    struct node *local[64];
    for (int i = 0; i < 64; i++)
        local[i] = new_node(1000 + (uint64_t)i);
    int x;
    grt_chan_recv(h->start, &x); /* parked: only this stack holds them */
    for (int i = 0; i < 64; i++)
        if (!node_ok(local[i]) || local[i]->id != 1000 + (uint64_t)i)
            atomic_store(&h->bad, 1);
    grt_keepalive(local);
}

static void stack_holder_g(void *arg) {
    struct stack_holder *h = arg;
    hold_on_stack(h);
    int one = 1;
    grt_chan_send(h->done, &one);
}

static void t_stack_roots(void *arg) {
    (void)arg;
    struct stack_holder h;
    h.start = grt_chan_make(sizeof(int), 0);
    h.done = grt_chan_make(sizeof(int), 16);
    atomic_store(&h.bad, 0);
    enum { G = 8 };
    for (int i = 0; i < G; i++)
        grt_go(stack_holder_g, &h);
    for (int r = 0; r < 3; r++) {
        grt_gosched();
        grt_gc();
        churn((8u << 20) / (size_t)scale);
    }
    int v = 1;
    for (int i = 0; i < G; i++)
        grt_chan_send(h.start, &v);
    for (int i = 0; i < G; i++)
        grt_chan_recv(h.done, &v);
    CHECK(atomic_load(&h.bad) == 0);
    grt_chan_free(h.start);
    grt_chan_free(h.done);
}

/* ---- pointers only in registered globals ---------------------------------------- */

static struct node *globals[256];

static void t_global_roots(void *arg) {
    (void)arg;
    grt_gc_add_root(globals, sizeof globals);
    for (int i = 0; i < 256; i++)
        globals[i] = new_node(5000 + (uint64_t)i);
    grt_gc();
    churn((16u << 20) / (size_t)scale);
    grt_gc();
    churn((8u << 20) / (size_t)scale);
    bool ok = true;
    for (int i = 0; i < 256; i++)
        ok &= node_ok(globals[i]) && globals[i]->id == 5000 + (uint64_t)i;
    CHECK(ok);
    grt_gc_remove_root(globals);
    memset(globals, 0, sizeof globals);
}

/* ---- a pointer only in a callee-saved register across a switch ------------------- */

static struct node *_Atomic reg_slot; /* not a root: cleared before use */
static _Atomic int reg_phase;

/* Runs while the pointer lives only in r12: yields repeatedly while
 * another goroutine collects and churns. */
static void reg_wait(void) {
    while (atomic_load(&reg_phase) == 0)
        grt_gosched();
}

static void reg_collector(void *arg) {
    (void)arg;
    for (int i = 0; i < 3; i++) {
        grt_gc();
        churn((4u << 20) / (size_t)scale);
    }
    atomic_store(&reg_phase, 1);
}

static void t_register_roots(void *arg) {
    (void)arg;
#if defined(__x86_64__)
    struct node *n = new_node(777);
    atomic_store(&reg_slot, n);
    n = NULL;
    atomic_store(&reg_phase, 0);
    grt_go(reg_collector, NULL);
    void (*fn)(void) = reg_wait;
    struct node *out;
    /* Load the pointer into r12, clear the only memory copy, call a
     * function that switches goroutines (r12 is callee-saved: it is pushed
     * by the context switch), then read r12 back. The 128-byte skip keeps
     * the call off this frame's red zone. */
    __asm__ volatile("mov (%[slot]), %%r12\n\t"
                     "movq $0, (%[slot])\n\t"
                     "sub $128, %%rsp\n\t"
                     "call *%[fn]\n\t"
                     "add $128, %%rsp\n\t"
                     "mov %%r12, %[out]\n\t"
                     : [out] "=r"(out)
                     : [slot] "r"(&reg_slot), [fn] "r"(fn)
                     : "r12", "rax", "rcx", "rdx", "rsi", "rdi", "r8", "r9",
                       "r10", "r11", "xmm0", "xmm1", "xmm2", "xmm3", "xmm4",
                       "xmm5", "xmm6", "xmm7", "xmm8", "xmm9", "xmm10", "xmm11",
                       "xmm12", "xmm13", "xmm14", "xmm15", "memory", "cc");
    CHECK(node_ok(out) && out->id == 777);
#else
    CHECK_FAIL("register_roots: x86-64 only");
#endif
}

/* ---- a goroutine blocked in a syscall ----------------------------------------------- */

/* The only pointers to two nodes: one in a stack variable of the caller
 * of grt_enter_syscall, one in callee-saved r12 across the call (pushed by
 * whichever callee uses r12, else recorded by grt_enter_syscall itself).
 * The collector scans the blocked goroutine from the stack pointer
 * recorded at grt_enter_syscall: both nodes must survive, and the scan
 * must not cover the untouched part of its stack slot. */
struct sys_job {
    int fd;
    _Atomic int entered;
    _Atomic int bad;
    grt_chan *done;
};
static struct sys_job *sys_cur; /* not a root: a plain pointer to the job */

static __attribute__((noinline)) void sys_block(void) {
    struct sys_job *j = sys_cur;
    atomic_store(&j->entered, 1);
    grt_enter_syscall();
    char c;
    ssize_t r = read(j->fd, &c, 1); /* blocks the thread */
    grt_exit_syscall();
    if (r != 1)
        atomic_store(&j->bad, 1);
}

static void sys_holder(void *arg) {
    struct sys_job *j = arg;
    struct node *volatile on_stack = new_node(4242);
    struct node *in_reg = new_node(4343);
#if defined(__x86_64__)
    void (*fn)(void) = sys_block;
    __asm__ volatile("mov %[n], %%r12\n\t"
                     "xor %[n], %[n]\n\t"
                     "sub $128, %%rsp\n\t"
                     "call *%[fn]\n\t"
                     "add $128, %%rsp\n\t"
                     "mov %%r12, %[n]\n\t"
                     : [n] "+r"(in_reg)
                     : [fn] "r"(fn)
                     : "r12", "rax", "rcx", "rdx", "rsi", "rdi", "r8", "r9",
                       "r10", "r11", "xmm0", "xmm1", "xmm2", "xmm3", "xmm4",
                       "xmm5", "xmm6", "xmm7", "xmm8", "xmm9", "xmm10", "xmm11",
                       "xmm12", "xmm13", "xmm14", "xmm15", "memory", "cc");
#else
    sys_block();
#endif
    if (!node_ok(on_stack) || on_stack->id != 4242 || !node_ok(in_reg) ||
        in_reg->id != 4343)
        atomic_store(&j->bad, 1);
    int one = 1;
    grt_chan_send(j->done, &one);
}

static void t_syscall_roots(void *arg) {
    (void)arg;
    int p[2];
    CHECK(pipe(p) == 0);
    static struct sys_job j;
    j.fd = p[0];
    atomic_store(&j.entered, 0);
    atomic_store(&j.bad, 0);
    j.done = grt_chan_make(sizeof(int), 1);
    sys_cur = &j;
    grt_go(sys_holder, &j);
    while (!atomic_load(&j.entered))
        grt_sleep(100000);
    grt_sleep(2000000); /* blocked in read() by now */
    grt_stats s0 = stats_now();
    grt_gc();
    grt_stats s1 = stats_now();
    churn((16u << 20) / (size_t)scale);
    grt_gc();
    churn((8u << 20) / (size_t)scale);
    /* Two small stacks (this one and the blocked one), not a whole
     * 256 KiB slot from its red zone up. */
    CHECK(s1.gc_stack_scan_bytes - s0.gc_stack_scan_bytes < (64u << 10));
    CHECK(write(p[1], "x", 1) == 1);
    int v;
    grt_chan_recv(j.done, &v);
    CHECK(atomic_load(&j.bad) == 0);
    grt_chan_free(j.done);
    close(p[0]);
    close(p[1]);
}

/* ---- pointers only in channel buffers -------------------------------------------- */

static void t_chan_roots(void *arg) {
    (void)arg;
    static const grt_type elem = {sizeof(struct node *), ptr_mask, "*node"};
    grt_chan *typed = grt_chan_make_typed(&elem, 128);
    grt_chan *untyped = grt_chan_make(sizeof(struct node *), 128);
    for (uint64_t i = 0; i < 100; i++) {
        struct node *n = new_node(9000 + i);
        grt_chan_send(typed, &n);
        n = new_node(9500 + i);
        grt_chan_send(untyped, &n);
        n = NULL;
    }
    /* Rotate the ring so that elements wrap around the buffer's end. */
    for (int i = 0; i < 60; i++) {
        struct node *n;
        grt_chan_recv(typed, &n);
        grt_chan_send(typed, &n);
        grt_chan_recv(untyped, &n);
        grt_chan_send(untyped, &n);
    }
    grt_gc();
    churn((16u << 20) / (size_t)scale);
    grt_gc();
    churn((8u << 20) / (size_t)scale);
    bool ok = true;
    for (uint64_t i = 0; i < 100; i++) {
        struct node *n = NULL;
        grt_chan_recv(typed, &n);
        ok &= node_ok(n) && n->id == 9000 + (i + 60) % 100;
        grt_chan_recv(untyped, &n);
        ok &= node_ok(n) && n->id == 9500 + (i + 60) % 100;
    }
    CHECK(ok);
    grt_chan_free(typed);
    grt_chan_free(untyped);
}

/* ---- the write barrier of channel copies ------------------------------------------ */

/* A channel copies whole elements with memcpy; while the collector marks,
 * those copies must take the write barrier as GRT_STORE_PTR does, or a
 * receive into a heap object can hide a pointer. One round: X is
 * reachable only through H->r, H being the far end of a long chain (the
 * marker reaches it late). Once the mark has begun, a goroutine started
 * then (so no stack scan saw it) loads X, receives another value into
 * &H->r (deleting the only heap path to X: the barrier must shade X),
 * sends X over a second channel and receives it into K->r, K allocated
 * during the mark (black, never scanned: the barrier must shade X again).
 * Without the barrier X stays white and is swept while K->r names it:
 * gccheckmark stops the process at the end of the cycle (the oracle:
 * t_chan_barrier_checkmark); without it, the churn that follows
 * overwrites X and its checksum fails. Mode 0 copies through buffers
 * (buffer -> heap on receive, stack -> buffer on send); mode 1 hands
 * values straight to receivers parked on heap destinations.
 *
 * Conservative stack scanning would keep X (or H, through the interior
 * pointer &H->r) marked from any stale word, so no goroutine alive when a
 * cycle starts may ever have held them: the chain and X are made by
 * goroutines that exit first, on 64 KiB stacks, and the mutator and its
 * receivers run on 1 MiB stacks, sizes nothing else here uses. */
#define WB_CHAIN 200000
#define WB_SMALL ((size_t)64 << 10)
#define WB_BIG   ((size_t)1 << 20)
/* Registered roots: [0] the chain, [1] K, [2] Y (the value that replaces
 * X in H->r: it must stay alive should the cycle end before the copy). */
static struct node *wb_roots[3];
static struct node *wb_tail; /* H; not a root */
static _Atomic int wb_done, wb_caught;

struct wb_job;
/* Mode 1's receivers: into &H->r, or into a K allocated now. */
struct wb_recv {
    struct wb_job *j;
    grt_chan *c;
    bool into_k;
};

struct wb_job {
    struct wb_recv r1, r2; /* outlive the mutator that starts them */
    int mode;
    uint64_t id;
    grt_chan *c1, *c2;
    struct node *y; /* the value that replaces X in H->r */
    grt_waitgroup wg;
};

static void wb_build(void *arg) {
    struct wb_job *j = arg;
    struct node *t = new_node(0);
    wb_roots[0] = t;
    for (int i = 1; i < WB_CHAIN / scale; i++) {
        struct node *n = new_node((uint64_t)i);
        GRT_STORE_PTR(&t->l, n);
        t = n;
    }
    wb_tail = t;
    grt_waitgroup_done(&j->wg);
}

static void wb_make_x(void *arg) {
    struct wb_job *j = arg;
    GRT_STORE_PTR(&wb_tail->r, new_node(j->id));
    grt_waitgroup_done(&j->wg);
}

static void wb_collect(void *arg) {
    (void)arg;
    grt_gc();
    atomic_store(&wb_done, 1);
}

static void wb_receiver(void *arg) {
    struct wb_recv *r = arg;
    struct node **dst = &wb_tail->r;
    if (r->into_k) {
        struct node *k = new_node(1); /* allocated black */
        wb_roots[1] = k;              /* a registered root: no barrier */
        dst = &k->r;
    }
    grt_chan_recv(r->c, dst);
    grt_waitgroup_done(&r->j->wg);
}

static void wb_mutator(void *arg) {
    struct wb_job *j = arg;
    struct node *x = wb_tail->r;
    if (j->mode == 0) {
        grt_chan_recv(j->c1, &wb_tail->r); /* buffer -> heap: deletes X */
        grt_chan_send(j->c2, &x);          /* stack -> buffer */
        struct node *k = new_node(1);      /* allocated black */
        wb_roots[1] = k;
        grt_chan_recv(j->c2, &k->r); /* buffer -> black heap object */
    } else {
        j->r1 = (struct wb_recv){j, j->c1, false};
        j->r2 = (struct wb_recv){j, j->c2, true};
        grt_waitgroup_add(&j->wg, 2);
        grt_go_stack(wb_receiver, &j->r1, WB_BIG);
        grt_gosched();               /* r1 parks on c1 */
        grt_chan_send(j->c1, &j->y); /* direct into &H->r: deletes X */
        grt_go_stack(wb_receiver, &j->r2, WB_BIG);
        grt_gosched();            /* r2 makes K, parks on c2 */
        grt_chan_send(j->c2, &x); /* direct into K->r */
    }
    if (atomic_load(&grt_writebarrier) && !atomic_load(&wb_done))
        atomic_fetch_add(&wb_caught, 1); /* all of it inside the mark */
    grt_waitgroup_done(&j->wg);
}

static void wb_round(int mode, uint64_t round) {
    static const grt_type elem = {sizeof(struct node *), ptr_mask, "*node"};
    static struct wb_job j;
    size_t cap = mode == 0 ? 1 : 0;
    j.mode = mode;
    j.id = 70000 + round;
    j.c1 = grt_chan_make_typed(&elem, cap);
    j.c2 = grt_chan_make_typed(&elem, cap);
    grt_waitgroup_add(&j.wg, 1);
    grt_go_stack(wb_make_x, &j, WB_SMALL);
    grt_waitgroup_wait(&j.wg);
    j.y = wb_roots[2] = new_node(80000 + round);
    if (mode == 0)
        grt_chan_send(j.c1, &j.y); /* buffered: a root, scanned at the start */
    wb_roots[1] = NULL;
    atomic_store(&wb_done, 0);
    grt_go(wb_collect, NULL);
    grt_gosched(); /* the collector starts its cycle */
    /* At a safepoint, not in grt_gosched: the stop puts this goroutine on
     * the global queue and the restart runs it on the other P at once. */
    while (!atomic_load(&grt_writebarrier) && !atomic_load(&wb_done))
        GRT_SAFEPOINT();
    grt_waitgroup_add(&j.wg, 1);
    grt_go_stack(wb_mutator, &j, WB_BIG);
    grt_waitgroup_wait(&j.wg);
    while (!atomic_load(&wb_done))
        grt_gosched();
    grt_gc();
    /* Reuse every free node-sized slot, X's too if it was freed. */
    for (int i = 0; i < 100000 / scale; i++) {
        struct node *n = grt_new(&node_type);
        n->id = 0xABAB;
    }
    churn((1u << 20) / (size_t)scale);
    struct node *k = wb_roots[1];
    CHECK(k != NULL && node_ok(k->r) && k->r->id == j.id);
    CHECK(node_ok(j.y) && j.y->id == 80000 + round);
    wb_roots[1] = wb_roots[2] = NULL;
    j.y = NULL;
    grt_chan_free(j.c1);
    grt_chan_free(j.c2);
}

static void t_chan_barrier(void *arg) {
    (void)arg;
    static struct wb_job b;
    grt_gc_add_root(wb_roots, sizeof wb_roots);
    grt_waitgroup_add(&b.wg, 1);
    grt_go_stack(wb_build, &b, WB_SMALL);
    grt_waitgroup_wait(&b.wg);
    atomic_store(&wb_caught, 0);
    for (uint64_t round = 0; round < 6; round++)
        wb_round((int)(round % 2), round);
    /* Timing decides whether a round's copies fall inside the mark; with
     * a chain this long they do, but one round is enough to test. */
    CHECK(atomic_load(&wb_caught) > 0);
    grt_gc_remove_root(wb_roots);
    memset(wb_roots, 0, sizeof wb_roots);
    wb_tail = NULL;
}

/* ---- large typed arrays ----------------------------------------------------------- */

static void t_large_arrays(void *arg) {
    (void)arg;
    size_t n = 100000; /* 800 KB of pointers: a large scan object */
    struct node **arr = grt_new_array(&ptr_type, n);
    for (size_t i = 0; i < n; i += 97)
        GRT_STORE_PTR(&arr[i], new_node(20000 + i));
    struct node *arr2 = grt_new_array(&node_type, 3); /* small array */
    GRT_STORE_PTR(&arr2[2].l, new_node(42));
    grt_gc();
    churn((16u << 20) / (size_t)scale);
    grt_gc();
    bool ok = true;
    for (size_t i = 0; i < n; i += 97)
        ok &= node_ok(arr[i]) && arr[i]->id == 20000 + i;
    CHECK(ok);
    CHECK(node_ok(arr2[2].l) && arr2[2].l->id == 42);
    grt_keepalive(arr);
    grt_keepalive(arr2);
}

/* ---- garbage is collected: the heap stays bounded --------------------------------- */

static void t_bounded_heap(void *arg) {
    (void)arg;
    grt_gc();
    grt_stats s0 = stats_now();
    uint64_t peak = 0;
    for (int i = 0; i < 40 / scale; i++) {
        churn(8u << 20); /* 320 MiB in all, nothing kept */
        grt_stats s = stats_now();
        if (s.heap_inuse > peak)
            peak = s.heap_inuse;
    }
    grt_stats s1 = stats_now();
    CHECK(s1.gc_cycles > s0.gc_cycles + 5 / (uint64_t)scale);
    /* Live data is tiny: GOGC=100 keeps the heap near its 4 MiB minimum
     * (plus spans of every size class and the large objects in flight). */
    CHECK(peak < (64u << 20));
    if (peak >= (64u << 20))
        fprintf(stderr, "  peak heap in use %" PRIu64 " bytes\n", peak);
}

/* ---- GOGC off and the memory limit (setters) ---------------------------------------- */

static void t_gogc_off(void *arg) {
    (void)arg;
    int old = grt_set_gc_percent(-1);
    grt_stats s0 = stats_now();
    churn((48u << 20) / (size_t)scale);
    grt_stats s1 = stats_now();
    CHECK(s1.gc_cycles == s0.gc_cycles);
    CHECK(s1.gc_trigger == UINT64_MAX);
    CHECK(grt_set_gc_percent(old) == -1);
    grt_gc();
}

static void t_memory_limit(void *arg) {
    (void)arg;
    int old = grt_set_gc_percent(-1);
    int64_t lim = 48 << 20;
    int64_t oldlim = grt_set_memory_limit(lim);
    CHECK(oldlim == INT64_MAX);
    CHECK(grt_set_memory_limit(-1) == lim);
    grt_gc();
    grt_stats s0 = stats_now();
    uint64_t peak = 0;
    for (int i = 0; i < 24 / scale; i++) {
        churn(8u << 20);
        grt_stats s = stats_now();
        if (s.heap_inuse + s.heap_free > peak)
            peak = s.heap_inuse + s.heap_free;
    }
    grt_stats s1 = stats_now();
    CHECK(s1.gc_cycles > s0.gc_cycles); /* the limit alone triggers */
    CHECK(peak <= (uint64_t)lim);
    if (peak > (uint64_t)lim)
        fprintf(stderr, "  peak retained %" PRIu64 " > limit %" PRId64 "\n",
                peak, lim);
    grt_set_memory_limit(oldlim);
    grt_set_gc_percent(old);
}

/* ---- cycle hooks, FreeOSMemory, statistics ------------------------------------------- */

static _Atomic int hook_calls;
static void count_hook(void) {
    atomic_fetch_add(&hook_calls, 1);
}

static void t_hooks_and_release(void *arg) {
    (void)arg;
    grt_gc_register_cycle_hook(count_hook);
    int h0 = atomic_load(&hook_calls);
    grt_gc();
    grt_gc();
    CHECK(atomic_load(&hook_calls) == h0 + 2);
    /* 32 MiB live, then dropped and released. */
    void **keep = grt_new_array(&ptr_type, 256);
    for (int i = 0; i < 256; i++)
        GRT_STORE_PTR(&keep[i], grt_new_bytes(128 << 10));
    grt_gc();
    grt_stats s0 = stats_now();
    CHECK(s0.gc_last_heap_live >= (32u << 20));
    for (int i = 0; i < 256; i++)
        GRT_STORE_PTR(&keep[i], NULL);
    grt_free_os_memory();
    grt_stats s1 = stats_now();
    CHECK(s1.heap_scavenged_total >= s0.heap_scavenged_total + (16u << 20));
    CHECK(s1.gc_last_heap_live < (16u << 20));
    CHECK(s1.stw_pauses >= 2 && s1.stw_pause_max_ns > 0);
    uint64_t h = 0;
    for (int i = 0; i < 24; i++)
        h += s1.stw_pause_hist[i];
    CHECK(h == s1.stw_pauses);
    CHECK(s1.gc_forced >= 3 && s1.gc_forced <= s1.gc_cycles);
    CHECK(s1.gc_noscan_marked_bytes > 0);
    grt_keepalive(keep);
}

/* ---- many goroutines mutating a shared graph while cycles run ---------------------- */

enum { MUT_G = 8, MUT_SLOTS = 1024, MUT_LIST = 6 };

struct mut_ctx {
    struct node **slots; /* heap array of list heads */
    grt_waitgroup wg;
    _Atomic int bad;
    int iters;
};

/* Each mutator's own argument: its partition index. Not the goroutine id:
 * the collector's worker goroutines take ids too, so ids of mutators started
 * in a row need not be consecutive, and two mutators could then share a
 * partition and race on one list (a test bug that looks like a lost object). */
struct mut_arg {
    struct mut_ctx *m;
    uint64_t part;
};

static uint64_t list_check(struct node *h) {
    uint64_t n = 0;
    for (; h != NULL; h = h->l, n++)
        if (!node_ok(h) || n > MUT_LIST)
            return UINT64_MAX;
    return n;
}

static struct node *make_list(uint64_t base, int len) {
    struct node *h = NULL;
    for (int i = 0; i < len; i++) {
        struct node *n = new_node(base + (uint64_t)i);
        n->l = h; /* unpublished, allocated black: no barrier needed */
        h = n;
    }
    return h;
}

static void mutator(void *arg) {
    struct mut_ctx *m = ((struct mut_arg *)arg)->m;
    uint64_t me = ((struct mut_arg *)arg)->part;
    uint64_t r = me * 0x9e3779b97f4a7c15ull + 1;
    for (int it = 0; it < m->iters; it++) {
        r ^= r << 13, r ^= r >> 7, r ^= r << 17;
        /* Own partition of the slots: slot % MUT_G == me % MUT_G. */
        size_t i = (r % (MUT_SLOTS / MUT_G)) * MUT_G + me % MUT_G;
        size_t j = ((r >> 20) % (MUT_SLOTS / MUT_G)) * MUT_G + me % MUT_G;
        switch (r >> 60 & 3) {
        case 0: /* replace a list */
            GRT_STORE_PTR(&m->slots[i],
                          make_list(r >> 8, 1 + (int)(r % MUT_LIST)));
            break;
        case 1: /* move a list: the only path to it is cut and re-made */
            if (i != j && m->slots[j] == NULL) {
                struct node *h = m->slots[i];
                GRT_STORE_PTR(&m->slots[i], NULL);
                grt_gosched(); /* held on the stack only, meanwhile */
                GRT_STORE_PTR(&m->slots[j], h);
            }
            break;
        case 2: /* splice: unlink the second node, hold it, relink */
            if (m->slots[i] != NULL && m->slots[i]->l != NULL) {
                struct node *h = m->slots[i], *x = h->l;
                GRT_STORE_PTR(&h->l, x->l);
                churn(4096);
                GRT_STORE_PTR(&x->l, h->l);
                GRT_STORE_PTR(&h->l, x);
            }
            break;
        default:
            if (list_check(m->slots[i]) == UINT64_MAX)
                atomic_store(&m->bad, 1);
            churn(2048);
        }
    }
    grt_waitgroup_done(&m->wg);
}

static void t_concurrent_mutation(void *arg) {
    (void)arg;
    static struct mut_ctx m; /* static: the test's own state is no root */
    m.slots = grt_new_array(&ptr_type, MUT_SLOTS);
    atomic_store(&m.bad, 0);
    m.iters = 20000 / scale;
    grt_stats s0 = stats_now();
    grt_waitgroup_add(&m.wg, MUT_G);
    grt_gc_add_root(&m.slots, sizeof m.slots);
    static struct mut_arg args[MUT_G];
    for (int g = 0; g < MUT_G; g++) {
        args[g] = (struct mut_arg){&m, (uint64_t)g};
        grt_go(mutator, &args[g]);
    }
    grt_waitgroup_wait(&m.wg);
    grt_gc();
    churn(8u << 20);
    bool ok = atomic_load(&m.bad) == 0;
    for (size_t i = 0; i < MUT_SLOTS; i++)
        ok &= list_check(m.slots[i]) != UINT64_MAX;
    CHECK(ok);
    grt_stats s1 = stats_now();
    CHECK(s1.gc_cycles > s0.gc_cycles + 2);
    grt_gc_remove_root(&m.slots);
    m.slots = NULL;
}

/* ---- goroutines woken while the collector marks -------------------------------- */

/* Stacks are scanned during the concurrent mark, each before its goroutine
 * runs again. Goroutines park holding the only pointer to a list on their
 * stacks; a cycle starts (a big live graph keeps it marking for a while)
 * and they are woken in the middle of it. Each then moves its list into
 * a fresh object with a plain store (the contract: an object allocated
 * during the cycle needs no barrier before it is published), drops the
 * stack copy, publishes the fresh object, and yields while the mark goes
 * on. If a woken goroutine ran before its stack was scanned, its list
 * would be reachable only from an object allocated black and never
 * scanned: freed, and gccheckmark (the torture run and the checkmark
 * child) names it. */
enum { WAKE_G = 8, WAKE_LIST = 64 };
static _Atomic int cycle_starts;
static grt_chan *_Atomic wake_in_pause; /* woken from the first pause */
static void cycle_started(void) {
    atomic_fetch_add(&cycle_starts, 1);
    /* Ready parked goroutines inside the pause itself: they are then
     * runnable before any marker has looked at a stack, and the first to
     * run goes before the workers started in this pause. */
    grt_chan *c = atomic_exchange(&wake_in_pause, NULL);
    int v = 1;
    if (c != NULL)
        while (grt_chan_trysend(c, &v))
            ;
}

struct wake_ctx {
    grt_chan *go, *done;
    struct node **out; /* heap array: one slot per goroutine */
    _Atomic int bad;
};
struct wake_arg {
    struct wake_ctx *w;
    int i;
};

static __attribute__((noinline)) struct node *wake_hold(struct wake_ctx *w,
                                                        int i) {
    struct node *list = make_list(20000 + (uint64_t)i * 1000, WAKE_LIST);
    int x;
    grt_chan_recv(w->go, &x); /* parked: the list is on this stack only */
    struct node *box = new_node(30000 + (uint64_t)i);
    box->r = list; /* plain store into a black object */
    list = NULL;
    grt_keepalive(&list);
    return box;
}

static void wake_g(void *arg) {
    struct wake_arg *a = arg;
    struct wake_ctx *w = a->w;
    struct node *box = wake_hold(w, a->i);
    GRT_STORE_PTR(&w->out[a->i], box);
    box = NULL;
    for (int k = 0; k < 20; k++) {
        churn(64 << 10);
        grt_gosched();
    }
    int one = 1;
    grt_chan_send(w->done, &one);
}

static void wake_forcer(void *arg) {
    (void)arg;
    grt_gc();
}

static void t_wake_during_mark(void *arg) {
    (void)arg;
    grt_gc_register_cycle_hook(cycle_started);
    static struct wake_ctx w;
    w.go = grt_chan_make(sizeof(int), 0);
    w.done = grt_chan_make(sizeof(int), WAKE_G);
    w.out = grt_new_array(&ptr_type, WAKE_G);
    atomic_store(&w.bad, 0);
    grt_gc_add_root(&w.out, sizeof w.out);
    /* A live graph big enough that marking it takes a while. */
    struct node **big = grt_new_array(&ptr_type, 4096);
    for (int i = 0; i < 4096; i++)
        GRT_STORE_PTR(&big[i], make_list((uint64_t)i << 8, 64 / scale + 1));
    static struct wake_arg args[WAKE_G];
    for (int i = 0; i < WAKE_G; i++) {
        args[i] = (struct wake_arg){&w, i};
        grt_go(wake_g, &args[i]);
    }
    grt_gc(); /* every goroutine parked in wake_hold by now, or soon */
    for (int r = 0; r < 50; r++)
        grt_gosched();
    int c0 = atomic_load(&cycle_starts);
    atomic_store(&wake_in_pause, w.go);
    grt_go(wake_forcer, NULL);
    while (atomic_load(&cycle_starts) == c0)
        grt_gosched();
    atomic_store(&wake_in_pause, NULL);
    int v = 1;
    for (int done = 0; done < WAKE_G;) {
        while (grt_chan_trysend(w.go, &v)) /* any the pause did not wake */
            ;
        if (grt_chan_tryrecv(w.done, &v, NULL))
            done++;
        else
            grt_gosched();
    }
    grt_gc();
    grt_gc();
    /* Reuse any freed node slot (churn() allocates pointer-free memory,
     * which never shares spans with nodes). */
    for (int i = 0; i < (1 << 17) / scale; i++)
        new_node(1u << 30);
    bool ok = true;
    for (int i = 0; i < WAKE_G; i++) {
        struct node *box = w.out[i];
        ok &= node_ok(box) && box->id == 30000 + (uint64_t)i;
        if (!ok)
            break;
        uint64_t n = 0, id = 20000 + (uint64_t)i * 1000 + WAKE_LIST - 1;
        for (struct node *h = box->r; h != NULL && n <= WAKE_LIST;
             h = h->l, n++)
            ok &= node_ok(h) && h->id == id - n;
        ok &= n == WAKE_LIST;
    }
    CHECK(ok);
    grt_keepalive(big);
    grt_gc_remove_root(&w.out);
    grt_chan_free(w.go);
    grt_chan_free(w.done);
}

/* ---- children: environment-driven behaviour -------------------------------------------- */

static void c_gctrace(void *arg) {
    (void)arg;
    for (int i = 0; i < 3; i++) {
        churn(12u << 20);
        grt_gc();
    }
}

static void c_env(void *arg) {
    (void)arg;
    grt_stats s = stats_now();
    churn(16u << 20);
    grt_stats s1 = stats_now();
    printf("gc_percent=%d limit=%" PRId64 " cycles=%" PRIu64 "\n", s.gc_percent,
           s.gc_memory_limit, s1.gc_cycles);
}

static void c_graph(void *arg) {
    t_random_graph(arg);
    t_stack_roots(arg);
    t_chan_roots(arg);
    t_register_roots(arg);
    t_concurrent_mutation(arg);
    t_wake_during_mark(arg);
    printf("child-ok %d\n", hx_check_failures() == 0);
}

static void c_chan_barrier(void *arg) {
    t_chan_barrier(arg);
    printf("child-ok %d caught %d\n", hx_check_failures() == 0,
           atomic_load(&wb_caught));
}

static const struct child {
    const char *name;
    void (*fn)(void *);
} children[] = {
    {"gctrace", c_gctrace},
    {"chan_barrier", c_chan_barrier},
    {"env", c_env},
    {"graph", c_graph},
};

/* Run this binary's child `name` with `env` (NAME=VALUE ...); returns its
 * combined output (static) and exit status. */
static const char *run_child(const char *env, const char *name, int *status) {
    char cmd[4096];
    snprintf(cmd, sizeof cmd,
             "env -u GODEBUG -u GOGC -u GOMEMLIMIT -u GC_TEST_SCALE %s "
             "'%s' --child %s 2>&1",
             env, self_path, name);
    FILE *f = popen(cmd, "r");
    static char out[1 << 20];
    out[0] = 0;
    if (f == NULL) {
        *status = -1;
        return out;
    }
    size_t n = fread(out, 1, sizeof out - 1, f);
    out[n] = 0;
    *status = pclose(f);
    return out;
}

/* One gctrace line parsed with Go's layout; true if it matches. */
static bool parse_gctrace(const char *line, bool *forced) {
    unsigned n, util, h0, h1, h2, goal, stacks, glob, procs;
    double at, c1, c2, c3, u1, u2, u3, u4, u5;
    int used = 0;
    int k = sscanf(line,
                   "gc %u @%lfs %u%%: %lf+%lf+%lf ms clock, "
                   "%lf+%lf/%lf/%lf+%lf ms cpu, %u->%u->%u MB, %u MB goal, "
                   "%u MB stacks, %u MB globals, %u P%n",
                   &n, &at, &util, &c1, &c2, &c3, &u1, &u2, &u3, &u4, &u5, &h0,
                   &h1, &h2, &goal, &stacks, &glob, &procs, &used);
    if (k != 18)
        return false;
    const char *rest = line + used;
    *forced = strncmp(rest, " (forced)", 9) == 0;
    if (*forced)
        rest += 9;
    return *rest == '\n' || *rest == 0;
}

static void t_gctrace(void *arg) {
    (void)arg;
    int st;
    const char *out = run_child("GODEBUG=gctrace=1", "gctrace", &st);
    CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 0);
    int lines = 0, forced = 0;
    for (const char *p = out; *p;) {
        const char *e = strchr(p, '\n');
        size_t len = e ? (size_t)(e - p) + 1 : strlen(p);
        if (strncmp(p, "gc ", 3) == 0) {
            char line[512];
            snprintf(line, sizeof line, "%.*s", (int)len, p);
            bool f = false;
            if (parse_gctrace(line, &f)) {
                lines++;
                forced += f;
            } else {
                CHECK_FAIL("bad gctrace line: %s", line);
            }
        }
        p += len;
    }
    CHECK(forced == 3);
    CHECK(lines >= 4); /* the forced ones and at least one paced cycle */
    if (lines < 4 || forced != 3)
        fprintf(stderr, "  child output:\n%s\n", out);
}

static void t_bad_env(void *arg) {
    (void)arg;
    int st;
    const char *out =
        run_child("GOGC=abc GOMEMLIMIT=12XB GODEBUG=gctrace=zz", "env", &st);
    CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 0);
    CHECK(strstr(out, "GOGC=abc ignored") != NULL);
    CHECK(strstr(out, "GOMEMLIMIT=12XB ignored") != NULL);
    CHECK(strstr(out, "ignoring gctrace=zz") != NULL);
    CHECK(strstr(out, "gc_percent=100 limit=9223372036854775807") != NULL);
    CHECK(strstr(out, "\ngc 1 @") == NULL && strncmp(out, "gc 1 @", 6) != 0);
    out = run_child("GOGC=off GOMEMLIMIT=off", "env", &st);
    CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 0);
    CHECK(strstr(out, "gc_percent=-1 limit=9223372036854775807 cycles=0") !=
          NULL);
    out = run_child("GOGC=50 GOMEMLIMIT=64MiB", "env", &st);
    CHECK(strstr(out, "gc_percent=50 limit=67108864") != NULL);
    out = run_child("GOGC=-5 GOMEMLIMIT=-1", "env", &st);
    CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 0);
    CHECK(strstr(out, "GOGC=-5 ignored") != NULL);
    CHECK(strstr(out, "GOMEMLIMIT=-1 ignored") != NULL);
}

static void t_checkmark_child(void *arg) {
    (void)arg;
    int st;
    const char *out =
        run_child("GODEBUG=gccheckmark=1,gccollectevery=64 GC_TEST_SCALE=8",
                  "graph", &st);
    CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 0);
    CHECK(strstr(out, "child-ok 1") != NULL);
    if (strstr(out, "child-ok 1") == NULL)
        fprintf(stderr, "  child output:\n%s\n", out);
}

/* The channel barrier under gccheckmark, the oracle: a pointer the
 * concurrent mark missed stops the child with "checkmark found unmarked
 * object". GOGC=off: only the test's own cycles run. */
static void t_chan_barrier_checkmark(void *arg) {
    (void)arg;
    int st;
    const char *out =
        run_child("GODEBUG=gccheckmark=1 GOGC=off", "chan_barrier", &st);
    CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 0);
    CHECK(strstr(out, "child-ok 1") != NULL);
    if (!WIFEXITED(st) || WEXITSTATUS(st) != 0 ||
        strstr(out, "child-ok 1") == NULL)
        fprintf(stderr, "  child output:\n%s\n", out);
}

/* ---- driver ------------------------------------------------------------------------------ */

static const struct test {
    const char *name;
    void (*fn)(void *);
    int procs;
} tests[] = {
    {"alloc_basics", t_alloc_basics, 0},
    {"random_graph", t_random_graph, 0},
    {"stack_roots", t_stack_roots, 0},
    {"global_roots", t_global_roots, 0},
    {"register_roots", t_register_roots, 0},
    {"register_roots_1p", t_register_roots, 1},
    {"chan_roots", t_chan_roots, 0},
    {"syscall_roots", t_syscall_roots, 0},
    {"chan_barrier", t_chan_barrier, 0},
    {"chan_barrier_checkmark", t_chan_barrier_checkmark, 0},
    {"large_arrays", t_large_arrays, 0},
    {"wake_during_mark", t_wake_during_mark, 0},
    {"wake_during_mark_1p", t_wake_during_mark, 1},
    {"concurrent_mutation", t_concurrent_mutation, 0},
    {"concurrent_mutation_4p", t_concurrent_mutation, 4},
    {"concurrent_mutation_1p", t_concurrent_mutation, 1},
    {"bounded_heap", t_bounded_heap, 0},
    {"gogc_off", t_gogc_off, 0},
    {"memory_limit", t_memory_limit, 0},
    {"hooks_and_release", t_hooks_and_release, 0},
    {"gctrace", t_gctrace, 0},
    {"bad_env", t_bad_env, 0},
    {"checkmark_collectevery", t_checkmark_child, 0},
};

int main(int argc, char **argv) {
    self_path = argv[0];
    const char *sc = getenv("GC_TEST_SCALE");
    if (sc != NULL && atoi(sc) > 0)
        scale = atoi(sc);
    if (argc == 3 && strcmp(argv[1], "--child") == 0) {
        for (size_t i = 0; i < sizeof children / sizeof *children; i++)
            if (strcmp(argv[2], children[i].name) == 0) {
                grt_run(children[i].fn, NULL);
                return hx_check_failures() ? 1 : 0;
            }
        return 3;
    }
    const char *only = argc == 2 ? argv[1] : NULL;
    int defprocs = grt_gomaxprocs();
    for (size_t i = 0; i < sizeof tests / sizeof *tests; i++) {
        if (only != NULL && strcmp(only, tests[i].name) != 0)
            continue;
        int f0 = hx_check_failures();
        grt_setmaxprocs(tests[i].procs ? tests[i].procs : defprocs);
        grt_run(tests[i].fn, NULL);
        hx_check_case(hx_check_failures() == f0, "%s", tests[i].name);
    }
    return hx_check_done();
}
