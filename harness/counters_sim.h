/*
 * counters_sim.h - internal: simulated cache counters (valgrind's callgrind
 * cache simulator), for machines whose CPU exposes no cache counters.
 *
 * Two files, one concept each:
 *   counters_sim.c  the model: the cache geometry handed to valgrind and
 *                   where each level's numbers came from, the callgrind
 *                   output parser, and the measuring window the child
 *                   opens and closes with callgrind's client requests;
 *   simrun.c        the runs: one valgrind process per point (the mechlab
 *                   binary re-executed with the hidden command
 *                   `__sim-point`), and the reporters (summary table,
 *                   data.csv columns, context.json section).
 *
 * Nothing here is a hardware counter and nothing is reported under a
 * hardware counter's name: the columns are sim_d1_miss_per_op,
 * sim_ll_miss_per_op, sim_i1_miss_per_op (and sim_l2_miss_per_op, a second
 * pass with L2 as valgrind's last level, where the machine has three
 * levels). A value that could not be simulated is NAN (an empty cell) with
 * its reason, never 0.
 */
#ifndef MECHLAB_COUNTERS_SIM_H
#define MECHLAB_COUNTERS_SIM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "hx.h"

struct hx_run;
struct hx_point;

#define HX_SIM_MODE       "sim"         /* --counters sim */
#define HX_SIM_CHILD_CMD  "__sim-point" /* hidden: one point under valgrind */
#define HX_SIM_ENV_CACHES "MECHLAB_SIM_CACHES" /* geometry override */

/* One simulated cache: valgrind's --I1/--D1/--LL=size,assoc,line. */
typedef struct hx_sim_cache {
    uint64_t size;    /* bytes */
    unsigned assoc;   /* ways */
    unsigned line;    /* bytes */
    char source[640]; /* where these numbers came from, for context.json */
} hx_sim_cache;

/* The geometry of a run. l2 is used only when have_l2 (a second pass). */
typedef struct hx_sim_geom {
    hx_sim_cache i1, d1, l2, ll;
    bool have_l2;
} hx_sim_geom;

/* The columns, in data.csv order. */
enum hx_sim_col { HX_SIM_D1, HX_SIM_LL, HX_SIM_I1, HX_SIM_L2, HX_SIM_NCOLS };
extern const char *const hx_sim_col_names[HX_SIM_NCOLS];

/* Raw totals of one callgrind run (its "events:" and "totals:" lines). */
typedef struct hx_sim_counts {
    uint64_t ir, dr, dw, i1mr, d1mr, d1mw, ilmr, dlmr, dlmw;
} hx_sim_counts;

/* A point's simulated values: v[col] per op, NAN where not simulated. */
typedef struct hx_sim_point {
    double v[HX_SIM_NCOLS];
    uint64_t iters; /* ops in the collected window */
    char why[400];  /* non-empty: not simulated (or one pass failed), why */
} hx_sim_point;

/* The run's sim state (hx_run.sim). In the parent: the geometry and the
 * results, written by hx_sim_run on the main thread before any reporter
 * reads them. In the child: only `child` and `windows`, touched by the one
 * worker thread of its one point. */
struct hx_sim {
    bool child;            /* this process is the valgrind child */
    int windows;           /* child: measuring windows opened so far */
    hx_sim_geom geom;      /* parent from here on */
    char unsupported[640]; /* non-empty: nothing simulated, and why */
    char valgrind[64];     /* `valgrind --version` */
    hx_sim_point *pts;     /* one per point, in family order */
    int npts;
    int nfailed;    /* points with no values */
    double seconds; /* wall time of all the valgrind runs */
};

/* ---- counters_sim.c ------------------------------------------------------ */

bool hx_sim_mode(const char *counters_mode);

/* NULL when experiment e can be simulated point by point; otherwise why
 * not (multithreaded: valgrind serialises threads and models no coherence;
 * runtime experiments: their ops run on the runtime's threads; any other
 * experiment that declares no .sim expectation: not a memory walk). */
