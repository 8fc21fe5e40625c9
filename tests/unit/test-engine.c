/* test-engine: FwnegEngine loads once and plans many — the same plan as a fresh
 * engine every time, per-call options, host facts probed once and again when
 * the emulator changes, and reload() noticing exactly what changed on disk
 * (descriptor generation, firmware.d). */
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <glib.h>
#include <glib/gstdio.h>

#include "descriptor-store.h"
#include "engine.h"
#include "fwneg-error.h"
#include "test-util.h"

/* A writable copy of tests/data/sysroot-debian12 and fwneg's data, so reloads
 * can be provoked by changing files. */
typedef struct {
    char *top;
    char *sysroot;
    char *data_dir;
    char *state_dir;
    char *descriptor_dir; /* inside the sysroot: /usr/share/qemu/firmware */
} Fixture;

static void
run_or_die(const char *command)
{
    g_autoptr(GError) error = NULL;
    int status = 0;
    g_assert_true(g_spawn_command_line_sync(command, NULL, NULL, &status, &error));
    g_assert_no_error(error);
    g_assert_true(g_spawn_check_wait_status(status, NULL));
}

static void
fixture_set_up(Fixture *fx, gconstpointer user_data)
{
    fx->top = fwneg_test_make_tmp_dir("fwneg-engine-XXXXXX");
    fx->sysroot = g_build_filename(fx->top, "sysroot", NULL);
    fx->data_dir = g_build_filename(fx->top, "data", NULL);
    fx->state_dir = g_build_filename(fx->top, "state", NULL);
    fx->descriptor_dir = g_build_filename(fx->sysroot, "usr/share/qemu/firmware", NULL);
    g_autofree char *sysroot_src = fwneg_test_data_path("sysroot-debian12", "");
    g_autofree char *data_src = g_build_filename(g_getenv("FWNEG_SRCDIR"), "data", NULL);
    g_autofree char *copy = g_strdup_printf("cp -a '%s' '%s'", sysroot_src, fx->sysroot);
    run_or_die(copy);
    g_free(copy);
    copy = g_strdup_printf("cp -a '%s' '%s'", data_src, fx->data_dir);
    run_or_die(copy);
}

static void
fixture_tear_down(Fixture *fx, gconstpointer user_data)
{
    fwneg_test_remove_tree(fx->top);
    g_free(fx->top);
    g_free(fx->sysroot);
    g_free(fx->data_dir);
    g_free(fx->state_dir);
    g_free(fx->descriptor_dir);
}

static FwnegOptions *
fixture_options(const Fixture *fx)
{
    FwnegOptions *options = fwneg_options_new();
    options->sysroot = g_strdup(fx->sysroot);
    options->data_dir = g_strdup(fx->data_dir);
    options->state_dir = g_strdup(fx->state_dir);
    options->rom_policy = g_strdup("default");
    options->canonical_machine = g_strdup("pc-q35-7.2");
    return options;
}

static const char guest_xml[] =
    "<domain type='qemu'><name>engine</name>"
    "<uuid>00000000-0000-4000-8000-0000000000e1</uuid><memory>65536</memory>"
    "<os firmware='efi'><type arch='x86_64' machine='q35'>hvm</type></os>"
    "<features><acpi/></features><devices>"
    "<disk type='file' device='disk'><source file='/a.qcow2'/><target dev='vda' bus='virtio'/>"
    "<address type='pci' domain='0x0000' bus='0x00' slot='0x03' function='0x0'/></disk>"
    "</devices></domain>";

static char *
plan_json(FwnegEngine *engine, const FwnegEngineCall *call, GError **error)
{
    g_autoptr(FwnegPlan) plan = fwneg_engine_plan_xml(engine, guest_xml, strlen(guest_xml),
                                                      "engine.xml", call, NULL, error);
    return plan != NULL ? fwneg_plan_to_json(plan) : NULL;
}

