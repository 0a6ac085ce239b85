/*
 * calibrate.c - per-PU speed, the timed loop's floor, and which points
 * can count as evidence.
 *
 * Why. On a VM the PUs are host threads shared with other guests. The
 * guest cannot see that: steal time stays 0 and task-clock counts the
 * thread as running, yet one vCPU ran a one-cycle loop at 0.29 ns and the
 * other at 0.59 ns in the same minute. Every comparison of 1 thread with
 * N threads then compares against a slower PU, and an average over
 * threads hides it (a falseshare point averaged a 0.28 ns and a 0.57 ns
 * thread). So the run measures each PU's speed before and after, and
 * each point's threads against each other, and a point whose threads or
 * PUs differ by more than HX_SETTLED_SPREAD (1.3x) is "not settled": its
 * numbers are reported, but they are not evidence for or against a claim.
 *
 * The clock reference. A chain of dependent register-register adds
 * (`add x, x`) runs at exactly one cycle per add on every x86 and Arm core
 * (add-immediate chains are folded at rename on recent Intel cores, so
 * they are no clock there), so its ns per add is the period of the clock
 * that PU really runs at now, turbo and host contention included. Each
 * PU gets HX_CAL_TRIALS trials of HX_CAL_ADDS adds, pinned, and keeps the
 * fastest (a trial that was interrupted is slower, never faster). About
 * 2 ms per PU.
 *
 * The loop floor. The same procedure times an empty counted loop with a
 * compiler barrier in it: the shape of every variant's timed loop (for
 * i < n: body). Its ns per iteration, in cycles of the same PU, is the
 * harness's overhead per op: about one cycle on current cores (the loop's
 * increment, compare and branch). A variant whose ns/op is within
 * HX_FLOOR_FACTOR of it measures the loop, not its mechanism (falseshare's
 * `local`, one-thread `strided` and noop's `empty` on a Zen core that
 * renames the store-load pair): the summary names such points.
 *
 * Per point (hx_calib_points, after the run):
 *   thread_spread  median over repetitions of slowest / fastest thread
 *                  ns/op (every thread of a point does the same work, and
 *                  with stop-together over the same window);
 *   pu_spread      slowest / fastest calibration among the PUs the point
 *                  ran on, before and after the run together (a PU that
 *                  changed speed during the run counts against it too);
 *   unsettled      either beyond HX_SETTLED_SPREAD (the default, before
 *                  anything is known, is settled; the thread spread of
 *                  an over-subscribed point is its time-slicing, and
 *                  that of a contended variant, whose threads fight for
 *                  one line, is who wins it: neither counts);
 *   cycles_per_op  median ns/op over the median cycle time of its PUs;
 *   at_floor       cycles_per_op within HX_FLOOR_FACTOR of the floor.
 *
 * Rejected: calibrating inside every repetition (a fixed cost in each
 * timed window, and it would perturb the very caches a chase measures);
 * correcting ns/op by the PU's speed (a host that slows a vCPU also
 * delays its memory traffic by other amounts: the honest output is "not
 * settled", not an adjusted number).
 */
#define _GNU_SOURCE
#include "calibrate.h"

#include <errno.h>
#include <jansson.h>
#include <math.h>
#include <sched.h>
#include <stdlib.h>
#include <string.h>

#include "clock.h"
#include "plan.h"
#include "repeat.h"
#include "run.h"
#include "stats.h"
#include "topo.h"

#define HX_CAL_ADDS   (1u << 20) /* adds per trial: ~0.3 ms at 3 GHz */
#define HX_CAL_TRIALS 5          /* fastest of these counts */

/* ---- the loops ----------------------------------------------------------- */

static inline uint64_t add1(uint64_t x) {
#if defined(__x86_64__)
    __asm__ volatile("add %0, %0" : "+r"(x));
#elif defined(__aarch64__)
    __asm__ volatile("add %0, %0, %0" : "+r"(x));
#else
    x += x;
    __asm__ volatile("" : "+r"(x));
#endif
    return x;
}

