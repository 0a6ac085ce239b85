/*
 * stats.c - descriptive statistics and the bootstrap ratio interval.
 *
 * The summary of one parameter point is robust first: the median and the
 * MAD (median absolute deviation, scaled by 1.4826 so that it estimates
 * sigma for normal data) describe where the repetitions lie and how far
 * they spread, and a value more than HX_OUTLIER_MADS scaled MADs from the
 * median is an outlier. Outliers are counted and flagged, never dropped: a
 * repetition that hit a page-fault storm or a migration is part of what the
 * machine did. Mean and coefficient of variation are reported beside them
 * because readers expect them, and the CV drives the "high variation"
 * warning (HX_CV_WARN).
 *
 * Quantiles are Hyndman-Fan type 7 (R's and NumPy's default): for q in
 * [0,1] and n sorted values, h = (n-1)q, and the result interpolates
 * linearly between x[floor h] and x[floor h + 1]. So p10 of {1..10} is 1.9,
 * the median of an even count is the mean of the two middle values, and
 * q = 0 / q = 1 are the minimum and maximum.
 *
 * Medians of unsorted data use quickselect on a scratch copy (O(n) expected,
 * deterministic pivots: median of three), because the bootstrap takes two
 * medians per resample and B is in the thousands.
 *
 * Ratio interval. The ratio of two series is median(a) / median(b). Its
 * confidence interval is a percentile bootstrap: draw na values from a
 * with replacement and, independently, nb values from b, take the ratio
 * of the two resampled medians, repeat `iters` times, and report the
 * (1-level)/2 and (1+level)/2 type-7 quantiles of those ratios. The
 * generator is xoshiro256** seeded through splitmix64, and indices are
 * drawn with Lemire's unbiased multiply-shift, so a given (data, iters,
 * seed, level) always gives the same interval on every platform.
 *
 * Degenerate inputs, stated once:
 *  - n = 0: hx_summarize gives n = 0 and every statistic NAN; hx_median
 *    and hx_quantile_sorted return NAN.
 *  - n = 1: median = min = max = p10 = p90 = mean = the value, MAD = 0,
 *    cv = NAN (one value says nothing about spread), no outliers.
 *  - n = 2: the median is the midpoint; MAD is the half distance * 1.4826;
 *    neither value can be an outlier (both lie exactly 1/1.4826 MADs out).
 *  - all values equal (or more than half equal): MAD = 0, and then nothing
 *    is an outlier: with no measured spread there is no scale to be far on.
 *  - mean = 0: cv = NAN. cv is sd / |mean| with the sample (n-1) sd.
 *  - NaN: a NaN is a missing measurement. hx_summarize, hx_median and
 *    hx_ratio_ci ignore NaN values (n counts the others); if nothing is
 *    left they behave as for n = 0. hx_quantile_sorted expects NaN-free
 *    sorted input (it cannot sort NaN), and returns NAN for a NaN q.
 *    hx_is_outlier(NaN) is false. Infinities are ordinary values.
 *  - bootstrap: a resample whose median(b) is 0 gives an infinite ratio
 *    (kept: it lies in a tail); 0/0 resamples are discarded. If every
 *    resample is discarded the interval is NAN, NAN.
 *
 * Memory: scratch arrays live only for the call (a small stack buffer, or
 * malloc for large inputs); nothing is kept between calls and there is no
 * global state, so every function is thread-safe.
 */
#include "stats.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

/* Scale that turns a MAD into a sigma estimate for normal data:
 * 1 / Phi^-1(3/4). */
#define HX_MAD_SCALE 1.4826
/* An outlier lies strictly more than this many scaled MADs from the
 * median. 3 is the conventional robust z cut-off. */
#define HX_OUTLIER_MADS 3.0
/* Bootstrap resamples used when the caller passes iters = 0. 2000 puts
 * the Monte Carlo error of a 95% percentile bound well below the
 * run-to-run noise of the repetitions themselves. */
#define HX_BOOT_DEFAULT_ITERS 2000u
/* Values held on the stack before falling back to malloc (repetition
 * counts are 3..30; this keeps the common path allocation-free). */
#define HX_STACK_VALUES 64

/* ---- ordering helpers ---------------------------------------------- */

static int cmp_double(const void *pa, const void *pb) {
    double a = *(const double *)pa, b = *(const double *)pb;
    return (a > b) - (a < b);
}

static inline void swap_double(double *a, double *b) {
    double t = *a;
    *a = *b;
    *b = t;
}

/* Rearranges x[0..n) so that x[k] is the value a sort would put there,
 * everything before it is <= x[k] and everything after is >= x[k]. No NaN
 * allowed. Hoare-style partition around a median-of-three pivot. */
