/*
 * test_stats.c - unit tests for harness/stats.c.
 *
 * Every expected value here was computed by hand (or is an identity that
 * holds by construction), so a failure points at the implementation, not
 * at a reference library. Cases: type-7 quantiles, medians of odd and
 * even counts, MAD and outlier flagging on a series with one wild value,
 * the degenerate inputs (n = 0, 1, 2, all equal, NaN), quickselect against
 * a full sort on inputs with many ties, and the bootstrap ratio interval
 * (contains the true ratio, deterministic for a seed, rejects bad input).
 *
 * Output: one line per failed check, then "N passed, M failed"; the exit
 * status is non-zero when anything failed.
 */
#include "stats.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"

static int near(double got, double want, double tol) {
    return fabs(got - want) <= tol;
}

#define CHECK_NEAR(got, want)                                                  \
    do {                                                                       \
        double g_ = (got), w_ = (want);                                        \
        CHECK_MSG(near(g_, w_, 1e-9 * (fabs(w_) + 1)),                         \
                  "%s = %.17g, want %.17g", #got, g_, w_);                     \
    } while (0)

static void test_quantiles(void) {
    const double ten[] = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10};
    CHECK_NEAR(hx_quantile_sorted(ten, 10, 0.0), 1);
    CHECK_NEAR(hx_quantile_sorted(ten, 10, 1.0), 10);
    CHECK_NEAR(hx_quantile_sorted(ten, 10, 0.5), 5.5);
    CHECK_NEAR(hx_quantile_sorted(ten, 10, 0.1), 1.9);   /* h = 0.9 */
    CHECK_NEAR(hx_quantile_sorted(ten, 10, 0.9), 9.1);   /* h = 8.1 */
    CHECK_NEAR(hx_quantile_sorted(ten, 10, 0.25), 3.25); /* h = 2.25 */
    CHECK_NEAR(hx_quantile_sorted(ten, 10, -1), 1);      /* clamped */
    CHECK_NEAR(hx_quantile_sorted(ten, 10, 2), 10);
    const double one[] = {42};
    CHECK_NEAR(hx_quantile_sorted(one, 1, 0.3), 42);
    CHECK(isnan(hx_quantile_sorted(ten, 0, 0.5)));
    CHECK(isnan(hx_quantile_sorted(ten, 10, NAN)));
    const double five[] = {10, 20, 30, 40, 50};
    CHECK_NEAR(hx_quantile_sorted(five, 5, 0.1), 14); /* h = 0.4 */
    CHECK_NEAR(hx_quantile_sorted(five, 5, 0.9), 46); /* h = 3.6 */
    const double infs[] = {1, INFINITY, INFINITY};
    CHECK(isinf(hx_quantile_sorted(infs, 3, 0.75)));
}

static void test_median(void) {
    const double odd[] = {3, 1, 2};
    const double even[] = {4, 1, 3, 2};
    const double dup[] = {5, 5, 1, 5, 9, 5};
    CHECK_NEAR(hx_median(odd, 3), 2);
    CHECK_NEAR(hx_median(even, 4), 2.5);
    CHECK_NEAR(hx_median(dup, 6), 5);
    CHECK(isnan(hx_median(odd, 0)));
    const double withnan[] = {1, NAN, 3};
    CHECK_NEAR(hx_median(withnan, 3), 2);
    const double allnan[] = {NAN, NAN};
    CHECK(isnan(hx_median(allnan, 2)));
    /* Input is not modified. */
    CHECK(odd[0] == 3 && odd[1] == 1 && odd[2] == 2);
}

