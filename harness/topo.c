/*
 * topo.c - the machine's topology from hwloc, and thread placement.
 *
 * What it fills
 * -------------
 * hx_topo_load() loads one hwloc topology and describes the part of the
 * machine this process may use: the PUs allowed by the cgroup cpuset
 * (hwloc's allowed set) intersected with the process's CPU binding
 * (taskset, sched_setaffinity). Cores, packages and NUMA nodes are those
 * holding at least one usable PU; smt means some core has more than one
 * usable PU. So `taskset -c 0` on a 16-core machine gives a 1-core topology,
 * and the sweep points derived from it never over-subscribe what we have.
 *
 * Caches are the data and unified caches of levels 1..5 (instruction caches
 * are not listed), one entry per level, ascending, taken from the first
 * instance (in hwloc's logical order) that covers a usable PU: on hybrid
 * parts with different cores that is the first usable core's cache.
 * shared_pus counts every PU hwloc shows under that instance, usable or not,
 * since it describes the hardware. A level whose size hwloc does not know
 * (0) is left out rather than recorded as a zero-byte cache. Sizes are
 * recorded as hwloc reports them, even when a VM invents them (this
 * development VM claims a 508 MiB L3 per core): the staircase experiment
 * measures the truth, and the context says what was claimed.
 *
 * The CPU's vendor, family, model number, stepping and name come from the
 * package's hwloc info attributes (CPUVendor, CPUFamilyNumber,
 * CPUModelNumber, CPUStepping, CPUModel; the x86 backend reads them with
 * cpuid), else from /proc/cpuinfo. Strings that cannot be read are
 * "unknown" and numbers -1: nothing is guessed. Note that the two sources
 * can disagree on a VM (the kernel reads the brand string once at boot);
 * hwloc's is the one recorded here and /proc/cpuinfo's is added to the
 * context by context.c.
 *
 * Placement
 * ---------
 * pu_order lists the usable PUs in the order worker threads take them: the
 * first PU of every core (cores in logical order, so packages fill one after
 * the other), then the second PU of every core, and so on. Worker i runs on
 * pu_order[i % pus]: up to the core count, no two workers share a core.
 *
 * State and locking
 * -----------------
 * One hwloc topology is kept for the life of the process, with the hx_topo
 * made from it, in static state guarded by topo_lock. hx_topo_load() loads
 * them on its first call and copies the cached description on every later
 * one, so it is idempotent, cheap and thread-safe; call it before any
 * thread pins itself, because the process binding it reads is the union of
 * its threads' bindings at that moment. hx_topo_pin() takes the lock only to
 * fetch the loaded topology: hwloc allows binding calls on a loaded
 * topology from many threads at once.
 *
 * Machine names
 * -------------
 * hx_topo_machine_name() gives "<vendor>-<model>-<N>c" with N the usable
 * core count, lower case, [a-z0-9-]: the model without the trademark
 * marks, "CPU", "Processor", "N-Core", the frequency after '@' and the
 * "with Radeon Graphics" tail; the vendor word is prefixed unless the model
 * already names it. "Intel(R) Xeon(R) Platinum 8480+" on 16 cores gives
 * "intel-xeon-platinum-8480-16c". hx_topo_cpu_name() gives the same cleaned
 * name for people: "Intel Xeon Platinum 8480+".
 *
 * Rejected: hwloc's HWLOC_TOPOLOGY_FLAG_RESTRICT_TO_CPUBINDING, which would
 * also shrink the caches' PU sets to the binding and so misreport sharing.
 */
#define _GNU_SOURCE
#include "topo.h"

#include <ctype.h>
#include <errno.h>
#include <hwloc.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#define HX_PU_MAX ((int)(sizeof(((hx_topo *)0)->pu_order) / sizeof(int)))

