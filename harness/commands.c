/*
 * commands.c - the mechlab command table and the small commands.
 *
 * The table (commands.h) is the CLI: `mechlab --help` lists it, `mechlab
 * help CMD` and `mechlab CMD --help` print a row's help, and hx_main calls
 * a row's function. Commands whose work lives elsewhere only parse here
 * and call it: run (run.c), describe (describe.c), compare (compare.c),
 * report (report_html.c, report_index.c), fleet (fleet.c parses its own
 * arguments).
 *
 * Exit codes: 0 done; 1 a run failed; 2 bad input (nothing was written);
 * 3 skipped (the experiment cannot run on this machine). An interrupted run
 * (Ctrl-C) stops at once: its half-written directory is a hidden .tmp-*
 * that the next run removes, and `latest` and earlier runs are untouched.
 */
#include <errno.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "commands.h"
#include "compare.h"
#include "counters.h"
#include "describe.h"
#include "fleet.h"
#include "pipeline.h"
#include "registry.h"
#include "report_html.h"
#include "run.h"

static const char run_help[] =
    "Runs every variant of an experiment at every point of its sweep,\n"
    "repeated and interleaved, and writes a run directory under the\n"
    "results root: summary.txt, summary.json, data.csv, context.json,\n"
    "gbench.json, the plot and report.html (results/README.md).\n"
    "`run all` runs every experiment in turn.\n"
    "\n"
    "options:\n"
    "  --threads LIST       thread counts, e.g. 1,2,4 or 1..16\n"
    "  --set NAME=LIST      points of a parameter, e.g. stride=8,64 or\n"
    "                       size=4K..64M (see `describe`)\n"
    "  --reps N             repetitions per point, 1..1000 (default 9; 3 "
    "quick);\n"
    "                       claims get no interval below 3\n"
    "  --quick              fewer points and repetitions\n"
    "  --min-time S         seconds per repetition, 0.001..60\n"
    "  --warmup S           seconds of warm-up before each point's first\n"
    "                       repetition, 0..60 (default 0)\n"
    "  --counters MODE      auto|papi|perf|rusage|none|sim (default auto;\n"
    "                       sim: auto plus simulated cache misses per op\n"
    "                       from valgrind, for single-threaded "
    "experiments)\n"
    "  --out DIR            results root (default results)\n"
    "  --machine NAME       machine name in the results path\n"
    "                       (default: from the CPU model)\n"
    "  --host NAME          host in the results path, <machine>@<host>\n"
    "                       (default: this host's short name; none when\n"
    "                       --machine is given alone)\n"
    "  --no-plot            skip gnuplot (plot.dat and plot.gp are still\n"
    "                       written)\n"
    "  --no-interleave      run repetitions in order, not interleaved\n"
    "  --progress, --no-progress   the progress line (default: on a "
    "terminal)\n"
    "  --wide               every column of the summary on the console\n"
    "                       (default: about 100 columns; summary.txt has\n"
    "                       every column)\n";

/* ---- the commands --------------------------------------------------------- */

static void on_interrupt(int sig) {
    static const char msg[] =
        "\nmechlab: interrupted; this run is discarded, earlier results "
        "are intact\n";
    (void)!write(2, msg, sizeof msg - 1);
    _exit(128 + sig);
}

/* Parses the common options; prints the error and returns -1 on bad
 * input. */
static int parse(int argc, char **argv, hx_opts *o) {
    char err[512];
    if (hx_cli_parse(argc, argv, o, err, sizeof err) != 0) {
        fprintf(stderr, "mechlab: %s (see mechlab help %s)\n", err, argv[1]);
        return -1;
    }
    return 0;
}

static const hx_experiment *experiment(const char *name) {
    const hx_experiment *e = hx_find_experiment(name);
    if (!e) {
        const char *dym = hx_suggest(name);
        if (dym)
            fprintf(stderr,
                    "mechlab: unknown experiment '%s'; did you mean '%s'?\n",
                    name, dym);
        else
            fprintf(stderr, "mechlab: unknown experiment '%s'\n", name);
        hx_list_known(stderr);
    }
    return e;
}

