/*
 * registry.h - internal: the table of experiments (registry.c).
 */
#ifndef MECHLAB_REGISTRY_H
#define MECHLAB_REGISTRY_H

#include "hx.h"
#include <stdio.h>

const hx_experiment *hx_find_experiment(const char *name);
int hx_experiment_count(void);
const hx_experiment *hx_experiment_at(int i);
void hx_list_known(FILE *out); /* "known experiments: a, b, c" */
/* The known experiment a mistyped name most likely meant, or NULL. */
const char *hx_suggest(const char *name);

#endif