const char *hx_sim_unsupported(const hx_experiment *e);

/* The geometry for this machine: I1/D1 from the topology (sysfs for I1)
 * where sane, LL from the topology where sane, else the last-level
 * capacity measured by the latest staircase run under out_root/machine,
 * else a documented default; HX_SIM_ENV_CACHES overrides all of it
 * ("I1=32768,8,64 D1=32768,8,64 LL=262144,8,64 [L2=...]"). Returns 0, or
 * -EINVAL with a message for a malformed override. */
int hx_sim_geometry(const hx_topo *t, const char *out_root, const char *machine,
                    hx_sim_geom *g, char *err, size_t len);

/* Fits c to what valgrind accepts (power-of-two line, power-of-two set
 * count): keeps size and line, changes the associativity to the nearest
 * that gives a power-of-two set count, or rounds the size down when none
 * does. Returns true when it changed anything (and says so in source). */
bool hx_sim_fit(hx_sim_cache *c);

/* The last-level capacity the staircase measured, from the 'chase' medians
 * of data.csv at path: see counters_sim.c for the rule. Returns the bytes,
 * or 0 with the reason in why. */
uint64_t hx_sim_staircase_llc(const char *data_csv, uint64_t above, char *why,
                              size_t len);

/* Parses a callgrind output file. Returns 0 or a negative errno with a
 * message. Events the file does not list stay 0 and make the call fail. */
int hx_sim_parse_callgrind(const char *path, hx_sim_counts *c, char *err,
                           size_t len);

/* The child's measuring window, called by hx_batch() around the timed
 * loop of every repetition when the run has a sim state: the first
 * repetition warms the simulated caches with instrumentation on and
 * collection off, the second is collected. No-ops in the parent. */
struct hx_sim;
void hx_sim_window(struct hx_sim *s, bool open);

/* ---- simrun.c -------------------------------------------------------------- */

/* describe: what the simulated counters should show (hx_experiment.sim),
 * or why this experiment cannot be simulated. */
void hx_sim_describe(const hx_experiment *e, FILE *out);

/* Parent: after the timed run, simulate every point (r->sim is created
 * here). Returns 0; failures are per point and reported, never fatal. */
int hx_sim_run(struct hx_run *r);
void hx_sim_free(struct hx_sim *s);
/* Summary: the table of simulated misses per op, the reasons for what is
 * missing; or, when not in sim mode, the offer where hardware cache
 * counters are unavailable. */
void hx_sim_summary(const struct hx_run *r, FILE *f);
/* data.csv: the header cells (",sim_d1_miss_per_op,...") and one row's
 * cells; nothing when the run has no sim state. */
void hx_sim_csv_header(const struct hx_run *r, FILE *f);
void hx_sim_csv_cells(const struct hx_run *r, const struct hx_point *pt,
                      FILE *f);
/* The point's simulated value of column col, NAN when none. */
double hx_sim_value(const struct hx_run *r, const struct hx_point *pt,
                    enum hx_sim_col col);
/* The plot's second axis: writes sim.dat in dir and the y2 settings to g;
 * returns how many plot terms hx_sim_plot_terms will write (0: none, and
 * nothing was written). hx_sim_plot_terms writes them, each preceded by
 * ", \\\n" so they follow the timed series' terms, each in the colour of
 * its series' timed line. */
int hx_sim_plot_setup(const struct hx_run *r, const char *dir, FILE *g);
void hx_sim_plot_terms(const struct hx_run *r, FILE *g);

/* context.json: the "simulated_counters" object (geometry and sources,
 * valgrind version, iteration rule), or NULL when not in sim mode. */
struct json_t;
struct json_t *hx_sim_context(const struct hx_run *r);
/* main.c: `mechlab __sim-point EXP VARIANT ITERS quick|full NAME=VALUE...`
 * (the child, run under valgrind by hx_sim_run); e is EXP looked up by
 * main.c (NULL: unknown), so the library does not pull in the registry. */
int hx_sim_child_main(const hx_experiment *e, int argc, char **argv);

#endif
