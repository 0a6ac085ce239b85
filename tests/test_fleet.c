/*
 * test_fleet.c - unit tests of the fleet study: validation, quoting, the
 * job script, Slurm's state records and the summary.json reader.
 *
 * Study files are written to a scratch directory and loaded; each bad one
 * must be refused with "FILE:LINE: ..." naming the bad value and what is
 * accepted: unknown experiments (among them shell injections such as
 * "x; rm -rf ~" and "$(reboot)"), unknown parameters, values out of the
 * parameter's declared range, malformed lists, duplicate lines, unknown
 * settings, out-of-range numbers, Slurm names outside Slurm's alphabet,
 * control characters, NUL bytes, over-long lines, a file without runs.
 * Good ones must parse into the canonical --set lists.
 *
 * hx_sh_quote is checked the strong way: a quoted string is handed to
 * /bin/sh, which must print it back byte for byte (quotes, $(...),
 * backquotes, newlines, semicolons). The generated job script must pass
 * `bash -n` and carry the parsed values. scontrol records (a pending range
 * with %N, split tasks, a non-array job) and the summary.json fixture
 * (tests/fixtures/summary_noop.json: nulls, a keyless headline, an unknown
 * key) are parsed and checked field by field, and a document with another
 * schema is refused.
 *
 * Prints one line per failure and a closing "N passed, M failed"; exits
 * non-zero when anything failed.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fleet.h"
#include "run.h"

static int passed, failed;
static char scratch[256];

static void check(int ok, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
static void check(int ok, const char *fmt, ...) {
    if (ok) {
        passed++;
        return;
    }
    failed++;
    va_list ap;
    va_start(ap, fmt);
    fputs("FAIL: ", stdout);
    vprintf(fmt, ap);
    fputc('\n', stdout);
    va_end(ap);
}

static const char *write_study(const char *name, const char *text, size_t len) {
    static char path[512];
    snprintf(path, sizeof path, "%s/%s", scratch, name);
    FILE *f = fopen(path, "w");
    if (!f)
        return path;
    fwrite(text, 1, len, f);
    fclose(f);
    return path;
}

static hx_study st;

/* Loads text as NAME; expects a refusal mentioning every fragment. */
static void refused(const char *name, const char *text, const char *frag1,
                    const char *frag2) {
    char err[2048] = "";
    const char *p = write_study(name, text, strlen(text));
    int rc = hx_study_load(p, &st, err, sizeof err);
    check(rc == -EINVAL, "%s: want -EINVAL, got %d (%s)", name, rc, err);
    check(strstr(err, frag1) != NULL, "%s: error lacks '%s': %s", name, frag1,
          err);
    if (frag2)
        check(strstr(err, frag2) != NULL, "%s: error lacks '%s': %s", name,
              frag2, err);
}

static void test_good(void) {
    char err[2048] = "";
    const char *text = "# a comment\n"
                       "nodes 3   # trailing comment\n"
                       "partition batch-1\n"
                       "constraint avx512&amx\n"
                       "time 30\nreps 5\nquick yes\nplot no\n"
                       "min_time 0.02\ncounters none\n"
                       "\n"
                       "run noop\n"
                       "run falseshare stride=8..64 threads=1,2\n";
    const char *p = write_study("good.study", text, strlen(text));
    int rc = hx_study_load(p, &st, err, sizeof err);
    check(rc == 0, "good study refused: %s", err);
    check(strcmp(st.name, "good") == 0, "name %s", st.name);
    check(st.nodes == 3 && st.nodes_set, "nodes %d", st.nodes);
    check(strcmp(st.partition, "batch-1") == 0, "partition %s", st.partition);
    check(strcmp(st.constraint, "avx512&amx") == 0, "constraint");
    check(st.time_min == 30 && st.reps == 5 && st.quick && !st.plot,
          "time/reps/quick/plot");
    check(fabs(st.min_time - 0.02) < 1e-12, "min_time");
    check(strcmp(st.counters, "none") == 0, "counters");
    check(st.nruns == 2, "nruns %d", st.nruns);
    check(st.runs[0].line == 12 && st.runs[1].line == 13, "run lines %d %d",
          st.runs[0].line, st.runs[1].line);
    check(st.runs[1].nsets == 2, "sets %d", st.runs[1].nsets);
    check(strcmp(st.runs[1].sets[0], "stride=8,16,32,64") == 0,
          "canonical stride: %s", st.runs[1].sets[0]);
    check(strcmp(st.runs[1].sets[1], "threads=1,2") == 0,
          "canonical threads: %s", st.runs[1].sets[1]);

    /* defaults */
    p = write_study("min.study", "run noop\n", 9);
    rc = hx_study_load(p, &st, err, sizeof err);
    check(rc == 0 && st.nodes == 1 && !st.nodes_set && st.time_min == 60 &&
              st.plot && st.reps == 0 && strcmp(st.counters, "auto") == 0,
          "defaults: %s", err);
}

