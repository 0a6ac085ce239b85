/*
 * context.c - the machine's fingerprint, written into every run's
 * context.json, and the one-line description used in plot titles.
 *
 * A result is only worth what its context says about where it came from:
 * DESIGN.md ("Context recorded with every run") lists what a reader needs
 * to trust or compare one. hx_context_machine() gathers the machine part
 * of it into one JSON object; the run settings and Google Benchmark's own
 * context are added by the run (output.c).
 *
 * The rule: a field that cannot be read is the string "unknown", never a
 * plausible default. Numbers that are unknown become "unknown" as well, so
 * a reader must check the type: a cache's line of 0 and associativity of 0
 * (hwloc's "unknown") are written "unknown", a fully associative cache is
 * "full". The only other strings standing for a state are "absent" (no
 * cpufreq governor: typical in VMs) and "none" (no hypervisor found).
 *
 * The object (keys in this order):
 *   cpu            {vendor, family, model, stepping, name, short_name,
 *                  cpuinfo_name}: name is hwloc's CPUModel as reported;
 *                  cpuinfo_name is the kernel's /proc/cpuinfo "model name",
 *                  which can differ on a VM (it is read once at boot)
 *   machine        hx_topo_machine_name(), the results directory's name
 *   cores, pus, smt, packages, numa_nodes   the usable part (see topo.c)
 *   pu_order       the OS index of the PU each worker thread is pinned to
 *   caches         [{level, type ("data"/"unified"), size, line, assoc,
 *                  shared_pus}] as hwloc reports them (VMs may invent them)
 *   line_size, page_size, huge_page_size, mem_total     bytes
 *   kernel         {sysname, release, version, machine} from uname(2)
 *   thp            {enabled, defrag}: the bracketed choice in
 *                  /sys/kernel/mm/transparent_hugepage/{enabled,defrag}
 *   governor       cpu0's cpufreq scaling_governor, or "absent"
 *   perf_event_paranoid   integer from /proc/sys/kernel
 *   virtualization {hypervisor, cpuid_bit, cpuid_vendor, dmi_vendor,
 *                  dmi_product}: hypervisor is named from cpuid leaf
 *                  0x40000000 when CPUID.1:ECX bit 31 is set, else from a
 *                  DMI vendor/product a hypervisor is known to use, else
 *                  "none" (x86) or "unknown" (elsewhere, no cpuid to ask)
 *   compiler, flags, build_type   from the hx target's compile definitions
 *   git            {revision, dirty}: `git rev-parse HEAD` and whether
 *                  `git status --porcelain` lists anything, in the source
 *                  tree the build came from
 *   counters       [{event, available, backend, reason}] of the plan
 *                  (empty when none is given)
 *   loadavg        {"1min", "5min", "15min"} from /proc/loadavg
 *   date           UTC, ISO 8601, e.g. 2024-05-01T12:34:56Z
 *   hostname
 *
 * git is asked with --no-optional-locks, so recording a run never takes
 * .git/index.lock from under someone committing.
 *
 * hx_context_oneline() is short enough for a plot title:
 * "AMD EPYC 7763 (64 cores/128 PUs, L1d 32 KiB, L2 512 KiB, L3 32 MiB,
 * 64 B lines, Linux 6.1.0-18-amd64)": the line size is the one the
 * homework questions rely on; a cache size no real cache has (topo.h,
 * hx_topo_cache_unlikely) carries a '?', and hx_context_cache_note()
 * says in a sentence that it is hwloc's report, likely synthetic.
 */
#define _GNU_SOURCE
#include "context.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>
#include <time.h>
#include <unistd.h>

#if defined(__x86_64__) || defined(__i386__)
#include <cpuid.h>
#define HX_HAVE_CPUID 1
#endif

#include "points.h"
#include "topo.h"

#ifdef MECHLAB_C_COMPILER
#define HX_COMPILER MECHLAB_C_COMPILER
#else
#define HX_COMPILER "unknown"
#endif
#ifdef MECHLAB_C_FLAGS
#define HX_FLAGS MECHLAB_C_FLAGS
#else
#define HX_FLAGS "unknown"
#endif
#ifdef MECHLAB_BUILD_TYPE
#define HX_BUILD_TYPE MECHLAB_BUILD_TYPE
#else
#define HX_BUILD_TYPE "unknown"
#endif

/* ---- helpers ------------------------------------------------------------ */

static json_t *unknown(void) {
    return json_string("unknown");
}

static json_t *int_or_unknown(long long v, bool known) {
    return known ? json_integer(v) : unknown();
}