static int cmp_d(const void *a, const void *b) {
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* Quickselect against a full sort, on sizes around the stack/heap switch
 * and on values with heavy ties (the classic partition pitfalls). */
static void test_median_vs_sort(void) {
    unsigned long long s = 12345;
    int bad = 0;
    for (size_t n = 1; n <= 300 && !bad; n += (n < 80 ? 1 : 37)) {
        for (int range = 1; range <= 1000; range *= 10) {
            double *x = malloc(n * sizeof *x), *y = malloc(n * sizeof *y);
            for (size_t i = 0; i < n; i++) {
                s = s * 6364136223846793005ull + 1442695040888963407ull;
                x[i] = (double)((s >> 33) % (unsigned)range);
            }
            memcpy(y, x, n * sizeof *x);
            qsort(y, n, sizeof *y, cmp_d);
            double want = n % 2 ? y[n / 2] : (y[n / 2 - 1] + y[n / 2]) / 2;
            if (hx_median(x, n) != want) {
                printf("FAIL median n=%zu range=%d: %g want %g\n", n, range,
                       hx_median(x, n), want);
                bad = 1;
            }
            free(x);
            free(y);
        }
    }
    CHECK(!bad);
}

static void test_summary(void) {
    hx_summary s;
    const double x[] = {4, 100, 1, 3, 2};
    CHECK(hx_summarize(x, 5, &s) == 0);
    CHECK(s.n == 5);
    CHECK_NEAR(s.median, 3);
    /* |x - 3| = {1, 97, 2, 0, 1} -> median 1 -> MAD 1.4826 */
    CHECK_NEAR(s.mad, 1.4826);
    CHECK_NEAR(s.min, 1);
    CHECK_NEAR(s.max, 100);
    CHECK_NEAR(s.p10, 1.4);  /* h = 0.4 on {1,2,3,4,100} */
    CHECK_NEAR(s.p90, 61.6); /* h = 3.6: 4 + 0.6 * 96 */
    CHECK_NEAR(s.mean, 22);
    /* sample variance 7610 / 4 = 1902.5 */
    CHECK_NEAR(s.cv, sqrt(1902.5) / 22);
    CHECK(s.outliers == 1); /* 100 is 97 away; the cut is 3 * 1.4826 */
    CHECK(hx_is_outlier(&s, 100));
    CHECK(!hx_is_outlier(&s, 1));
    CHECK(hx_is_outlier(&s, 3 - 4.45));  /* 4.45 > 4.4478 */
    CHECK(!hx_is_outlier(&s, 3 - 4.44)); /* 4.44 < 4.4478 */
    CHECK(!hx_is_outlier(&s, NAN));
    /* Unsorted, unchanged input. */
    CHECK(x[0] == 4 && x[1] == 100);
}

static void test_degenerate(void) {
    hx_summary s;
    /* n = 0 */
    CHECK(hx_summarize(NULL, 0, &s) == 0);
    CHECK(s.n == 0 && isnan(s.median) && isnan(s.mad) && isnan(s.min) &&
          isnan(s.max) && isnan(s.p10) && isnan(s.p90) && isnan(s.mean) &&
          isnan(s.cv) && s.outliers == 0);
    CHECK(!hx_is_outlier(&s, 1));
    CHECK(hx_summarize(NULL, 0, NULL) == -EINVAL);

    /* n = 1 */
    const double one[] = {5};
    CHECK(hx_summarize(one, 1, &s) == 0);
    CHECK(s.n == 1 && s.median == 5 && s.mad == 0 && s.min == 5 && s.max == 5 &&
          s.p10 == 5 && s.p90 == 5 && s.mean == 5);
    CHECK(isnan(s.cv));
    CHECK(s.outliers == 0);
    CHECK(!hx_is_outlier(&s, 1e9));

    /* n = 2 */
    const double two[] = {3, 1};
    CHECK(hx_summarize(two, 2, &s) == 0);
    CHECK_NEAR(s.median, 2);
    CHECK_NEAR(s.mad, 1.4826);
    CHECK_NEAR(s.p10, 1.2);
    CHECK_NEAR(s.p90, 2.8);
    CHECK_NEAR(s.cv, sqrt(2.0) / 2); /* sd = sqrt(2), mean 2 */
    CHECK(s.outliers == 0);

    /* all equal: MAD 0, nothing is an outlier */
    const double same[] = {7, 7, 7, 7};
    CHECK(hx_summarize(same, 4, &s) == 0);
    CHECK(s.mad == 0 && s.median == 7 && s.cv == 0 && s.outliers == 0);
    CHECK(!hx_is_outlier(&s, 1000));

    /* more than half equal: MAD 0 although one value is far */
    const double most[] = {7, 7, 7, 7, 1000};
    CHECK(hx_summarize(most, 5, &s) == 0);
    CHECK(s.mad == 0 && s.outliers == 0);

    /* NaN values are ignored */
    const double withnan[] = {NAN, 1, 3, NAN};
    CHECK(hx_summarize(withnan, 4, &s) == 0);
    CHECK(s.n == 2);
    CHECK_NEAR(s.median, 2);
    CHECK_NEAR(s.mean, 2);
    const double allnan[] = {NAN, NAN};
    CHECK(hx_summarize(allnan, 2, &s) == 0);
    CHECK(s.n == 0 && isnan(s.median));

    /* mean 0: cv undefined */
    const double zero_mean[] = {-1, 1};
    CHECK(hx_summarize(zero_mean, 2, &s) == 0);
    CHECK(isnan(s.cv));

    /* large n (heap scratch path) */
    double big[1001];
    for (int i = 0; i < 1001; i++)
        big[i] = (double)((i * 7919) % 1001); /* a permutation of 0..1000 */
    CHECK(hx_summarize(big, 1001, &s) == 0);
    CHECK_NEAR(s.median, 500);
    CHECK_NEAR(s.p10, 100);
    CHECK_NEAR(s.p90, 900);
    CHECK_NEAR(s.mad, 250 * 1.4826);
    CHECK(s.outliers == 0);
}

static void test_ratio(void) {
    double a[15], b[15];
    /* b: 100 +- a spread; a = 2 * b, shuffled: the true ratio is 2. */
    for (int i = 0; i < 15; i++) {
        b[i] = 100 + (double)((i * 7) % 15) - 7;
        a[(i * 4) % 15] = 2 * b[i] * (1 + 0.01 * ((i % 3) - 1));
    }
    double r, lo, hi;
    CHECK(hx_ratio_ci(a, 15, b, 15, 2000, 42, 0.95, &r, &lo, &hi) == 0);
    CHECK_NEAR(r, hx_median(a, 15) / hx_median(b, 15));
    CHECK(lo <= r && r <= hi);
    CHECK(lo <= 2 && 2 <= hi);
    CHECK(lo > 1.7 && hi < 2.3); /* spread is +-7%, so the CI is narrow */

    /* Deterministic for a seed: bit-identical on a second call. */
    double r2, lo2, hi2;
    CHECK(hx_ratio_ci(a, 15, b, 15, 2000, 42, 0.95, &r2, &lo2, &hi2) == 0);
    CHECK(memcmp(&lo, &lo2, sizeof lo) == 0 &&
          memcmp(&hi, &hi2, sizeof hi) == 0 && r == r2);
    /* A different seed still brackets the ratio. */
    CHECK(hx_ratio_ci(a, 15, b, 15, 2000, 7, 0.95, &r2, &lo2, &hi2) == 0);
    CHECK(lo2 <= r2 && r2 <= hi2);
    /* A wider level gives an interval at least as wide. */
    double lo99, hi99;
    CHECK(hx_ratio_ci(a, 15, b, 15, 2000, 42, 0.99, NULL, &lo99, &hi99) == 0);
    CHECK(lo99 <= lo && hi99 >= hi);
    /* iters 0 takes the default, and is deterministic too. */
    CHECK(hx_ratio_ci(a, 15, b, 15, 0, 42, 0.95, &r2, &lo2, &hi2) == 0);
    CHECK(lo2 == lo && hi2 == hi); /* default is 2000 */

    /* Constant series: the interval collapses onto the ratio. */
    const double c3[] = {3, 3, 3}, c1[] = {1, 1, 1, 1};
    CHECK(hx_ratio_ci(c3, 3, c1, 4, 500, 1, 0.95, &r, &lo, &hi) == 0);
    CHECK(r == 3 && lo == 3 && hi == 3);

    /* n = 1 each: the only resample is the data itself. */
    const double x1[] = {6}, y1[] = {4};
    CHECK(hx_ratio_ci(x1, 1, y1, 1, 100, 1, 0.95, &r, &lo, &hi) == 0);
    CHECK_NEAR(r, 1.5);
    CHECK(lo == r && hi == r);

    /* NaN ignored in both series. */
    const double an[] = {2, NAN, 2}, bn[] = {NAN, 1};
    CHECK(hx_ratio_ci(an, 3, bn, 2, 100, 1, 0.95, &r, &lo, &hi) == 0);
    CHECK(r == 2 && lo == 2 && hi == 2);

    /* Errors: empty series, median(b) = 0, bad level. Outputs are NAN. */
    CHECK(hx_ratio_ci(a, 0, b, 15, 100, 1, 0.95, &r, &lo, &hi) == -EINVAL);
    CHECK(isnan(r) && isnan(lo) && isnan(hi));
    CHECK(hx_ratio_ci(a, 15, b, 0, 100, 1, 0.95, &r, &lo, &hi) == -EINVAL);
    const double zeros[] = {0, 0, 5};
    CHECK(hx_ratio_ci(a, 15, zeros, 3, 100, 1, 0.95, &r, &lo, &hi) == -EINVAL);
    const double nans[] = {NAN};
    CHECK(hx_ratio_ci(a, 15, nans, 1, 100, 1, 0.95, &r, &lo, &hi) == -EINVAL);
    CHECK(hx_ratio_ci(a, 15, b, 15, 100, 1, 1.0, &r, &lo, &hi) == -EINVAL);
    CHECK(hx_ratio_ci(a, 15, b, 15, 100, 1, 0.0, &r, &lo, &hi) == -EINVAL);

    /* median(b) != 0 but some resamples have median 0: infinite ratios
     * sit in the upper tail, the interval stays defined. */
    const double bz[] = {0, 1, 1}, ap[] = {1, 1, 1};
    CHECK(hx_ratio_ci(ap, 3, bz, 3, 2000, 3, 0.95, &r, &lo, &hi) == 0);
    CHECK(r == 1 && lo == 1 && isinf(hi));
}

int main(void) {
    test_quantiles();
    test_median();
    test_median_vs_sort();
    test_summary();
    test_degenerate();
    test_ratio();
    return hx_check_done();
}
