/*
 * counters_perf.c - the second backend: perf_event_open(2), per thread.
 *
 * Events map to perf's generic encodings: PERF_TYPE_HARDWARE (cycles,
 * instructions, cache-references, cache-misses, branch-misses),
 * PERF_TYPE_HW_CACHE (L1D / LL / DTLB, read, miss) and PERF_TYPE_SOFTWARE
 * (task-clock in ns, page-faults, minor-faults, major-faults,
 * context-switches, cpu-migrations). Every counter is opened on the calling
 * thread only (pid 0, cpu -1, no inherit), one fd per event, not a group:
 * software events never compete for PMU slots, and separate hardware
 * events are multiplexed by the kernel rather than failing together.
 *
 * Probing opens the event for real, enables it, burns a few thousand
 * iterations and reads it: the open answers whether the kernel and the PMU
 * know the event (a VM without a virtual PMU answers ENOENT for every
 * hardware event), and the read answers whether it was ever scheduled.
 * Privilege: the first attempt counts user and kernel mode; if the kernel
 * refuses (EACCES/EPERM: perf_event_paranoid >= 2 for an unprivileged
 * process) the probe retries with exclude_kernel = 1, and that choice is
 * the cookie the plan hands back to thread open, so every thread counts
 * the same thing. exclude_hv is always set (hypervisor time is nobody's).
 *
 * Reads use PERF_FORMAT_TOTAL_TIME_ENABLED | _RUNNING and hand the three
 * numbers back raw. When running < enabled the kernel multiplexed the
 * counter; the estimate (value x enabled / running) is made by
 * hx_counter_delta() on the deltas of the three between two reads, never
 * here on one cumulative reading: estimates of two different windows are
 * not comparable, and their difference can be negative. An event that did
 * not run between two reads has no estimate (-ENODATA there), never 0.
 *
 * State per thread: the fds, owned by the opening thread, closed at close.
 * The backend keeps no global state; the paranoid level and the PMU's
 * presence are read from /proc and /sys when a reason or report needs them.
 */
#define _GNU_SOURCE
#include "counters_backend.h"

#include <dirent.h>
#include <errno.h>
#include <linux/perf_event.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/syscall.h>
#include <unistd.h>

/* Probe workload: enough iterations for a hardware counter to tick and
 * for the kernel to schedule it, short enough to be invisible (~10 us). */
#define PERF_PROBE_SPIN 20000

/* Cookie bits (hx_counter_backend.probe's *how). */
#define HOW_USER_ONLY 1u /* exclude_kernel = 1 was needed */

typedef struct perf_map {
    uint32_t type;
    uint64_t config;
} perf_map;

#define HW_CACHE(id, op, res)                                                  \
    ((uint64_t)(id) | ((uint64_t)(op) << 8) | ((uint64_t)(res) << 16))

static const perf_map perf_events[HX_EV_COUNT] = {
    [HX_EV_CYCLES] = {PERF_TYPE_HARDWARE, PERF_COUNT_HW_CPU_CYCLES},
    [HX_EV_INSTRUCTIONS] = {PERF_TYPE_HARDWARE, PERF_COUNT_HW_INSTRUCTIONS},
    [HX_EV_CACHE_REFERENCES] = {PERF_TYPE_HARDWARE,
                                PERF_COUNT_HW_CACHE_REFERENCES},
    [HX_EV_CACHE_MISSES] = {PERF_TYPE_HARDWARE, PERF_COUNT_HW_CACHE_MISSES},
    [HX_EV_BRANCH_MISSES] = {PERF_TYPE_HARDWARE, PERF_COUNT_HW_BRANCH_MISSES},
    [HX_EV_L1D_LOAD_MISSES] = {PERF_TYPE_HW_CACHE,
                               HW_CACHE(PERF_COUNT_HW_CACHE_L1D,
                                        PERF_COUNT_HW_CACHE_OP_READ,
                                        PERF_COUNT_HW_CACHE_RESULT_MISS)},
    [HX_EV_LLC_LOAD_MISSES] = {PERF_TYPE_HW_CACHE,
                               HW_CACHE(PERF_COUNT_HW_CACHE_LL,
                                        PERF_COUNT_HW_CACHE_OP_READ,
                                        PERF_COUNT_HW_CACHE_RESULT_MISS)},
    [HX_EV_DTLB_LOAD_MISSES] = {PERF_TYPE_HW_CACHE,
                                HW_CACHE(PERF_COUNT_HW_CACHE_DTLB,
                                         PERF_COUNT_HW_CACHE_OP_READ,
                                         PERF_COUNT_HW_CACHE_RESULT_MISS)},
    [HX_EV_TASK_CLOCK] = {PERF_TYPE_SOFTWARE, PERF_COUNT_SW_TASK_CLOCK},
    [HX_EV_PAGE_FAULTS] = {PERF_TYPE_SOFTWARE, PERF_COUNT_SW_PAGE_FAULTS},
    [HX_EV_MINOR_FAULTS] = {PERF_TYPE_SOFTWARE, PERF_COUNT_SW_PAGE_FAULTS_MIN},
    [HX_EV_MAJOR_FAULTS] = {PERF_TYPE_SOFTWARE, PERF_COUNT_SW_PAGE_FAULTS_MAJ},
    [HX_EV_CONTEXT_SWITCHES] = {PERF_TYPE_SOFTWARE,
                                PERF_COUNT_SW_CONTEXT_SWITCHES},
    [HX_EV_CPU_MIGRATIONS] = {PERF_TYPE_SOFTWARE, PERF_COUNT_SW_CPU_MIGRATIONS},
};