static pthread_mutex_t topo_lock = PTHREAD_MUTEX_INITIALIZER;
static hwloc_topology_t topo_hw; /* guarded by topo_lock; read-only once set */
static hx_topo topo_desc;        /* guarded by topo_lock */
static int topo_state;           /* guarded by topo_lock: 0 not loaded, 1 ok,
                                    <0 the errno of the failed load */

/* ---- small readers ------------------------------------------------------ */

static void copy_trimmed(char *dst, size_t len, const char *src) {
    while (isspace((unsigned char)*src))
        src++;
    size_t n = strlen(src);
    while (n > 0 && isspace((unsigned char)src[n - 1]))
        n--;
    if (n >= len)
        n = len - 1;
    memcpy(dst, src, n);
    dst[n] = '\0';
}

/* The value of "key : value" in /proc/cpuinfo's first block, or false. */
static bool cpuinfo_value(const char *key, char *out, size_t len) {
    FILE *f = fopen("/proc/cpuinfo", "r");
    if (f == NULL)
        return false;
    char line[512];
    bool found = false;
    size_t klen = strlen(key);
    while (fgets(line, sizeof line, f) != NULL) {
        if (line[0] == '\n')
            break; /* end of the first processor's block */
        if (strncmp(line, key, klen) != 0)
            continue;
        const char *p = line + klen;
        while (*p == ' ' || *p == '\t')
            p++;
        if (*p != ':')
            continue;
        copy_trimmed(out, len, p + 1);
        found = true;
        break;
    }
    fclose(f);
    return found;
}

static int cpuinfo_int(const char *key) {
    char buf[64];
    if (!cpuinfo_value(key, buf, sizeof buf))
        return -1;
    char *end;
    long v = strtol(buf, &end, 0);
    return end == buf ? -1 : (int)v;
}

/* First unsigned number in a file, or 0. */
static uint64_t file_u64(const char *path) {
    FILE *f = fopen(path, "r");
    if (f == NULL)
        return 0;
    unsigned long long v = 0;
    if (fscanf(f, "%llu", &v) != 1)
        v = 0;
    fclose(f);
    return v;
}

/* A "Key:   N kB" line of /proc/meminfo in bytes, or 0. */
static uint64_t meminfo_bytes(const char *key) {
    FILE *f = fopen("/proc/meminfo", "r");
    if (f == NULL)
        return 0;
    char line[256];
    size_t klen = strlen(key);
    uint64_t v = 0;
    while (fgets(line, sizeof line, f) != NULL) {
        unsigned long long n;
        if (strncmp(line, key, klen) == 0 && line[klen] == ':' &&
            sscanf(line + klen + 1, "%llu", &n) == 1) {
            v = (uint64_t)n * (strstr(line, "kB") != NULL ? 1024 : 1);
            break;
        }
    }
    fclose(f);
    return v;
}

/* The smallest memory limit set on our cgroup or its ancestors, v1 or v2;
 * UINT64_MAX when none is set or none can be read. */
static uint64_t cgroup_mem_limit(void) {
    FILE *f = fopen("/proc/self/cgroup", "r");
    if (f == NULL)
        return UINT64_MAX;
    uint64_t best = UINT64_MAX;
    char line[1024];
    while (fgets(line, sizeof line, f) != NULL) {
        line[strcspn(line, "\n")] = '\0';
        char *c1 = strchr(line, ':');
        char *c2 = c1 != NULL ? strchr(c1 + 1, ':') : NULL;
        if (c2 == NULL)
            continue;
        *c1 = *c2 = '\0';
        const char *ctrl = c1 + 1, *path = c2 + 1;
        const char *roots[2], *file;
        int nroots;
        if (strcmp(line, "0") == 0 && *ctrl == '\0') {
            roots[0] = "/sys/fs/cgroup";
            roots[1] = "/sys/fs/cgroup/unified";
            nroots = 2;
            file = "memory.max";
        } else if (strstr(ctrl, "memory") != NULL) {
            roots[0] = "/sys/fs/cgroup/memory";
            nroots = 1;
            file = "memory.limit_in_bytes";
        } else {
            continue;
        }
        /* Walk from our cgroup up to the root: every ancestor limits us. */
        char dir[1024];
        snprintf(dir, sizeof dir, "%s", path);
        for (;;) {
            for (int r = 0; r < nroots; r++) {
                char p[1200];
                snprintf(p, sizeof p, "%s%s/%s", roots[r],
                         strcmp(dir, "/") == 0 ? "" : dir, file);
                uint64_t v = file_u64(p); /* "max" reads as 0: no limit */
                if (v != 0 && v < best)
                    best = v;
            }
            char *slash = strrchr(dir, '/');
            if (slash == NULL || strcmp(dir, "/") == 0)
                break;
            if (slash == dir)
                strcpy(dir, "/");
            else
                *slash = '\0';
        }
    }
    fclose(f);
    return best;
}