static void test_bad(void) {
    refused("inj1.study", "nodes 2\nrun x; rm -rf ~\n",
            "inj1.study:2: run 'x;': not an experiment", "falseshare");
    refused("inj2.study", "run $(reboot)\n",
            "inj2.study:1:", "not an experiment");
    refused("inj3.study", "run `id`\n", "inj3.study:1:", "not an experiment");
    refused("inj4.study", "run noop'\n", "not an experiment", NULL);
    refused("inj5.study", "run falseshare stride=8;id\n",
            "inj5.study:1: run falseshare: stride=8;id", "8..4096");
    refused("inj6.study", "run falseshare stride=$(id)\n", "stride=$(id)",
            "8..4096");
    refused("inj7.study", "partition a$(id)\nrun noop\n",
            "inj7.study:1: partition 'a$(id)'", "[A-Za-z0-9._-]");
    refused("inj8.study", "constraint a'b\nrun noop\n",
            "inj8.study:1: constraint", NULL);
    refused("inj9.study", "nodelist n[1-3];id\nrun noop\n",
            "inj9.study:1: nodelist", NULL);
    refused("inj10.study", "account -x\nrun noop\n", "not starting with '-'",
            NULL);
    refused("range1.study", "run falseshare stride=4\n",
            "range1.study:1: run falseshare: stride=4", "8..4096");
    refused("range2.study", "run falseshare threads=0\n",
            "range2.study:1:", "1..1024");
    refused("param.study", "run noop\nrun falseshare bogus=1\n",
            "param.study:2: run falseshare: no parameter 'bogus'", "stride");
    refused("pform.study", "run falseshare stride\n",
            "pform.study:1: run falseshare: 'stride': expected NAME=LIST",
            NULL);
    refused("twice.study", "run falseshare stride=8 stride=64\n",
            "twice.study:1:", "set twice");
    refused("duprun.study", "run noop\n\nrun noop\n",
            "duprun.study:3: run noop: already run at line 1", NULL);
    refused("nodes0.study", "nodes 0\nrun noop\n",
            "nodes0.study:1: nodes '0': expected an integer in 1..1024", NULL);
    refused("nodesx.study", "nodes 2x\nrun noop\n", "nodes '2x'", NULL);
    refused("time.study", "time 99999\nrun noop\n",
            "time.study:1: time (minutes per task) '99999'", "1..10080");
    refused("reps.study", "reps 1001\nrun noop\n", "1..1000", NULL);
    refused("quick.study", "quick maybe\nrun noop\n",
            "quick.study:1: quick 'maybe': expected yes or no", NULL);
    refused("mt.study", "min_time 100\nrun noop\n", "0.001..60", NULL);
    refused("cnt.study", "counters pmu\nrun noop\n", "counters 'pmu'", NULL);
    refused("key.study", "run noop\nfrobnicate 3\n",
            "key.study:2: unknown setting 'frobnicate'", NULL);
    refused("two.study", "partition a b\nrun noop\n",
            "two.study:1: 'partition' takes one value, found 2", NULL);
    refused("ctl.study", "run noop\x1b[2J\n", "ctl.study:1: control character",
            NULL);
    refused("hi.study", "run noop \xc3\xa9\n", "hi.study:1: byte 0xc3", NULL);
    refused("norun.study", "nodes 2\n", "no `run EXP` line", NULL);
    refused("Bad Name.study", "run noop\n", "study name 'Bad Name'", NULL);

    char err[1024] = "";
    const char nul[] = "run noop\nru\0n x\n";
    const char *p = write_study("nul.study", nul, sizeof nul - 1);
    int rc = hx_study_load(p, &st, err, sizeof err);
    check(rc == -EINVAL && strstr(err, "nul.study:2: NUL byte"), "NUL: %s",
          err);
    char *big = malloc(6000);
    memset(big, 'a', 5000);
    memcpy(big, "run ", 4);
    big[5000] = '\n';
    big[5001] = 0;
    refused("long.study", big, "long.study:1: line longer than", NULL);
    free(big);
    rc = hx_study_load("/nonexistent/x.study", &st, err, sizeof err);
    check(rc == -ENOENT && strstr(err, "/nonexistent/x.study"),
          "missing file: %d %s", rc, err);
}