/* Many plans from one engine equal the plan of a fresh engine. */
static void
test_plans_many(Fixture *fx, gconstpointer user_data)
{
    g_autoptr(GError) error = NULL;
    g_autoptr(FwnegEngine) engine = fwneg_engine_new(fixture_options(fx), &error);
    g_assert_no_error(error);
    g_assert_cmpuint(fwneg_engine_get_descriptor_generation(engine), ==, 1);
    g_assert_cmpuint(fwneg_engine_get_descriptors(engine)->len, ==, 7);

    g_autofree char *first = plan_json(engine, NULL, &error);
    g_assert_no_error(error);
    g_assert_nonnull(strstr(first, "\"machine\": \"pc-q35-7.2\""));
    g_assert_nonnull(strstr(first, "\"descriptor\": "
                                   "\"/usr/share/qemu/firmware/40-edk2-x86_64-secure-enrolled"));
    for (int i = 0; i < 50; i++) {
        g_autofree char *again = plan_json(engine, NULL, &error);
        g_assert_no_error(error);
        g_assert_cmpstr(again, ==, first);
    }
    g_autoptr(FwnegEngine) fresh = fwneg_engine_new(fixture_options(fx), &error);
    g_assert_no_error(error);
    g_autofree char *from_fresh = plan_json(fresh, NULL, &error);
    g_assert_cmpstr(from_fresh, ==, first);
}

/* Per-call options change only that call. */
static void
test_call_options(Fixture *fx, gconstpointer user_data)
{
    g_autoptr(GError) error = NULL;
    g_autoptr(FwnegEngine) engine = fwneg_engine_new(fixture_options(fx), &error);
    g_assert_no_error(error);
    FwnegEngineCall old_q35 = {.canonical_machine = "pc-q35-5.2"};
    g_autofree char *other = plan_json(engine, &old_q35, &error);
    g_assert_no_error(error);
    g_assert_nonnull(strstr(other, "\"machine\": \"pc-q35-5.2\""));
    /* SMI: 0x3 on pc-q35-5.2, 0x7 on 7.2 */
    g_assert_nonnull(strstr(other, "0300000000000000"));
    g_autofree char *usual = plan_json(engine, NULL, &error);
    g_assert_nonnull(strstr(usual, "\"machine\": \"pc-q35-7.2\""));
    g_assert_nonnull(strstr(usual, "0700000000000000"));
    g_assert_cmpstr(fwneg_engine_get_options(engine)->canonical_machine, ==, "pc-q35-7.2");

    FwnegEngineCall bad = {.canonical_machine = "no such machine!"};
    g_autofree char *none = plan_json(engine, &bad, &error);
    g_assert_null(none);
    g_assert_nonnull(error);
}

static void
write_emulator(const char *path, const char *version)
{
    g_autofree char *script = g_strdup_printf(
        "#!/bin/sh\n"
        "case \"$1\" in\n"
        "-version) echo 'QEMU emulator version %s (Debian)';;\n"
        "-machine) printf 'Supported machines are:\\npc-q35-7.2  Standard PC (Q35 + ICH9, 2009) "
        "(default)\\nq35  Standard PC (Q35 + ICH9, 2009) (alias of pc-q35-7.2)\\n';;\n"
        "esac\n",
        version);
    g_autofree char *tmp = g_strconcat(path, ".new", NULL);
    g_assert_true(g_file_set_contents(tmp, script, -1, NULL));
    g_assert_cmpint(g_chmod(tmp, 0755), ==, 0);
    g_assert_cmpint(g_rename(tmp, path), ==, 0); /* a new inode, as a package upgrade makes */
}

