/*
 * report_json.c - summary.json: the result as data (schema
 * mechlab.summary/1, documented key by key in results/README.md).
 *
 * This is the file other programs read: `compare`, report.html and its
 * index, the fleet study. The keys the README lists keep their meaning
 * while the schema number stays; new keys may be added (readers ignore
 * keys they do not know). Numbers that were not measured are null, never
 * 0 or NaN (strict JSON has no NaN).
 *
 * Beyond the documented keys it carries what a report needs to be drawn
 * from the run directory alone, years later or on another machine: the
 * experiment's texts (hypothesis, how to read the plot, homework), the
 * plot's axes and marks, the experiment's notes and checks.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <jansson.h>
#include <math.h>
#include <string.h>
#include <unistd.h>

#include "context.h"
#include "counters_sim.h"
#include "plan.h"
#include "result.h"

static json_t *num(double v) {
    return isnan(v) || isinf(v) ? json_null() : json_real(v);
}

/* A parameter's value in its user units: fixed-point ones as reals. */
static json_t *pval(const hx_param *p, int64_t v) {
    return p->scale > 1 ? json_real(hx_param_real(p, v)) : json_integer(v);
}

static json_t *str(const char *s) {
    return s ? json_string(s) : json_null();
}

static json_t *point_json(const struct hx_results *res, const hx_rseries *se,
                          const hx_rpoint *p) {
    const hx_run *r = res->r;
    const hx_experiment *e = r->exp;
    json_t *o = json_object();
    json_object_set_new(o, "series", json_string(se->name));
    json_object_set_new(o, "variant", json_string(se->var->name));
    json_t *params = json_object();
    for (int i = 0; i < e->nparams; i++)
        json_object_set_new(params, e->params[i].name,
                            pval(&e->params[i], p->pt->val[i]));
    json_object_set_new(o, "params", params);
    json_object_set_new(o, "x", pval(&e->params[r->xparam], p->x));
    json_object_set_new(o, "threads", json_integer(p->pt->threads));
    json_object_set_new(o, "oversubscribed", json_boolean(p->pt->oversub));
    json_object_set_new(o, "n", json_integer(p->nv));
    json_object_set_new(o, "reps", json_integer(p->pt->nsamples));
    json_object_set_new(o, "median", num(p->s.median));
    json_object_set_new(o, "mad", num(p->s.mad));
    json_object_set_new(o, "min", num(p->s.min));
    json_object_set_new(o, "max", num(p->s.max));
    json_object_set_new(o, "p10", num(p->s.p10));
    json_object_set_new(o, "p90", num(p->s.p90));
    json_object_set_new(o, "cv", num(p->s.cv));
    json_object_set_new(o, "outliers", json_integer((json_int_t)p->s.outliers));
    json_object_set_new(o, "cpu_share", num(p->cpu_share));
    json_object_set_new(o, "thread_spread", num(p->pt->thread_spread));
    json_object_set_new(o, "pu_spread", num(p->pt->pu_spread));
    json_object_set_new(o, "settled", json_boolean(!p->pt->unsettled));
    if (p->pt->unsettled)
        json_object_set_new(o, "unsettled_why",
                            json_string(p->pt->unsettled_why));
    json_object_set_new(o, "cycles_per_op", num(p->pt->cycles_per_op));
    json_object_set_new(o, "at_floor", json_boolean(p->pt->at_floor));
    json_t *m = json_object();
    for (int i = 0; i < e->nmetrics && i < HX_MAX_METRICS; i++)
        json_object_set_new(m, e->metrics[i].name, num(p->met[i]));
    json_object_set_new(o, "metrics", m);
    json_t *c = json_object();
    for (size_t i = 0; i < r->nevents; i++)
        if (hx_counters_available(r->counters, i))
            json_object_set_new(c, hx_counters_name(r->counters, i),
                                num(p->ev[i]));
    json_object_set_new(o, "counters", c);
    if (r->sim) { /* --counters sim: simulated, apart from "counters" */
        json_t *sm = json_object();
        for (int k = 0; k < HX_SIM_NCOLS; k++)
            if (k != HX_SIM_L2 || r->sim->geom.have_l2)
                json_object_set_new(
                    sm, hx_sim_col_names[k],
                    num(hx_sim_value(r, p->pt, (enum hx_sim_col)k)));
        json_object_set_new(o, "simulated", sm);
    }
    char st[300] = "ok";
    if (p->nv == 0)
        snprintf(st, sizeof st, "%s: %s", p->pt->skip[0] ? "skipped" : "failed",
                 p->pt->skip[0]    ? p->pt->skip
                 : p->pt->error[0] ? p->pt->error
                                   : "no samples");
    json_object_set_new(o, "status", json_string(st));
    return o;
}