static int cmd_list(int argc, char **argv) {
    hx_opts o;
    if (parse(argc, argv, &o))
        return HX_EXIT_USAGE;
    for (int i = 0; i < hx_experiment_count(); i++) {
        const hx_experiment *e = hx_experiment_at(i);
        printf("%-12s %s\n", e->name, e->summary);
    }
    return HX_EXIT_OK;
}

static int cmd_counters(int argc, char **argv) {
    hx_opts o;
    if (parse(argc, argv, &o))
        return HX_EXIT_USAGE;
    hx_counters_report(stdout);
    return HX_EXIT_OK;
}

static int cmd_describe(int argc, char **argv) {
    hx_opts o;
    if (parse(argc, argv, &o))
        return HX_EXIT_USAGE;
    const hx_experiment *e = experiment(o.exp);
    return e ? hx_describe(e, &o, stdout) : HX_EXIT_USAGE;
}

static int cmd_compare(int argc, char **argv) {
    hx_opts o;
    if (parse(argc, argv, &o))
        return HX_EXIT_USAGE;
    if (strcmp(o.exp, "all") == 0)
        return hx_compare_all(&o);
    const hx_experiment *e = experiment(o.exp);
    return e ? hx_compare(e, &o) : HX_EXIT_USAGE;
}

static int cmd_run(int argc, char **argv) {
    hx_opts o;
    if (parse(argc, argv, &o))
        return HX_EXIT_USAGE;
    if (strcmp(o.exp, "all") != 0) {
        const hx_experiment *e = experiment(o.exp);
        if (!e)
            return HX_EXIT_USAGE;
        signal(SIGINT, on_interrupt);
        signal(SIGTERM, on_interrupt);
        return hx_run_experiment(e, &o);
    }
    if (o.nsets || o.threads) {
        fprintf(stderr, "mechlab: run all: --set and --threads apply to "
                        "one experiment; run it by name\n");
        return HX_EXIT_USAGE;
    }
    signal(SIGINT, on_interrupt);
    signal(SIGTERM, on_interrupt);
    int worst = 0, failed = 0;
    for (int i = 0; i < hx_experiment_count(); i++) {
        int rc = hx_run_experiment(hx_experiment_at(i), &o);
        printf("\n");
        if (rc == HX_EXIT_FAIL || rc == HX_EXIT_USAGE) {
            failed++;
            worst = HX_EXIT_FAIL;
        }
    }
    printf("ran %d experiments, %d failed\n", hx_experiment_count(), failed);
    return worst;
}

static int cmd_report(int argc, char **argv) {
    const char *out = "results", *dir = NULL;
    bool index = false;
    for (int i = 2; i < argc; i++) {
        const char *a = argv[i];
        if (strcmp(a, "--index") == 0) {
            index = true;
        } else if (strcmp(a, "--out") == 0 || strncmp(a, "--out=", 6) == 0) {
            const char *v = a[5] == '=' ? a + 6 : i + 1 < argc ? argv[++i] : "";
            if (!*v) {
                fprintf(stderr, "mechlab: report: --out needs a directory\n");
                return HX_EXIT_USAGE;
            }
            out = v;
        } else if (a[0] == '-') {
            fprintf(stderr,
                    "mechlab: report: unknown option '%s' (see mechlab "
                    "help report)\n",
                    a);
            return HX_EXIT_USAGE;
        } else if (dir) {
            fprintf(stderr,
                    "mechlab: report: one run directory at a time "
                    "('%s' and '%s')\n",
                    dir, a);
            return HX_EXIT_USAGE;
        } else {
            dir = a;
        }
    }
    char err[1024] = "";
    if (index) {
        if (dir) {
            fprintf(stderr, "mechlab: report --index takes no run directory "
                            "(it indexes --out, default results)\n");
            return HX_EXIT_USAGE;
        }
        int n = hx_report_index(out, err, sizeof err);
        if (n < 0) {
            fprintf(stderr, "mechlab: report --index: %s\n", err);
            return n == -ENOENT ? HX_EXIT_USAGE : HX_EXIT_FAIL;
        }
        printf("wrote %s/index.html (%d run%s)\n", out, n, n == 1 ? "" : "s");
        return HX_EXIT_OK;
    }
    char latest[2048];
    if (!dir) {
        if (hx_report_latest(out, latest, sizeof latest) != 0) {
            fprintf(stderr,
                    "mechlab: report: no runs under %s (run an experiment, "
                    "or name a run directory)\n",
                    out);
            return HX_EXIT_USAGE;
        }
        dir = latest;
    }
    int rc = hx_report_html(dir, err, sizeof err);
    if (rc) {
        fprintf(stderr, "mechlab: report: %s\n", err);
        return rc == -ENOENT || rc == -EINVAL ? HX_EXIT_USAGE : HX_EXIT_FAIL;
    }
    printf("wrote %s/report.html\n", dir);
    return HX_EXIT_OK;
}

