/* bench-plan.c: in-process timings of the planner, for bench/run.
 *
 * Links the library exactly as the CLI does and times what a long-lived
 * front end (the daemon, a hook invoked many times) pays per guest: one
 * FwnegEngine loads the descriptor set, firmware.d and the host facts once, then
 * every iteration parses the domain XML, plans it through the engine and renders
 * it.  Each stage is also timed on its
 * own by calling its entry point directly (fwneg_rom_plan, fwneg_bootorder_plan,
 * fwneg_fwcfg_plan, the writers), so stages that are placeholders today are picked
 * up as soon as their owners fill them in — the harness needs no change.
 *
 * Output is one "key value" line per figure (times in microseconds) so the shell
 * harness can read it with a plain `read`; nothing here judges against budgets.
 *
 *   bench-plan plan [OPTIONS] VM.xml           whole in-process plan + every stage
 *   bench-plan descriptors [OPTIONS] VM.xml    descriptor load + match only
 *   bench-plan record-write [OPTIONS] VM.xml   atomic record writes (with fsync)
 *   bench-plan evict FILE…                     drop FILEs from the page cache
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <stdint.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "atomic-file.h"
#include "bootorder-plan.h"
#include "descriptor-cache.h"
#include "descriptor-store.h"
#include "domain.h"
#include "engine.h"
#include "firmware-match.h"
#include "fwcfg-plan.h"
#include "fwneg-options.h"
#include "host-facts.h"
#include "plan.h"
#include "rom-plan.h"
#include "safe-xml.h"

/* Everything one benchmark run needs, loaded once. */
typedef struct {
    FwnegOptions *options;
    char *xml;
    gsize xml_len;
    char *xml_path;
    FwnegHostFacts *facts;
    GPtrArray *descriptors;
    FwnegPlanData *data; /* firmware.d, loaded once like the CLI does */
    guint iterations;
} Bench;

static void
bench_clear(Bench *bench)
{
    g_clear_pointer(&bench->options, fwneg_options_free);
    g_clear_pointer(&bench->xml, g_free);
    g_clear_pointer(&bench->xml_path, g_free);
    g_clear_pointer(&bench->facts, fwneg_host_facts_free);
    g_clear_pointer(&bench->descriptors, g_ptr_array_unref);
    g_clear_pointer(&bench->data, fwneg_plan_data_free);
}
G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC(Bench, bench_clear)

/* A monotonic clock in microseconds with nanosecond resolution:
 * g_get_monotonic_time() only has microseconds, too coarse for single stages. */
static double
now_us(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e6 + (double)ts.tv_nsec / 1e3;
}

static int
compare_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* Samples of one figure; reported as median, p90, min and max. */
typedef struct {
    GArray *values; /* double, µs */
} Samples;

static Samples
samples_new(void)
{
    Samples s = {g_array_new(FALSE, FALSE, sizeof(double))};
    return s;
}

static void
samples_add(Samples *s, double value)
{
    g_array_append_val(s->values, value);
}

static double
samples_quantile(const Samples *s, double q)
{
    if (s->values->len == 0)
        return 0;
    g_array_sort(s->values, compare_double);
    guint index = (guint)(q * (s->values->len - 1) + 0.5);
    return g_array_index(s->values, double, index);
}

/* Prints KEY_median, KEY_p90, KEY_min, KEY_max and frees the samples. */
static void
samples_report(const char *key, Samples *s)
{
    printf("%s_median %.2f\n", key, samples_quantile(s, 0.5));
    printf("%s_p90 %.2f\n", key, samples_quantile(s, 0.9));
    printf("%s_min %.2f\n", key, samples_quantile(s, 0.0));
    printf("%s_max %.2f\n", key, samples_quantile(s, 1.0));
    g_array_unref(s->values);
    s->values = NULL;
}

static void
report_peak_rss(void)
{
    struct rusage usage;
    if (getrusage(RUSAGE_SELF, &usage) == 0)
        printf("peak_rss_kib %ld\n", usage.ru_maxrss);
}

static int
die(const char *what, const GError *error)
{
    fprintf(stderr, "bench-plan: %s: %s\n", what, error ? error->message : "failed");
    return 2;
}

/* ---- loading --------------------------------------------------------------- */

/* Host facts as the CLI gets them: --canonical-machine, else a probe through the
 * cache in STATE_DIR/cache/qemu-caps (the CLI's location, so its warm cache is ours). */