/* ---- CPU identity ------------------------------------------------------- */

static void cpu_identity(hwloc_topology_t hw, hx_topo *t) {
    snprintf(t->cpu_vendor, sizeof t->cpu_vendor, "unknown");
    snprintf(t->cpu_model, sizeof t->cpu_model, "unknown");
    t->cpu_family = t->cpu_model_num = t->cpu_stepping = -1;

    hwloc_obj_t pkg = hwloc_get_obj_by_type(hw, HWLOC_OBJ_PACKAGE, 0);
    if (pkg == NULL)
        pkg = hwloc_get_root_obj(hw);
    const char *s;
    if ((s = hwloc_obj_get_info_by_name(pkg, "CPUVendor")) != NULL && *s)
        copy_trimmed(t->cpu_vendor, sizeof t->cpu_vendor, s);
    if ((s = hwloc_obj_get_info_by_name(pkg, "CPUModel")) != NULL && *s)
        copy_trimmed(t->cpu_model, sizeof t->cpu_model, s);
    if ((s = hwloc_obj_get_info_by_name(pkg, "CPUFamilyNumber")) != NULL)
        t->cpu_family = atoi(s);
    if ((s = hwloc_obj_get_info_by_name(pkg, "CPUModelNumber")) != NULL)
        t->cpu_model_num = atoi(s);
    if ((s = hwloc_obj_get_info_by_name(pkg, "CPUStepping")) != NULL)
        t->cpu_stepping = atoi(s);

    /* Fill the gaps from the kernel's view. */
    if (strcmp(t->cpu_vendor, "unknown") == 0)
        cpuinfo_value("vendor_id", t->cpu_vendor, sizeof t->cpu_vendor);
    if (strcmp(t->cpu_model, "unknown") == 0)
        cpuinfo_value("model name", t->cpu_model, sizeof t->cpu_model);
    if (t->cpu_family < 0)
        t->cpu_family = cpuinfo_int("cpu family");
    if (t->cpu_model_num < 0)
        t->cpu_model_num = cpuinfo_int("model");
    if (t->cpu_stepping < 0)
        t->cpu_stepping = cpuinfo_int("stepping");
}

/* ---- loading ------------------------------------------------------------ */

static int count_covering(hwloc_topology_t hw, hwloc_obj_type_t type,
                          hwloc_const_cpuset_t mask) {
    int n = 0, all = hwloc_get_nbobjs_by_type(hw, type);
    for (int i = 0; i < all; i++) {
        hwloc_obj_t o = hwloc_get_obj_by_type(hw, type, (unsigned)i);
        if (o->cpuset != NULL && hwloc_bitmap_intersects(o->cpuset, mask))
            n++;
    }
    return n;
}

