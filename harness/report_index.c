/*
 * report_index.c - results/index.html, and finding the newest run.
 *
 * The index walks the results root: every machine directory (user runs,
 * `<machine>@<host>` or a --machine name) and every one under reference/,
 * each experiment directory in it, each run directory (a run id; never
 * `latest` or a hidden .tmp-*), newest first. A run without report.html
 * gets one (report_html.c), so every row links a report; a run that
 * cannot be read is listed with the reason instead. The verdict comes
 * from summary.json, or from summary.txt's verdict line for older runs;
 * the headline figures from summary.json. Links are relative to the index,
 * so the results tree can be copied or served as it is.
 *
 * The newest run (for `mechlab report` without a directory) is the
 * `latest` of every machine and experiment under the root, outside
 * reference/, with the greatest run id (run ids are UTC start times,
 * YYYYMMDD-HHMMSS, so they sort by time).
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <jansson.h>
#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "report_html.h"

static void esc(FILE *f, const char *s) {
    hx_html_escape(f, s);
}

static bool is_dir(const char *p) {
    struct stat st;
    return stat(p, &st) == 0 && S_ISDIR(st.st_mode);
}

static int cmp_desc(const void *a, const void *b) {
    return -strcmp(*(char *const *)a, *(char *const *)b);
}
static int cmp_asc(const void *a, const void *b) {
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Sorted names of the subdirectories of dir (not hidden, not `latest`,
 * not those in skip). */
static int subdirs(const char *dir, char ***out, bool newest_first,
                   const char *const *skip) {
    *out = NULL;
    DIR *d = opendir(dir);
    if (!d)
        return 0;
    int n = 0;
    struct dirent *de;
    while ((de = readdir(d)) != NULL) {
        if (de->d_name[0] == '.' || strcmp(de->d_name, "latest") == 0)
            continue;
        bool skipped = false;
        for (int i = 0; skip && skip[i]; i++)
            skipped |= strcmp(de->d_name, skip[i]) == 0;
        char p[2048];
        snprintf(p, sizeof p, "%s/%s", dir, de->d_name);
        if (skipped || !is_dir(p))
            continue;
        char **o = realloc(*out, sizeof(char *) * (size_t)(n + 1));
        if (!o)
            break;
        *out = o;
        (*out)[n++] = strdup(de->d_name);
    }
    closedir(d);
    if (n > 1)
        qsort(*out, (size_t)n, sizeof(char *),
              newest_first ? cmp_desc : cmp_asc);
    return n;
}

static void free_list(char **l, int n) {
    for (int i = 0; i < n; i++)
        free(l[i]);
    free(l);
}

static const char *const not_machines[] = {"reference", "compare", "fleet",
                                           NULL};

int hx_report_latest(const char *root, char *buf, size_t len) {
    char **ms;
    int nm = subdirs(root, &ms, false, not_machines);
    char best[2048] = "", best_id[256] = "";
    for (int i = 0; i < nm; i++) {
        char md[1200];
        snprintf(md, sizeof md, "%s/%s", root, ms[i]);
        char **es;
        int ne = subdirs(md, &es, false, NULL);
        for (int k = 0; k < ne; k++) {
            char link[1500], target[256];
            snprintf(link, sizeof link, "%s/%s/latest", md, es[k]);
            ssize_t n = readlink(link, target, sizeof target - 1);
            if (n <= 0)
                continue;
            target[n] = 0;
            if (strcmp(target, best_id) > 0) {
                snprintf(best_id, sizeof best_id, "%s", target);
                snprintf(best, sizeof best, "%s/%s/%s", md, es[k], target);
            }
        }
        free_list(es, ne);
    }
    free_list(ms, nm);
    if (!best[0])
        return -ENOENT;
    snprintf(buf, len, "%s", best);
    return 0;
}

static const char *status_class(const char *st) {
    return strcmp(st, "holds") == 0           ? "ok"
           : strcmp(st, "does-not-hold") == 0 ? "bad"
           : strcmp(st, "inconclusive") == 0  ? "warn"
           : strcmp(st, "not-settled") == 0   ? "grey"
                                              : "none";
}

