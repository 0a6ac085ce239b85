/*
 * smoke_check.c - checks a finished run directory: every output exists and
 * parses, and the data obey the honesty rule.
 *
 * usage: smoke_check RESULTS/<machine>/<exp> EXP
 *
 *   latest       a symlink to a complete run directory
 *   context.json parses; has machine.cpu, run.experiment == EXP, gbench
 *   gbench.json  parses; a non-empty "benchmarks" array
 *   data.csv     a header with experiment, ns_per_op and status; every row
 *                has the header's field count; every "ok" row has a
 *                positive ns_per_op; a counter that context.json marks
 *                unavailable is empty in every row (never 0)
 *   summary.txt  has a "verdict:" line
 *   summary.json parses; schema mechlab.summary/1; experiment == EXP; a
 *                verdict whose status is one of the five and whose text
 *                is the one summary.txt prints; every claim has a known
 *                status and ci_kind, and an interval exactly when ci_kind
 *                is not "none"; every headline has key, name, unit, how;
 *                one point per data.csv (series, x) group; every
 *                unavailable counter has a reason
 *   plot         EXP.png is a PNG, EXP.svg an SVG, plot.gp exists
 *   report.html  parses as HTML: a doctype, every element closed in order
 *                (void elements and self-closing SVG elements excepted),
 *                comments and CDATA skipped; it holds an inline <svg> plot,
 *                the verdict text of summary.json, the hypothesis heading
 *                and every claim's text, and references no other file
 *
 * usage: smoke_check --html FILE [TEXT...]
 *   the same HTML parse of FILE, and each TEXT must occur in it
 */
#include <jansson.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

static int passed, failed;

#define HX_NEEDLES 16

#define CHECK(cond, ...)                                                       \
    do {                                                                       \
        if (cond) {                                                            \
            passed++;                                                          \
        } else {                                                               \
            failed++;                                                          \
            fprintf(stderr, "FAIL: " __VA_ARGS__);                             \
            fputc('\n', stderr);                                               \
        }                                                                      \
    } while (0)

static char *slurp(const char *path, size_t *len) {
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    char *b = malloc((size_t)n + 1);
    if (b && fread(b, 1, (size_t)n, f) != (size_t)n) {
        free(b);
        b = NULL;
    }
    fclose(f);
    if (b) {
        b[n] = 0;
        if (len)
            *len = (size_t)n;
    }
    return b;
}

/* Split one CSV line (RFC 4180 quoting) into fields; returns the count. */
static int split(char *line, char **field, int max) {
    int n = 0;
    char *p = line;
    for (;;) {
        if (n == max)
            return n;
        if (*p == '"') {
            char *w = ++p;
            field[n++] = w;
            while (*p) {
                if (*p == '"' && p[1] == '"') {
                    *w++ = '"';
                    p += 2;
                } else if (*p == '"') {
                    p++;
                    break;
                } else {
                    *w++ = *p++;
                }
            }
            *w = 0;
        } else {
            field[n++] = p;
            while (*p && *p != ',')
                p++;
        }
        if (*p != ',') {
            *p = 0;
            return n;
        }
        *p++ = 0;
    }
}

static int col(char **h, int nh, const char *name) {
    for (int i = 0; i < nh; i++)
        if (strcmp(h[i], name) == 0)
            return i;
    return -1;
}