/* Host facts: probed once per emulator, probed again when the binary changed. */
static void
test_host_facts(Fixture *fx, gconstpointer user_data)
{
    g_autofree char *emulator = g_build_filename(fx->top, "qemu-system-x86_64", NULL);
    write_emulator(emulator, "7.2.22");
    FwnegOptions *options = fixture_options(fx);
    g_clear_pointer(&options->canonical_machine, g_free);
    options->qemu = g_strdup(emulator);
    options->no_cache = TRUE; /* only the engine's own memory */
    g_autoptr(GError) error = NULL;
    g_autoptr(FwnegEngine) engine = fwneg_engine_new(options, &error);
    g_assert_no_error(error);
    g_autoptr(FwnegDomain) domain =
        fwneg_domain_parse_memory(guest_xml, strlen(guest_xml), "engine.xml", &error);
    g_assert_no_error(error);

    const FwnegHostFacts *facts = fwneg_engine_host_facts(engine, domain, NULL, &error);
    g_assert_no_error(error);
    g_assert_cmpstr(facts->version, ==, "7.2.22");
    const FwnegHostFacts *again = fwneg_engine_host_facts(engine, domain, NULL, &error);
    g_assert_true(again == facts); /* not probed again */

    write_emulator(emulator, "7.2.23");
    const FwnegHostFacts *upgraded = fwneg_engine_host_facts(engine, domain, NULL, &error);
    g_assert_no_error(error);
    g_assert_cmpstr(upgraded->version, ==, "7.2.23");

    g_assert_cmpint(g_unlink(emulator), ==, 0);
    g_autoptr(GError) missing_error = NULL;
    g_assert_null(fwneg_engine_host_facts(engine, domain, NULL, &missing_error));
    g_assert_error(missing_error, FWNEG_ERROR, FWNEG_ERROR_HOST);
}

static void
touch_descriptor(const char *dir, const char *name, const char *contents)
{
    g_autofree char *tmp = g_build_filename(dir, ".tmp", NULL);
    g_autofree char *path = g_build_filename(dir, name, NULL);
    g_assert_true(g_file_set_contents(tmp, contents, -1, NULL));
    g_assert_cmpint(g_rename(tmp, path), ==, 0);
}

/* reload(): nothing changed → same generation; a descriptor added, changed,
 * masked or removed → a new generation and the new set; firmware.d changed →
 * data_changed. */
