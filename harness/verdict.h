/*
 * verdict.h - internal: judging claims and deciding a verdict, as pure
 * functions over numbers (no run, no files), so that every rule can be
 * tested with synthetic samples.
 *
 * A claim: "series slow takes at least `expected` times as long per op as
 * series fast" at one point. Its ratio is the ratio of the two medians;
 * the interval claimed around it depends on how many repetitions each side
 * has (the smaller count decides):
 *
 *   n < 3       no interval (HX_CI_NONE): one or two values say nothing
 *               about spread; the claim is inconclusive whatever the ratio
 *   n = 3, 4    the min/max envelope (HX_CI_MINMAX): lo = min(slow) /
 *               max(fast), hi = max(slow) / min(fast). A percentile
 *               bootstrap of medians over 3 or 4 values only ever
 *               resamples the same few values, so it would present this
 *               envelope (or less) under the name "95% CI"; we say what it is
 *   n >= 5      the percentile bootstrap 95% interval (HX_CI_BOOT95)
 *
 * and the claim holds when the whole interval is at or above `expected`,
 * does not hold when the whole interval is below it, and is inconclusive
 * when the interval straddles it (the data cannot tell).
 *
 * The busy rule is two-sided: on a machine judged busy (the threads ran
 * for much less than their timed wall time) wall-clock ratios settle
 * nothing either way, neither "holds" nor "does not hold". Where CPU time
 * is a sound measure (see result.c: both points single-threaded, the timed
 * thread does the work, task-clock read), the claim is judged on CPU time
 * per op instead and says so; otherwise it is "not settled".
 *
 * The verdict combines every claim and every check of the experiment's
 * verdict function: any that does not hold -> "does not hold"; else any
 * not settled -> "not settled"; else any inconclusive -> "inconclusive";
 * else "holds"; nothing to judge -> "none".
 */
#ifndef MECHLAB_VERDICT_H
#define MECHLAB_VERDICT_H

#include <stddef.h>
#include <stdint.h>

typedef enum hx_status {
    HX_ST_HOLDS,
    HX_ST_FAILS,        /* "does not hold" */
    HX_ST_INCONCLUSIVE, /* the interval straddles the expectation, or
                           too few repetitions for an interval */
    HX_ST_UNSETTLED,    /* could not be judged: busy machine, not measured */
    HX_ST_NONE,         /* nothing to judge */
} hx_status;

typedef enum hx_ci_kind {
    HX_CI_NONE,   /* fewer than 3 repetitions: no interval */
    HX_CI_MINMAX, /* 3 or 4 repetitions: min/max envelope */
    HX_CI_BOOT95, /* 5 or more: percentile bootstrap, 95% */
} hx_ci_kind;

#define HX_CI_MIN_REPS  3 /* below: no interval is claimed */
#define HX_CI_BOOT_REPS 5 /* from here: bootstrap; between: envelope */

typedef struct hx_judgement {
    hx_status status;
    hx_ci_kind ci;
    double ratio;  /* median(slow) / median(fast) */
    double lo, hi; /* the interval (NAN with HX_CI_NONE) */
    int n;         /* repetitions: the smaller side */
} hx_judgement;

/* Judge "slow / fast >= expected" from the two samples. Returns 0, or
 * -EINVAL when a side is empty or the fast median is not positive. */
int hx_judge_ratio(const double *slow, size_t nslow, const double *fast,
                   size_t nfast, double expected, uint64_t seed,
                   hx_judgement *out);

/* The verdict over a list of outcomes (claims and checks together). */
hx_status hx_verdict_combine(const hx_status *st, int n);

/* Names for summary.json and the text: "holds", "does-not-hold",
 * "inconclusive", "not-settled", "none"; and "bootstrap95", "minmax",
 * "none". */
const char *hx_status_key(hx_status s);
const char *hx_status_words(hx_status s); /* "does not hold" */
const char *hx_ci_key(hx_ci_kind k);

#endif
