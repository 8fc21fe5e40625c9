/* plan-qemu-args.c: the QEMU arguments that realise the firmware part of a plan.
 *
 * Shapes mirror what libvirt 9.0 (Debian 12) generates for the same domain
 * (src/qemu/qemu_command.c: qemuBuildDomainLoaderCommandLine and the blockdev
 * pflash code; tests/qemuxml2argvdata/os-firmware-efi-secboot.x86_64-latest.args),
 * with fwneg's own node names ("fwneg-pflash0-…" instead of "libvirt-pflash0-…"):
 *
 *   flash:  -blockdev STORAGE + -blockdev FORMAT for the executable (pflash0, read-only)
 *           and, with a per-VM NVRAM (split mode), the same for pflash1 (read-write);
 *           -machine [smm=on,]pflash0=…[,pflash1=…]
 *           -global driver=cfi.pflash01,property=secure,value=on   (requires-smm)
 *   memory: -bios FILE          kernel: -kernel FILE
 *   QEMU's default firmware: nothing at all.
 *
 * Output: one option per line, the option and its value together, each word
 * shell-quoted only when it needs to be; so the whole output is also a valid
 * shell word list.  -machine carries only firmware properties (no machine type):
 * QEMU merges repeated -machine options, so it combines with the caller's own.
 * ROMs and fw_cfg entries: see the notes at their functions.
 */
#include "plan.h"

#include <json-c/json.h>
#include <string.h>

/* Characters that never need quoting in a POSIX shell word. */
static gboolean
shell_word_is_safe(const char *word)
{
    if (!*word)
        return FALSE;
    for (const char *p = word; *p; p++)
        if (!g_ascii_isalnum(*p) && !strchr("_-./,:=@%+", *p))
            return FALSE;
    return TRUE;
}

static void
add_option(GString *out, const char *option, const char *value)
{
    g_string_append(out, option);
    if (value) {
        g_autofree char *quoted =
            shell_word_is_safe(value) ? g_strdup(value) : g_shell_quote(value);

        g_string_append_c(out, ' ');
        g_string_append(out, quoted);
    }
    g_string_append_c(out, '\n');
}

/* libvirt formats blockdev JSON compactly, keys in this order. */
static void
add_pflash_blockdevs(GString *out, guint unit, const char *filename, const char *format,
                     gboolean read_only)
{
    g_autofree char *storage = g_strdup_printf("fwneg-pflash%u-storage", unit);
    g_autofree char *format_node = g_strdup_printf("fwneg-pflash%u-format", unit);
    json_object *file = json_object_new_object();
    json_object *fmt = json_object_new_object();
    const int flags = JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE;

    json_object_object_add(file, "driver", json_object_new_string("file"));
    json_object_object_add(file, "filename", json_object_new_string(filename));
    json_object_object_add(file, "node-name", json_object_new_string(storage));
    json_object_object_add(file, "auto-read-only", json_object_new_boolean(TRUE));
    json_object_object_add(file, "discard", json_object_new_string("unmap"));
    add_option(out, "-blockdev", json_object_to_json_string_ext(file, flags));

    json_object_object_add(fmt, "node-name", json_object_new_string(format_node));
    json_object_object_add(fmt, "read-only", json_object_new_boolean(read_only));
    json_object_object_add(fmt, "driver", json_object_new_string(format ? format : "raw"));
    json_object_object_add(fmt, "file", json_object_new_string(storage));
    add_option(out, "-blockdev", json_object_to_json_string_ext(fmt, flags));

    json_object_put(file);
    json_object_put(fmt);
}

/* The plan's NVRAM path, else libvirt 9.0's default (qemuDomainNVRAMPathFormat). */
static char *
nvram_path(const FwnegPlan *plan)
{
    if (plan->nvram_path)
        return g_strdup(plan->nvram_path);
    return g_strdup_printf("%s/%s_VARS.fd", FWNEG_LIBVIRT_NVRAM_DIR,
                           plan->name ? plan->name : "guest");
}

static void
add_flash(GString *out, const FwnegPlan *plan, const FwnegFirmwareChoice *fw)
{
    /* libvirt 9.0 uses a per-VM NVRAM only for split mode; it marks the loader
     * read-only whatever the mode, and so does this. */
    gboolean with_nvram = g_strcmp0(fw->mode, "split") == 0 || (!fw->mode && fw->nvram_template);
    GString *machine = g_string_new(NULL);

    add_pflash_blockdevs(out, 0, fw->executable, fw->executable_format, TRUE);
    if (with_nvram) {
        g_autofree char *nvram = nvram_path(plan);
        /* The NVRAM copy has the template's format (libvirt: nvram format
         * follows the template). */
        add_pflash_blockdevs(
            out, 1, nvram,
            fw->nvram_template_format ? fw->nvram_template_format : fw->executable_format, FALSE);
    }

    if (fw->requires_smm)
        g_string_append(machine, "smm=on,");
    g_string_append(machine, "pflash0=fwneg-pflash0-format");
    if (with_nvram)
        g_string_append(machine, ",pflash1=fwneg-pflash1-format");
    add_option(out, "-machine", machine->str);
    g_string_free(machine, TRUE);

    /* libvirt emits this for <loader secure='yes'>, which requires-smm sets. */
    if (fw->requires_smm)
        add_option(out, "-global", "driver=cfi.pflash01,property=secure,value=on");
}