static double time_adds(void) {
    uint64_t x = 1;
    double t0 = hx_now();
    for (uint32_t i = 0; i < HX_CAL_ADDS; i += 8) {
        x = add1(add1(add1(add1(x))));
        x = add1(add1(add1(add1(x))));
    }
    double t = hx_now() - t0;
    hx_keep(x);
    return t * 1e9 / HX_CAL_ADDS;
}

static double time_loop(void) {
    uint64_t n = HX_CAL_ADDS;
    double t0 = hx_now();
    for (uint64_t i = 0; i < n; i++)
        hx_clobber(); /* the empty body of a timed loop */
    return (hx_now() - t0) * 1e9 / (double)n;
}

int hx_calibrate(const hx_topo *t, int npus, hx_calib *out) {
    memset(out, 0, sizeof *out);
    out->when = hx_now();
    if (npus > HX_CALIB_MAX_PUS)
        npus = HX_CALIB_MAX_PUS;
    cpu_set_t saved;
    bool restore = sched_getaffinity(0, sizeof saved, &saved) == 0;
    int rc = 0;
    for (int i = 0; i < npus; i++) {
        int pu = hx_topo_pin(t, i);
        if (pu < 0) {
            rc = pu;
            break;
        }
        double add = INFINITY, loop = INFINITY;
        for (int k = 0; k < HX_CAL_TRIALS; k++) {
            add = fmin(add, time_adds());
            loop = fmin(loop, time_loop());
        }
        out->pu[out->n] = pu;
        out->cycle_ns[out->n] = add;
        out->loop_ns[out->n] = loop;
        out->n++;
    }
    if (restore)
        sched_setaffinity(0, sizeof saved, &saved);
    return rc;
}

int hx_calib_pus(const hx_run *r) {
    int most = 1;
    for (int f = 0; f < r->nfams; f++)
        for (int i = 0; i < r->fams[f].npoints; i++)
            if (r->fams[f].points[i].threads > most)
                most = r->fams[f].points[i].threads;
    if (r->exp->runtime || most > r->topo.pus)
        most = r->topo.pus;
    return most < 1 ? 1 : most;
}

/* ---- per point ------------------------------------------------------------ */

/* The calibrations of OS PU `pu` in c (NAN when absent). */
static double cycle_of(const hx_calib *c, int pu, bool loop) {
    if (!c)
        return NAN;
    for (int i = 0; i < c->n; i++)
        if (c->pu[i] == pu)
            return loop ? c->loop_ns[i] : c->cycle_ns[i];
    return NAN;
}

/* The PUs a point ran on: its pinned PUs, or every calibrated PU when it
 * was not pinned (runtime experiments). Returns the count. */
static int point_pus(const hx_run *r, const hx_point *pt, int *out, int max) {
    int n = 0;
    for (int t = 0; t < pt->threads && t < HX_MAX_THREADS && n < max; t++) {
        if (pt->pu[t] == HX_PU_UNPINNED || pt->pu[t] < 0)
            continue;
        bool dup = false;
        for (int k = 0; k < n; k++)
            dup |= out[k] == pt->pu[t];
        if (!dup)
            out[n++] = pt->pu[t];
    }
    const hx_calib *c = r->calib_before ? r->calib_before : r->calib_after;
    if (n == 0 && c)
        for (int i = 0; i < c->n && n < max; i++)
            out[n++] = c->pu[i];
    return n;
}

double hx_calib_point_cycle_ns(const hx_run *r, const hx_point *pt) {
    int pus[HX_CALIB_MAX_PUS];
    int n = point_pus(r, pt, pus, HX_CALIB_MAX_PUS);
    double v[2 * HX_CALIB_MAX_PUS];
    int m = 0;
    for (int i = 0; i < n; i++) {
        double a = cycle_of(r->calib_before, pus[i], false);
        double b = cycle_of(r->calib_after, pus[i], false);
        if (!isnan(a))
            v[m++] = a;
        if (!isnan(b))
            v[m++] = b;
    }
    return m ? hx_median(v, (size_t)m) : NAN;
}