static FwnegHostFacts *
load_facts(const FwnegOptions *options, const FwnegDomain *domain, GError **error)
{
    if (options->canonical_machine != NULL)
        return fwneg_host_facts_from_canonical(options->canonical_machine, domain->arch, error);
    g_autofree char *emulator = options->qemu     ? g_strdup(options->qemu)
                                : domain->emulator ? g_strdup(domain->emulator)
                                                   : fwneg_default_emulator_for_arch(domain->arch);
    const char *state = options->state_dir ? options->state_dir : FWNEG_DEFAULT_STATE_DIR;
    g_autofree char *cache_dir = g_build_filename(state, "cache", "qemu-caps", NULL);
    return fwneg_host_facts_probe(emulator, cache_dir, error);
}

static GPtrArray *
bench_load_descriptors(const Bench *bench, GError **error)
{
    g_autoptr(GPtrArray) dirs = fwneg_options_firmware_dirs(bench->options);
    return fwneg_descriptor_store_load(dirs, bench->options->sysroot, error);
}

/* Parse the command line shared by every mode into @bench. */
static gboolean
bench_parse_args(Bench *bench, int *argc, char ***argv, GError **error)
{
    g_auto(GStrv) firmware_dirs = NULL;
    g_autofree char *state_dir = NULL, *canonical_machine = NULL, *qemu = NULL;
    g_autofree char *sysroot = NULL;
    int iterations = 200;
    const GOptionEntry entries[] = {
        {"firmware-dir", 0, 0, G_OPTION_ARG_FILENAME_ARRAY, &firmware_dirs,
         "Descriptor directory (repeatable)", "DIR"},
        {"state-dir", 0, 0, G_OPTION_ARG_FILENAME, &state_dir, "State directory", "DIR"},
        {"canonical-machine", 0, 0, G_OPTION_ARG_STRING, &canonical_machine,
         "Canonical machine instead of probing", "NAME"},
        {"qemu", 0, 0, G_OPTION_ARG_FILENAME, &qemu, "Emulator to probe", "PATH"},
        {"sysroot", 0, 0, G_OPTION_ARG_FILENAME, &sysroot, "Sysroot", "DIR"},
        {"iterations", 'n', 0, G_OPTION_ARG_INT, &iterations, "Iterations (default 200)", "N"},
        G_OPTION_ENTRY_NULL,
    };
    g_autoptr(GOptionContext) context = g_option_context_new("MODE VM.xml");
    g_option_context_add_main_entries(context, entries, NULL);
    if (!g_option_context_parse(context, argc, argv, error))
        return FALSE;
    if (*argc != 3) {
        g_set_error(error, G_OPTION_ERROR, G_OPTION_ERROR_FAILED,
                    "usage: bench-plan plan|descriptors|record-write [OPTIONS] VM.xml");
        return FALSE;
    }
    bench->iterations = (guint)MAX(iterations, 1);
    bench->options = fwneg_options_new();
    if (firmware_dirs != NULL) {
        bench->options->firmware_dirs = g_ptr_array_new_with_free_func(g_free);
        for (char **p = firmware_dirs; *p != NULL; p++)
            g_ptr_array_add(bench->options->firmware_dirs, g_strdup(*p));
    }
    bench->options->state_dir = g_steal_pointer(&state_dir);
    bench->options->canonical_machine = g_steal_pointer(&canonical_machine);
    bench->options->qemu = g_steal_pointer(&qemu);
    bench->options->sysroot = g_steal_pointer(&sysroot);
    bench->options->rom_policy = g_strdup("default");
    /* What the CLI takes from the environment (cli-common.c), so both plan alike. */
    const char *data_dir = g_getenv("FWNEG_DATA_DIR");
    if (data_dir != NULL && data_dir[0] != '\0')
        bench->options->data_dir = g_strdup(data_dir);
    const char *xdg = g_getenv("XDG_CONFIG_HOME");
    const char *home = g_getenv("HOME");
    if (xdg != NULL && xdg[0] == '/')
        bench->options->xdg_config_home = g_strdup(xdg);
    else if (home != NULL && home[0] == '/')
        bench->options->xdg_config_home = g_build_filename(home, ".config", NULL);
    bench->xml_path = g_strdup((*argv)[2]);
    return fwneg_read_bounded(bench->xml_path, FWNEG_DOMAIN_XML_MAX_BYTES, &bench->xml,
                              &bench->xml_len, error);
}

