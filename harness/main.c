/*
 * main.c - the mechlab command: list, describe, run, counters, compare,
 * fleet (fleet.c parses its own arguments).
 *
 * Exit codes: 0 done; 1 a run failed; 2 bad input (nothing was written);
 * 3 skipped (the experiment cannot run on this machine). An interrupted run
 * (Ctrl-C) stops at once: its half-written directory is a hidden .tmp-*
 * that the next run removes, and `latest` and earlier runs are untouched.
 */
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "counters.h"
#include "counters_sim.h"
#include "fleet.h"
#include "run.h"

static void on_interrupt(int sig) {
    static const char msg[] =
        "\nmechlab: interrupted; this run is discarded, earlier results "
        "are intact\n";
    (void)!write(2, msg, sizeof msg - 1);
    _exit(128 + sig);
}

static int run_one(const hx_experiment *e, const hx_opts *o) {
    return hx_run_experiment(e, o);
}

int main(int argc, char **argv) {
    hx_opts o;
    char err[512];
    if (argc > 1 && strcmp(argv[1], HX_SIM_CHILD_CMD) == 0)
        return hx_sim_child_main(argc > 2 ? hx_find_experiment(argv[2]) : NULL,
                                 argc, argv); /* under valgrind: simrun.c */
    if (argc > 1 && strcmp(argv[1], "fleet") == 0)
        return hx_fleet_main(argc, argv);
    if (hx_cli_parse(argc, argv, &o, err, sizeof err) != 0) {
        fprintf(stderr, "mechlab: %s\n\n", err);
        hx_cli_usage(stderr);
        return HX_EXIT_USAGE;
    }
    if (strcmp(o.command, "help") == 0) {
        hx_cli_usage(stdout);
        return 0;
    }
    if (strcmp(o.command, "list") == 0) {
        for (int i = 0; i < hx_experiment_count(); i++) {
            const hx_experiment *e = hx_experiment_at(i);
            printf("%-12s %s\n", e->name, e->summary);
        }
        return 0;
    }
    if (strcmp(o.command, "counters") == 0) {
        hx_counters_report(stdout);
        return 0;
    }
    if (strcmp(o.command, "run") == 0 && strcmp(o.exp, "all") == 0) {
        if (o.nsets || o.threads) {
            fprintf(stderr, "mechlab: run all: --set and --threads apply to "
                            "one experiment; run it by name\n");
            return HX_EXIT_USAGE;
        }
        signal(SIGINT, on_interrupt);
        signal(SIGTERM, on_interrupt);
        int worst = 0, failed = 0;
        for (int i = 0; i < hx_experiment_count(); i++) {
            int rc = run_one(hx_experiment_at(i), &o);
            printf("\n");
            if (rc == HX_EXIT_FAIL || rc == HX_EXIT_USAGE) {
                failed++;
                worst = HX_EXIT_FAIL;
            }
        }
        printf("ran %d experiments, %d failed\n", hx_experiment_count(),
               failed);
        return worst;
    }
    const hx_experiment *e = hx_find_experiment(o.exp);
    if (!e) {
        fprintf(stderr, "mechlab: unknown experiment '%s'\n", o.exp);
        hx_list_known(stderr);
        return HX_EXIT_USAGE;
    }
    if (strcmp(o.command, "describe") == 0)
        return hx_describe(e, &o, stdout);
    if (strcmp(o.command, "compare") == 0)
        return hx_compare(e, o.out);
    signal(SIGINT, on_interrupt);
    signal(SIGTERM, on_interrupt);
    return run_one(e, &o);
}
