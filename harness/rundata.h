/*
 * rundata.h - internal: reading a finished run back from its directory.
 *
 * The programs that look at runs after the fact (`compare`, `report`,
 * `report --index`) read only the public files: summary.json (schema
 * mechlab.summary/1) when the run has one, else data.csv (every run has
 * had one), whose rows are grouped into the same per-series points
 * (median, p10, p90 of ns_per_op over the repetitions whose status is
 * ok). So runs from before summary.json, reference runs and runs copied
 * from other machines all load; plot.dat and summary.txt are never parsed.
 */
#ifndef MECHLAB_RUNDATA_H
#define MECHLAB_RUNDATA_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "hx.h"

typedef struct hx_rd_point {
    char series[200];
    char variant[64];
    double x; /* the experiment's plot x parameter, in its user units */
    int64_t threads;
    double median, p10, p90; /* ns per op; NAN when not measured */
    json_t *params;          /* {name: value}, owned */
} hx_rd_point;

typedef struct hx_rundata {
    char dir[1024];
    char experiment[64];
    char run_id[64];
    json_t *summary; /* summary.json, or NULL (old run) */
    json_t *context; /* context.json, or NULL */
    hx_rd_point *pts;
    int npts;
    const char *source; /* "summary.json" or "data.csv" */
} hx_rundata;

/* Loads dir (a run directory or a `latest` link). e: the experiment when
 * known (its x parameter names data.csv's x column), else looked up by
 * the name in the files. 0, or -errno with a sentence in err. */
int hx_rundata_load(const char *dir, const hx_experiment *e, hx_rundata *out,
                    char *err, size_t len);
void hx_rundata_free(hx_rundata *rd);

/* Splits one CSV line (RFC 4180 quoting) in place; returns the field
 * count. */
int hx_csv_split(char *line, char **field, int max);

#endif
