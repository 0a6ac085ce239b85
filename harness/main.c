/*
 * main.c - the mechlab command. The commands, their help and the exit
 * codes are in the command table (commands.c); the one exception is the
 * internal child command a --counters sim run starts under valgrind
 * (simrun.c), which no user types.
 */
#include <string.h>

#include "commands.h"
#include "counters_sim.h"
#include "registry.h"
#include "run.h"

int main(int argc, char **argv) {
    if (argc > 1 && strcmp(argv[1], HX_SIM_CHILD_CMD) == 0)
        return hx_sim_child_main(argc > 2 ? hx_find_experiment(argv[2]) : NULL,
                                 argc, argv); /* under valgrind: simrun.c */
    return hx_main(argc, argv);
}
