/*
 * headtable.h - internal: headline figures of finished runs, machines side
 * by side.
 *
 * "How does this machine differ from the Xeon?" is answered by the few
 * figures each experiment declares as its result (hx_headline), one row
 * per figure and one column per machine, each value with its interval,
 * and under it the ratio of every machine's figure to the first
 * machine's, with the ratio's own interval. `compare` prints it and
 * writes it as CSV; it is built from the public files only (summary.json
 * and data.csv, never plot.dat), so reference runs made before
 * summary.json existed line up with today's runs:
 *
 *   summary.json present: each figure as the run reported it
 *   data.csv only:        claim and median figures recomputed from the
 *                         repetitions with the run's own rules (the ratio
 *                         of medians, the interval hx_judge_ratio claims
 *                         for that many repetitions); figures only an
 *                         experiment's verdict function computes are
 *                         "n/a (needs summary.json)"
 *
 * The ratio between two machines: for median figures both runs' raw
 * repetitions are at hand (data.csv), so the ratio of medians gets the
 * same interval a claim would (bootstrap 95% from 5 repetitions a side,
 * the min/max envelope at 3 or 4, none below); for figures that are
 * already ratios it is the quotient of the two intervals' ends (lowest
 * over highest to highest over lowest), a conservative envelope, or no
 * interval when either side has none.
 *
 * A run's flags travel with it: quick (fewer points and repetitions),
 * busy (its threads ran less than 90% of their wall time at some point
 * that is not over-subscribed; from summary.json, or from data.csv's
 * task-clock where only that exists) and over-subscribed points.
 */
#ifndef MECHLAB_HEADTABLE_H
#define MECHLAB_HEADTABLE_H

#include <stdbool.h>
#include <stdio.h>

#include "hx.h"

typedef struct hx_hfig {
    const hx_headline *decl;
    double value, lo, hi; /* NAN when unknown */
    char ci[16];          /* "bootstrap95", "minmax", "none" or "" */
    char from[16];        /* "summary.json", "data.csv" or "" */
    char why[80];         /* why value is NAN */
    double *reps;         /* a median figure's repetitions (data.csv) */
    int nreps;
} hx_hfig;

typedef struct hx_hrun {
    char label[200]; /* <machine dir>, with " (reference)" */
    char mdir[260];  /* the machine directory name */
    char dir[1100];  /* the run directory (a `latest` link) */
    char run_id[64];
    bool reference, quick, busy, oversub;
    bool busy_known;  /* false: neither summary.json nor task-clock */
    double cpu_share; /* the worst share behind busy; NAN: unknown */
    int reps;         /* repetitions per point; 0: unknown */
    hx_hfig fig[HX_MAX_HEADLINES];
    int nfig;
} hx_hrun;

/* Loads the headline figures of the run in dir (a run directory or its
 * `latest` link) for experiment e. 0, or -errno with a sentence in err. */
int hx_hrun_load(const hx_experiment *e, const char *dir, hx_hrun *out,
                 char *err, size_t len);
void hx_hrun_free(hx_hrun *h);

/* The ratio of b's figure to a's: 0 with ratio, lo, hi (NAN without an
 * interval) and the interval's kind ("bootstrap95", "minmax", "envelope",
 * "none"); -1 when either value is unknown. */
int hx_hfig_ratio(const hx_hfig *a, const hx_hfig *b, double *ratio, double *lo,
                  double *hi, const char **kind);

/* "quick, busy (62% CPU), over-subscribed points" or "" */
void hx_hrun_flags(const hx_hrun *h, char *buf, size_t len);

/* The table on the terminal: the machines' legend (letter, directory,
 * run id, flags), then per figure a value line and a ratio line. Column
 * widths fit about 100 columns for three machines; wide: names in full. */
void hx_htable_print(FILE *f, const hx_experiment *e, const hx_hrun *runs,
                     int n, bool wide);
/* The same as CSV rows (RFC 4180): one row per figure x machine; the
 * header first when header is true. */
void hx_htable_csv(FILE *f, const hx_experiment *e, const hx_hrun *runs, int n,
                   bool header);

/* A number in at most 7 characters for tables: 3 significant digits,
 * no exponent below 1e7. */
void hx_fmt_num(double v, char *buf, size_t len);

#endif
