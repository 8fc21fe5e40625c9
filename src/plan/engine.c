/* engine.c: FwnegEngine (see engine.h). */
#include "engine.h"

#include <sys/stat.h>
#include <sys/utsname.h>

#include "atomic-file.h"
#include "descriptor-store.h"
#include "domain-validate.h"
#include "fwneg-error.h"
#include "record.h"
#include "safe-xml.h"

/* The facts of one emulator and the binary they were probed from. */
typedef struct {
    FwnegHostFacts *facts;
    dev_t dev;
    ino_t ino;
    off_t size;
    struct timespec mtime;
} ProbedEmulator;

struct _FwnegEngine {
    FwnegOptions *options;
    GPtrArray *descriptors; /* FwnegDescriptorEntry* */
    guint64 descriptor_generation;
    FwnegPlanData *data;
    GPtrArray *warnings;   /* char* */
    GHashTable *emulators; /* path -> ProbedEmulator* */
    GHashTable *canonical; /* "ARCH/canonical machine name" -> FwnegHostFacts* */
    FwnegRomHashCache *rom_hashes;
};

static void
probed_emulator_free(ProbedEmulator *probed)
{
    fwneg_host_facts_free(probed->facts);
    g_free(probed);
}

static const char *
state_dir_of(const FwnegOptions *options)
{
    return options->state_dir != NULL ? options->state_dir : FWNEG_DEFAULT_STATE_DIR;
}

/* STATE_DIR/SUBDIR when caches are on and it can be made without following a
 * symlink in the state path (tests/hostile), else NULL: a cache only saves time. */
static char *
cache_dir(const FwnegOptions *options, const char *subdir)
{
    if (options->no_cache)
        return NULL;
    g_autoptr(GError) error = NULL;
    if (!fwneg_ensure_state_subdir(state_dir_of(options), subdir, 0755, &error)) {
        g_debug("not using the cache in %s: %s", subdir, error->message);
        return NULL;
    }
    return g_build_filename(state_dir_of(options), subdir, NULL);
}

static GPtrArray *
load_descriptors(const FwnegOptions *options, GError **error)
{
    g_autoptr(GPtrArray) dirs = fwneg_options_firmware_dirs(options);
    g_autofree char *dir = cache_dir(options, "cache");
    g_autofree char *path =
        dir != NULL ? g_build_filename(dir, FWNEG_DESCRIPTOR_CACHE_FILE, NULL) : NULL;
    g_autoptr(FwnegDescriptorCache) cache = fwneg_descriptor_cache_open(path);
    GPtrArray *entries = fwneg_descriptor_store_load_cached(dirs, options->sysroot, cache, error);
    if (entries == NULL)
        return NULL;
    g_autoptr(GError) cache_error = NULL;
    if (!fwneg_descriptor_cache_save(cache, &cache_error))
        g_debug("descriptor cache not saved: %s", cache_error->message); /* it only saves time */
    return entries;
}

FwnegEngine *
fwneg_engine_new(FwnegOptions *options, GError **error)
{
    g_autoptr(FwnegEngine) engine = g_new0(FwnegEngine, 1);
    engine->options = options;
    engine->warnings = g_ptr_array_new_with_free_func(g_free);
    engine->emulators = g_hash_table_new_full(g_str_hash, g_str_equal, g_free,
                                              (GDestroyNotify)probed_emulator_free);
    engine->canonical = g_hash_table_new_full(g_str_hash, g_str_equal, g_free,
                                              (GDestroyNotify)fwneg_host_facts_free);

    g_autoptr(GPtrArray) dirs = fwneg_options_firmware_dirs(options);
    fwneg_descriptor_store_check_dirs(dirs, options->sysroot, engine->warnings);
    engine->descriptors = load_descriptors(options, error);
    if (engine->descriptors == NULL)
        return NULL;
    engine->descriptor_generation = 1;
    /* firmware.d is read on the first plan (ensure_data): the hook's phases that
     * only verify a record never need it. */

    g_autofree char *rom_hash_file = fwneg_rom_hash_cache_file(options);
    engine->rom_hashes = fwneg_rom_hash_cache_new(rom_hash_file);
    return g_steal_pointer(&engine);
}

