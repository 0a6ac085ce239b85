/*
 * fleet_summary.c - reading a run's result: summary.json, mechlab.summary/1.
 *
 * The fleet report compares machines by the figures each experiment
 * declares as its result (its headlines), with their confidence
 * intervals, and shows each run's verdict. It reads them from the run's
 * summary.json, never from summary.txt or the console (reporters of the
 * same result, free to change their wording). The schema is documented in
 * results/README.md; this reader needs only
 *
 *   schema      "mechlab.summary/1" (anything else is refused, by name)
 *   experiment, run_id, machine, host    strings
 *   verdict     {"status", "text"}
 *   headlines   [{"key", "name", "unit", "value", "ci_lo", "ci_hi", "how"}]
 *               value, ci_lo and ci_hi are numbers or null (not measured,
 *               no interval claimed): null becomes NAN here
 *
 * and ignores every other key, as the schema asks of readers. A
 * non-finite number written bare (NaN) is read as null
 * (hx_json_load_lenient).
 *
 * Two figures differ beyond their confidence intervals when both intervals
 * are known and they do not overlap; without an interval nothing is
 * claimed either way (the report says "no CI").
 */
#include <errno.h>
#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "fleet.h"
#include "output.h"
#include "run.h"

#define SUMMARY_SCHEMA "mechlab.summary/1"

static void str(json_t *o, const char *key, char *out, size_t len) {
    json_t *v = json_object_get(o, key);
    snprintf(out, len, "%s", json_is_string(v) ? json_string_value(v) : "");
}

static double num(json_t *o, const char *key) {
    json_t *v = json_object_get(o, key);
    return json_is_number(v) ? json_number_value(v) : NAN;
}

int hx_fleet_summary_read(const char *dir, hx_fleet_summary *s, char *err,
                          size_t len) {
    memset(s, 0, sizeof *s);
    char path[1200];
    snprintf(path, sizeof path, "%s/summary.json", dir);
    struct stat st;
    if (stat(path, &st) != 0) {
        snprintf(err, len,
                 "%s: no summary.json (a run by a mechlab older "
                 "than mechlab.summary/1?)",
                 dir);
        return -ENOENT;
    }
    json_t *j = hx_json_load_lenient(path);
    if (!j || !json_is_object(j)) {
        snprintf(err, len, "%s: not a JSON object", path);
        json_decref(j);
        return -EINVAL;
    }
    json_t *schema = json_object_get(j, "schema");
    if (!json_is_string(schema) ||
        strcmp(json_string_value(schema), SUMMARY_SCHEMA) != 0) {
        snprintf(err, len, "%s: schema %s, this mechlab reads %s", path,
                 json_is_string(schema) ? json_string_value(schema) : "missing",
                 SUMMARY_SCHEMA);
        json_decref(j);
        return -EINVAL;
    }
    str(j, "experiment", s->experiment, sizeof s->experiment);
    str(j, "run_id", s->run_id, sizeof s->run_id);
    str(j, "machine", s->machine, sizeof s->machine);
    str(j, "host", s->host, sizeof s->host);
    json_t *v = json_object_get(j, "verdict");
    if (json_is_object(v)) {
        str(v, "status", s->verdict, sizeof s->verdict);
        str(v, "text", s->verdict_text, sizeof s->verdict_text);
    }
    json_t *h = json_object_get(j, "headlines");
    size_t i;
    json_t *e;
    json_array_foreach(h, i, e) {
        if (s->nhead == HX_FLEET_MAX_HEAD || !json_is_object(e))
            break;
        hx_fleet_figure *x = &s->head[s->nhead];
        str(e, "key", x->key, sizeof x->key);
        if (!x->key[0])
            continue; /* a headline without a key cannot be lined up */
        str(e, "name", x->name, sizeof x->name);
        str(e, "unit", x->unit, sizeof x->unit);
        str(e, "how", x->how, sizeof x->how);
        x->value = num(e, "value");
        x->ci_lo = num(e, "ci_lo");
        x->ci_hi = num(e, "ci_hi");
        s->nhead++;
    }
    json_decref(j);
    return 0;
}

bool hx_figure_differ(const hx_fleet_figure *a, const hx_fleet_figure *b) {
    if (isnan(a->ci_lo) || isnan(a->ci_hi) || isnan(b->ci_lo) ||
        isnan(b->ci_hi))
        return false;
    return a->ci_hi < b->ci_lo || b->ci_hi < a->ci_lo;
}