static void fill_caches(hwloc_topology_t hw, hwloc_const_cpuset_t mask,
                        hx_topo *t) {
    static const hwloc_obj_type_t types[] = {
        HWLOC_OBJ_L1CACHE, HWLOC_OBJ_L2CACHE, HWLOC_OBJ_L3CACHE,
        HWLOC_OBJ_L4CACHE, HWLOC_OBJ_L5CACHE};
    t->ncaches = 0;
    for (int l = 0; l < 5 && t->ncaches < HX_MAX_CACHES; l++) {
        int n = hwloc_get_nbobjs_by_type(hw, types[l]);
        for (int i = 0; i < n; i++) {
            hwloc_obj_t o = hwloc_get_obj_by_type(hw, types[l], (unsigned)i);
            if (!hwloc_bitmap_intersects(o->cpuset, mask))
                continue;
            const struct hwloc_cache_attr_s *a = &o->attr->cache;
            if (a->size == 0 || a->type == HWLOC_OBJ_CACHE_INSTRUCTION)
                break;
            hx_cache *c = &t->caches[t->ncaches++];
            c->level = l + 1;
            c->type = a->type == HWLOC_OBJ_CACHE_DATA ? 'd' : 'u';
            c->size = a->size;
            c->line = a->linesize;
            c->assoc = a->associativity;
            c->shared_pus = hwloc_bitmap_weight(o->cpuset);
            break;
        }
    }
    const hx_cache *l1 = hx_topo_cache(t, 1);
    t->line_size = l1 != NULL && l1->line != 0 ? l1->line : 64;
}

/* Cores with their usable PUs, and the placement order. */
static void fill_cores(hwloc_topology_t hw, hwloc_const_cpuset_t mask,
                       hx_topo *t) {
    int ncore = hwloc_get_nbobjs_by_type(hw, HWLOC_OBJ_CORE);
    bool by_pu = ncore <= 0; /* no Core objects: every PU is its own core */
    hwloc_obj_type_t unit = by_pu ? HWLOC_OBJ_PU : HWLOC_OBJ_CORE;
    int nunit = hwloc_get_nbobjs_by_type(hw, unit);
    int pus = 0, cores = 0, maxper = 0;

    /* Round r places the r-th usable PU of every core. */
    for (int round = 0; round == 0 || round < maxper; round++) {
        for (int i = 0; i < nunit && pus < HX_PU_MAX; i++) {
            hwloc_obj_t u = hwloc_get_obj_by_type(hw, unit, (unsigned)i);
            int k = 0, id;
            hwloc_bitmap_foreach_begin(id, u->cpuset) {
                if (hwloc_bitmap_isset(mask, (unsigned)id)) {
                    if (k == round)
                        t->pu_order[pus++] = id;
                    k++;
                }
            }
            hwloc_bitmap_foreach_end();
            if (round == 0) {
                cores += k > 0;
                if (k > maxper)
                    maxper = k;
            }
        }
    }
    t->cores = cores;
    t->pus = pus;
    t->smt = maxper > 1;
}

