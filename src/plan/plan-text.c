/* plan-text.c: the plan as a short summary a person reads at a glance.
 *
 * Layout: a 10-column label ("guest", "machine", "firmware", "roms", "boot",
 * "fw_cfg", "fdt", "warnings") and the value; continuation lines are indented
 * to the value column.  No colour, no terminal probing: the output is the same
 * wherever it goes (it is golden-tested).  Lines stay within 100 columns unless
 * a single path or name is itself longer; full paths and bytes are in --output=json.
 */
#include "plan.h"

#include <string.h>

#define LABEL_WIDTH 10
#define MAX_COLUMNS 100

/* Append one line: @label (or blanks for a continuation) then @value. */
static void
add_line(GString *out, const char *label, const char *value)
{
    g_string_append_printf(out, "%-*s%s\n", LABEL_WIDTH, label ? label : "", value);
}

/* A list section: first line carries the label, the rest are continuations. */
static void
add_lines(GString *out, const char *label, GPtrArray *lines)
{
    for (guint i = 0; i < lines->len; i++)
        add_line(out, i == 0 ? label : NULL, g_ptr_array_index(lines, i));
}

static char *
format_size(gint64 bytes)
{
    if (bytes >= 1024 * 1024 && bytes % (1024 * 1024) == 0)
        return g_strdup_printf("%" G_GINT64_FORMAT " MiB", bytes / (1024 * 1024));
    if (bytes >= 1024 && bytes % 1024 == 0)
        return g_strdup_printf("%" G_GINT64_FORMAT " KiB", bytes / 1024);
    return g_strdup_printf("%" G_GINT64_FORMAT " B", bytes);
}

/* "PREFIX a, b, c SUFFIX" as lines of the value column, wrapped between items
 * so no line passes MAX_COLUMNS; continuation lines align under the first item. */
static void
add_wrapped_list(GPtrArray *lines, const char *prefix, GPtrArray *items, const char *suffix)
{
    const gsize width = MAX_COLUMNS - LABEL_WIDTH;
    g_autofree char *continuation = g_strnfill(strlen(prefix), ' ');
    GString *line = g_string_new(prefix);
    gboolean line_has_item = FALSE;

    for (guint i = 0; i < items->len; i++) {
        const char *item = g_ptr_array_index(items, i);
        gboolean last = i + 1 == items->len;
        /* what must still fit on this line after the item: "," or the suffix */
        gsize tail = last ? strlen(suffix) : 1;

        if (line_has_item && line->len + 2 + strlen(item) + tail > width) {
            g_string_append_c(line, ',');
            g_ptr_array_add(lines, g_string_free(line, FALSE));
            line = g_string_new(continuation);
            line_has_item = FALSE;
        }
        if (line_has_item)
            g_string_append(line, ", ");
        g_string_append(line, item);
        line_has_item = TRUE;
    }
    g_string_append(line, suffix);
    g_ptr_array_add(lines, g_string_free(line, FALSE));
}

static void
add_guest(GString *out, const FwnegPlan *plan)
{
    g_autofree char *line =
        g_strdup_printf("%s (%s%s)", plan->name ? plan->name : "(unnamed)",
                        plan->uuid ? "uuid " : "no uuid", plan->uuid ? plan->uuid : "");
    add_line(out, "guest", line);
}

static void
add_machine(GString *out, const FwnegPlan *plan)
{
    GString *line = g_string_new(plan->machine ? plan->machine : "(unknown machine)");

    if (plan->machine_requested && g_strcmp0(plan->machine_requested, plan->machine) != 0)
        g_string_append_printf(line, " (requested %s)", plan->machine_requested);
    if (plan->arch)
        g_string_append_printf(line, ", %s", plan->arch);
    if (plan->qemu_version)
        g_string_append_printf(line, ", QEMU %s", plan->qemu_version);
    add_line(out, "machine", line->str);
    g_string_free(line, TRUE);
}