/* Quoted by hx_sh_quote, printed back by /bin/sh byte for byte. */
static void test_quote(void) {
    const char *nasty[] = {
        "plain",     "it's", "'",       "''",          "x; rm -rf ~",
        "$(reboot)", "`id`", "a\"b\\c", "line\nbreak", "$HOME *",
        "",          "-n",   "\\'\\''", "!event",      "tab\there",
    };
    for (size_t i = 0; i < HX_COUNT(nasty); i++) {
        char q[512], cmd[700], out[512];
        hx_sh_quote(nasty[i], q, sizeof q);
        snprintf(cmd, sizeof cmd, "printf '%%s' %s", q);
        char *argv[] = {"/bin/sh", "-c", cmd, NULL};
        int rc = hx_fleet_exec(argv, out, sizeof out);
        check(rc == 0 && strcmp(out, nasty[i]) == 0,
              "sh_quote(%s) -> %s -> sh printed '%s' (rc %d)", nasty[i], q, out,
              rc);
    }
    check(hx_sbatch_safe("/srv/results/fleet/x/20261129-101500"), "safe path");
    check(!hx_sbatch_safe("/srv/my results"), "blank is not sbatch-safe");
    check(!hx_sbatch_safe("a'b") && !hx_sbatch_safe("a$b") &&
              !hx_sbatch_safe("a\nb") && !hx_sbatch_safe(""),
          "quotes, $, newline, empty are not sbatch-safe");
}

