/*
 * check.h - the scaffolding every C test shares: a non-fatal CHECK, the
 * closing line ctest's output shows ("N passed, M failed"), named cases,
 * and running a case that must die (a fatal error, an abort) in a child
 * process.
 *
 *     #include "check.h"
 *     int main(void) {
 *         CHECK(1 + 1 == 2);
 *         CHECK_MSG(x > 0, "x = %d", x);
 *         CHECK(hx_check_dies(boom, NULL, "fatal error: boom"));
 *         return hx_check_done();
 *     }
 *
 * CHECK evaluates its condition once, counts it, and on failure prints
 * the file, line and expression (and CHECK_MSG's message) to stderr; the
 * test goes on, so one run shows every failure. CHECK_FAIL counts a
 * failure that no single expression states (an expected line missing
 * from a child's output, a case this platform cannot run). hx_check_done()
 * prints the closing line and returns the exit status (0 only when
 * nothing failed and something was checked: a test that checked nothing
 * fails).
 *
 * Threads. The counters are atomic, so goroutines on several of the
 * runtime's threads (and any other threads) may CHECK at once; a
 * failure is never lost to a race.
 *
 * Named cases. A test made of cases (the runtime's tests run each case as
 * one grt_run) notes hx_check_failures() before a case and passes
 * "nothing failed since" to hx_check_case(), which prints "ok   name" or
 * "FAIL name" and counts the case as one more check:
 *
 *     int f0 = hx_check_failures();
 *     int rc = grt_run(tests[i].fn, NULL);
 *     hx_check_case(rc == 0 && hx_check_failures() == f0, "%s", name);
 *
 * With the runtime. A test that includes grt.h before this header also
 * gets stats_now(), the runtime's counters as a value (for
 * before/after differences); the harness's tests, which do not link the
 * runtime, do not.
 *
 * Counters are per test program (static in this header, one executable
 * per module).
 */
#ifndef MECHLAB_TESTS_CHECK_H
#define MECHLAB_TESTS_CHECK_H

#include <stdarg.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

static _Atomic int hx_check_passed, hx_check_failed;

static inline bool hx_check_count(bool ok, const char *file, int line,
                                  const char *expr) {
    if (ok) {
        atomic_fetch_add(&hx_check_passed, 1);
    } else {
        atomic_fetch_add(&hx_check_failed, 1);
        fprintf(stderr, "FAIL %s:%d: %s\n", file, line, expr);
    }
    return ok;
}

/* Failures counted so far (for "did this case fail anything?"). */
static inline int hx_check_failures(void) {
    return atomic_load(&hx_check_failed);
}

#define CHECK(cond)                                                            \
    hx_check_count((cond) ? true : false, __FILE__, __LINE__, #cond)
#define CHECK_MSG(cond, ...)                                                   \
    do {                                                                       \
        if (!hx_check_count((cond) ? true : false, __FILE__, __LINE__,         \
                            #cond)) {                                          \
            fprintf(stderr, "  ");                                             \
            fprintf(stderr, __VA_ARGS__);                                      \
            fputc('\n', stderr);                                               \
        }                                                                      \
    } while (0)

#define CHECK_FAIL(...)                                                        \
    do {                                                                       \
        hx_check_count(false, __FILE__, __LINE__, "CHECK_FAIL");               \
        fprintf(stderr, "  ");                                                 \
        fprintf(stderr, __VA_ARGS__);                                          \
        fputc('\n', stderr);                                                   \
    } while (0)

/* One named case: prints "ok   <name>" or "FAIL <name>" on stdout and
 * counts it as a check; returns ok. */
static inline bool hx_check_case(bool ok, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
static inline bool hx_check_case(bool ok, const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    fputs(ok ? "ok   " : "FAIL ", stdout);
    vprintf(fmt, ap);
    putchar('\n');
    fflush(stdout);
    va_end(ap);
    atomic_fetch_add(ok ? &hx_check_passed : &hx_check_failed, 1);
    return ok;
}

static inline int hx_check_done(void) {
    if (atomic_load(&hx_check_passed) + atomic_load(&hx_check_failed) == 0) {
        fprintf(stderr, "FAIL: nothing was checked\n");
        atomic_fetch_add(&hx_check_failed, 1);
    }
    int failed = atomic_load(&hx_check_failed);
    printf("%d passed, %d failed\n", atomic_load(&hx_check_passed), failed);
    return failed ? 1 : 0;
}

#ifdef MECHLAB_GRT_H
/* The runtime's counters now (grt.h was included first). */
static inline grt_stats stats_now(void) {
    grt_stats s;
    grt_stats_read(&s);
    return s;
}
#endif

/* Runs fn(arg) in a child with stderr captured; true when the child did
 * not exit 0 (exited non-zero or was killed by a signal) and, if want is
 * not NULL, wrote want to stderr. The child's stderr is echoed when the
 * expectation fails. */
static inline bool hx_check_dies(void (*fn)(void *), void *arg,
                                 const char *want) {
    int fd[2];
    if (pipe(fd) != 0)
        return false;
    fflush(stdout);
    fflush(stderr);
    pid_t pid = fork();
    if (pid < 0)
        return false;
    if (pid == 0) {
        close(fd[0]);
        dup2(fd[1], 2);
        fn(arg);
        _exit(0);
    }
    close(fd[1]);
    char buf[8192];
    size_t n = 0;
    ssize_t k;
    while ((k = read(fd[0], buf + n, sizeof buf - 1 - n)) > 0)
        n += (size_t)k;
    buf[n] = 0;
    close(fd[0]);
    int st = 0;
    waitpid(pid, &st, 0);
    bool died = !(WIFEXITED(st) && WEXITSTATUS(st) == 0);
    bool said = !want || strstr(buf, want) != NULL;
    if (!died || !said)
        fprintf(stderr, "  child %s; its stderr:\n%s\n",
                died ? "died without the expected message" : "did not die",
                buf);
    return died && said;
}

#endif