/* A JSON string of s, with any byte that is not printable ASCII replaced
 * by '?' when s is not valid UTF-8 (jansson refuses it; a VM's DMI or
 * brand string may hold anything). */
static json_t *safe_string(const char *s) {
    json_t *j = json_string(s);
    if (j != NULL)
        return j;
    char buf[512];
    size_t n = 0;
    for (; s[n] != '\0' && n < sizeof buf - 1; n++)
        buf[n] = (s[n] >= 0x20 && s[n] < 0x7f) ? s[n] : '?';
    buf[n] = '\0';
    return json_string(buf);
}

/* A string, or "unknown" when NULL or blank. */
static json_t *str_or_unknown(const char *s) {
    if (s == NULL)
        return unknown();
    const char *p = s;
    while (*p == ' ' || *p == '\t' || *p == '\n')
        p++;
    return *p != '\0' ? safe_string(s) : unknown();
}

static void trim(char *s) {
    size_t n = strlen(s);
    while (n > 0 && (s[n - 1] == '\n' || s[n - 1] == ' ' || s[n - 1] == '\t'))
        s[--n] = '\0';
    size_t k = strspn(s, " \t");
    if (k > 0)
        memmove(s, s + k, n - k + 1);
}

/* The first line of a file, trimmed; false if it cannot be read. */
static bool read_line(const char *path, char *buf, size_t len) {
    FILE *f = fopen(path, "r");
    if (f == NULL)
        return false;
    bool ok = fgets(buf, (int)len, f) != NULL;
    fclose(f);
    if (ok)
        trim(buf);
    return ok;
}

/* "always [madvise] never" -> "madvise" */
static json_t *bracketed(const char *path) {
    char buf[256];
    if (!read_line(path, buf, sizeof buf))
        return unknown();
    char *a = strchr(buf, '['), *b = a != NULL ? strchr(a, ']') : NULL;
    if (b == NULL || b == a + 1)
        return unknown();
    *b = '\0';
    return safe_string(a + 1);
}

/* /proc/cpuinfo's first "model name" (absent on some architectures). */
static json_t *cpuinfo_name(void) {
    FILE *f = fopen("/proc/cpuinfo", "r");
    if (f == NULL)
        return unknown();
    char line[512];
    json_t *v = NULL;
    while (v == NULL && fgets(line, sizeof line, f) != NULL) {
        if (strncmp(line, "model name", 10) != 0)
            continue;
        char *colon = strchr(line, ':');
        if (colon == NULL)
            continue;
        trim(colon + 1);
        v = str_or_unknown(colon + 1);
    }
    fclose(f);
    return v != NULL ? v : unknown();
}

/* ---- sections ----------------------------------------------------------- */

static json_t *cpu_section(const hx_topo *t) {
    char name[256];
    hx_topo_cpu_name(t, name, sizeof name);
    return json_pack(
        "{s:o, s:o, s:o, s:o, s:o, s:o, s:o}", "vendor",
        str_or_unknown(strcmp(t->cpu_vendor, "") ? t->cpu_vendor : NULL),
        "family", int_or_unknown(t->cpu_family, t->cpu_family >= 0), "model",
        int_or_unknown(t->cpu_model_num, t->cpu_model_num >= 0), "stepping",
        int_or_unknown(t->cpu_stepping, t->cpu_stepping >= 0), "name",
        str_or_unknown(t->cpu_model), "short_name", str_or_unknown(name),
        "cpuinfo_name", cpuinfo_name());
}

static json_t *caches_section(const hx_topo *t) {
    json_t *a = json_array();
    for (int i = 0; i < t->ncaches && i < HX_MAX_CACHES; i++) {
        const hx_cache *c = &t->caches[i];
        json_t *assoc = c->assoc > 0   ? json_integer(c->assoc)
                        : c->assoc < 0 ? json_string("full")
                                       : unknown();
        json_array_append_new(
            a, json_pack("{s:i, s:s, s:I, s:o, s:o, s:i}", "level", c->level,
                         "type", c->type == 'd' ? "data" : "unified", "size",
                         (json_int_t)c->size, "line",
                         int_or_unknown(c->line, c->line != 0), "assoc", assoc,
                         "shared_pus", c->shared_pus));
    }
    return a;
}