static void check_csv(const char *dir, json_t *ctx) {
    char path[2200];
    snprintf(path, sizeof path, "%s/data.csv", dir);
    char *text = slurp(path, NULL);
    CHECK(text != NULL, "%s missing", path);
    if (!text)
        return;
    char *save = NULL;
    char *line = strtok_r(text, "\n", &save);
    char *hdr[256];
    int nh = line ? split(line, hdr, 256) : 0;
    int c_exp = col(hdr, nh, "experiment"), c_ns = col(hdr, nh, "ns_per_op"),
        c_st = col(hdr, nh, "status");
    CHECK(c_exp == 0 && c_ns > 0 && c_st == nh - 1,
          "data.csv header lacks experiment/ns_per_op/status");
    /* unavailable counters -> their columns must stay empty */
    int unav[64], nunav = 0;
    json_t *evs = json_object_get(json_object_get(ctx, "machine"), "counters");
    size_t i;
    json_t *ev;
    json_array_foreach(evs, i, ev) {
        const char *name = json_string_value(json_object_get(ev, "event"));
        if (!name || json_is_true(json_object_get(ev, "available")))
            continue;
        char cname[128];
        size_t k = 0;
        for (; name[k] && k < 100; k++)
            cname[k] = name[k] == '-' ? '_' : name[k];
        snprintf(cname + k, sizeof cname - k, "_per_op");
        int c = col(hdr, nh, cname);
        if (c >= 0 && nunav < 64)
            unav[nunav++] = c;
    }
    int rows = 0, okrows = 0;
    while ((line = strtok_r(NULL, "\n", &save)) != NULL) {
        char *f[256];
        int n = split(line, f, 256);
        rows++;
        CHECK(n == nh, "data.csv row %d has %d fields, header %d", rows, n, nh);
        if (n != nh)
            continue;
        if (strcmp(f[c_st], "ok") == 0) {
            okrows++;
            char *end;
            double v = strtod(f[c_ns], &end);
            CHECK(end != f[c_ns] && v > 0, "row %d: ns_per_op '%s'", rows,
                  f[c_ns]);
        }
        for (int u = 0; u < nunav; u++)
            CHECK(f[unav[u]][0] == 0,
                  "row %d: unavailable counter %s has a value '%s'", rows,
                  hdr[unav[u]], f[unav[u]]);
    }
    CHECK(okrows > 0, "data.csv has no measured rows");
    free(text);
}

/* ---- a small HTML parser: tags balanced, in order ------------------------ */

static bool is_void(const char *tag, size_t n) {
    static const char *const v[] = {"meta",   "br",    "hr",   "img", "input",
                                    "link",   "area",  "base", "col", "embed",
                                    "source", "track", "wbr",  NULL};
    for (int i = 0; v[i]; i++)
        if (strlen(v[i]) == n && strncasecmp(tag, v[i], n) == 0)
            return true;
    return false;
}

/* Returns NULL when the document is well formed, else a message (static
 * buffer). */
static const char *html_parse(const char *doc) {
    static char msg[300];
    char stack[256][32];
    int depth = 0;
    if (strncasecmp(doc, "<!DOCTYPE html>", 15) != 0)
        return "no <!DOCTYPE html> at the start";
    const char *p = doc + 15;
    while ((p = strchr(p, '<')) != NULL) {
        if (strncmp(p, "<!--", 4) == 0) {
            const char *e = strstr(p, "-->");
            if (!e)
                return "unterminated comment";
            p = e + 3;
            continue;
        }
        if (strncmp(p, "<![CDATA[", 9) == 0) {
            const char *e = strstr(p, "]]>");
            if (!e)
                return "unterminated CDATA";
            p = e + 3;
            continue;
        }
        if (p[1] == '!' || p[1] == '?') { /* doctype, xml declaration */
            p = strchr(p, '>');
            if (!p)
                return "unterminated declaration";
            continue;
        }
        bool closing = p[1] == '/';
        const char *name = p + 1 + closing;
        size_t n = strspn(name, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQ"
                                "RSTUVWXYZ0123456789:-");
        if (n == 0 || n >= 32) {
            snprintf(msg, sizeof msg, "a '<' that starts no tag: %.40s", p);
            return msg;
        }
        /* the end of the tag, outside quoted attribute values */
        const char *e = name + n;
        char q = 0;
        for (; *e && (q || *e != '>'); e++)
            if (q && *e == q)
                q = 0;
            else if (!q && (*e == '"' || *e == '\''))
                q = *e;
        if (!*e)
            return "unterminated tag";
        bool self = e[-1] == '/';
        if (closing) {
            if (depth == 0 || strlen(stack[depth - 1]) != n ||
                strncasecmp(stack[depth - 1], name, n) != 0) {
                snprintf(msg, sizeof msg, "</%.*s> closes <%s>", (int)n, name,
                         depth ? stack[depth - 1] : "(nothing)");
                return msg;
            }
            depth--;
        } else if (!self && !is_void(name, n)) {
            if (depth == 256)
                return "nesting deeper than 256";
            snprintf(stack[depth++], 32, "%.*s", (int)n, name);
            /* raw text elements: skip to their end tag */
            if ((n == 5 && strncasecmp(name, "style", 5) == 0) ||
                (n == 6 && strncasecmp(name, "script", 6) == 0)) {
                char end[16];
                snprintf(end, sizeof end, "</%.*s", (int)n, name);
                const char *c = strstr(e, end);
                if (!c)
                    return "unterminated style/script";
                p = c;
                continue;
            }
        }
        p = e + 1;
    }
    if (depth) {
        snprintf(msg, sizeof msg, "<%s> never closed", stack[depth - 1]);
        return msg;
    }
    return NULL;
}