static void
add_firmware(GString *out, const FwnegPlan *plan)
{
    const FwnegFirmwareChoice *fw = plan->firmware;
    g_autoptr(GPtrArray) lines = g_ptr_array_new_with_free_func(g_free);
    const char *interface = fw && fw->interface ? fw->interface : NULL;
    GString *line;

    if (!fw || (!fw->executable && !fw->descriptor)) {
        g_ptr_array_add(lines, g_strdup_printf("%s%sQEMU's built-in default",
                                               interface ? interface : "", interface ? ": " : ""));
        add_lines(out, "firmware", lines);
        return;
    }
    if (fw->source == FWNEG_FIRMWARE_QEMU_DEFAULT) {
        g_ptr_array_add(lines,
                        g_strdup_printf("%s: %s", interface ? interface : "?", fw->executable));
        g_ptr_array_add(lines, g_strdup("QEMU's default (no firmware configured in the domain)"));
        add_lines(out, "firmware", lines);
        return;
    }

    line = g_string_new(NULL);
    g_string_append_printf(line, "%s: %s", interface ? interface : "?",
                           fw->executable ? fw->executable : "(nothing loaded)");
    if (g_strcmp0(fw->device, "memory") == 0)
        g_string_append(line, " (ROM, -bios)");
    else if (g_strcmp0(fw->device, "kernel") == 0)
        g_string_append(line, " (loaded as -kernel)");
    else if (fw->mode && g_strcmp0(fw->mode, "split") != 0)
        g_string_append_printf(line, " (flash, %s)", fw->mode);
    g_ptr_array_add(lines, g_string_free(line, FALSE));

    if (fw->nvram_template)
        g_ptr_array_add(lines, g_strdup_printf("nvram template %s%s", fw->nvram_template,
                                               fw->nvram_template_from_legacy_list
                                                   ? " (libvirt's loader:nvram list)"
                                                   : ""));
    if (plan->nvram_path)
        g_ptr_array_add(lines, g_strdup_printf("nvram file %s", plan->nvram_path));
    if (fw->descriptor)
        g_ptr_array_add(lines, g_strdup_printf("from %s", fw->descriptor));
    else
        g_ptr_array_add(lines, g_strdup("from the domain's <loader> (no descriptor matched it)"));

    if (fw->features && fw->features->len > 0) {
        add_wrapped_list(lines, "features: ", fw->features,
                         fw->requires_smm ? " (SMM will be on)" : "");
    } else {
        g_ptr_array_add(lines, g_strdup_printf("features: none%s",
                                               fw->requires_smm ? " (SMM will be on)" : ""));
    }

    if (fw->rejected && fw->rejected->len > 0)
        g_ptr_array_add(lines,
                        g_strdup_printf("%u other candidate%s rejected (fwneg explain shows why)",
                                        fw->rejected->len, fw->rejected->len == 1 ? "" : "s"));
    add_lines(out, "firmware", lines);
}

static guint
max_width(GPtrArray *cells)
{
    guint width = 0;

    for (guint i = 0; i < cells->len; i++)
        width = MAX(width, (guint)g_utf8_strlen(g_ptr_array_index(cells, i), -1));
    return width;
}

/* One line per ROM: device, model, RAM block, RAM block size, file (basename;
 * the full path is in the JSON).  Columns aligned across ROMs. */
