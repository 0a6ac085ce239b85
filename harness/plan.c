/*
 * plan.c - the data model of a run: from options to its points.
 *
 *   plan     topology (hwloc) -> each parameter's points (user --set /
 *            --threads, else the experiment's topology-derived generator,
 *            else its default list) -> families and points (the cartesian
 *            product over the parameters each variant uses) -> counter plan.
 *            Every user error is found here, before anything is written.
 *
 * Also the point accessors of hx.h (what a setup function may ask of its
 * point) and the two formats every output shares: a parameter's value
 * (48 KiB, 0.25) and a point's series name.
 *
 * Series. A point's series is its variant plus every parameter the variant
 * uses other than the plot's x axis: "strided stride=8". Claims name series
 * this way, with raw integer values.
 */
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "counters_sim.h"
#include "gotwin.h"
#include "plan.h"
#include "points.h"
#include "topo.h"

#define HX_DEFAULT_REPS     9
#define HX_QUICK_REPS       3
#define HX_DEFAULT_MIN_TIME 0.05 /* s per repetition: ~1e7 short ops */
#define HX_QUICK_MIN_TIME   0.01
#define HX_MAX_RUN_POINTS   10000 /* points (instances) in one run */

/* ---- point accessors (hx.h) -------------------------------------------- */

int hx_param_index(const hx_experiment *e, const char *name) {
    for (int i = 0; i < e->nparams; i++)
        if (strcmp(e->params[i].name, name) == 0)
            return i;
    return -1;
}

int64_t hx_point_param(const hx_point *pt, const char *name) {
    int i = hx_param_index(pt->run->exp, name);
    if (i < 0) {
        fprintf(stderr,
                "mechlab: internal: experiment %s has no parameter "
                "'%s'\n",
                pt->run->exp->name, name);
        exit(HX_EXIT_FAIL);
    }
    if (i == pt->run->thread_param)
        return pt->threads;
    return pt->val[i];
}

double hx_param_real(const hx_param *p, int64_t v) {
    return p && p->scale > 1 ? (double)v / (double)p->scale : (double)v;
}

double hx_point_paramf(const hx_point *pt, const char *name) {
    int i = hx_param_index(pt->run->exp, name);
    int64_t v = hx_point_param(pt, name);
    return hx_param_real(&pt->run->exp->params[i], v);
}

int hx_point_sweep(const hx_point *pt, const char *name, const int64_t **vals) {
    const hx_run *r = pt->run;
    int i = hx_param_index(r->exp, name);
    if (i < 0) {
        *vals = NULL;
        return 0;
    }
    *vals = r->pts[i];
    return r->npts[i];
}

int64_t hx_variant_arg(const hx_point *pt) {
    return pt->var->arg;
}
int hx_point_threads(const hx_point *pt) {
    return pt->threads;
}
const hx_topo *hx_point_topo(const hx_point *pt) {
    return &pt->run->topo;
}

void hx_point_skip(hx_point *pt, const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(pt->skip, sizeof pt->skip, fmt, ap);
    va_end(ap);
    if (!pt->skip[0])
        snprintf(pt->skip, sizeof pt->skip, "skipped by setup");
}

/* ---- formatting ---------------------------------------------------------- */

void hx_format_value(const hx_param *p, int64_t v, char *buf, size_t len) {
    if (p && (p->flags & HX_PARAM_BYTES)) {
        static const char *const unit[] = {"B", "KiB", "MiB", "GiB", "TiB"};
        int u = 0;
        double x = (double)v;
        while (x >= 1024 && u < 4) {
            x /= 1024;
            u++;
        }
        if (x == floor(x))
            snprintf(buf, len, "%.0f %s", x, unit[u]);
        else
            snprintf(buf, len, "%.1f %s", x, unit[u]);
        return;
    }
    if (p && p->scale > 1) {
        snprintf(buf, len, "%g", hx_param_real(p, v));
        return;
    }
    snprintf(buf, len, "%lld", (long long)v);
}

static bool uses_param(const hx_variant *v, int i) {
    return v->uses == 0 || (v->uses & (1u << i));
}

void hx_series_name(const hx_run *r, const hx_point *pt, char *buf,
                    size_t len) {
    const hx_experiment *e = r->exp;
    size_t n = (size_t)snprintf(buf, len, "%s", pt->var->name);
    for (int i = 0; i < e->nparams && n < len; i++) {
        if (i == r->xparam || !uses_param(pt->var, i))
            continue;
        int64_t v = i == r->thread_param ? pt->threads : pt->val[i];
        if (e->params[i].scale > 1) /* "workers_per_core=0.25" */
            n += (size_t)snprintf(buf + n, len - n, " %s=%g", e->params[i].name,
                                  hx_param_real(&e->params[i], v));
        else
            n += (size_t)snprintf(buf + n, len - n, " %s=%lld",
                                  e->params[i].name, (long long)v);
    }
}