void
fwneg_engine_free(FwnegEngine *engine)
{
    if (engine == NULL)
        return;
    fwneg_options_free(engine->options);
    g_clear_pointer(&engine->descriptors, g_ptr_array_unref);
    fwneg_plan_data_free(engine->data);
    g_clear_pointer(&engine->warnings, g_ptr_array_unref);
    g_clear_pointer(&engine->emulators, g_hash_table_unref);
    g_clear_pointer(&engine->canonical, g_hash_table_unref);
    fwneg_rom_hash_cache_free(engine->rom_hashes);
    g_free(engine);
}

const FwnegOptions *
fwneg_engine_get_options(const FwnegEngine *engine)
{
    return engine->options;
}

GPtrArray *
fwneg_engine_get_descriptors(const FwnegEngine *engine)
{
    return engine->descriptors;
}

guint64
fwneg_engine_get_descriptor_generation(const FwnegEngine *engine)
{
    return engine->descriptor_generation;
}

static const FwnegPlanData *
ensure_data(FwnegEngine *engine)
{
    if (engine->data == NULL)
        engine->data = fwneg_plan_data_load(engine->options);
    return engine->data;
}

const FwnegPlanData *
fwneg_engine_get_data(FwnegEngine *engine)
{
    return ensure_data(engine);
}

FwnegRomHashCache *
fwneg_engine_get_rom_hash_cache(const FwnegEngine *engine)
{
    return engine->rom_hashes;
}

GPtrArray *
fwneg_engine_get_warnings(const FwnegEngine *engine)
{
    return engine->warnings;
}

FwnegOptions
fwneg_engine_call_options(const FwnegEngine *engine, const FwnegEngineCall *call)
{
    FwnegOptions options = *engine->options;
    if (call != NULL && call->rom_policy != NULL)
        options.rom_policy = (char *)call->rom_policy;
    if (call != NULL && call->canonical_machine != NULL)
        options.canonical_machine = (char *)call->canonical_machine;
    if (call != NULL && call->qemu != NULL)
        options.qemu = (char *)call->qemu;
    if (call != NULL && call->migration_target)
        options.migration_target = TRUE;
    return options;
}

static gboolean
same_binary(const ProbedEmulator *probed, const struct stat *st)
{
    return probed->dev == st->st_dev && probed->ino == st->st_ino && probed->size == st->st_size &&
           probed->mtime.tv_sec == st->st_mtim.tv_sec &&
           probed->mtime.tv_nsec == st->st_mtim.tv_nsec;
}

static const FwnegHostFacts *
probe_emulator(FwnegEngine *engine, const char *emulator, GError **error)
{
    /* The emulator is run, not read, so --sysroot does not apply to it: planning
     * against another host's image uses --canonical-machine instead. */
    struct stat st;
    gboolean have_stat = stat(emulator, &st) == 0;
    ProbedEmulator *probed = g_hash_table_lookup(engine->emulators, emulator);
    if (probed != NULL && have_stat && same_binary(probed, &st))
        return probed->facts;

    g_autofree char *dir = cache_dir(engine->options, "cache/qemu-caps");
    FwnegHostFacts *facts = fwneg_host_facts_probe(emulator, dir, error);
    if (facts == NULL)
        return NULL;
    probed = g_new0(ProbedEmulator, 1);
    probed->facts = facts;
    if (have_stat) {
        probed->dev = st.st_dev;
        probed->ino = st.st_ino;
        probed->size = st.st_size;
        probed->mtime = st.st_mtim;
    }
    g_hash_table_replace(engine->emulators, g_strdup(emulator), probed);
    return facts;
}

const FwnegHostFacts *
fwneg_engine_host_facts(FwnegEngine *engine, const FwnegDomain *domain, const FwnegEngineCall *call,
                        GError **error)
{
    FwnegOptions options = fwneg_engine_call_options(engine, call);
    if (options.canonical_machine != NULL) {
        /* Whether a name is an alias depends on the guest's architecture. */
        g_autofree char *key =
            g_strdup_printf("%s/%s", domain->arch ? domain->arch : "", options.canonical_machine);
        FwnegHostFacts *facts = g_hash_table_lookup(engine->canonical, key);
        if (facts != NULL)
            return facts;
        facts = fwneg_host_facts_from_canonical(options.canonical_machine, domain->arch, error);
        if (facts == NULL)
            return NULL;
        g_hash_table_replace(engine->canonical, g_steal_pointer(&key), facts);
        return facts;
    }

    g_autofree char *emulator = NULL;
    if (options.qemu != NULL)
        emulator = g_strdup(options.qemu);
    else if (domain->emulator != NULL)
        emulator = g_strdup(domain->emulator);
    else
        emulator = fwneg_default_emulator_for_arch(domain->arch);
    if (emulator == NULL) {
        g_set_error(error, FWNEG_ERROR, FWNEG_ERROR_HOST,
                    "%s: no emulator known for architecture '%s'; pass --qemu PATH or "
                    "--canonical-machine NAME",
                    domain->source_name, domain->arch);
        return NULL;
    }
    return probe_emulator(engine, emulator, error);
}