static int load_locked(void) {
    hwloc_topology_t hw;
    hwloc_cpuset_t mask = NULL, bind = NULL;
    int err = 0;

    if (hwloc_topology_init(&hw) != 0)
        return errno != 0 ? -errno : -ENOMEM;
    if (hwloc_topology_load(hw) != 0) {
        err = errno != 0 ? -errno : -EIO;
        fprintf(stderr, "hx: hwloc could not load the topology: %s\n",
                strerror(-err));
        hwloc_topology_destroy(hw);
        return err;
    }

    /* Usable PUs: the cgroup's allowed set and our process binding. */
    mask = hwloc_bitmap_dup(hwloc_topology_get_allowed_cpuset(hw));
    bind = hwloc_bitmap_alloc();
    if (mask == NULL || bind == NULL) {
        err = -ENOMEM;
        goto out;
    }
    if (hwloc_get_cpubind(hw, bind, HWLOC_CPUBIND_PROCESS) == 0 ||
        hwloc_get_cpubind(hw, bind, HWLOC_CPUBIND_THREAD) == 0) {
        hwloc_bitmap_and(bind, bind, mask);
        if (!hwloc_bitmap_iszero(bind))
            hwloc_bitmap_copy(mask, bind);
    }

    hx_topo *t = &topo_desc;
    memset(t, 0, sizeof *t);
    fill_cores(hw, mask, t);
    if (t->pus == 0) {
        fprintf(stderr, "hx: hwloc shows no usable PU\n");
        err = -ENODEV;
        goto out;
    }
    t->packages = count_covering(hw, HWLOC_OBJ_PACKAGE, mask);
    t->numa_nodes = count_covering(hw, HWLOC_OBJ_NUMANODE, mask);
    if (t->numa_nodes == 0)
        t->numa_nodes = hwloc_get_nbobjs_by_type(hw, HWLOC_OBJ_NUMANODE);
    fill_caches(hw, mask, t);

    long page = sysconf(_SC_PAGESIZE);
    t->page_size = page > 0 ? (uint64_t)page : 4096;
    t->huge_page_size =
        file_u64("/sys/kernel/mm/transparent_hugepage/hpage_pmd_size");
    if (t->huge_page_size == 0)
        t->huge_page_size = meminfo_bytes("Hugepagesize");
    t->mem_total = meminfo_bytes("MemTotal");
    uint64_t lim = cgroup_mem_limit();
    if (t->mem_total == 0 || lim < t->mem_total)
        t->mem_total = lim == UINT64_MAX ? 0 : lim;
    cpu_identity(hw, t);

out:
    hwloc_bitmap_free(mask);
    hwloc_bitmap_free(bind);
    if (err != 0) {
        hwloc_topology_destroy(hw);
        return err;
    }
    topo_hw = hw;
    return 0;
}

/* The loaded topology (loading it on first use), or NULL with *err set. */
static hwloc_topology_t topo_get(hx_topo *copy, int *err) {
    pthread_mutex_lock(&topo_lock);
    if (topo_state == 0) {
        int r = load_locked();
        topo_state = r == 0 ? 1 : r;
    }
    hwloc_topology_t hw = topo_state == 1 ? topo_hw : NULL;
    *err = topo_state == 1 ? 0 : topo_state;
    if (hw != NULL && copy != NULL)
        *copy = topo_desc;
    pthread_mutex_unlock(&topo_lock);
    return hw;
}

int hx_topo_load(hx_topo *t) {
    int err;
    topo_get(t, &err);
    return err;
}

int hx_topo_pin(const hx_topo *t, int i) {
    if (t == NULL || t->pus <= 0 || t->pus > HX_PU_MAX || i < 0)
        return -EINVAL;
    int err;
    hwloc_topology_t hw = topo_get(NULL, &err);
    if (hw == NULL)
        return err;
    int pu = t->pu_order[i % t->pus];
    hwloc_cpuset_t set = hwloc_bitmap_alloc();
    if (set == NULL)
        return -ENOMEM;
    hwloc_bitmap_only(set, (unsigned)pu);
    int r = hwloc_set_cpubind(hw, set, HWLOC_CPUBIND_THREAD);
    int e = errno;
    hwloc_bitmap_free(set);
    if (r != 0)
        return e != 0 ? -e : -EIO;
    return pu;
}

/* ---- caches ------------------------------------------------------------- */

const hx_cache *hx_topo_cache(const hx_topo *t, int level) {
    for (int i = 0; i < t->ncaches && i < HX_MAX_CACHES; i++)
        if (t->caches[i].level == level &&
            (t->caches[i].type == 'd' || t->caches[i].type == 'u'))
            return &t->caches[i];
    return NULL;
}

uint64_t hx_topo_llc(const hx_topo *t) {
    int n = t->ncaches < HX_MAX_CACHES ? t->ncaches : HX_MAX_CACHES;
    return n > 0 ? t->caches[n - 1].size : 0;
}

/* ---- names -------------------------------------------------------------- */

