/*
 * registry.c - the table of experiments.
 *
 * Registration is explicit: experiments/CMakeLists.txt lists the experiment
 * names and generates experiments.def, one HX_EXPERIMENT(name) line each;
 * every experiments/NAME.c defines `const hx_experiment hx_exp_NAME`. No
 * constructor or linker-section tricks: the list in CMake is the registry.
 *
 * A name that is not in the table gets a suggestion (hx_suggest): the
 * known name at the smallest edit distance (insertions, deletions,
 * substitutions and swaps of neighbours, case ignored), when that distance
 * is small for the name's length, or the one known name the input starts
 * or is a prefix of.
 */
#include <ctype.h>
#include <stdio.h>
#include <string.h>

#include "registry.h"
#include "run.h"

#define HX_EXPERIMENT(n) extern const hx_experiment hx_exp_##n;
#include "experiments.def"
#undef HX_EXPERIMENT

static const hx_experiment *const table[] = {
#define HX_EXPERIMENT(n) &hx_exp_##n,
#include "experiments.def"
#undef HX_EXPERIMENT
};

int hx_experiment_count(void) {
    return HX_COUNT(table);
}

const hx_experiment *hx_experiment_at(int i) {
    return i >= 0 && i < HX_COUNT(table) ? table[i] : NULL;
}

const hx_experiment *hx_find_experiment(const char *name) {
    for (int i = 0; i < HX_COUNT(table); i++)
        if (strcmp(table[i]->name, name) == 0)
            return table[i];
    return NULL;
}

void hx_list_known(FILE *out) {
    fprintf(out, "known experiments:");
    for (int i = 0; i < HX_COUNT(table); i++)
        fprintf(out, "%s %s", i ? "," : "", table[i]->name);
    fprintf(out, "\n");
}

/* Optimal string alignment distance, case-insensitive; capped inputs. */
static int edit_distance(const char *a, const char *b) {
    enum { MAX = 64 };
    int la = (int)strlen(a), lb = (int)strlen(b);
    if (la > MAX || lb > MAX)
        return MAX;
    int d[MAX + 1][MAX + 1];
    for (int i = 0; i <= la; i++)
        d[i][0] = i;
    for (int j = 0; j <= lb; j++)
        d[0][j] = j;
    for (int i = 1; i <= la; i++)
        for (int j = 1; j <= lb; j++) {
            int cost = tolower((unsigned char)a[i - 1]) !=
                       tolower((unsigned char)b[j - 1]);
            int v = d[i - 1][j] + 1;
            v = d[i][j - 1] + 1 < v ? d[i][j - 1] + 1 : v;
            v = d[i - 1][j - 1] + cost < v ? d[i - 1][j - 1] + cost : v;
            if (i > 1 && j > 1 && a[i - 1] == b[j - 2] &&
                a[i - 2] == b[j - 1] && d[i - 2][j - 2] + 1 < v)
                v = d[i - 2][j - 2] + 1;
            d[i][j] = v;
        }
    return d[la][lb];
}

const char *hx_suggest(const char *name) {
    const char *best = NULL, *prefix = NULL;
    int bestd = 1 << 20, nprefix = 0;
    size_t ln = strlen(name);
    for (int i = 0; i < HX_COUNT(table) && ln; i++) {
        const char *k = table[i]->name;
        size_t lk = strlen(k);
        if (strncasecmp(k, name, ln < lk ? ln : lk) == 0) {
            prefix = k;
            nprefix++;
        }
        int d = edit_distance(name, k);
        if (d < bestd) {
            bestd = d;
            best = k;
        }
    }
    /* 1 edit for short names, about one in three for longer ones */
    int allowed = ln <= 4 ? 1 : (int)(ln + 2) / 3;
    if (best && bestd <= allowed)
        return best;
    return nprefix == 1 && ln >= 3 ? prefix : NULL;
}