static void
test_reload(Fixture *fx, gconstpointer user_data)
{
    g_autoptr(GError) error = NULL;
    g_autoptr(FwnegEngine) engine = fwneg_engine_new(fixture_options(fx), &error);
    g_assert_no_error(error);
    gboolean descriptors_changed = TRUE, data_changed = TRUE;

    g_assert_true(fwneg_engine_reload(engine, &descriptors_changed, &data_changed, &error));
    g_assert_false(descriptors_changed);
    g_assert_false(data_changed);
    g_assert_cmpuint(fwneg_engine_get_descriptor_generation(engine), ==, 1);

    /* A higher-priority copy of the 60 descriptor, named to sort first. */
    g_autofree char *src = g_build_filename(fx->descriptor_dir, "60-edk2-x86_64.json", NULL);
    g_autofree char *text = fwneg_test_read_file(src);
    touch_descriptor(fx->descriptor_dir, "10-first.json", text);
    g_assert_true(fwneg_engine_reload(engine, &descriptors_changed, NULL, &error));
    g_assert_true(descriptors_changed);
    g_assert_cmpuint(fwneg_engine_get_descriptor_generation(engine), ==, 2);
    g_assert_cmpuint(fwneg_engine_get_descriptors(engine)->len, ==, 8);
    g_autofree char *plan = plan_json(engine, NULL, &error);
    g_assert_no_error(error);
    g_assert_nonnull(strstr(plan, "\"descriptor\": \"/usr/share/qemu/firmware/10-first.json\""));

    /* Same content rewritten: a new file (inode) is a change too. */
    touch_descriptor(fx->descriptor_dir, "10-first.json", text);
    g_assert_true(fwneg_engine_reload(engine, &descriptors_changed, NULL, &error));
    g_assert_true(descriptors_changed);
    g_assert_cmpuint(fwneg_engine_get_descriptor_generation(engine), ==, 3);

    /* Masked (0 bytes), then removed. */
    touch_descriptor(fx->descriptor_dir, "10-first.json", "");
    g_assert_true(fwneg_engine_reload(engine, &descriptors_changed, NULL, &error));
    g_assert_true(descriptors_changed);
    g_autofree char *masked_plan = plan_json(engine, NULL, &error);
    g_assert_nonnull(strstr(masked_plan, "\"descriptor\": "
                                         "\"/usr/share/qemu/firmware/40-edk2-x86_64-secure-enrolled"));
    g_autofree char *first_path = g_build_filename(fx->descriptor_dir, "10-first.json", NULL);
    g_assert_cmpint(g_unlink(first_path), ==, 0);
    g_assert_true(fwneg_engine_reload(engine, &descriptors_changed, NULL, &error));
    g_assert_true(descriptors_changed);
    g_assert_cmpuint(fwneg_engine_get_descriptor_generation(engine), ==, 5);
    g_assert_cmpuint(fwneg_engine_get_descriptors(engine)->len, ==, 7);

    /* firmware.d: a feature file changed on disk. */
    g_autofree char *feature_dir = g_build_filename(fx->data_dir, "firmware.d", NULL);
    g_autoptr(GDir) dir = g_dir_open(feature_dir, 0, NULL);
    const char *name;
    g_autofree char *feature_file = NULL;
    while ((name = g_dir_read_name(dir)) != NULL)
        if (g_str_has_prefix(name, "feature-") && feature_file == NULL)
            feature_file = g_build_filename(feature_dir, name, NULL);
    g_assert_nonnull(feature_file);
    g_autofree char *feature_text = fwneg_test_read_file(feature_file);
    g_autofree char *tmp = g_strconcat(feature_file, ".tmp", NULL);
    g_assert_true(g_file_set_contents(tmp, feature_text, -1, NULL));
    g_assert_cmpint(g_rename(tmp, feature_file), ==, 0);
    g_assert_true(fwneg_engine_reload(engine, &descriptors_changed, &data_changed, &error));
    g_assert_false(descriptors_changed);
    g_assert_true(data_changed);
    g_assert_true(fwneg_engine_reload(engine, NULL, &data_changed, &error));
    g_assert_false(data_changed);
}

/* Bad input through the engine: the domain's errors, nothing cached from them. */
static void
test_bad_xml(Fixture *fx, gconstpointer user_data)
{
    g_autoptr(GError) error = NULL;
    g_autoptr(FwnegEngine) engine = fwneg_engine_new(fixture_options(fx), &error);
    g_assert_no_error(error);
    static const char broken[] = "<domain><name>x</name";
    g_autoptr(FwnegPlan) plan =
        fwneg_engine_plan_xml(engine, broken, strlen(broken), "broken.xml", NULL, NULL, &error);
    g_assert_null(plan);
    g_assert_error(error, FWNEG_ERROR, FWNEG_ERROR_INVALID_INPUT);
    g_assert_nonnull(strstr(error->message, "broken.xml"));
    g_clear_error(&error);
    g_autofree char *good = plan_json(engine, NULL, &error);
    g_assert_no_error(error);
    g_assert_nonnull(good);
}

int
main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add("/engine/plans-many", Fixture, NULL, fixture_set_up, test_plans_many,
               fixture_tear_down);
    g_test_add("/engine/call-options", Fixture, NULL, fixture_set_up, test_call_options,
               fixture_tear_down);
    g_test_add("/engine/host-facts", Fixture, NULL, fixture_set_up, test_host_facts,
               fixture_tear_down);
    g_test_add("/engine/reload", Fixture, NULL, fixture_set_up, test_reload, fixture_tear_down);
    g_test_add("/engine/bad-xml", Fixture, NULL, fixture_set_up, test_bad_xml, fixture_tear_down);
    return g_test_run();
}
