/*
 * counters_papi.c - the first backend of the chain: PAPI presets.
 *
 * Each hardware event maps to one PAPI preset:
 *
 *   cycles                 PAPI_TOT_CYC   total cycles
 *   instructions           PAPI_TOT_INS   instructions completed
 *   cache-references       PAPI_L3_TCA    last-level accesses
 *   cache-misses           PAPI_L3_TCM    last-level misses
 *   branch-misses          PAPI_BR_MSP    mispredicted branches
 *   L1-dcache-load-misses  PAPI_L1_LDM    L1 load misses (not PAPI_L1_DCM,
 *                                         which adds store misses)
 *   LLC-load-misses        PAPI_L3_LDM    L3 load misses
 *   dTLB-load-misses       PAPI_TLB_DM    data TLB misses (loads and stores:
 *                                         PAPI has no load-only preset)
 *
 * Software events (task-clock, faults, switches, migrations) have no
 * preset and go to perf or rusage. PAPI counts in its default domain,
 * user mode.
 *
 * "Can PAPI count it" is asked for real: the preset is added to an event
 * set that already holds the earlier accepted events, and the set is
 * started and stopped. A preset that does not fit beside the others
 * (counter conflict) is removed again and falls through to perf, so the
 * plan never promises a combination PAPI cannot start. When no active
 * component can count CPU events (a VM: perf_event disabled because
 * libpfm4 finds no PMU) the reason names the component and PAPI's own
 * disabled reason.
 *
 * Threads. PAPI_library_init and PAPI_thread_init (with pthread_self as
 * the thread id) run exactly once per process under pthread_once; after
 * that PAPI is thread-safe. Each worker registers itself
 * (PAPI_register_thread) at thread open, owns one event set, and
 * unregisters at close after destroying it. The planning thread is
 * registered by its probe session and stays registered (unregistering it
 * could pull the rug from under a thread handle it also holds).
 *
 * Quiet. PAPI prints "PAPI Error: ..." on stderr unless told
 * PAPI_set_debug(PAPI_QUIET), which is set before anything else; and
 * component initialisation inside PAPI_library_init may print on its own,
 * so fd 2 points at /dev/null for the duration of that one call (it runs
 * once, while the plan is built, before any worker thread exists).
 */
#define _GNU_SOURCE
#include "counters_backend.h"

#include <errno.h>
#include <fcntl.h>
#include <papi.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* PAPI preset per event (0: no preset). */
static const int papi_presets[HX_EV_COUNT] = {
    [HX_EV_CYCLES] = PAPI_TOT_CYC,
    [HX_EV_INSTRUCTIONS] = PAPI_TOT_INS,
    [HX_EV_CACHE_REFERENCES] = PAPI_L3_TCA,
    [HX_EV_CACHE_MISSES] = PAPI_L3_TCM,
    [HX_EV_BRANCH_MISSES] = PAPI_BR_MSP,
    [HX_EV_L1D_LOAD_MISSES] = PAPI_L1_LDM,
    [HX_EV_LLC_LOAD_MISSES] = PAPI_L3_LDM,
    [HX_EV_DTLB_LOAD_MISSES] = PAPI_TLB_DM,
};

/* Result of the one-time initialisation; written once inside
 * pthread_once, read-only afterwards (pthread_once orders the accesses). */
static pthread_once_t papi_once = PTHREAD_ONCE_INIT;
static int papi_init_rc;                  /* PAPI_OK or a PAPI error code */
static char papi_init_why[HX_REASON_MAX]; /* set when papi_init_rc != 0 */

static unsigned long papi_thread_id(void) {
    return (unsigned long)pthread_self();
}

static void papi_init(void) {
    PAPI_set_debug(PAPI_QUIET);
    fflush(stderr);
    int saved = fcntl(2, F_DUPFD_CLOEXEC, 3);
    int devnull = open("/dev/null", O_WRONLY | O_CLOEXEC);
    bool redirected = saved >= 0 && devnull >= 0 && dup2(devnull, 2) == 2;

    int v = PAPI_library_init(PAPI_VER_CURRENT);

    fflush(stderr);
    if (redirected)
        dup2(saved, 2);
    if (saved >= 0)
        close(saved);
    if (devnull >= 0)
        close(devnull);

    if (v != PAPI_VER_CURRENT) {
        papi_init_rc = v < 0 ? v : PAPI_EINVAL;
        if (v < 0)
            snprintf(papi_init_why, sizeof papi_init_why,
                     "PAPI: PAPI_library_init failed: %s", PAPI_strerror(v));
        else
            snprintf(papi_init_why, sizeof papi_init_why,
                     "PAPI: library version %d.%d differs from the headers' "
                     "%d.%d",
                     PAPI_VERSION_MAJOR(v), PAPI_VERSION_MINOR(v),
                     PAPI_VERSION_MAJOR(PAPI_VER_CURRENT),
                     PAPI_VERSION_MINOR(PAPI_VER_CURRENT));
        return;
    }
    PAPI_set_debug(PAPI_QUIET);
    int rc = PAPI_thread_init(papi_thread_id);
    if (rc != PAPI_OK) {
        papi_init_rc = rc;
        snprintf(papi_init_why, sizeof papi_init_why,
                 "PAPI: PAPI_thread_init failed: %s", PAPI_strerror(rc));
        return;
    }
    papi_init_rc = PAPI_OK;
}

