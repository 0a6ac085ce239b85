/*
 * stats.h - descriptive statistics and bootstrap confidence intervals.
 *
 * Everything the summary reports per parameter point: median, MAD (scaled
 * by 1.4826 so it estimates sigma for normal data), min, max, p10, p90,
 * mean and coefficient of variation; outliers are flagged (beyond 3 scaled
 * MADs from the median), never dropped. Quantiles use linear interpolation
 * between order statistics (Hyndman-Fan type 7, the R/NumPy default).
 *
 * The ratio of two series is the ratio of their medians; its 95% confidence
 * interval comes from a percentile bootstrap: resample each series with
 * replacement (independently), take the ratio of the resampled medians,
 * repeat B times, report the 2.5th and 97.5th percentiles. The generator is
 * a seeded xoshiro256** so the same data give the same interval.
 *
 * Pure functions over double arrays; no allocation survives a call.
 */
#ifndef MECHLAB_STATS_H
#define MECHLAB_STATS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct hx_summary {
    size_t n;
    double median, mad, min, max, p10, p90, mean, cv; /* cv = sd / mean */
    size_t outliers; /* values beyond 3 scaled MADs from the median */
} hx_summary;

/* Quantile q in [0,1] of an ascending array (type 7). n must be > 0. */
double hx_quantile_sorted(const double *sorted, size_t n, double q);
double hx_median(const double *x, size_t n); /* x need not be sorted */

/* Summarise n values (n may be 0: all fields NAN, n = 0). Returns 0. */
int hx_summarize(const double *x, size_t n, hx_summary *out);

bool hx_is_outlier(const hx_summary *s, double v);

/* Ratio of medians a/b and its bootstrap CI at `level` (0.95) with `iters`
 * resamples (2000 is plenty). Returns 0, or -EINVAL when a or b is empty or
 * median(b) is 0. */
int hx_ratio_ci(const double *a, size_t na, const double *b, size_t nb,
                unsigned iters, uint64_t seed, double level, double *ratio,
                double *lo, double *hi);

/* High variation threshold for the summary's warning (coefficient of
 * variation, 0.05 = 5%). */
#define HX_CV_WARN 0.05

#endif