static void select_kth(double *x, size_t n, size_t k) {
    size_t lo = 0, hi = n - 1;
    while (hi > lo) {
        size_t mid = lo + (hi - lo) / 2;
        if (x[mid] < x[lo])
            swap_double(&x[mid], &x[lo]);
        if (x[hi] < x[lo])
            swap_double(&x[hi], &x[lo]);
        if (x[hi] < x[mid])
            swap_double(&x[hi], &x[mid]);
        double pivot = x[mid];
        size_t i = lo, j = hi;
        while (i <= j) {
            while (x[i] < pivot)
                i++;
            while (x[j] > pivot)
                j--;
            if (i <= j) {
                swap_double(&x[i], &x[j]);
                i++;
                if (j == 0)
                    break;
                j--;
            }
        }
        /* Now x[lo..j] <= pivot <= x[i..hi], and j < i. */
        if (k <= j)
            hi = j;
        else if (k >= i)
            lo = i;
        else
            return; /* j < k < i: x[k] == pivot, in place */
    }
}

/* Median of x[0..n), n > 0, NaN-free; x is reordered. */
static double median_inplace(double *x, size_t n) {
    size_t k = n / 2;
    select_kth(x, n, k);
    if (n % 2)
        return x[k];
    /* Even: the lower middle is the largest value left of k. */
    double below = x[0];
    for (size_t i = 1; i < k; i++)
        if (x[i] > below)
            below = x[i];
    return below + (x[k] - below) / 2;
}

/* Copies the non-NaN values of x into dst (room for n); returns the count. */
static size_t copy_non_nan(double *dst, const double *x, size_t n) {
    size_t m = 0;
    for (size_t i = 0; i < n; i++)
        if (!isnan(x[i]))
            dst[m++] = x[i];
    return m;
}

/* Scratch buffer: the stack array when it is big enough, else malloc. */
static double *scratch(double *stackbuf, size_t n) {
    if (n <= HX_STACK_VALUES)
        return stackbuf;
    return malloc(n * sizeof(double));
}

static void scratch_free(double *p, const double *stackbuf) {
    if (p != stackbuf)
        free(p);
}

/* ---- quantiles and summary ----------------------------------------- */

double hx_quantile_sorted(const double *sorted, size_t n, double q) {
    if (n == 0 || sorted == NULL || isnan(q))
        return NAN;
    if (q <= 0)
        return sorted[0];
    if (q >= 1)
        return sorted[n - 1];
    double h = (double)(n - 1) * q;
    size_t i = (size_t)h;
    double frac = h - (double)i;
    if (i + 1 >= n || frac == 0)
        return sorted[i];
    double a = sorted[i], b = sorted[i + 1];
    if (a == b)
        return a; /* also keeps inf == inf from becoming NaN */
    return a + frac * (b - a);
}

double hx_median(const double *x, size_t n) {
    if (x == NULL || n == 0)
        return NAN;
    double stackbuf[HX_STACK_VALUES];
    double *tmp = scratch(stackbuf, n);
    if (tmp == NULL)
        return NAN;
    size_t m = copy_non_nan(tmp, x, n);
    double med = m ? median_inplace(tmp, m) : NAN;
    scratch_free(tmp, stackbuf);
    return med;
}

static void summary_empty(hx_summary *out) {
    out->n = 0;
    out->median = out->mad = out->min = out->max = NAN;
    out->p10 = out->p90 = out->mean = out->cv = NAN;
    out->outliers = 0;
}

int hx_summarize(const double *x, size_t n, hx_summary *out) {
    if (out == NULL)
        return -EINVAL;
    summary_empty(out);
    if (x == NULL || n == 0)
        return 0;
    double stackbuf[HX_STACK_VALUES];
    double *v = scratch(stackbuf, n);
    if (v == NULL)
        return -ENOMEM;
    size_t m = copy_non_nan(v, x, n);
    if (m == 0) {
        scratch_free(v, stackbuf);
        return 0;
    }
    qsort(v, m, sizeof(double), cmp_double);

    out->n = m;
    out->min = v[0];
    out->max = v[m - 1];
    out->median = hx_quantile_sorted(v, m, 0.5);
    out->p10 = hx_quantile_sorted(v, m, 0.10);
    out->p90 = hx_quantile_sorted(v, m, 0.90);

    /* Two-pass mean and sample variance (stable for tightly clustered
     * nanosecond timings, where the naive sum of squares cancels). */
    double sum = 0;
    for (size_t i = 0; i < m; i++)
        sum += v[i];
    double mean = sum / (double)m;
    out->mean = mean;
    if (m >= 2 && mean != 0 && isfinite(mean)) {
        double ss = 0;
        for (size_t i = 0; i < m; i++)
            ss += (v[i] - mean) * (v[i] - mean);
        out->cv = sqrt(ss / (double)(m - 1)) / fabs(mean);
    }

    /* MAD: reuse the buffer for the absolute deviations. */
    double med = out->median;
    for (size_t i = 0; i < m; i++)
        v[i] = fabs(v[i] - med);
    /* inf - inf is NaN; such a deviation says nothing: treat as 0 so the
     * select below stays NaN-free. */
    for (size_t i = 0; i < m; i++)
        if (isnan(v[i]))
            v[i] = 0;
    out->mad = HX_MAD_SCALE * median_inplace(v, m);
    scratch_free(v, stackbuf);

    size_t outl = 0;
    for (size_t i = 0; i < n; i++)
        if (hx_is_outlier(out, x[i]))
            outl++;
    out->outliers = outl;
    return 0;
}