/* 0, or -EIO with the reason in why. */
static int papi_ready(char *why, size_t len) {
    pthread_once(&papi_once, papi_init);
    if (papi_init_rc == PAPI_OK)
        return 0;
    snprintf(why, len, "%s", papi_init_why);
    return -EIO;
}

static const char *preset_name(int code, char *buf) {
    if (PAPI_event_code_to_name(code, buf) != PAPI_OK)
        snprintf(buf, PAPI_MAX_STR_LEN, "0x%x", (unsigned)code);
    return buf;
}

/* The CPU component ("perf_event" on Linux), or NULL. */
static const PAPI_component_info_t *cpu_component(void) {
    int n = PAPI_num_components();
    for (int i = 0; i < n; i++) {
        const PAPI_component_info_t *ci = PAPI_get_component_info(i);
        if (ci && strcmp(ci->name, "perf_event") == 0)
            return ci;
    }
    return NULL;
}

/* Why `code` cannot be added / started: PAPI's error rc, in words. */
static void explain(char *why, size_t len, int code, int rc) {
    char name[PAPI_MAX_STR_LEN];
    preset_name(code, name);
    const PAPI_component_info_t *cpu = cpu_component();
    if (rc == PAPI_ECNFLCT || rc == PAPI_EMULPASS) {
        snprintf(why, len,
                 "PAPI: %s does not fit in one event set with the "
                 "events before it (%s)",
                 name, PAPI_strerror(rc));
    } else if (cpu == NULL || cpu->disabled) {
        snprintf(why, len, "PAPI: no active component counts %s (%s%s)", name,
                 cpu ? "perf_event disabled: " : "no perf_event component",
                 cpu ? cpu->disabled_reason : "");
    } else if (PAPI_query_event(code) != PAPI_OK) {
        snprintf(why, len, "PAPI: %s is not available on this CPU", name);
    } else {
        snprintf(why, len, "PAPI: %s: %s", name, PAPI_strerror(rc));
    }
}

/* A probe session: the event set the accepted events accumulate in. */
typedef struct papi_session {
    int es;
    size_t n; /* events accepted so far */
} papi_session;

static void *papi_probe_begin(char *why, size_t len) {
    if (papi_ready(why, len) != 0)
        return NULL;
    int rc = PAPI_register_thread();
    papi_session *s = malloc(sizeof *s);
    if (rc == PAPI_OK && s != NULL) {
        s->es = PAPI_NULL;
        s->n = 0;
        rc = PAPI_create_eventset(&s->es);
        if (rc == PAPI_OK)
            return s;
    }
    snprintf(why, len, "PAPI: cannot create an event set: %s",
             s == NULL ? "out of memory" : PAPI_strerror(rc));
    free(s);
    return NULL;
}

static int papi_probe(void *session, hx_event_id ev, unsigned *how, char *why,
                      size_t len) {
    papi_session *s = session;
    *how = 0;
    int code = papi_presets[ev];
    if (code == 0) {
        snprintf(why, len, "PAPI: no PAPI preset for %s", hx_event_name(ev));
        return -ENOENT;
    }
    int rc = PAPI_add_event(s->es, code);
    if (rc != PAPI_OK) {
        explain(why, len, code, rc);
        return -ENOENT;
    }
    rc = PAPI_start(s->es);
    if (rc == PAPI_OK) {
        long long tmp[HX_EV_COUNT + 1];
        rc = PAPI_stop(s->es, tmp);
    }
    if (rc != PAPI_OK) {
        explain(why, len, code, rc);
        PAPI_remove_event(s->es, code);
        return -ENOENT;
    }
    s->n++;
    return 0;
}