/* ---- planning ------------------------------------------------------------ */

static const char *find_set(const hx_opts *o, const char *name) {
    size_t n = strlen(name);
    for (int i = 0; i < o->nsets; i++)
        if (strncmp(o->sets[i], name, n) == 0 && o->sets[i][n] == '=')
            return o->sets[i] + n + 1;
    return NULL;
}

/* A fixed-point parameter's list ("0.25,0.5,1..16") rewritten in its
 * units ("25,50,100..1600") for hx_points_parse; every number must be a
 * whole number of units. */
static int scale_spec(const char *spec, int64_t scale, char *out, size_t len,
                      char *err, size_t errlen) {
    size_t n = 0;
    for (const char *c = spec; *c;) {
        if (*c >= '0' && *c <= '9') {
            /* digits, then a '.' and digits (a '.' before another '.'
             * starts a range "A..B") */
            const char *start = c;
            while (*c >= '0' && *c <= '9')
                c++;
            if (c[0] == '.' && c[1] >= '0' && c[1] <= '9')
                for (c++; *c >= '0' && *c <= '9'; c++) {
                }
            char num[64];
            snprintf(num, sizeof num, "%.*s", (int)(c - start), start);
            char *end;
            double v = strtod(num, &end);
            double u = v * (double)scale;
            if (*end || num[0] == 0 || fabs(u - round(u)) > 1e-6) {
                snprintf(err, errlen,
                         "'%s' is not a multiple of %g (this parameter "
                         "has a resolution of 1/%lld)",
                         num, 1.0 / (double)scale, (long long)scale);
                return -EINVAL;
            }
            n += (size_t)snprintf(out + n, n < len ? len - n : 0, "%lld",
                                  (long long)llround(u));
            continue;
        }
        if (n + 1 < len)
            out[n++] = *c;
        c++;
    }
    if (n >= len) {
        snprintf(err, errlen, "list too long");
        return -EINVAL;
    }
    out[n] = 0;
    return 0;
}

static int parse_points(const hx_param *p, const char *spec, int64_t *out,
                        char *err, size_t len) {
    if (p->scale > 1) {
        char buf[1024];
        if (scale_spec(spec, p->scale, buf, sizeof buf, err, len) != 0)
            return -EINVAL;
        int n =
            hx_points_parse(buf, p->min, p->max, out, HX_MAX_POINTS, err, len);
        if (n <= 0 && err[0]) { /* say it in the user's units */
            char again[200];
            snprintf(again, sizeof again, "%s", err);
            snprintf(err, len, "%.180s (in units of 1/%lld)", again,
                     (long long)p->scale);
        }
        return n;
    }
    return hx_points_parse(spec, p->min, p->max, out, HX_MAX_POINTS, err, len);
}

static int param_points(hx_run *r, int i, char *err, size_t len) {
    const hx_experiment *e = r->exp;
    const hx_param *p = &e->params[i];
    const hx_opts *o = r->opts;
    const char *spec = find_set(o, p->name);
    const char *flag = "--set";
    if (!spec && (p->flags & HX_PARAM_THREADS) && o->threads) {
        spec = o->threads;
        flag = "--threads";
    }
    int n;
    if (spec) {
        char perr[256] = "";
        n = parse_points(p, spec, r->pts[i], perr, sizeof perr);
        if (n <= 0) {
            char lo[32], hi[32];
            hx_format_value(p->scale > 1 ? p : NULL, p->min, lo, sizeof lo);
            hx_format_value(p->scale > 1 ? p : NULL, p->max, hi, sizeof hi);
            snprintf(err, len,
                     "%s %s=%s: %s (parameter '%s' of %s, %s, accepts "
                     "%s..%s)",
                     flag, p->name, spec, perr[0] ? perr : "no values", p->name,
                     e->name, p->unit ? p->unit : "", lo, hi);
            return -EINVAL;
        }
    } else if (p->points) {
        n = p->points(&r->topo, o->quick, r->pts[i], HX_MAX_POINTS);
    } else {
        const char *d = (o->quick && p->quick_def) ? p->quick_def : p->def;
        char perr[256] = "";
        n = d ? parse_points(p, d, r->pts[i], perr, sizeof perr) : 0;
        if (n <= 0) {
            snprintf(err, len,
                     "internal: %s: parameter '%s' has no valid "
                     "default points (%s)",
                     e->name, p->name, perr);
            return -EINVAL;
        }
    }
    if (n <= 0) {
        snprintf(err, len, "%s: parameter '%s' has no points on this machine",
                 e->name, p->name);
        return -EINVAL;
    }
    r->npts[i] = n;
    return 0;
}