/* ---- mode: plan ---------------------------------------------------------- */

/* One warm in-process plan through the engine: parse, plan, render JSON.  Not
 * static and never inlined so `valgrind --tool=callgrind
 * --toggle-collect=bench_plan_once` counts exactly this (bench/run divides by
 * the iteration count). */
gboolean bench_plan_once(const Bench *bench, FwnegEngine *engine, gsize *out_len);
__attribute__((noinline)) gboolean
bench_plan_once(const Bench *bench, FwnegEngine *engine, gsize *out_len)
{
    g_autoptr(GError) error = NULL;
    g_autoptr(FwnegDomain) domain =
        fwneg_domain_parse_memory(bench->xml, bench->xml_len, bench->xml_path, &error);
    if (domain == NULL)
        return FALSE;
    if (domain->arch == NULL)
        domain->arch = g_strdup("x86_64");
    g_autoptr(FwnegPlan) plan = fwneg_engine_plan(engine, domain, NULL, NULL, &error);
    if (plan == NULL)
        return FALSE;
    g_autofree char *json = fwneg_plan_to_json(plan);
    *out_len = strlen(json);
    return TRUE;
}

static int
mode_plan(Bench *bench)
{
    g_autoptr(GError) error = NULL;
    double t0 = now_us();

    /* Cold, in process: the first touch of everything (host facts from the probe
     * cache, descriptors from disk, first parse and plan). */
    g_autoptr(FwnegDomain) domain =
        fwneg_domain_parse_memory(bench->xml, bench->xml_len, bench->xml_path, &error);
    if (domain == NULL)
        return die("parsing the domain", error);
    if (domain->arch == NULL)
        domain->arch = g_strdup("x86_64");
    double t_parse = now_us();
    g_autoptr(FwnegEngine) engine = fwneg_engine_new(g_steal_pointer(&bench->options), &error);
    if (engine == NULL)
        return die("creating the engine", error);
    const FwnegOptions *options = fwneg_engine_get_options(engine);
    double t_desc = now_us();
    const FwnegHostFacts *facts = fwneg_engine_host_facts(engine, domain, NULL, &error);
    if (facts == NULL)
        return die("host facts", error);
    double t_facts = now_us();
    g_autoptr(FwnegPlan) plan = fwneg_engine_plan(engine, domain, NULL, NULL, &error);
    if (plan == NULL)
        return die("planning", error);
    g_autofree char *first_json = fwneg_plan_to_json(plan);
    double t_end = now_us();
    printf("cold_total %.2f\n", t_end - t0);
    printf("cold_xml_parse %.2f\n", t_parse - t0);
    printf("cold_descriptor_load %.2f\n", t_desc - t_parse);
    printf("cold_host_facts %.2f\n", t_facts - t_desc);
    printf("cold_plan_and_json %.2f\n", t_end - t_facts);
    printf("descriptors %u\n", fwneg_engine_get_descriptors(engine)->len);
    printf("plan_json_bytes %zu\n", strlen(first_json));

    /* Warm: the daemon's steady state. */
    Samples warm = samples_new();
    for (guint i = 0; i < bench->iterations; i++) {
        gsize len = 0;
        double start = now_us();
        if (!bench_plan_once(bench, engine, &len))
            return die("warm plan", NULL);
        samples_add(&warm, now_us() - start);
    }
    samples_report("warm_plan", &warm);

    /* Stages, each on its own.  The machine is canonicalized once, as in plan.c. */
    const char *machine = fwneg_host_facts_canonicalize(facts, domain->machine, &error);
    if (machine == NULL)
        return die("canonical machine", error);
    const FwnegPlanData *data = fwneg_engine_get_data(engine);
    GPtrArray *descriptors = fwneg_engine_get_descriptors(engine);
    g_autoptr(FwnegRomHashCache) rom_hashes = fwneg_rom_hash_cache_new(NULL);
    FwnegRomPlanInputs rom_inputs = {
        .options = options,
        .firmware_interface = plan->firmware->interface,
        .rom_sets = data->rom_sets,
        .rom_sets_dir = data->rom_sets_dir,
        .hash_cache = rom_hashes,
    };
    FwnegFwCfgInputs fwcfg_inputs = {
        .options = options,
        .data = data->features,
        .qemu_version = plan->qemu_version,
        .firmware = plan->firmware,
    };
    FwnegPlanInputs inputs = {
        .options = options,
        .facts = facts,
        .descriptors = descriptors,
        .data = data,
        .rom_hash_cache = rom_hashes,
    };
    Samples parse = samples_new(), facts_cache = samples_new(), load = samples_new(),
            match = samples_new(), rom = samples_new(), boot = samples_new(), fwcfg = samples_new(),
            w_json = samples_new(), w_text = samples_new(), w_xml = samples_new(),
            w_args = samples_new(), build = samples_new();
    for (guint i = 0; i < bench->iterations; i++) {
        double a = now_us();
        g_autoptr(FwnegDomain) d =
            fwneg_domain_parse_memory(bench->xml, bench->xml_len, bench->xml_path, NULL);
        samples_add(&parse, now_us() - a);

        a = now_us();
        g_autoptr(FwnegFirmwareChoice) choice =
            fwneg_firmware_select(domain, machine, descriptors, options, NULL, NULL);
        samples_add(&match, now_us() - a);

        a = now_us();
        g_autoptr(FwnegPlan) p = fwneg_plan_build(domain, &inputs, NULL, NULL);
        samples_add(&build, now_us() - a);

        g_autoptr(GPtrArray) warnings = g_ptr_array_new_with_free_func(g_free);
        a = now_us();
        g_autoptr(GPtrArray) roms = fwneg_rom_plan(domain, machine, &rom_inputs, warnings, &error);
        samples_add(&rom, now_us() - a);
        if (roms == NULL)
            return die("fwneg_rom_plan", error);

        a = now_us();
        g_autoptr(FwnegBootOrder) order = fwneg_bootorder_plan(domain, machine, NULL, &error);
        samples_add(&boot, now_us() - a);
        if (order == NULL)
            return die("fwneg_bootorder_plan", error);

        a = now_us();
        g_autoptr(FwnegFwCfgSet) set =
            fwneg_fwcfg_plan(domain, machine, &fwcfg_inputs, warnings, &error);
        samples_add(&fwcfg, now_us() - a);
        if (set == NULL)
            return die("fwneg_fwcfg_plan", error);

        a = now_us();
        G_GNUC_UNUSED g_autofree char *json = fwneg_plan_to_json(plan);
        samples_add(&w_json, now_us() - a);
        a = now_us();
        G_GNUC_UNUSED g_autofree char *text = fwneg_plan_to_text(plan);
        samples_add(&w_text, now_us() - a);
        a = now_us();
        g_autofree char *xml =
            fwneg_plan_to_domain_xml(plan, domain, bench->xml, bench->xml_len, NULL);
        samples_add(&w_xml, now_us() - a);
        a = now_us();
        G_GNUC_UNUSED g_autofree char *args = fwneg_plan_to_qemu_args(plan);
        samples_add(&w_args, now_us() - a);
        if (d == NULL || choice == NULL || p == NULL || xml == NULL)
            return die("a stage failed on the second run", NULL);
    }
    /* Fewer iterations for the disk-touching ones: they are milliseconds, not µs. */
    guint slow_iterations = MAX(bench->iterations / 10, 3);
    for (guint i = 0; i < slow_iterations; i++) {
        double a = now_us();
        g_autoptr(GPtrArray) dirs = fwneg_options_firmware_dirs(options);
        g_autoptr(GPtrArray) entries = fwneg_descriptor_store_load(dirs, options->sysroot, NULL);
        samples_add(&load, now_us() - a);
        a = now_us();
        g_autoptr(FwnegHostFacts) probed = load_facts(options, domain, NULL);
        samples_add(&facts_cache, now_us() - a);
        if (entries == NULL || probed == NULL)
            return die("reloading descriptors or host facts", NULL);
    }
    samples_report("stage_xml_parse", &parse);
    samples_report("stage_host_facts_cache", &facts_cache);
    samples_report("stage_descriptor_load", &load);
    samples_report("stage_firmware_match", &match);
    samples_report("stage_plan_build", &build);
    samples_report("stage_rom", &rom);
    samples_report("stage_bootorder", &boot);
    samples_report("stage_fwcfg", &fwcfg);
    samples_report("stage_writer_json", &w_json);
    samples_report("stage_writer_text", &w_text);
    samples_report("stage_writer_xml", &w_xml);
    samples_report("stage_writer_qemu_args", &w_args);
    /* How much each stage produced: 0 means the guest has nothing for it, which
     * bench/run says beside the figure. */
    printf("stage_rom_entries %u\n", plan->roms->len);
    printf("stage_bootorder_entries %u\n", plan->bootorder->len);
    printf("stage_fwcfg_entries %u\n", plan->fw_cfg->len);
    printf("domain_disks %u\n", domain->disks->len);
    printf("domain_interfaces %u\n", domain->interfaces->len);
    printf("domain_controllers %u\n", domain->controllers->len);
    report_peak_rss();
    return 0;
}