static void papi_probe_end(void *session) {
    papi_session *s = session;
    PAPI_cleanup_eventset(s->es);
    PAPI_destroy_eventset(&s->es);
    free(s);
}

/* Per-thread state, owned by the registering thread. */
typedef struct papi_state {
    int es;
    size_t n;
    bool started;
} papi_state;

static void papi_thread_close(void *state) {
    papi_state *s = state;
    if (s->started) {
        long long tmp[HX_EV_COUNT];
        PAPI_stop(s->es, tmp);
    }
    if (s->es != PAPI_NULL) {
        PAPI_cleanup_eventset(s->es);
        PAPI_destroy_eventset(&s->es);
    }
    PAPI_unregister_thread();
    free(s);
}

static void *papi_thread_open(const hx_event_id *evs, const unsigned *hows,
                              size_t n) {
    (void)hows;
    char why[HX_REASON_MAX];
    if (n > HX_EV_COUNT || papi_ready(why, sizeof why) != 0) {
        errno = n > HX_EV_COUNT ? EINVAL : EIO;
        return NULL;
    }
    if (PAPI_register_thread() != PAPI_OK) {
        errno = EIO;
        return NULL;
    }
    papi_state *s = calloc(1, sizeof *s);
    if (s == NULL) {
        PAPI_unregister_thread();
        errno = ENOMEM;
        return NULL;
    }
    s->es = PAPI_NULL;
    s->n = n;
    int rc = PAPI_create_eventset(&s->es);
    for (size_t k = 0; rc == PAPI_OK && k < n; k++)
        rc = PAPI_add_event(s->es, papi_presets[evs[k]]);
    if (rc == PAPI_OK)
        rc = PAPI_start(s->es);
    if (rc != PAPI_OK) {
        papi_thread_close(s); /* es is PAPI_NULL if it was never created */
        errno = EIO;
        return NULL;
    }
    s->started = true;
    return s;
}

static int papi_thread_read(void *state, hx_counter_raw *vals) {
    papi_state *s = state;
    long long v[HX_EV_COUNT];
    int rc = PAPI_read(s->es, v);
    if (rc != PAPI_OK)
        return -EIO;
    for (size_t k = 0; k < s->n; k++) {
        /* one event set, never multiplexed: no times */
        vals[k] = (hx_counter_raw){v[k] < 0 ? 0 : (uint64_t)v[k], 0, 0};
    }
    return 0;
}

static void papi_report(FILE *out) {
    fprintf(out, "PAPI\n");
    char why[HX_REASON_MAX];
    if (papi_ready(why, sizeof why) != 0) {
        fprintf(out, "  not usable: %s\n", why);
        return;
    }
    int v = PAPI_get_opt(PAPI_LIB_VERSION, NULL);
    fprintf(out, "  library %d.%d.%d.%d, initialised\n", PAPI_VERSION_MAJOR(v),
            PAPI_VERSION_MINOR(v), PAPI_VERSION_REVISION(v),
            PAPI_VERSION_INCREMENT(v));
    int n = PAPI_num_components();
    int counting = 0;
    fprintf(out, "  components:\n");
    for (int i = 0; i < n; i++) {
        const PAPI_component_info_t *ci = PAPI_get_component_info(i);
        if (ci == NULL)
            continue;
        if (ci->disabled) {
            fprintf(out, "    %-20s disabled: %s\n", ci->name,
                    ci->disabled_reason[0] ? ci->disabled_reason
                                           : "(no reason given)");
        } else {
            fprintf(out, "    %-20s active (%d native events, %d counters)\n",
                    ci->name, ci->num_native_events, ci->num_cntrs);
            if (ci->num_cntrs > 0)
                counting++;
        }
    }
    fprintf(out, "  %s\n",
            counting ? "an active component has counters"
                     : "no active component has counters: PAPI counts "
                       "nothing here");
    fprintf(out, "  presets tried:\n");
    for (int e = 0; e < HX_EV_COUNT; e++) {
        char name[PAPI_MAX_STR_LEN];
        if (papi_presets[e] != 0)
            fprintf(out, "    %-22s %s\n", hx_event_name((hx_event_id)e),
                    preset_name(papi_presets[e], name));
    }
}

const hx_counter_backend hx_counters_papi = {
    .id = HX_BACKEND_PAPI,
    .label = "PAPI",
    .probe_begin = papi_probe_begin,
    .probe = papi_probe,
    .probe_end = papi_probe_end,
    .thread_open = papi_thread_open,
    .thread_read = papi_thread_read,
    .thread_close = papi_thread_close,
    .report = papi_report,
};