static int check_sets(const hx_run *r, char *err, size_t len) {
    const hx_experiment *e = r->exp;
    for (int i = 0; i < r->opts->nsets; i++) {
        const char *s = r->opts->sets[i];
        const char *eq = strchr(s, '=');
        char name[64];
        size_t n = eq ? (size_t)(eq - s) : strlen(s);
        snprintf(name, sizeof name, "%.*s", (int)n, s);
        for (int j = 0; eq && j < i; j++) {
            const char *t = r->opts->sets[j];
            if (strncmp(t, s, n + 1) == 0) {
                snprintf(err, len,
                         "--set %s: '%s' is already set (--set %s); give "
                         "each parameter once, with a list: %s=A,B",
                         s, name, t, name);
                return -EINVAL;
            }
        }
        if (eq && r->opts->threads && r->thread_param >= 0 &&
            strcmp(name, e->params[r->thread_param].name) == 0) {
            snprintf(err, len,
                     "--set %s and --threads %s set the same parameter; "
                     "give one of them",
                     s, r->opts->threads);
            return -EINVAL;
        }
        if (!eq || hx_param_index(e, name) < 0) {
            size_t m =
                (size_t)snprintf(err, len,
                                 "--set %s: %s has no parameter '%s'; its "
                                 "parameters are:",
                                 s, e->name, name);
            for (int k = 0; k < e->nparams && m < len; k++)
                m += (size_t)snprintf(err + m, len - m, " %s",
                                      e->params[k].name);
            return -EINVAL;
        }
    }
    if (r->opts->threads && r->thread_param < 0) {
        snprintf(err, len,
                 "--threads: %s is single-threaded (it has no "
                 "thread parameter)",
                 e->name);
        return -EINVAL;
    }
    return 0;
}

/* Add the families of variant v: every combination of the values of the
 * non-thread parameters it uses (the others fixed at their first point),
 * and one point per thread count. */
static int add_families(hx_run *r, const hx_variant *v) {
    const hx_experiment *e = r->exp;
    int idx[HX_MAX_PARAMS] = {0};
    for (;;) {
        r->fams = realloc(r->fams, sizeof(hx_family) * (size_t)(r->nfams + 1));
        if (!r->fams)
            return -ENOMEM;
        hx_family *f = &r->fams[r->nfams];
        memset(f, 0, sizeof *f);
        f->run = r;
        f->var = v;
        f->index = r->nfams;
        size_t n = (size_t)snprintf(f->name, sizeof f->name, "%s/%s", e->name,
                                    v->name);
        int64_t val[HX_MAX_PARAMS] = {0};
        for (int i = 0; i < e->nparams; i++) {
            val[i] = r->pts[i][idx[i]];
            if (i != r->thread_param && uses_param(v, i) && n < sizeof f->name)
                n += (size_t)snprintf(f->name + n, sizeof f->name - n,
                                      "/%s:%lld", e->params[i].name,
                                      (long long)val[i]);
        }
        int nt = r->thread_param >= 0 && uses_param(v, r->thread_param)
                     ? r->npts[r->thread_param]
                     : 1;
        f->points = calloc((size_t)nt, sizeof(hx_point));
        if (!f->points)
            return -ENOMEM;
        f->npoints = nt;
        for (int t = 0; t < nt; t++) {
            hx_point *pt = &f->points[t];
            pt->run = r;
            pt->var = v;
            memcpy(pt->val, val, sizeof val);
            pt->threads =
                r->thread_param >= 0 ? (int)r->pts[r->thread_param][t] : 1;
            if (r->thread_param >= 0 && !uses_param(v, r->thread_param))
                pt->threads = (int)r->pts[r->thread_param][0];
            pt->oversub = pt->threads > r->topo.pus;
            pt->thread_spread = pt->pu_spread = pt->cycles_per_op = NAN;
            if (r->thread_param >= 0)
                pt->val[r->thread_param] = pt->threads;
        }
        r->nfams++;
        r->total_points += nt;
        /* next combination over used non-thread params */
        int i;
        for (i = 0; i < e->nparams; i++) {
            if (i == r->thread_param || !uses_param(v, i))
                continue;
            if (++idx[i] < r->npts[i])
                break;
            idx[i] = 0;
        }
        if (i == e->nparams)
            return 0;
    }
}