static int cmd_gbench_json(int argc, char **argv) {
    return hx_gbench_export_main(argc, argv);
}

static int cmd_fleet(int argc, char **argv) {
    return hx_fleet_main(argc, argv);
}

static int cmd_help(int argc, char **argv) {
    if (argc < 3) {
        hx_usage(stdout);
        return HX_EXIT_OK;
    }
    const hx_command *c = hx_command_find(argv[2]);
    if (!c || argc > 3) {
        char names[256];
        hx_command_names(names, sizeof names);
        fprintf(stderr, "mechlab: help: %s '%s' (commands: %s)\n",
                c ? "one command at a time, not" : "unknown command",
                c ? argv[3] : argv[2], names);
        return HX_EXIT_USAGE;
    }
    hx_command_help(c, stdout);
    return HX_EXIT_OK;
}

/* ---- the table --------------------------------------------------------------- */

static const hx_command table[] = {
    {"list", "", "experiments, one line each",
     "Lists the registered experiments with a one-line summary each.\n",
     cmd_list},
    {"describe", "EXP",
     "what an experiment tests, its parameters, the homework",
     "Prints what an experiment tests and how: its hypothesis, variants,\n"
     "parameters with their default points on this machine, metrics,\n"
     "counters, claims, how to read the plot, and the homework.\n",
     cmd_describe},
    {"run", "EXP|all [options]", "run an experiment (or all of them)", run_help,
     cmd_run},
    {"counters", "", "which counters this machine can read, and why not",
     "Tries every counter backend (PAPI, perf, getrusage) and says which\n"
     "events each can read here, and why the others cannot.\n",
     cmd_counters},
    {"compare", "EXP|all [--out DIR] [--wide]",
     "every machine's latest run of EXP, side by side",
     "Reads the latest run of EXP of every machine under the results root\n"
     "and results/reference/ (summary.json, or data.csv for older runs)\n"
     "and prints the headline table: one row per headline figure, one\n"
     "column per machine (A: this host's run), each value with its\n"
     "interval, and under it each machine's ratio to A with the ratio's\n"
     "interval; the legend names the run used and flags quick, busy and\n"
     "over-subscribed runs. Writes <out>/compare/EXP.csv (the table) and\n"
     "<out>/compare/EXP.png and .svg (one colour per series, one dash and\n"
     "point type per machine). `compare all`: every experiment's table,\n"
     "<out>/compare/all.csv.\n"
     "\n"
     "options:\n"
     "  --out DIR            results root (default results)\n"
     "  --wide               figure names in full, and every point's median\n"
     "                       side by side\n",
     cmd_compare},
    {"report", "[RUN_DIR] | --index [--out DIR]",
     "a run's report.html (--index: results/index.html)",
     "Writes RUN_DIR/report.html (default: the newest run under the\n"
     "results root): the verdict and why, the hypothesis, the plot as\n"
     "inline SVG (and a second one where the experiment has a second\n"
     "axis), the claims with their intervals, the headline figures, the\n"
     "summary table, warnings, counters unavailable and why, the machine,\n"
     "how to read the plot and the homework. It needs only the run\n"
     "directory, so it works on old runs, reference runs and runs copied\n"
     "from other machines. Every run writes its report.html too.\n"
     "\n"
     "  --index              write <out>/index.html instead: every machine\n"
     "                       and experiment, newest run first, each linking\n"
     "                       its report (written where missing), reference\n"
     "                       machines included\n"
     "  --out DIR            results root (default results)\n",
     cmd_report},
    {"gbench-json", "RUN_DIR...", "write a run's gbench.json from its data.csv",
     "Writes RUN_DIR/gbench.json in Google Benchmark's layout, with the\n"
     "names a run makes today, from the run's data.csv: for runs made\n"
     "before runs kept one (the reference runs), so Google Benchmark's\n"
     "tools/compare.py can match them with yours. real_time is ns_per_op\n"
     "over the threads (results/README.md); the context says it was\n"
     "converted. An existing gbench.json is left as it is.\n",
     cmd_gbench_json},
    {"fleet", "ACTION STUDY [options]",
     "a study across Slurm nodes (mechlab fleet help)",
     "Runs a study (experiments x nodes) on a Slurm cluster, then collects\n"
     "and reports it. `mechlab fleet help` lists its actions and options.\n",
     cmd_fleet},
    {"help", "[CMD]", "this list, or one command's help",
     "`mechlab help` lists the commands; `mechlab help CMD` (or `mechlab\n"
     "CMD --help`) explains one.\n",
     cmd_help},
};