static void
add_roms(GString *out, const FwnegPlan *plan)
{
    g_autoptr(GPtrArray) devices = g_ptr_array_new_with_free_func(g_free);
    g_autoptr(GPtrArray) models = g_ptr_array_new_with_free_func(g_free);
    g_autoptr(GPtrArray) ramblocks = g_ptr_array_new_with_free_func(g_free);
    g_autoptr(GPtrArray) sizes = g_ptr_array_new_with_free_func(g_free);
    g_autoptr(GPtrArray) lines = g_ptr_array_new_with_free_func(g_free);
    guint w_device, w_model, w_ramblock, w_size;

    if (!plan->roms) {
        add_line(out, "roms", "(none planned yet)");
        return;
    }
    if (plan->roms->len == 0) {
        add_line(out, "roms", "(none)");
        return;
    }

    for (guint i = 0; i < plan->roms->len; i++) {
        const FwnegDeviceRom *rom = g_ptr_array_index(plan->roms, i);

        g_ptr_array_add(devices, g_strdup(rom->device ? rom->device : "?"));
        g_ptr_array_add(models, g_strdup(rom->model ? rom->model : "(default)"));
        g_ptr_array_add(ramblocks, g_strdup(rom->ramblock           ? rom->ramblock
                                            : rom->ramblock_pending ? "(define the guest to see it)"
                                                                    : "(no RAM block)"));
        g_ptr_array_add(sizes,
                        rom->ramblock || rom->size > 0 ? format_size(rom->size) : g_strdup("-"));
    }
    w_device = max_width(devices);
    w_model = max_width(models);
    w_ramblock = max_width(ramblocks);
    w_size = max_width(sizes);

    for (guint i = 0; i < plan->roms->len; i++) {
        const FwnegDeviceRom *rom = g_ptr_array_index(plan->roms, i);
        g_autofree char *base = rom->file ? g_path_get_basename(rom->file) : NULL;
        const char *file = base ? base : "no ROM file";
        GString *line = g_string_new(NULL);

        g_string_append_printf(line, "%-*s  %-*s  %-*s  %*s  %s%s", w_device,
                               (char *)g_ptr_array_index(devices, i), w_model,
                               (char *)g_ptr_array_index(models, i), w_ramblock,
                               (char *)g_ptr_array_index(ramblocks, i), w_size,
                               (char *)g_ptr_array_index(sizes, i), file,
                               rom->file && !rom->rombar ? " (rombar off)"
                               : rom->size_pinned        ? " (romsize)"
                                                         : "");
        if (rom->store_file)
            g_string_append(line, " (pinned to the ROM store)");
        g_ptr_array_add(lines, g_string_free(line, FALSE));
    }
    add_lines(out, "roms", lines);
}

/* Each bootorder line beside the libvirt device it comes from (the entries
 * hold the lines before HALT, in the same order). */
static void
add_boot(GString *out, const FwnegPlan *plan)
{
    g_autoptr(GPtrArray) lines = g_ptr_array_new_with_free_func(g_free);
    guint width = 0;

    const char *pending = fwneg_plan_pending_reason(plan, "bootorder");
    if (pending != NULL) {
        g_ptr_array_add(lines, g_strdup("define the guest to see the boot order:"));
        g_ptr_array_add(lines, g_strdup(pending));
        add_lines(out, "boot", lines);
        return;
    }
    if (!plan->bootorder || plan->bootorder->len == 0) {
        add_line(out, "boot", "(default order)");
        return;
    }
    for (guint i = 0; i < plan->bootorder->len; i++)
        width = MAX(width, (guint)strlen(g_ptr_array_index(plan->bootorder, i)));
    for (guint i = 0; i < plan->bootorder->len; i++) {
        const char *line = g_ptr_array_index(plan->bootorder, i);
        const FwnegBootEntry *entry = plan->boot_entries && i < plan->boot_entries->len
                                          ? g_ptr_array_index(plan->boot_entries, i)
                                          : NULL;

        if (entry == NULL || g_strcmp0(entry->path, line) != 0)
            g_ptr_array_add(lines, g_strdup(line));
        else
            g_ptr_array_add(lines, g_strdup_printf("%-*s  %s", (int)width, line,
                                                   entry->device ? entry->device : "(-kernel)"));
    }
    add_lines(out, "boot", lines);
}

/* 8-byte entries are QEMU's and fwneg's little-endian u64 bitmaps: show the value
 * too.  Large blobs are summarised by size. */
static char *
fw_cfg_value(GBytes *data)
{
    gsize len = 0;
    const guint8 *p = data ? g_bytes_get_data(data, &len) : NULL;
    GString *s;

    if (len > 16)
        return g_strdup_printf("%" G_GSIZE_FORMAT " bytes", len);
    if (len == 0)
        return g_strdup("(empty)");
    s = g_string_new(NULL);
    for (gsize i = 0; i < len; i++)
        g_string_append_printf(s, "%02x", p[i]);
    if (len == 8) {
        guint64 value = 0;

        for (int i = 7; i >= 0; i--)
            value = (value << 8) | p[i];
        g_string_append_printf(s, " (u64 0x%" G_GINT64_MODIFIER "x)", value);
    }
    return g_string_free(s, FALSE);
}

