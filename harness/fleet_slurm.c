/*
 * fleet_slurm.c - talking to Slurm: running its commands, reading states.
 *
 * mechlab never links Slurm: it runs sbatch, scontrol and sinfo as child
 * processes (execvp, no shell: arguments are passed as they are, never
 * re-parsed), so it works with whatever Slurm the user's PATH and
 * SLURM_CONF point at, and the job script stays submittable by hand.
 *
 * States come from `scontrol -o show job ID`, which needs no accounting
 * database (sacct does, and a small cluster often has none). For an array
 * job it prints one record per task that has started, and one record with
 * ArrayTaskId=A-B (or "A,B", "A-B%N") for the tasks still pending; each
 * record is one line of Key=Value words. A finished job is forgotten after
 * MinJobAge (300 s by default): collect keeps the last states it saw in
 * collected.json for that reason.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "fleet.h"

int hx_fleet_exec(char *const argv[], char *buf, size_t len) {
    int fd[2];
    if (pipe(fd) != 0)
        return -1;
    pid_t pid = fork();
    if (pid < 0) {
        close(fd[0]);
        close(fd[1]);
        return -1;
    }
    if (pid == 0) {
        dup2(fd[1], 1);
        dup2(fd[1], 2);
        close(fd[0]);
        close(fd[1]);
        int null = open("/dev/null", O_RDONLY);
        if (null >= 0)
            dup2(null, 0);
        execvp(argv[0], argv);
        fprintf(stderr, "cannot run %s: %s\n", argv[0], strerror(errno));
        _exit(127);
    }
    close(fd[1]);
    size_t n = 0;
    for (;;) {
        char tmp[4096];
        ssize_t r = read(fd[0], tmp, sizeof tmp);
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0)
            break;
        for (ssize_t i = 0; i < r && len && n + 1 < len; i++)
            buf[n++] = tmp[i];
    }
    if (len)
        buf[n] = 0;
    close(fd[0]);
    int st;
    while (waitpid(pid, &st, 0) < 0)
        if (errno != EINTR)
            return -1;
    if (WIFEXITED(st))
        return WEXITSTATUS(st) == 127 && strstr(buf, "cannot run ")
                   ? -1
                   : WEXITSTATUS(st);
    return 128 + WTERMSIG(st);
}

/* Value of Key= in one record line (words separated by blanks). */
static bool field(const char *rec, const char *key, char *out, size_t len) {
    size_t k = strlen(key);
    for (const char *p = rec; (p = strstr(p, key)) != NULL; p += k) {
        if ((p != rec && p[-1] != ' ') || p[k] != '=')
            continue;
        const char *v = p + k + 1;
        size_t n = strcspn(v, " \n");
        if (n >= len)
            n = len - 1;
        memcpy(out, v, n);
        out[n] = 0;
        return true;
    }
    return false;
}

static int add_task(hx_task_state *out, int n, int max, int task,
                    const char *rec) {
    if (n >= max || task < 0)
        return n;
    hx_task_state *t = &out[n];
    memset(t, 0, sizeof *t);
    t->task = task;
    field(rec, "JobState", t->state, sizeof t->state);
    if (!field(rec, "NodeList", t->node, sizeof t->node) ||
        strcmp(t->node, "(null)") == 0)
        t->node[0] = 0;
    field(rec, "ExitCode", t->exit_code, sizeof t->exit_code);
    field(rec, "Reason", t->reason, sizeof t->reason);
    field(rec, "RunTime", t->runtime, sizeof t->runtime);
    return n + 1;
}

int hx_slurm_parse_states(const char *text, hx_task_state *out, int max) {
    int n = 0;
    const char *line = text;
    while (line && *line) {
        const char *nl = strchr(line, '\n');
        size_t ll = nl ? (size_t)(nl - line) : strlen(line);
        char *rec = strndup(line, ll);
        char ids[256];
        if (rec && strncmp(rec, "JobId=", 6) == 0) {
            if (!field(rec, "ArrayTaskId", ids, sizeof ids))
                snprintf(ids, sizeof ids, "0"); /* not an array */
            ids[strcspn(ids, "%")] = 0;         /* A-B%N: N at a time */
            char *save = NULL;
            for (char *t = strtok_r(ids, ",", &save); t;
                 t = strtok_r(NULL, ",", &save)) {
                int a, b;
                if (sscanf(t, "%d-%d", &a, &b) == 2) {
                    for (int k = a; k <= b && k < HX_FLEET_MAX_TASKS; k++)
                        n = add_task(out, n, max, k, rec);
                } else if (sscanf(t, "%d", &a) == 1) {
                    n = add_task(out, n, max, a, rec);
                }
            }
        }
        free(rec);
        line = nl ? nl + 1 : NULL;
    }
    return n;
}

int hx_slurm_states(const char *job, hx_task_state *out, int max, char *err,
                    size_t len) {
    char *argv[] = {"scontrol", "-o", "show", "job", (char *)job, NULL};
    size_t cap = 1u << 20;
    char *buf = malloc(cap);
    if (!buf) {
        snprintf(err, len, "out of memory");
        return -1;
    }
    int rc = hx_fleet_exec(argv, buf, cap);
    int n = -1;
    if (rc < 0)
        snprintf(err, len, "cannot run scontrol (is Slurm installed?)");
    else if (rc != 0 && strstr(buf, "Invalid job id"))
        n = 0; /* forgotten: finished more than MinJobAge ago */
    else if (rc != 0) {
        for (char *q = buf; *q; q++)
            if (*q == '\n')
                *q = ' ';
        snprintf(err, len, "scontrol show job %s: %.300s", job, buf);
    } else
        n = hx_slurm_parse_states(buf, out, max);
    free(buf);
    return n;
}

bool hx_slurm_state_final(const char *s) {
    static const char *const live[] = {
        "PENDING",  "RUNNING",  "SUSPENDED", "COMPLETING", "CONFIGURING",
        "REQUEUED", "RESIZING", "SIGNALING", "STAGE_OUT",  "REQUEUE_HOLD"};
    if (!*s)
        return false;
    for (size_t i = 0; i < HX_COUNT(live); i++)
        if (strcmp(s, live[i]) == 0)
            return false;
    return true;
}

bool hx_slurm_state_failed(const char *s) {
    return hx_slurm_state_final(s) && strcmp(s, "COMPLETED") != 0;
}
