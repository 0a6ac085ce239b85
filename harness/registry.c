/*
 * registry.c - the table of experiments.
 *
 * Registration is explicit: experiments/CMakeLists.txt lists the experiment
 * names and generates experiments.def, one HX_EXPERIMENT(name) line each;
 * every experiments/NAME.c defines `const hx_experiment hx_exp_NAME`. No
 * constructor or linker-section tricks: the list in CMake is the registry.
 */
#include <stdio.h>
#include <string.h>

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
