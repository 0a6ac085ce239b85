/*
 * report_html.h - internal: report.html for one run directory, and
 * results/index.html over a results root (report_html.c, report_index.c).
 */
#ifndef MECHLAB_REPORT_HTML_H
#define MECHLAB_REPORT_HTML_H

#include <stddef.h>
#include <stdio.h>

/* Writes rundir/report.html from the run directory alone. 0, or -errno
 * with a sentence in err. */
int hx_report_html(const char *rundir, char *err, size_t len);

/* Writes <root>/index.html: every machine directory under root and
 * root/reference, each experiment's runs newest first, linking each run's
 * report (written where missing). Returns how many runs it lists, or
 * -errno with err. */
int hx_report_index(const char *root, char *err, size_t len);

/* The newest run under root (the `latest` of every machine and
 * experiment, newest run id first) into buf; 0, or -ENOENT. */
int hx_report_latest(const char *root, char *buf, size_t len);

/* HTML-escape s onto f (NULL prints nothing). */
void hx_html_escape(FILE *f, const char *s);

#endif
