/*
 * check.h - the scaffolding every C test shares: a non-fatal CHECK, the
 * closing line ctest's output shows ("N passed, M failed"), and running a
 * case that must die (a fatal error, an abort) in a child process.
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
 * test goes on, so one run shows every failure. hx_check_done() prints
 * the closing line and returns the exit status (0 only when nothing
 * failed and something was checked: a test that checked nothing fails).
 *
 * Counters are per test program (static in this header, one executable
 * per module); tests that check from several threads keep their own
 * atomic flag and CHECK its value at the end.
 */
#ifndef MECHLAB_TESTS_CHECK_H
#define MECHLAB_TESTS_CHECK_H

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

static int hx_check_passed, hx_check_failed;

static inline bool hx_check_count(bool ok, const char *file, int line,
                                  const char *expr) {
    if (ok) {
        hx_check_passed++;
    } else {
        hx_check_failed++;
        fprintf(stderr, "FAIL %s:%d: %s\n", file, line, expr);
    }
    return ok;
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

static inline int hx_check_done(void) {
    if (hx_check_passed + hx_check_failed == 0) {
        fprintf(stderr, "FAIL: nothing was checked\n");
        hx_check_failed++;
    }
    printf("%d passed, %d failed\n", hx_check_passed, hx_check_failed);
    return hx_check_failed ? 1 : 0;
}

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