static double point_loop_ns(const hx_run *r, const hx_point *pt) {
    int pus[HX_CALIB_MAX_PUS];
    int n = point_pus(r, pt, pus, HX_CALIB_MAX_PUS);
    double v[2 * HX_CALIB_MAX_PUS];
    int m = 0;
    for (int i = 0; i < n; i++) {
        double a = cycle_of(r->calib_before, pus[i], true);
        double b = cycle_of(r->calib_after, pus[i], true);
        if (!isnan(a))
            v[m++] = a;
        if (!isnan(b))
            v[m++] = b;
    }
    return m ? hx_median(v, (size_t)m) : NAN;
}

bool hx_settled(double thread_spread, double pu_spread, char *why, size_t len) {
    bool th = thread_spread > HX_SETTLED_SPREAD;
    bool pu = pu_spread > HX_SETTLED_SPREAD;
    if (why && len)
        why[0] = 0;
    if (!th && !pu)
        return true;
    if (why && len) {
        if (th && (!pu || thread_spread >= pu_spread))
            snprintf(why, len, "threads differ %.2fx", thread_spread);
        else
            snprintf(why, len, "its PUs differ %.2fx in speed", pu_spread);
    }
    return false;
}

void hx_calib_points(hx_run *r) {
    for (int f = 0; f < r->nfams; f++)
        for (int i = 0; i < r->fams[f].npoints; i++) {
            hx_point *pt = &r->fams[f].points[i];
            double ts[1024], ns[1024];
            int nts = 0, nns = 0;
            for (int k = 0; k < pt->nsamples && k < 1024; k++) {
                const hx_sample *s = &pt->samples[k];
                if (s->failed)
                    continue;
                if (!isnan(s->thread_spread))
                    ts[nts++] = s->thread_spread;
                if (!isnan(s->ns_per_op))
                    ns[nns++] = s->ns_per_op;
            }
            pt->thread_spread = nts ? hx_median(ts, (size_t)nts) : NAN;
            int pus[HX_CALIB_MAX_PUS];
            int n = point_pus(r, pt, pus, HX_CALIB_MAX_PUS);
            double v[2 * HX_CALIB_MAX_PUS];
            int m = 0;
            for (int k = 0; k < n; k++) {
                double a = cycle_of(r->calib_before, pus[k], false);
                double b = cycle_of(r->calib_after, pus[k], false);
                if (!isnan(a))
                    v[m++] = a;
                if (!isnan(b))
                    v[m++] = b;
            }
            pt->pu_spread = m ? hx_spread(v, m) : NAN;
            /* over-subscribed threads share PUs by design: their spread
             * is the time-slicing, not a verdict on the point; threads of
             * a contended variant share one line by design: their spread
             * is who wins it (hx_variant.contended) */
            double tsp =
                isnan(pt->thread_spread) || pt->oversub || pt->var->contended
                    ? 1
                    : pt->thread_spread;
            pt->unsettled =
                !hx_settled(tsp, isnan(pt->pu_spread) ? 1 : pt->pu_spread,
                            pt->unsettled_why, sizeof pt->unsettled_why);
            double cyc = hx_calib_point_cycle_ns(r, pt);
            double med = nns ? hx_median(ns, (size_t)nns) : NAN;
            pt->cycles_per_op = med / cyc;
            double floor_c = point_loop_ns(r, pt) / cyc;
            pt->at_floor = !isnan(pt->cycles_per_op) && !isnan(floor_c) &&
                           !r->exp->runtime &&
                           pt->cycles_per_op <= HX_FLOOR_FACTOR * floor_c;
        }
}

/* ---- the summary ------------------------------------------------------------ */

static void point_label(const hx_run *r, const hx_point *pt, char *buf,
                        size_t len) {
    char series[200], xv[32];
    hx_series_name(r, pt, series, sizeof series);
    const hx_param *xp = &r->exp->params[r->xparam];
    int64_t x = r->xparam == r->thread_param ? pt->threads : pt->val[r->xparam];
    hx_format_value(xp, x, xv, sizeof xv);
    snprintf(buf, len, "%s %s=%s", series, xp->name, xv);
}