/* What read(2) returns for one fd with our read_format. */
typedef struct perf_reading {
    uint64_t value, enabled, running;
} perf_reading;

typedef struct perf_state {
    size_t n;
    int fd[HX_EV_COUNT]; /* -1: not open (only during a failed open) */
} perf_state;

/* ---- facts about the machine ---------------------------------------- */

/* perf_event_paranoid, or INT32_MIN when /proc does not say. */
static int paranoid_level(void) {
    FILE *f = fopen("/proc/sys/kernel/perf_event_paranoid", "r");
    int v = INT32_MIN;
    if (f) {
        if (fscanf(f, "%d", &v) != 1)
            v = INT32_MIN;
        fclose(f);
    }
    return v;
}

/* Name of a CPU PMU under /sys/bus/event_source/devices ("cpu", or the
 * hybrid "cpu_core"/"cpu_atom", or an Arm "armv8_pmuv3*"), copied into
 * buf; false when there is none. */
static bool cpu_pmu(char *buf, size_t len) {
    DIR *d = opendir("/sys/bus/event_source/devices");
    if (d == NULL)
        return false;
    bool found = false;
    struct dirent *e;
    while (!found && (e = readdir(d)) != NULL) {
        const char *n = e->d_name;
        if (strcmp(n, "cpu") == 0 || strncmp(n, "cpu_", 4) == 0 ||
            strncmp(n, "armv8_pmu", 9) == 0 || strncmp(n, "armv7_", 6) == 0) {
            snprintf(buf, len, "%s", n);
            found = true;
        }
    }
    closedir(d);
    return found;
}

/* True when /proc/cpuinfo carries the x86 "hypervisor" flag. */
static bool under_hypervisor(void) {
    FILE *f = fopen("/proc/cpuinfo", "r");
    if (f == NULL)
        return false;
    char line[4096];
    bool vm = false;
    while (!vm && fgets(line, sizeof line, f)) {
        if (strncmp(line, "flags", 5) == 0 && strstr(line, " hypervisor"))
            vm = true;
    }
    fclose(f);
    return vm;
}

static const char *errno_name(int e) {
    switch (e) {
    case ENOENT:
        return "ENOENT";
    case EACCES:
        return "EACCES";
    case EPERM:
        return "EPERM";
    case EOPNOTSUPP:
        return "EOPNOTSUPP";
    case ENODEV:
        return "ENODEV";
    case ENOSYS:
        return "ENOSYS";
    case EINVAL:
        return "EINVAL";
    case EMFILE:
        return "EMFILE";
    case ENFILE:
        return "ENFILE";
    case EBUSY:
        return "EBUSY";
    case E2BIG:
        return "E2BIG";
    case ENODATA:
        return "ENODATA";
    default:
        return NULL;
    }
}

static bool is_hardware(hx_event_id ev) {
    uint32_t t = perf_events[ev].type;
    return t == PERF_TYPE_HARDWARE || t == PERF_TYPE_HW_CACHE;
}

/* One line, e.g. "perf: ENOENT, no hardware PMU exposed to this VM". The
 * event's name is left out where the caller's line already names it, to
 * keep the joined reasons within HX_REASON_MAX. */
