/*
 * fleet.h - internal: studies across Slurm nodes (`mechlab fleet`).
 *
 * A study is a file a person edits (studies/NAME.study): which experiments
 * to run with which parameter points, how many repetitions, and where
 * (nodes, partition, node list, constraint). `mechlab fleet run STUDY`
 * checks every value of it against the experiments' declarations, then
 * writes a fleet directory under the results root
 *
 *   <root>/fleet/<study>/<fleet-id>/   study.txt     the study as submitted
 *                                      job.sh        the Slurm job script
 *                                      job.txt       the Slurm job id
 *                                      tasks/<i>.txt each task's record
 *                                      logs/         each task's output
 *                                      collected.json    (fleet collect)
 *                                      report/       (fleet report)
 *   <root>/fleet/<study>/latest -> <fleet-id>
 *
 * and submits job.sh as one job array: task i takes one node to itself
 * and runs `mechlab run` for every experiment of the study into the shared
 * results root, under <root>/<machine>@<node>/. The modules:
 *
 *   fleet_study.c    the study file: parsing and validation
 *   fleet_script.c   shell quoting and the job script
 *   fleet_slurm.c    sbatch and scontrol: submitting, task states
 *   fleet_collect.c  task records + states -> collected.json
 *   fleet_summary.c  reading a run's summary.json (mechlab.summary/1)
 *   fleet_report.c   the side-by-side table, plots and the HTML page
 *   fleet.c          the `mechlab fleet` command line
 */
#ifndef MECHLAB_FLEET_H
#define MECHLAB_FLEET_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "hx.h"

#define HX_FLEET_MAX_RUNS  32   /* `run` lines in one study */
#define HX_FLEET_MAX_TASKS 1024 /* array tasks (nodes) in one study */
#define HX_FLEET_MAX_HEAD  16   /* headline figures read per run */

/* ---- the study (fleet_study.c) ------------------------------------------ */

typedef struct hx_study_run {
    const hx_experiment *exp; /* from the registry: its name is trusted */
    int line;                 /* line of the `run` in the study file */
    int nsets;
    /* "name=v1,v2,..." rebuilt from the parsed values: never the text of
     * the study file itself */
    char sets[HX_MAX_PARAMS][HX_MAX_POINTS * 21 + 40];
} hx_study_run;

typedef struct hx_study {
    char name[64];        /* the file's stem, [a-z0-9_-] */
    char path[1024];      /* the file as given */
    int nodes;            /* array tasks, one node each (1..1024) */
    bool nodes_set;       /* nodes given (else: the node list's size, or 1) */
    char partition[64];   /* Slurm partition, "" for the default */
    char nodelist[256];   /* Slurm host list, "" for any */
    char constraint[256]; /* Slurm --constraint, "" for none */
    char account[64];     /* Slurm --account, "" for the default */
    int time_min;         /* time limit per task, minutes */
    int reps;             /* 0: mechlab's default */
    bool quick;
    bool plot;
    double min_time; /* 0: default */
    char counters[16];
    hx_study_run runs[HX_FLEET_MAX_RUNS];
    int nruns;
} hx_study;

/* Reads and checks a study file. On error returns -EINVAL with
 * "FILE:LINE: what is wrong and what is accepted" in err. */
int hx_study_load(const char *path, hx_study *s, char *err, size_t len);
/* The study file for a name: NAME as a path if it names a file, else
 * studies/NAME.study. */
void hx_study_path(const char *arg, char *buf, size_t len);

/* ---- the job script (fleet_script.c) ------------------------------------ */

/* s as one shell word in single quotes ('it'\''s'). */
void hx_sh_quote(const char *s, char *buf, size_t len);
/* true when s may appear in an #SBATCH line as is: [A-Za-z0-9._/%-]. */
bool hx_sbatch_safe(const char *s);

typedef struct hx_fleet_paths {
    char mechlab[4096]; /* absolute path of the mechlab binary */
    char root[4096];    /* absolute results root */
    char dir[4096];     /* absolute fleet directory: root/fleet/study/id */
} hx_fleet_paths;

/* Writes the job script; returns 0 or -errno with err filled. */
int hx_fleet_write_script(const hx_study *s, const hx_fleet_paths *p,
                          const char *exclude, const char *path, char *err,
                          size_t len);

/* ---- Slurm (fleet_slurm.c) ----------------------------------------------- */

typedef struct hx_task_state {
    int task;           /* array index */
    char state[32];     /* PENDING RUNNING COMPLETED FAILED TIMEOUT ... */
    char node[128];     /* NodeList, "" while pending */
    char exit_code[16]; /* "0:0" */
    char reason[128];
    char runtime[32];
} hx_task_state;

/* Task states of an array job from `scontrol -o show job ID`; returns the
 * number filled (0: the cluster does not know the job), -1 when scontrol
 * cannot be run, with err set. */
int hx_slurm_states(const char *job, hx_task_state *out, int max, char *err,
                    size_t len);
/* Parses scontrol -o output (one record per line) into out. */
int hx_slurm_parse_states(const char *text, hx_task_state *out, int max);
/* true for a state that will not change any more. */
bool hx_slurm_state_final(const char *state);
/* true for a final state that is not success. */
bool hx_slurm_state_failed(const char *state);
/* Runs argv (no shell), capturing stdout (and stderr) into buf. Returns
 * the exit status, or -1 when it cannot run. */
int hx_fleet_exec(char *const argv[], char *buf, size_t len);

/* ---- a run's summary.json (fleet_summary.c) ------------------------------ */

typedef struct hx_fleet_figure {
    char key[64], name[160], unit[32], how[200];
    double value, ci_lo, ci_hi; /* NAN when null */
} hx_fleet_figure;

typedef struct hx_fleet_summary {
    char experiment[64], run_id[64], machine[128], host[128];
    char verdict[32]; /* holds, does-not-hold, ... */
    char verdict_text[400];
    hx_fleet_figure head[HX_FLEET_MAX_HEAD];
    int nhead;
} hx_fleet_summary;

/* Reads DIR/summary.json; -ENOENT when absent, -EINVAL when it is not a
 * mechlab.summary/1 document (err says why). */
int hx_fleet_summary_read(const char *dir, hx_fleet_summary *s, char *err,
                          size_t len);
/* true when two figures' intervals are both known and do not overlap. */
bool hx_figure_differ(const hx_fleet_figure *a, const hx_fleet_figure *b);

/* ---- collect and report (fleet_collect.c, fleet_report.c) ---------------- */

/* Resolves <root>/fleet/<study>/latest (or an explicit fleet dir). */
int hx_fleet_dir(const char *root, const char *study, char *buf, size_t len,
                 char *err, size_t errlen);
/* Gathers the task records and Slurm states and prints a line per task;
 * with write, into DIR/collected.json too (written whole, then renamed
 * into place). */
int hx_fleet_collect(const char *dir, bool write, FILE *out);
/* Writes DIR/report/ (report.txt, index.html, plots) and prints the table. */
int hx_fleet_report(const char *dir, bool plot, FILE *out);

/* fleet.c: `mechlab fleet ...`; argv[1] is "fleet". */
int hx_fleet_main(int argc, char **argv);

#endif