/* One table row for a run. */
static void row(FILE *f, const char *root, const char *rel, const char *exp,
                const char *run, bool first, int *count) {
    char dir[2400], path[2600], err[512] = "";
    snprintf(dir, sizeof dir, "%s/%s", root, rel);
    snprintf(path, sizeof path, "%s/report.html", dir);
    bool have = access(path, R_OK) == 0;
    if (!have)
        have = hx_report_html(dir, err, sizeof err) == 0;
    snprintf(path, sizeof path, "%s/summary.json", dir);
    json_t *s = json_load_file(path, 0, NULL);
    json_t *v = json_object_get(s, "verdict");
    const char *st = json_string_value(json_object_get(v, "status"));
    char vtext[600] = "";
    if (v) {
        snprintf(vtext, sizeof vtext, "%s",
                 json_string_value(json_object_get(v, "text"))
                     ? json_string_value(json_object_get(v, "text"))
                     : "");
    } else {
        snprintf(path, sizeof path, "%s/summary.txt", dir);
        FILE *t = fopen(path, "r");
        char line[600];
        while (t && fgets(line, sizeof line, t))
            if (strncmp(line, "verdict:", 8) == 0) {
                line[strcspn(line, "\n")] = 0;
                snprintf(vtext, sizeof vtext, "%s", line + 9);
            }
        if (t)
            fclose(t);
        st = strstr(vtext, "does not hold")      ? "does-not-hold"
             : strstr(vtext, "not settled")      ? "not-settled"
             : strstr(vtext, "inconclusive")     ? "inconclusive"
             : strstr(vtext, "hypothesis holds") ? "holds"
                                                 : "none";
    }
    fprintf(f, "<tr%s><td>", first ? "" : " class=\"older\"");
    if (first)
        esc(f, exp);
    fputs("</td><td>", f);
    if (have) {
        fputs("<a href=\"", f);
        esc(f, rel);
        fputs("/report.html\">", f);
        esc(f, run);
        fputs("</a>", f);
    } else {
        esc(f, run);
        fputs(" <span class=\"err\">(no report: ", f);
        esc(f, err);
        fputs(")</span>", f);
    }
    fprintf(f, "</td><td class=\"%s\">", status_class(st ? st : "none"));
    esc(f, vtext[0] ? vtext : "no verdict recorded");
    fputs("</td><td>", f);
    size_t i;
    json_t *h;
    int shown = 0;
    json_array_foreach(json_object_get(s, "headlines"), i, h) {
        json_t *val = json_object_get(h, "value");
        if (!json_is_number(val) || shown == 4)
            continue;
        fputs(shown++ ? "<br>" : "", f);
        esc(f, json_string_value(json_object_get(h, "name")));
        fprintf(f, ": <b>%.3g</b> ", json_number_value(val));
        esc(f, json_string_value(json_object_get(h, "unit")));
    }
    fputs("</td><td><a href=\"", f);
    esc(f, rel);
    fputs("/summary.txt\">summary.txt</a></td></tr>\n", f);
    json_decref(s);
    (*count)++;
}

static void machine_section(FILE *f, const char *root, const char *sub,
                            const char *machine, bool reference, int *count) {
    char md[1600];
    snprintf(md, sizeof md, "%s/%s%s%s", root, sub, *sub ? "/" : "", machine);
    char **es;
    int ne = subdirs(md, &es, false, NULL);
    if (ne == 0)
        return;
    fputs("<h2>", f);
    esc(f, machine);
    fprintf(f, "%s</h2>\n",
            reference ? " <span class=\"tag\">reference"
                        "</span>"
                      : "");
    fputs("<table><tr><th>experiment</th><th>run (newest first)</th>"
          "<th>verdict</th><th>headline figures</th><th></th></tr>\n",
          f);
    for (int k = 0; k < ne; k++) {
        char ed[1800];
        snprintf(ed, sizeof ed, "%s/%s", md, es[k]);
        char **rs;
        int nr = subdirs(ed, &rs, true, NULL);
        for (int j = 0; j < nr; j++) {
            char rel[1200];
            snprintf(rel, sizeof rel, "%s%s%s/%s/%s", sub, *sub ? "/" : "",
                     machine, es[k], rs[j]);
            row(f, root, rel, es[k], rs[j], j == 0, count);
        }
        free_list(rs, nr);
    }
    free_list(es, ne);
    fputs("</table>\n", f);
}

int hx_report_index(const char *root, char *err, size_t len) {
    if (!is_dir(root)) {
        snprintf(err, len,
                 "%s: no results directory (run an experiment "
                 "first)",
                 root);
        return -ENOENT;
    }
    char path[1200], tmp[1300];
    snprintf(path, sizeof path, "%s/index.html", root);
    snprintf(tmp, sizeof tmp, "%s/.index.html.%ld", root, (long)getpid());
    FILE *f = fopen(tmp, "w");
    if (!f) {
        snprintf(err, len, "%s: %s", tmp, strerror(errno));
        return -errno;
    }
    fputs("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
          "<title>mechlab results</title><style>"
          "body{font-family:sans-serif;max-width:1150px;margin:1.5em auto;"
          "padding:0 1em;color:#222}h2{font-size:1.1em;margin-top:1.5em}"
          "table{border-collapse:collapse;font-size:.9em;width:100%}"
          "td,th{border:1px solid #ddd;padding:.25em .5em;text-align:left;"
          "vertical-align:top}th{background:#f4f4f4}"
          "tr.older td{color:#777}.ok{background:#e3f4e1}.bad{background:"
          "#fbe3e1}.warn{background:#fff4d6}.grey{background:#eee}"
          ".none{background:#eef2f7}.tag{font-size:.75em;background:#6a7f99;"
          "color:#fff;padding:.1em .4em;border-radius:3px}.err{color:#a00}"
          "</style></head><body>\n<h1>mechlab results</h1>\n"
          "<p>Every machine and experiment under this results directory, "
          "the newest run first; each run links its report. Reference "
          "machines (results/reference/) come after this machine's own "
          "runs.</p>\n",
          f);
    int count = 0;
    char **ms;
    int nm = subdirs(root, &ms, false, not_machines);
    for (int i = 0; i < nm; i++)
        machine_section(f, root, "", ms[i], false, &count);
    free_list(ms, nm);
    char ref[1300];
    snprintf(ref, sizeof ref, "%s/reference", root);
    nm = subdirs(ref, &ms, false, NULL);
    for (int i = 0; i < nm; i++)
        machine_section(f, root, "reference", ms[i], true, &count);
    free_list(ms, nm);
    if (!count)
        fputs("<p>No runs yet: <code>make run EXP=falseshare</code>.</p>\n", f);
    fputs("</body></html>\n", f);
    bool ok = !ferror(f);
    if (fclose(f) != 0)
        ok = false;
    if (!ok || rename(tmp, path) != 0) {
        snprintf(err, len, "cannot write %s: %s", path, strerror(errno));
        unlink(tmp);
        return -EIO;
    }
    return count;
}