static void calib_line(FILE *f, const hx_calib *b, const hx_calib *a) {
    const hx_calib *c = b ? b : a;
    for (int i = 0; i < c->n; i++) {
        double x = b && i < b->n ? b->cycle_ns[i] : NAN;
        double y = a ? cycle_of(a, c->pu[i], false) : NAN;
        fprintf(f, "  PU %d: ", c->pu[i]);
        if (!isnan(x))
            fprintf(f, "%.3f ns (%.2f GHz) before", x, 1 / x);
        if (!isnan(x) && !isnan(y))
            fprintf(f, ", ");
        if (!isnan(y))
            fprintf(f, "%.3f ns (%.2f GHz) after", y, 1 / y);
        fprintf(f, "\n");
    }
}

void hx_calib_summary(const hx_run *r, FILE *f) {
    const hx_calib *b = r->calib_before, *a = r->calib_after;
    if (!b && !a)
        return;
    fprintf(f, "\nclock reference: one dependent add (1 cycle) per PU, "
               "before and after the run\n");
    calib_line(f, b, a);
    double all[2 * HX_CALIB_MAX_PUS];
    int m = 0;
    for (int i = 0; b && i < b->n; i++)
        all[m++] = b->cycle_ns[i];
    for (int i = 0; a && i < a->n; i++)
        all[m++] = a->cycle_ns[i];
    double sp = hx_spread(all, m);
    fprintf(f, "  spread %.2fx%s\n", sp,
            sp > HX_SETTLED_SPREAD
                ? ": the PUs ran at unequal speeds (host contention a guest "
                  "cannot see); comparisons across them are not settled"
                : "");

    /* the loop floor, and the points at it */
    const hx_calib *c = b ? b : a;
    if (c->n > 0) {
        double lc = c->loop_ns[0] / c->cycle_ns[0];
        fprintf(f,
                "harness floor: the empty timed loop costs %.2f cycles per "
                "op (%.3f ns on PU %d)\n",
                lc, c->loop_ns[0], c->pu[0]);
    }
    int nfloor = 0;
    for (int fi = 0; fi < r->nfams; fi++)
        for (int i = 0; i < r->fams[fi].npoints; i++) {
            const hx_point *pt = &r->fams[fi].points[i];
            if (!pt->at_floor)
                continue;
            char lab[260];
            point_label(r, pt, lab, sizeof lab);
            if (nfloor++ == 0)
                fprintf(f, "at that floor (they time the loop, not the "
                           "mechanism):\n");
            fprintf(f, "  %s: %.2f cycles per op\n", lab, pt->cycles_per_op);
        }

    /* the largest thread spread of a multi-threaded point */
    double wsp = 0;
    char wat[260] = "";
    for (int fi = 0; fi < r->nfams; fi++)
        for (int i = 0; i < r->fams[fi].npoints; i++) {
            const hx_point *pt = &r->fams[fi].points[i];
            if (pt->threads < 2 || pt->oversub || isnan(pt->thread_spread) ||
                pt->thread_spread <= wsp)
                continue;
            wsp = pt->thread_spread;
            point_label(r, pt, wat, sizeof wat);
        }
    if (wsp > 0)
        fprintf(f,
                "thread spread (slowest / fastest thread, median over "
                "repetitions; data.csv thread_spread): at most %.2fx, at "
                "%s\n",
                wsp, wat);

    /* settled */
    int nuns = 0, npts = 0;
    bool contended = false;
    for (int fi = 0; fi < r->nfams; fi++)
        for (int i = 0; i < r->fams[fi].npoints; i++) {
            const hx_point *pt = &r->fams[fi].points[i];
            if (pt->nsamples == 0)
                continue;
            npts++;
            contended |= pt->var->contended && pt->threads > 1;
            if (!pt->unsettled)
                continue;
            char lab[260];
            point_label(r, pt, lab, sizeof lab);
            if (nuns++ == 0)
                fprintf(f,
                        "not settled (threads or PUs more than %.1fx apart: "
                        "reported, not evidence):\n",
                        HX_SETTLED_SPREAD);
            fprintf(f, "  %s: %s\n", lab, pt->unsettled_why);
        }
    if (nuns == 0 && npts)
        fprintf(f,
                "settled: at every point the threads and PUs were within "
                "%.1fx of each other%s\n",
                HX_SETTLED_SPREAD,
                contended ? " (the PUs only where a variant's threads "
                            "contend for one line: their spread is who "
                            "wins it)"
                          : "");

    /* passes per repetition, per series with a declared pass */
    for (int fi = 0; fi < r->nfams; fi++) {
        const hx_family *fam = &r->fams[fi];
        if (fi > 0 && fam->var == r->fams[fi - 1].var)
            continue; /* one line per variant */
        double lo = INFINITY, hi = 0, wlo = INFINITY, whi = 0;
        char lo_at[260] = "";
        int budget = 0, n = 0;
        for (int g = fi; g < r->nfams && r->fams[g].var == fam->var; g++)
            for (int i = 0; i < r->fams[g].npoints; i++) {
                const hx_point *pt = &r->fams[g].points[i];
                for (int k = 0; k < pt->nsamples; k++) {
                    const hx_sample *s = &pt->samples[k];
                    if (s->failed || isnan(s->passes))
                        continue;
                    n++;
                    if (s->passes < lo) {
                        lo = s->passes;
                        point_label(r, pt, lo_at, sizeof lo_at);
                    }
                    hi = fmax(hi, s->passes);
                    wlo = fmin(wlo, s->warm_passes);
                    whi = fmax(whi, s->warm_passes);
                    budget += s->warm_end == HX_WARM_BUDGET;
                }
            }
        if (n == 0)
            continue;
        fprintf(f,
                "passes over the data per repetition (%s): timed %.3g..%.3g "
                "(fewest at %s), after an untimed warm-up of %.3g..%.3g "
                "passes",
                fam->var->name, lo, hi, lo_at, wlo, whi);
        if (budget)
            fprintf(f,
                    " (%d warm-up%s stopped by the time budget: data "
                    "larger than the caches never becomes resident)",
                    budget, budget > 1 ? "s" : "");
        fprintf(f, "; data.csv: passes, warm_passes\n");
    }
}