/* The boot order as libvirt 9.0 passes it: -boot [menu=on|off,][splash-time=MS,]strict=on
 * (qemuBuildBootCommandLine), and each device's bootindex.  fwneg does not
 * write -device options, so the bootindex is set on the device libvirt creates
 * with id=ALIAS through -set (key=value -device only); floppies take it on the
 * floppy controller (isa-fdc.bootindexA/B), as libvirt does. */
static void
add_boot(GString *out, const FwnegPlan *plan)
{
    if (!plan->boot_strict)
        return;
    for (guint i = 0; plan->boot_entries && i < plan->boot_entries->len; i++) {
        const FwnegBootEntry *entry = g_ptr_array_index(plan->boot_entries, i);
        g_autofree char *value = NULL;

        if (entry->floppy_unit >= 0)
            value = g_strdup_printf("isa-fdc.bootindex%c=%d", entry->floppy_unit ? 'B' : 'A',
                                    entry->bootindex);
        else if (entry->qemu_id != NULL)
            value = g_strdup_printf("device.%s.bootindex=%d", entry->qemu_id, entry->bootindex);
        else
            continue; /* -kernel's ROM: the -kernel option itself */
        add_option(out, entry->floppy_unit >= 0 ? "-global" : "-set", value);
    }
    GString *boot = g_string_new(NULL);
    if (plan->boot_menu == FWNEG_TRISTATE_YES)
        g_string_append(boot, "menu=on,");
    else if (plan->boot_menu == FWNEG_TRISTATE_NO)
        g_string_append(boot, "menu=off,");
    if (plan->boot_menu_timeout != FWNEG_UNSET)
        g_string_append_printf(boot, "splash-time=%d,", plan->boot_menu_timeout);
    g_string_append(boot, "strict=on");
    add_option(out, "-boot", boot->str);
    g_string_free(boot, TRUE);
}

/* Option ROMs, as -set on the device libvirt creates with id=ALIAS (key=value
 * -device only, like the boot indexes): romfile= pins the ROM store copy (or
 * the planned file, or "" for no ROM), romsize= a RAM block size that is not
 * the file's own bucket (migrate-check's romsize pin).  A device without an
 * alias cannot be addressed and is left out. */
static void
add_roms(GString *out, const FwnegPlan *plan)
{
    for (guint i = 0; plan->roms && i < plan->roms->len; i++) {
        const FwnegDeviceRom *rom = g_ptr_array_index(plan->roms, i);
        const char *file = rom->store_file ? rom->store_file : rom->file;
        g_autofree char *romfile = NULL;

        if (!rom->qemu_id)
            continue;
        romfile = g_strdup_printf("device.%s.romfile=%s", rom->qemu_id, file ? file : "");
        add_option(out, "-set", romfile);
        if (file && !rom->rombar) {
            g_autofree char *rombar = g_strdup_printf("device.%s.rombar=0", rom->qemu_id);

            add_option(out, "-set", rombar);
        }
        if (rom->size_pinned) {
            g_autofree char *romsize =
                g_strdup_printf("device.%s.romsize=%" G_GINT64_FORMAT, rom->qemu_id, rom->size);

            add_option(out, "-set", romsize);
        }
    }
}

/* fwneg's own fw_cfg files (origin "fwneg"): -fw_cfg name=NAME,file=PATH, the
 * shape libvirt 9.0 gives <sysinfo type='fwcfg'> file entries.  QEMU reads the
 * file once at start; `fwneg plan` writes it before printing these lines.  A ','
 * in the path is doubled (QemuOpts).  QEMU's own entries need no argument. */
static void
add_fw_cfg(GString *out, const FwnegPlan *plan)
{
    for (guint i = 0; plan->fw_cfg && i < plan->fw_cfg->len; i++) {
        const FwnegFwCfgFile *entry = g_ptr_array_index(plan->fw_cfg, i);
        g_autofree char *path = NULL;
        g_autofree char *value = NULL;
        g_auto(GStrv) parts = NULL;

        if (g_strcmp0(entry->origin, "fwneg") != 0 || !entry->file)
            continue;
        parts = g_strsplit(entry->file, ",", -1);
        path = g_strjoinv(",,", parts);
        value = g_strdup_printf("name=%s,file=%s", entry->name, path);
        add_option(out, "-fw_cfg", value);
    }
}

char *
fwneg_plan_to_qemu_args(const FwnegPlan *plan)
{
    const FwnegFirmwareChoice *fw = plan->firmware;
    GString *out = g_string_new(NULL);

    /* Only a firmware chosen from a descriptor, or given in the XML, needs
     * arguments; QEMU loads its default firmware by itself. */
    if (fw && fw->executable && fw->source != FWNEG_FIRMWARE_QEMU_DEFAULT) {
        if (g_strcmp0(fw->device, "memory") == 0)
            add_option(out, "-bios", fw->executable);
        else if (g_strcmp0(fw->device, "kernel") == 0)
            add_option(out, "-kernel", fw->executable);
        else if (g_strcmp0(fw->device, "flash") == 0 || g_strcmp0(fw->interface, "uefi") == 0)
            add_flash(out, plan, fw);
        else
            add_option(out, "-bios", fw->executable);
    }
    add_boot(out, plan);
    add_fw_cfg(out, plan);
    add_roms(out, plan);
    return g_string_free(out, FALSE);
}