static json_t *claim_json(const struct hx_results *res, int c) {
    const hx_run *r = res->r;
    const hx_experiment *e = r->exp;
    const hx_claim *cl = &e->claims[c];
    const hx_claim_result *cr = &res->claims[c];
    json_t *o = json_object();
    json_object_set_new(o, "slow", json_string(cl->slow));
    json_object_set_new(o, "fast", json_string(cl->fast));
    json_t *at = json_object();
    if (cr->evaluated)
        json_object_set_new(at, e->params[cr->pidx].name,
                            pval(&e->params[cr->pidx], cr->at));
    json_object_set_new(o, "at", at);
    json_object_set_new(o, "ratio", num(cr->evaluated ? cr->j.ratio : NAN));
    json_object_set_new(o, "ci_lo", num(cr->evaluated ? cr->j.lo : NAN));
    json_object_set_new(o, "ci_hi", num(cr->evaluated ? cr->j.hi : NAN));
    json_object_set_new(
        o, "ci_kind",
        json_string(hx_ci_key(cr->evaluated ? cr->j.ci : HX_CI_NONE)));
    json_object_set_new(o, "reps", json_integer(cr->evaluated ? cr->j.n : 0));
    json_object_set_new(o, "expected", json_real(cl->min_ratio));
    json_object_set_new(o, "on_cpu_time", json_boolean(cr->on_cpu));
    json_object_set_new(o, "status", json_string(hx_status_key(cr->status)));
    json_object_set_new(o, "text", json_string(cr->text));
    return o;
}

static json_t *plot_json(const struct hx_results *res) {
    const hx_run *r = res->r;
    const hx_experiment *e = r->exp;
    const hx_param *xp = &e->params[r->xparam];
    json_t *o = json_object();
    json_object_set_new(o, "x", json_string(xp->name));
    json_object_set_new(o, "x_unit", str(xp->unit));
    json_object_set_new(o, "x_is_threads",
                        json_boolean(r->xparam == r->thread_param));
    json_object_set_new(o, "logx", json_boolean(xp->flags & HX_PARAM_LOG));
    json_object_set_new(o, "x_bytes", json_boolean(xp->flags & HX_PARAM_BYTES));
    json_object_set_new(o, "logy", json_boolean(e->plot_flags & HX_PLOT_LOGY));
    json_object_set_new(o, "pus", json_integer(r->topo.pus));
    json_object_set_new(o, "x2", str(e->plot2));
    json_t *marks = json_array();
    if (e->plot_flags & HX_PLOT_CACHE_MARKS)
        for (int c = 0; c < r->topo.ncaches; c++) {
            const hx_cache *ca = &r->topo.caches[c];
            char sz[32], lab[64];
            hx_format_value(&(hx_param){.flags = HX_PARAM_BYTES},
                            (int64_t)ca->size, sz, sizeof sz);
            snprintf(lab, sizeof lab, "L%d%s %s", ca->level,
                     ca->type == 'd' ? "d" : "", sz);
            json_t *m = json_object();
            json_object_set_new(m, "x", json_integer((json_int_t)ca->size));
            json_object_set_new(m, "label", json_string(lab));
            json_object_set_new(m, "kind", json_string("cache"));
            json_array_append_new(marks, m);
        }
    if (e->marks) {
        hx_mark mk[8];
        int nm = e->marks(&r->topo, mk, 8);
        for (int i = 0; i < nm && i < 8; i++) {
            json_t *m = json_object();
            json_object_set_new(m, "x", json_integer(mk[i].x));
            json_object_set_new(m, "label", json_string(mk[i].label));
            json_object_set_new(m, "kind", json_string("experiment"));
            json_array_append_new(marks, m);
        }
    }
    json_object_set_new(o, "marks", marks);
    return o;
}