static json_t *kernel_section(void) {
    struct utsname u;
    if (uname(&u) != 0)
        return json_pack("{s:o, s:o, s:o, s:o}", "sysname", unknown(),
                         "release", unknown(), "version", unknown(), "machine",
                         unknown());
    return json_pack(
        "{s:o, s:o, s:o, s:o}", "sysname", str_or_unknown(u.sysname), "release",
        str_or_unknown(u.release), "version", str_or_unknown(u.version),
        "machine", str_or_unknown(u.machine));
}

static json_t *governor(void) {
    char buf[128];
    if (!read_line("/sys/devices/system/cpu/cpu0/cpufreq/scaling_governor", buf,
                   sizeof buf))
        return json_string("absent");
    return str_or_unknown(buf);
}

static json_t *paranoid(void) {
    char buf[64], *end;
    if (!read_line("/proc/sys/kernel/perf_event_paranoid", buf, sizeof buf))
        return unknown();
    long v = strtol(buf, &end, 10);
    return end != buf ? json_integer(v) : unknown();
}

/* Names of the hypervisors by their cpuid leaf 0x40000000 signature. */
static const char *hypervisor_by_cpuid(const char *sig) {
    static const struct {
        const char *sig, *name;
    } known[] = {
        {"KVMKVMKVM", "kvm"},           {"Microsoft Hv", "hyper-v"},
        {"VMwareVMware", "vmware"},     {"XenVMMXenVMM", "xen"},
        {"bhyve bhyve", "bhyve"},       {"TCGTCGTCGTCG", "qemu-tcg"},
        {"lrpepyh  vr", "parallels"},   {"ACRNACRNACRN", "acrn"},
        {"VBoxVBoxVBox", "virtualbox"}, {"QNXQVMBSQG", "qnx"},
    };
    for (size_t i = 0; i < sizeof known / sizeof known[0]; i++)
        if (strcmp(sig, known[i].sig) == 0)
            return known[i].name;
    return sig; /* an unlisted one: its own signature */
}

/* DMI strings hypervisors are known to present; NULL if none matches. */
static const char *hypervisor_by_dmi(const char *vendor, const char *product) {
    static const struct {
        const char *needle, *name;
    } known[] = {
        {"QEMU", "qemu"},
        {"KVM", "kvm"},
        {"VMware", "vmware"},
        {"VirtualBox", "virtualbox"},
        {"innotek", "virtualbox"},
        {"Xen", "xen"},
        {"Bochs", "bochs"},
        {"Amazon EC2", "amazon-ec2"},
        {"Google Compute Engine", "google-compute-engine"},
        {"Virtual Machine", "hyper-v"},
        {"BHYVE", "bhyve"},
        {"Parallels", "parallels"},
    };
    for (size_t i = 0; i < sizeof known / sizeof known[0]; i++)
        if (strstr(vendor, known[i].needle) != NULL ||
            strstr(product, known[i].needle) != NULL)
            return known[i].name;
    return NULL;
}

static json_t *virtualization_section(void) {
    char dmiv[128] = "", dmip[128] = "";
    bool hv = read_line("/sys/class/dmi/id/sys_vendor", dmiv, sizeof dmiv);
    bool hp = read_line("/sys/class/dmi/id/product_name", dmip, sizeof dmip);
    const char *by_dmi = hypervisor_by_dmi(dmiv, dmip);
    const char *name;
    json_t *bit, *vendor;
#ifdef HX_HAVE_CPUID
    char sig[13] = "";
    unsigned a, b, c, d;
    bool set = __get_cpuid(1, &a, &b, &c, &d) && ((c >> 31) & 1);
    bit = json_boolean(set);
    if (set) {
        /* leaf 0x40000000 is the hypervisor's: __get_cpuid would refuse it
         * (it checks the basic maximum leaf), so ask directly */
        __cpuid(0x40000000, a, b, c, d);
        memcpy(sig, &b, 4);
        memcpy(sig + 4, &c, 4);
        memcpy(sig + 8, &d, 4);
        sig[12] = '\0';
        trim(sig);
        vendor = str_or_unknown(sig);
        name = sig[0] != '\0'   ? hypervisor_by_cpuid(sig)
               : by_dmi != NULL ? by_dmi
                                : "unknown";
    } else {
        vendor = json_string("none");
        name = by_dmi != NULL ? by_dmi : "none";
    }
#else
    bit = unknown();
    vendor = unknown();
    name = by_dmi != NULL ? by_dmi : "unknown";
#endif
    return json_pack("{s:o, s:o, s:o, s:o, s:o}", "hypervisor",
                     safe_string(name), "cpuid_bit", bit, "cpuid_vendor",
                     vendor, "dmi_vendor",
                     hv ? str_or_unknown(dmiv) : unknown(), "dmi_product",
                     hp ? str_or_unknown(dmip) : unknown());
}

