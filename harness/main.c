/*
 * main.c - the mechlab command. The commands, their help and the exit
 * codes are in the command table (commands.c).
 */
#include "commands.h"

int main(int argc, char **argv) {
    return hx_main(argc, argv);
}
