/*
 * result.h - internal: the one in-memory result of a run, and its
 * reporters.
 *
 * A run (run.h: the plan and its samples) becomes one hx_results: every
 * series and point with its statistics, each claim judged (verdict.h),
 * the experiment's own notes and checks (the hx_report API of hx.h), the
 * headline figures, the warnings, the unavailable counters, and the
 * verdict with every reason that decided it. Everything is decided here,
 * once; the reporters only format it:
 *
 *   report_text.c   the console and summary.txt (the same text)
 *   report_json.c   summary.json (schema mechlab.summary/1,
 *                   results/README.md)
 *   report_csv.c    data.csv (one row per repetition)
 *   plot.c          plot.dat, plot.gp and gnuplot's PNG/SVG
 *
 * report.html is written from the run directory (summary.json, data.csv,
 * context.json: report_html.c), so that old and copied runs get one too.
 *
 * Ownership: hx_results_build borrows the run (it must outlive the
 * result); hx_results_free frees what the result allocated.
 */
#ifndef MECHLAB_RESULT_H
#define MECHLAB_RESULT_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "run.h"
#include "stats.h"
#include "verdict.h"

#define HX_MAX_CHECKS   16 /* checks an experiment's verdict function names */
#define HX_MAX_WARNINGS 16
#define HX_MAX_REASONS  (HX_MAX_CLAIMS + HX_MAX_CHECKS + 4)
#define HX_TEXT         512 /* one sentence of the result */
#define HX_BUSY_SHARE   0.9 /* CPU share below which the machine was busy */

/* One point of a series: a (variant, parameter point) with its numbers. */
typedef struct hx_rpoint {
    int64_t x;          /* the plot's x parameter at this point */
    const hx_point *pt; /* the run's point: parameters, samples, skip */
    hx_summary s;       /* of ns_per_op over the repetitions that ran */
    double *vals;       /* ns_per_op of each repetition that ran */
    int nv;
    double *cpu; /* task-clock ns per op of each repetition (busy rule) */
    int ncpu;
    double ev[HX_MAX_EVENTS];   /* median per op; NAN if none */
    double met[HX_MAX_METRICS]; /* median; NAN if none */
    double cpu_share;           /* task-clock / wall time; NAN if not known */
} hx_rpoint;

typedef struct hx_rseries {
    char name[200]; /* "strided stride=8" */
    const hx_variant *var;
    hx_rpoint *pts; /* ascending x, as planned */
    int npts;
} hx_rseries;

typedef struct hx_claim_result {
    bool evaluated; /* false: why says what was missing */
    bool left_out;  /* names a go: series and Go is not installed here */
    int pidx;       /* the parameter it is judged at */
    int64_t at;     /* and its value */
    hx_judgement j;
    bool on_cpu; /* judged on CPU time (busy machine) */
    hx_status status;
    char why[256];
    char unsettled[160]; /* non-empty: a point is not settled (its threads
                            or PUs ran at unequal speeds, calibrate.c) */
    char text[HX_TEXT];  /* the sentence the summary prints */
} hx_claim_result;

typedef struct hx_check {
    hx_status status;
    char text[HX_TEXT];
} hx_check;

/* The experiment's part of the result (hx.h's hx_report). */
struct hx_report {
    const hx_experiment *exp;
    char *notes; /* free text, lines ending in '\n' */
    size_t len, cap;
    hx_check checks[HX_MAX_CHECKS];
    int nchecks;
    double head[HX_MAX_HEADLINES]; /* HX_HEAD_REPORT values; NAN unset */
};

typedef struct hx_headline_value {
    const hx_headline *decl;
    double value;  /* NAN: not measured */
    double lo, hi; /* NAN: no interval claimed */
} hx_headline_value;

struct hx_results {
    hx_run *r;
    hx_rseries *series;
    int nseries;
    int64_t *xs; /* every x measured, ascending, unique */
    int nx;
    int tc; /* index of the task-clock event, -1 if unavailable */
    hx_claim_result claims[HX_MAX_CLAIMS];
    int nclaims;
    struct hx_report rep;
    hx_headline_value head[HX_MAX_HEADLINES];
    int nhead;
    /* facts of the whole run */
    bool busy;          /* some point ran < HX_BUSY_SHARE of its wall time */
    double worst_share; /* the lowest CPU share seen (1 when unknown) */
    char busy_at[256];  /* where */
    bool oversub;       /* some point has more threads than PUs */
    int noisy, skipped, failed, partial;
    char warnings[HX_MAX_WARNINGS][HX_TEXT];
    int nwarnings;
    /* the verdict */
    hx_status verdict;
    char verdict_text[HX_TEXT];
    char reasons[HX_MAX_REASONS][HX_TEXT];   /* deciding ones first */
    hx_status reason_status[HX_MAX_REASONS]; /* of each reason's item */
    int nreasons;
};

/* result.c */
struct hx_results *hx_results_build(hx_run *r);
void hx_results_free(struct hx_results *res);
/* Where the claims at the thread parameter are judged, as one sentence
 * for the header and the warnings ("" when every point is within the
 * PUs). */
void hx_claims_where(const hx_run *r, char *buf, size_t len);

/* The statistics of metric m over a point's repetitions (plot_metric). */
void hx_rpoint_metric(const hx_rpoint *p, int m, hx_summary *s);

/* report_text.c: the summary (console and summary.txt) */
/* wide: every column (summary.txt, --wide); else about 100 columns */
void hx_report_text(const struct hx_results *res, FILE *f, bool wide);
/* report_json.c: summary.json; 0 or -errno */
int hx_report_json(const struct hx_results *res, const char *path);
/* report_csv.c: data.csv; 0 or -errno */
int hx_report_csv(const struct hx_results *res, const char *path);
/* One CSV field (RFC 4180: quoted when it holds a comma, quote or line
 * break), and one number (%.6g; empty when NAN: unavailable, never 0). */
void hx_csv_field(FILE *f, const char *s);
void hx_csv_num(FILE *f, double v);
/* plot.c: plot.dat and plot.gp in dir; with draw, runs gnuplot on them */
int hx_plot(const struct hx_results *res, const char *dir, bool draw, char *msg,
            size_t len);

/* Numbers as the summary prints them: "n/a", 3 significant digits below
 * 100, one decimal below 1e5, none above. */
void hx_fmt_ns(double v, char *b, size_t n);

#endif