/* ---- mode: descriptors --------------------------------------------------- */

/* Load the descriptor set from disk and choose the firmware, as one `fwneg plan`
 * does: the figure that scales with the number of descriptor files. */
static int
mode_descriptors(Bench *bench)
{
    g_autoptr(GError) error = NULL;
    g_autoptr(FwnegDomain) domain =
        fwneg_domain_parse_memory(bench->xml, bench->xml_len, bench->xml_path, &error);
    if (domain == NULL)
        return die("parsing the domain", error);
    if (domain->arch == NULL)
        domain->arch = g_strdup("x86_64");
    bench->facts = load_facts(bench->options, domain, &error);
    if (bench->facts == NULL)
        return die("host facts", error);
    const char *machine = fwneg_host_facts_canonicalize(bench->facts, domain->machine, &error);
    if (machine == NULL)
        return die("canonical machine", error);

    Samples load = samples_new(), match = samples_new(), total = samples_new();
    guint count = 0, rejected = 0;
    g_autofree char *chosen = NULL;
    for (guint i = 0; i < bench->iterations; i++) {
        double a = now_us();
        g_autoptr(GPtrArray) entries = bench_load_descriptors(bench, &error);
        if (entries == NULL)
            return die("loading descriptors", error);
        double b = now_us();
        g_autoptr(FwnegFirmwareChoice) choice =
            fwneg_firmware_select(domain, machine, entries, bench->options, NULL, &error);
        if (choice == NULL)
            return die("choosing the firmware", error);
        double c = now_us();
        samples_add(&load, b - a);
        samples_add(&match, c - b);
        samples_add(&total, c - a);
        count = entries->len;
        rejected = choice->rejected ? choice->rejected->len : 0;
        g_free(chosen);
        chosen = g_strdup(choice->descriptor ? choice->descriptor : "(none)");
    }
    printf("descriptors %u\n", count);
    printf("rejected %u\n", rejected);
    printf("chosen %s\n", chosen);
    samples_report("load", &load);
    samples_report("match", &match);
    samples_report("load_match", &total);

    /* With the parsed-descriptor cache, as `fwneg plan` loads them: first with no
     * cache file (every file parsed, the cache written), then warm.  The files
     * must be older than the cache's racy window (bench/run waits for that). */
    g_autofree char *cache_dir = g_build_filename(
        bench->options->state_dir ? bench->options->state_dir : FWNEG_DEFAULT_STATE_DIR, "cache",
        NULL);
    g_autofree char *cache_path = g_build_filename(cache_dir, FWNEG_DESCRIPTOR_CACHE_FILE, NULL);
    if (!fwneg_ensure_state_dir(cache_dir, 0755, &error))
        return die(cache_dir, error);
    (void)unlink(cache_path);
    Samples warm_load = samples_new(), warm_total = samples_new();
    guint hits = 0, writes = 0;
    for (guint i = 0; i <= bench->iterations; i++) {
        double a = now_us();
        g_autoptr(FwnegDescriptorCache) cache = fwneg_descriptor_cache_open(cache_path);
        g_autoptr(GPtrArray) dirs = fwneg_options_firmware_dirs(bench->options);
        g_autoptr(GPtrArray) entries =
            fwneg_descriptor_store_load_cached(dirs, bench->options->sysroot, cache, &error);
        if (entries == NULL || !fwneg_descriptor_cache_save(cache, &error))
            return die("loading descriptors through the cache", error);
        double b = now_us();
        g_autoptr(FwnegFirmwareChoice) choice =
            fwneg_firmware_select(domain, machine, entries, bench->options, NULL, &error);
        if (choice == NULL)
            return die("choosing the firmware", error);
        double c = now_us();
        if (i == 0) {
            /* cold: no cache file yet */
            printf("cached_cold_load_match %.2f\n", c - a);
            printf("cached_cold_wrote %d\n", fwneg_descriptor_cache_wrote(cache));
            continue;
        }
        samples_add(&warm_load, b - a);
        samples_add(&warm_total, c - a);
        hits = fwneg_descriptor_cache_hits(cache);
        writes += fwneg_descriptor_cache_wrote(cache);
        if (g_strcmp0(choice->descriptor ? choice->descriptor : "(none)", chosen) != 0)
            return die("the cached load chose another firmware", NULL);
    }
    struct stat st;
    printf("cache_bytes %jd\n", stat(cache_path, &st) == 0 ? (intmax_t)st.st_size : (intmax_t)-1);
    printf("cached_warm_hits %u\n", hits);
    printf("cached_warm_writes %u\n", writes);
    samples_report("cached_warm_load", &warm_load);
    samples_report("cached_warm_load_match", &warm_total);
    report_peak_rss();
    return 0;
}