static void test_script(void) {
    char err[2048] = "";
    const char *text = "nodes 2\nquick yes\nreps 3\n"
                       "run falseshare stride=8,128 threads=1..2\n";
    const char *p = write_study("scr.study", text, strlen(text));
    check(hx_study_load(p, &st, err, sizeof err) == 0, "scr: %s", err);
    hx_fleet_paths fp;
    snprintf(fp.mechlab, sizeof fp.mechlab, "/opt/mech lab/it's/mechlab");
    snprintf(fp.root, sizeof fp.root, "%s/results", scratch);
    snprintf(fp.dir, sizeof fp.dir, "%s/results/fleet/scr/1", scratch);
    char path[600];
    snprintf(path, sizeof path, "%s/job.sh", scratch);
    int rc = hx_fleet_write_script(&st, &fp, "n4,n5", path, err, sizeof err);
    check(rc == 0, "script: %s", err);
    char cmd[800], out[4096];
    snprintf(cmd, sizeof cmd, "bash -n '%s'", path);
    char *argv[] = {"/bin/sh", "-c", cmd, NULL};
    check(hx_fleet_exec(argv, out, sizeof out) == 0, "bash -n: %s", out);
    FILE *f = fopen(path, "r");
    char *all = calloc(1, 65536);
    if (f && all) {
        size_t n = fread(all, 1, 65535, f);
        all[n] = 0;
    }
    if (f)
        fclose(f);
    const char *want[] = {
        "#SBATCH --array=0-1\n",
        "#SBATCH --exclusive\n",
        "#SBATCH --nodes=1\n",
        "#SBATCH --exclude=n4,n5\n",
        "MECHLAB='/opt/mech lab/it'\\''s/mechlab'\n",
        ("run_exp 'falseshare' --quick --reps '3' --set 'stride=8,128' "
         "--set 'threads=1,2'"),
        "--host \"$NODE\"",
    };
    for (size_t i = 0; all && i < HX_COUNT(want); i++)
        check(strstr(all, want[i]) != NULL, "job.sh lacks: %s", want[i]);
    free(all);
    /* a results root that cannot go into #SBATCH lines: no script */
    snprintf(fp.dir, sizeof fp.dir, "%s/my results/fleet", scratch);
    snprintf(path, sizeof path, "%s/job2.sh", scratch);
    rc = hx_fleet_write_script(&st, &fp, "", path, err, sizeof err);
    struct stat sb;
    check(rc == -EINVAL && strstr(err, "#SBATCH") && stat(path, &sb) != 0,
          "blank in the fleet dir: rc %d, %s", rc, err);
}

static void test_states(void) {
    const char *text =
        "JobId=12 ArrayJobId=12 ArrayTaskId=3-5%2 JobName=mechlab-x "
        "JobState=PENDING Reason=JobArrayTaskLimit ExitCode=0:0 "
        "RunTime=00:00:00 NodeList=(null)\n"
        "JobId=13 ArrayJobId=12 ArrayTaskId=0 JobName=mechlab-x "
        "JobState=COMPLETED Reason=None ExitCode=0:0 RunTime=00:00:02 "
        "NodeList=n1\n"
        "JobId=14 ArrayJobId=12 ArrayTaskId=1 JobState=FAILED "
        "Reason=NonZeroExitCode ExitCode=1:0 NodeList=n3 ReqNodeList=n9\n"
        "JobId=15 ArrayJobId=12 ArrayTaskId=2 JobState=TIMEOUT "
        "Reason=TimeLimit ExitCode=0:15 NodeList=n2\n";
    hx_task_state s[16];
    int n = hx_slurm_parse_states(text, s, 16);
    check(n == 6, "states: %d records, want 6", n);
    int seen = 0;
    for (int i = 0; i < n; i++) {
        if (s[i].task >= 3 && s[i].task <= 5)
            seen += strcmp(s[i].state, "PENDING") == 0 && !s[i].node[0];
        if (s[i].task == 0)
            seen += strcmp(s[i].state, "COMPLETED") == 0 &&
                    strcmp(s[i].node, "n1") == 0;
        if (s[i].task == 1)
            seen += strcmp(s[i].state, "FAILED") == 0 &&
                    strcmp(s[i].node, "n3") == 0 &&
                    strcmp(s[i].exit_code, "1:0") == 0;
        if (s[i].task == 2)
            seen += strcmp(s[i].reason, "TimeLimit") == 0;
    }
    check(seen == 6, "states: %d of 6 records right", seen);
    n = hx_slurm_parse_states("JobId=7 JobState=RUNNING NodeList=n2\n", s, 4);
    check(n == 1 && s[0].task == 0 && strcmp(s[0].node, "n2") == 0,
          "a non-array job is task 0");
    check(!hx_slurm_state_final("RUNNING") && !hx_slurm_state_final("") &&
              hx_slurm_state_final("TIMEOUT"),
          "final states");
    check(hx_slurm_state_failed("NODE_FAIL") &&
              !hx_slurm_state_failed("COMPLETED") &&
              !hx_slurm_state_failed("PENDING"),
          "failed states");
}