int hx_plan(hx_run *r, const hx_experiment *e, const hx_opts *o, char *err,
            size_t len) {
    memset(r, 0, sizeof *r);
    r->exp = e;
    r->opts = o;
    r->thread_param = -1;
    r->xparam = 0;
    if (hx_topo_load(&r->topo) != 0) {
        snprintf(err, len, "cannot read the machine's topology (hwloc)");
        return -EIO;
    }
    for (int i = 0; i < e->nparams; i++)
        if (e->params[i].flags & HX_PARAM_THREADS)
            r->thread_param = i;
    if (e->xparam) {
        r->xparam = hx_param_index(e, e->xparam);
        if (r->xparam < 0) {
            snprintf(err, len,
                     "internal: %s: plot axis '%s' is not a "
                     "parameter",
                     e->name, e->xparam);
            return -EINVAL;
        }
    }
    int rc = check_sets(r, err, len);
    if (rc)
        return rc;
    for (int i = 0; i < e->nparams; i++)
        if ((rc = param_points(r, i, err, len)) != 0)
            return rc;
    /* The points are the product of the parameters' lists: refuse a
     * sweep too large to hold (each point carries per-thread arrays) or
     * to run, before allocating it. */
    if ((rc = hx_sources_plan(r, err, len)) != 0)
        return rc;
    hx_gotwin_plan(r); /* "go:<variant>" twins when Go is installed */
    double total = 0;
    for (int v = 0; v < e->nvariants + r->ntwins; v++) {
        const hx_variant *var =
            v < e->nvariants ? &e->variants[v] : &r->twins[v - e->nvariants];
        double prod = 1;
        for (int i = 0; i < e->nparams; i++)
            if (uses_param(var, i))
                prod *= r->npts[i];
        total += prod;
    }
    if (total > HX_MAX_RUN_POINTS) {
        snprintf(err, len,
                 "%s: %.0f points to run (the product of the parameters' "
                 "lists, per variant); at most %d: give shorter lists "
                 "with --set",
                 e->name, total, HX_MAX_RUN_POINTS);
        return -EINVAL;
    }
    for (int v = 0; v < e->nvariants + r->ntwins; v++)
        if ((rc = add_families(r, v < e->nvariants
                                      ? &e->variants[v]
                                      : &r->twins[v - e->nvariants])) != 0) {
            snprintf(err, len, "out of memory");
            return rc;
        }
    r->reps =
        o->reps > 0 ? o->reps : (o->quick ? HX_QUICK_REPS : HX_DEFAULT_REPS);
    double mt = e->min_time > 0 ? e->min_time : HX_DEFAULT_MIN_TIME;
    if (o->quick) /* a third of what the experiment asks, at least 10 ms */
        mt = e->min_time > 0 ? fmax(e->min_time / 3, HX_QUICK_MIN_TIME)
                             : HX_QUICK_MIN_TIME;
    r->min_time = o->min_time > 0 ? o->min_time : mt;
    r->total_runs = r->total_points * r->reps;
    r->cache_budget =
        r->topo.mem_total ? r->topo.mem_total / 4 : (size_t)1 << 30;
    /* The harness always samples task-clock (to tell a busy machine) and
     * page-faults (so readers see that no faults fell inside the timing),
     * whatever the experiment asks for. */
    const char *evs[HX_MAX_EVENTS + 1];
    const char *const *evlist = e->events;
    if (e->events) {
        int n = 0;
        for (int i = 0; e->events[i] && n < HX_MAX_EVENTS - 2; i++)
            evs[n++] = e->events[i];
        static const char *const always[] = {"task-clock", "page-faults"};
        for (int a = 0; a < 2; a++) {
            bool have = false;
            for (int i = 0; i < n; i++)
                have |= strcmp(evs[i], always[a]) == 0;
            if (!have)
                evs[n++] = always[a];
        }
        evs[n] = NULL;
        evlist = evs;
    }
    char cerr[256] = "";
    /* sim: the hardware chain as in auto; the simulation comes after the
     * timed run (simrun.c), in columns of its own */
    const char *cmode =
        !o->counters || hx_sim_mode(o->counters) ? "auto" : o->counters;
    rc = hx_counters_plan(&r->counters, cmode, evlist, cerr, sizeof cerr);
    if (rc) {
        snprintf(err, len, "--counters %s: %s",
                 o->counters ? o->counters : "auto", cerr);
        return rc;
    }
    r->nevents = hx_counters_count(r->counters);
    if (r->nevents > HX_MAX_EVENTS)
        r->nevents = HX_MAX_EVENTS;
    return 0;
}

void hx_plan_free(hx_run *r) {
    for (int f = 0; f < r->nfams; f++) {
        for (int i = 0; i < r->fams[f].npoints; i++)
            free(r->fams[f].points[i].samples);
        free(r->fams[f].points);
    }
    free(r->fams);
    r->fams = NULL;
    r->nfams = 0;
    if (r->counters)
        hx_counters_free(r->counters);
    r->counters = NULL;
    hx_sim_free(r->sim);
    r->sim = NULL;
}