static void explain(char *why, size_t len, hx_event_id ev, int e) {
    char pmu[256];
    const char *en = errno_name(e);
    char ebuf[32];
    if (en == NULL) {
        snprintf(ebuf, sizeof ebuf, "errno %d", e);
        en = ebuf;
    }
    const char *name = hx_event_name(ev);
    int par = paranoid_level();
    switch (e) {
    case ENOENT:
    case EOPNOTSUPP:
    case ENODEV:
        if (is_hardware(ev) && !cpu_pmu(pmu, sizeof pmu)) {
            snprintf(why, len, "perf: %s, no hardware PMU exposed%s", en,
                     under_hypervisor() ? " to this VM" : "");
        } else {
            snprintf(why, len, "perf: %s, %s not supported by %s", en, name,
                     is_hardware(ev) ? "this CPU's PMU" : "this kernel");
        }
        break;
    case EACCES:
    case EPERM:
        snprintf(why, len, "perf: %s, perf_event_paranoid=%d forbids it", en,
                 par);
        break;
    case ENOSYS:
        snprintf(why, len, "perf: ENOSYS, kernel built without perf events");
        break;
    case EMFILE:
    case ENFILE:
        snprintf(why, len, "perf: %s, out of file descriptors", en);
        break;
    case ENODATA:
        snprintf(why, len,
                 "perf: %s opens but never counts (never "
                 "scheduled on a PMU)",
                 name);
        break;
    default:
        snprintf(why, len, "perf: %s, %s", en, strerror(e));
        break;
    }
}

/* ---- opening and reading -------------------------------------------- */

/* Opens ev on the calling thread; returns the fd or -errno. */
static int open_event(hx_event_id ev, bool user_only, bool disabled) {
    struct perf_event_attr a;
    memset(&a, 0, sizeof a);
    a.size = sizeof a;
    a.type = perf_events[ev].type;
    a.config = perf_events[ev].config;
    a.read_format =
        PERF_FORMAT_TOTAL_TIME_ENABLED | PERF_FORMAT_TOTAL_TIME_RUNNING;
    a.disabled = disabled;
    a.exclude_kernel = user_only;
    a.exclude_hv = 1;
    a.inherit = 0;
    long fd =
        syscall(SYS_perf_event_open, &a, 0 /* this thread */, -1 /* any cpu */,
                -1 /* no group */, PERF_FLAG_FD_CLOEXEC);
    return fd < 0 ? -errno : (int)fd;
}

static int read_event(int fd, perf_reading *r) {
    ssize_t got = read(fd, r, sizeof *r);
    if (got == (ssize_t)sizeof *r)
        return 0;
    return got < 0 ? -errno : -EIO;
}

static void spin(void) {
    volatile unsigned sink = 0;
    for (unsigned i = 0; i < PERF_PROBE_SPIN; i++)
        sink += i;
    (void)sink;
}

/* Opens, enables, spins and reads ev once: 0 or -errno. */
static int try_event(hx_event_id ev, bool user_only) {
    int fd = open_event(ev, user_only, true);
    if (fd < 0)
        return fd;
    int rc = 0;
    if (ioctl(fd, PERF_EVENT_IOC_ENABLE, 0) != 0) {
        rc = -errno;
    } else {
        spin();
        ioctl(fd, PERF_EVENT_IOC_DISABLE, 0);
        perf_reading r;
        rc = read_event(fd, &r);
        if (rc == 0 && r.enabled > 0 && r.running == 0)
            rc = -ENODATA;
    }
    close(fd);
    return rc;
}

/* ---- backend interface ------------------------------------------------ */

static void *perf_probe_begin(char *why, size_t len) {
    (void)why;
    (void)len;
    static int session; /* stateless: every probe is independent */
    return &session;
}

static int perf_probe(void *session, hx_event_id ev, unsigned *how, char *why,
                      size_t len) {
    (void)session;
    *how = 0;
    int rc = try_event(ev, false);
    if (rc == -EACCES || rc == -EPERM) {
        rc = try_event(ev, true);
        if (rc == 0)
            *how = HOW_USER_ONLY;
    }
    if (rc != 0)
        explain(why, len, ev, -rc);
    return rc;
}

static void perf_probe_end(void *session) {
    (void)session;
}