/* ---- mode: record-write -------------------------------------------------- */

static int
write_all(int fd, const char *data, gsize len)
{
    while (len > 0) {
        ssize_t n = write(fd, data, len);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            return -1;
        data += n;
        len -= (gsize)n;
    }
    return 0;
}

static int
write_all_and_fsync(int fd, const char *data, gsize len)
{
    while (len > 0) {
        ssize_t n = write(fd, data, len);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            return -1;
        data += n;
        len -= (gsize)n;
    }
    return fsync(fd);
}

/* Write the guest's record (its plan as fwneg-plan/1 JSON) to
 * STATE_DIR/vms/<uuid>.json the way the record module does: fwneg_atomic_write,
 * which fsyncs the file and its directory.  Each write replaces the last. */
static int
mode_record_write(Bench *bench)
{
    g_autoptr(GError) error = NULL;
    if (bench->options->state_dir == NULL) {
        fprintf(stderr, "bench-plan: record-write needs --state-dir\n");
        return 2;
    }
    g_autoptr(FwnegDomain) domain =
        fwneg_domain_parse_memory(bench->xml, bench->xml_len, bench->xml_path, &error);
    if (domain == NULL)
        return die("parsing the domain", error);
    if (domain->arch == NULL)
        domain->arch = g_strdup("x86_64");
    bench->facts = load_facts(bench->options, domain, &error);
    if (bench->facts == NULL)
        return die("host facts", error);
    bench->descriptors = bench_load_descriptors(bench, &error);
    if (bench->descriptors == NULL)
        return die("loading descriptors", error);
    bench->data = fwneg_plan_data_load(bench->options);
    FwnegPlanInputs inputs = {bench->options, bench->facts, bench->descriptors, bench->data, NULL};
    g_autoptr(FwnegPlan) plan = fwneg_plan_build(domain, &inputs, NULL, &error);
    if (plan == NULL)
        return die("planning", error);
    g_autofree char *json = fwneg_plan_to_json(plan);
    g_autofree char *vms = g_build_filename(bench->options->state_dir, "vms", NULL);
    g_autofree char *name = g_strdup_printf("%s.json", plan->uuid);
    g_autofree char *path = g_build_filename(vms, name, NULL);
    if (!fwneg_ensure_state_dir(vms, 0755, &error))
        return die(vms, error);

    /* The disk's own floor, interleaved with the record writes so both see the same
     * load: one new file written and fsynced, i.e. one filesystem journal commit.  An
     * atomic, durable replace needs two (the file, then the rename via the directory),
     * so on a disk whose commit costs more than 1 ms no implementation meets 2 ms. */
    g_autofree char *floor_path = g_build_filename(vms, ".bench-fsync-floor", NULL);
    Samples write = samples_new(), floor = samples_new();
    for (guint i = 0; i < bench->iterations; i++) {
        double a = now_us();
        if (!fwneg_atomic_write(path, json, strlen(json), 0644, &error))
            return die(path, error);
        samples_add(&write, now_us() - a);

        (void)unlink(floor_path);
        a = now_us();
        int fd = open(floor_path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
        if (fd < 0 || write_all_and_fsync(fd, json, strlen(json)) != 0) {
            fprintf(stderr, "bench-plan: %s: %s\n", floor_path, g_strerror(errno));
            return 2;
        }
        close(fd);
        samples_add(&floor, now_us() - a);
    }
    (void)unlink(floor_path);

    /* Where the time of one atomic write goes, step by step (the same steps as
     * atomic-file.c), and the same write with fdatasync() for the file: data and
     * size are what a reader needs after a crash; the directory fsync makes the
     * rename durable either way. */
    Samples s_write = samples_new(), s_fsync = samples_new(), s_fdatasync = samples_new(),
            s_rename = samples_new(), s_dirsync = samples_new(), s_total_datasync = samples_new();
    g_autofree char *tmp_path = g_build_filename(vms, ".bench-step.tmp", NULL);
    int dir_fd = open(vms, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (dir_fd < 0) {
        fprintf(stderr, "bench-plan: %s: %s\n", vms, g_strerror(errno));
        return 2;
    }
    for (guint i = 0; i < bench->iterations; i++) {
        gboolean datasync = i % 2 == 1; /* interleaved, so both see the same load */
        double a = now_us();
        int fd = open(tmp_path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
        gsize len = strlen(json);
        if (fd < 0 || write_all(fd, json, len) != 0 || fchmod(fd, 0644) != 0) {
            fprintf(stderr, "bench-plan: %s: %s\n", tmp_path, g_strerror(errno));
            return 2;
        }
        double b = now_us();
        if ((datasync ? fdatasync(fd) : fsync(fd)) != 0 || close(fd) != 0) {
            fprintf(stderr, "bench-plan: sync %s: %s\n", tmp_path, g_strerror(errno));
            return 2;
        }
        double c = now_us();
        if (rename(tmp_path, path) != 0) {
            fprintf(stderr, "bench-plan: rename %s: %s\n", tmp_path, g_strerror(errno));
            return 2;
        }
        double d = now_us();
        if (fsync(dir_fd) != 0) {
            fprintf(stderr, "bench-plan: fsync %s: %s\n", vms, g_strerror(errno));
            return 2;
        }
        double e = now_us();
        samples_add(&s_write, b - a);
        samples_add(datasync ? &s_fdatasync : &s_fsync, c - b);
        samples_add(&s_rename, d - c);
        samples_add(&s_dirsync, e - d);
        if (datasync)
            samples_add(&s_total_datasync, e - a);
    }
    close(dir_fd);
    printf("record_bytes %zu\n", strlen(json));
    printf("record_path %s\n", path);
    samples_report("record_write", &write);
    samples_report("fsync_floor", &floor);
    samples_report("step_create_write_chmod", &s_write);
    samples_report("step_file_fsync", &s_fsync);
    samples_report("step_file_fdatasync", &s_fdatasync);
    samples_report("step_rename", &s_rename);
    samples_report("step_dir_fsync", &s_dirsync);
    samples_report("record_write_fdatasync", &s_total_datasync);
    return 0;
}

/* ---- mode: evict ----------------------------------------------------------- */

/* Drop each file's pages from the page cache (POSIX_FADV_DONTNEED), so the next
 * read is cold, without flushing the whole machine's cache. */
static int
mode_evict(int argc, char **argv)
{
    int status = 0;
    for (int i = 2; i < argc; i++) {
        int fd = open(argv[i], O_RDONLY | O_CLOEXEC);
        if (fd < 0 || posix_fadvise(fd, 0, 0, POSIX_FADV_DONTNEED) != 0) {
            fprintf(stderr, "bench-plan: evict %s: %s\n", argv[i], g_strerror(errno));
            status = 1;
        }
        if (fd >= 0)
            close(fd);
    }
    return status;
}

int
main(int argc, char **argv)
{
    if (argc >= 2 && strcmp(argv[1], "evict") == 0)
        return mode_evict(argc, argv);

    g_auto(Bench) bench = {0};
    g_autoptr(GError) error = NULL;
    if (!bench_parse_args(&bench, &argc, &argv, &error))
        return die("arguments", error);
    const char *mode = argv[1];
    if (strcmp(mode, "plan") == 0)
        return mode_plan(&bench);
    if (strcmp(mode, "descriptors") == 0)
        return mode_descriptors(&bench);
    if (strcmp(mode, "record-write") == 0)
        return mode_record_write(&bench);
    fprintf(stderr, "bench-plan: unknown mode '%s' (plan, descriptors, record-write, evict)\n",
            mode);
    return 2;
}