FwnegPlan *
fwneg_engine_plan(FwnegEngine *engine, const FwnegDomain *domain, const FwnegEngineCall *call,
                  FwnegFirmwareChoice **choice_out, GError **error)
{
    const FwnegHostFacts *facts = fwneg_engine_host_facts(engine, domain, call, error);
    if (facts == NULL)
        return NULL;
    FwnegOptions options = fwneg_engine_call_options(engine, call);
    FwnegPlanInputs inputs = {
        .options = &options,
        .facts = facts,
        .descriptors = engine->descriptors,
        .data = ensure_data(engine),
        .rom_hash_cache = engine->rom_hashes,
    };
    FwnegPlan *plan = fwneg_plan_build(domain, &inputs, choice_out, error);
    /* Only writes when a ROM was hashed anew; a cache that cannot be written
     * only costs hashing again. */
    fwneg_rom_hash_cache_save(engine->rom_hashes);
    return plan;
}

gboolean
fwneg_engine_record(FwnegEngine *engine, FwnegPlan *plan, GError **error)
{
    return fwneg_plan_note_descriptors(plan, engine->descriptors, engine->options, error) &&
           fwneg_record_commit(state_dir_of(engine->options), plan, error);
}

char *
fwneg_engine_host_arch(void)
{
    struct utsname u;
    if (uname(&u) != 0)
        return g_strdup("x86_64");
    return g_strdup(u.machine);
}

FwnegPlan *
fwneg_engine_plan_xml(FwnegEngine *engine, const char *xml, gsize len, const char *source_name,
                      const FwnegEngineCall *call, FwnegDomain **domain_out, GError **error)
{
    if (len > FWNEG_DOMAIN_XML_MAX_BYTES) {
        g_set_error(error, FWNEG_ERROR, FWNEG_ERROR_INVALID_INPUT,
                    "%s: %" G_GSIZE_FORMAT " bytes, more than the %d bytes fwneg reads",
                    source_name, len, FWNEG_DOMAIN_XML_MAX_BYTES);
        return NULL;
    }
    g_autoptr(FwnegDomain) domain = fwneg_domain_parse_memory(xml, len, source_name, error);
    if (domain == NULL)
        return NULL;
    if (domain->arch == NULL)
        domain->arch = fwneg_engine_host_arch();
    FwnegPlan *plan = fwneg_engine_plan(engine, domain, call, NULL, error);
    if (plan != NULL && domain_out != NULL)
        *domain_out = g_steal_pointer(&domain);
    return plan;
}

gboolean
fwneg_engine_reload(FwnegEngine *engine, gboolean *descriptors_changed, gboolean *data_changed,
                    GError **error)
{
    g_autoptr(GPtrArray) descriptors = load_descriptors(engine->options, error);
    if (descriptors == NULL)
        return FALSE;
    gboolean changed = !fwneg_descriptor_sets_equal(engine->descriptors, descriptors);
    if (changed) {
        g_ptr_array_unref(engine->descriptors);
        engine->descriptors = g_steal_pointer(&descriptors);
        engine->descriptor_generation++;
    }
    if (descriptors_changed != NULL)
        *descriptors_changed = changed;

    g_autofree char *fingerprint =
        engine->data != NULL ? fwneg_plan_data_fingerprint(engine->options) : NULL;
    /* Never loaded: the first plan reads what is there then. */
    gboolean data_differs =
        engine->data != NULL && g_strcmp0(fingerprint, engine->data->fingerprint) != 0;
    if (data_differs) {
        fwneg_plan_data_free(engine->data);
        engine->data = fwneg_plan_data_load(engine->options);
    }
    if (data_changed != NULL)
        *data_changed = data_differs;

    g_ptr_array_set_size(engine->warnings, 0);
    g_autoptr(GPtrArray) dirs = fwneg_options_firmware_dirs(engine->options);
    fwneg_descriptor_store_check_dirs(dirs, engine->options->sysroot, engine->warnings);
    return TRUE;
}