/* The vendor as people write it: "AMD", "Intel", or the raw string; "" if
 * unknown. */
static const char *vendor_word(const char *v) {
    if (strstr(v, "AMD") != NULL)
        return "AMD";
    if (strstr(v, "Intel") != NULL)
        return "Intel";
    if (strcmp(v, "HygonGenuine") == 0)
        return "Hygon";
    if (strcmp(v, "CentaurHauls") == 0)
        return "Centaur";
    if (strcmp(v, "unknown") == 0)
        return "";
    return v;
}

static bool is_noise_token(const char *w) {
    static const char *const noise[] = {"CPU", "Processor", "processor"};
    for (size_t i = 0; i < sizeof noise / sizeof noise[0]; i++)
        if (strcmp(w, noise[i]) == 0)
            return true;
    /* "64-Core", "8-core" */
    const char *p = w;
    while (isdigit((unsigned char)*p))
        p++;
    return p != w && strcasecmp(p, "-core") == 0;
}

/* Removes every occurrence of pat (any case) from s. */
static void erase_all(char *s, const char *pat) {
    size_t n = strlen(pat);
    for (char *p = strcasestr(s, pat); p != NULL; p = strcasestr(p, pat))
        memmove(p, p + n, strlen(p + n) + 1);
}

void hx_topo_cpu_name(const hx_topo *t, char *buf, size_t len) {
    if (len == 0)
        return;
    char model[sizeof t->cpu_model];
    copy_trimmed(model, sizeof model, t->cpu_model);
    if (strcmp(model, "unknown") == 0)
        model[0] = '\0';
    erase_all(model, "(R)");
    erase_all(model, "(TM)");
    char *cut = strchr(model, '@');
    if (cut != NULL)
        *cut = '\0';
    if ((cut = strcasestr(model, " with ")) != NULL)
        *cut = '\0';

    const char *vw = vendor_word(t->cpu_vendor);
    char out[256] = "";
    size_t o = 0;
    if (*vw != '\0' && strcasestr(model, vw) == NULL)
        o += (size_t)snprintf(out, sizeof out, "%s", vw);
    char *save = NULL;
    for (char *w = strtok_r(model, " \t", &save); w != NULL;
         w = strtok_r(NULL, " \t", &save)) {
        if (is_noise_token(w) || o + strlen(w) + 2 >= sizeof out)
            continue;
        o += (size_t)snprintf(out + o, sizeof out - o, "%s%s", o ? " " : "", w);
    }
    snprintf(buf, len, "%s", o > 0 ? out : "unknown");
}

/* Longest model part of a machine name, in characters. */
#define HX_NAME_MODEL_MAX 40

void hx_topo_machine_name(const hx_topo *t, char *buf, size_t len) {
    if (len == 0)
        return;
    char name[256], slug[256];
    hx_topo_cpu_name(t, name, sizeof name);
    size_t n = 0;
    for (const char *p = name; *p != '\0' && n < sizeof slug - 1; p++) {
        if (isalnum((unsigned char)*p))
            slug[n++] = (char)tolower((unsigned char)*p);
        else if (n > 0 && slug[n - 1] != '-')
            slug[n++] = '-';
    }
    while (n > 0 && slug[n - 1] == '-')
        n--;
    if (n > HX_NAME_MODEL_MAX) { /* cut at a word boundary */
        n = HX_NAME_MODEL_MAX;
        while (n > 0 && slug[n] != '-')
            n--;
        if (n == 0)
            n = HX_NAME_MODEL_MAX;
    }
    slug[n] = '\0';
    snprintf(buf, len, "%s-%dc", n > 0 ? slug : "unknown", t->cores);
}

bool hx_topo_cache_unlikely(const hx_cache *c) {
    int share = c->shared_pus > 0 ? c->shared_pus : 1;
    return c->size / (uint64_t)share > HX_CACHE_PER_PU_MAX;
}