static void check_html(const char *path, const char *const *needles, int n) {
    char *doc = slurp(path, NULL);
    CHECK(doc != NULL, "%s missing", path);
    if (!doc)
        return;
    const char *why = html_parse(doc);
    CHECK(why == NULL, "%s does not parse: %s", path, why ? why : "");
    CHECK(strstr(doc, "</html>") != NULL, "%s: no </html>", path);
    for (int i = 0; i < n; i++)
        CHECK(strstr(doc, needles[i]) != NULL, "%s lacks '%s'", path,
              needles[i]);
    /* self-contained: no file beside it is loaded */
    CHECK(!strstr(doc, "<img") && !strstr(doc, "<link") &&
              !strstr(doc, "src=\""),
          "%s refers to other files", path);
    free(doc);
}

/* The HTML text of a JSON string as report.html writes it. */
static void html_of(const char *s, char *out, size_t len) {
    size_t o = 0;
    for (; *s && o + 7 < len; s++) {
        const char *r = *s == '<'   ? "&lt;"
                        : *s == '>' ? "&gt;"
                        : *s == '&' ? "&amp;"
                        : *s == '"' ? "&quot;"
                                    : NULL;
        if (r) {
            memcpy(out + o, r, strlen(r));
            o += strlen(r);
        } else {
            out[o++] = *s;
        }
    }
    out[o] = 0;
}

static void check_report(const char *dir) {
    char path[2200];
    snprintf(path, sizeof path, "%s/summary.json", dir);
    json_t *s = json_load_file(path, 0, NULL);
    const char *needles[HX_NEEDLES];
    static char texts[HX_NEEDLES][1024];
    int n = 0;
    needles[n++] = "<svg";
    needles[n++] = "<h2>Hypothesis</h2>";
    const char *vt = json_string_value(
        json_object_get(json_object_get(s, "verdict"), "text"));
    if (vt) {
        html_of(vt, texts[n], sizeof texts[n]);
        needles[n] = texts[n];
        n++;
    }
    size_t i;
    json_t *c;
    json_array_foreach(json_object_get(s, "claims"), i, c) {
        const char *t = json_string_value(json_object_get(c, "text"));
        if (t && n < HX_NEEDLES) {
            html_of(t, texts[n], sizeof texts[n]);
            needles[n] = texts[n];
            n++;
        }
    }
    snprintf(path, sizeof path, "%s/report.html", dir);
    check_html(path, needles, n);
    json_decref(s);
}

static bool one_of(const char *s, const char *const *set) {
    for (; s && *set; set++)
        if (strcmp(s, *set) == 0)
            return true;
    return false;
}

