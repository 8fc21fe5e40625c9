/* fuzz-domain-xml: libvirt domain XML → FwnegDomain (safe-xml + domain-parse),
 * then where its devices go (device-placement) and their boot paths on the
 * machines fwneg models: the stages that read every device the parser kept. */
#include <stddef.h>
#include <stdint.h>

#include "bootorder-plan.h"
#include "device-placement.h"
#include "domain.h"
#include "fuzz-target.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    g_autoptr(GError) error = NULL;
    g_autoptr(FwnegDomain) domain =
        fwneg_domain_parse_memory((const char *)data, size, "fuzz.xml", &error);
    /* Exactly one of the two: a parser that fails must say why. */
    fwneg_fuzz_check_result(domain != NULL, error);
    if (domain == NULL)
        return 0;

    g_autoptr(FwnegPlacementMap) map = fwneg_placement_map_new(domain);
    static const char *const machines[] = {"pc-q35-7.2", "pc-i440fx-7.2", "virt-7.2"};
    for (gsize i = 0; i < G_N_ELEMENTS(machines); i++) {
        g_autoptr(GError) boot_error = NULL;
        /* An empty sysroot: no host PCI device or <dtb> is ever read. */
        g_autoptr(FwnegBootOrder) order =
            fwneg_bootorder_plan(domain, machines[i], "/nonexistent-fuzz-sysroot", &boot_error);
        fwneg_fuzz_check_result(order != NULL, boot_error);
    }
    return 0;
}
