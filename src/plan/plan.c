/* plan.c: build the plan for one guest from its domain model and the host's
 * inputs.  Each stage lives in its own module; this file only sequences them
 * and collects what they say.
 */
#include "plan.h"

#include "domain-validate.h"
#include "fwneg-error.h"

void
fwneg_plan_free(FwnegPlan *plan)
{
    if (plan == NULL)
        return;
    g_free(plan->name);
    g_free(plan->uuid);
    g_free(plan->arch);
    g_free(plan->machine);
    g_free(plan->machine_requested);
    g_free(plan->qemu_version);
    g_free(plan->nvram_path);
    g_free(plan->fw_cfg_state_dir);
    fwneg_firmware_choice_free(plan->firmware);
    g_clear_pointer(&plan->roms, g_ptr_array_unref);
    g_clear_pointer(&plan->bootorder, g_ptr_array_unref);
    g_clear_pointer(&plan->boot_entries, g_ptr_array_unref);
    g_clear_pointer(&plan->fw_cfg, g_ptr_array_unref);
    g_free(plan->fdt_file);
    g_clear_pointer(&plan->fdt_nodes, g_ptr_array_unref);
    g_clear_pointer(&plan->warnings, g_ptr_array_unref);
    g_clear_pointer(&plan->decided_by, g_ptr_array_unref);
    g_clear_pointer(&plan->pending, g_ptr_array_unref);
    g_free(plan);
}

void
fwneg_descriptor_note_free(FwnegDescriptorNote *note)
{
    if (note == NULL)
        return;
    g_free(note->name);
    g_free(note->path);
    g_free(note->sha256);
    g_free(note);
}

void
fwneg_pending_part_free(FwnegPendingPart *pending)
{
    if (pending == NULL)
        return;
    g_free(pending->part);
    g_free(pending->reason);
    g_free(pending);
}

static void
add_pending(FwnegPlan *plan, char *part, const char *reason)
{
    FwnegPendingPart *pending = g_new0(FwnegPendingPart, 1);
    pending->part = part;
    pending->reason = g_strdup(reason);
    g_ptr_array_add(plan->pending, pending);
}

const char *
fwneg_plan_pending_reason(const FwnegPlan *plan, const char *part)
{
    for (guint i = 0; plan->pending && i < plan->pending->len; i++) {
        const FwnegPendingPart *pending = g_ptr_array_index(plan->pending, i);
        if (g_strcmp0(pending->part, part) == 0)
            return pending->reason;
    }
    return NULL;
}

FwnegPlan *
fwneg_plan_new(void)
{
    FwnegPlan *plan = g_new0(FwnegPlan, 1);
    plan->roms = g_ptr_array_new_with_free_func((GDestroyNotify)fwneg_device_rom_free);
    plan->bootorder = g_ptr_array_new_with_free_func(g_free);
    plan->boot_entries = g_ptr_array_new_with_free_func((GDestroyNotify)fwneg_boot_entry_free);
    plan->boot_menu_timeout = FWNEG_UNSET;
    plan->fw_cfg = g_ptr_array_new_with_free_func((GDestroyNotify)fwneg_fwcfg_file_free);
    plan->fdt_nodes = g_ptr_array_new_with_free_func(g_free);
    plan->warnings = g_ptr_array_new_with_free_func(g_free);
    plan->pending = g_ptr_array_new_with_free_func((GDestroyNotify)fwneg_pending_part_free);
    return plan;
}

/* libvirt 9.0 (qemuDomainNVRAMPathFormat): a pflash loader without an NVRAM
 * source gets NVRAM_DIR/NAME_VARS.fd, whatever the template's format (9.0
 * accepts only raw templates; the .qcow2 name came with later versions). */
static char *
plan_nvram_path(const FwnegDomain *domain, const FwnegFirmwareChoice *choice)
{
    if (domain->nvram.path != NULL)
        return g_strdup(domain->nvram.path);
    if (choice->nvram_template == NULL)
        return NULL;
    return g_strdup_printf("%s/%s_VARS.fd", FWNEG_LIBVIRT_NVRAM_DIR, domain->name);
}

static void
take_all(GPtrArray *to, GPtrArray *from)
{
    for (guint i = 0; i < from->len; i++)
        g_ptr_array_add(to, g_steal_pointer(&g_ptr_array_index(from, i)));
    g_ptr_array_set_size(from, 0);
}

static gboolean
plan_roms(FwnegPlan *plan, const FwnegDomain *domain, const char *machine,
          const FwnegPlanInputs *inputs, const FwnegPlanData *data, GError **error)
{
    for (guint i = 0; i < data->rom_set_warnings->len; i++)
        g_ptr_array_add(plan->warnings, g_strdup(g_ptr_array_index(data->rom_set_warnings, i)));

    g_autofree char *cache_file = NULL;
    g_autoptr(FwnegRomHashCache) own_cache = NULL;
    FwnegRomHashCache *cache = inputs->rom_hash_cache;
    if (cache == NULL) {
        cache_file = fwneg_rom_hash_cache_file(inputs->options);
        cache = own_cache = fwneg_rom_hash_cache_new(cache_file);
    }
    FwnegRomPlanInputs rom_inputs = {
        .options = inputs->options,
        .firmware_interface = plan->firmware->interface,
        .rom_sets = data->rom_sets,
        .rom_sets_dir = data->rom_sets_dir,
        .hash_cache = cache,
    };
    g_autoptr(GPtrArray) roms = fwneg_rom_plan(domain, machine, &rom_inputs, plan->warnings, error);
    if (roms == NULL)
        return FALSE;
    if (own_cache != NULL)
        fwneg_rom_hash_cache_save(own_cache);
    for (guint i = 0; i < roms->len; i++) {
        const FwnegDeviceRom *rom = g_ptr_array_index(roms, i);
        if (rom->ramblock_pending != NULL)
            add_pending(plan, g_strdup_printf("roms[%u].ramblock", plan->roms->len + i),
                        rom->ramblock_pending);
    }
    take_all(plan->roms, roms);
    return TRUE;
}

