/*
 * console.c - wrapping prose to the console's width (console.h).
 *
 * A line is broken at the last space that keeps it within the width; the
 * rest continues on the next line, indented by the line's leading blanks
 * plus 4, so a wrapped claim or note still reads as one item. Lines are
 * never broken inside a word (a path, a URL), and lines that fit are
 * copied byte for byte.
 */
#include <stdbool.h>
#include <string.h>

#include "console.h"

void hx_console_wrap(FILE *out, const char *text, int width) {
    for (const char *s = text; s && *s;) {
        size_t n = strcspn(s, "\n");
        bool nl = s[n] == '\n';
        size_t ind = strspn(s, " ");
        if (ind > n)
            ind = n;
        size_t cont = ind + 4;
        const char *p = s, *end = s + n;
        size_t col0 = 0; /* this piece's indent when printed */
        while ((size_t)(end - p) + col0 > (size_t)width) {
            size_t room = (size_t)width - col0;
            const char *brk = NULL;
            for (const char *q = p + room; q > p + (col0 ? 0 : ind); q--)
                if (*q == ' ') {
                    brk = q;
                    break;
                }
            if (!brk) { /* one long word: break after it */
                brk = memchr(p + room, ' ', (size_t)(end - p - room));
                if (!brk)
                    break;
            }
            fprintf(out, "%*s%.*s\n", (int)col0, "", (int)(brk - p), p);
            p = brk;
            while (p < end && *p == ' ')
                p++;
            col0 = cont;
        }
        fprintf(out, "%*s%.*s\n", (int)col0, "", (int)(end - p), p);
        s += n + (nl ? 1 : 0);
        if (!nl)
            break;
    }
}
