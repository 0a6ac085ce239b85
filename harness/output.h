/*
 * output.h - internal: the run directory, context.json, `latest`
 * (output.c).
 */
#ifndef MECHLAB_OUTPUT_H
#define MECHLAB_OUTPUT_H

#include "run.h"

int hx_output_begin(hx_run *r, char *err, size_t len);
int hx_output_context(const hx_run *r, const char *path,
                      const char *gbench_json);
int hx_output_commit(hx_run *r); /* rename tmp -> final, update latest */
void hx_output_cleanup_stale(const char *expdir);
/* Parses JSON that may hold bare NaN/Infinity (as null). */
struct json_t;
struct json_t *hx_json_load_lenient(const char *path);

#endif