static void perf_thread_close(void *state) {
    perf_state *s = state;
    for (size_t k = 0; k < s->n; k++)
        if (s->fd[k] >= 0)
            close(s->fd[k]);
    free(s);
}

static void *perf_thread_open(const hx_event_id *evs, const unsigned *hows,
                              size_t n) {
    if (n > HX_EV_COUNT) {
        errno = EINVAL;
        return NULL;
    }
    perf_state *s = malloc(sizeof *s);
    if (s == NULL)
        return NULL;
    s->n = n;
    for (size_t k = 0; k < n; k++)
        s->fd[k] = -1;
    for (size_t k = 0; k < n; k++) {
        int fd = open_event(evs[k], hows[k] & HOW_USER_ONLY, false);
        if (fd < 0) {
            perf_thread_close(s);
            errno = -fd;
            return NULL;
        }
        s->fd[k] = fd;
    }
    return s;
}

static int perf_thread_read(void *state, hx_counter_raw *vals) {
    perf_state *s = state;
    for (size_t k = 0; k < s->n; k++) {
        perf_reading r;
        int rc = read_event(s->fd[k], &r);
        if (rc != 0)
            return rc;
        vals[k] = (hx_counter_raw){r.value, r.enabled, r.running};
    }
    return 0;
}

static const char *paranoid_meaning(int p) {
    if (p >= 3)
        return "unprivileged use of perf is disabled";
    if (p == 2)
        return "unprivileged processes count user space only";
    if (p == 1)
        return "unprivileged processes count user and kernel, per process";
    if (p == 0)
        return "unprivileged processes may also count CPU-wide";
    return "no restrictions";
}

static void perf_report(FILE *out) {
    fprintf(out, "perf_event_open\n");
    int p = paranoid_level();
    if (p == INT32_MIN)
        fprintf(out, "  perf_event_paranoid: unreadable "
                     "(/proc/sys/kernel/perf_event_paranoid)\n");
    else
        fprintf(out, "  perf_event_paranoid = %d: %s\n", p,
                paranoid_meaning(p));

    int sw = try_event(HX_EV_TASK_CLOCK, false);
    bool kernel_ok = sw == 0;
    if (sw == -EACCES || sw == -EPERM)
        sw = try_event(HX_EV_TASK_CLOCK, true);
    if (sw != 0) {
        char why[HX_REASON_MAX];
        explain(why, sizeof why, HX_EV_TASK_CLOCK, -sw);
        fprintf(out, "  software events: unusable (%s)\n", why);
    } else {
        fprintf(out, "  software events: usable (task-clock opens and "
                     "counts on this thread)\n");
        fprintf(out, "  kernel-mode counting: %s\n",
                kernel_ok ? "allowed for this process (privileged, or "
                            "paranoid < 2)"
                          : "refused, events count user space only "
                            "(exclude_kernel=1)");
    }

    char pmu[256];
    bool vm = under_hypervisor();
    if (cpu_pmu(pmu, sizeof pmu)) {
        fprintf(out,
                "  hardware PMU: /sys/bus/event_source/devices/%s "
                "exists\n",
                pmu);
    } else {
        fprintf(out,
                "  hardware PMU: none visible (no cpu PMU under "
                "/sys/bus/event_source/devices%s)\n",
                vm ? "; running under a hypervisor that exposes no virtual "
                     "PMU"
                   : "");
    }
    DIR *d = opendir("/sys/bus/event_source/devices");
    if (d) {
        fprintf(out, "  event sources:");
        struct dirent *e;
        while ((e = readdir(d)) != NULL)
            if (e->d_name[0] != '.')
                fprintf(out, " %s", e->d_name);
        fputc('\n', out);
        closedir(d);
    }
    int hw = try_event(HX_EV_CYCLES, !kernel_ok);
    if (hw == 0) {
        fprintf(out, "  cycles: opens and counts\n");
    } else {
        char why[HX_REASON_MAX];
        explain(why, sizeof why, HX_EV_CYCLES, -hw);
        fprintf(out, "  cycles: does not count (%s)\n", why);
    }
}

const hx_counter_backend hx_counters_perf = {
    .id = HX_BACKEND_PERF,
    .label = "perf",
    .probe_begin = perf_probe_begin,
    .probe = perf_probe,
    .probe_end = perf_probe_end,
    .thread_open = perf_thread_open,
    .thread_read = perf_thread_read,
    .thread_close = perf_thread_close,
    .report = perf_report,
};