/* Runs a command, returns its first output line in buf and whether it
 * exited 0; *any says whether it printed anything at all. */
static bool run_cmd(const char *cmd, char *buf, size_t len, bool *any) {
    FILE *p = popen(cmd, "r");
    if (p == NULL)
        return false;
    buf[0] = '\0';
    bool first = fgets(buf, (int)len, p) != NULL;
    char sink[256];
    while (fgets(sink, sizeof sink, p) != NULL)
        ;
    int st = pclose(p);
    trim(buf);
    if (any != NULL)
        *any = first;
    return st == 0;
}

static json_t *git_section(void) {
#ifdef MECHLAB_SOURCE_DIR
    /* The source directory, single-quoted for the shell. */
    char q[1024];
    size_t o = 0;
    q[o++] = '\'';
    for (const char *s = MECHLAB_SOURCE_DIR; *s && o < sizeof q - 6; s++) {
        if (*s == '\'') {
            memcpy(q + o, "'\\''", 4);
            o += 4;
        } else {
            q[o++] = *s;
        }
    }
    q[o++] = '\'';
    q[o] = '\0';

    char cmd[1200], rev[128], line[256];
    bool any = false;
    snprintf(cmd, sizeof cmd,
             "git --no-optional-locks -C %s rev-parse HEAD 2>/dev/null", q);
    bool have_rev = run_cmd(cmd, rev, sizeof rev, NULL) && rev[0] != '\0';
    snprintf(cmd, sizeof cmd,
             "git --no-optional-locks -C %s status --porcelain 2>/dev/null", q);
    bool have_dirty = have_rev && run_cmd(cmd, line, sizeof line, &any);
    return json_pack("{s:o, s:o}", "revision",
                     have_rev ? safe_string(rev) : unknown(), "dirty",
                     have_dirty ? json_boolean(any) : unknown());
#else
    return json_pack("{s:o, s:o}", "revision", unknown(), "dirty", unknown());
#endif
}

static json_t *counters_section(const hx_counters *c) {
    json_t *a = json_array();
    size_t n = c != NULL ? hx_counters_count(c) : 0;
    for (size_t i = 0; i < n; i++) {
        bool avail = hx_counters_available(c, i);
        json_array_append_new(
            a, json_pack("{s:o, s:b, s:s, s:o}", "event",
                         str_or_unknown(hx_counters_name(c, i)), "available",
                         avail, "backend",
                         hx_backend_name(avail ? hx_counters_backend(c, i)
                                               : HX_BACKEND_NONE),
                         "reason",
                         safe_string(hx_counters_reason(c, i) != NULL
                                         ? hx_counters_reason(c, i)
                                         : "")));
    }
    return a;
}

static json_t *loadavg_section(void) {
    double l1, l5, l15;
    FILE *f = fopen("/proc/loadavg", "r");
    bool ok = f != NULL && fscanf(f, "%lf %lf %lf", &l1, &l5, &l15) == 3;
    if (f != NULL)
        fclose(f);
    if (!ok)
        return json_pack("{s:o, s:o, s:o}", "1min", unknown(), "5min",
                         unknown(), "15min", unknown());
    return json_pack("{s:f, s:f, s:f}", "1min", l1, "5min", l5, "15min", l15);
}

static json_t *date_now(void) {
    time_t now = time(NULL);
    struct tm tm;
    char buf[32];
    if (now == (time_t)-1 || gmtime_r(&now, &tm) == NULL ||
        strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm) == 0)
        return unknown();
    return json_string(buf);
}

static json_t *hostname(void) {
    char buf[256];
    if (gethostname(buf, sizeof buf) != 0)
        return unknown();
    buf[sizeof buf - 1] = '\0';
    return str_or_unknown(buf);
}

/* ---- the object --------------------------------------------------------- */