/* ---- context.json ----------------------------------------------------------- */

static json_t *calib_obj(const hx_calib *c) {
    if (!c)
        return json_null();
    json_t *a = json_array();
    for (int i = 0; i < c->n; i++) {
        json_t *o = json_object();
        json_object_set_new(o, "pu", json_integer(c->pu[i]));
        json_object_set_new(o, "cycle_ns", json_real(c->cycle_ns[i]));
        json_object_set_new(o, "ghz", json_real(1 / c->cycle_ns[i]));
        json_object_set_new(o, "loop_ns", json_real(c->loop_ns[i]));
        json_object_set_new(o, "loop_cycles",
                            json_real(c->loop_ns[i] / c->cycle_ns[i]));
        json_array_append_new(a, o);
    }
    return a;
}

json_t *hx_calib_json(const hx_run *r) {
    json_t *o = json_object();
    json_object_set_new(
        o, "method",
        json_string("per PU, pinned: fastest of 5 trials of 2^20 dependent "
                    "register adds (cycle_ns: one cycle) and of 2^20 "
                    "iterations of an empty timed loop (loop_ns: the "
                    "harness floor per op)"));
    json_object_set_new(o, "before", calib_obj(r->calib_before));
    json_object_set_new(o, "after", calib_obj(r->calib_after));
    double all[2 * HX_CALIB_MAX_PUS];
    int m = 0;
    for (int i = 0; r->calib_before && i < r->calib_before->n; i++)
        all[m++] = r->calib_before->cycle_ns[i];
    for (int i = 0; r->calib_after && i < r->calib_after->n; i++)
        all[m++] = r->calib_after->cycle_ns[i];
    json_object_set_new(o, "spread", json_real(hx_spread(all, m)));
    json_object_set_new(o, "settled_spread", json_real(HX_SETTLED_SPREAD));
    json_object_set_new(o, "floor_factor", json_real(HX_FLOOR_FACTOR));
    return o;
}