static gboolean
plan_boot_order(FwnegPlan *plan, const FwnegDomain *domain, const char *machine,
                const FwnegOptions *options, GError **error)
{
    g_autoptr(FwnegBootOrder) order =
        fwneg_bootorder_plan(domain, machine, options->sysroot, error);
    if (order == NULL)
        return FALSE;
    if (order->pending != NULL)
        add_pending(plan, g_strdup("bootorder"), order->pending);
    take_all(plan->bootorder, order->lines);
    take_all(plan->boot_entries, order->entries);
    plan->boot_strict = order->strict;
    plan->boot_menu = order->menu;
    plan->boot_menu_timeout = order->menu_timeout;
    plan->has_fdt = order->has_fdt;
    plan->fdt_file = g_steal_pointer(&order->fdt_file);
    take_all(plan->fdt_nodes, order->fdt_nodes);
    return TRUE;
}

static gboolean
plan_fw_cfg(FwnegPlan *plan, const FwnegDomain *domain, const char *machine,
            const FwnegPlanInputs *inputs, const FwnegPlanData *data, GError **error)
{
    if (data->features == NULL) {
        g_propagate_error(error, g_error_copy(data->features_error));
        return FALSE;
    }
    g_autoptr(GPtrArray) genroms = g_ptr_array_new_with_free_func(g_free);
    for (guint i = 0; i < plan->roms->len; i++) {
        char *name = fwneg_device_rom_fw_cfg_name(g_ptr_array_index(plan->roms, i));
        if (name != NULL)
            g_ptr_array_add(genroms, name);
    }
    FwnegFwCfgInputs fw_cfg_inputs = {
        .options = inputs->options,
        .data = data->features,
        .qemu_version = plan->qemu_version,
        .firmware = plan->firmware,
        .genroms = genroms,
    };
    g_autoptr(FwnegFwCfgSet) set =
        fwneg_fwcfg_plan(domain, machine, &fw_cfg_inputs, plan->warnings, error);
    if (set == NULL)
        return FALSE;
    take_all(plan->fw_cfg, set->files);
    plan->fw_cfg_slots = set->slots;
    plan->fw_cfg_slots_used = set->slots_used;
    plan->fw_cfg_state_dir = g_steal_pointer(&set->state_dir);
    return TRUE;
}

FwnegPlan *
fwneg_plan_build(const FwnegDomain *domain, const FwnegPlanInputs *inputs,
                 FwnegFirmwareChoice **choice_out, GError **error)
{
    g_return_val_if_fail(domain != NULL && inputs != NULL && inputs->facts != NULL, NULL);
    g_autoptr(FwnegPlan) plan = fwneg_plan_new();

    if (domain->arch == NULL || !fwneg_arch_is_modelled(domain->arch)) {
        /* The parser already refused names libvirt does not know. */
        g_set_error(error, FWNEG_ERROR, FWNEG_ERROR_UNSATISFIABLE,
                    "%s: <os><type arch='%s'>: architecture not modelled; fwneg plans x86_64, "
                    "i686, aarch64, armv7l and riscv64 guests",
                    domain->source_name, domain->arch ? domain->arch : "");
        return NULL;
    }

    g_autoptr(GError) machine_error = NULL;
    const char *machine =
        fwneg_host_facts_canonicalize(inputs->facts, domain->machine, &machine_error);
    if (machine == NULL) {
        g_set_error(error, FWNEG_ERROR, machine_error->code, "%s: <os><type machine='%s'>: %s",
                    domain->source_name, domain->machine ? domain->machine : "",
                    machine_error->message);
        return NULL;
    }

    /* What libvirt 9.0 refuses at define, fwneg refuses too (exit 2, libvirt's words). */
    if (!fwneg_domain_validate_libvirt(domain, machine, error))
        return NULL;

    plan->name = g_strdup(domain->name);
    plan->uuid = g_strdup(domain->uuid);
    plan->arch = g_strdup(domain->arch);
    plan->machine = g_strdup(machine);
    plan->machine_requested = g_strdup(domain->machine);
    plan->qemu_version = g_strdup(inputs->facts->version);

    plan->firmware = fwneg_firmware_select(domain, machine, inputs->descriptors, inputs->options,
                                           choice_out, error);
    if (plan->firmware == NULL) {
        g_prefix_error(error, "%s: ", domain->source_name);
        return NULL;
    }
    plan->nvram_path = plan_nvram_path(domain, plan->firmware);
    for (guint i = 0; plan->firmware->warnings != NULL && i < plan->firmware->warnings->len; i++)
        g_ptr_array_add(plan->warnings, g_strdup(g_ptr_array_index(plan->firmware->warnings, i)));

    /* firmware.d, loaded once by the caller (the engine) or now for this plan. */
    g_autoptr(FwnegPlanData) own_data = NULL;
    const FwnegPlanData *data = inputs->data;
    if (data == NULL)
        data = own_data = fwneg_plan_data_load(inputs->options);

    /* The device-side stages, each returning its own result. */
    if (!plan_roms(plan, domain, machine, inputs, data, error) ||
        !plan_boot_order(plan, domain, machine, inputs->options, error) ||
        !plan_fw_cfg(plan, domain, machine, inputs, data, error))
        return NULL;

    return g_steal_pointer(&plan);
}