static void check_summary_json(const char *dir, const char *exp,
                               const char *summary_txt) {
    char path[2200];
    snprintf(path, sizeof path, "%s/summary.json", dir);
    json_error_t jerr;
    json_t *s = json_load_file(path, JSON_REJECT_DUPLICATES, &jerr);
    CHECK(s != NULL, "summary.json: %s (line %d)", jerr.text, jerr.line);
    if (!s)
        return;
    const char *schema = json_string_value(json_object_get(s, "schema"));
    CHECK(schema && strcmp(schema, "mechlab.summary/1") == 0,
          "summary.json schema '%s'", schema ? schema : "(none)");
    const char *e = json_string_value(json_object_get(s, "experiment"));
    CHECK(e && strcmp(e, exp) == 0, "summary.json experiment != %s", exp);
    static const char *const keys[] = {
        "run_id", "machine",        "host",     "quick",  "reps",
        "busy",   "oversubscribed", "verdict",  "claims", "headlines",
        "points", "unavailable",    "warnings", NULL};
    for (int i = 0; keys[i]; i++)
        CHECK(json_object_get(s, keys[i]) != NULL, "summary.json lacks %s",
              keys[i]);
    static const char *const statuses[] = {
        "holds", "does-not-hold", "inconclusive", "not-settled", "none", NULL};
    static const char *const cis[] = {"bootstrap95", "minmax", "none", NULL};
    json_t *v = json_object_get(s, "verdict");
    const char *vs = json_string_value(json_object_get(v, "status"));
    const char *vt = json_string_value(json_object_get(v, "text"));
    CHECK(one_of(vs, statuses), "verdict.status '%s'", vs ? vs : "(none)");
    CHECK(vt && summary_txt && strstr(summary_txt, vt),
          "verdict.text is not the verdict summary.txt prints");
    CHECK(json_is_array(json_object_get(v, "reasons")), "verdict.reasons");
    size_t i;
    json_t *c;
    json_array_foreach(json_object_get(s, "claims"), i, c) {
        const char *st = json_string_value(json_object_get(c, "status"));
        const char *ck = json_string_value(json_object_get(c, "ci_kind"));
        CHECK(one_of(st, statuses), "claim %zu status '%s'", i,
              st ? st : "(none)");
        CHECK(one_of(ck, cis), "claim %zu ci_kind", i);
        bool has_ci = json_is_number(json_object_get(c, "ci_lo")) &&
                      json_is_number(json_object_get(c, "ci_hi"));
        CHECK(ck && has_ci == (strcmp(ck, "none") != 0),
              "claim %zu: an interval exactly when ci_kind is not none", i);
        CHECK(json_is_string(json_object_get(c, "text")), "claim %zu text", i);
        /* a claim that holds or fails was judged on an interval */
        if (st &&
            (strcmp(st, "holds") == 0 || strcmp(st, "does-not-hold") == 0))
            CHECK(ck && strcmp(ck, "none") != 0,
                  "claim %zu is '%s' without an interval", i, st);
    }
    json_array_foreach(json_object_get(s, "headlines"), i, c) {
        static const char *const hk[] = {"key", "name", "unit", "how", NULL};
        for (int k = 0; hk[k]; k++)
            CHECK(json_is_string(json_object_get(c, hk[k])),
                  "headline %zu lacks %s", i, hk[k]);
        json_t *val = json_object_get(c, "value");
        CHECK(val && (json_is_null(val) || json_is_number(val)),
              "headline %zu value", i);
    }
    CHECK(json_array_size(json_object_get(s, "headlines")) > 0,
          "summary.json: %s declares no headline figures", exp);
    size_t npts = json_array_size(json_object_get(s, "points"));
    CHECK(npts > 0, "summary.json has no points");
    int measured = 0;
    json_array_foreach(json_object_get(s, "points"), i, c) {
        CHECK(json_is_string(json_object_get(c, "series")) &&
                  json_is_object(json_object_get(c, "params")),
              "point %zu lacks series/params", i);
        measured += json_is_number(json_object_get(c, "median"));
    }
    CHECK(measured > 0, "summary.json: no point has a median");
    json_array_foreach(json_object_get(s, "unavailable"), i, c)
        CHECK(json_is_string(json_object_get(c, "reason")),
              "unavailable counter %zu has no reason", i);
    json_decref(s);
}

