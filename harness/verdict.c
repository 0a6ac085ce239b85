/*
 * verdict.c - judging one ratio claim and combining outcomes into a
 * verdict. The rules and why are in verdict.h; this file is only them.
 *
 * The bootstrap iteration count and seed: 2000 resamples keep the 2.5%
 * and 97.5% percentiles stable to about a percent; the seed is fixed (per
 * claim, by the caller) so the same data give the same interval.
 */
#include <errno.h>
#include <math.h>
#include <stdbool.h>

#include "stats.h"
#include "verdict.h"

#define HX_BOOT_ITERS 2000

static void min_max(const double *x, size_t n, double *lo, double *hi) {
    *lo = INFINITY;
    *hi = -INFINITY;
    for (size_t i = 0; i < n; i++) {
        *lo = fmin(*lo, x[i]);
        *hi = fmax(*hi, x[i]);
    }
}

int hx_judge_ratio(const double *slow, size_t nslow, const double *fast,
                   size_t nfast, double expected, uint64_t seed,
                   hx_judgement *out) {
    *out = (hx_judgement){.status = HX_ST_UNSETTLED,
                          .ci = HX_CI_NONE,
                          .ratio = NAN,
                          .lo = NAN,
                          .hi = NAN};
    if (nslow == 0 || nfast == 0)
        return -EINVAL;
    double ms = hx_median(slow, nslow), mf = hx_median(fast, nfast);
    if (!(mf > 0) || isnan(ms))
        return -EINVAL;
    out->ratio = ms / mf;
    out->n = (int)(nslow < nfast ? nslow : nfast);
    if (out->n < HX_CI_MIN_REPS) {
        out->status = HX_ST_INCONCLUSIVE;
        return 0;
    }
    if (out->n < HX_CI_BOOT_REPS) {
        double slo, shi, flo, fhi;
        min_max(slow, nslow, &slo, &shi);
        min_max(fast, nfast, &flo, &fhi);
        if (!(flo > 0))
            return -EINVAL;
        out->ci = HX_CI_MINMAX;
        out->lo = slo / fhi;
        out->hi = shi / flo;
    } else {
        double r;
        if (hx_ratio_ci(slow, nslow, fast, nfast, HX_BOOT_ITERS, seed, 0.95, &r,
                        &out->lo, &out->hi) != 0)
            return -EINVAL;
        out->ci = HX_CI_BOOT95;
    }
    out->status = out->lo >= expected  ? HX_ST_HOLDS
                  : out->hi < expected ? HX_ST_FAILS
                                       : HX_ST_INCONCLUSIVE;
    return 0;
}

hx_status hx_verdict_combine(const hx_status *st, int n) {
    bool any = false, fails = false, unsettled = false, inconc = false;
    for (int i = 0; i < n; i++) {
        if (st[i] == HX_ST_NONE)
            continue;
        any = true;
        fails |= st[i] == HX_ST_FAILS;
        unsettled |= st[i] == HX_ST_UNSETTLED;
        inconc |= st[i] == HX_ST_INCONCLUSIVE;
    }
    return !any        ? HX_ST_NONE
           : fails     ? HX_ST_FAILS
           : unsettled ? HX_ST_UNSETTLED
           : inconc    ? HX_ST_INCONCLUSIVE
                       : HX_ST_HOLDS;
}

const char *hx_status_key(hx_status s) {
    switch (s) {
    case HX_ST_HOLDS:
        return "holds";
    case HX_ST_FAILS:
        return "does-not-hold";
    case HX_ST_INCONCLUSIVE:
        return "inconclusive";
    case HX_ST_UNSETTLED:
        return "not-settled";
    case HX_ST_NONE:
        break;
    }
    return "none";
}

const char *hx_status_words(hx_status s) {
    switch (s) {
    case HX_ST_HOLDS:
        return "holds";
    case HX_ST_FAILS:
        return "does not hold";
    case HX_ST_INCONCLUSIVE:
        return "is inconclusive";
    case HX_ST_UNSETTLED:
        return "is not settled";
    case HX_ST_NONE:
        break;
    }
    return "none";
}

const char *hx_ci_key(hx_ci_kind k) {
    return k == HX_CI_BOOT95   ? "bootstrap95"
           : k == HX_CI_MINMAX ? "minmax"
                               : "none";
}