int hx_report_json(const struct hx_results *res, const char *path) {
    const hx_run *r = res->r;
    const hx_experiment *e = r->exp;
    json_t *root = json_object();
    json_object_set_new(root, "schema", json_string("mechlab.summary/1"));
    json_object_set_new(root, "experiment", json_string(e->name));
    json_object_set_new(root, "run_id", json_string(r->run_id));
    json_object_set_new(root, "machine", json_string(r->machine));
    char host[256] = "";
    if (r->host[0])
        snprintf(host, sizeof host, "%s", r->host);
    else if (gethostname(host, sizeof host - 1) != 0)
        snprintf(host, sizeof host, "unknown");
    json_object_set_new(root, "host", json_string(host));
    json_object_set_new(root, "results_dir", json_string(r->mdir));
    char line[512];
    hx_context_oneline(&r->topo, line, sizeof line);
    json_object_set_new(root, "machine_line", json_string(line));
    json_object_set_new(root, "quick", json_boolean(r->opts->quick));
    json_object_set_new(root, "reps", json_integer(r->reps));
    json_object_set_new(root, "busy", json_boolean(res->busy));
    json_object_set_new(
        root, "worst_cpu_share",
        num(res->tc >= 0 && !e->runtime ? res->worst_share : NAN));
    json_object_set_new(root, "oversubscribed", json_boolean(res->oversub));
    json_object_set_new(root, "summary", str(e->summary));
    json_object_set_new(root, "hypothesis", str(e->hypothesis));
    json_object_set_new(root, "reading", str(e->reading));
    json_object_set_new(root, "homework", str(e->homework));
    json_object_set_new(root, "op", str(e->op ? e->op : "op"));

    json_t *v = json_object();
    json_object_set_new(v, "status", json_string(hx_status_key(res->verdict)));
    json_object_set_new(v, "text", json_string(res->verdict_text));
    json_t *reasons = json_array();
    for (int i = 0; i < res->nreasons; i++)
        json_array_append_new(reasons, json_string(res->reasons[i]));
    json_object_set_new(v, "reasons", reasons);
    json_object_set_new(root, "verdict", v);

    json_t *claims = json_array();
    for (int c = 0; c < res->nclaims; c++)
        json_array_append_new(claims, claim_json(res, c));
    json_object_set_new(root, "claims", claims);

    json_t *checks = json_array();
    for (int c = 0; c < res->rep.nchecks; c++) {
        json_t *o = json_object();
        json_object_set_new(o, "text", json_string(res->rep.checks[c].text));
        json_object_set_new(
            o, "status", json_string(hx_status_key(res->rep.checks[c].status)));
        json_array_append_new(checks, o);
    }
    json_object_set_new(root, "checks", checks);
    json_object_set_new(root, "notes",
                        json_string(res->rep.notes ? res->rep.notes : ""));

    json_t *heads = json_array();
    for (int i = 0; i < res->nhead; i++) {
        const hx_headline_value *h = &res->head[i];
        json_t *o = json_object();
        json_object_set_new(o, "key", json_string(h->decl->key));
        json_object_set_new(o, "name", json_string(h->decl->name));
        json_object_set_new(o, "unit", str(h->decl->unit));
        json_object_set_new(o, "value", num(h->value));
        json_object_set_new(o, "ci_lo", num(h->lo));
        json_object_set_new(o, "ci_hi", num(h->hi));
        json_object_set_new(o, "how", str(h->decl->how));
        json_array_append_new(heads, o);
    }
    json_object_set_new(root, "headlines", heads);

    json_t *points = json_array();
    for (int i = 0; i < res->nseries; i++)
        for (int k = 0; k < res->series[i].npts; k++)
            json_array_append_new(points, point_json(res, &res->series[i],
                                                     &res->series[i].pts[k]));
    json_object_set_new(root, "points", points);

    json_t *unav = json_array();
    for (size_t i = 0; i < r->nevents; i++)
        if (!hx_counters_available(r->counters, i)) {
            json_t *o = json_object();
            json_object_set_new(o, "counter",
                                json_string(hx_counters_name(r->counters, i)));
            json_object_set_new(
                o, "reason", json_string(hx_counters_reason(r->counters, i)));
            json_array_append_new(unav, o);
        }
    json_object_set_new(root, "unavailable", unav);

    json_t *warns = json_array();
    for (int i = 0; i < res->nwarnings; i++)
        json_array_append_new(warns, json_string(res->warnings[i]));
    json_object_set_new(root, "warnings", warns);
    json_object_set_new(root, "plot", plot_json(res));

    int rc = json_dump_file(root, path,
                            JSON_INDENT(1) | JSON_PRESERVE_ORDER |
                                JSON_REAL_PRECISION(6));
    json_decref(root);
    return rc == 0 ? 0 : -EIO;
}
