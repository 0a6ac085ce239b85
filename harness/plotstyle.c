/*
 * plotstyle.c - the look shared by every plot (plotstyle.h).
 *
 * The SVG title: gnuplot's svg terminal only accepts an identifier as its
 * `name` and writes that into <title>, so after gnuplot has run, the
 * <title> element is rewritten with the plot's real title (XML-escaped),
 * which is what a browser tab or a slide tool shows.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "plotstyle.h"

static const char *const palette[HX_PLOT_NCOLOURS] = {
    "#0072B2", /* blue */
    "#D55E00", /* vermillion */
    "#009E73", /* bluish green */
    "#CC79A7", /* reddish purple */
    "#E69F00", /* orange */
    "#56B4E9", /* sky blue */
    "#000000", /* black */
    "#8C564B", /* brown */
    "#9467BD", /* purple */
    "#7F7F7F", /* grey */
    "#17BECF", /* cyan */
    "#AD494A", /* brick */
};

const char *hx_plot_colour(int i) {
    if (i < 0)
        i = 0;
    return palette[i % HX_PLOT_NCOLOURS];
}

int hx_plot_point(int i) {
    static const int pts[] = {7, 5, 9, 13, 11, 4, 6, 8, 12, 10};
    return pts[(i < 0 ? 0 : i) % 10];
}

void hx_gp_put(FILE *f, const char *s, bool enhanced) {
    for (; *s; s++) {
        if (*s == '"' || *s == '\\')
            fputc('\\', f);
        if (enhanced && (*s == '_' || *s == '^' || *s == '{' || *s == '}' ||
                         *s == '@' || *s == '&' || *s == '~'))
            fputs("\\\\", f);
        fputc(*s, f);
    }
}

void hx_plot_preamble(FILE *g, const char *title, const char *sub) {
    fprintf(g, "set encoding utf8\nset grid lc rgb '#d0d0d0'\n"
               "set border lw 1.2\nset title \"");
    hx_gp_put(g, title, true);
    for (const char *p = sub; p && *p;) { /* one smaller line each */
        size_t n = strcspn(p, "\n");
        char line[400];
        snprintf(line, sizeof line, "%.*s", (int)n, p);
        fprintf(g, "\\n{/*0.75 ");
        hx_gp_put(g, line, true);
        fprintf(g, "}");
        p += n + (p[n] == '\n');
    }
    fprintf(g, "\" enhanced\n");
}

void hx_plot_xlabel(const hx_param *xp, char *buf, size_t len) {
    const char *u = xp->unit ? xp->unit : "";
    /* byte sizes are ticked "4 KiB": the unit is on every tick already */
    if ((xp->flags & HX_PARAM_BYTES) || !*u || strcmp(u, xp->name) == 0)
        snprintf(buf, len, "%s", xp->name);
    else
        snprintf(buf, len, "%s (%s)", xp->name, u);
}

void hx_plot_axes(FILE *g, const hx_param *xp, const char *ylabel, bool logy) {
    char xl[160];
    hx_plot_xlabel(xp, xl, sizeof xl);
    fprintf(g, "set xlabel \"");
    hx_gp_put(g, xl, false);
    fprintf(g, "\" noenhanced\nset ylabel \"");
    hx_gp_put(g, ylabel, false);
    fprintf(g, "\" noenhanced\n");
    if (xp->flags & HX_PARAM_LOG)
        fprintf(g, "set logscale x 2\n");
    if (xp->flags & HX_PARAM_BYTES)
        fprintf(g, "set format x \"%%.0b %%BB\"\n");
    if (logy)
        fprintf(g, "set logscale y 10\n");
}

void hx_plot_terminal(FILE *g, const char *kind, const char *base) {
    char id[80];
    size_t n = 0;
    for (const char *p = base; *p && n + 1 < sizeof id; p++)
        id[n++] = (*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
                          (*p >= '0' && *p <= '9')
                      ? *p
                      : '_';
    id[n] = 0;
    if (strcmp(kind, "svg") == 0)
        fprintf(g,
                "set terminal svg size 1200,700 dynamic font 'Sans,13' "
                "background '#ffffff' name '%s'\nset output '%s.svg'\n",
                id[0] ? id : "mechlab", base);
    else
        fprintf(g,
                "set terminal pngcairo size 1200,700 font 'Sans,12' "
                "background '#ffffff'\nset output '%s.png'\n",
                base);
}

int hx_svg_set_title(const char *path, const char *title) {
    FILE *f = fopen(path, "r");
    if (!f)
        return -errno;
    char *buf = NULL;
    size_t cap = 0;
    ssize_t len = getdelim(&buf, &cap, '\0', f);
    fclose(f);
    if (len <= 0) {
        free(buf);
        return -EIO;
    }
    char *a = strstr(buf, "<title>");
    char *b = a ? strstr(a, "</title>") : NULL;
    if (!a || !b) {
        free(buf);
        return -ENOENT;
    }
    char tmp[1300];
    snprintf(tmp, sizeof tmp, "%s.tmp", path);
    FILE *o = fopen(tmp, "w");
    if (!o) {
        free(buf);
        return -errno;
    }
    fwrite(buf, 1, (size_t)(a - buf) + 7, o);
    for (const char *p = title; *p; p++) {
        if (*p == '<')
            fputs("&lt;", o);
        else if (*p == '>')
            fputs("&gt;", o);
        else if (*p == '&')
            fputs("&amp;", o);
        else if (*p == '\n')
            fputc(' ', o);
        else
            fputc(*p, o);
    }
    fwrite(b, 1, (size_t)(buf + len - b), o);
    free(buf);
    if (fclose(o) != 0 || rename(tmp, path) != 0) {
        int rc = -errno;
        remove(tmp);
        return rc;
    }
    return 0;
}