int main(int argc, char **argv) {
    if (argc >= 3 && strcmp(argv[1], "--html") == 0) {
        check_html(argv[2], (const char *const *)argv + 3, argc - 3);
        printf("%d passed, %d failed\n", passed, failed);
        return failed ? 1 : 0;
    }
    if (argc != 3) {
        fprintf(stderr, "usage: smoke_check EXPDIR EXP | --html FILE "
                        "[TEXT...]\n");
        return 2;
    }
    const char *expdir = argv[1], *exp = argv[2];
    char latest[1024], target[1024] = "", dir[2048], path[2200];
    snprintf(latest, sizeof latest, "%s/latest", expdir);
    ssize_t n = readlink(latest, target, sizeof target - 1);
    CHECK(n > 0, "%s is not a symlink", latest);
    if (n <= 0) {
        printf("%d passed, %d failed\n", passed, failed);
        return 1;
    }
    target[n] = 0;
    snprintf(dir, sizeof dir, "%s/%s", expdir, target);

    json_error_t jerr;
    snprintf(path, sizeof path, "%s/context.json", dir);
    json_t *ctx = json_load_file(path, 0, &jerr);
    CHECK(ctx != NULL, "context.json: %s", jerr.text);
    json_t *run = json_object_get(ctx, "run");
    CHECK(json_object_get(json_object_get(ctx, "machine"), "cpu") != NULL,
          "context.json lacks machine.cpu");
    const char *e = json_string_value(json_object_get(run, "experiment"));
    CHECK(e && strcmp(e, exp) == 0, "context.json run.experiment != %s", exp);
    CHECK(json_object_get(ctx, "gbench") != NULL, "context.json lacks gbench");

    /* Google Benchmark writes bare NaN for undefined aggregates (Python
     * reads it; strict JSON does not): check it parses once those are
     * nulled, the way the harness reads it. */
    snprintf(path, sizeof path, "%s/gbench.json", dir);
    char *raw = slurp(path, NULL);
    json_t *gb = NULL;
    if (raw) {
        for (char *p = raw; (p = strstr(p, "NaN")) != NULL; p += 3)
            memcpy(p, "0.0", 3); /* only the parse is checked here */
        gb = json_loads(raw, 0, &jerr);
        free(raw);
    }
    CHECK(gb != NULL, "gbench.json: %s", jerr.text);
    CHECK(json_array_size(json_object_get(gb, "benchmarks")) > 0,
          "gbench.json has no benchmarks");
    json_decref(gb);

    check_csv(dir, ctx);
    json_decref(ctx);

    snprintf(path, sizeof path, "%s/summary.txt", dir);
    char *sum = slurp(path, NULL);
    CHECK(sum && strstr(sum, "verdict:"), "summary.txt lacks a verdict");
    check_summary_json(dir, exp, sum);
    free(sum);
    check_report(dir);

    size_t len = 0;
    snprintf(path, sizeof path, "%s/%s.png", dir, exp);
    char *png = slurp(path, &len);
    CHECK(png && len > 8 && memcmp(png, "\x89PNG\r\n\x1a\n", 8) == 0,
          "%s is not a PNG", path);
    free(png);
    snprintf(path, sizeof path, "%s/%s.svg", dir, exp);
    char *svg = slurp(path, NULL);
    CHECK(svg && strstr(svg, "<svg"), "%s is not an SVG", path);
    free(svg);
    snprintf(path, sizeof path, "%s/plot.gp", dir);
    CHECK(access(path, R_OK) == 0, "plot.gp missing");

    printf("%d passed, %d failed\n", passed, failed);
    return failed ? 1 : 0;
}