json_t *hx_context_machine(const hx_topo *t, const hx_counters *c) {
    json_t *o = json_object();
    char name[128];
    hx_topo_machine_name(t, name, sizeof name);

    json_t *order = json_array();
    for (int i = 0; i < t->pus && i < (int)(sizeof t->pu_order / sizeof(int));
         i++)
        json_array_append_new(order, json_integer(t->pu_order[i]));

    json_object_set_new(o, "cpu", cpu_section(t));
    json_object_set_new(o, "machine", safe_string(name));
    json_object_set_new(o, "cores", json_integer(t->cores));
    json_object_set_new(o, "pus", json_integer(t->pus));
    json_object_set_new(o, "smt", json_boolean(t->smt));
    json_object_set_new(o, "packages", json_integer(t->packages));
    json_object_set_new(o, "numa_nodes", json_integer(t->numa_nodes));
    json_object_set_new(o, "pu_order", order);
    json_object_set_new(o, "caches", caches_section(t));
    json_object_set_new(o, "line_size", json_integer(t->line_size));
    json_object_set_new(
        o, "page_size",
        int_or_unknown((long long)t->page_size, t->page_size != 0));
    json_object_set_new(
        o, "huge_page_size",
        int_or_unknown((long long)t->huge_page_size, t->huge_page_size != 0));
    json_object_set_new(
        o, "mem_total",
        int_or_unknown((long long)t->mem_total, t->mem_total != 0));
    json_object_set_new(o, "kernel", kernel_section());
    json_object_set_new(
        o, "thp",
        json_pack("{s:o, s:o}", "enabled",
                  bracketed("/sys/kernel/mm/transparent_hugepage/enabled"),
                  "defrag",
                  bracketed("/sys/kernel/mm/transparent_hugepage/defrag")));
    json_object_set_new(o, "governor", governor());
    json_object_set_new(o, "perf_event_paranoid", paranoid());
    json_object_set_new(o, "virtualization", virtualization_section());
    json_object_set_new(o, "compiler", str_or_unknown(HX_COMPILER));
    char flags[512];
    snprintf(flags, sizeof flags, "%s", HX_FLAGS);
    trim(flags); /* CMake's "${CMAKE_C_FLAGS} ${...}" may start blank */
    json_object_set_new(o, "flags", str_or_unknown(flags));
    json_object_set_new(o, "build_type", str_or_unknown(HX_BUILD_TYPE));
    json_object_set_new(o, "git", git_section());
    json_object_set_new(o, "counters", counters_section(c));
    json_object_set_new(o, "loadavg", loadavg_section());
    json_object_set_new(o, "date", date_now());
    json_object_set_new(o, "hostname", hostname());
    return o;
}

void hx_context_oneline(const hx_topo *t, char *buf, size_t len) {
    if (len == 0)
        return;
    char name[128], caches[320] = "", kernel[160] = "";
    hx_topo_cpu_name(t, name, sizeof name);
    size_t o = 0;
    /* the line size when the caches are known (line_size defaults to 64) */
    unsigned line = t->ncaches > 0 ? (unsigned)t->line_size : 0;
    for (int i = 0; i < t->ncaches && i < HX_MAX_CACHES && o < sizeof caches;
         i++) {
        const hx_cache *c = &t->caches[i];
        char size[32];
        hx_points_format_bytes(c->size, size, sizeof size);
        /* a size no real cache has is hwloc's report, not a fact */
        o += (size_t)snprintf(caches + o, sizeof caches - o, ", L%d%s %s%s",
                              c->level, c->type == 'd' ? "d" : "", size,
                              hx_topo_cache_unlikely(c) ? "?" : "");
        if (!line && c->line)
            line = c->line;
    }
    if (line && o < sizeof caches) /* the homework's "line size" */
        snprintf(caches + o, sizeof caches - o, ", %u B lines", line);
    struct utsname u;
    if (uname(&u) == 0)
        snprintf(kernel, sizeof kernel, ", %s %s", u.sysname, u.release);
    char sockets[32] = "";
    if (t->packages > 1)
        snprintf(sockets, sizeof sockets, ", %d sockets", t->packages);
    snprintf(buf, len, "%s (%d cores/%d PUs%s%s%s)", name, t->cores, t->pus,
             sockets, caches, kernel);
}

void hx_context_cache_note(const hx_topo *t, char *buf, size_t len) {
    if (len == 0)
        return;
    buf[0] = 0;
    size_t o = 0;
    for (int i = 0; i < t->ncaches && i < HX_MAX_CACHES && o < len; i++) {
        const hx_cache *c = &t->caches[i];
        if (!hx_topo_cache_unlikely(c))
            continue;
        char size[32];
        hx_points_format_bytes(c->size, size, sizeof size);
        o += (size_t)snprintf(buf + o, len - o, "%sL%d %s", o ? ", " : "",
                              c->level, size);
    }
    if (buf[0] && o < len)
        snprintf(buf + o, len - o,
                 "?: what hwloc reports, more per PU than any real cache "
                 "holds, so likely synthetic (a VM's); the staircase "
                 "experiment measures the real sizes");
}