static void test_summary(const char *fixtures) {
    hx_fleet_summary s;
    char err[1024] = "", dir[600], path[700];
    snprintf(dir, sizeof dir, "%s/run1", scratch);
    mkdir(dir, 0777);
    snprintf(path, sizeof path, "cp '%s/summary_noop.json' '%s/summary.json'",
             fixtures, dir);
    char *argv[] = {"/bin/sh", "-c", path, NULL};
    char out[512];
    check(hx_fleet_exec(argv, out, sizeof out) == 0, "copy fixture: %s", out);
    int rc = hx_fleet_summary_read(dir, &s, err, sizeof err);
    check(rc == 0, "fixture: %s", err);
    check(strcmp(s.experiment, "noop") == 0 &&
              strcmp(s.machine, "intel-xeon-2c") == 0 &&
              strcmp(s.host, "n1") == 0 && strcmp(s.verdict, "holds") == 0,
          "fixture identity: %s %s %s %s", s.experiment, s.machine, s.host,
          s.verdict);
    check(s.nhead == 3, "headlines: %d, want 3 (the keyless one skipped)",
          s.nhead);
    check(strcmp(s.head[0].key, "loop_ns") == 0 && s.head[0].value == 0.433 &&
              s.head[0].ci_lo == 0.431 && s.head[0].ci_hi == 0.436 &&
              strcmp(s.head[0].unit, "ns") == 0,
          "headline 0");
    check(s.head[1].value == 2.32 && isnan(s.head[1].ci_lo) &&
              isnan(s.head[1].ci_hi),
          "headline 1: null CI is NAN");
    check(isnan(s.head[2].value), "headline 2: null value is NAN");

    hx_fleet_figure a = {.value = 1, .ci_lo = 0.9, .ci_hi = 1.1};
    hx_fleet_figure b = {.value = 2, .ci_lo = 1.8, .ci_hi = 2.2};
    hx_fleet_figure c = {.value = 1.05, .ci_lo = 1.0, .ci_hi = 1.9};
    hx_fleet_figure d = {.value = 5, .ci_lo = NAN, .ci_hi = NAN};
    check(hx_figure_differ(&a, &b) && hx_figure_differ(&b, &a),
          "disjoint CIs differ");
    check(!hx_figure_differ(&a, &c) && !hx_figure_differ(&c, &b),
          "overlapping CIs do not differ");
    check(!hx_figure_differ(&a, &d), "no CI: never flagged");

    snprintf(dir, sizeof dir, "%s/run2", scratch);
    mkdir(dir, 0777);
    snprintf(path, sizeof path, "%s/summary.json", dir);
    FILE *f = fopen(path, "w");
    if (f) {
        fputs("{\"schema\": \"mechlab.summary/2\", \"headlines\": []}", f);
        fclose(f);
    }
    rc = hx_fleet_summary_read(dir, &s, err, sizeof err);
    check(rc == -EINVAL && strstr(err, "mechlab.summary/2"),
          "other schema: %d %s", rc, err);
    snprintf(dir, sizeof dir, "%s/run3", scratch);
    mkdir(dir, 0777);
    rc = hx_fleet_summary_read(dir, &s, err, sizeof err);
    check(rc == -ENOENT && strstr(err, "no summary.json"), "absent: %d %s", rc,
          err);
}

int main(int argc, char **argv) {
    const char *fixtures = argc > 1 ? argv[1] : "tests/fixtures";
    snprintf(scratch, sizeof scratch, "/tmp/test_fleet.XXXXXX");
    if (!mkdtemp(scratch)) {
        perror("mkdtemp");
        return 1;
    }
    test_good();
    test_bad();
    test_quote();
    test_script();
    test_states();
    test_summary(fixtures);
    char cmd[300];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", scratch);
    if (system(cmd) != 0)
        fprintf(stderr, "could not remove %s\n", scratch);
    printf("%d passed, %d failed\n", passed, failed);
    return failed ? 1 : 0;
}