bool hx_is_outlier(const hx_summary *s, double v) {
    if (s == NULL || s->n == 0 || isnan(v) || !(s->mad > 0) ||
        !isfinite(s->mad))
        return false;
    return fabs(v - s->median) > HX_OUTLIER_MADS * s->mad;
}

/* ---- xoshiro256** --------------------------------------------------- */

/* The state of one generator; four words, never all zero. */
typedef struct rng {
    uint64_t s[4];
} rng;

static inline uint64_t rotl64(uint64_t x, int k) {
    return (x << k) | (x >> (64 - k));
}

/* splitmix64 step: spreads a (possibly tiny) seed over the state. */
static uint64_t splitmix64(uint64_t *x) {
    uint64_t z = (*x += 0x9e3779b97f4a7c15u);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9u;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebu;
    return z ^ (z >> 31);
}

static void rng_seed(rng *r, uint64_t seed) {
    uint64_t x = seed;
    for (int i = 0; i < 4; i++)
        r->s[i] = splitmix64(&x);
}

static uint64_t rng_next(rng *r) {
    uint64_t *s = r->s;
    uint64_t result = rotl64(s[1] * 5, 7) * 9;
    uint64_t t = s[1] << 17;
    s[2] ^= s[0];
    s[3] ^= s[1];
    s[1] ^= s[2];
    s[0] ^= s[3];
    s[2] ^= t;
    s[3] = rotl64(s[3], 45);
    return result;
}

/* Uniform integer in [0, bound), bound > 0 and < 2^32 (Lemire's
 * multiply-shift with rejection of the biased low region). */
static uint32_t rng_below(rng *r, uint32_t bound) {
    uint64_t m = (rng_next(r) >> 32) * (uint64_t)bound;
    uint32_t low = (uint32_t)m;
    if (low < bound) {
        uint32_t threshold = (uint32_t)(-bound) % bound;
        while (low < threshold) {
            m = (rng_next(r) >> 32) * (uint64_t)bound;
            low = (uint32_t)m;
        }
    }
    return (uint32_t)(m >> 32);
}

/* ---- ratio of medians with bootstrap CI ---------------------------- */

static double resampled_median(rng *r, const double *src, size_t n,
                               double *tmp) {
    for (size_t i = 0; i < n; i++)
        tmp[i] = src[rng_below(r, (uint32_t)n)];
    return median_inplace(tmp, n);
}

int hx_ratio_ci(const double *a, size_t na, const double *b, size_t nb,
                unsigned iters, uint64_t seed, double level, double *ratio,
                double *lo, double *hi) {
    if (ratio)
        *ratio = NAN;
    if (lo)
        *lo = NAN;
    if (hi)
        *hi = NAN;
    if (a == NULL || b == NULL || na == 0 || nb == 0 || !(level > 0) ||
        !(level < 1) || na > UINT32_MAX || nb > UINT32_MAX)
        return -EINVAL;
    if (iters == 0)
        iters = HX_BOOT_DEFAULT_ITERS;

    /* One allocation: clean a, clean b, a resample scratch, the ratios. */
    size_t scratch_n = na > nb ? na : nb;
    double *buf = malloc((na + nb + scratch_n + iters) * sizeof(double));
    if (buf == NULL)
        return -ENOMEM;
    double *ca = buf, *cb = buf + na, *tmp = cb + nb, *ratios = tmp + scratch_n;
    na = copy_non_nan(ca, a, na);
    nb = copy_non_nan(cb, b, nb);
    int rc = -EINVAL;
    if (na == 0 || nb == 0)
        goto out;

    memcpy(tmp, ca, na * sizeof(double));
    double ma = median_inplace(tmp, na);
    memcpy(tmp, cb, nb * sizeof(double));
    double mb = median_inplace(tmp, nb);
    if (mb == 0)
        goto out;
    if (ratio)
        *ratio = ma / mb;

    rng r;
    rng_seed(&r, seed);
    size_t kept = 0;
    for (unsigned it = 0; it < iters; it++) {
        double ra = resampled_median(&r, ca, na, tmp);
        double rb = resampled_median(&r, cb, nb, tmp);
        double q = ra / rb;
        if (!isnan(q))
            ratios[kept++] = q;
    }
    if (kept > 0) {
        qsort(ratios, kept, sizeof(double), cmp_double);
        double tail = (1 - level) / 2;
        if (lo)
            *lo = hx_quantile_sorted(ratios, kept, tail);
        if (hi)
            *hi = hx_quantile_sorted(ratios, kept, 1 - tail);
    }
    rc = 0;
out:
    free(buf);
    return rc;
}