static void
add_fw_cfg(GString *out, const FwnegPlan *plan)
{
    g_autoptr(GPtrArray) names = g_ptr_array_new_with_free_func(g_free);
    g_autoptr(GPtrArray) origins = g_ptr_array_new_with_free_func(g_free);
    g_autoptr(GPtrArray) lines = g_ptr_array_new_with_free_func(g_free);
    guint w_name, w_origin;

    if (!plan->fw_cfg || plan->fw_cfg->len == 0) {
        add_line(out, "fw_cfg", "(none)");
        return;
    }
    for (guint i = 0; i < plan->fw_cfg->len; i++) {
        const FwnegFwCfgFile *entry = g_ptr_array_index(plan->fw_cfg, i);

        g_ptr_array_add(names, g_strdup(entry->name ? entry->name : "?"));
        g_ptr_array_add(origins, g_strdup(entry->origin ? entry->origin : "?"));
    }
    w_name = max_width(names);
    w_origin = max_width(origins);
    for (guint i = 0; i < plan->fw_cfg->len; i++) {
        const FwnegFwCfgFile *entry = g_ptr_array_index(plan->fw_cfg, i);
        g_autofree char *value = fw_cfg_value(entry->data);

        g_ptr_array_add(lines, g_strdup_printf("%-*s  %-*s  %s", w_name,
                                               (char *)g_ptr_array_index(names, i), w_origin,
                                               (char *)g_ptr_array_index(origins, i), value));
    }
    add_lines(out, "fw_cfg", lines);
}

static void
add_fdt(GString *out, const FwnegPlan *plan)
{
    g_autoptr(GPtrArray) lines = g_ptr_array_new_with_free_func(g_free);

    if (!plan->has_fdt)
        return;
    g_ptr_array_add(lines,
                    plan->fdt_file ? g_strdup(plan->fdt_file) : g_strdup("(generated by QEMU)"));
    if (fwneg_plan_pending_reason(plan, "bootorder") != NULL)
        g_ptr_array_add(lines, g_strdup("define the guest to see the boot nodes"));
    for (guint i = 0; plan->fdt_nodes && i < plan->fdt_nodes->len; i++)
        g_ptr_array_add(
            lines, g_strdup_printf("boot node %s", (char *)g_ptr_array_index(plan->fdt_nodes, i)));
    add_lines(out, "fdt", lines);
}

static void
add_warnings(GString *out, const FwnegPlan *plan)
{
    g_autoptr(GPtrArray) lines = g_ptr_array_new();

    for (guint i = 0; plan->warnings && i < plan->warnings->len; i++)
        g_ptr_array_add(lines, g_ptr_array_index(plan->warnings, i));
    /* The planner may already have copied the firmware's warnings: once is enough. */
    GPtrArray *firmware_warnings = plan->firmware ? plan->firmware->warnings : NULL;

    for (guint i = 0; firmware_warnings && i < firmware_warnings->len; i++) {
        const char *warning = g_ptr_array_index(firmware_warnings, i);

        if (!g_ptr_array_find_with_equal_func(lines, warning, g_str_equal, NULL))
            g_ptr_array_add(lines, (char *)warning);
    }
    if (lines->len > 0)
        add_lines(out, "warnings", lines);
}

char *
fwneg_plan_to_text(const FwnegPlan *plan)
{
    GString *out = g_string_new(NULL);

    add_guest(out, plan);
    add_machine(out, plan);
    add_firmware(out, plan);
    add_roms(out, plan);
    add_boot(out, plan);
    add_fw_cfg(out, plan);
    add_fdt(out, plan);
    add_warnings(out, plan);
    return g_string_free(out, FALSE);
}
