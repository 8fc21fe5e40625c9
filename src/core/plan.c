/* plan.c: build the plan for one guest from its domain model and the host's
 * inputs.  Each stage lives in its own module; this file only sequences them
 * and collects what they say.
 */
#include "plan.h"

#include "bootorder-plan.h"
#include "descriptor-store.h"
#include "domain-validate.h"
#include "fwcfg-plan.h"
#include "rom-plan.h"
#include "fwneg-error.h"

void
fwneg_plan_rom_free(FwnegPlanRom *rom)
{
    if (rom == NULL)
        return;
    g_free(rom->device);
    g_free(rom->model);
    g_free(rom->ramblock);
    g_free(rom->file);
    g_free(rom->sha256);
    g_free(rom->store_file);
    g_free(rom->qemu_id);
    g_free(rom);
}

void
fwneg_plan_fw_cfg_free(FwnegPlanFwCfg *entry)
{
    if (entry == NULL)
        return;
    g_free(entry->name);
    g_free(entry->origin);
    g_clear_pointer(&entry->data, g_bytes_unref);
    g_free(entry->file);
    g_free(entry);
}

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
    g_free(plan);
}

void
fwneg_plan_boot_entry_free(FwnegPlanBootEntry *entry)
{
    if (entry == NULL)
        return;
    g_free(entry->path);
    g_free(entry->device);
    g_free(entry->qemu_id);
    g_free(entry);
}

FwnegPlan *
fwneg_plan_new(void)
{
    FwnegPlan *plan = g_new0(FwnegPlan, 1);
    plan->roms = g_ptr_array_new_with_free_func((GDestroyNotify)fwneg_plan_rom_free);
    plan->bootorder = g_ptr_array_new_with_free_func(g_free);
    plan->boot_entries = g_ptr_array_new_with_free_func((GDestroyNotify)fwneg_plan_boot_entry_free);
    plan->boot_menu_timeout = FWNEG_UNSET;
    plan->fw_cfg = g_ptr_array_new_with_free_func((GDestroyNotify)fwneg_plan_fw_cfg_free);
    plan->fdt_nodes = g_ptr_array_new_with_free_func(g_free);
    plan->warnings = g_ptr_array_new_with_free_func(g_free);
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

FwnegPlan *
fwneg_plan_build(const FwnegDomain *domain, const FwnegPlanInputs *inputs,
                 FwnegFirmwareChoice **choice_out, GError **error)
{
    g_return_val_if_fail(domain != NULL && inputs != NULL && inputs->facts != NULL, NULL);
    g_autoptr(FwnegPlan) plan = fwneg_plan_new();

    if (domain->arch == NULL || fwneg_arch_to_qemu_target(domain->arch) == NULL) {
        g_set_error(error, FWNEG_ERROR, FWNEG_ERROR_INVALID_INPUT,
                    "%s: <os><type arch='%s'>: unknown architecture", domain->source_name,
                    domain->arch ? domain->arch : "");
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

    /* The device-side stages; each fills its own part of the plan. */
    if (!fwneg_rom_plan(domain, inputs, machine, plan, error) ||
        !fwneg_bootorder_plan(domain, machine, plan, error) ||
        !fwneg_fwcfg_plan(domain, inputs, machine, plan, error))
        return NULL;

    return g_steal_pointer(&plan);
}