const hx_command *hx_command_find(const char *name) {
    for (int i = 0; i < HX_COUNT(table); i++)
        if (strcmp(table[i].name, name) == 0)
            return &table[i];
    return NULL;
}

int hx_command_count(void) {
    return HX_COUNT(table);
}

const hx_command *hx_command_at(int i) {
    return i >= 0 && i < HX_COUNT(table) ? &table[i] : NULL;
}

void hx_command_names(char *buf, size_t len) {
    size_t n = 0;
    buf[0] = 0;
    for (int i = 0; i < HX_COUNT(table) && n < len; i++)
        n += (size_t)snprintf(buf + n, len - n, "%s%s", i ? ", " : "",
                              table[i].name);
}

void hx_usage(FILE *out) {
    fputs("usage: mechlab COMMAND [ARGS]\n\ncommands:\n", out);
    for (int i = 0; i < HX_COUNT(table); i++) {
        char head[64];
        snprintf(head, sizeof head, "%s %s", table[i].name, table[i].args);
        if (strlen(head) <= 20)
            fprintf(out, "  %-20s %s\n", head, table[i].summary);
        else
            fprintf(out, "  %s\n  %-20s %s\n", head, "", table[i].summary);
    }
    fputs("\n`mechlab help CMD` or `mechlab CMD --help` explains one "
          "command.\n",
          out);
}

void hx_command_help(const hx_command *c, FILE *out) {
    fprintf(out, "usage: mechlab %s%s%s\n\n%s", c->name, c->args[0] ? " " : "",
            c->args, c->help);
}

/* ---- dispatch ------------------------------------------------------------------ */

int hx_main(int argc, char **argv) {
    if (argc < 2) {
        fprintf(stderr, "mechlab: no command given\n\n");
        hx_usage(stderr);
        return HX_EXIT_USAGE;
    }
    if (strcmp(argv[1], "-h") == 0 || strcmp(argv[1], "--help") == 0) {
        hx_usage(stdout);
        return HX_EXIT_OK;
    }
    const hx_command *c = hx_command_find(argv[1]);
    if (!c) {
        char names[256];
        hx_command_names(names, sizeof names);
        fprintf(stderr, "mechlab: unknown command '%s' (commands: %s)\n",
                argv[1], names);
        return HX_EXIT_USAGE;
    }
    /* CMD --help, before the command parses anything (fleet has its own
     * `fleet help ACTION`, which this leaves alone) */
    if (argc == 3 &&
        (strcmp(argv[2], "--help") == 0 || strcmp(argv[2], "-h") == 0)) {
        hx_command_help(c, stdout);
        return HX_EXIT_OK;
    }
    for (int i = 2; i < argc && c->fn != cmd_fleet; i++)
        if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
            hx_command_help(c, stdout);
            return HX_EXIT_OK;
        }
    return c->fn(argc, argv);
}
